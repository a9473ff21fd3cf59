"""Metapath DWPC features and baselines on tiny graphs, against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from kg.gnn.baselines import BASELINES, degree_baseline, metapath_lr, single_metapath
from kg.gnn.data import build_graph
from kg.gnn.metapaths import DEFAULT_METAPATHS, build_featurizer, pair_features
from kg.types import Edge, Node

TREATS = ("Drug", "TREATS", "Disease")
CBGAD = {"CbGaD": DEFAULT_METAPATHS["TREATS"]["CbGaD"]}


def _tiny(schema):
    # drug a binds g1, g2; drug b binds g2; disease d associated with g1, g2; disease e with g2
    nodes = [
        Node(id="DRUGBANK:DBa", label="Drug", name="a"),
        Node(id="DRUGBANK:DBb", label="Drug", name="b"),
        Node(id="DOID:d", label="Disease", name="d"),
        Node(id="DOID:e", label="Disease", name="e"),
        Node(id="NCBIGene:1", label="Gene", name="g1"),
        Node(id="NCBIGene:2", label="Gene", name="g2"),
    ]
    edges = [
        Edge(head="DRUGBANK:DBa", type="BINDS", tail="NCBIGene:1"),
        Edge(head="DRUGBANK:DBa", type="BINDS", tail="NCBIGene:2"),
        Edge(head="DRUGBANK:DBb", type="BINDS", tail="NCBIGene:2"),
        Edge(head="DOID:d", type="ASSOCIATED_WITH", tail="NCBIGene:1"),
        Edge(head="DOID:d", type="ASSOCIATED_WITH", tail="NCBIGene:2"),
        Edge(head="DOID:e", type="ASSOCIATED_WITH", tail="NCBIGene:2"),
        Edge(head="DRUGBANK:DBb", type="TREATS", tail="DOID:e"),
        Edge(head="DRUGBANK:DBa", type="RESEMBLES", tail="DRUGBANK:DBb"),
    ]
    return build_graph(nodes, edges, schema)


def test_path_counts_and_dwpc_hand_computed(schema):
    g = _tiny(schema)
    a, b = g.positions["DRUGBANK:DBa"][1], g.positions["DRUGBANK:DBb"][1]
    d, e = g.positions["DOID:d"][1], g.positions["DOID:e"][1]
    # damping 0: DWPC == path count. a-g1-d, a-g2-d -> 2; a-g2-e -> 1; b-g2-d -> 1; b-g2-e -> 1
    pc = build_featurizer(g, TREATS, CBGAD, damping=0.0, scales=[1.0])
    raw = pc.raw_rows([a, b])[:, :, 0]
    assert raw[0, d] == 2 and raw[0, e] == 1 and raw[1, d] == 1 and raw[1, e] == 1
    # damping 0.5: BINDS degrees a=2, b=1, g1=1, g2=2; ASSOCIATED_WITH degrees d=2, e=1, g1=1, g2=2
    # a-g1-d: (2*1)^-.5 * (1*2)^-.5 = 1/2; a-g2-d: (2*2)^-.5 * (2*2)^-.5 = 1/4 -> 0.75
    dw = build_featurizer(g, TREATS, CBGAD, damping=0.5, scales=[1.0])
    assert dw.raw_rows([a])[0, d, 0] == pytest.approx(0.75)
    # b-g2-e: (1*2)^-.5 * (2*1)^-.5 = 1/2
    assert dw.raw_rows([b])[0, e, 0] == pytest.approx(0.5)
    # tail-side queries give the transposed values; the transform is arcsinh(x / scale)
    dwt = build_featurizer(g, TREATS, CBGAD, query_side="tail", damping=0.5, scales=[0.25])
    assert dwt.rows(torch.tensor([d]))[0, a, 0].item() == pytest.approx(math.asinh(0.75 / 0.25), rel=1e-6)
    assert dwt.pairs_ht(torch.tensor([a]), torch.tensor([d]))[0, 0].item() == pytest.approx(math.asinh(3.0), rel=1e-6)


def test_metapath_with_the_target_relation_uses_only_the_training_graph(schema):
    g = _tiny(schema)
    crctd = {"CrCtD": DEFAULT_METAPATHS["TREATS"]["CrCtD"]}
    a, b, e = g.positions["DRUGBANK:DBa"][1], g.positions["DRUGBANK:DBb"][1], g.positions["DOID:e"][1]
    f = build_featurizer(g, TREATS, crctd, damping=0.0, scales=[1.0])
    assert f.raw_rows([a])[0, e, 0] == 1  # a resembles b, b treats e
    assert f.raw_rows([b])[0, e, 0] == 0  # b's own edge is not a path of b
    # hiding the TREATS edge (a fold of training) removes the path
    hidden = build_featurizer(g, TREATS, crctd, damping=0.0, scales=[1.0], hidden={TREATS: torch.tensor([0])})
    assert hidden.raw_rows([a])[0, e, 0] == 0
    pf = pair_features(g, TREATS, crctd, hidden=torch.tensor([0]))
    assert pf.deg_head.tolist() == [0.0, 0.0] and pf.names == ["CrCtD", "deg_head", "deg_tail"]


def test_missing_edge_types_are_dropped_and_bad_metapaths_raise(schema):
    g = _tiny(schema)
    f = build_featurizer(g, TREATS, DEFAULT_METAPATHS["TREATS"])
    assert "CbGaD" in f.names and "CuGdD" not in f.names  # no UPREGULATES edges in the tiny graph
    with pytest.raises(ValueError, match="does not run"):
        build_featurizer(g, TREATS, {"bad": (("Gene", "rev_BINDS", "Drug"),)})


def test_baselines_score_and_registry(graph, schema):
    nodes, edges = graph
    g = build_graph(nodes, edges, schema)
    mps = DEFAULT_METAPATHS["TREATS"]
    pf = pair_features(g, TREATS, mps, "tail")
    deg = degree_baseline(pf)
    q = torch.tensor([0, 1])
    assert deg.rows(q).shape == (2, g.num_nodes("Drug"))
    one = single_metapath(pf.featurizer, "CbGaD")
    assert torch.allclose(one.rows(q)[1, 3], one.pairs(torch.tensor([1]), torch.tensor([3]))[0])
    lr, coefs = metapath_lr(g, TREATS, mps, pf, seed=0)
    assert set(coefs) == set(pf.names)
    assert torch.allclose(lr.rows(q)[0, 2], lr.pairs(torch.tensor([0]), torch.tensor([2]))[0])
    assert set(BASELINES.names()) == {"degree", "metapaths", "metapath_lr"}
    with pytest.raises(KeyError, match="known: degree"):
        BASELINES.get("pagerank")
