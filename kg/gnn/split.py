"""Leakage-safe train/validation/test split of one target relation, done on the edge lists.

The split happens before any graph or feature is built: the message-passing graph is built from
``LinkSplit.message_edges``, which holds every non-target edge plus the *train* target edges only.
Validation and test edges are therefore absent from the graph, and so are their reverse edges
(reverse edges are derived from the forward edges by :func:`kg.gnn.data.build_graph`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import torch

from kg.logs import get_logger
from kg.schema import GraphSchema, SchemaError
from kg.types import Edge, Node

from .data import EdgeType

log = get_logger(__name__)

Pair = tuple[str, str]


class TargetUnavailable(ValueError):
    """The target relation cannot be trained on this graph (too few edges, labels missing)."""


@dataclass(frozen=True)
class LinkSplit:
    """The split of one target edge type.

    Attributes:
        target: (head label, relation, tail label).
        train, val, test: disjoint target (head id, tail id) pairs, deduplicated. For a symmetric
            same-label relation each pair is stored once, head id < tail id.
        message_edges: the edges from which the message-passing graph may be built: every input
            edge except target edges whose pair is in ``val`` or ``test``.
    """

    target: EdgeType
    train: tuple[Pair, ...]
    val: tuple[Pair, ...]
    test: tuple[Pair, ...]
    message_edges: tuple[Edge, ...]

    @property
    def all_pairs(self) -> tuple[Pair, ...]:
        """Every known target pair (train + val + test)."""
        return self.train + self.val + self.test


def target_edge_type(schema: GraphSchema, rel: str) -> EdgeType:
    """The (head label, rel, tail label) signature of a target relation.

    A relation with one signature is its own target. A relation with several (TREATS: Drug ->
    Disease and Drug -> Symptom) is predicted on the one signature of its prediction type
    (PREDICTED_TREATS: Drug -> Disease); its other signatures stay message-passing edges.

    Raises:
        SchemaError: ``rel`` is unknown, or has several signatures and no prediction type with one
            of them.
    """
    spec = schema.relationships.get(rel)
    if spec is None:
        raise SchemaError(f"unknown relationship type {rel!r}; known: {sorted(schema.relationships)}")
    signatures = list(spec.signatures)
    if len(signatures) > 1:
        predicted = schema.relationships.get(schema.prediction_targets.get(rel, ""))
        chosen = [s for s in signatures if predicted is not None and list(predicted.signatures) == [s]]
        if len(chosen) != 1:
            raise SchemaError(
                f"target {rel!r} has several signatures {signatures} and no prediction type with exactly one of them"
            )
        signatures = chosen
    head, tail = signatures[0]
    return (head, rel, tail)


def _pair_key(e: Edge, symmetric: bool) -> Pair:
    """(head id, tail id); for a symmetric same-label relation the smaller id first."""
    if symmetric and e.tail < e.head:
        return (e.tail, e.head)
    return (e.head, e.tail)


Parts = tuple[tuple[Pair, ...], tuple[Pair, ...], tuple[Pair, ...]]


def _split_edges(pairs: list[Pair], n_val: int, n_test: int, gen: torch.Generator) -> Parts:
    """(train, val, test): the pairs permuted and cut, each part sorted."""
    perm = torch.randperm(len(pairs), generator=gen).tolist()
    shuffled = [pairs[i] for i in perm]
    test = tuple(sorted(shuffled[:n_test]))
    val = tuple(sorted(shuffled[n_test : n_test + n_val]))
    train = tuple(sorted(shuffled[n_test + n_val :]))
    return train, val, test


def _split_nodes(rel: str, pairs: list[Pair], side: int, n_val: int, n_test: int, gen: torch.Generator) -> Parts:
    """(train, val, test) by whole nodes of end ``side`` (0 head, 1 tail): permuted nodes fill test, then val."""
    by_node: dict[str, list[Pair]] = {}
    for p in pairs:
        by_node.setdefault(p[side], []).append(p)
    order = sorted(by_node)
    groups = [order[i] for i in torch.randperm(len(order), generator=gen).tolist()]
    test_l: list[Pair] = []
    val_l: list[Pair] = []
    train_l: list[Pair] = []
    for g in groups:
        if len(test_l) < n_test:
            test_l += by_node[g]
        elif len(val_l) < n_val:
            val_l += by_node[g]
        else:
            train_l += by_node[g]
    if not train_l or not val_l:
        end = "head" if side == 0 else "tail"
        raise TargetUnavailable(f"{rel}: {len(order)} {end} nodes leave no train or validation node")
    return tuple(sorted(train_l)), tuple(sorted(val_l)), tuple(sorted(test_l))


def _split_pairs(
    rel: str, pairs: list[Pair], holdout: str, symmetric: bool, val_ratio: float, test_ratio: float, seed: int
) -> Parts:
    """(train, val, test) of the sorted target ``pairs``, by random pairs or whole nodes (``holdout``)."""
    n = len(pairs)
    n_test = max(1, round(n * test_ratio))
    n_val = max(1, round(n * val_ratio))
    if n_test + n_val >= n:
        raise TargetUnavailable(f"{rel}: {n} edges leave no training edge after the split")
    gen = torch.Generator().manual_seed(seed)
    if holdout == "edges":
        train, val, test = _split_edges(pairs, n_val, n_test, gen)
    elif holdout in ("head", "tail"):
        if symmetric:
            raise TargetUnavailable(f"{rel}: node hold-out is not defined for a symmetric relation")
        train, val, test = _split_nodes(rel, pairs, 0 if holdout == "head" else 1, n_val, n_test, gen)
    else:
        raise ValueError(f"holdout must be 'edges', 'head' or 'tail', got {holdout!r}")
    return train, val, test


def split_target(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    rel: str,
    val_ratio: float = 0.1,
    test_ratio: float = 0.1,
    seed: int = 13,
    min_edges: int = 10,
    holdout: str = "edges",
    target_sources: Collection[str] | None = None,
) -> LinkSplit:
    """Split the edges of target relation ``rel`` into train/val/test, deterministically for a seed.

    ``holdout="edges"`` permutes the target pairs and cuts them. ``holdout="head"`` or ``"tail"`` holds
    out whole nodes of that end (e.g. ``"tail"`` for TREATS: whole diseases, cold start): the nodes are
    permuted and taken, with all their target pairs, into test until it holds at least ``test_ratio`` of
    the pairs, then likewise into validation; every pair of a held-out node leaves the graph.

    Args:
        nodes: graph nodes (only their labels are used, to keep target edges that fit the signature).
        edges: every asserted edge of the graph.
        schema: the graph schema.
        rel: the target relation type, e.g. ``"TREATS"``.
        val_ratio, test_ratio: fractions of the target pairs held out (each at least one pair).
        seed: seed of the permutation.
        min_edges: fewer valid target pairs than this raises :class:`TargetUnavailable`.
        holdout: ``"edges"`` (random pairs), ``"head"`` or ``"tail"`` (whole nodes of that end).
        target_sources: only edges with one of these sources are target pairs (e.g. ``["hetionet"]``:
            the curated indications); other edges of ``rel`` (text-mined only) stay in the graph as
            message-passing edges. None: every edge of ``rel``.

    Returns:
        The split; build the training graph from ``message_edges`` only.

    Raises:
        TargetUnavailable: a label of the signature has no node, or too few target pairs.
        SchemaError: ``rel`` is not a single-signature relation of the schema.
    """
    et = target_edge_type(schema, rel)
    head_label, _, tail_label = et
    label_of = {n.id: n.label for n in nodes}
    present = set(label_of.values())
    missing = [lab for lab in (head_label, tail_label) if lab not in present]
    if missing:
        raise TargetUnavailable(f"{rel}: no nodes with label(s) {missing}")
    symmetric = schema.relationships[rel].symmetric and head_label == tail_label
    pairs = sorted(
        {
            _pair_key(e, symmetric)
            for e in edges
            if e.type == rel
            and label_of.get(e.head) == head_label
            and label_of.get(e.tail) == tail_label
            and (target_sources is None or any(src in target_sources for src in e.sources))
        }
    )
    if len(pairs) < max(min_edges, 3):
        raise TargetUnavailable(f"{rel}: only {len(pairs)} valid edges, need at least {max(min_edges, 3)}")
    train, val, test = _split_pairs(rel, pairs, holdout, symmetric, val_ratio, test_ratio, seed)
    held_out = set(test) | set(val)
    message = tuple(e for e in edges if not (e.type == rel and _pair_key(e, symmetric) in held_out))
    log.info(
        "%s split (%s held out): %d train, %d val, %d test (seed %d)",
        rel,
        holdout,
        len(train),
        len(val),
        len(test),
        seed,
    )
    return LinkSplit(target=et, train=train, val=val, test=test, message_edges=message)
