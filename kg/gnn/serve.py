"""Serving link prediction: hypotheses from the trained, versioned model, no training at run time.

``medkg build`` / ``demo`` call :func:`serve_linkprediction` (``gnn.mode: serve``, the default) with the
model of :mod:`kg.gnn.serving` (the shipped ``kg/resources/models/linkpred/`` or ``gnn.model_dir``).
Per target, every group node of the build's graph (a disease, for TREATS and HAS_SYMPTOM) gets its
``top_k`` best candidates that are not asserted, scored by the model, with explaining paths over the
build's graph. The model holds embeddings and pair features for the nodes of the graph it was trained
on only, and nothing here computes either for a new node: a node of the build's graph that the model
never saw (a new text-mined node) is left out, never guessed, and counted per target and end
(``stats[rel]["unseen_heads"]`` / ``["unseen_tails"]``), in the log and in the run record. A stacked
target (:mod:`kg.gnn.stacked`, TREATS since 3.0.0, HAS_SYMPTOM since 3.1.0) computes its metapath features
on the build's graph itself, so it scores every node, a new one through its edges (``feature_scored_heads`` /
``_tails``).
``gnn.mode: train`` (or ``medkg train linkpred``, then serving its output) retrains explicitly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from kg.config import GnnConfig
from kg.logs import get_logger
from kg.schema import GraphSchema
from kg.types import Edge, Hypothesis, Node

from .data import EdgeType, GraphIndex, matches_pattern, resolve_edge_types
from .edge_table import EdgeTable
from .evaluate import known_matrix
from .hypotheses import KeptExplanations, top_k_hypotheses, well_known
from .options import LinkPredParams, link_params, target_config
from .paths import build_path_index
from .pipeline import LinkMetrics, LinkPredResult, run_linkprediction
from .prepare import graph_edge_types, message_graph
from .protocols import QueryScorer
from .serving import DefaultModel, TargetModel, load_default, model_fingerprint
from .stacked import stacked_scorer
from .stacked_serving import StackedTarget

log = get_logger(__name__)

#: Model head rows scored at once when a whole [H, T] matrix is needed (memory: chunk x T x features).
_CHUNK = 64


def _model_index(graph: GraphIndex, label: str, model_ids: Sequence[str]) -> Tensor:
    """long [N_label]: each graph node's index in the model (-1 for a node the model never saw)."""
    where = {n: i for i, n in enumerate(model_ids)}
    return torch.tensor([where.get(n, -1) for n in graph.node_ids[label]], dtype=torch.long)


def _model_rows(tm: TargetModel, heads: Tensor, tails: Tensor | None = None) -> Tensor:
    """Logits of model head rows ``heads`` long [B] against model tails ``tails`` long [C] (None: every
    model tail, C = T_model): float [B, C]."""
    z_tail = tm.z_tail if tails is None else tm.z_tail[tails]
    with torch.no_grad():
        s = (tm.z_head[heads] * tm.rel) @ z_tail.t()  # DistMult, [B, C]
        if tm.pair_head is not None and tm.features is not None:
            if tails is None:  # [B, T_model, F]: the stored features give whole rows
                s = s + tm.pair_head(tm.features.rows(heads))  # pair head on [B, C, F] -> [B, C]
            else:  # [B, C, F], the columns ``tails`` only, standardized as the pair head does
                ph = tm.pair_head
                s = s + ph.from_standardized(tm.features.column_rows(heads, tails, (ph.mean, ph.std)))
    return s.float()


