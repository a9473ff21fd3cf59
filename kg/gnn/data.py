"""Turn plain node and edge lists into an indexed heterogeneous graph for PyTorch Geometric.

Pure core: no I/O. Node ids are CURIEs; each node label becomes a PyG node type and each
(head label, relation, tail label) signature a PyG edge type.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch_geometric.data import HeteroData

from kg.logs import get_logger
from kg.schema import GraphSchema, SchemaError
from kg.types import Edge, Node

log = get_logger(__name__)

#: A PyG edge type: (head label, relation, tail label).
EdgeType = tuple[str, str, str]
#: Prefix of the relation name of the reverse of a non-symmetric edge type.
REV_PREFIX = "rev_"


@dataclass(frozen=True)
class GraphIndex:
    """A heterogeneous graph plus the maps between CURIEs and per-label integer indices.

    Attributes:
        data: the PyG graph. ``data[label].num_nodes`` is the node count of each label (features are
            learnable embeddings, so no ``x``). For each edge type ``et``:
            ``data[et].edge_index`` is a long tensor of shape [2, E_et] (row 0 head indices into
            ``node_ids[et[0]]``, row 1 tail indices into ``node_ids[et[2]]``) and
            ``data[et].edge_weight`` a float tensor of shape [E_et] (edge confidence in [0, 1]).
            Every forward type has a reverse type with the same columns flipped, in the same order:
            ``(tail, "rev_" + rel, head)``; a symmetric same-label type instead holds both
            directions itself: columns ``[:E]`` are the forward edges, ``[E:]`` the same flipped.
        node_ids: label -> node ids in index order (sorted, so indexing does not depend on input order).
        positions: node id -> (label, index).
        relation_of: every PyG edge type (forward and reverse) -> the asserted relation type.
        reverse_of: forward edge type -> its reverse edge type (itself for symmetric types).
        forward_count: forward edge type -> number of forward (asserted, deduplicated) edges E.
        dropped: reason -> number of input nodes or edges left out of the graph.
    """

    data: HeteroData
    node_ids: Mapping[str, tuple[str, ...]]
    positions: Mapping[str, tuple[str, int]]
    relation_of: Mapping[EdgeType, str]
    reverse_of: Mapping[EdgeType, EdgeType]
    forward_count: Mapping[EdgeType, int]
    dropped: Mapping[str, int] = field(default_factory=dict)

    @property
    def forward_types(self) -> list[EdgeType]:
        """The forward (asserted) edge types, sorted."""
        return sorted(self.reverse_of)

    def num_nodes(self, label: str) -> int:
        """Number of nodes of ``label`` (0 for a label without nodes)."""
        return len(self.node_ids.get(label, ()))

    def forward_edges(self, et: EdgeType) -> torch.Tensor:
        """Forward edges of ``et`` as a long tensor [2, E] (empty [2, 0] when absent)."""
        if et not in self.forward_count:
            return torch.empty(2, 0, dtype=torch.long)
        return self.data[et].edge_index[:, : self.forward_count[et]]

    def degree(self) -> dict[str, torch.Tensor]:
        """Total degree of every node over all forward edges (both endpoints): label -> long [num_nodes]."""
        deg = {label: torch.zeros(len(ids), dtype=torch.long) for label, ids in self.node_ids.items()}
        for et in self.forward_types:
            ei = self.forward_edges(et)
            deg[et[0]] += torch.bincount(ei[0], minlength=len(deg[et[0]]))
            deg[et[2]] += torch.bincount(ei[1], minlength=len(deg[et[2]]))
        return deg


def _edge_key(e: Edge, symmetric: bool) -> tuple[str, str, str]:
    if symmetric and e.tail < e.head:
        return (e.tail, e.type, e.head)
    return (e.head, e.type, e.tail)


def matches_pattern(pattern: Sequence[str], et: EdgeType) -> bool:
    return len(pattern) == 3 and all(p in ("*", x) for p, x in zip(pattern, et, strict=True))


def resolve_edge_types(schema: GraphSchema, edge_types: Collection[str] | None) -> list[str]:
    """Relation types to put in the message-passing graph (default: every non-predicted type).

    Raises:
        SchemaError: a name is not a relationship type of the schema.
    """
    if edge_types is None:
        return sorted(r for r, spec in schema.relationships.items() if not spec.predicted)
    unknown = sorted(set(edge_types) - set(schema.relationships))
    if unknown:
        raise SchemaError(f"unknown relationship types {unknown}; known: {sorted(schema.relationships)}")
    return sorted(set(edge_types))


def _drop(dropped: dict[str, int], reason: str) -> None:
    dropped[reason] = dropped.get(reason, 0) + 1


def _index_nodes(
    nodes: Sequence[Node], schema: GraphSchema, dropped: dict[str, int]
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, int]]]:
    """Node ids per label (sorted) and each id's (label, index); nodes of undeclared labels counted in ``dropped``."""
    label_of: dict[str, str] = {}
    for n in nodes:
        if n.label not in schema.nodes:
            _drop(dropped, f"node label {n.label} not in schema")
            continue
        seen = label_of.setdefault(n.id, n.label)
        if seen != n.label:
            raise SchemaError(f"node {n.id!r} has two labels: {seen} and {n.label}")
    node_ids = {
        label: tuple(sorted(i for i, lab in label_of.items() if lab == label))
        for label in sorted(set(label_of.values()))
    }
    positions = {nid: (label, k) for label, ids in node_ids.items() for k, nid in enumerate(ids)}
    return node_ids, positions


