"""The configs of ``medkg eval linkpred`` and ``medkg train linkpred``, and the graph they read.

Both configs are YAML files with ``--set key.sub=value`` overrides, read by :func:`kg.config.load_yaml_model`.
Their ``params`` (and each model's ``params``) hold the keys of ``gnn.params``
(:class:`kg.gnn.options.LinkPredParams`), validated at load.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kg.artifacts import LINKPRED_MODEL_DIR
from kg.assemble import canonical_edges
from kg.config import REPO_ROOT, ConfigError, GnnConfig, SeedConfig, load_yaml_model
from kg.ids import normalize
from kg.logs import get_logger
from kg.schema import GraphSchema
from kg.seed.hetionet import load_hetionet
from kg.seed.hpo import load_hpo_annotations
from kg.store.sqlite import DB_NAME, SqliteStore
from kg.types import Edge, Node

from .baselines import BASELINES
from .model import ENCODERS
from .options import LinkPredParams, link_params, target_config
from .stacked import StackedSpec

log = get_logger(__name__)

PROTOCOLS = ("random", "degree_matched", "disease_holdout")
SEED_SOURCES = ("hetionet", "hpo")
DEFAULT_MODEL_DIR = LINKPRED_MODEL_DIR
#: The config of ``medkg train linkpred`` without ``--config``: a file of a checkout (configs/ is not
#: part of the installed package).
DEFAULT_TRAIN_CONFIG = REPO_ROOT / "configs" / "linkpred" / "default.yaml"
MODEL_VERSION = "1.0.0"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GraphSource(_Section):
    """Where the graph comes from.

    ``store``: an embedded store built by ``medkg build`` (seeds + text-mined edges). Without a store
    the seeds are read directly (``hetionet_dir``, HPO from hpo3) and there are no text-mined edges.
    ``text_mined: false`` keeps only edges with a curated source (``hetionet``, ``hpo``).
    """

    store: str | None = None
    hetionet_dir: str | None = SeedConfig().hetionet_dir
    hpo_annotations: bool = True
    text_mined: bool = True


class ModelSpec(_Section):
    """One GNN (or shallow KGE with ``encoder: embedding``) to train; ``params`` as in ``GnnConfig.params``."""

    encoder: str = "rgcn"
    hidden_dim: int = 64
    epochs: int = 60
    lr: float = 0.01
    params: dict[str, Any] = Field(default_factory=dict)


class LinkPredEvalConfig(_Section):
    """The config of one ``medkg eval linkpred`` run (a YAML file plus ``--set`` overrides).

    ``primary``: the GNN named in advance as *the* model the floors are checked on (never picked on test).
    ``params``: pipeline and training params shared by every model (:class:`kg.gnn.options.LinkPredParams`),
    with ``per_target`` values.
    """

    graph: GraphSource = Field(default_factory=GraphSource)
    targets: list[str] = Field(default_factory=lambda: ["TREATS", "HAS_SYMPTOM"])
    seeds: list[int] = Field(default_factory=lambda: [13, 14, 15])
    protocols: list[str] = Field(default_factory=lambda: list(PROTOCOLS))
    ablation_text: bool = False
    ablation_models: list[str] | None = None  # models (and baselines) of the without-text variant (None: all)
    ablation_targets: list[str] | None = None  # targets of the without-text variant (None: all)
    models: dict[str, ModelSpec] = Field(default_factory=lambda: {"rgcn": ModelSpec()})
    baselines: list[str] = Field(default_factory=lambda: ["degree", "metapaths", "metapath_lr"])
    primary: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    negatives_per_positive: int = 5


class TrainLinkPredConfig(LinkPredEvalConfig):
    """Config of ``medkg train linkpred``: the graph, the targets, one model (``model``), the seed and ``out``.

    A target of ``stacked`` is trained as the calibrated stacked model with that spec (its ``seed`` is the
    config's). Targets of ``out`` that are not in ``targets`` are kept as they are (``meta.json`` keeps their
    entry), so one target can be retrained alone.
    """

    model: ModelSpec = Field(default_factory=ModelSpec)
    #: targets trained as the calibrated stacked model (:mod:`kg.gnn.stacked`) instead of the GNN ``model``
    stacked: dict[str, StackedSpec] = Field(default_factory=dict)
    seed: int = 13
    out: str = str(DEFAULT_MODEL_DIR)
    version: str = MODEL_VERSION


def target_options(cfg: LinkPredEvalConfig, rel: str) -> LinkPredParams:
    """The run-level params of target ``rel`` (split, graph, evaluation), validated."""
    return link_params(target_config(GnnConfig(targets=[rel], params=cfg.params), rel).params)


def gnn_config(spec: ModelSpec, cfg: LinkPredEvalConfig, rel: str, seed: int) -> GnnConfig:
    """The ``GnnConfig`` of model ``spec`` for target ``rel``: the run's params under the model's, per target."""
    base = GnnConfig(
        encoder=spec.encoder,
        targets=[rel],
        hidden_dim=spec.hidden_dim,
        epochs=spec.epochs,
        lr=spec.lr,
        seed=seed,
        params={**cfg.params, **spec.params},
    )
    return target_config(base, rel)


def _check_params(cfg: LinkPredEvalConfig, specs: Sequence[ModelSpec]) -> None:
    for rel in cfg.targets:
        target_options(cfg, rel)
        for spec in specs:
            link_params(gnn_config(spec, cfg, rel, 0).params)


def load_eval_config(path: str | Path | None, overrides: Sequence[str] | None = None) -> LinkPredEvalConfig:
    """Read and validate an eval config.

    Raises:
        ConfigError: unreadable file, unknown key (``params`` keys included), unknown protocol, encoder or
            baseline.
    """
    cfg = load_yaml_model(LinkPredEvalConfig, path, overrides, what="link-prediction eval config")
    bad = sorted(set(cfg.protocols) - set(PROTOCOLS))
    if bad:
        raise ConfigError(f"unknown protocols {bad}; known: {list(PROTOCOLS)}")
    for spec in cfg.models.values():
        try:
            ENCODERS.get(spec.encoder)
        except KeyError as exc:
            raise ConfigError(str(exc)) from exc
    for b in cfg.baselines:
        try:
            BASELINES.get(b)
        except KeyError as exc:
            raise ConfigError(str(exc)) from exc
    if cfg.primary is not None and cfg.primary not in cfg.models:
        raise ConfigError(f"primary model {cfg.primary!r} is not among the models {sorted(cfg.models)}")
    _check_params(cfg, list(cfg.models.values()))
    return cfg


def load_train_config(path: str | Path | None, overrides: Sequence[str] | None = None) -> TrainLinkPredConfig:
    """Read and validate a ``train linkpred`` config (None: :data:`DEFAULT_TRAIN_CONFIG`).

    Raises:
        ConfigError: unreadable file (the default one is a file of a checkout: the message says so), unknown
            key (``params`` keys included).
    """
    path = DEFAULT_TRAIN_CONFIG if path is None else path
    if Path(path) == DEFAULT_TRAIN_CONFIG and not DEFAULT_TRAIN_CONFIG.is_file():
        raise ConfigError(
            f"the default link-prediction training config {DEFAULT_TRAIN_CONFIG} is missing: it is "
            "configs/linkpred/default.yaml of a medkg checkout and is not installed with the package; "
            "pass --config FILE"
        )
    cfg = load_yaml_model(TrainLinkPredConfig, path, overrides, what="link-prediction training config")
    _check_params(cfg, [cfg.model])
    return cfg


def curated_only(edges: Sequence[Edge]) -> list[Edge]:
    """The edges with a curated (seed) source; text-only edges are left out, the rest get confidence 1."""
    out = []
    for e in edges:
        if any(s in SEED_SOURCES for s in e.sources):
            out.append(e if e.confidence == 1.0 else e.model_copy(update={"confidence": 1.0}))
    return out


def _read_seeds(source: GraphSource, schema: GraphSchema) -> tuple[list[Node], list[Edge], str]:
    if not source.hetionet_dir or not Path(source.hetionet_dir).is_dir():
        raise ConfigError(f"Hetionet folder not found: {source.hetionet_dir}")
    het = load_hetionet(source.hetionet_dir, schema)
    nodes, edges = list(het.nodes), canonical_edges(het.edges, schema)
    if source.hpo_annotations:
        doid = {normalize(n.name): n.id for n in het.nodes if n.label == "Disease" and n.id.startswith("DOID:")}
        hpo = load_hpo_annotations(schema, doid_names=doid)
        seen = {n.id for n in nodes}
        nodes += [n for n in hpo.nodes if n.id not in seen]
        edges += canonical_edges(hpo.edges, schema)
    return nodes, edges, f"seeds {source.hetionet_dir}" + (" + HPO" if source.hpo_annotations else "")


def load_graph(source: GraphSource, schema: GraphSchema) -> tuple[list[Node], list[Edge], dict[str, Any]]:
    """The nodes and asserted edges of the evaluation graph, and what was read.

    Raises:
        ConfigError: the store or the Hetionet folder does not exist.
    """
    t0 = time.perf_counter()
    source = load_yaml_model(GraphSource, None, defaults=source.model_dump(), what="link-prediction graph source")
    if source.store:
        if not (Path(source.store) / DB_NAME).is_file():
            raise ConfigError(f"no medkg store at {source.store} (build one with `medkg build`)")
        with SqliteStore(source.store) as store:
            nodes, edges = list(store.nodes()), list(store.edges())
        origin = f"store {source.store}"
    else:
        nodes, edges, origin = _read_seeds(source, schema)
    n_text = sum(1 for e in edges if not any(s in SEED_SOURCES for s in e.sources))
    if not source.text_mined:
        edges = curated_only(edges)
    info = {
        "origin": origin,
        "nodes": len(nodes),
        "edges": len(edges),
        "text_only_edges_in_source": n_text,
        "text_mined": source.text_mined,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    log.info("link-prediction graph: %s", info)
    return nodes, edges, info
