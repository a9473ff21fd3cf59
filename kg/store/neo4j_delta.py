"""What an online Neo4j load can leave out: the row groups its last complete load already wrote.

A load plan (:class:`kg.store.neo4j.LoadPlan`) is a set of row groups: the nodes of one label, the
edges of one (type, head label, tail label), the evidence of one label pair, the hypotheses of one
predicted type. :func:`group_digests` hashes each group's rows. A complete load stores its digests on
its ``(:LoadRun)`` node (``groups``); the next load reads them (:data:`CYPHER_LAST_GROUPS`), takes them
off every ``LoadRun`` before it writes anything (:data:`CYPHER_CLEAR_GROUPS`), and writes only the
groups whose digest changed (:func:`changed_groups`). A load that crashes or fails leaves no digests
behind, so the load after it writes everything again; so does one after a bulk import that did not
record them, and one with ``full=True`` (``medkg neo4j load --full``), for a graph changed in Neo4j by
hand. Deletions do not depend on this: the prune steps compare the whole plan with the server.

A complete load also records its ``source`` (:func:`kg.neo4j_load.load_source`: the embedded store's graph
revision, the schema and the medkg version). A load whose source is the one recorded reads neither the
store's graph nor anything but that record: the unchanged nightly run's Neo4j step costs one query.

After a 1% change of the notes the curated groups (Hetionet's genes, anatomy and their edges: most
of the rows) are left alone, and only the groups text mining or link prediction changed are written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from kg.store.neo4j_plan import LoadPlan

#: The digests the last complete load recorded (at most one ``LoadRun`` holds them).
CYPHER_LAST_GROUPS = "MATCH (r:LoadRun) WHERE r.groups IS NOT NULL RETURN r.groups AS groups"
#: Taken off every ``LoadRun`` before a load writes: a load that does not complete leaves none.
CYPHER_CLEAR_GROUPS = "MATCH (r:LoadRun) WHERE r.groups IS NOT NULL OR r.source IS NOT NULL REMOVE r.groups, r.source"
#: What the last complete load loaded (:func:`kg.neo4j_load.load_source`), and the rows it skipped.
CYPHER_LAST_SOURCE = (
    "MATCH (r:LoadRun) WHERE r.source IS NOT NULL AND r.status = 'complete'"
    " RETURN r.source AS source, r.skipped AS skipped"
)


def _digest(rows: list[dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(json.dumps(row, sort_keys=True, default=str, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def group_digests(plan: LoadPlan) -> dict[str, str]:
    """``{group key: sha256 of its rows}`` for every row group of ``plan``."""
    out = {f"nodes:{label}": _digest(rows) for label, rows in plan.nodes.items()}
    out |= {f"edges:{r}:{h}:{t}": _digest(rows) for (r, h, t), rows in plan.edges.items()}
    out |= {f"evidence:{h}:{t}": _digest(rows) for (h, t), rows in plan.evidence.items()}
    out |= {f"hypotheses:{r}:{h}:{t}": _digest(rows) for (r, h, t), rows in plan.hypotheses.items()}
    return out


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
    """``plan`` without the groups whose digest equals the previous load's (the rows Neo4j already has)."""

    def changed(key: str) -> bool:
        return previous.get(key) != digests[key]

    return LoadPlan(
        nodes={k: v for k, v in plan.nodes.items() if changed(f"nodes:{k}")},
        edges={k: v for k, v in plan.edges.items() if changed("edges:{}:{}:{}".format(*k))},
        evidence={k: v for k, v in plan.evidence.items() if changed("evidence:{}:{}".format(*k))},
        hypotheses={k: v for k, v in plan.hypotheses.items() if changed("hypotheses:{}:{}:{}".format(*k))},
    )


def rows_in(plan: LoadPlan) -> int:
    """The rows of every group of ``plan``."""
    parts = (plan.nodes, plan.edges, plan.evidence, plan.hypotheses)
    return sum(len(rows) for part in parts for rows in part.values())
