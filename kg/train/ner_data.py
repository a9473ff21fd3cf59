"""NER training data: corpora read into training documents, and the leakage-free fold gazetteers.

Leakage rule: a model must not see, on a training document, gazetteer hits that exist only
because that very document's mentions were put into the gazetteer; at test time those names
would be unknown. :func:`fold_gazetteers` therefore builds one gazetteer per fold from the
curated names plus the corpus names of the *other* folds (k-fold, by a stable hash of the
document id), and a training document is featurized with its own fold's gazetteer.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kg.config import ConfigError
from kg.hashing import file_sha256
from kg.io.corpora import read_corpus
from kg.logs import get_logger
from kg.ner.artifacts import NAMES_FILE
from kg.ner.features import Gazetteer

log = get_logger(__name__)


class CorpusSpec(BaseModel):
    """A corpus file, its format and the medkg labels it annotates exhaustively."""

    model_config = ConfigDict(extra="forbid")
    path: Path
    format: Literal["pubtator", "jsonl"] = "pubtator"
    labels: list[Literal["Drug", "Disease"]] = Field(default_factory=lambda: ["Drug", "Disease"])  # type: ignore[arg-type]
    #: Annotation convention (e.g. ``ncbi``): this corpus also trains ``Label@convention`` heads of its own.
    convention: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")


@dataclass
class TrainDoc:
    """A training document: id, text, gold (start, end, label) and the labels its corpus annotates."""

    id: str
    text: str
    entities: list[tuple[int, int, str]]
    heads_annotated: tuple[str, ...]


def corpus_heads(spec: CorpusSpec) -> tuple[str, ...]:
    """The heads a corpus trains: its labels' shared heads, plus ``Label@convention`` ones if it has a convention."""
    extra = [f"{label}@{spec.convention}" for label in spec.labels] if spec.convention else []
    return (*spec.labels, *extra)


def load_training_docs(specs: Sequence[CorpusSpec]) -> tuple[list[TrainDoc], list[dict[str, Any]]]:
    """Training documents from every corpus, and a data record (files, counts, hashes) for the metadata."""
    docs: list[TrainDoc] = []
    record = []
    seen: set[str] = set()
    for spec in specs:
        gold = read_corpus(spec.path, spec.format)
        n_mentions = 0
        duplicates = []
        for g in gold:
            doc_id = f"{spec.path.name}:{g.document.id}"
            if doc_id in seen:
                duplicates.append(g.document.id)  # NCBI-disease train repeats a few abstracts
                continue
            seen.add(doc_id)
            ents = [(e.start, e.end, e.label) for e in g.entities if e.label in spec.labels or e.label == "Symptom"]
            n_mentions += len(ents)
            docs.append(TrainDoc(doc_id, g.document.text, ents, corpus_heads(spec)))
        record.append(
            {
                "file": spec.path.name,
                "format": spec.format,
                "labels": list(spec.labels),
                "convention": spec.convention,
                "documents": len(gold) - len(duplicates),
                "duplicate_documents_skipped": duplicates,
                "mentions": n_mentions,
                "sha256": file_sha256(spec.path),
            }
        )
        if duplicates:
            log.warning("%s: skipped %d repeated document(s): %s", spec.path.name, len(duplicates), duplicates)
        log.info("training corpus %s: %d documents, %d mentions", spec.path.name, len(gold), n_mentions)
    return docs, record


def corpus_names(docs: Sequence[TrainDoc]) -> dict[str, set[tuple[str, str]]]:
    """Document id -> the (surface name, label) pairs annotated in it (for the fold gazetteers)."""
    out: dict[str, set[tuple[str, str]]] = {}
    for d in docs:
        out[d.id] = {(d.text[s:e], "Disease" if lab == "Symptom" else lab) for s, e, lab in d.entities}
    return out


def read_gene_symbols(path: Path) -> list[tuple[str, str]]:
    """(symbol, "Gene") pairs from a Hetionet nodes TSV (header ``id name kind``)."""
    out = []
    with path.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n").split("\t")
        if header[:3] != ["id", "name", "kind"]:
            raise ConfigError(f"{path}: expected the Hetionet nodes header 'id name kind', got {header}")
        for line in f:
            cols = line.rstrip("\r\n").split("\t")
            if len(cols) >= 3 and cols[2] == "Gene" and cols[1]:
                out.append((cols[1], "Gene"))
    return out


def fold_of(doc_id: str, k: int) -> int:
    """A stable fold number in ``[0, k)`` for a document id."""
    return int(hashlib.sha1(doc_id.encode("utf-8")).hexdigest(), 16) % k


def fold_gazetteers(
    curated: Sequence[tuple[str, str]], corpus_names: dict[str, set[tuple[str, str]]], k: int = 5
) -> list[Gazetteer]:
    """One gazetteer per fold: curated names plus corpus names of documents in the other folds.

    Args:
        curated: (name, label) pairs from curated vocabularies (not from the training corpora).
        corpus_names: document id -> the (name, label) pairs annotated in that document.
        k: Number of folds.
    """
    out = []
    for fold in range(k):
        names = list(curated)
        for doc_id, pairs in corpus_names.items():
            if fold_of(doc_id, k) != fold:
                names.extend(pairs)
        out.append(Gazetteer(names))
    return out


def write_names(names: Iterable[tuple[str, str]], out_dir: Path) -> None:
    """Write the training (name, label) pairs the gazetteer uses at inference (read by :mod:`kg.ner.artifacts`)."""
    with gzip.open(out_dir / NAMES_FILE, "wt", encoding="utf-8") as f:
        for name, label in sorted(set(names)):
            f.write(f"{name}\t{label}\n")
