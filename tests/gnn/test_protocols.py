"""Evaluation protocols: hand-computed filtered ranking, degree-matched negatives, node hold-out leakage."""

from __future__ import annotations

from collections import Counter

import pytest
import torch

from kg.gnn.data import build_graph
from kg.gnn.evaluate import known_matrix
from kg.gnn.protocols import QueryScorer, degree_matched_negatives, evaluate_queries, orient, orient_matrix
from kg.gnn.split import split_target
from kg.types import Edge
from tests.gnn.conftest import tiny_graph


def _graph_pairs(g, et):
    h, _, t = et
    return {(g.node_ids[h][a], g.node_ids[t][b]) for a, b in g.data[et].edge_index.t().tolist()}


def test_filtered_ranking_over_all_candidates_hand_computed():
    # 2 queries (diseases) x 4 candidates (drugs); scores by hand
    table = torch.tensor([[0.9, 0.8, 0.1, 0.5], [0.2, 0.3, 0.4, 0.6]])
    scorer = QueryScorer(rows=lambda q: table[q], pairs=lambda q, c: table[q, c])
    test = torch.tensor([[0, 1], [1, 2]])  # (q0, c1), (q1, c2)
    # q0 also has the known true candidate c0 (train); it must be filtered, so c1 is rank 1.
    # q1: c3 (0.6) is above c2 (0.4), not known -> rank 2.
    known = known_matrix(torch.tensor([[0, 0, 1], [0, 1, 2]]), 2, 4)
    m = evaluate_queries(scorer, test, known, None, seed=0, negatives_per_positive=1)
    assert m["mrr"] == pytest.approx((1 / 1 + 1 / 2) / 2)
    assert (m["hits@1"], m["hits@3"], m["hits@10"]) == (0.5, 1.0, 1.0)
    assert m["mean_rank"] == pytest.approx(1.5)
    assert m["n_test"] == 2.0
    # candidates with no edge are not ranked (c3 excluded): q1's c2 becomes rank 1
    cand = torch.tensor([True, True, True, False])
    m2 = evaluate_queries(scorer, test, known, cand, seed=0, negatives_per_positive=1)
    assert m2["mrr"] == pytest.approx(1.0)


def test_degree_matched_negatives_match_marginals_and_are_never_known():
    gen = torch.Generator().manual_seed(0)
    # positives: query 0 has 3 edges, queries 1..3 one each; candidates 10 has 3 edges
    pos = torch.tensor([[0, 0, 0, 1, 2, 3], [10, 11, 12, 10, 10, 13]])
    known = known_matrix(pos, 4, 20)
    neg = degree_matched_negatives(pos, known, gen, per_positive=4)
    assert not any(known[q, c] for q, c in neg.t().tolist())
    # the queries are the positives' queries exactly (per round), candidates drawn from the positives':
    # every known pair drawn here is redrawn into an unknown one (query 0 can only take candidate 13)
    assert neg.size(1) == 24
    assert Counter(neg[0].tolist()) == Counter((pos[0].tolist()) * 4)
    assert set(neg[1, neg[0] == 0].tolist()) == {13}
    assert set(neg[1].tolist()) <= set(pos[1].tolist())
    # a degree-only scorer cannot separate positives from degree-matched negatives (AUROC ~0.5),
    # while it separates them from uniformly random candidates
    nodes, edges = tiny_graph()
    qdeg = torch.bincount(pos[0], minlength=4).double()
    cdeg = torch.bincount(pos[1], minlength=20).double()
    scorer = QueryScorer(rows=lambda q: qdeg[q][:, None] + cdeg[None, :], pairs=lambda q, c: qdeg[q] + cdeg[c])
    m = evaluate_queries(scorer, pos, known, None, seed=1, negatives_per_positive=20)
    assert m["auroc"] > 0.75
    assert abs(m["auroc_dm"] - 0.5) < 0.2


def test_disease_holdout_split_has_no_leak(graph, schema):
    nodes, edges = graph
    split = split_target(nodes, edges, schema, "TREATS", 0.2, 0.2, seed=5, holdout="tail")
    test_d = {t for _, t in split.test}
    val_d = {t for _, t in split.val}
    train_d = {t for _, t in split.train}
    assert test_d and val_d and not (test_d & train_d) and not (val_d & train_d) and not (test_d & val_d)
    # every TREATS pair of a held-out disease is held out
    assert {(h, t) for h, t in split.all_pairs if t in test_d} == set(split.test)
    g = build_graph(nodes, split.message_edges, schema)
    fwd = _graph_pairs(g, ("Drug", "TREATS", "Disease"))
    rev = {(b, a) for a, b in _graph_pairs(g, ("Disease", "rev_TREATS", "Drug"))}
    held = set(split.test) | set(split.val)
    assert not (held & fwd) and not (held & rev)
    assert not ({t for _, t in fwd} & (test_d | val_d))
    # other relations of held-out diseases stay (cold start still sees genes, similar diseases)
    assert any(e.head in test_d and e.type == "ASSOCIATED_WITH" for e in split.message_edges)


def test_target_sources_keep_text_only_edges_as_messages(graph, schema):
    nodes, edges = graph
    curated = [e.model_copy(update={"sources": ("hetionet",)}) for e in edges]
    text = Edge(head="DRUGBANK:DB00000", type="TREATS", tail="DOID:1", sources=("text",), confidence=0.6)
    both = [*curated, text]
    split = split_target(nodes, both, schema, "TREATS", 0.2, 0.2, seed=1, target_sources=["hetionet"])
    assert ("DRUGBANK:DB00000", "DOID:1") not in split.all_pairs
    assert text in split.message_edges


def test_orientation_helpers():
    pairs = torch.tensor([[0, 1], [5, 6]])
    assert orient(pairs, "tail").tolist() == [[5, 6], [0, 1]]
    m = known_matrix(pairs, 2, 7)
    assert orient_matrix(m, "tail").shape == (7, 2) and orient_matrix(m, "tail")[5, 0]
