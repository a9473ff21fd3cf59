from __future__ import annotations

import pytest

from kg.gnn.data import build_graph
from kg.gnn.split import TargetUnavailable, split_target
from kg.schema import GraphSchema
from kg.types import Edge, Node
from tests.gnn.conftest import tiny_graph


def _graph_pairs(g, et):
    """All (head id, tail id) pairs present in the message-passing graph for ``et``."""
    h, _, t = et
    return {(g.node_ids[h][a], g.node_ids[t][b]) for a, b in g.data[et].edge_index.t().tolist()}


def test_no_val_or_test_edge_nor_its_reverse_in_message_graph(graph, schema):
    nodes, edges = graph
    split = split_target(nodes, edges, schema, "TREATS", val_ratio=0.2, test_ratio=0.2, seed=3)
    held = set(split.val) | set(split.test)
    assert held and not (held & set(split.train))
    assert set(split.all_pairs) == {(e.head, e.tail) for e in edges if e.type == "TREATS"}
    g = build_graph(nodes, split.message_edges, schema)
    fwd = _graph_pairs(g, ("Drug", "TREATS", "Disease"))
    rev = {(b, a) for a, b in _graph_pairs(g, ("Disease", "rev_TREATS", "Drug"))}
    assert fwd == set(split.train) == rev
    assert not (held & fwd) and not (held & rev)
    # nothing else was removed
    assert len(split.message_edges) == len(edges) - len(held)


def test_split_is_deterministic_per_seed(graph, schema):
    nodes, edges = graph
    a = split_target(nodes, edges, schema, "TREATS", seed=1)
    b = split_target(nodes, edges, schema, "TREATS", seed=1)
    c = split_target(nodes, edges, schema, "TREATS", seed=2)
    assert (a.train, a.val, a.test) == (b.train, b.val, b.test)
    assert (a.val, a.test) != (c.val, c.test)


def test_symmetric_target_removes_both_directions():
    schema = GraphSchema.model_validate(
        {
            "version": "t",
            "biolink_version": "4",
            "local_prefix": "MEDKG",
            "nodes": {"Disease": {"id_prefixes": ["DOID"], "biolink": "biolink:Disease"}},
            "relationships": {
                "RESEMBLES": {"signatures": [["Disease", "Disease"]], "symmetric": True, "biolink": "b:s"},
                "PREDICTED_RESEMBLES": {"signatures": [["Disease", "Disease"]], "predicted": True, "biolink": "b:s"},
            },
            "prediction_targets": {"RESEMBLES": "PREDICTED_RESEMBLES"},
        }
    )
    nodes = [Node(id=f"DOID:{i}", label="Disease", name="d") for i in range(10)]
    edges = [Edge(head=f"DOID:{i}", type="RESEMBLES", tail=f"DOID:{(i + k) % 10}") for i in range(10) for k in (1, 2)]
    # the same pairs asserted again in the other direction
    edges += [Edge(head=e.tail, type="RESEMBLES", tail=e.head) for e in edges]
    split = split_target(nodes, edges, schema, "RESEMBLES", val_ratio=0.2, test_ratio=0.2, seed=0)
    g = build_graph(nodes, split.message_edges, schema)
    present = _graph_pairs(g, ("Disease", "RESEMBLES", "Disease"))
    for a, b in split.val + split.test:
        assert (a, b) not in present and (b, a) not in present
    for a, b in split.train:
        assert (a, b) in present and (b, a) in present


def test_too_few_edges_or_missing_labels(schema):
    nodes, edges = tiny_graph(n_treats=5)
    with pytest.raises(TargetUnavailable, match="only 5"):
        split_target(nodes, edges, schema, "TREATS", min_edges=10)
    no_sym = [n for n in nodes if n.label != "Symptom"]
    with pytest.raises(TargetUnavailable, match="Symptom"):
        split_target(no_sym, edges, schema, "HAS_SYMPTOM")
