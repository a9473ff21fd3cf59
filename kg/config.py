"""One validated configuration per run: a YAML file plus dotted-key overrides.

Secrets are never values in files: a string of the form ``${env:NAME}`` or ``${env:NAME:-default}``
is replaced by the environment variable ``NAME`` when the config is resolved.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kg.schema import DEFAULT_SCHEMA_PATH
from kg.types import DocumentKind

REPO_ROOT = Path(__file__).resolve().parent.parent
_ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(ValueError):
    """The configuration is invalid."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestConfig(_Section):
    text_column: str = "text"
    id_column: str | None = None
    max_chars: int = 1_000_000
    #: The most bytes one input file may hold (decompressed, for .gz): larger files are quarantined.
    max_file_bytes: int = Field(default=2_000_000_000, gt=0)
    #: What the inputs are: ``note`` (clinical notes, medkg's purpose; the demo corpus) or ``abstract``
    #: (PubMed-style text). Every document read is marked with it unless a JSONL record's ``metadata``
    #: names its own ``document_kind``; the NER's notes layer and the relations' note structure act on notes.
    document_kind: DocumentKind = "note"


class PrivacyConfig(_Section):
    """How document ids and input paths are stored (see :mod:`kg.privacy.pseudonyms`)."""

    #: The inputs' document ids and file names carry no PHI (PubMed ids, an already de-identified
    #: export): store them as they are. Default False: they become keyed pseudonyms.
    ids_are_safe: bool = False
    #: The pseudonym key, as a reference such as ``${env:MEDKG_ID_KEY}`` (never the key itself in a
    #: file). Unset: ``$MEDKG_ID_KEY``, else a key generated into ``<store>/id.key``.
    id_key: str | None = None
    #: Run the trained PHI detector beside the de-identification rules (docs/deid.md, round eight);
    #: None: the package default (:data:`kg.privacy.PHI_MODEL_DEFAULT`, or ``$MEDKG_PHI_MODEL``).
    phi_model: bool | None = None


class NerConfig(_Section):
    """The NER stage: a registry name (``accurate``, ``fast``, ``dictionary``) or a model folder.

    ``params`` are the extractor's options; :func:`kg.ner.create_ner` validates them against the
    options model the extractor registered (e.g. :class:`kg.ner.trained.TrainedOptions`).
    """

    name: str = "accurate"
    params: dict[str, Any] = Field(default_factory=dict)


class LinkerConfig(_Section):
    name: str = "candidates"
    #: The linker's options, validated by its options model when the linker is chosen from
    #: ``kg.linking.LINKER_REGISTRY`` (``CandidateLinkerOptions``, ``LexiconLinkerOptions``):
    #: an unknown key or a bad value is a ConfigError that names it.
    params: dict[str, Any] = Field(default_factory=dict)


class RelationsConfig(_Section):
    """The relation extractor: a :data:`kg.relations.RELATION_REGISTRY` name and its options.

    ``params`` are validated against the chosen extractor's options model when the extractor is
    built (``trained``: :class:`kg.relations.extractor.TrainedRelationOptions`; ``rules``:
    :class:`kg.relations.rules.RuleOptions`); an unknown key is a :class:`ConfigError` that names it.
    """

    name: str = "trained"
    params: dict[str, Any] = Field(default_factory=dict)


class SeedConfig(_Section):
    hetionet_dir: str | None = "${env:MEDKG_DATA_DIR:-" + str(REPO_ROOT.parent / "shared" / "data") + "}/hetionet"
    hetionet_edge_types: list[str] | None = None
    hpo_annotations: bool = True
    #: A deterministic sample of every seed for quick trials and CI: at most this many edges per
    #: relationship type per seed source (smaller types kept whole; nodes never sampled). None: all.
    max_edges_per_type: int | None = Field(default=None, ge=0)


class GnnConfig(_Section):
    """Link prediction (``kg.gnn``): the model, its targets and training basics.

    ``params`` holds the flat keys of ``kg.gnn.options.LinkPredParams`` (split, graph, sampler, loss,
    stopper, encoder options, each documented with its default next to its component) and ``per_target``
    values; a key naming a field of this class overrides that field for a target. ``kg.gnn`` validates
    them when it runs (an unknown key is a ``ConfigError`` naming it).
    """

    enabled: bool = True
    #: ``serve``: hypotheses from the trained, versioned model in ``model_dir`` (no training at run time;
    #: a node that model never saw is left out and counted). ``train``: train a fresh GNN on the built
    #: graph with the fields below (the old behaviour; ``medkg train linkpred`` trains a model to serve).
    mode: Literal["serve", "train"] = "serve"
    #: The served model's folder (``medkg train linkpred --set out=...``); None: the shipped
    #: ``kg/resources/models/linkpred/``.
    model_dir: str | None = None
    encoder: str = "rgcn"
    targets: list[str] = Field(default_factory=lambda: ["TREATS", "HAS_SYMPTOM"])
    hidden_dim: int = 64
    epochs: int = 60
    lr: float = 0.01
    seed: int = 13
    top_k: int = 10
    params: dict[str, Any] = Field(default_factory=dict)


class Neo4jConfig(_Section):
    uri: str | None = "${env:NEO4J_URI:-}"
    user: str = "${env:NEO4J_USER:-neo4j}"
    password: str | None = "${env:NEO4J_PASSWORD:-}"
    database: str | None = None
    batch_size: int = 5000
    #: Home of the local server medkg runs (``medkg neo4j start --home DIR``); ``None`` looks at the default
    #: home. A load into an empty database of that server is a ``neo4j-admin`` bulk import (kg.neo4j_load).
    home: str | None = None
    #: Bulk-import into an empty local database (``false``: always the online MERGE batches).
    bulk_import: bool = True
    #: Write every row group in an online load (``false``: the groups the last complete load wrote unchanged
    #: are left out, :mod:`kg.store.neo4j_delta`); for a graph changed in Neo4j by hand.
    full_load: bool = False


