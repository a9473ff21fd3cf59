"""The embedded store's tables: DDL, migrations, and the conversion of records to and from rows.

Every row written by :class:`kg.store.sqlite.SqliteStore` is made here, and every row read back
into a record is turned into one here, so the column order of each table is spelled out once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from kg.types import Edge, Evidence, Hypothesis, Mention, Node, PathContribution

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
  id TEXT PRIMARY KEY, label TEXT NOT NULL, name TEXT NOT NULL,
  xrefs TEXT NOT NULL DEFAULT '[]', sources TEXT NOT NULL DEFAULT '[]', unlinked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS nodes_label ON nodes(label);
CREATE TABLE IF NOT EXISTS seed_edges (
  head TEXT NOT NULL, type TEXT NOT NULL, tail TEXT NOT NULL, source TEXT NOT NULL,
  PRIMARY KEY (head, type, tail, source));
CREATE INDEX IF NOT EXISTS seed_edges_source ON seed_edges(source);
CREATE TABLE IF NOT EXISTS documents (
  doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, pipeline_key TEXT NOT NULL,
  n_mentions INTEGER NOT NULL, n_relations INTEGER NOT NULL, run_id TEXT NOT NULL, processed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mentions (
  doc_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, label TEXT NOT NULL,
  text TEXT NOT NULL, node_id TEXT NOT NULL, assertion TEXT NOT NULL, confidence REAL NOT NULL,
  extractor TEXT NOT NULL, extractor_version TEXT NOT NULL, sentence_index INTEGER NOT NULL,
  link_score REAL, PRIMARY KEY (doc_id, start, "end", label));
CREATE TABLE IF NOT EXISTS evidence (
  head TEXT NOT NULL, type TEXT NOT NULL, tail TEXT NOT NULL, doc_id TEXT NOT NULL,
  sentence_index INTEGER NOT NULL, head_start INTEGER NOT NULL, head_end INTEGER NOT NULL,
  tail_start INTEGER NOT NULL, tail_end INTEGER NOT NULL, sentence TEXT NOT NULL,
  extractor TEXT NOT NULL, extractor_version TEXT NOT NULL, confidence REAL NOT NULL,
  assertion TEXT NOT NULL, asserted INTEGER NOT NULL, run_id TEXT NOT NULL, seen_at TEXT NOT NULL,
  subtype TEXT,
  PRIMARY KEY (doc_id, head_start, head_end, tail_start, tail_end, type, extractor));
CREATE INDEX IF NOT EXISTS evidence_key ON evidence(head, type, tail);
CREATE TABLE IF NOT EXISTS edges (
  head TEXT NOT NULL, type TEXT NOT NULL, tail TEXT NOT NULL, sources TEXT NOT NULL,
  evidence_count INTEGER NOT NULL, doc_count INTEGER NOT NULL, confidence REAL NOT NULL,
  best_confidence REAL NOT NULL, extractors TEXT NOT NULL, model_versions TEXT NOT NULL,
  non_asserted_count INTEGER NOT NULL, first_seen TEXT, last_seen TEXT,
  subtype TEXT, subtypes TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (head, type, tail));
CREATE INDEX IF NOT EXISTS edges_type ON edges(type);
CREATE TABLE IF NOT EXISTS hypotheses (
  head TEXT NOT NULL, type TEXT NOT NULL, tail TEXT NOT NULL, score REAL NOT NULL, rank INTEGER NOT NULL,
  model_version TEXT NOT NULL, run_id TEXT NOT NULL, explanation TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (head, type, tail));
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, kind TEXT NOT NULL, started TEXT NOT NULL, finished TEXT,
  status TEXT NOT NULL, details TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS linkpred_edges (
  head TEXT NOT NULL, type TEXT NOT NULL, tail TEXT NOT NULL, confidence REAL NOT NULL,
  PRIMARY KEY (head, type, tail)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS linkpred_nodes (id TEXT PRIMARY KEY, label TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quarantine (
  run_id TEXT NOT NULL, source TEXT NOT NULL, location TEXT NOT NULL, reason TEXT NOT NULL);
"""

