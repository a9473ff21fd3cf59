from __future__ import annotations

from collections import defaultdict

import pytest

from kg.gnn.data import build_graph
from kg.gnn.paths import EXPLANATION_RULES, build_path_index, explain
from kg.gnn.pipeline import run_linkprediction


def _adjacency(edges):
    adj = defaultdict(set)
    for e in edges:
        adj[(e.head, e.tail)].add(e.type)
        adj[(e.tail, e.head)].add(e.type)
    return adj


def test_explain_hand_checked_paths(schema):
    from kg.types import Edge, Node

    nodes = [
        Node(id="DRUGBANK:DB1", label="Drug", name="a"),
        Node(id="DOID:1", label="Disease", name="d"),
        Node(id="DOID:2", label="Disease", name="e"),
        Node(id="NCBIGene:1", label="Gene", name="g"),
        Node(id="NCBIGene:2", label="Gene", name="h"),
        Node(id="NCBIGene:3", label="Gene", name="i"),
    ]
    edges = [
        Edge(head="DRUGBANK:DB1", type="BINDS", tail="NCBIGene:1"),
        Edge(head="DOID:1", type="ASSOCIATED_WITH", tail="NCBIGene:1"),
        Edge(head="DRUGBANK:DB1", type="TREATS", tail="DOID:2"),
        Edge(head="DOID:2", type="RESEMBLES", tail="DOID:1"),
        Edge(head="DRUGBANK:DB1", type="BINDS", tail="NCBIGene:3"),
    ]
    g = build_graph(nodes, edges, schema)
    idx = build_path_index(g)
    treats = EXPLANATION_RULES["TREATS"]
    paths = explain(idx, idx.offset["Drug"] + 0, idx.offset["Disease"] + 0, treats, max_paths=3)
    got = {(p.nodes, p.relations, p.metapath) for p in paths}
    assert got == {
        (("DRUGBANK:DB1", "NCBIGene:1", "DOID:1"), ("BINDS", "ASSOCIATED_WITH"), "CbGaD"),
        (("DRUGBANK:DB1", "DOID:2", "DOID:1"), ("TREATS", "RESEMBLES"), "CtDrD"),
    }
    assert sum(p.contribution for p in paths) == pytest.approx(1.0)
    # BINDS degree of the drug is 2, TREATS degree 1: the TREATS-RESEMBLES path weighs more
    assert paths[0].relations == ("TREATS", "RESEMBLES")
    assert [p.metapath for p in explain(idx, idx.offset["Drug"] + 0, idx.offset["Disease"] + 0, treats, 1)] == ["CtDrD"]


def test_hypotheses_are_new_ranked_and_explained_by_real_training_paths(graph, schema, fast_config):
    nodes, edges = graph
    res = run_linkprediction(nodes, edges, schema, fast_config, run_id="r1")
    asserted_treats = {(e.head, e.tail) for e in edges if e.type in ("TREATS", "PALLIATES")}
    asserted_sym = {(e.head, e.tail) for e in edges if e.type == "HAS_SYMPTOM"}
    by_type = defaultdict(list)
    for h in res.hypotheses:
        by_type[h.type].append(h)
    assert set(by_type) == {"PREDICTED_TREATS", "PREDICTED_HAS_SYMPTOM"}
    assert not any((h.head, h.tail) in asserted_treats for h in by_type["PREDICTED_TREATS"])
    assert not any((h.head, h.tail) in asserted_sym for h in by_type["PREDICTED_HAS_SYMPTOM"])
    # ranks 1..k within each group: per disease for TREATS (tail), per disease for HAS_SYMPTOM (head)
    groups = defaultdict(list)
    for h in by_type["PREDICTED_TREATS"]:
        groups[h.tail].append(h)
    for hs in groups.values():
        assert [h.rank for h in hs] == list(range(1, len(hs) + 1)) and len(hs) <= fast_config.top_k
        assert [h.score for h in hs] == sorted((h.score for h in hs), reverse=True)
    assert all(
        0.0 <= h.score <= 1.0 and h.run_id == "r1" and h.model_version == res.model_version for h in res.hypotheses
    )
    # explanations: real paths of the training graph (which never holds held-out TREATS edges)
    from kg.gnn.split import split_target

    split = split_target(nodes, edges, schema, "TREATS", seed=fast_config.seed)
    adj = _adjacency(split.message_edges)
    explained = [h for h in by_type["PREDICTED_TREATS"] if h.explanation]
    assert explained
    for h in explained:
        for p in h.explanation:
            assert p.nodes[0] == h.head and p.nodes[-1] == h.tail and 3 <= len(p.nodes) <= 4
            assert len(p.relations) == len(p.nodes) - 1 and 0 < p.contribution <= 1
            for a, b, r in zip(p.nodes, p.nodes[1:], p.relations, strict=False):
                assert r in adj[(a, b)], (a, r, b)
