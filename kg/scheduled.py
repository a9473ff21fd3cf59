"""Scheduled pipelines: declarative definitions in ``pipelines/*.yaml``, and their runs (issue 21).

A definition names its source (files, folders or globs), its store, the steps it runs, the run
config of those steps (the same :class:`kg.config.MedkgConfig` as ``medkg build``), optional exports,
the engine that runs its text stages (``serial``, ``process`` or ``dask``: :mod:`kg.engines`) and its
schedule. It is read by the one config loader (:func:`kg.config.load_yaml_model`),
so unknown keys are errors and secrets come from ``${env:...}`` references.

A run is :func:`kg.build.build` over the whole source with ``run.retract_missing`` on (the source is
the complete set, so a document gone from it is retracted, in the store and in Neo4j), then the
exports and a report file. It inherits what ``build`` guarantees: one writer per store, a run record
from its start (``failed`` and ``killed`` runs included), checkpoints a killed run resumes from.
Unchanged documents are skipped (content hash + pipeline key, which covers the model weights and
the privacy rules); ``full=True`` processes every document again.
"""

from __future__ import annotations

import glob
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kg.build import build
from kg.config import ConfigError, MedkgConfig, load_yaml_model
from kg.export import FORMATS, export_checked
from kg.files import private_dir, touch_private
from kg.logs import Operational, get_logger
from kg.schema import load_schema
from kg.store.lock import StoreLock
from kg.store.sqlite import DB_NAME, SqliteStore

log = get_logger(__name__)

#: The folder of the shipped definitions, beside the package in a checkout (``pipelines/nightly.yaml``).
PIPELINES_DIR = Path(__file__).resolve().parents[1] / "pipelines"
#: The steps a pipeline runs, in order; the text steps and the store cannot be left out.
STEPS = ("ingest", "privacy", "ner", "assertion", "linking", "relations", "assembly", "store", "hypotheses", "neo4j")
REQUIRED_STEPS = STEPS[:8]
#: Top-level keys of a definition; any other ``--set`` key is a run-config key (``ner.name=fast``).
_DEFINITION_KEYS = ("name", "description", "source", "store", "steps", "config", "exports", "engine", "schedule")


class SourceSpec(BaseModel):
    """Where a pipeline's documents come from."""

    model_config = ConfigDict(extra="forbid")
    #: Files, folders or glob patterns (``/data/notes/**/*.txt``) of .txt, .jsonl, .csv/.tsv (and .gz of each).
    paths: list[str] = Field(min_length=1)
    #: CSV column holding the text / the document id (default: the run config's ``ingest`` values).
    text_column: str | None = None
    id_column: str | None = None


class ExportSpec(BaseModel):
    """Exports written after each run (owner-only files)."""

    model_config = ConfigDict(extra="forbid")
    dir: str
    formats: list[str] = Field(default_factory=lambda: ["ttl", "graphml", "neo4j-csv"])

    @field_validator("formats")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = sorted(set(v) - set(FORMATS))
        if unknown:
            raise ValueError(f"unknown export format(s) {unknown}; known: {list(FORMATS)}")
        return v


class PipelineDefinition(BaseModel):
    """One ``pipelines/*.yaml`` definition."""

    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    source: SourceSpec
    store: str
    steps: list[str] = Field(default_factory=lambda: list(STEPS))
    #: The run config of the steps (``medkg build``'s config: ner, linker, relations, seed, gnn, neo4j, run).
    config: MedkgConfig = Field(default_factory=MedkgConfig)
    exports: ExportSpec | None = None
    #: When a scheduler should start it (cron syntax, five fields); documentation for cron or a systemd timer.
    schedule: str | None = None
    #: Exit status 5 when more than this share of the input records were quarantined (the scheduler alerts).
    max_quarantine_share: float = Field(default=0.2, ge=0.0, le=1.0)

    @model_validator(mode="before")
    @classmethod
    def _engine(cls, data: Any) -> Any:
        """The top-level ``engine:`` (a name, or ``{name, workers, scheduler}``) is the run config's
        ``engine`` section (:class:`kg.config.EngineConfig`): it runs the text stages of every run."""
        if not isinstance(data, dict) or "engine" not in data:
            return data
        data = dict(data)
        engine = data.pop("engine")
        config = data.get("config") or {}
        if isinstance(config, dict):
            if "engine" in config:
                raise ValueError("the engine is set twice: give it once, as the definition's top-level `engine:`")
            data["config"] = {**config, "engine": engine}
        return data

    @field_validator("steps")
    @classmethod
    def _steps(cls, v: list[str]) -> list[str]:
        unknown = [s for s in v if s not in STEPS]
        if unknown:
            raise ValueError(f"unknown step(s) {unknown}; known: {list(STEPS)}")
        missing = [s for s in REQUIRED_STEPS if s not in v]
        if missing:
            raise ValueError(f"step(s) {missing} cannot be left out (privacy and the text steps always run)")
        if [s for s in v if s in REQUIRED_STEPS] != list(REQUIRED_STEPS):
            raise ValueError(f"the text steps run in this order: {list(REQUIRED_STEPS)}")
        return v

    @field_validator("schedule")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is not None and len(v.split()) != 5:
            raise ValueError(f"schedule {v!r} is not a five-field cron expression")
        return v


