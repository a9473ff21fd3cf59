"""Model artifacts on the ground floor: where packaged models live, their ``meta.json``, the cache dir.

Every trained component (NER, relations, linker, link prediction) keeps its weights in a folder with
a ``meta.json`` beside them (data hashes, seed, metrics, version); this module is the one place that
knows that layout, so no stage imports another stage to find a model.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from kg.hashing import file_sha256

#: The committed models, inside the package (shipped in the wheel as package data).
MODELS_DIR = Path(__file__).resolve().parent / "resources" / "models"
#: The metadata file every model folder holds.
META_FILE = "meta.json"
#: The shipped link-prediction model (``medkg train linkpred`` writes it; served by :mod:`kg.gnn.serve`).
LINKPRED_MODEL_DIR = MODELS_DIR / "linkpred"


class ModelArtifactError(RuntimeError):
    """A model directory is missing files or does not match this code."""


def read_meta(directory: str | Path) -> dict[str, Any]:
    """The ``meta.json`` of a model folder.

    Raises:
        ModelArtifactError: The folder has no readable ``meta.json``.
    """
    path = Path(directory) / META_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelArtifactError(f"{directory}: no {META_FILE}; is this a medkg model folder?") from None
    except json.JSONDecodeError as exc:
        raise ModelArtifactError(f"{path}: not valid JSON ({exc})") from None


def linkpred_fingerprint(model_dir: str | Path | None = None) -> str | None:
    """SHA-256 of the ``meta.json`` of the link-prediction model in ``model_dir`` (default: the shipped one),
    which every retraining rewrites; None where the folder has none.

    Read without importing torch or the GNN code, so a build whose graph and model are unchanged never
    imports them (:func:`kg.build.run_linkprediction_step`); :func:`kg.gnn.serving.model_fingerprint` is
    this digest too.
    """
    meta = (Path(model_dir) if model_dir else LINKPRED_MODEL_DIR) / META_FILE
    return file_sha256(meta) if meta.is_file() else None


def default_cache_dir() -> Path | None:
    """Where derived indexes and features are cached: ``$MEDKG_CACHE_DIR``, else the user cache dir.

    The user cache dir is ``$XDG_CACHE_HOME/medkg`` (default ``~/.cache/medkg``).
    ``MEDKG_CACHE_DIR=off`` (or ``none``, ``0``, ``false``) disables the cache.
    """
    env = os.environ.get("MEDKG_CACHE_DIR")
    if env is not None and env.strip():
        return None if env.strip().lower() in {"off", "none", "0", "false"} else Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "medkg"
