from __future__ import annotations

import pytest
import torch

from kg.gnn.data import build_graph
from kg.schema import SchemaError
from kg.types import Edge, Node


def test_shapes_ids_and_reverse_edges(graph, schema):
    nodes, edges = graph
    g = build_graph(nodes, edges, schema)
    assert g.data["Drug"].num_nodes == 12 and g.num_nodes("Disease") == 8
    et = ("Drug", "TREATS", "Disease")
    ei = g.data[et].edge_index
    assert ei.dtype == torch.long and ei.dim() == 2 and ei.size(0) == 2
    assert ei.size(1) == sum(e.type == "TREATS" for e in edges) == g.forward_count[et]
    assert g.data[et].edge_weight.shape == (ei.size(1),)
    rev = ("Disease", "rev_TREATS", "Drug")
    assert g.reverse_of[et] == rev and g.relation_of[rev] == "TREATS"
    assert torch.equal(g.data[rev].edge_index, ei.flip(0))
    # every forward edge maps back to an input edge
    asserted = {(e.head, e.type, e.tail) for e in edges}
    for h, t in ei.t().tolist():
        assert (g.node_ids["Drug"][h], "TREATS", g.node_ids["Disease"][t]) in asserted
        assert g.positions[g.node_ids["Drug"][h]] == ("Drug", h)


def test_symmetric_type_holds_both_directions_without_rev(schema):
    nodes = [Node(id=f"DOID:{i}", label="Disease", name="x") for i in range(3)]
    edges = [
        Edge(head="DOID:2", type="RESEMBLES", tail="DOID:1"),
        Edge(head="DOID:1", type="RESEMBLES", tail="DOID:2", confidence=0.4),  # same pair, other direction
    ]
    g = build_graph(nodes, edges, schema)
    et = ("Disease", "RESEMBLES", "Disease")
    assert g.forward_count[et] == 1
    assert g.reverse_of[et] == et
    assert sorted(map(tuple, g.data[et].edge_index.t().tolist())) == [(1, 2), (2, 1)]
    assert g.data[et].edge_weight.tolist() == [1.0, 1.0]  # max confidence kept
    assert not any(t[1].startswith("rev_") for t in g.data.edge_types)


def test_bad_edges_are_counted_not_silent_and_predicted_types_excluded(schema):
    nodes = [Node(id="DRUGBANK:DB1", label="Drug", name="a"), Node(id="DOID:1", label="Disease", name="b")]
    edges = [
        Edge(head="DRUGBANK:DB1", type="TREATS", tail="DOID:1"),
        Edge(head="DRUGBANK:DB1", type="TREATS", tail="DOID:404"),
        Edge(head="DOID:1", type="TREATS", tail="DRUGBANK:DB1"),
        Edge(head="DRUGBANK:DB1", type="PREDICTED_TREATS", tail="DOID:1"),
    ]
    g = build_graph(nodes, edges, schema)
    assert g.forward_count == {("Drug", "TREATS", "Disease"): 1}
    assert g.dropped["endpoint not a node"] == 1
    assert sum(v for k, v in g.dropped.items() if k.startswith("signature")) == 1
    assert g.dropped["type PREDICTED_TREATS not selected"] == 1


def test_exclude_pattern_and_errors(graph, schema):
    nodes, edges = graph
    g = build_graph(nodes, edges, schema, exclude=[("Gene", "*", "Gene")])
    assert ("Gene", "INTERACTS_WITH", "Gene") not in g.forward_count
    assert g.dropped["edge type Gene-INTERACTS_WITH-Gene excluded"] == 2
    with pytest.raises(SchemaError, match="known"):
        build_graph(nodes, edges, schema, edge_types=["NOT_A_TYPE"])
    with pytest.raises(SchemaError, match="two labels"):
        build_graph(
            [Node(id="DOID:1", label="Disease", name="a"), Node(id="DOID:1", label="Symptom", name="a")], [], schema
        )
