"""Typed options of link prediction: the keys of ``gnn.params`` (and of ``params`` in configs/linkpred/*.yaml).

The YAML keys are flat (``neg_mode: mix``, ``val_ratio: 0.1``); each component declares the keys it reads,
with their defaults, next to itself: :class:`kg.gnn.sampling.SamplingOptions`, :class:`kg.gnn.losses.LossOptions`,
:class:`kg.gnn.stoppers.StopperOptions`, :class:`kg.gnn.model.EncoderOptions`. :class:`TrainOptions` adds the
training keys of no single component, :class:`TargetOptions` those of the per-target recipe (split, graph,
evaluation, hypotheses), and :class:`LinkPredParams` is all of them: :func:`link_params` validates a params
mapping against it, so an unknown key is a :class:`kg.config.ConfigError` that names it.

A key that names a ``GnnConfig`` field (``lr``, ``epochs``, ...) overrides that field for a target
(:func:`target_config`); :func:`link_params` leaves such keys to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kg.config import ConfigError, GnnConfig

from .losses import LossOptions
from .model import EncoderOptions
from .sampling import SamplingOptions
from .stoppers import StopperOptions

#: ``GnnConfig`` fields a params key may override per target.
CONFIG_FIELDS = frozenset(k for k in GnnConfig.model_fields if k != "params")

#: Default per-target values of any params key (see :func:`target_params` for the precedence).
DEFAULT_PER_TARGET: dict[str, dict[str, Any]] = {
    # HPO's HAS_SYMPTOM edges would dominate the TREATS graph's cost and carry no drug signal
    "TREATS": {"exclude_signatures": [["Gene", "*", "Gene"], ["Anatomy", "*", "Gene"], ["*", "HAS_SYMPTOM", "*"]]},
    # a few hundred thousand HPO edges: one layer, fewer steps per epoch
    "HAS_SYMPTOM": {
        "num_layers": 1,
        "max_steps_per_epoch": 2,
        "max_message_edges": 50_000,
        "eval_every": 10,
        "lr": 0.05,
        # served hypotheses only for what the graph knows well enough (docs/gnn.md, "HAS_SYMPTOM candidates")
        "min_group_known": 3,
        "min_group_other": 5,
        "min_candidate_known": 3,
    },
}


Side = Literal["head", "tail"]
_GROUP_BY: dict[str, Side] = {"TREATS": "tail", "HAS_SYMPTOM": "head"}


class TrainOptions(EncoderOptions, SamplingOptions, StopperOptions, LossOptions):
    """Every training key: the encoder's, the samplers', the stopper's and the loss's, and these."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    weight_decay: float = 0.0
    """Adam weight decay."""
    pair_features: bool = False
    """Add a pair head over metapath DWPC + log degrees (computed on the training graph)."""
    metapaths: dict[str, list[list[str]]] | None = None
    """Metapath name -> list of edge types (None: ``kg.gnn.metapaths.DEFAULT_METAPATHS`` of the target)."""
    pair_lr_scale: float = 0.1
    """Learning rate of the pair head relative to ``lr`` (0: a frozen head, as ensemble members need)."""
    max_feature_queries: int = 512
    """Pair head: query nodes per fold whose feature rows are computed."""
    name_features: list[str] | None = None
    """Labels whose input is their name embedding (:mod:`kg.gnn.features`) instead of a free one."""
    name_encoder: str = "minilm"
    """``minilm``, ``chars`` or ``minilm+chars`` (``kg.gnn.features.NAME_ENCODERS``)."""
    members: int = Field(default=1, ge=1)
    """Ensemble size: models differing in initial weights and negatives, averaged (``train_members``)."""