@dataclass
class ServedScorer:
    """The served model's logits over the build graph's indices, seen from the group side.

    From the tail side the stored pair features (head side) give whole head rows only: with few groups
    (``num_groups`` under a tenth of the model's tails) the group columns are scored pair by pair,
    else every model head row is scored once and kept (``_by_tail``).

    Attributes:
        tm: the target's served model.
        map_h, map_t: long [H_graph], [T_graph], graph index -> model index (-1: unseen).
        query_side: ``head`` (rows are heads) or ``tail`` (rows are tails).
        num_groups: group nodes that will be asked for (picks the tail-side strategy).
        columns: bool [C_graph], the candidates that will be asked for (None: every one); the others may
            come back ``-inf`` (from the head side they are never scored).
    """

    tm: TargetModel
    map_h: Tensor
    map_t: Tensor
    query_side: str
    num_groups: int = 0
    columns: Tensor | None = None
    #: tail side: (graph head indices the model saw long [S], their logits against every model tail
    #: float [T_model, S]), filled on first use
    _by_tail: tuple[Tensor, Tensor] | None = None

    def _tail_block(self) -> tuple[Tensor, Tensor]:
        if self._by_tail is None:
            seen = torch.nonzero(self.map_h >= 0).view(-1)
            mh = self.map_h[seen]
            blocks = [_model_rows(self.tm, mh[s : s + _CHUNK]) for s in range(0, mh.numel(), _CHUNK)]
            full = torch.cat(blocks).t().contiguous() if blocks else torch.empty(len(self.tm.tail_ids), 0)
            self._by_tail = (seen, full)
        return self._by_tail

    def rows(self, groups: Tensor) -> Tensor:
        """Group graph indices long [G] -> logits float [G, C_graph]; ``-inf`` where either end is unseen."""
        g_map, c_map = (self.map_h, self.map_t) if self.query_side == "head" else (self.map_t, self.map_h)
        mg = g_map[groups]
        out = torch.full((groups.numel(), c_map.numel()), float("-inf"))
        seen_g = mg >= 0
        if not bool(seen_g.any()) or not bool((c_map >= 0).any()):
            return out
        wanted = c_map >= 0 if self.columns is None else (c_map >= 0) & self.columns
        if self.query_side == "head":
            cols = torch.nonzero(wanted).view(-1)
            block = _model_rows(self.tm, mg[seen_g], c_map[cols])  # [G', C_seen]
        elif self.num_groups * 10 < len(self.tm.tail_ids):
            cols = torch.nonzero(wanted).view(-1)
            mh, mt = c_map[cols], mg[seen_g]
            with torch.no_grad():  # pair by pair: [G' * C_seen] pairs, group-major
                block = self.tm.logits(mh.repeat(mt.numel()), mt.repeat_interleave(mh.numel())).float()
            block = block.view(mt.numel(), mh.numel())
        else:
            cols, full = self._tail_block()
            block = full[mg[seen_g]]  # [G', C_seen]
        sub = torch.full((block.size(0), c_map.numel()), float("-inf"))
        sub[:, cols] = block
        out[seen_g] = sub
        return out

    def pairs(self, heads: Tensor, tails: Tensor) -> Tensor:
        """Aligned graph (head, tail) indices long [B], [B] -> logits float [B] (``-inf`` where unseen)."""
        mh, mt = self.map_h[heads], self.map_t[tails]
        ok = (mh >= 0) & (mt >= 0)
        out = torch.full((heads.numel(),), float("-inf"))
        if bool(ok.any()):
            with torch.no_grad():
                out[ok] = self.tm.logits(mh[ok], mt[ok]).float()
        return out


def _blocked(graph: GraphIndex, target: EdgeType, edges: Sequence[Edge], relations: set[str]) -> torch.Tensor:
    """long [2, K] graph (head, tail) indices of the asserted pairs of ``relations`` between the target's labels,
    in edge order (selected in numpy: pass an :class:`EdgeTable` to read the edges once for every call)."""
    head, _, tail = target
    return EdgeTable.of(edges).pairs(graph.positions, head, tail, relations)


