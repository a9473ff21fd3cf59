"""Filtered ranking metrics, classification metrics and the degree-product baseline."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
import torch
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve
from torch import Tensor

#: ``score_rows(heads)``: heads long [Q] -> scores float [Q, C] for every candidate tail.
RowScorer = Callable[[Tensor], Tensor]
#: ``score_pairs(heads, tails)``: long [B], long [B] -> scores float [B].
PairScorer = Callable[[Tensor, Tensor], Tensor]


def known_matrix(pairs: Tensor, num_heads: int, num_tails: int) -> sp.csr_matrix:
    """Boolean sparse matrix [num_heads, num_tails] of known (head, tail) pairs from ``pairs`` [2, N]."""
    p = pairs.numpy()
    data = np.ones(p.shape[1], dtype=bool)
    m = sp.csr_matrix((data, (p[0], p[1])), shape=(num_heads, num_tails), dtype=bool)
    m.sum_duplicates()
    return m


def filtered_ranks(scores: Tensor, true_tails: Tensor, known: Tensor) -> Tensor:
    """Filtered rank of each true tail among all candidates.

    Args:
        scores: float [Q, C], the score of every candidate tail for each query (higher = better).
        true_tails: long [Q], the index of the true tail of each query.
        known: bool [Q, C], every known true tail of the query's head; these are removed from the
            candidates, except the query's own true tail.

    Returns:
        float [Q], the realistic rank ``1 + #(higher) + #(tied others) / 2`` (ties count half, so
        a constant scorer gets the expected rank of a random order, not rank 1).
    """
    q = torch.arange(scores.size(0))
    s = scores.clone().float()
    true = s[q, true_tails]  # [Q]
    filt = known.clone()
    filt[q, true_tails] = False
    s[filt] = float("-inf")
    higher = (s > true[:, None]).sum(1)
    ties = (s == true[:, None]).sum(1) - 1
    return 1.0 + higher.float() + ties.float() / 2.0


def ranking_metrics(ranks: Tensor) -> dict[str, float]:
    """MRR, Hits@1/3/10 and mean rank from filtered ranks [N]."""
    r = ranks.double()
    return {
        "mrr": float((1.0 / r).mean()),
        "hits@1": float((r <= 1).double().mean()),
        "hits@3": float((r <= 3).double().mean()),
        "hits@10": float((r <= 10).double().mean()),
        "mean_rank": float(r.mean()),
    }


def rank_pairs(
    score_rows: RowScorer, pairs: Tensor, known: sp.csr_matrix, candidates: Tensor | None = None, chunk: int = 512
) -> Tensor:
    """Filtered tail ranks of ``pairs`` [2, N] (head, tail) against every candidate tail -> float [N].

    ``candidates``: bool [C], the tails ranked against (default all); a true tail is always ranked.
    """
    out = []
    for s in range(0, pairs.size(1), chunk):
        heads, tails = pairs[0, s : s + chunk], pairs[1, s : s + chunk]
        scores = score_rows(heads)  # [Q, C]
        mask = torch.from_numpy(known[heads.numpy().copy()].toarray())  # [Q, C]
        if candidates is not None:
            mask |= ~candidates[None, :]
        out.append(filtered_ranks(scores, tails, mask))
    return torch.cat(out) if out else torch.empty(0)


def sample_negatives(
    pairs: Tensor, known: sp.csr_matrix, gen: torch.Generator, candidates: Tensor | None = None, tries: int = 20
) -> Tensor:
    """One corrupted (head, random candidate tail) pair per positive in ``pairs`` [2, N], never a known pair.

    Returns:
        long [2, M], M <= N (a head whose every tail is known gets no negative).
    """
    pool = torch.arange(known.shape[1]) if candidates is None else candidates.nonzero().view(-1)
    heads = pairs[0]
    tails = pool[torch.randint(pool.numel(), (heads.numel(),), generator=gen)]
    bad = torch.from_numpy(np.asarray(known[heads.numpy().copy(), tails.numpy().copy()]).ravel())
    for _ in range(tries):
        if not bad.any():
            break
        idx = bad.nonzero().view(-1)
        tails[idx] = pool[torch.randint(pool.numel(), (idx.numel(),), generator=gen)]
        bad[idx] = torch.from_numpy(np.asarray(known[heads[idx].numpy().copy(), tails[idx].numpy().copy()]).ravel())
    return torch.stack([heads[~bad], tails[~bad]])


def classification_metrics(pos: Tensor, neg: Tensor) -> dict[str, float]:
    """AUROC and AUPRC of positive scores [P] against negative scores [M]."""
    y = np.concatenate([np.ones(pos.numel()), np.zeros(neg.numel())])
    s = torch.cat([pos, neg]).double().numpy()
    if pos.numel() == 0 or neg.numel() == 0:
        return {"auroc": float("nan"), "auprc": float("nan")}
    return {"auroc": float(roc_auc_score(y, s)), "auprc": float(average_precision_score(y, s))}


def precision_at(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Precision of the top ``k`` of scores [N] against bool labels [N]; ties at the cut share the places left,
    so the order of tied pairs does not matter (a constant scorer gets the prevalence)."""
    k = min(k, scores.size)
    if k == 0:
        return float("nan")
    thr = np.sort(scores)[::-1][k - 1]
    above, tied = scores > thr, scores == thr
    slots = k - int(above.sum())
    return float((labels[above].sum() + labels[tied].sum() * slots / tied.sum()) / k)