class TargetOptions(BaseModel):
    """The per-target recipe's keys: split, message-passing graph, evaluation and hypotheses."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    val_ratio: float = 0.1
    """Share of the target pairs held out for validation."""
    test_ratio: float = 0.1
    """Share of the target pairs held out for test."""
    min_edges: int = 10
    """A target with fewer edges is skipped."""
    edge_types: list[str] | None = None
    """Relation types of the message-passing graph (None: every non-predicted type)."""
    exclude_edge_types: list[str] = Field(default_factory=list)
    """Relation types left out of the message-passing graph (never a target)."""
    exclude_signatures: list[list[str]] = Field(
        default_factory=lambda: [["Gene", "*", "Gene"], ["Anatomy", "*", "Gene"]]
    )
    """(head label, relation, tail label) patterns left out of the message-passing graph; ``*`` matches any.
    Gene-Gene and Anatomy-Gene are ~80% of Hetionet's edges and too slow for full-batch CPU training."""
    max_test_edges: int | None = 5000
    """Test pairs evaluated (a seeded subset)."""
    group_by: dict[str, Side] = Field(default_factory=lambda: dict(_GROUP_BY))
    """Target -> the side whose candidates are ranked (hypotheses: top drugs per disease, symptoms per
    disease); a target not named: ``head``."""
    exclude_known: dict[str, list[str]] = Field(default_factory=lambda: {"TREATS": ["PALLIATES"]})
    """Target -> relations whose pairs are also never proposed."""
    max_paths: int = 3
    """Explaining paths per hypothesis."""
    max_explained: int | None = 50_000
    """Hypotheses explained per target, best ranks first."""
    min_group_known: int = Field(default=0, ge=0)
    """Served hypotheses: a group node (a disease) gets candidates only if it has at least this many asserted
    pairs of the target in the build's graph (HAS_SYMPTOM: known symptoms; default 3 there, 0 elsewhere)."""
    min_group_other: int | None = Field(default=None, ge=0)
    """Served hypotheses: a group node with fewer than ``min_group_known`` target pairs is still served if it has
    at least this many edges of other types (genes, anatomy, drugs, similar diseases); None: no such exception
    (HAS_SYMPTOM: 5)."""
    min_candidate_known: int = Field(default=0, ge=0)
    """Served hypotheses: a candidate (a symptom) is proposed only if it has at least this many asserted pairs of
    the target in the build's graph (HAS_SYMPTOM: diseases with that symptom; default 3 there, 0 elsewhere)."""
    num_threads: int | None = None
    """torch intra-op threads (None: leave torch's setting)."""
    target_sources: dict[str, list[str] | None] = Field(default_factory=dict)
    """Target -> only edges with one of these sources are target pairs (split, evaluated); other edges of
    the target type (text-mined only) stay in the message-passing graph. A target not named: every edge."""
    per_target: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Target -> values of any params key for that target (over :data:`DEFAULT_PER_TARGET`)."""

    def query_side(self, rel: str) -> str:
        """The side of ``rel`` whose candidates are ranked (``group_by``)."""
        return self.group_by.get(rel, "head")


class LinkPredParams(TargetOptions, TrainOptions):
    """Every key of ``gnn.params``: :class:`TargetOptions` and :class:`TrainOptions`."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    @model_validator(mode="after")
    def _per_target_keys(self) -> LinkPredParams:
        for rel, values in self.per_target.items():
            try:
                LinkPredParams.model_validate(_without_fields(values))
            except ValidationError as exc:
                raise ValueError(f"per_target.{rel}: {_describe(exc)}") from None
        return self


def _without_fields(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in CONFIG_FIELDS}


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"params.{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())


def link_params(params: Mapping[str, Any]) -> LinkPredParams:
    """``params`` validated (keys naming a ``GnnConfig`` field are left to :func:`target_config`).

    Raises:
        ConfigError: an unknown key or a bad value; the message names the key (``params.KEY``).
    """
    try:
        return LinkPredParams.model_validate(_without_fields(params))
    except ValidationError as exc:
        raise ConfigError(f"invalid GNN params: {_describe(exc)}") from None


def target_params(config: GnnConfig, rel: str) -> dict[str, Any]:
    """The params for target ``rel``: default per-target values, then the run's params, then its per-target values.

    A key the run sets globally wins over the default per-target value of that key. A key that names a
    ``GnnConfig`` field (e.g. ``lr``, ``epochs``) overrides that field for the target (:func:`target_config`).
    """
    defaults = DEFAULT_PER_TARGET.get(rel, {})
    user = config.params.get("per_target", {}).get(rel, {})
    return {**{k: v for k, v in defaults.items() if k not in config.params}, **config.params, **user}


def target_config(config: GnnConfig, rel: str) -> GnnConfig:
    """``config`` for target ``rel``: its :func:`target_params`, with the keys naming a ``GnnConfig`` field moved
    into that field."""
    params = target_params(config, rel)
    fields = {k: params.pop(k) for k in list(params) if k in CONFIG_FIELDS}
    return config.model_copy(update={"params": params, **fields})


def resolve_fold_by(config: GnnConfig, holdout: str) -> GnnConfig:
    """``params.fold_by: split`` made concrete for a split that holds out ``holdout`` (edges, head or tail):
    folds of whole query nodes on a hold-out split (cold start), folds of edges otherwise."""
    if link_params(config.params).fold_by != "split":
        return config
    fold_by = "edges" if holdout == "edges" else "query"
    return config.model_copy(update={"params": {**config.params, "fold_by": fold_by}})
