"""`kg.gnn.edge_table`: the pair selections of serving, in numpy, equal the edge-by-edge selection."""

from __future__ import annotations

import random

import torch

from kg.gnn.edge_table import EdgeTable
from kg.gnn.serve import _blocked
from kg.types import Edge


def _edge_by_edge(positions, head, tail, edges, relations) -> torch.Tensor:  # type: ignore[no-untyped-def]
    """The loop `_blocked` ran before it was vectorised (the reference)."""
    pos = positions
    idx = [
        (pos[e.head][1], pos[e.tail][1])
        for e in edges
        if e.type in relations and pos.get(e.head, ("",))[0] == head and pos.get(e.tail, ("",))[0] == tail
    ]
    return torch.tensor(idx, dtype=torch.long).t().reshape(2, -1)


class _Graph:
    def __init__(self, positions: dict[str, tuple[str, int]]) -> None:
        self.positions = positions


def _random_graph(seed: int) -> tuple[dict[str, tuple[str, int]], list[Edge]]:
    """Drugs, diseases and symptoms; some edge endpoints are missing from the positions; duplicates and
    reversed label pairs included."""
    rng = random.Random(seed)
    ids = {"Drug": [f"DRUGBANK:DB{i:05d}" for i in range(40)], "Disease": [f"DOID:{i}" for i in range(30)]}
    ids["Symptom"] = [f"HP:{i:07d}" for i in range(25)]
    positions = {nid: (label, k) for label, group in ids.items() for k, nid in enumerate(group) if rng.random() > 0.1}
    every = [nid for group in ids.values() for nid in group] + ["MESH:D000001"]  # one never in positions
    types = ["TREATS", "PALLIATES", "HAS_SYMPTOM", "RESEMBLES", "CAUSES"]
    edges = [
        Edge(head=rng.choice(every), type=rng.choice(types), tail=rng.choice(every), sources=("hetionet",))
        for _ in range(3000)
    ]
    edges += edges[:50]  # the same edge twice stays twice
    return positions, edges


def test_the_numpy_selection_equals_the_edge_by_edge_one():
    cases = [
        ("Drug", "Disease", {"TREATS"}),
        ("Drug", "Disease", {"TREATS", "PALLIATES"}),
        ("Disease", "Symptom", {"HAS_SYMPTOM", "NOT_IN_THE_EDGES"}),
        ("Disease", "Disease", {"RESEMBLES"}),
        ("Drug", "Disease", set()),
        ("Gene", "Disease", {"TREATS"}),
    ]
    for seed in range(3):
        positions, edges = _random_graph(seed)
        table = EdgeTable(edges)
        assert len(table) == len(edges) and list(table) == edges and table[3] == edges[3]
        for head, tail, relations in cases:
            want = _edge_by_edge(positions, head, tail, edges, relations)
            got = table.pairs(positions, head, tail, relations)
            assert got.dtype == torch.long and got.shape == want.shape and torch.equal(got, want)
            assert torch.equal(_blocked(_Graph(positions), (head, "X", tail), edges, relations), want)  # type: ignore[arg-type]
            assert torch.equal(_blocked(_Graph(positions), (head, "X", tail), table, relations), want)  # type: ignore[arg-type]
        assert table.pairs(positions, "Drug", "Disease", {"TREATS"}).shape[0] == 2
    assert EdgeTable.of(table) is table
    assert EdgeTable([]).pairs({}, "Drug", "Disease", {"TREATS"}).shape == (2, 0)
