"""The link-prediction entry point: split, train, evaluate against a baseline, hypothesise."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

import kg
from kg.artifacts import default_cache_dir
from kg.config import GnnConfig
from kg.schema import GraphSchema
from kg.types import Edge, Hypothesis, Node

from .data import GraphIndex, build_graph, matches_pattern
from .evaluate import degree_scorer, evaluate_scorer, known_matrix
from .hypotheses import build_path_index, top_k_hypotheses
from .metapaths import pair_features
from .model import ENCODERS
from .split import LinkSplit, TargetUnavailable, split_target
from .train import embed, gnn_scorers, input_features, model_metapaths, param, resolve_fold_by, train_members

log = logging.getLogger(__name__)

#: Defaults of the ``GnnConfig.params`` keys read here (training keys: :data:`kg.gnn.train.TRAIN_DEFAULTS`).
PIPELINE_DEFAULTS: dict[str, Any] = {
    "val_ratio": 0.1,
    "test_ratio": 0.1,
    "min_edges": 10,  # a target with fewer edges is skipped
    "edge_types": None,  # relation types of the message-passing graph (None: every non-predicted type)
    "exclude_edge_types": [],  # relation types left out of the message-passing graph (never a target)
    # (head label, relation, tail label) patterns left out of the message-passing graph; "*" matches any.
    # Gene-Gene and Anatomy-Gene are ~80% of Hetionet's edges and too slow for full-batch CPU training.
    "exclude_signatures": [["Gene", "*", "Gene"], ["Anatomy", "*", "Gene"]],
    "max_test_edges": 5000,  # test pairs evaluated (seeded subset)
    "group_by": {"TREATS": "tail", "HAS_SYMPTOM": "head"},  # hypotheses: top drugs per disease, symptoms per disease
    "exclude_known": {"TREATS": ["PALLIATES"]},  # relations whose pairs are also never proposed
    "max_paths": 3,  # explaining paths per hypothesis
    "max_explained": 50_000,  # hypotheses explained per target, best ranks first
    "num_threads": None,  # torch intra-op threads (None: leave torch's setting)
    # only edges with one of these sources are target pairs (split, evaluated); other edges of the
    # target type (text-mined only) stay in the message-passing graph. None: every edge of the type.
    "target_sources": {},
    # per-target values of any params key (see target_params for the precedence)
    "per_target": {
        # HPO's HAS_SYMPTOM edges would dominate the TREATS graph's cost and carry no drug signal
        "TREATS": {"exclude_signatures": [["Gene", "*", "Gene"], ["Anatomy", "*", "Gene"], ["*", "HAS_SYMPTOM", "*"]]},
        # a few hundred thousand HPO edges: one layer, fewer steps per epoch
        "HAS_SYMPTOM": {
            "num_layers": 1,
            "max_steps_per_epoch": 2,
            "max_message_edges": 50_000,
            "eval_every": 10,
            "lr": 0.05,
        },
    },
}

LinkMetrics = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class LinkPredResult:
    """What :func:`run_linkprediction` produced.

    Attributes:
        metrics: target relation -> model name (the encoder name, and ``"degree"``) -> metric -> value
            (mrr, hits@1, hits@3, hits@10, mean_rank, auroc, auprc, n_test: filtered tail ranking on the
            test split). A skipped target maps to ``{"skipped": reason}``.
        hypotheses: every hypothesis of every target, by target, group and rank.
        model_version: ``"{encoder}-{kg.__version__}-{config hash}"``.
        stats: target relation -> split sizes, epochs, best epoch and timings (seconds).
    """

    metrics: LinkMetrics
    hypotheses: list[Hypothesis]
    model_version: str
    stats: dict[str, dict[str, float]] = field(default_factory=dict)


def _param(config: GnnConfig, key: str) -> Any:
    return config.params.get(key, PIPELINE_DEFAULTS[key])


def target_params(config: GnnConfig, rel: str) -> dict[str, Any]:
    """The params for target ``rel``: default per-target values, then the run's params, then its per-target values.

    A key the run sets globally wins over the default per-target value of that key. A key that names a
    ``GnnConfig`` field (e.g. ``lr``, ``epochs``) overrides that field for the target.
    """
    defaults = PIPELINE_DEFAULTS["per_target"].get(rel, {})
    user = config.params.get("per_target", {}).get(rel, {})
    return {**{k: v for k, v in defaults.items() if k not in config.params}, **config.params, **user}


def model_version(config: GnnConfig) -> str:
    """A version string that changes with the encoder, the package version and any config value."""
    digest = hashlib.sha256(json.dumps(config.model_dump(), sort_keys=True, default=str).encode()).hexdigest()
    return f"{config.encoder}-{kg.__version__}-{digest[:8]}"


def _pairs(graph: GraphIndex, pairs: Sequence[tuple[str, str]]) -> torch.Tensor:
    """(head id, tail id) pairs -> long [2, N] per-label indices."""
    if not pairs:
        return torch.empty(2, 0, dtype=torch.long)
    return torch.tensor([[graph.positions[h][1], graph.positions[t][1]] for h, t in pairs], dtype=torch.long).t()


def _run_target(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    config: GnnConfig,
    rel: str,
    run_id: str,
    version: str,
    graph_types: list[str] | None,
) -> tuple[dict[str, dict[str, float]], list[Hypothesis], dict[str, float]]:
    t0 = time.perf_counter()
    split: LinkSplit = split_target(
        nodes,
        edges,
        schema,
        rel,
        _param(config, "val_ratio"),
        _param(config, "test_ratio"),
        config.seed,
        _param(config, "min_edges"),
        target_sources=_param(config, "target_sources").get(rel),
    )
    target = split.target
    head, _, tail = target
    graph = build_graph(
        nodes,
        split.message_edges,
        schema,
        edge_types=graph_types,
        exclude=[tuple(p) for p in _param(config, "exclude_signatures") if not matches_pattern(p, target)],
    )
    if target not in graph.forward_count:
        raise TargetUnavailable(f"{rel}: the target type is not among the message-passing edge types")
    t_graph = time.perf_counter()
    n_h, n_t = graph.num_nodes(head), graph.num_nodes(tail)
    all_pairs = _pairs(graph, split.all_pairs)
    symmetric = graph.reverse_of[target] == target
    if symmetric:
        all_pairs = torch.cat([all_pairs, all_pairs.flip(0)], dim=1)
    known = known_matrix(all_pairs, n_h, n_t)
    group_by = _param(config, "group_by").get(rel, "head")
    features = None
    if param(config, "pair_features"):
        features = pair_features(graph, target, model_metapaths(config, rel), group_by, seed=config.seed)
    config = resolve_fold_by(config, "edges")
    result = train_members(
        graph,
        target,
        _pairs(graph, split.val),
        known,
        config,
        query_side=group_by,
        features=features,
        node_features=input_features(config, graph, nodes, default_cache_dir()),
    )
    t_train = time.perf_counter()

    z = embed(result.model, graph)
    test = _pairs(graph, split.test)
    max_test = _param(config, "max_test_edges")
    head_features = None
    if features is not None:  # tail ranking below is from the head side
        head_features = pair_features(
            graph, target, model_metapaths(config, rel), "head", scales=features.featurizer.scales
        )
    head_scorer = gnn_scorers(result.model, z, target, "head", head_features)
    gnn_rows, gnn_pairs = head_scorer.rows, head_scorer.pairs
    deg_rows, deg_pairs = degree_scorer(graph.forward_edges(target), n_h, n_t)
    # candidates: tails with at least one edge in the training graph (an isolated node has an untrained
    # embedding); the same set for every scorer, and a test tail is always ranked
    cand = graph.degree()[tail] > 0
    metrics = {
        config.encoder: evaluate_scorer(gnn_rows, gnn_pairs, test, known, config.seed, max_test, cand),
        "degree": evaluate_scorer(deg_rows, deg_pairs, test, known, config.seed, max_test, cand),
    }
    for name, m in metrics.items():
        log.info("%s %s: MRR %.4f, Hits@10 %.4f, AUROC %.4f", rel, name, m["mrr"], m["hits@10"], m["auroc"])
    t_eval = time.perf_counter()

    # Never propose a pair asserted by the target relation (any split) or an excluded relation.
    excluded = {rel, *_param(config, "exclude_known").get(rel, [])}
    blocked = [(e.head, e.tail) for e in edges if e.type in excluded]
    blocked_idx = [
        (graph.positions[h][1], graph.positions[t][1])
        for h, t in blocked
        if graph.positions.get(h, ("",))[0] == head and graph.positions.get(t, ("",))[0] == tail
    ]
    if symmetric:
        blocked_idx += [(t, h) for h, t in blocked_idx]
    block = torch.tensor(blocked_idx, dtype=torch.long).t().reshape(2, -1)
    block_m = known_matrix(torch.cat([all_pairs, block], dim=1), n_h, n_t)
    hyps = top_k_hypotheses(
        result.model,
        z,
        graph,
        target,
        block_m,
        schema.predicted_type(rel),
        config.top_k,
        version,
        run_id,
        group_by=group_by,
        path_index=build_path_index(graph),
        max_paths=_param(config, "max_paths"),
        max_explained=_param(config, "max_explained"),
        scorer=gnn_scorers(result.model, z, target, group_by, features) if features is not None else None,
    )
    t_hyp = time.perf_counter()
    stats = {
        "train_edges": float(len(split.train)),
        "val_edges": float(len(split.val)),
        "test_edges": float(len(split.test)),
        "epochs_run": float(result.epochs_run),
        "best_epoch": float(result.best_epoch),
        "best_val_mrr": result.best_val_mrr,
        "hypotheses": float(len(hyps)),
        "seconds_split_graph": t_graph - t0,
        "seconds_train": t_train - t_graph,
        "seconds_eval": t_eval - t_train,
        "seconds_hypotheses": t_hyp - t_eval,
        "seconds_total": t_hyp - t0,
    }
    log.info(
        "%s: %d hypotheses; timings %s",
        rel,
        len(hyps),
        {k: round(v, 1) for k, v in stats.items() if k.startswith("seconds")},
    )
    return metrics, hyps, stats


def run_linkprediction(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    config: GnnConfig,
    run_id: str,
) -> LinkPredResult:
    """Evaluate and apply a GNN link predictor for each target relation of ``config.targets``.

    Per target (trained separately): split the target edges (train/val/test, seeded), build the
    message-passing graph from everything but the held-out edges, train with early stopping on
    validation, report filtered ranking and AUROC/AUPRC on test for the GNN and the degree baseline,
    then propose the top-k unknown pairs per group with explaining paths. Hypotheses come from the
    model trained on the split (held-out edges are still excluded from the proposals).

    Args:
        nodes: graph nodes.
        edges: asserted graph edges (predicted types are ignored unless ``params.edge_types`` names them).
        schema: the graph schema; ``schema.prediction_targets`` gives each target's predicted type.
        config: GNN configuration; ``params`` keys: :data:`PIPELINE_DEFAULTS`, :data:`kg.gnn.train.TRAIN_DEFAULTS`.
        run_id: recorded on every hypothesis.

    Returns:
        Metrics per target and model, hypotheses and the model version.

    Raises:
        kg.registry.UnknownComponentError: ``config.encoder`` is not a registered encoder.
        kg.schema.SchemaError: a target is not a prediction target of the schema.
    """
    ENCODERS.get(config.encoder)  # fail early, listing the known encoders
    for rel in config.targets:
        schema.predicted_type(rel)
    threads = _param(config, "num_threads")
    if threads:
        torch.set_num_threads(int(threads))
    version = model_version(config)
    graph_types = _param(config, "edge_types")
    excluded_types = set(_param(config, "exclude_edge_types"))
    if excluded_types:
        base = graph_types or [r for r, s in schema.relationships.items() if not s.predicted]
        graph_types = sorted((set(base) - excluded_types) | set(config.targets))
    metrics: LinkMetrics = {}
    stats: dict[str, dict[str, float]] = {}
    hypotheses: list[Hypothesis] = []
    for rel in config.targets:
        params = target_params(config, rel)
        fields = {k: params.pop(k) for k in list(params) if k in GnnConfig.model_fields and k != "params"}
        cfg = config.model_copy(update={"params": params, **fields})
        try:
            m, h, s = _run_target(nodes, edges, schema, cfg, rel, run_id, version, graph_types)
        except TargetUnavailable as exc:
            log.warning("link prediction target skipped: %s", exc)
            metrics[rel] = {"skipped": str(exc)}
            continue
        metrics[rel], stats[rel] = m, s
        hypotheses.extend(h)
    return LinkPredResult(metrics=metrics, hypotheses=hypotheses, model_version=version, stats=stats)
