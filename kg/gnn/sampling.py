"""What each training step sees: the folds of train target edges it hides and scores, and its negatives.

Each optimizer step hides one fold of the train target edges (and their reverse edges) from message
passing and uses it as positives, so the model cannot score an edge by seeing it. The negatives of a
step corrupt its positives (:class:`NegativeSampler`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict
from torch import Tensor

from .data import EdgeType, GraphIndex
from .metapath_folds import query_folds
from .scoring import edge_dicts

EdgeDicts = tuple[dict[EdgeType, Tensor], dict[EdgeType, Tensor]]


class SamplingOptions(BaseModel):
    """Options of the fold and negative samplers (keys of ``gnn.params``)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    neg_ratio: int = 1
    """Negatives per positive (half corrupt the head, half the tail)."""
    neg_mode: Literal["random", "degree", "mix"] = "random"
    """``random``: a random node with an edge; ``degree``: the fold's positives permuted (degree-matched);
    ``mix``: half each."""
    supervision_ratio: float = 0.25
    """Share of the train target edges hidden from message passing and scored per step."""
    max_steps_per_epoch: int = 4
    """Optimizer steps per epoch (folds of the train edges)."""
    max_supervision_edges: int = 50_000
    """Cap on the positives of a step."""
    max_message_edges: int | None = None
    """Training steps pass messages over a random subset of at most this many edges per edge type
    (DropEdge; bounds the step cost on big types); evaluation uses every edge."""
    fold_by: Literal["edges", "query", "split"] = "edges"
    """``edges``: folds of random train edges; ``query``: folds of whole query nodes (each hidden query
    loses every target edge, as in the disease hold-out); ``split``: ``query`` on a hold-out split, else
    ``edges`` (resolved by the caller that knows the split)."""


def without(graph: GraphIndex, target: EdgeType, hidden: Tensor, ei: dict, ew: dict) -> EdgeDicts:
    """Edge dicts with the forward target edges at columns ``hidden`` (and their reverses) removed."""
    e = graph.forward_count[target]
    keep = torch.ones(e, dtype=torch.bool)
    keep[hidden] = False
    ei, ew = dict(ei), dict(ew)
    rev = graph.reverse_of[target]
    if rev == target:  # symmetric: columns [:E] forward, [E:] the same flipped
        both = torch.cat([keep, keep])
        ei[target], ew[target] = ei[target][:, both], ew[target][both]
    else:
        ei[target], ew[target] = ei[target][:, keep], ew[target][keep]
        ei[rev], ew[rev] = ei[rev][:, keep], ew[rev][keep]
    return ei, ew


def whole_queries(pos_q: Tensor, cols: Tensor, cap: int, gen: torch.Generator) -> Tensor:
    """The positive columns ``cols`` cut to at most ``cap`` by whole query nodes (at least one, drawn at random),
    so that hiding them leaves each of their query nodes without any target edge (cold start)."""
    if cols.numel() <= cap:
        return cols
    qs = torch.unique(pos_q[cols])
    qs = qs[torch.randperm(qs.numel(), generator=gen)]
    counts = torch.bincount(pos_q[cols])[qs]
    keep = torch.cumsum(counts, 0) <= cap
    keep[0] = True
    return cols[torch.isin(pos_q[cols], qs[keep])]


