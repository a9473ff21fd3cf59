"""The per-target recipe shared by building, benchmarking and serving: split -> graph -> features -> train.

:func:`prepare_target` splits the target's pairs (before anything else is computed), builds the
message-passing graph from the split's message edges, the filter matrix of known pairs and, when asked,
the pair features of that graph; :func:`train_target` trains the (ensemble of) link predictor(s) on it.
``medkg build`` (:mod:`kg.gnn.pipeline`), ``medkg eval linkpred`` (:mod:`kg.gnn.benchmark`) and
``medkg train linkpred`` (:mod:`kg.gnn.serving`) all go through here.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import scipy.sparse as sp
import torch
from torch import Tensor

from kg.artifacts import default_cache_dir
from kg.config import GnnConfig
from kg.schema import GraphSchema
from kg.types import Edge, Node

from .data import EdgeType, GraphIndex, build_graph, matches_pattern
from .evaluate import known_matrix
from .metapaths import PairFeatures, pair_features
from .options import LinkPredParams, link_params, resolve_fold_by
from .split import LinkSplit, TargetUnavailable, split_target
from .train import TrainResult, input_features, model_metapaths, train_members


def graph_edge_types(schema: GraphSchema, options: LinkPredParams, targets: Collection[str]) -> list[str] | None:
    """Relation types of the message-passing graph: ``edge_types`` (None: every non-predicted type) less
    ``exclude_edge_types``; the ``targets`` always stay."""
    if not options.exclude_edge_types:
        return options.edge_types
    base = options.edge_types or [r for r, s in schema.relationships.items() if not s.predicted]
    return sorted((set(base) - set(options.exclude_edge_types)) | set(targets))


def message_graph(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    options: LinkPredParams,
    target: EdgeType,
    targets: Collection[str],
) -> GraphIndex:
    """The message-passing graph of ``target`` over ``edges`` (``exclude_signatures`` apply, never to the target)."""
    exclude = [tuple(p) for p in options.exclude_signatures if not matches_pattern(p, target)]
    return build_graph(nodes, edges, schema, edge_types=graph_edge_types(schema, options, targets), exclude=exclude)


@dataclass(frozen=True)
class PreparedTarget:
    """One target, split and ready to train on.

    Attributes:
        split: the split of the target pairs (train / val / test ids; the message edges).
        graph: the message-passing graph built from ``split.message_edges``.
        query_side: the side whose candidates are ranked (``group_by``).
        holdout: what the split held out: ``edges``, ``head`` or ``tail``.
        known: bool [H, T] sparse matrix of every target pair of any split (both directions for a
            symmetric target).
        features: pair features of ``graph`` from ``query_side`` (None unless asked for).
        seconds: ``split_graph`` and ``features`` timings.
    """

    split: LinkSplit
    graph: GraphIndex
    query_side: str
    holdout: str
    known: sp.csr_matrix
    features: PairFeatures | None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def target(self) -> EdgeType:
        """(head label, relation, tail label)."""
        return self.split.target

    @property
    def symmetric(self) -> bool:
        return self.graph.reverse_of[self.target] == self.target

    def pairs(self, pairs: Sequence[tuple[str, str]]) -> Tensor:
        """(head id, tail id) pairs -> long [2, N] per-label indices of ``graph``."""
        return _index_pairs(self.graph, pairs, False)

    @property
    def val(self) -> Tensor:
        """long [2, V] validation pairs."""
        return self.pairs(self.split.val)

    @property
    def test(self) -> Tensor:
        """long [2, T] test pairs."""
        return self.pairs(self.split.test)

    def blocked(self, edges: Sequence[Edge], relations: Collection[str]) -> sp.csr_matrix:
        """:attr:`known` plus the pairs of ``edges`` of the ``relations`` between the target's end labels:
        the pairs never proposed nor drawn as negatives."""
        head, _, tail = self.target
        pos = self.graph.positions
        idx = [
            (pos[e.head][1], pos[e.tail][1])
            for e in edges
            if e.type in relations and pos.get(e.head, ("",))[0] == head and pos.get(e.tail, ("",))[0] == tail
        ]
        if self.symmetric:
            idx += [(t, h) for h, t in idx]
        extra = torch.tensor(idx, dtype=torch.long).t().reshape(2, -1)
        every = _index_pairs(self.graph, self.split.all_pairs, self.symmetric)
        return known_matrix(torch.cat([every, extra], dim=1), *self.known.shape)


def _index_pairs(graph: GraphIndex, pairs: Sequence[tuple[str, str]], symmetric: bool) -> Tensor:
    """(head id, tail id) pairs -> long [2, N] indices (then flipped too: [2, 2N], for a symmetric target)."""
    if not pairs:
        return torch.empty(2, 0, dtype=torch.long)
    pos = graph.positions
    out = torch.tensor([[pos[h][1], pos[t][1]] for h, t in pairs], dtype=torch.long).t()
    return torch.cat([out, out.flip(0)], dim=1) if symmetric else out


def prepare_target(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    rel: str,
    options: LinkPredParams,
    seed: int,
    *,
    holdout: str = "edges",
    targets: Collection[str] = (),
    with_features: bool = False,
) -> PreparedTarget:
    """Split target ``rel`` (``val_ratio``, ``test_ratio``, ``min_edges``, ``target_sources``; seeded), then build
    its message-passing graph, its known-pairs matrix and (``with_features``) its pair features.

    Args:
        options: the target's params (:func:`kg.gnn.options.link_params` of its ``target_params``).
        holdout: ``edges`` (random pairs) or ``head`` / ``tail`` (whole nodes of that end).
        targets: every target of the run (their types stay in the graph despite ``exclude_edge_types``).
        with_features: compute the pair features (metapaths of ``options``) from the ranking side.

    Raises:
        TargetUnavailable: too few target pairs, a label without nodes, or the target type not in the graph.
    """
    t0 = time.perf_counter()
    split = split_target(
        nodes,
        edges,
        schema,
        rel,
        options.val_ratio,
        options.test_ratio,
        seed,
        options.min_edges,
        holdout=holdout,
        target_sources=options.target_sources.get(rel),
    )
    target = split.target
    graph = message_graph(nodes, split.message_edges, schema, options, target, {rel, *targets})
    if target not in graph.forward_count:
        raise TargetUnavailable(f"{rel}: the target type is not among the message-passing edge types")
    head, _, tail = target
    query_side = options.query_side(rel)
    symmetric = graph.reverse_of[target] == target
    known = known_matrix(_index_pairs(graph, split.all_pairs, symmetric), graph.num_nodes(head), graph.num_nodes(tail))
    t_graph = time.perf_counter()
    features = None
    if with_features:
        features = pair_features(graph, target, model_metapaths(options, rel), query_side, seed=seed)
    seconds = {"split_graph": t_graph - t0, "features": time.perf_counter() - t_graph}
    return PreparedTarget(split, graph, query_side, holdout, known, features, seconds)


def train_target(
    prep: PreparedTarget,
    config: GnnConfig,
    nodes: Sequence[Node],
    *,
    known: sp.csr_matrix | None = None,
    node_features: dict[str, Tensor] | None = None,
) -> TrainResult:
    """Train ``params.members`` link predictors of ``config`` on the prepared target, stopping on its validation pairs.

    ``fold_by: split`` follows the split's hold-out; the pair features are used with ``pair_features``;
    the name features (``name_features``) are computed unless given. ``known``: the filter of the
    validation ranks (default: every target pair).
    """
    config = resolve_fold_by(config, prep.holdout)
    opts = link_params(config.params)
    if node_features is None:
        node_features = input_features(config, prep.graph, nodes, default_cache_dir())
    return train_members(
        prep.graph,
        prep.target,
        prep.val,
        prep.known if known is None else known,
        config,
        prep.query_side,
        prep.features if opts.pair_features else None,
        node_features,
    )
