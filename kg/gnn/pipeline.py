"""The link-prediction entry point: split, train, evaluate against a baseline, hypothesise."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

import kg
from kg.config import GnnConfig
from kg.logs import get_logger
from kg.schema import GraphSchema
from kg.types import Edge, Hypothesis, Node

from .evaluate import degree_scorer, evaluate_scorer
from .hypotheses import top_k_hypotheses
from .metapaths import pair_features
from .model import ENCODERS
from .options import LinkPredParams, link_params, target_config
from .paths import build_path_index
from .prepare import PreparedTarget, prepare_target, train_target
from .scoring import embed, gnn_scorers
from .split import TargetUnavailable
from .train import TrainResult, model_metapaths

log = get_logger(__name__)

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


def model_version(config: GnnConfig) -> str:
    """A version string that changes with the encoder, the package version and any config value."""
    digest = hashlib.sha256(json.dumps(config.model_dump(), sort_keys=True, default=str).encode()).hexdigest()
    return f"{config.encoder}-{kg.__version__}-{digest[:8]}"


def _evaluate(
    prep: PreparedTarget, result: TrainResult, config: GnnConfig, options: LinkPredParams, z: dict[str, torch.Tensor]
) -> dict[str, dict[str, float]]:
    """Filtered tail ranking and AUROC / AUPRC of the model and the degree baseline on the test pairs."""
    graph, target = prep.graph, prep.target
    head, rel, tail = target
    n_h, n_t = graph.num_nodes(head), graph.num_nodes(tail)
    head_features = None
    if prep.features is not None:  # tail ranking below is from the head side
        head_features = pair_features(
            graph, target, model_metapaths(options, rel), "head", scales=prep.features.featurizer.scales
        )
    head_scorer = gnn_scorers(result.model, z, target, "head", head_features)
    deg_rows, deg_pairs = degree_scorer(graph.forward_edges(target), n_h, n_t)
    # candidates: tails with at least one edge in the training graph (an isolated node has an untrained
    # embedding); the same set for every scorer, and a test tail is always ranked
    cand = graph.degree()[tail] > 0
    test, known, seed, max_test = prep.test, prep.known, config.seed, options.max_test_edges
    metrics = {
        config.encoder: evaluate_scorer(head_scorer.rows, head_scorer.pairs, test, known, seed, max_test, cand),
        "degree": evaluate_scorer(deg_rows, deg_pairs, test, known, seed, max_test, cand),
    }
    for name, m in metrics.items():
        log.info("%s %s: MRR %.4f, Hits@10 %.4f, AUROC %.4f", rel, name, m["mrr"], m["hits@10"], m["auroc"])
    return metrics


def _hypotheses(
    prep: PreparedTarget,
    result: TrainResult,
    edges: Sequence[Edge],
    schema: GraphSchema,
    config: GnnConfig,
    options: LinkPredParams,
    z: dict[str, torch.Tensor],
    ids: tuple[str, str],
) -> list[Hypothesis]:
    """The top-k unknown pairs per group; ``ids``: (model version, run id)."""
    rel = prep.target[1]
    # Never propose a pair asserted by the target relation (any split) or an excluded relation.
    block = prep.blocked(edges, {rel, *options.exclude_known.get(rel, [])})
    features = prep.features
    return top_k_hypotheses(
        result.model,
        z,
        prep.graph,
        prep.target,
        block,
        schema.predicted_type(rel),
        config.top_k,
        ids[0],
        ids[1],
        group_by=prep.query_side,
        path_index=build_path_index(prep.graph),
        max_paths=options.max_paths,
        max_explained=options.max_explained,
        scorer=gnn_scorers(result.model, z, prep.target, prep.query_side, features) if features is not None else None,
    )


def _run_target(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    config: GnnConfig,
    rel: str,
    ids: tuple[str, str],
) -> tuple[dict[str, dict[str, float]], list[Hypothesis], dict[str, float]]:
    """Prepare, train, evaluate and hypothesise one target; ``config`` is the target's (:func:`target_config`)."""
    t0 = time.perf_counter()
    options = link_params(config.params)
    prep = prepare_target(
        nodes,
        edges,
        schema,
        rel,
        options,
        config.seed,
        targets=config.targets,
        with_features=options.pair_features,
    )
    t_graph = t0 + prep.seconds["split_graph"]
    result = train_target(prep, config, nodes)
    t_train = time.perf_counter()
    z = embed(result.model, prep.graph)
    metrics = _evaluate(prep, result, config, options, z)
    t_eval = time.perf_counter()
    hyps = _hypotheses(prep, result, edges, schema, config, options, z, ids)
    t_hyp = time.perf_counter()
    split = prep.split
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
        config: GNN configuration; ``params`` keys: :class:`kg.gnn.options.LinkPredParams`.
        run_id: recorded on every hypothesis.

    Returns:
        Metrics per target and model, hypotheses and the model version.

    Raises:
        kg.registry.UnknownComponentError: ``config.encoder`` is not a registered encoder.
        kg.schema.SchemaError: a target is not a prediction target of the schema.
        kg.config.ConfigError: an unknown ``params`` key or a bad value (the message names the key).
    """
    ENCODERS.get(config.encoder)  # fail early, listing the known encoders
    for rel in config.targets:
        schema.predicted_type(rel)
        link_params(target_config(config, rel).params)  # fail early on an unknown key or a bad value
    threads = link_params(config.params).num_threads
    if threads:
        torch.set_num_threads(int(threads))
    version = model_version(config)
    metrics: LinkMetrics = {}
    stats: dict[str, dict[str, float]] = {}
    hypotheses: list[Hypothesis] = []
    for rel in config.targets:
        try:
            m, h, s = _run_target(nodes, edges, schema, target_config(config, rel), rel, (version, run_id))
        except TargetUnavailable as exc:
            log.warning("link prediction target skipped: %s", exc)
            metrics[rel] = {"skipped": str(exc)}
            continue
        metrics[rel], stats[rel] = m, s
        hypotheses.extend(h)
    return LinkPredResult(metrics=metrics, hypotheses=hypotheses, model_version=version, stats=stats)