class FoldSampler:
    """The folds of the train target edges, one per optimizer step, and each step's message-passing graph.

    An epoch is ``ceil(1 / supervision_ratio)`` steps over disjoint folds of the train edges (each hidden in
    turn), capped at ``max_steps_per_epoch``; a fold is at most ``max_supervision_edges`` edges. With
    ``fold_by: query`` a fold holds whole query nodes. ``gen`` draws the query folds, ``sgen`` the edge
    permutations and the DropEdge subsets (the same generator for ensemble member 0).
    """

    def __init__(
        self,
        graph: GraphIndex,
        target: EdgeType,
        query_side: str,
        options: SamplingOptions,
        gen: torch.Generator,
        sgen: torch.Generator,
    ) -> None:
        if options.fold_by not in ("edges", "query"):
            raise ValueError(f"params.fold_by must be edges or query here, got {options.fold_by!r}")
        self.graph, self.target, self.options = graph, target, options
        self.by_query = options.fold_by == "query"
        self.gen, self.sgen = gen, sgen
        self.ei_all, self.ew_all = edge_dicts(graph)
        self.pos_all = graph.forward_edges(target)  # [2, E] the train positives
        self.num_edges = e = self.pos_all.size(1)
        self.n_sup = max(1, min(int(e * options.supervision_ratio), options.max_supervision_edges))
        self.steps = min(int(options.max_steps_per_epoch), -(-e // self.n_sup))
        p = self.pos_all
        self.pos_q, self.pos_c = (p[0], p[1]) if query_side == "head" else (p[1], p[0])  # [E] (query, candidate)

    def epoch(self, fixed: list[Tensor] | None = None) -> Iterator[tuple[int, Tensor]]:
        """(step, positive columns) of one epoch; ``fixed``: the run's fixed folds (featurized training)."""
        perm = torch.randperm(self.num_edges, generator=self.sgen)
        qfolds = query_folds(self.pos_q, self.steps, self.gen) if self.by_query and fixed is None else []
        for step in range(len(fixed) if fixed is not None else self.steps):
            if fixed is not None:
                sup = fixed[step]
            elif self.by_query:
                sup = whole_queries(self.pos_q, qfolds[step], self.n_sup, self.gen)
            else:
                sup = perm[step * self.n_sup : (step + 1) * self.n_sup]
            if sup.numel() == 0:
                return
            yield step, sup

    def message_graph(self, hidden: Tensor) -> EdgeDicts:
        """The edge dicts of a step: without the ``hidden`` positives, cut to ``max_message_edges`` per type."""
        ei, ew = without(self.graph, self.target, hidden, self.ei_all, self.ew_all)
        cap = self.options.max_message_edges
        if cap:
            for et in list(ei):
                if ei[et].size(1) > cap:
                    keep = torch.randperm(ei[et].size(1), generator=self.sgen)[:cap]
                    ei[et], ew[et] = ei[et][:, keep], ew[et][keep]
        return ei, ew


class NegativeSampler:
    """Negatives of a step's positives: ``neg_ratio`` per positive, by ``neg_mode``.

    ``random`` replaces the head or the tail with a random node of ``pool_h`` / ``pool_t`` (nodes with an
    edge: an isolated node would be trivially negative); ``degree`` pairs the positives' queries with a
    permutation of their candidates (degree-matched); ``mix`` half each. With ``candidate_side_only`` (the
    pair head, whose feature rows belong to the fold's queries) only the candidate side is corrupted.
    """

    def __init__(
        self,
        options: SamplingOptions,
        pool_h: Tensor,
        pool_t: Tensor,
        query_side: str,
        candidate_side_only: bool,
        gen: torch.Generator,
    ) -> None:
        self.options, self.pool_h, self.pool_t = options, pool_h, pool_t
        self.query_side, self.candidate_side_only, self.gen = query_side, candidate_side_only, gen

    def sample(self, pos: Tensor) -> Tensor:
        """long [2, P] (head, tail) positives -> long [2, P * neg_ratio] negatives."""
        gen = self.gen
        neg = pos.repeat(1, int(self.options.neg_ratio))  # [2, P * neg_ratio]
        n_neg = neg.size(1)
        mode = self.options.neg_mode
        if mode == "random":
            rand = torch.ones(n_neg, dtype=torch.bool)
        elif mode == "degree":
            rand = torch.zeros(n_neg, dtype=torch.bool)
        else:
            rand = torch.rand(n_neg, generator=gen) < 0.5
        cside = 1 if self.query_side == "head" else 0
        if self.candidate_side_only:
            half = torch.full((n_neg,), cside == 0)
        else:
            half = torch.rand(n_neg, generator=gen) < 0.5
        hh, tt = rand & half, rand & ~half
        neg[0, hh] = self.pool_h[torch.randint(self.pool_h.numel(), (int(hh.sum()),), generator=gen)]
        neg[1, tt] = self.pool_t[torch.randint(self.pool_t.numel(), (int(tt.sum()),), generator=gen)]
        dm = (~rand).nonzero().view(-1)
        if dm.numel():  # degree-matched: the fold's candidates permuted against its queries
            side = cside if self.candidate_side_only else 1
            neg[side, dm] = neg[side, dm[torch.randperm(dm.numel(), generator=gen)]]
        return neg