def auroc_interval(
    pos: np.ndarray, neg: np.ndarray, seed: int, rounds: int = 1000, level: float = 0.95
) -> tuple[float, float]:
    """Stratified bootstrap percentile interval of the AUROC of scores pos [P] against neg [M].

    Each round resamples the positives and the negatives apart (with replacement, seeded); ties count half.
    """
    rng = np.random.default_rng(seed)
    vals = np.empty(rounds)
    for r in range(rounds):
        p = pos[rng.integers(0, pos.size, pos.size)]
        n = neg[rng.integers(0, neg.size, neg.size)]
        ranks = rankdata(np.concatenate([p, n]))
        vals[r] = (ranks[: p.size].sum() - p.size * (p.size + 1) / 2) / (p.size * n.size)
    lo, hi = np.quantile(vals, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def evaluate_scorer(
    score_rows: RowScorer,
    score_pairs: PairScorer,
    test: Tensor,
    known: sp.csr_matrix,
    seed: int = 13,
    max_edges: int | None = None,
    candidates: Tensor | None = None,
) -> dict[str, float]:
    """Filtered ranking and classification metrics of one scorer on test pairs.

    Args:
        score_rows: heads [Q] -> scores [Q, C] over all candidate tails.
        score_pairs: (heads [B], tails [B]) -> scores [B].
        test: long [2, N] test (head, tail) pairs.
        known: [H, C] every known true pair (train + val + test), used to filter ranks and negatives.
        seed: seed of the negative sampling and of the test subsample.
        max_edges: evaluate a seeded random subset of at most this many test pairs.
        candidates: bool [C], the tails ranked against and sampled as negatives (default all).

    Returns:
        mrr, hits@1, hits@3, hits@10, mean_rank, auroc, auprc, n_test.
    """
    gen = torch.Generator().manual_seed(seed)
    if max_edges is not None and test.size(1) > max_edges:
        test = test[:, torch.randperm(test.size(1), generator=gen)[:max_edges]]
    with torch.no_grad():
        metrics = ranking_metrics(rank_pairs(score_rows, test, known, candidates))
        neg = sample_negatives(test, known, gen, candidates)
        metrics.update(classification_metrics(score_pairs(test[0], test[1]), score_pairs(neg[0], neg[1])))
    metrics["n_test"] = float(test.size(1))
    return metrics


def degree_scorer(train: Tensor, num_heads: int, num_tails: int) -> tuple[RowScorer, PairScorer]:
    """Preferential-attachment baseline: ``log(1 + deg(h)) + log(1 + deg(t))``.

    Degrees are counted over the train target pairs ``train`` [2, N] only (same ranking as the
    degree product ``(1 + deg h)(1 + deg t)``).
    """
    dh = torch.log1p(torch.bincount(train[0], minlength=num_heads).double())  # [H]
    dt = torch.log1p(torch.bincount(train[1], minlength=num_tails).double())  # [C]

    def rows(heads: Tensor) -> Tensor:
        return dh[heads][:, None] + dt[None, :]

    def pairs(heads: Tensor, tails: Tensor) -> Tensor:
        return dh[heads] + dt[tails]

    return rows, pairs


def curve_points(scores: np.ndarray, labels: np.ndarray, n: int = 101) -> dict[str, list[float]]:
    """ROC (``fpr``, ``tpr``) and precision-recall (``recall``, ``precision``) curves, each thinned to at
    most ``n`` points (for a report's charts); empty lists when the labels hold one class only."""
    y = labels.astype(bool)
    if not 0 < y.sum() < y.size:
        return {"fpr": [], "tpr": [], "recall": [], "precision": []}
    fpr, tpr, _ = roc_curve(y, scores)
    precision, recall, _ = precision_recall_curve(y, scores)

    def thin(*arrays: np.ndarray) -> list[list[float]]:
        idx = np.unique(np.linspace(0, len(arrays[0]) - 1, min(n, len(arrays[0]))).round().astype(int))
        return [[round(float(v), 4) for v in a[idx]] for a in arrays]

    f, t = thin(fpr, tpr)
    r, p = thin(recall, precision)
    return {"fpr": f, "tpr": t, "recall": r, "precision": p}