def _left_out(schema: GraphSchema, et: EdgeType, exclude: Collection[Sequence[str]]) -> str | None:
    """Why the edges of signature ``et`` are left out of the graph (None: they are kept)."""
    if not schema.allows(*et):
        return f"signature ({et[0]})-[{et[1]}]->({et[2]}) not allowed"
    if any(matches_pattern(p, et) for p in exclude):
        return f"edge type {'-'.join(et)} excluded"
    return None


def _merge_edges(
    edges: Sequence[Edge],
    schema: GraphSchema,
    positions: dict[str, tuple[str, int]],
    rels: set[str],
    exclude: Collection[Sequence[str]],
    dropped: dict[str, int],
) -> dict[EdgeType, dict[tuple[int, int], float]]:
    """Edge type -> (head index, tail index) -> highest confidence; edges left out are counted in ``dropped``."""
    merged: dict[EdgeType, dict[tuple[int, int], float]] = {}
    verdict: dict[EdgeType, str | None] = {}  # signature -> why its edges are left out (None: kept), once each
    for e in edges:
        if e.type not in rels:
            _drop(dropped, f"type {e.type} not selected")
            continue
        h, t = positions.get(e.head), positions.get(e.tail)
        if h is None or t is None:
            _drop(dropped, "endpoint not a node")
            continue
        et = (h[0], e.type, t[0])
        if et not in verdict:
            verdict[et] = _left_out(schema, et, exclude)
        why = verdict[et]
        if why is not None:
            _drop(dropped, why)
            continue
        hi, ti = h[1], t[1]
        if schema.relationships[e.type].symmetric and h[0] == t[0] and ti < hi:
            hi, ti = ti, hi
        bucket = merged.setdefault(et, {})
        bucket[(hi, ti)] = max(bucket.get((hi, ti), 0.0), float(e.confidence))
    return merged


def _hetero_data(
    node_ids: dict[str, tuple[str, ...]],
    merged: dict[EdgeType, dict[tuple[int, int], float]],
    schema: GraphSchema,
) -> tuple[HeteroData, dict[EdgeType, str], dict[EdgeType, EdgeType], dict[EdgeType, int]]:
    """The HeteroData graph with reverse edges, and its relation_of, reverse_of and forward_count maps."""
    data = HeteroData()
    for label, ids in node_ids.items():
        data[label].num_nodes = len(ids)
    relation_of: dict[EdgeType, str] = {}
    reverse_of: dict[EdgeType, EdgeType] = {}
    forward_count: dict[EdgeType, int] = {}
    for et in sorted(merged):
        pairs = sorted(merged[et])
        ei = torch.tensor(pairs, dtype=torch.long).t().contiguous()  # [2, E]
        w = torch.tensor([merged[et][p] for p in pairs], dtype=torch.float)  # [E]
        head, rel, tail = et
        forward_count[et] = ei.size(1)
        relation_of[et] = rel
        if schema.relationships[rel].symmetric and head == tail:
            data[et].edge_index = torch.cat([ei, ei.flip(0)], dim=1)  # [2, 2E]
            data[et].edge_weight = torch.cat([w, w])  # [2E]
            reverse_of[et] = et
        else:
            rev = (tail, REV_PREFIX + rel, head)
            data[et].edge_index = ei
            data[et].edge_weight = w
            data[rev].edge_index = ei.flip(0)
            data[rev].edge_weight = w.clone()
            relation_of[rev] = rel
            reverse_of[et] = rev
    return data, relation_of, reverse_of, forward_count


def build_graph(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    edge_types: Collection[str] | None = None,
    exclude: Collection[Sequence[str]] = (),
) -> GraphIndex:
    """Index nodes per label and build a HeteroData graph with reverse edges.

    Args:
        nodes: graph nodes; a label the schema does not declare is left out (counted in ``dropped``).
        edges: asserted edges between node ids. Duplicates (same head, type, tail; for symmetric
            types in either direction) are merged, keeping the highest confidence.
        schema: the graph schema (signatures and symmetric flags).
        edge_types: relation types to include (default: all non-predicted types). Predicted types
            are never included by default, so earlier predictions cannot feed back into training.
        exclude: (head label, relation, tail label) patterns left out, ``"*"`` matching anything,
            e.g. ``("Gene", "*", "Gene")`` (counted in ``dropped``).

    Returns:
        The indexed graph; see :class:`GraphIndex` for tensor shapes.

    Raises:
        SchemaError: a node id occurs with two labels, or ``edge_types`` names an unknown type.
    """
    rels = set(resolve_edge_types(schema, edge_types))
    dropped: dict[str, int] = {}
    node_ids, positions = _index_nodes(nodes, schema, dropped)
    merged = _merge_edges(edges, schema, positions, rels, exclude, dropped)
    data, relation_of, reverse_of, forward_count = _hetero_data(node_ids, merged, schema)
    if dropped:
        log.info("build_graph left out: %s", ", ".join(f"{k}: {v}" for k, v in sorted(dropped.items())))
    log.info(
        "graph: %d nodes over %d labels, %d forward edges over %d edge types",
        len(positions),
        len(node_ids),
        sum(forward_count.values()),
        len(forward_count),
    )
    return GraphIndex(
        data=data,
        node_ids=node_ids,
        positions=positions,
        relation_of=relation_of,
        reverse_of=reverse_of,
        forward_count=forward_count,
        dropped=dropped,
    )