#: The snapshot tables (:meth:`kg.store.sqlite_reads.SqliteReads.snapshot`) and the column that names a row's
#: group in them: a node's label, an edge's, evidence row's or hypothesis's type.
GROUP_COLUMNS = {"nodes": "label", "edges": "type", "evidence": "type", "hypotheses": "type"}
#: ``graph_groups``: one random token per (table, group), new for every row written to, changed in or deleted
#: from that group, by triggers, so no write path can forget it (issue 21). Equal tokens, the same rows: a
#: Neo4j load reads only the groups whose token moved since its last complete load, and nothing at all when
#: none did. ``('*', '*')``, the epoch, moves with a write no trigger saw (a bulk write, a seed image copy):
#: every group is then new. A store is born with an epoch of its own, so two stores never share a state.
NEW_TOKEN = "lower(hex(randomblob(16)))"
NEW_EPOCH = f"INSERT OR REPLACE INTO graph_groups(tbl, grp, token) VALUES ('*', '*', {NEW_TOKEN})"
STAMP_GROUP = f"INSERT OR REPLACE INTO graph_groups(tbl, grp, token) VALUES (?, ?, {NEW_TOKEN})"


def _stamp(table: str, ref: str) -> str:
    return f"INSERT OR REPLACE INTO graph_groups(tbl, grp, token) VALUES ('{table}', {ref}.{GROUP_COLUMNS[table]}, {NEW_TOKEN});"


#: The triggers' names (:meth:`kg.store.sqlite.SqliteStore.untriggered` drops them for a bulk write).
#: ``nodes_relabel_revision``: a node that changes label moves the epoch, since every edge at it changes its
#: (type, head label, tail label) group in Neo4j (the store's other relabelling path, a node row replaced
#: with another label, does the same in :meth:`kg.store.sqlite.SqliteStore._upsert_nodes`).
#: ``nodes_rename_revision``: a renamed node moves ``('names', '*')``: hypotheses show the names of the nodes on
#: their explanation paths, so a Neo4j load reads them again (a node added or deleted alone cannot be on a stored
#: path: paths run over edges the model reads, whose change refreshes the hypotheses themselves).
REVISION_TRIGGERS = (
    *(f"{t}_{op}_revision" for t in GROUP_COLUMNS for op in ("insert", "update", "delete")),
    "nodes_relabel_revision",
    "nodes_rename_revision",
)
#: The group of node names (:data:`REVISION_TRIGGERS`).
NAMES_GROUP = ("names", "*")
REVISION_DDL = (
    "CREATE TABLE IF NOT EXISTS graph_groups (tbl TEXT NOT NULL, grp TEXT NOT NULL, token TEXT NOT NULL,"
    " PRIMARY KEY (tbl, grp))",
    f"INSERT OR IGNORE INTO graph_groups(tbl, grp, token) VALUES ('*', '*', {NEW_TOKEN})",
    *(
        f"CREATE TRIGGER IF NOT EXISTS {table}_insert_revision AFTER INSERT ON {table} BEGIN {_stamp(table, 'NEW')} END"
        for table in GROUP_COLUMNS
    ),
    *(
        f"CREATE TRIGGER IF NOT EXISTS {table}_delete_revision AFTER DELETE ON {table} BEGIN {_stamp(table, 'OLD')} END"
        for table in GROUP_COLUMNS
    ),
    *(
        f"CREATE TRIGGER IF NOT EXISTS {table}_update_revision AFTER UPDATE ON {table}"
        f" BEGIN {_stamp(table, 'OLD')} {_stamp(table, 'NEW')} END"
        for table in GROUP_COLUMNS
    ),
    "CREATE TRIGGER IF NOT EXISTS nodes_relabel_revision AFTER UPDATE OF label ON nodes"
    f" WHEN OLD.label IS NOT NEW.label BEGIN {NEW_EPOCH}; END",
    "CREATE TRIGGER IF NOT EXISTS nodes_rename_revision AFTER UPDATE OF name ON nodes WHEN OLD.name IS NOT NEW.name"
    f" BEGIN INSERT OR REPLACE INTO graph_groups(tbl, grp, token) VALUES ('names', '*', {NEW_TOKEN}); END",
)

