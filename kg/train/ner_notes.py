"""The notes tagger: the accurate tagger fine-tuned further on annotated clinical-note snippets (issue 19).

The abstracts model (:mod:`kg.ner.transformer`, BC5CDR + NCBI-disease) has Drug and Disease heads and
tags signs and symptoms as Disease. The notes tagger starts from its weights, adds a **Symptom** head
(initialised as a copy of the Disease head, so training starts from the abstracts model's behaviour)
and fine-tunes encoder and heads on standoff-annotated note snippets (``docs/annotation.md``), where
Disease and Symptom are separate labels. Its gazetteer is the starting model's (curated names plus the
abstracts' training names): no note name is added, so a held-out note's gazetteer hits do not depend on
its own annotations.

Cross-validation groups snippets by note (:func:`note_folds`): snippets of one note never sit on both
sides of a fold.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from kg import __version__
from kg.artifacts import META_FILE, ModelArtifactError
from kg.config import ConfigError, load_yaml_model, project_dir, resolve_under
from kg.hashing import file_sha256
from kg.io.corpora import read_corpus
from kg.logs import get_logger
from kg.ner.artifacts import NAMES_FILE, model_gazetteer, read_model_meta, read_names
from kg.ner.features import Gazetteer
from kg.ner.transformer import WEIGHTS_FILE, TaggerNet, active_heads, load_net
from kg.train.ner_data import TrainDoc
from kg.train.ner_transformer import TransformerTrainOptions, save_tagger, train_tagger

log = get_logger(__name__)

#: Heads of the notes tagger with a Symptom head of its own, in this order.
NOTES_HEADS = ("Drug", "Disease", "Symptom")
#: Heads of the notes tagger that keeps the abstracts' heads (Symptom taught as Disease, typed afterwards).
SHARED_HEADS = ("Drug", "Disease")


def note_of(snippet_id: str) -> str:
    """The note a standoff snippet id belongs to: ``mts-x003-s1`` -> ``mts-x003``."""
    return snippet_id.rsplit("-s", 1)[0] if "-s" in snippet_id else snippet_id


def note_folds(snippet_ids: Sequence[str], k: int) -> list[int]:
    """A fold in ``[0, k)`` per snippet, by a stable hash of its note id (all snippets of a note together)."""
    return [int(hashlib.sha1(note_of(s).encode("utf-8")).hexdigest(), 16) % k for s in snippet_ids]


def load_note_docs(
    annotations: Path, notes_csv: Path, exclude_notes: Sequence[str] = (), heads: Sequence[str] = NOTES_HEADS
) -> list[TrainDoc]:
    """Training documents from standoff note snippets (Drug, Disease, Symptom annotated; ``heads`` trained).

    Raises:
        ValueError: a snippet belongs to a note in ``exclude_notes`` (e.g. a note the test split uses).
    """
    banned = set(exclude_notes)
    docs = []
    for g in read_corpus(annotations, "standoff", notes=notes_csv):
        if note_of(g.document.id) in banned:
            raise ValueError(f"{annotations}: snippet {g.document.id} is from a held-out note; refusing to train on it")
        ents = [(e.start, e.end, e.label) for e in g.entities]
        docs.append(TrainDoc(g.document.id, g.document.text, ents, tuple(heads)))
    return docs


def notes_net_from(base_dir: Path, heads: Sequence[str] = NOTES_HEADS) -> TaggerNet:
    """A :class:`TaggerNet` with ``heads`` (:data:`NOTES_HEADS` or :data:`SHARED_HEADS`) from an abstracts model.

    The encoder, feature embeddings and the shared Drug and Disease heads are copied; a Symptom head
    starts as a copy of the Disease head. The word-embedding matrix stays frozen.
    """
    meta = read_model_meta(base_dir, "transformer", (WEIGHTS_FILE, NAMES_FILE))
    base = load_net(base_dir, meta)
    shared = dict((label, i) for i, label in active_heads(meta["heads"]))
    missing = [h for h in ("Drug", "Disease") if h not in shared]
    if missing:
        raise ModelArtifactError(f"{base_dir}: the starting model has no shared {missing} head(s)")
    net = TaggerNet(base.bert, n_heads=len(heads))
    net.case_emb.load_state_dict(base.case_emb.state_dict())
    net.gaz_emb.load_state_dict(base.gaz_emb.state_dict())
    hidden = base.heads.in_features
    weight = base.heads.weight.detach().view(len(meta["heads"]), 3, hidden)
    bias = base.heads.bias.detach().view(len(meta["heads"]), 3)
    source = [shared["Disease" if h == "Symptom" else h] for h in heads]  # Symptom starts as Disease
    with torch.no_grad():
        net.heads.weight.copy_(weight[source].reshape(3 * len(heads), hidden))
        net.heads.bias.copy_(bias[source].reshape(-1))
    net.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return net


def base_gazetteer(base_dir: Path) -> Gazetteer:
    """The gazetteer every notes training document is featurized with (the starting model's)."""
    return model_gazetteer(base_dir)


def frozen_layers(net: TaggerNet, n: int) -> None:
    """Freeze the embeddings (with the case and gazetteer features) and the first ``n`` encoder layers.

    Fewer parameters to fit on a few hundred snippets, and backpropagation stops above layer ``n``
    (nothing below it requires a gradient), which cuts the training time.
    """
    if n <= 0:
        return
    modules: list[nn.Module] = [net.case_emb, net.gaz_emb, net.bert.embeddings, *net.bert.encoder.layer[:n]]
    for module in modules:
        for p in module.parameters():
            p.requires_grad_(False)


def train_notes_model(
    base_dir: Path,
    annotations: Path,
    notes_csv: Path,
    options: TransformerTrainOptions,
    out_dir: Path,
    *,
    seed: int = 13,
    version: str = "1.0.0",
    name: str = "ner-notes",
    exclude_notes: Sequence[str] = (),
    freeze_layers: int = 0,
    symptom_head: bool = True,
) -> dict[str, Any]:
    """Fine-tune the notes tagger from the model in ``base_dir`` on the snippets of ``annotations``; write it.

    ``symptom_head``: a Symptom head of its own (:data:`NOTES_HEADS`); else the abstracts' heads
    (:data:`SHARED_HEADS`), Symptom taught as Disease and typed by the document-level steps as before.
    Returns the metadata written to ``out_dir/meta.json`` (data hashes and counts, options, seed, base model).
    """
    started = time.monotonic()
    heads = NOTES_HEADS if symptom_head else SHARED_HEADS
    docs = load_note_docs(annotations, notes_csv, exclude_notes, heads)
    gazetteer = base_gazetteer(base_dir)

    def init() -> TaggerNet:
        net = notes_net_from(base_dir, heads)
        frozen_layers(net, freeze_layers)
        return net

    net = train_tagger(docs, lambda _doc_id: gazetteer, options, heads=heads, seed=seed, init=init)
    base_meta = read_model_meta(base_dir, "transformer", (WEIGHTS_FILE, NAMES_FILE))
    labels = Counter(label for d in docs for _, _, label in d.entities)
    meta = {
        "name": name,
        "kind": "transformer",
        "version": version,
        "medkg_version": __version__,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": seed,
        "heads": list(heads),
        "labels": list(NOTES_HEADS),
        "max_tokens": options.max_tokens,
        "context": options.context,
        "params": options.model_dump() | {"freeze_layers": freeze_layers},
        "data": [
            {
                "file": annotations.name,
                "format": "standoff",
                "notes_csv_sha256": file_sha256(notes_csv),
                "sha256": file_sha256(annotations),
                "documents": len(docs),
                "notes": len({note_of(d.id) for d in docs}),
                "mentions": dict(sorted(labels.items())),
            }
        ],
        "init_from": {
            "name": base_meta.get("name"),
            "version": base_meta.get("version"),
            "weights_sha256": file_sha256(base_dir / WEIGHTS_FILE),
        },
        "base_model": base_meta.get("base_model"),
        "machine": {"platform": platform.platform(), "threads": torch.get_num_threads()},
    }
    save_tagger(net, meta, read_names(base_dir / NAMES_FILE), out_dir)
    meta["train_minutes"] = round((time.monotonic() - started) / 60, 2)
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log.info("notes tagger written to %s (%.1f min)", out_dir, meta["train_minutes"])
    return meta


class NotesTrainConfig(BaseModel):
    """A ``kind: notes`` training config (``configs/ner/notes.yaml``): everything the notes tagger depends on."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["notes"]
    name: str = "ner-notes"
    version: str = "1.0.0"
    seed: int = 13
    #: The abstracts model to start from (a folder written by ``medkg train ner``, kind transformer).
    init_from: Path
    out: Path
    #: Standoff snippets to train on (docs/annotation.md) and the notes CSV they point into.
    annotations: Path
    notes: Path
    #: Standoff files whose notes must not be trained on (the test split); a snippet of one is an error.
    exclude: list[Path] = Field(default_factory=list)
    #: Encoder layers (from the bottom, after the embeddings) kept frozen.
    freeze_layers: int = Field(default=0, ge=0, le=6)
    #: A Symptom head of its own (True) or the abstracts' Drug and Disease heads (False).
    symptom_head: bool = True
    threads: int | None = None
    params: TransformerTrainOptions = Field(default_factory=TransformerTrainOptions)


def load_notes_config(path: str | Path, overrides: Sequence[str] = ()) -> NotesTrainConfig:
    """Read a ``kind: notes`` training config; resolve its paths against the project folder and check them."""
    cfg = load_yaml_model(NotesTrainConfig, path, overrides, what="training config")
    base = project_dir(path)
    cfg.init_from, cfg.out = resolve_under(cfg.init_from, base), resolve_under(cfg.out, base)
    cfg.annotations, cfg.notes = resolve_under(cfg.annotations, base), resolve_under(cfg.notes, base)
    cfg.exclude = [resolve_under(p, base) for p in cfg.exclude]
    for p in (cfg.annotations, cfg.notes, *cfg.exclude):
        if not p.is_file():
            raise ConfigError(f"{path}: file not found: {p}")
    return cfg


def excluded_notes(paths: Sequence[Path]) -> list[str]:
    """The note ids that the standoff files ``paths`` use."""
    out = set()
    for p in paths:
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.add(str(json.loads(line)["note_id"]))
    return sorted(out)


def train_notes(cfg: NotesTrainConfig) -> dict[str, Any]:
    """Train and write the notes tagger of a ``kind: notes`` config; returns its metadata."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    return train_notes_model(
        cfg.init_from,
        cfg.annotations,
        cfg.notes,
        cfg.params,
        cfg.out,
        seed=cfg.seed,
        version=cfg.version,
        name=cfg.name,
        exclude_notes=excluded_notes(cfg.exclude),
        freeze_layers=cfg.freeze_layers,
        symptom_head=cfg.symptom_head,
    )
