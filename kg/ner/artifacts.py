"""Reading a trained NER model folder: its ``meta.json`` check and the gazetteer names it ships.

Both trained kinds (``transformer``, ``spacy``) keep beside their weights the (name, label) pairs
of their training corpora in :data:`NAMES_FILE`; at inference they are joined with the lexicon's
curated names into the model's gazetteer. The folders are written by ``medkg train ner``
(:mod:`kg.train.ner`); this module only reads them.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kg.artifacts import META_FILE, ModelArtifactError
from kg.ner.features import Gazetteer
from kg.vocab.lexicon import CURATED_SOURCES, load_lexicon

#: Gzipped TSV of the training (name, label) pairs, one ``name<TAB>label`` per line.
NAMES_FILE = "gazetteer_names.tsv.gz"


def read_names(path: Path) -> list[tuple[str, str]]:
    """(name, label) pairs from a gazetteer names file."""
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                name, label = line.rstrip("\n").split("\t")
                out.append((name, label))
    return out


def curated_names(lexicon_path: str | None = None) -> list[tuple[str, str]]:
    """(name, label) pairs of the lexicon's curated entries (Hetionet, HPO); no corpus names."""
    return [(e.term, e.label) for e in load_lexicon(lexicon_path) if e.source in CURATED_SOURCES]


def model_gazetteer(model_dir: Path, lexicon_path: str | None = None) -> Gazetteer:
    """The gazetteer a model folder tags with: the curated names plus its own training names."""
    return Gazetteer([*curated_names(lexicon_path), *read_names(model_dir / NAMES_FILE)])


def read_model_meta(model_dir: Path, kind: str, files: Sequence[str]) -> dict[str, Any]:
    """The ``meta.json`` of a model folder, after checking its kind and that ``files`` exist."""
    for name in (META_FILE, *files):
        if not (model_dir / name).exists():
            raise ModelArtifactError(f"model folder {model_dir} has no {name}; train it with `medkg train ner`")
    meta: dict[str, Any] = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
    if meta.get("kind") != kind:
        raise ModelArtifactError(f"{model_dir} holds a {meta.get('kind')!r} model, not a {kind!r} model")
    return meta