#: Columns read back into an :class:`~kg.types.Evidence`, in :func:`evidence_from_row` order.
EVIDENCE_COLUMNS = (
    "head, type, tail, doc_id, sentence_index, head_start, head_end, tail_start, tail_end, sentence,"
    " extractor, extractor_version, confidence, assertion, asserted, subtype"
)
EDGE_COLUMNS = (
    "head, type, tail, sources, evidence_count, doc_count, confidence, best_confidence, extractors,"
    " model_versions, non_asserted_count, first_seen, last_seen, subtype, subtypes"
)

#: Store version -> the statements that bring it to the next version (run in one transaction).
MIGRATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "1": (
        "2",
        (
            "ALTER TABLE evidence ADD COLUMN subtype TEXT",
            "ALTER TABLE edges ADD COLUMN subtype TEXT",
            "ALTER TABLE edges ADD COLUMN subtypes TEXT NOT NULL DEFAULT '[]'",
        ),
    ),
    # the hypothesis note (issue 20); a stored hypothesis without paths had none: say so
    "2": (
        "3",
        (
            "ALTER TABLE hypotheses ADD COLUMN note TEXT NOT NULL DEFAULT ''",
            "UPDATE hypotheses SET note = 'no supporting path' WHERE explanation = '[]'",
        ),
    ),
}

#: Columns of the ``hypotheses`` table, in :func:`hypothesis_row` / :func:`hypothesis_from_row` order.
HYPOTHESIS_COLUMNS = "head, type, tail, score, rank, model_version, run_id, explanation, note"
#: The place of ``run_id`` in a hypothesis row: the one column a refresh that gives the same values leaves as stored.
RUN_ID_COLUMN = 6
INSERT_HYPOTHESIS = f"INSERT OR REPLACE INTO hypotheses({HYPOTHESIS_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)"


