"""Evaluation protocols that cannot flatter: filtered ranking, random and degree-matched negatives.

Pure core. Everything here is in *query orientation*: a query is a group node (e.g. a disease for
TREATS, whose candidates are drugs), a candidate is a node of the other end of the target relation.
Pairs are long tensors [2, N] with row 0 query indices and row 1 candidate indices; ``known`` is a
bool sparse matrix [num_queries, num_candidates] of every pair that must not count as a negative
(all target pairs of every split, plus pairs of excluded relations such as PALLIATES).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from .evaluate import classification_metrics, rank_pairs, ranking_metrics, sample_negatives


@dataclass(frozen=True)
class QueryScorer:
    """A model or baseline seen from the query side.

    Attributes:
        rows: queries long [Q] -> scores float [Q, C] for every candidate (higher = more likely).
        pairs: (queries long [B], candidates long [B]) -> scores float [B].
    """

    rows: Callable[[Tensor], Tensor]
    pairs: Callable[[Tensor, Tensor], Tensor]


def degree_matched_negatives(
    pairs: Tensor, known: sp.csr_matrix, gen: torch.Generator, per_positive: int = 1, tries: int = 50
) -> Tensor:
    """Negatives whose query and candidate degree distributions match the positives'.

    Each round pairs the positives' queries with a random permutation of the positives' candidates,
    so every query and every candidate appears among the negatives exactly as often as among the
    positives (a degree-only scorer cannot separate them). A permuted pair that is known is redrawn
    (another candidate from the positives' candidates) up to ``tries`` times, then dropped.

    Args:
        pairs: long [2, N] positive (query, candidate) pairs.
        known: bool [Q, C] pairs that are never negatives.
        gen: random generator.
        per_positive: rounds (negatives per positive).
        tries: redraws of a known pair.

    Returns:
        long [2, M] with M <= N * per_positive.
    """
    q_all, c_all = pairs[0], pairs[1]
    out = []
    for _ in range(per_positive):
        c = c_all[torch.randperm(c_all.numel(), generator=gen)].clone()
        bad = torch.from_numpy(np.asarray(known[q_all.numpy().copy(), c.numpy().copy()]).ravel().astype(bool))
        for _ in range(tries):
            if not bad.any():
                break
            idx = bad.nonzero().view(-1)
            c[idx] = c_all[torch.randint(c_all.numel(), (idx.numel(),), generator=gen)]
            bad[idx] = torch.from_numpy(
                np.asarray(known[q_all[idx].numpy().copy(), c[idx].numpy().copy()]).ravel().astype(bool)
            )
        out.append(torch.stack([q_all[~bad], c[~bad]]))
    return torch.cat(out, dim=1) if out else torch.empty(2, 0, dtype=torch.long)


def evaluate_queries(
    scorer: QueryScorer,
    test: Tensor,
    known: sp.csr_matrix,
    candidates: Tensor | None,
    seed: int,
    max_edges: int | None = None,
    negatives_per_positive: int = 5,
) -> dict[str, float]:
    """Filtered ranking plus AUROC/AUPRC against random and against degree-matched negatives.

    Args:
        scorer: the model in query orientation.
        test: long [2, N] test (query, candidate) pairs.
        known: bool [Q, C] every known pair (filtered out of the ranks, never a negative).
        candidates: bool [C] candidates ranked and sampled (nodes with an edge in the training graph);
            a test candidate is always ranked.
        seed: seed of the test subsample and of the negatives (the same for every scorer).
        max_edges: evaluate a seeded subset of at most this many test pairs.
        negatives_per_positive: negatives of each kind per positive.

    Returns:
        mrr, hits@1, hits@3, hits@10, mean_rank (filtered, over all candidates); auroc, auprc (random
        negatives: the query with a random candidate); auroc_dm, auprc_dm (degree-matched negatives);
        n_test.
    """
    gen = torch.Generator().manual_seed(seed)
    if max_edges is not None and test.size(1) > max_edges:
        test = test[:, torch.randperm(test.size(1), generator=gen)[:max_edges]]
    with torch.no_grad():
        metrics = ranking_metrics(rank_pairs(scorer.rows, test, known, candidates))
        rep = test.repeat(1, negatives_per_positive)
        neg = sample_negatives(rep, known, gen, candidates)
        pos_s = scorer.pairs(test[0], test[1]).double()
        metrics.update(classification_metrics(pos_s, scorer.pairs(neg[0], neg[1]).double()))
        dm = degree_matched_negatives(test, known, gen, per_positive=negatives_per_positive)
        cm = classification_metrics(pos_s, scorer.pairs(dm[0], dm[1]).double())
    metrics["auroc_dm"], metrics["auprc_dm"] = cm["auroc"], cm["auprc"]
    metrics["n_test"] = float(test.size(1))
    return metrics


def pair_scores(
    scorer: QueryScorer,
    test: Tensor,
    known: sp.csr_matrix,
    candidates: Tensor | None,
    seed: int,
    max_edges: int | None = None,
    negatives_per_positive: int = 5,
) -> dict[str, np.ndarray]:
    """The scores behind :func:`evaluate_queries`'s AUROC/AUPRC (same seed, same pairs), for curves.

    Returns:
        ``{"pos": float [N], "neg_random": float [M1], "neg_dm": float [M2]}``.
    """
    gen = torch.Generator().manual_seed(seed)
    if max_edges is not None and test.size(1) > max_edges:
        test = test[:, torch.randperm(test.size(1), generator=gen)[:max_edges]]
    with torch.no_grad():
        neg = sample_negatives(test.repeat(1, negatives_per_positive), known, gen, candidates)
        dm = degree_matched_negatives(test, known, gen, per_positive=negatives_per_positive)
        return {
            "pos": scorer.pairs(test[0], test[1]).double().numpy(),
            "neg_random": scorer.pairs(neg[0], neg[1]).double().numpy(),
            "neg_dm": scorer.pairs(dm[0], dm[1]).double().numpy(),
        }


def orient(pairs_ht: Tensor, query_side: str) -> Tensor:
    """(head, tail) pairs [2, N] -> (query, candidate) pairs [2, N]."""
    return pairs_ht if query_side == "head" else pairs_ht.flip(0)


def orient_matrix(m_ht: sp.csr_matrix, query_side: str) -> sp.csr_matrix:
    """A [H, T] matrix -> [Q, C]."""
    return m_ht.tocsr() if query_side == "head" else m_ht.T.tocsr()