def definition_path(pipeline: str | Path) -> Path:
    """A definition's file: ``pipeline`` itself when it is a YAML path, else ``<name>.yaml`` in the
    working folder's ``pipelines/`` (your own), else in medkg's (:data:`PIPELINES_DIR`)."""
    p = Path(pipeline)
    if p.suffix in (".yaml", ".yml"):
        return p
    own = Path("pipelines") / f"{pipeline}.yaml"
    return own if own.is_file() else PIPELINES_DIR / f"{pipeline}.yaml"


def load_definition(
    pipeline: str | Path, overrides: list[str] | None = None, source: str | None = None, store: str | None = None
) -> PipelineDefinition:
    """Read and validate a definition; ``--set`` keys outside the definition's own go to its run config.

    Raises:
        ConfigError: the file is missing or invalid (the message names it).
    """
    path = definition_path(pipeline)
    routed = [o if o.split("=", 1)[0].split(".")[0] in _DEFINITION_KEYS else f"config.{o}" for o in overrides or []]
    if source is not None:
        routed.append(f"source.paths=[{json.dumps(source)}]")
    if store is not None:
        routed.append(f"store={json.dumps(store)}")
    return load_yaml_model(PipelineDefinition, path, routed, what=f"pipeline {pipeline}")


def source_inputs(spec: SourceSpec) -> list[Path]:
    """The source's files and folders, globs expanded (sorted); a path that matches nothing is kept as is,
    so ingest reports it."""
    out: list[Path] = []
    for pattern in spec.paths:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else []
        out += [Path(m) for m in matches] if matches else [Path(pattern)]
    return out


def run_config(defn: PipelineDefinition) -> MedkgConfig:
    """The run config of a definition: its steps switch link prediction and Neo4j, the source is complete."""
    cfg = defn.config
    update: dict[str, Any] = {"store": defn.store, "run": cfg.run.model_copy(update={"retract_missing": True})}
    if "hypotheses" not in defn.steps:
        update["gnn"] = cfg.gnn.model_copy(update={"enabled": False})
    if "neo4j" not in defn.steps:
        update["neo4j"] = cfg.neo4j.model_copy(update={"uri": None})
    ingest = {k: v for k, v in (("text_column", defn.source.text_column), ("id_column", defn.source.id_column)) if v}
    if ingest:
        update["ingest"] = cfg.ingest.model_copy(update=ingest)
    return cfg.model_copy(update=update)


@dataclass(frozen=True)
class PipelineResult:
    """What one pipeline run did; ``summary`` is the ``--json`` line."""

    summary: dict[str, Any]
    report_path: Path
    exit_code: int


#: Exit statuses of ``medkg pipeline run`` (also documented in the README).
EXIT_OK, EXIT_SOME_FAILED, EXIT_TOO_MANY_QUARANTINED = 0, 3, 5


def run_pipeline(defn: PipelineDefinition, full: bool = False) -> PipelineResult:
    """One run of ``defn``: build over the whole source (retracting what is gone), exports, report.

    Raises:
        StoreBusy: another run holds the store.
    """
    cfg = run_config(defn)
    report = build(source_inputs(defn.source), cfg, store_dir=defn.store, force=full)
    exports: list[str] = []
    if defn.exports is not None:
        with SqliteStore(defn.store) as store:
            snapshot = store.snapshot()
        schema = load_schema(cfg.schema_path)
        for fmt in defn.exports.formats:
            paths, _ = export_checked(snapshot, schema, fmt, Path(defn.exports.dir) / fmt)
            exports += map(str, paths)
    processed = report.documents - report.skipped_documents
    summary = {
        "run_id": report.run_id,
        "processed": processed,
        "skipped": report.skipped_documents,
        "retracted": report.retracted,
        "quarantined": report.quarantined,
        "failed": report.failed,
        "status": "complete",
    }
    total = report.documents + report.failed
    share = report.failed / total if total else 0.0
    code = EXIT_OK if not report.failed else EXIT_SOME_FAILED
    if share > defn.max_quarantine_share:
        code = EXIT_TOO_MANY_QUARANTINED
        log.error("quarantined %.0f%% of inputs (limit %.0f%%)", 100 * share, 100 * defn.max_quarantine_share)
    reports = private_dir(Path(defn.store) / "reports")
    path = touch_private(reports / f"{report.run_id}.json")
    detail = {**summary, "pipeline": defn.name, "triples": report.triples, "exports": exports}
    detail["quarantine"] = [q.model_dump() for q in report.quarantine]
    path.write_text(json.dumps(detail, indent=2), encoding="utf-8")
    log.info("pipeline %s run %s: %s", defn.name, Operational(report.run_id), json.dumps(summary))
    return PipelineResult(summary, path, code)


def pipeline_status(defn: PipelineDefinition, last: int = 5) -> dict[str, Any]:
    """The store's state for ``defn``: whether a run holds it, its documents and its last runs."""
    store_dir = Path(defn.store)
    if not (store_dir / DB_NAME).is_file():
        raise ConfigError(f"pipeline {defn.name}: no store at {store_dir} yet (it has never run)")
    holder = StoreLock(store_dir).holder()
    running = f"a medkg run is writing to {store_dir} ({holder})" if holder else None
    with SqliteStore(store_dir) as store:
        runs = store.runs()
        documents = len(store.document_state())
        counts = store.counts()
    return {
        "pipeline": defn.name,
        "store": str(store_dir),
        "running": running,
        "documents": documents,
        "nodes": sum(counts["nodes"].values()),
        "edges": sum(counts["edges"].values()),
        "runs": runs[-last:],
    }