INSERT_MENTION = (
    'INSERT OR REPLACE INTO mentions(doc_id, start, "end", label, text, node_id, assertion, confidence,'
    " extractor, extractor_version, sentence_index, link_score) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)
INSERT_EVIDENCE = (
    "INSERT OR REPLACE INTO evidence(head, type, tail, doc_id, sentence_index, head_start, head_end,"
    " tail_start, tail_end, sentence, extractor, extractor_version, confidence, assertion, asserted,"
    " run_id, seen_at, subtype) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
INSERT_DOCUMENT = (
    "INSERT OR REPLACE INTO documents(doc_id, content_hash, pipeline_key, n_mentions, n_relations, run_id,"
    " processed_at) VALUES (?,?,?,?,?,?,?)"
)
INSERT_EDGE = f"INSERT OR REPLACE INTO edges({EDGE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
INSERT_QUARANTINE = "INSERT INTO quarantine(run_id, source, location, reason) VALUES (?,?,?,?)"


def mention_row(m: Mention, node_id: str) -> tuple[Any, ...]:
    """The ``mentions`` row of ``m``, linked to ``node_id`` (:data:`INSERT_MENTION` order)."""
    return (
        m.doc_id,
        m.start,
        m.end,
        m.label,
        m.text,
        node_id,
        m.assertion,
        m.confidence,
        m.extractor,
        m.extractor_version,
        m.sentence_index,
        m.link_score,
    )


def evidence_row(e: Evidence, run_id: str, seen_at: str) -> tuple[Any, ...]:
    """The ``evidence`` row of ``e``, first seen at ``seen_at`` (:data:`INSERT_EVIDENCE` order)."""
    return (
        e.head,
        e.type,
        e.tail,
        e.doc_id,
        e.sentence_index,
        e.head_start,
        e.head_end,
        e.tail_start,
        e.tail_end,
        e.sentence,
        e.extractor,
        e.extractor_version,
        e.confidence,
        e.assertion,
        int(e.asserted),
        run_id,
        seen_at,
        e.subtype,
    )


def evidence_from_row(r: Sequence[Any]) -> Evidence:
    """An :class:`~kg.types.Evidence` from a row selected as :data:`EVIDENCE_COLUMNS`."""
    return Evidence(
        head=r[0],
        type=r[1],
        tail=r[2],
        doc_id=r[3],
        sentence_index=r[4],
        head_start=r[5],
        head_end=r[6],
        tail_start=r[7],
        tail_end=r[8],
        sentence=r[9],
        extractor=r[10],
        extractor_version=r[11],
        confidence=r[12],
        assertion=r[13],
        asserted=bool(r[14]),
        subtype=r[15],
    )


def edge_row(edge: Edge) -> tuple[Any, ...]:
    """The ``edges`` row of an aggregated edge (:data:`EDGE_COLUMNS` order)."""
    return (
        edge.head,
        edge.type,
        edge.tail,
        json.dumps(list(edge.sources)),
        edge.evidence_count,
        edge.doc_count,
        edge.confidence,
        edge.best_confidence,
        json.dumps(list(edge.extractors)),
        json.dumps(list(edge.model_versions)),
        edge.non_asserted_count,
        edge.first_seen,
        edge.last_seen,
        edge.subtype,
        json.dumps(list(edge.subtypes)),
    )


@lru_cache(maxsize=4096)
def _json_tuple(text: str) -> tuple[str, ...]:
    """A stored JSON list as a tuple, parsed once per distinct text: an edge's sources, extractors, model
    versions and subtypes take a handful of values over a million rows (``'["hetionet"]'``, ``'[]'``)."""
    return tuple(json.loads(text))


def edge_from_row(r: Sequence[Any]) -> Edge:
    """An :class:`~kg.types.Edge` from a row selected as :data:`EDGE_COLUMNS`, not validated again: every row
    was written from a validated edge (:func:`edge_row`) or by the seed rebuild's SQL, and a full-seed read
    builds a million of them (validation was about a third of the time of reading the graph)."""
    return Edge.model_construct(
        head=r[0],
        type=r[1],
        tail=r[2],
        sources=_json_tuple(r[3]),
        evidence_count=r[4],
        doc_count=r[5],
        confidence=r[6],
        best_confidence=r[7],
        extractors=_json_tuple(r[8]),
        model_versions=_json_tuple(r[9]),
        non_asserted_count=r[10],
        first_seen=r[11],
        last_seen=r[12],
        subtype=r[13],
        subtypes=_json_tuple(r[14]),
    )


def node_from_row(r: Sequence[Any]) -> Node:
    """A :class:`~kg.types.Node` from a ``(id, label, name, xrefs, sources, unlinked)`` row."""
    return Node(
        id=r[0],
        label=r[1],
        name=r[2],
        xrefs=tuple(json.loads(r[3])),
        sources=tuple(json.loads(r[4])),
        unlinked=bool(r[5]),
    )


def hypothesis_row(h: Hypothesis) -> tuple[Any, ...]:
    """The ``hypotheses`` row of ``h`` (the table's column order)."""
    return (
        h.head,
        h.type,
        h.tail,
        h.score,
        h.rank,
        h.model_version,
        h.run_id,
        json.dumps([_path_dict(p) for p in h.explanation]),
        h.note,
    )


def _path_dict(p: PathContribution) -> dict[str, Any]:
    """A stored path: ``nodes``, ``relations``, ``contribution`` (the version-2 keys), then ``metapath``
    and ``against`` only when set, so a path without them reads as before."""
    # built by hand (what model_dump(exclude=...) gives, in field order): 150,000 paths on a full-seed build
    d: dict[str, Any] = {"nodes": p.nodes, "relations": p.relations, "contribution": p.contribution}
    if p.metapath:
        d["metapath"] = p.metapath
    if p.against:
        d["against"] = True
    return d


def paths_from_json(text: str) -> tuple[PathContribution, ...]:
    """A stored explanation (:func:`hypothesis_row`'s JSON) as paths, built without validation (the store wrote
    them from validated paths; 50,000 explained hypotheses are read back when a refresh reuses them)."""
    return tuple(
        PathContribution.model_construct(
            nodes=tuple(p["nodes"]),
            relations=tuple(p["relations"]),
            contribution=float(p["contribution"]),
            metapath=p.get("metapath", ""),
            against=bool(p.get("against", False)),
        )
        for p in json.loads(text)
    )


def hypothesis_from_row(r: Sequence[Any]) -> Hypothesis:
    """A :class:`~kg.types.Hypothesis` from a row in the table's column order."""
    return Hypothesis(
        head=r[0],
        type=r[1],
        tail=r[2],
        score=r[3],
        rank=r[4],
        model_version=r[5],
        run_id=r[6],
        explanation=tuple(PathContribution(**p) for p in json.loads(r[7])),
        note=r[8] if len(r) > 8 else "",
    )
