from __future__ import annotations

import math

import pytest
import torch

from kg.gnn.evaluate import (
    classification_metrics,
    degree_scorer,
    evaluate_scorer,
    filtered_ranks,
    known_matrix,
    rank_pairs,
    ranking_metrics,
    sample_negatives,
)


def test_filtered_rank_hand_computed():
    # 3 candidate tails; the true tail (index 1) scores 0.5; tail 0 (0.9) is another known true tail
    scores = torch.tensor([[0.9, 0.5, 0.7]])
    true = torch.tensor([1])
    known = torch.tensor([[True, True, False]])
    assert filtered_ranks(scores, true, known).tolist() == [2.0]  # only tail 2 (0.7) is above
    assert filtered_ranks(scores, true, torch.zeros(1, 3, dtype=torch.bool)).tolist() == [3.0]  # raw rank
    m = ranking_metrics(filtered_ranks(scores, true, known))
    assert m["mrr"] == pytest.approx(0.5)
    assert (m["hits@1"], m["hits@3"], m["hits@10"]) == (0.0, 1.0, 1.0)


def test_ties_count_half():
    scores = torch.tensor([[0.5, 0.5, 0.5, 0.1]])
    assert filtered_ranks(scores, torch.tensor([0]), torch.zeros(1, 4, dtype=torch.bool)).tolist() == [2.0]


def test_rank_pairs_two_queries_mrr():
    # head 0 has true tails {0, 2}; head 1 has true tail {1}
    table = torch.tensor([[0.9, 0.5, 0.7], [0.1, 0.2, 0.3]])
    pairs = torch.tensor([[0, 0, 1], [0, 2, 1]])
    known = known_matrix(pairs, 2, 3)
    ranks = rank_pairs(lambda h: table[h], pairs, known)
    # (0,0): best -> 1; (0,2): 0.9 is filtered -> 1; (1,1): 0.3 above -> 2
    assert ranks.tolist() == [1.0, 1.0, 2.0]
    assert ranking_metrics(ranks)["mrr"] == pytest.approx((1 + 1 + 0.5) / 3)


def test_negatives_are_never_known_and_metrics():
    pairs = torch.tensor([[0, 0, 1, 2], [0, 1, 2, 3]])
    known = known_matrix(pairs, 3, 5)
    neg = sample_negatives(pairs, known, torch.Generator().manual_seed(0))
    assert neg.size(0) == 2 and neg.size(1) > 0
    assert not any(known[h, t] for h, t in neg.t().tolist())
    assert classification_metrics(torch.tensor([2.0, 3.0]), torch.tensor([0.0, 1.0])) == {"auroc": 1.0, "auprc": 1.0}
    assert math.isnan(classification_metrics(torch.tensor([1.0]), torch.tensor([]))["auroc"])


def test_degree_baseline_prefers_high_degree_tails():
    train = torch.tensor([[0, 1, 2, 0], [2, 2, 2, 1]])  # tail 2 has degree 3, tail 1 degree 1, tail 0 none
    rows, pairs = degree_scorer(train, 3, 3)
    r = rows(torch.tensor([1]))
    assert r.shape == (1, 3) and r[0, 2] > r[0, 1] > r[0, 0]
    assert torch.allclose(pairs(torch.tensor([1]), torch.tensor([2])), r[:, 2])
    test = torch.tensor([[1], [1]])
    m = evaluate_scorer(rows, pairs, test, known_matrix(torch.cat([train, test], 1), 3, 3))
    assert m["mrr"] == pytest.approx(1.0)  # tail 2 is known for head 1 -> filtered; tail 1 beats tail 0
    assert set(m) == {"mrr", "hits@1", "hits@3", "hits@10", "mean_rank", "auroc", "auprc", "n_test"}


def test_candidates_restrict_ranking_and_negatives():
    table = torch.tensor([[0.9, 0.5, 0.7, 0.1]])
    pairs = torch.tensor([[0], [3]])
    known = known_matrix(pairs, 1, 4)
    cand = torch.tensor([False, True, False, False])  # the true tail 3 is always ranked
    assert rank_pairs(lambda h: table[h], pairs, known).tolist() == [4.0]
    assert rank_pairs(lambda h: table[h], pairs, known, cand).tolist() == [2.0]
    neg = sample_negatives(pairs.repeat(1, 5), known, torch.Generator().manual_seed(0), cand)
    assert set(neg[1].tolist()) == {1}
