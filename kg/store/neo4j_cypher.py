"""Cypher text for loading medkg graphs into Neo4j, with labels and types checked against the schema.

Only names that passed :class:`~kg.schema.GraphSchema` validation (plus the fixed ``Evidence`` and
``LoadRun`` labels) reach the statement text; every value is a ``$parameter``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kg.graph_rows import EVIDENCE_LABEL, OBJECT_REL, SUBJECT_REL
from kg.schema import GraphSchema, SchemaError

LOAD_RUN_LABEL = "LoadRun"
#: The properties of a ``(:LoadRun)`` record besides its ``id`` (:meth:`kg.store.neo4j.Neo4jStore.record_load_run`).
LOAD_RUN_FIELDS = (
    "status",
    "method",
    "started",
    "finished",
    "schema_version",
    "planned",
    "counts",
    "pruned",
    "skipped",
    "error",
    "groups",
    "source",
    "state",
)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def neo4j_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` as the graph stores them: an empty list is no property at all.

    The graph's convention ("absent means empty list", as ``subtypes`` always was): ``neo4j-admin`` cannot
    store an empty array (neo4j/neo4j#13566), so the online and the bulk load both leave the key out and
    every reader of a list property uses ``coalesce(x.p, [])``. The bulk import then needs no server-side
    pass after it.
    """
    return {k: v for k, v in props.items() if not (isinstance(v, list) and not v)}


def safe_name(name: str) -> str:
    """Backtick-quote a name that already passed schema validation (defence in depth)."""
    if not _NAME.match(name):
        raise SchemaError(f"refusing to use {name!r} as a Cypher label or type")
    return f"`{name}`"


def node_label(schema: GraphSchema, label: str) -> str:
    """Return ``label`` quoted for Cypher after checking it is a schema label (or Evidence/LoadRun)."""
    if label not in schema.nodes and label not in (EVIDENCE_LABEL, LOAD_RUN_LABEL):
        raise SchemaError(f"unknown node label {label!r}; known: {sorted(schema.nodes)}")
    return safe_name(label)


def rel_type(schema: GraphSchema, rel: str) -> str:
    """Return ``rel`` quoted for Cypher after checking it is a schema relationship type."""
    if rel not in schema.relationships:
        raise SchemaError(f"unknown relationship type {rel!r}; known: {sorted(schema.relationships)}")
    return safe_name(rel)


def cypher_constraints(schema: GraphSchema) -> list[str]:
    """``CREATE CONSTRAINT ... IF NOT EXISTS`` statements: unique ``id`` per label, Evidence and LoadRun."""
    out = []
    for label in [*schema.nodes, EVIDENCE_LABEL, LOAD_RUN_LABEL]:
        q = node_label(schema, label)
        out.append(f"CREATE CONSTRAINT `medkg_{label}_id` IF NOT EXISTS FOR (n:{q}) REQUIRE n.id IS UNIQUE")
    return out


def cypher_merge_nodes(schema: GraphSchema, label: str) -> str:
    """MERGE a batch of nodes of one label; ``row.props`` replaces all properties (it includes ``id``)."""
    return (
        f"UNWIND $rows AS row MERGE (n:{node_label(schema, label)} {{id: row.id}}) "
        "SET n = row.props RETURN count(n) AS written"
    )


def cypher_merge_edges(schema: GraphSchema, rel: str, head_label: str, tail_label: str) -> str:
    """MERGE a batch of relationships of one type between existing nodes (never creates nodes)."""
    return (
        f"UNWIND $rows AS row "
        f"MATCH (h:{node_label(schema, head_label)} {{id: row.head}}) "
        f"MATCH (t:{node_label(schema, tail_label)} {{id: row.tail}}) "
        f"MERGE (h)-[r:{rel_type(schema, rel)}]->(t) SET r = row.props RETURN count(r) AS written"
    )