def _eligible(
    graph: GraphIndex, target: EdgeType, edges: Sequence[Edge], options: LinkPredParams
) -> tuple[tuple[Tensor, Tensor] | None, dict[str, float]]:
    """The heads and tails well enough known to serve (``min_group_known`` target pairs or ``min_group_other``
    other edges on the group side, ``min_candidate_known`` target pairs on the candidate side), and the counts
    kept / left out, logged."""
    rel = target[1]
    if not (options.min_group_known or options.min_candidate_known):
        return None, {}
    head, _, tail = target
    pairs = _blocked(graph, target, edges, {rel})
    pairs = torch.unique(pairs, dim=1) if pairs.numel() else pairs
    group_head = options.query_side(rel) == "head"
    g, c = options.min_group_known, options.min_candidate_known
    min_known = (g, c) if group_head else (c, g)
    min_other = (options.min_group_other, None) if group_head else (None, options.min_group_other)
    deg = graph.degree()
    ok_h, ok_t = well_known(pairs, (deg[head], deg[tail]), min_known, min_other)
    has_h, has_t = deg[head] > 0, deg[tail] > 0
    counts = {
        "rule_min_head_known": float(min_known[0]),
        "rule_min_tail_known": float(min_known[1]),
        "rule_min_group_other": float(options.min_group_other if options.min_group_other is not None else -1),
        "rule_heads_kept": float(int((ok_h & has_h).sum())),
        "rule_heads_left_out": float(int((~ok_h & has_h).sum())),
        "rule_tails_kept": float(int((ok_t & has_t).sum())),
        "rule_tails_left_out": float(int((~ok_t & has_t).sum())),
    }
    log.info(
        "%s: serving %d of %d %s and %d of %d %s (rule: >= %d / %d known %s pairs, or >= %s other edges for a group)",
        rel,
        counts["rule_heads_kept"],
        int(has_h.sum()),
        head,
        counts["rule_tails_kept"],
        int(has_t.sum()),
        tail,
        min_known[0],
        min_known[1],
        rel,
        options.min_group_other,
    )
    return (ok_h, ok_t), counts


def _served_scorer(
    tm: TargetModel | StackedTarget, graph: GraphIndex, query_side: str, columns: Tensor | None = None
) -> tuple[QueryScorer, dict[str, float]]:
    """The target's scorer over ``graph`` and its node counts (logged); ``columns`` bool [C]: the candidates
    that will be asked for (a GNN scores only those; None: every one).

    A GNN scores the nodes it was trained on only (``unseen_*`` left out). A stacked model computes its
    features on ``graph`` itself: every node is scored, the ones its training graph lacked through their
    edges (``feature_scored_*``)."""
    rel, (head, _, tail) = tm.target[1], tm.target
    map_h, map_t = _model_index(graph, head, tm.head_ids), _model_index(graph, tail, tm.tail_ids)
    deg = graph.degree()
    new_h = int(((map_h < 0) & (deg[head] > 0)).sum())
    new_t = int(((map_t < 0) & (deg[tail] > 0)).sum())
    counts = {
        "seen_heads": float(int(((map_h >= 0) & (deg[head] > 0)).sum())),
        "seen_tails": float(int(((map_t >= 0) & (deg[tail] > 0)).sum())),
    }
    if isinstance(tm, StackedTarget):
        counts.update(unseen_heads=0.0, unseen_tails=0.0, feature_scored_heads=float(new_h))
        counts["feature_scored_tails"] = float(new_t)
        if new_h or new_t:
            log.info(
                "%s: %d %s and %d %s nodes of this graph are not in the model's training graph: scored through "
                "their metapath features on this graph",
                *(rel, new_h, head, new_t, tail),
            )
        return stacked_scorer(tm.model, graph, query_side), counts
    counts.update(unseen_heads=float(new_h), unseen_tails=float(new_t))
    if new_h or new_t:
        log.warning(
            "%s: the served model never saw %d %s and %d %s nodes of this graph: left out of the hypotheses",
            *(rel, new_h, head, new_t, tail),
        )
    groups = (map_h >= 0) & (deg[head] > 0) if query_side == "head" else (map_t >= 0) & (deg[tail] > 0)
    served = ServedScorer(tm, map_h, map_t, query_side, int(groups.sum()), columns)
    return QueryScorer(served.rows, served.pairs), counts


