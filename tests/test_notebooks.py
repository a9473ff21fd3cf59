"""Notebooks must run: execute every code cell of each notebook against a small real store."""

import json
from pathlib import Path

import pytest

from kg.config import load_config
from kg.pipeline import build
from tests.test_pipeline import NOTES, seed_dir  # noqa: F401  (fixture)

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, seed_dir, monkeypatch):  # noqa: F811
    monkeypatch.delenv("NEO4J_URI", raising=False)
    corpus = tmp_path / "notes.jsonl"
    corpus.write_text("\n".join(json.dumps(n) for n in NOTES), encoding="utf-8")
    store = tmp_path / "store"
    cfg = load_config(None, [f"seed.hetionet_dir={seed_dir}", "seed.hpo_annotations=false", "gnn.enabled=false"])
    build([corpus], cfg, store_dir=store)
    monkeypatch.setenv("MEDKG_STORE", str(store))
    namespace: dict[str, object] = {}
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    assert cells
    for cell in cells:
        exec(compile("".join(cell["source"]), f"{path.name}", "exec"), namespace)  # noqa: S102
    assert namespace["text_edges"]
