"""What an online Neo4j load can leave out: the rows its last complete load already wrote.

A load plan (:class:`kg.store.neo4j.LoadPlan`) is a set of row groups: the nodes of one label, the
edges of one (type, head label, tail label), the evidence of one label pair, the hypotheses of one
predicted type. :func:`group_digests` hashes each group's rows in :data:`BUCKETS` buckets by row identity.
A complete load stores its digests on its ``(:LoadRun)`` node (``groups``); the next load reads them
(:data:`CYPHER_LAST_GROUPS`), takes them off every ``LoadRun`` before it writes anything
(:data:`CYPHER_CLEAR_GROUPS`), and writes only the rows of the buckets whose digest changed
(:func:`changed_groups`). A load that crashes or fails leaves no digests behind, so the load after it
writes everything again; so does one after a bulk import that did not record them, and one with
``full=True`` (``medkg neo4j load --full``), for a graph changed in Neo4j by hand. Deletions do not
depend on this: the prune steps compare what was read with the server.

What is *read* of the store is decided before (:func:`kg.neo4j_load.load_store`): a complete load also
records the store's group tokens (``source``, ``state``: :meth:`kg.store.sqlite.SqliteStore.graph_state`). A
load of the same state reads nothing but that record; otherwise an online load reads the nodes, the
evidence, and only the edge and hypothesis types whose tokens moved (:class:`kg.store.neo4j_plan.LoadScope`),
and keeps the digests of what it did not read (:func:`kept_digests`). After a 1% change of the notes the
curated edges (Hetionet's genes, anatomy: most of the rows) are neither read nor written.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from kg.store.neo4j_plan import LoadPlan

#: The digests the last complete load recorded (at most one ``LoadRun`` holds them).
CYPHER_LAST_GROUPS = "MATCH (r:LoadRun) WHERE r.groups IS NOT NULL RETURN r.groups AS groups"
#: Taken off every ``LoadRun`` before a load writes: a load that does not complete leaves none.
CYPHER_CLEAR_GROUPS = (
    "MATCH (r:LoadRun) WHERE r.groups IS NOT NULL OR r.source IS NOT NULL OR r.state IS NOT NULL"
    " REMOVE r.groups, r.source, r.state"
)
#: What the last complete load loaded (:func:`kg.neo4j_load.load_source`), and the rows it skipped.
CYPHER_LAST_SOURCE = (
    "MATCH (r:LoadRun) WHERE r.source IS NOT NULL AND r.status = 'complete'"
    " RETURN r.source AS source, r.skipped AS skipped, r.state AS state"
)


#: Digest buckets per row group: a changed row rewrites its bucket (1/256 of its group), not its whole group
#: (a hypothesis refresh that moves a few dozen of 117k predictions, a text edge among a type's seed edges).
#: The full seed's groups give about 9,000 digests of 32 hex digits on the ``LoadRun`` (under 1 MB).
BUCKETS = 256


def _bucket(row: Mapping[str, Any]) -> int:
    """A row's bucket, by its identity (a node's or evidence row's id, an edge's ends): stable across loads."""
    key = row["id"] if "id" in row else f"{row['head']}\t{row['tail']}"
    return zlib.crc32(str(key).encode()) % BUCKETS


def _digest(rows: list[dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(json.dumps(row, sort_keys=True, default=str, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()[:32]


def _group_keys(plan: LoadPlan) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """``(group key, rows)`` of every row group of ``plan``."""
    yield from ((f"nodes:{label}", rows) for label, rows in plan.nodes.items())
    yield from (("edges:{}:{}:{}".format(*k), rows) for k, rows in plan.edges.items())
    yield from (("evidence:{}:{}".format(*k), rows) for k, rows in plan.evidence.items())
    yield from (("hypotheses:{}:{}:{}".format(*k), rows) for k, rows in plan.hypotheses.items())


def group_digests(plan: LoadPlan) -> dict[str, str]:
    """``{"group key#bucket": sha256 of its rows}`` for every non-empty bucket of every row group of ``plan``."""
    out: dict[str, str] = {}
    for key, rows in _group_keys(plan):
        buckets: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            buckets.setdefault(_bucket(row), []).append(row)
        out |= {f"{key}#{b}": _digest(part) for b, part in buckets.items()}
    return out


def kept_digests(previous: Mapping[str, str], read: Callable[[str], bool]) -> dict[str, str]:
    """The ``previous`` digests of the groups a partial load did not read (``read(group key)`` false): still
    what the server holds, so the next load may leave them out too."""
    return {k: v for k, v in previous.items() if not read(k.partition("#")[0])}


def parse_groups(records: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The digests of :data:`CYPHER_LAST_GROUPS`'s records; none unless exactly one record holds them."""
    if len(records) != 1 or not isinstance(records[0].get("groups"), str):
        return {}
    try:
        groups = json.loads(records[0]["groups"])
    except json.JSONDecodeError:
        return {}
    return {str(k): str(v) for k, v in groups.items()} if isinstance(groups, dict) else {}


def changed_groups(plan: LoadPlan, digests: Mapping[str, str], previous: Mapping[str, str]) -> LoadPlan:
    """``plan`` without the rows of the buckets whose digest equals the previous load's (rows Neo4j has)."""

    def changed(key: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        moved = {
            b for b in range(BUCKETS) if f"{key}#{b}" in digests and previous.get(f"{key}#{b}") != digests[f"{key}#{b}"]
        }
        return [r for r in rows if _bucket(r) in moved] if len(moved) < BUCKETS else rows

    out = LoadPlan()
    for k, rows in plan.nodes.items():
        if kept := changed(f"nodes:{k}", rows):
            out.nodes[k] = kept
    for e, rows in plan.edges.items():
        if kept := changed("edges:{}:{}:{}".format(*e), rows):
            out.edges[e] = kept
    for v, rows in plan.evidence.items():
        if kept := changed("evidence:{}:{}".format(*v), rows):
            out.evidence[v] = kept
    for h, rows in plan.hypotheses.items():
        if kept := changed("hypotheses:{}:{}:{}".format(*h), rows):
            out.hypotheses[h] = kept
    return out


def rows_in(plan: LoadPlan) -> int:
    """The rows of every group of ``plan``."""
    parts = (plan.nodes, plan.edges, plan.evidence, plan.hypotheses)
    return sum(len(rows) for part in parts for rows in part.values())