def _serve_target(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    config: GnnConfig,
    tm: TargetModel | StackedTarget,
    ids: tuple[str, str],
    kept: KeptExplanations | None = None,
) -> tuple[list[Hypothesis], dict[str, float]]:
    """Hypotheses of one target from its served model; ``config`` is the target's, ``ids`` (version, run id),
    ``kept`` the explanations an earlier serving of the target left that may be reused."""
    t0 = time.perf_counter()
    rel = tm.target[1]
    options = link_params(config.params)
    graph = message_graph(nodes, edges, schema, options, tm.target, {rel, *config.targets})
    head, _, tail = tm.target
    query_side = options.query_side(rel)
    eligible, rule = _eligible(graph, tm.target, edges, options)
    c_label, c_side = (tail, 1) if query_side == "head" else (head, 0)
    columns = graph.degree()[c_label] > 0  # the candidates top_k_hypotheses may propose
    columns = columns if eligible is None else columns & eligible[c_side]
    scorer, counts = _served_scorer(tm, graph, query_side, columns)
    pairs = _blocked(graph, tm.target, edges, {rel, *options.exclude_known.get(rel, [])})
    if graph.reverse_of.get(tm.target) == tm.target:
        pairs = torch.cat([pairs, pairs.flip(0)], dim=1)
    known = known_matrix(pairs, graph.num_nodes(head), graph.num_nodes(tail))
    t_graph = time.perf_counter()
    hyps = top_k_hypotheses(
        None,
        None,
        graph,
        tm.target,
        known,
        schema.predicted_type(rel),
        config.top_k,
        ids[0],
        ids[1],
        group_by=query_side,
        path_index=build_path_index(graph),
        max_paths=options.max_paths,
        max_explained=options.max_explained,
        scorer=scorer,
        eligible=eligible,
        kept=kept,
    )
    t_hyp = time.perf_counter()
    stats = {
        "hypotheses": float(len(hyps)),
        **counts,
        **rule,
        "seconds_graph": t_graph - t0,
        "seconds_hypotheses": t_hyp - t_graph,
        "seconds_total": t_hyp - t0,
    }
    log.info("%s: %d hypotheses served by %s in %.1f s", rel, len(hyps), ids[0], stats["seconds_total"])
    return hyps, stats


def serve_linkprediction(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    config: GnnConfig,
    run_id: str,
    model: DefaultModel,
    kept: Mapping[str, KeptExplanations] | None = None,
) -> LinkPredResult:
    """Hypotheses for each target of ``config.targets`` from the trained ``model`` (no training).

    Args:
        nodes, edges: the build's graph (asserted edges).
        schema: the graph schema (each target's predicted type).
        config: GNN configuration: ``targets``, ``top_k``, ``params`` (``group_by``, ``exclude_known``,
            ``max_paths``, ``max_explained``, ``exclude_signatures`` and the graph's edge types, per target).
        run_id: recorded on every hypothesis.
        model: the loaded model (:func:`kg.gnn.serving.load_default`).
        kept: target -> explanations of an earlier serving to reuse where they still hold (the same result).

    Returns:
        Hypotheses by target, group and rank (``model_version`` is the model's, e.g. ``linkpred-2.0.0``);
        ``metrics[rel]`` holds ``{"served": {"model_version", "unseen_heads", "unseen_tails"}}`` (a target the
        model lacks: ``{"skipped": reason}``); ``stats[rel]`` the counts (``unseen_heads``, ``seen_heads``, ...)
        and timings.
    """
    version = model.version
    edges = EdgeTable.of(edges)  # the edges read once into columns for every target's pair selections
    metrics: LinkMetrics = {}
    stats: dict[str, dict[str, float]] = {}
    hypotheses: list[Hypothesis] = []
    for rel in config.targets:
        schema.predicted_type(rel)
        if rel not in model.targets:
            reason = f"{rel}: the served model {version} has no such target (known: {sorted(model.targets)})"
            log.warning("link prediction target skipped: %s", reason)
            metrics[rel] = {"skipped": reason}
            continue
        tc, tm = target_config(config, rel), model.targets[rel]
        h, s = _serve_target(nodes, edges, schema, tc, tm, (version, run_id), (kept or {}).get(rel))
        hypotheses.extend(h)
        stats[rel] = s
        metrics[rel] = {
            "served": {"model_version": version, "unseen_heads": s["unseen_heads"], "unseen_tails": s["unseen_tails"]}
        }
    return LinkPredResult(metrics=metrics, hypotheses=hypotheses, model_version=version, stats=stats)