def cypher_merge_evidence(schema: GraphSchema, head_label: str, tail_label: str) -> str:
    """MERGE a batch of ``(:Evidence)`` nodes with ``[:SUBJECT]`` to the head and ``[:OBJECT]`` to the tail."""
    return (
        f"UNWIND $rows AS row "
        f"MATCH (h:{node_label(schema, head_label)} {{id: row.head}}) "
        f"MATCH (t:{node_label(schema, tail_label)} {{id: row.tail}}) "
        f"MERGE (e:{safe_name(EVIDENCE_LABEL)} {{id: row.id}}) SET e = row.props "
        f"MERGE (e)-[:{safe_name(SUBJECT_REL)}]->(h) MERGE (e)-[:{safe_name(OBJECT_REL)}]->(t) "
        "RETURN count(e) AS written"
    )


def cypher_predicted_pairs(schema: GraphSchema, rel: str, head_label: str, tail_label: str) -> str:
    """Read the (head id, tail id) pairs of an existing predicted relationship type."""
    require_predicted(schema, rel)
    return (
        f"MATCH (h:{node_label(schema, head_label)})-[r:{rel_type(schema, rel)}]->"
        f"(t:{node_label(schema, tail_label)}) RETURN h.id AS head, t.id AS tail"
    )


def cypher_delete_predicted(schema: GraphSchema, rel: str, head_label: str, tail_label: str) -> str:
    """Delete a batch of predicted relationships by (head id, tail id); refuses asserted types."""
    require_predicted(schema, rel)
    return (
        f"UNWIND $rows AS row "
        f"MATCH (h:{node_label(schema, head_label)} {{id: row.head}})-[r:{rel_type(schema, rel)}]->"
        f"(t:{node_label(schema, tail_label)} {{id: row.tail}}) DELETE r RETURN count(*) AS written"
    )


def require_predicted(schema: GraphSchema, rel: str) -> None:
    spec = schema.relationships.get(rel)
    if spec is None or not spec.predicted:
        raise SchemaError(f"{rel!r} is not a predicted relationship type")


# ---- retraction: what the store no longer holds leaves Neo4j too (text-mined rows only) ----------


def cypher_text_pairs(schema: GraphSchema, rel: str, head_label: str, tail_label: str) -> str:
    """Read the (head id, tail id) pairs of text-mined relationships of one asserted type and signature."""
    return (
        f"MATCH (h:{node_label(schema, head_label)})-[r:{rel_type(schema, rel)}]->"
        f"(t:{node_label(schema, tail_label)}) WHERE 'text' IN coalesce(r.sources, []) RETURN h.id AS head, t.id AS tail"
    )


def cypher_delete_text_edges(schema: GraphSchema, rel: str, head_label: str, tail_label: str) -> str:
    """Delete a batch of text-mined relationships by (head id, tail id); a curated one is never matched."""
    return (
        f"UNWIND $rows AS row "
        f"MATCH (h:{node_label(schema, head_label)} {{id: row.head}})-[r:{rel_type(schema, rel)}]->"
        f"(t:{node_label(schema, tail_label)} {{id: row.tail}}) WHERE 'text' IN coalesce(r.sources, []) "
        "DELETE r RETURN count(*) AS written"
    )


def cypher_evidence_ids() -> str:
    """Read the id of every ``(:Evidence)`` node."""
    return f"MATCH (e:{safe_name(EVIDENCE_LABEL)}) RETURN e.id AS id"


def cypher_delete_evidence() -> str:
    """Delete a batch of ``(:Evidence)`` nodes (and their SUBJECT/OBJECT links) by id."""
    return f"UNWIND $rows AS row MATCH (e:{safe_name(EVIDENCE_LABEL)} {{id: row.id}}) DETACH DELETE e RETURN count(*) AS written"


def cypher_text_nodes(schema: GraphSchema, label: str) -> str:
    """Read the ids of the nodes of one label that only text mining made (``sources = ['text']``)."""
    return f"MATCH (n:{node_label(schema, label)}) WHERE n.sources = ['text'] RETURN n.id AS id"


def cypher_delete_text_nodes(schema: GraphSchema, label: str) -> str:
    """Delete a batch of text-only nodes of one label by id (a node a curated source holds is never matched)."""
    return (
        f"UNWIND $rows AS row MATCH (n:{node_label(schema, label)} {{id: row.id}}) "
        "WHERE n.sources = ['text'] DETACH DELETE n RETURN count(*) AS written"
    )
