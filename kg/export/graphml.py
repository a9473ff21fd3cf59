"""NetworkX graph and GraphML export of a :class:`~kg.types.GraphSnapshot` (asserted edges and hypotheses)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from kg.graph_rows import edge_labels, edge_props, hypothesis_labels, hypothesis_props, node_index, node_props
from kg.logs import get_logger
from kg.schema import GraphSchema
from kg.types import GraphSnapshot

log = get_logger(__name__)

#: Separator used when list properties are flattened to one string (GraphML).
LIST_JOIN = "|"
#: File name of the GraphML export in its output folder.
GRAPHML_FILE = "medkg.graphml"


def _flatten(props: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in props.items():
        if value is None:
            continue
        out[key] = LIST_JOIN.join(str(v) for v in value) if isinstance(value, (list, tuple)) else value
    return out


def to_networkx(snapshot: GraphSnapshot, schema: GraphSchema) -> nx.MultiDiGraph:
    """Build a MultiDiGraph of nodes, asserted edges and hypotheses.

    Node attributes: ``label``, ``name``, ``xrefs`` and ``sources`` (joined by ``|``), ``unlinked``.
    Edge key and ``type`` attribute: the relationship type; other attributes are the edge's or the
    hypothesis's properties (:func:`edge_props`, e.g. an ``INTERACTS_WITH``'s ``subtype`` and
    ``subtypes``) with lists joined by ``|`` and the explanation as a JSON string;
    ``predicted`` says whether the edge is a prediction. Evidence rows are not included.

    Raises:
        SchemaError: The snapshot does not fit the schema.
    """
    nodes = node_index(snapshot.nodes, schema)
    graph = nx.MultiDiGraph(schema_version=schema.version, biolink_version=schema.biolink_version)
    for node in nodes.values():
        props = _flatten(node_props(node))
        props.pop("id")
        graph.add_node(node.id, label=node.label, **props)
    for edge in snapshot.edges:
        edge_labels(edge, nodes, schema)
        graph.add_edge(edge.head, edge.tail, key=edge.type, type=edge.type, **_flatten(edge_props(edge)))
    for hyp in snapshot.hypotheses:
        rel, _, _ = hypothesis_labels(hyp, nodes, schema)
        graph.add_edge(hyp.head, hyp.tail, key=rel, type=rel, **_flatten(hypothesis_props(hyp, nodes)))
    return graph


def write_graphml(snapshot: GraphSnapshot, schema: GraphSchema, path: str | Path) -> Path:
    """Write the snapshot as GraphML (see :func:`to_networkx` for the attributes).

    Returns:
        The file written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    graph = to_networkx(snapshot, schema)
    nx.write_graphml(graph, out, named_key_ids=True)
    log.info("wrote GraphML %s (%d nodes, %d edges)", out, graph.number_of_nodes(), graph.number_of_edges())
    return out


def export_graphml(snapshot: GraphSnapshot, schema: GraphSchema, out_dir: str | Path) -> list[Path]:
    """Write :data:`GRAPHML_FILE` into the folder ``out_dir`` (the ``graphml`` export format)."""
    return [write_graphml(snapshot, schema, Path(out_dir) / GRAPHML_FILE)]