def served_edge_filter(
    schema: GraphSchema, config: GnnConfig, labels: Mapping[str, str]
) -> Callable[[str, str, str], bool]:
    """``(head id, type, tail id) -> False`` for an edge that serving ``config.targets`` never reads (True
    otherwise), given every node's label: an edge that each target's message graph leaves out (its type not
    in the graph's types, or its signature among ``exclude_signatures``) and that no target selects as a
    target or ``exclude_known`` pair. Conservative: a pattern that could match the target itself, an edge
    whose end is not a node, keep the edge. Reading only the kept edges gives the same hypotheses
    (:func:`serve_linkprediction` drops the others itself) without building a million unread edges.
    """
    rules = _served_rules(schema, config)
    if rules is None:
        return lambda head, rel, tail: True
    needed, per_target = rules

    decided: dict[tuple[str, str, str], bool] = {}  # per (head label, type, tail label): a few dozen, a million edges

    def keep(head: str, rel: str, tail: str) -> bool:
        if rel in needed:
            return True
        hl, tl = labels.get(head), labels.get(tail)
        if hl is None or tl is None:
            return True
        et = (hl, rel, tl)
        out = decided.get(et)
        if out is None:
            out = decided[et] = any(
                rel in types and not any(matches_pattern(p, et) for p in patterns) for types, patterns in per_target
            )
        return out

    return keep


def _served_rules(
    schema: GraphSchema, config: GnnConfig
) -> tuple[set[str], list[tuple[set[str], list[list[str]]]]] | None:
    """The relations every target reads whatever their labels, and per target its graph's edge types and the
    ``exclude_signatures`` patterns that do not match the target itself (None: a target the schema lacks)."""
    needed: set[str] = set(config.targets)
    per_target: list[tuple[set[str], list[list[str]]]] = []
    for rel in config.targets:
        if rel not in schema.relationships:
            return None
        options = link_params(target_config(config, rel).params)
        needed |= {*options.exclude_known.get(rel, [])}
        own = [(h, rel, t) for h, t in schema.relationships[rel].signatures]
        patterns = [p for p in options.exclude_signatures if not any(matches_pattern(p, et) for et in own)]
        types = graph_edge_types(schema, options, {rel, *config.targets})
        per_target.append((set(resolve_edge_types(schema, types)), patterns))
    return needed, per_target


def unread_signatures(schema: GraphSchema, config: GnnConfig) -> list[list[str]]:
    """What serving ``config.targets`` never reads, as data: every (head label, type, tail label) over the
    schema's node labels and relationship types that :func:`served_edge_filter` leaves out. An edge of any
    other signature (one of these labels or types unknown included) counts as read:
    :func:`kg.store.sqlite_linkpred.model_read_changes` is conservative."""
    labels, rels = sorted(schema.nodes), sorted(schema.relationships)
    ids = {f"h:{h}": h for h in labels} | {f"t:{t}": t for t in labels}
    keep = served_edge_filter(schema, config, ids)
    return [[h, rel, t] for h in labels for rel in rels for t in labels if not keep(f"h:{h}", rel, f"t:{t}")]


def served_fingerprint(config: GnnConfig) -> str | None:
    """A digest of the model ``config`` serves (None in ``train`` mode): a retrained model changes it.

    Raises:
        kg.gnn.serving.NoModelError: serve mode and no model in ``config.model_dir``.
    """
    return model_fingerprint(config.model_dir) if config.mode == "serve" else None


def predict_links(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    config: GnnConfig,
    run_id: str,
    kept: Mapping[str, KeptExplanations] | None = None,
) -> LinkPredResult:
    """The link-prediction step of a build: :func:`serve_linkprediction` with the model of ``config.model_dir``
    (``config.mode == "serve"``, with the ``kept`` explanations), else :func:`kg.gnn.pipeline.run_linkprediction`
    (train on this graph).

    Raises:
        kg.gnn.serving.NoModelError: serve mode and no model in ``config.model_dir`` (the message says how
            to train one).
    """
    if config.mode == "serve":
        return serve_linkprediction(nodes, edges, schema, config, run_id, load_default(config.model_dir), kept)
    return run_linkprediction(nodes, edges, schema, config, run_id)
