"""The fast serving path returns the reference hypotheses: the batched path search equals ``explain`` pair by
pair, the column-restricted pair features equal whole feature rows, and served HAS_SYMPTOM hypotheses equal
a brute-force reference that scores every pair with ``TargetModel.logits`` and explains each one alone."""

from __future__ import annotations

import random

import pytest
import torch

from kg.config import GnnConfig
from kg.gnn.data import build_graph
from kg.gnn.options import link_params, target_config
from kg.gnn.path_search import PathSearch
from kg.gnn.paths import EXPLANATION_RULES, build_path_index, explain, explanation_note
from kg.gnn.serve import _eligible, serve_linkprediction
from kg.types import Edge, Node


@pytest.fixture(scope="module")
def model(gnn_model):
    """A GNN HAS_SYMPTOM target (conftest): the served GNN path, with its pair features and tail strategies."""
    return gnn_model


def _random_graph(seed: int, model) -> tuple[list[Node], list[Edge]]:
    """Diseases and symptoms the shipped model knows, random HAS_SYMPTOM edges (a few hub symptoms), genes,
    anatomy and resembling diseases, so that every HAS_SYMPTOM metapath has walks, some shared."""
    rng = random.Random(seed)
    tm = model.targets["HAS_SYMPTOM"]
    dis, sym = tm.head_ids[:40], tm.tail_ids[:50]
    genes, anat = [f"NCBIGene:{i}" for i in range(1, 13)], [f"UBERON:{i:07d}" for i in range(1, 6)]
    nodes = (
        [Node(id=x, label="Disease", name=x) for x in dis]
        + [Node(id=x, label="Symptom", name=x) for x in sym]
        + [Node(id=x, label="Gene", name=x) for x in genes]
        + [Node(id=x, label="Anatomy", name=x) for x in anat]
    )
    triples = {(d, "HAS_SYMPTOM", s) for d in dis for s in sym if rng.random() < (0.6 if s in sym[:4] else 0.08)}
    triples |= {(d, "ASSOCIATED_WITH", g) for d in dis for g in genes if rng.random() < 0.15}
    triples |= {(d, "LOCALIZES_TO", a) for d in dis for a in anat if rng.random() < 0.2}
    triples |= {(a, "RESEMBLES", b) for a in dis for b in dis if a < b and rng.random() < 0.05}
    return nodes, [Edge(head=h, type=r, tail=t, confidence=0.9) for h, r, t in sorted(triples)]


@pytest.mark.parametrize("max_branch", [2, 32])
def test_path_search_equals_explain_pair_by_pair(model, schema, max_branch):
    nodes, edges = _random_graph(1, model)
    index = build_path_index(build_graph(nodes, edges, schema))
    rules = EXPLANATION_RULES["HAS_SYMPTOM"]
    d0, s0 = index.offset["Disease"], index.offset["Symptom"]
    pairs = [(d0 + i, s0 + j) for i in range(40) for j in range(50)]
    random.Random(0).shuffle(pairs)  # heads out of order: the reach cache (2 heads) is dropped and rebuilt
    search = PathSearch(index, rules, max_paths=3, max_branch=max_branch, max_heads=2)
    explained = 0
    for h, t in pairs:
        want = explain(index, h, t, rules, 3, max_branch)
        assert search.explain(h, t) == want, (index.ids[h], index.ids[t])
        explained += bool(want)
    assert explained > len(pairs) // 4  # the graph has paths to find


def test_column_rows_equal_whole_feature_rows(model):
    tm = model.targets["HAS_SYMPTOM"]
    assert tm.features is not None and tm.pair_head is not None
    heads = torch.tensor([0, 3, 7, 11, 200])
    cols = torch.tensor([5, 1, 2, 900, 40, 41])
    whole = tm.features.rows(heads)[:, cols]  # [B, C', F]
    assert torch.equal(tm.features.column_rows(heads, cols), whole)
    ph = tm.pair_head
    std = tm.features.column_rows(heads, cols, (ph.mean, ph.std))
    with torch.no_grad():
        assert torch.equal(ph.from_standardized(std), ph(whole))


def _reference(model, nodes, edges, schema, config):
    """(head, tail) -> (rank, probability, explanation, note): every eligible pair scored by TargetModel.logits,
    top_k per disease, each explained by explain()."""
    tm = model.targets["HAS_SYMPTOM"]
    from kg.gnn.prepare import message_graph

    options = link_params(config.params)
    graph = message_graph(nodes, edges, schema, options, tm.target, {"HAS_SYMPTOM"})
    index = build_path_index(graph)
    rules = EXPLANATION_RULES["HAS_SYMPTOM"]
    ok = _eligible(graph, tm.target, edges, options)[0]
    deg = graph.degree()
    known = {(e.head, e.tail) for e in edges if e.type == "HAS_SYMPTOM"}
    dis, sym = graph.node_ids["Disease"], graph.node_ids["Symptom"]
    row_of = {n: i for i, n in enumerate(tm.head_ids)}
    col_of = {n: i for i, n in enumerate(tm.tail_ids)}
    out = {}
    for g, d in enumerate(dis):
        if not (deg["Disease"][g] > 0 and (ok is None or ok[0][g])):
            continue
        cands = [
            c for c, s in enumerate(sym) if deg["Symptom"][c] > 0 and (ok is None or ok[1][c]) and (d, s) not in known
        ]
        h = torch.full((len(cands),), row_of[d], dtype=torch.long)
        t = torch.tensor([col_of[sym[c]] for c in cands], dtype=torch.long)
        logits = tm.logits(h, t).float()
        for rank, k in enumerate(torch.argsort(logits, descending=True)[: config.top_k].tolist(), start=1):
            c = cands[k]
            paths = explain(index, index.offset["Disease"] + g, index.offset["Symptom"] + c, rules, options.max_paths)
            out[(d, sym[c])] = (rank, float(torch.sigmoid(logits[k])), paths, explanation_note(paths, rules))
    return out


@pytest.mark.parametrize("rule", [(0, 0), (4, 3)])
def test_served_hypotheses_equal_brute_force_reference(model, schema, rule):
    nodes, edges = _random_graph(2, model)
    params = {"min_group_known": rule[0], "min_candidate_known": rule[1], "max_explained": None}
    config = GnnConfig(targets=["HAS_SYMPTOM"], top_k=6, params=params)
    result = serve_linkprediction(nodes, edges, schema, config, "run-fast", model)
    ref = _reference(model, nodes, edges, schema, target_config(config, "HAS_SYMPTOM"))
    got = {(h.head, h.tail): h for h in result.hypotheses}
    assert len(ref) > 50 and set(got) == set(ref)
    for pair, (rank, prob, paths, note) in ref.items():
        h = got[pair]
        assert h.rank == rank, pair
        assert h.score == pytest.approx(prob, abs=1e-6), pair
        assert (list(h.explanation), h.note) == (paths, note), pair
