"""Folds of featurized training positives, cut by pair or by query node (bounded in query nodes).

Pure core, no I/O; used by the metapath regression baseline (:mod:`kg.gnn.baselines`) and the GNN sampler.
"""

from __future__ import annotations

import torch
from torch import Tensor


def query_subset_folds(
    pos_q: Tensor, folds: int, max_queries: int, gen: torch.Generator, by_query: bool = False
) -> list[tuple[Tensor, Tensor]]:
    """Split train positives into folds for featurized training, bounded in query nodes.

    The positives (columns of ``pos_q`` long [E] = their query node) are permuted and cut into ``folds``
    folds; each fold then keeps only the positives of at most ``max_queries`` of its query nodes, so its
    feature rows (every candidate of each query) stay small. With ``by_query`` the query nodes are
    permuted and cut instead, so a fold holds *every* positive of its queries: hiding the fold leaves
    its queries without a target edge, as a held-out disease is at test time (cold start).

    Returns:
        Per fold: (positive columns long [P], its unique query nodes long [Q]).
    """
    e = pos_q.numel()
    if by_query:
        bounded = (_bound_queries(pos_q, cols, max_queries, gen) for cols in query_folds(pos_q, folds, gen))
        return [(cols, torch.unique(pos_q[cols])) for cols in bounded if cols.numel()]
    perm = torch.randperm(e, generator=gen)
    size = -(-e // max(folds, 1))
    out = []
    for k in range(folds):
        cols = perm[k * size : (k + 1) * size]
        if cols.numel() == 0:
            continue
        qs = torch.unique(pos_q[cols])
        if qs.numel() > max_queries:
            qs = qs[torch.randperm(qs.numel(), generator=gen)[:max_queries]].sort().values
            cols = cols[torch.isin(pos_q[cols], qs)]
        out.append((cols, qs))
    return out


def query_folds(pos_q: Tensor, folds: int, gen: torch.Generator) -> list[Tensor]:
    """Positive columns cut into ``folds`` folds by query node: every positive of a query is in one fold.

    ``pos_q``: long [E], the query node of each positive. Returns per fold the columns long [P].
    """
    queries = torch.unique(pos_q)
    perm = queries[torch.randperm(queries.numel(), generator=gen)]
    size = -(-queries.numel() // max(folds, 1))
    return [torch.isin(pos_q, perm[k * size : (k + 1) * size]).nonzero().view(-1) for k in range(folds)]


def _bound_queries(pos_q: Tensor, cols: Tensor, max_queries: int, gen: torch.Generator) -> Tensor:
    qs = torch.unique(pos_q[cols])
    if qs.numel() <= max_queries:
        return cols
    qs = qs[torch.randperm(qs.numel(), generator=gen)[:max_queries]]
    return cols[torch.isin(pos_q[cols], qs)]
