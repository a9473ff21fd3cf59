"""Neo4j load plans: a :class:`~kg.types.GraphSnapshot` as per-label / per-type row groups (pure).

The Cypher that writes them is built in :mod:`kg.store.neo4j_cypher`; :class:`kg.store.neo4j.Neo4jStore`
runs it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.graph_rows import (
    edge_labels,
    edge_props,
    evidence_labels,
    evidence_props,
    hypothesis_labels,
    hypothesis_props,
    node_index,
    node_props,
)
from kg.schema import GraphSchema, SchemaError
from kg.store.neo4j_cypher import neo4j_props
from kg.types import GraphSnapshot


@dataclass
class LoadPlan:
    """Rows to write, grouped so each group is one Cypher statement.

    Attributes:
        nodes: ``{label: [{"id", "props"}]}``.
        edges: ``{(type, head label, tail label): [{"head", "tail", "props"}]}``.
        evidence: ``{(head label, tail label): [{"id", "head", "tail", "props"}]}``.
        hypotheses: ``{(predicted type, head label, tail label): [{"head", "tail", "props"}]}``.
    """

    nodes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], list[dict[str, Any]]] = field(default_factory=dict)
    evidence: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    hypotheses: dict[tuple[str, str, str], list[dict[str, Any]]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Row counts per group, for the LoadRun record and logs."""
        edges: dict[str, int] = defaultdict(int)
        for (rel, _, _), rows in self.edges.items():
            edges[rel] += len(rows)
        hyps: dict[str, int] = defaultdict(int)
        for (rel, _, _), rows in self.hypotheses.items():
            hyps[rel] += len(rows)
        return {
            "nodes": {k: len(v) for k, v in sorted(self.nodes.items())},
            "edges": dict(sorted(edges.items())),
            "evidence": sum(len(v) for v in self.evidence.values()),
            "hypotheses": dict(sorted(hyps.items())),
        }

    def batch_estimate(self, batch_size: int) -> int:
        """About how many write batches the plan takes (for progress logging)."""
        total_rows = sum(
            len(r) for part in (self.nodes, self.edges, self.evidence, self.hypotheses) for r in part.values()
        )
        return max(1, -(-total_rows // batch_size) + len(self.edges) + len(self.nodes))


@dataclass(frozen=True)
class LoadScope:
    """What a partial Neo4j load read of the store: every node and evidence row, the edges of ``edge_types``
    and the hypotheses of ``hypothesis_types`` (None: all of them). The groups it did not read did not change
    since the last complete load (:func:`kg.neo4j_load.load_scope`), so nothing of them is written or pruned.
    """

    edge_types: frozenset[str] | None = None
    hypothesis_types: frozenset[str] | None = None

    def reads(self, group: str) -> bool:
        """Whether a row group (:mod:`kg.store.neo4j_delta` key, e.g. ``edges:TREATS:Drug:Disease``) was read."""
        kind, _, rest = group.partition(":")
        rel = rest.partition(":")[0]
        if kind == "edges":
            return self.edge_types is None or rel in self.edge_types
        if kind == "hypotheses":
            return self.hypothesis_types is None or rel in self.hypothesis_types
        return True


def plan_load(snapshot: GraphSnapshot, schema: GraphSchema) -> LoadPlan:
    """Validate ``snapshot`` against ``schema`` and group its rows for writing.

    Groups and rows are sorted, so the same snapshot always gives the same statements. Empty lists are
    left out of the properties (:func:`~kg.store.neo4j_cypher.neo4j_props`).

    Raises:
        SchemaError: Unknown label or type, disallowed signature, an endpoint not in the snapshot,
            or the same node / edge / hypothesis twice.
    """
    nodes = node_index(snapshot.nodes, schema)
    plan = LoadPlan()
    node_groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for node in nodes.values():
        node_groups[node.label].append({"id": node.id, "props": neo4j_props(node_props(node))})
    plan.nodes = {k: sorted(v, key=lambda r: r["id"]) for k, v in sorted(node_groups.items())}

    edge_groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    seen: set[tuple[str, str, str]] = set()
    for edge in snapshot.edges:
        hl, tl = edge_labels(edge, nodes, schema)
        key = (edge.head, edge.type, edge.tail)
        if key in seen:
            raise SchemaError(f"edge {edge.head} -[{edge.type}]-> {edge.tail} appears twice in the snapshot")
        seen.add(key)
        edge_groups[(edge.type, hl, tl)].append(
            {"head": edge.head, "tail": edge.tail, "props": neo4j_props(edge_props(edge))}
        )
    plan.edges = {k: sorted(v, key=lambda r: (r["head"], r["tail"])) for k, v in sorted(edge_groups.items())}

    ev_groups: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for ev in snapshot.evidence:
        hl, tl = evidence_labels(ev, nodes, schema)
        props = evidence_props(ev)
        # The same mention pair seen twice is one piece of evidence (its id is a content hash).
        ev_groups[(hl, tl)][props["id"]] = {"id": props["id"], "head": ev.head, "tail": ev.tail, "props": props}
    plan.evidence = {k: [v[i] for i in sorted(v)] for k, v in sorted(ev_groups.items())}

    hyp_groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    seen = set()
    for hyp in snapshot.hypotheses:
        rel, hl, tl = hypothesis_labels(hyp, nodes, schema)
        key = (hyp.head, rel, hyp.tail)
        if key in seen:
            raise SchemaError(f"hypothesis {hyp.head} -[{rel}]-> {hyp.tail} appears twice in the snapshot")
        seen.add(key)
        hyp_groups[(rel, hl, tl)].append(
            {"head": hyp.head, "tail": hyp.tail, "props": neo4j_props(hypothesis_props(hyp, nodes))}
        )
    plan.hypotheses = {k: sorted(v, key=lambda r: (r["head"], r["tail"])) for k, v in sorted(hyp_groups.items())}
    return plan


def batches(rows: Sequence[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Split ``rows`` into lists of at most ``size`` rows."""
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])