class RunConfig(_Section):
    """How a build writes the store (issue 21; see :mod:`kg.build`)."""

    #: Changed documents per checkpoint: each checkpoint is one transaction that leaves a consistent
    #: graph, so a killed run keeps what it committed and the next run resumes after it.
    checkpoint_every: int = Field(default=500, ge=1)
    #: Retract the documents the store holds that are not among this run's inputs (a scheduled run
    #: over a whole source folder). Skipped, with a warning, when an input file could not be read.
    retract_missing: bool = False


class EngineConfig(_Section):
    """What runs the text stages of a build (see :mod:`kg.engines`); the store is always written by the run itself.

    In a file or a ``--set`` override a bare name stands for ``{name: NAME}`` (``engine: dask``).
    """

    #: ``serial``: the run's own process. ``process``: a pool of ``workers`` processes on this machine.
    #: ``dask``: a dask.distributed cluster (``pip install "medkg[dask]"``): the scheduler at
    #: ``scheduler``, or else a LocalCluster of ``workers`` processes started for the run.
    name: Literal["serial", "process", "dask"] = "serial"
    #: Worker processes of ``process`` and of the LocalCluster of ``dask``; each loads the models once.
    workers: int = Field(default=2, ge=1)
    #: An existing Dask scheduler's address (``tcp://host:8786``, ``tls://...``); empty: a LocalCluster.
    scheduler: str | None = "${env:MEDKG_DASK_SCHEDULER:-}"

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data


class MedkgConfig(_Section):
    """The whole run configuration."""

    schema_path: str = str(DEFAULT_SCHEMA_PATH)
    store: str = ".medkg/store"
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    ner: NerConfig = Field(default_factory=NerConfig)
    linker: LinkerConfig = Field(default_factory=LinkerConfig)
    relations: RelationsConfig = Field(default_factory=RelationsConfig)
    seed: SeedConfig = Field(default_factory=SeedConfig)
    gnn: GnnConfig = Field(default_factory=GnnConfig)
    neo4j: Neo4jConfig = Field(default_factory=Neo4jConfig)
    run: RunConfig = Field(default_factory=RunConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)


def _resolve_env(value: Any) -> Any:
    if isinstance(value, str):

        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            got = os.environ.get(name)
            if got is None or got == "":
                if default is None:
                    raise ConfigError(f"environment variable {name} is referenced by the config but not set")
                return default
            return got

        return _ENV_REF.sub(sub, value)
    if isinstance(value, dict):
        return {k: _resolve_env(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_env(v) for v in value]
    return value


def _set_dotted(tree: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override {key!r}: {part!r} is not a section")
    node[parts[-1]] = value


def read_yaml_with_overrides(
    path: str | Path | None, overrides: Sequence[str] | None, what: str = "config"
) -> dict[str, Any]:
    """A YAML mapping (optional file) with ``key.sub=value`` overrides applied (values parsed as YAML)."""
    tree: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{what} file not found: {p}")
        loaded = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{what} file {p} must hold a mapping")
        tree = loaded
    for item in overrides or []:
        if "=" not in item:
            raise ConfigError(f"override {item!r} must look like key.sub=value")
        key, raw = item.split("=", 1)
        _set_dotted(tree, key.strip(), yaml.safe_load(raw))
    return tree


M = TypeVar("M", bound=BaseModel)


def load_yaml_model(
    model: type[M],
    path: str | Path | None,
    overrides: Sequence[str] | None = None,
    *,
    what: str = "config",
    defaults: dict[str, Any] | None = None,
) -> M:
    """The one YAML loader: run configs, training configs and pipeline definitions all come through here.

    Reads the YAML mapping at ``path`` (optional) over ``defaults``, applies ``key.sub=value``
    overrides (values parsed as YAML scalars, so ``gnn.epochs=5`` gives an int), replaces
    ``${env:NAME}`` / ``${env:NAME:-default}`` references and validates the result against ``model``.
    Any failure is a :class:`ConfigError` that names ``what`` and the file.
    """
    tree = read_yaml_with_overrides(path, overrides, what=what)
    if defaults:
        tree = _merge(defaults, tree)
    where = f" {path}" if path is not None else ""
    try:
        first = model.model_validate(_resolve_env(tree))
        # Defaults may hold env references too (e.g. the Neo4j URI): resolve the whole model once more.
        return model.model_validate(_resolve_env(first.model_dump()))
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(f"invalid {what}{where}: {exc}") from exc


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def project_dir(config_path: str | Path | None) -> Path:
    """The folder that relative paths in a config file are read against.

    The nearest folder above the config file that holds a ``pyproject.toml`` (a checkout), else the
    config file's own folder; with no file, the current directory.
    """
    if config_path is None:
        return Path.cwd()
    here = Path(config_path).resolve().parent
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return here


def resolve_under(path: Path, base: Path) -> Path:
    """``path`` itself when absolute, else ``base / path`` resolved."""
    return path if path.is_absolute() else (base / path).resolve()


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> MedkgConfig:
    """The run configuration: a config file (optional) with ``key.sub=value`` overrides (see :func:`load_yaml_model`)."""
    return load_yaml_model(MedkgConfig, path, overrides, what="config")
