"""Loading the trained relation models by packaged name or folder."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.artifacts import META_FILE, MODELS_DIR, ModelArtifactError
from kg.encoders import resolved_precision
from kg.relations.linear import DocLinearModel
from kg.relations.transformer import load_pair_classifier

#: The packaged model of each task.
DEFAULT_MODELS = {
    "ddi": "relations-ddi",
    "drug-disease": "relations-drug-disease",
    "has-symptom": "relations-has-symptom",
}
KINDS = ("relations-pair-transformer", "relations-doc-linear", "relations-distant-linear")


def model_dir(name: str | Path) -> Path:
    """The folder of a relation model: a folder holding ``meta.json``, or a packaged model name."""
    p = Path(name)
    if (p / META_FILE).is_file():
        return p
    packaged = MODELS_DIR / str(name)
    if (packaged / META_FILE).is_file():
        return packaged
    known = (
        sorted(d.name for d in MODELS_DIR.iterdir() if d.name.startswith("relations-")) if MODELS_DIR.is_dir() else []
    )
    raise ModelArtifactError(
        f"no relation model {str(name)!r} (a folder with {META_FILE} or a packaged name; known: {', '.join(known) or 'none'});"
        " train one with `medkg train relations --config configs/relations/...`"
    )


def read_meta(directory: Path) -> dict[str, Any]:
    """The folder's ``meta.json`` after checking it holds a relation model."""
    meta: dict[str, Any] = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    if meta.get("kind") not in KINDS:
        raise ModelArtifactError(
            f"{directory} holds a {meta.get('kind')!r} model, not a relation model ({', '.join(KINDS)})"
        )
    return meta


@lru_cache(maxsize=8)
def _load(directory: str, precision: str) -> Any:
    path = Path(directory)
    meta = read_meta(path)
    if meta["kind"] == "relations-pair-transformer":
        return load_pair_classifier(path, meta, precision)
    return DocLinearModel.load(path)


def load_relation_model(name: str | Path, precision: str = "fp32") -> Any:
    """The trained model (``PairClassifier`` or ``DocLinearModel``) in a folder or packaged under ``name``;
    a pair transformer runs in ``precision`` (:data:`kg.encoders.PRECISIONS`; the linear models in float64)."""
    return _load(str(model_dir(name).resolve()), resolved_precision(precision))
