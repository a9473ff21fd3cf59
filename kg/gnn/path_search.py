"""Explaining paths for many hypotheses at once: :func:`kg.gnn.paths.explain`'s result, computed with shared work.

:func:`~kg.gnn.paths.explain` searches each (head, tail) pair from scratch: for a length-3 metapath it
re-filters the rows of the head's (up to ``max_branch``) first-step neighbours and tests each of them
against the tail's last-step neighbours with one ``np.isin`` per neighbour. Serving explains tens of
thousands of hypotheses, a handful per group node, whose heads and middle nodes repeat. :class:`PathSearch`
keeps each node's filtered steps, and each head's two-hop reach of a length-3 metapath (every
head - x - y walk, sorted by y), so that a tail costs one ``searchsorted`` per metapath. It returns the
same paths, in the same order, with the same weights (the same float operations in the same order) as
:func:`~kg.gnn.paths.explain`; ``tests/gnn/test_path_search.py`` checks it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from kg.types import PathContribution

from .paths import ExplanationRules, Found, MetapathRule, PathIndex, contributions


@dataclass(frozen=True)
class _Reach:
    """Every walk head - x - y of a length-3 metapath's first two steps, in :func:`explain`'s search order.

    Attributes:
        e, m: int64 [W], the walk's first and second entry of the path index (``index.nbr[e]`` is x,
            ``index.nbr[m]`` is y).
        x, y: int64 [W], the walk's middle nodes.
        order: int64 [W], positions sorting the walks by y (stable).
        y_sorted: int64 [W], ``y[order]``.
    """

    e: np.ndarray
    m: np.ndarray
    x: np.ndarray
    y: np.ndarray
    order: np.ndarray
    y_sorted: np.ndarray


class PathSearch:
    """:func:`kg.gnn.paths.explain` for many pairs of one target over one path index, sharing the work.

    Args:
        index: the path index of the message-passing graph.
        rules: the target's metapaths.
        max_paths, max_branch: as :func:`~kg.gnn.paths.explain`.
        max_heads: heads whose length-3 reach is kept (least recently used dropped); explain pairs in head
            order to reuse it.
    """

    def __init__(
        self, index: PathIndex, rules: ExplanationRules, max_paths: int = 3, max_branch: int = 32, max_heads: int = 8
    ) -> None:
        self.index, self.rules, self.max_paths, self.max_branch = index, rules, max_paths, max_branch
        self._steps: dict[tuple[int, str, str], np.ndarray] = {}
        self._reach: OrderedDict[tuple[int, str], _Reach] = OrderedDict()
        self._tails: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
        self._weights: dict[tuple[int, str], dict[int, float]] = {}
        self._max_heads = max_heads

    def step(self, u: int, rel: str, label: str) -> np.ndarray:
        """:meth:`PathIndex.step`, computed once per (node, relation, label)."""
        key = (u, rel, label)
        hit = self._steps.get(key)
        if hit is None:
            hit = self._steps[key] = self.index.step(u, rel, label)
        return hit

    def explain(self, head: int, tail: int) -> list[PathContribution]:
        """The explanation of (head, tail), global node indices: equal to ``explain(index, head, tail, ...)``."""
        found: Found = []
        for rule in self.rules.support:
            found += self._rule_paths(rule, head, tail)
        against = [p for rule in self.rules.against for p in self._rule_paths(rule, head, tail)]
        return contributions(self.index, found, against, self.max_paths)

    def _rule_paths(self, rule: MetapathRule, head: int, tail: int) -> Found:
        ix, rs, ls = self.index, rule.relations, rule.labels
        if len(rs) == 1:
            ent = self.step(head, rs[0], ls[1])
            hit = ent[ix.nbr[ent] == tail]
            return [(float(ix.weight[e]), (head, tail), rule) for e in hit[:1]]
        if len(rs) == 2:
            a, wb = self.step(head, rs[0], ls[1]), self._tail_weights(rule, tail)
            return [
                (float(ix.weight[e]) * wb[x], (head, x, tail), rule)
                for e, x in zip(a.tolist(), ix.nbr[a].tolist(), strict=True)
                if x in wb and x not in (head, tail)
            ]
        return self._three(rule, head, tail)

    def _head_reach(self, rule: MetapathRule, head: int) -> _Reach:
        """The walks head - x - y of ``rule`` (x among head's ``max_branch`` most specific first steps, x != head,
        y not in (head, x)), in :func:`explain`'s order: by x, then by y's entry in x's row."""
        key = (head, rule.name)
        hit = self._reach.get(key)
        if hit is not None:
            self._reach.move_to_end(key)
            return hit
        ix, rs, ls = self.index, rule.relations, rule.labels
        es, ms = [], []
        for e in self.step(head, rs[0], ls[1])[: self.max_branch].tolist():
            x = int(ix.nbr[e])
            if x == head:
                continue
            mid = self.step(x, rs[1], ls[2])
            ys = ix.nbr[mid]
            mid = mid[(ys != head) & (ys != x)]
            es.append(np.full(mid.size, e, dtype=np.int64))
            ms.append(mid)
        e_all = np.concatenate(es) if es else np.empty(0, dtype=np.int64)
        m_all = np.concatenate(ms) if ms else np.empty(0, dtype=np.int64)
        y = ix.nbr[m_all]
        order = np.argsort(y, kind="stable")
        reach = _Reach(e_all, m_all, ix.nbr[e_all], y, order, y[order])
        self._reach[key] = reach
        if len(self._reach) > self._max_heads:
            self._reach.popitem(last=False)
        return reach

    def _tail_weights(self, rule: MetapathRule, tail: int) -> dict[int, float]:
        """Length 2: the tail's neighbours over the last step -> weight (the last entry of a repeated one, as
        :func:`explain`'s dict), once per tail (a hub symptom has thousands)."""
        key = (tail, rule.name)
        hit = self._weights.get(key)
        if hit is None:
            b = self.step(tail, rule.relations[-1], rule.labels[-2])
            hit = self._weights[key] = dict(zip(self.index.nbr[b].tolist(), self.index.weight[b].tolist(), strict=True))
        return hit

    def _tail_ends(self, rule: MetapathRule, tail: int) -> tuple[np.ndarray, np.ndarray]:
        """The distinct y among the tail's ``max_branch`` last steps, sorted, int64 [K], and the weight of each
        one's first entry float64 [K] (as :func:`explain`'s ``np.flatnonzero(yb == y)[0]``)."""
        key = (tail, rule.name)
        hit = self._tails.get(key)
        if hit is None:
            b = self.step(tail, rule.relations[-1], rule.labels[-2])[: self.max_branch]
            uniq, first = np.unique(self.index.nbr[b], return_index=True)
            hit = self._tails[key] = (uniq, self.index.weight[b][first])
        return hit

    def _three(self, rule: MetapathRule, head: int, tail: int) -> Found:
        """Length 3: head - x - y - tail, x among head's and y among tail's ``max_branch`` first steps."""
        ix = self.index
        ys, wy = self._tail_ends(rule, tail)
        reach = self._head_reach(rule, head)
        if not ys.size or not reach.y.size:
            return []
        lo = np.searchsorted(reach.y_sorted, ys, side="left")
        n = np.searchsorted(reach.y_sorted, ys, side="right") - lo
        if not n.any():
            return []
        # the walks ending at one of ys: runs [lo, lo + n) of the sorted walks, back in search order
        run = np.repeat(np.arange(ys.size), n)
        pos = reach.order[lo[run] + np.arange(run.size) - np.repeat(np.cumsum(n) - n, n)]
        back = np.argsort(pos, kind="stable")
        pos, run = pos[back], run[back]
        x, y = reach.x[pos], reach.y[pos]
        keep = (x != tail) & (y != tail)
        pos, x, y, run = pos[keep], x[keep], y[keep], run[keep]
        w = ix.weight[reach.e[pos]] * ix.weight[reach.m[pos]] * wy[run]
        return [(wk, (head, xk, yk, tail), rule) for wk, xk, yk in zip(w.tolist(), x.tolist(), y.tolist(), strict=True)]


__all__ = ["PathSearch"]
