"""Loading a link-prediction model never runs code from its files (``torch.load(weights_only=True)``)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import torch

from kg.gnn.serving import DEFAULT_MODEL_DIR, NoModelError, TargetModel, load_default
from kg.gnn.stacked_serving import StackedTarget


class _Payload:
    """Unpickling this calls ``os.system`` with a command that writes a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.marker}",))


def test_a_crafted_pickle_in_a_model_folder_is_refused_and_never_runs(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "meta.json").write_text(json.dumps({"targets": {"TREATS": {}}}), encoding="utf-8")
    marker = tmp_path / "pwned"
    torch.save({"target": ("Drug", "TREATS", "Disease"), "evil": _Payload(marker)}, model / "TREATS.pt")
    with pytest.raises(NoModelError, match="refused to unpickle"):
        load_default(model)
    assert not marker.exists()


def test_the_committed_model_loads_with_weights_only(tmp_path: Path) -> None:
    copy = tmp_path / "linkpred"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    model = load_default(copy)
    assert set(model.targets) == set(json.loads((copy / "meta.json").read_text(encoding="utf-8"))["targets"])
    gnn = [t for t in model.targets.values() if isinstance(t, TargetModel)]
    assert all(t.z_head.dtype == torch.float32 for t in gnn)
    # the stacked TREATS model is JSON + safetensors: no pickle at all
    assert isinstance(model.targets["TREATS"], StackedTarget)
    assert not (copy / "TREATS.pt").exists() and (copy / "TREATS.safetensors").is_file()
