"""What the served link-prediction model read at its last serving, kept to diff the next run's graph (issue 21).

A mixin of :class:`kg.store.sqlite.SqliteStore`. ``linkpred_edges`` holds every edge's (head, type, tail,
confidence) and ``linkpred_nodes`` every node's (id, label) as they were when the stored hypotheses were
computed; both are written in the transaction that writes the hypotheses, so they always describe the graph
the hypotheses came from (a crash leaves the old hypotheses with the old snapshot). The next run diffs the
store's graph against them in SQL (:meth:`SqliteLinkpredState.linkpred_input_diff`) instead of serving the
whole graph again; :func:`model_read_changes` keeps the changed edges a served model reads
(:mod:`kg.linkpred_step` decides what to do with them).

The tables are created by the store's DDL (``IF NOT EXISTS``): an older store simply has no snapshot yet,
and its next serving is a full refresh that writes one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.store.sqlite_tables import HYPOTHESIS_COLUMNS, RUN_ID_COLUMN, hypothesis_row
from kg.types import Hypothesis

#: Changed edges read at most: a larger change (a reloaded seed) is refreshed in full, never diffed in memory.
MAX_DIFF = 200_000


@dataclass(frozen=True)
class InputDiff:
    """The graph the model reads now against the snapshot of its last serving.

    Attributes:
        edges: (head, type, tail, old confidence, new confidence) of every edge added (old None), removed
            (new None) or whose confidence changed, by key.
        nodes: (id, old label, new label) of every node added (old None), removed (new None) or relabelled.
        labels: the label of every node named in ``edges`` (now, else in the snapshot).
        truncated: more than :data:`MAX_DIFF` edges changed; ``edges`` holds the first of them only.
    """

    edges: list[tuple[str, str, str, float | None, float | None]] = field(default_factory=list)
    nodes: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    truncated: bool = False

    @property
    def relabelled(self) -> list[str]:
        """Nodes present before and now with another label."""
        return [i for i, old, new in self.nodes if old is not None and new is not None and old != new]


_EDGE_DIFF = """
SELECT o.head, o.type, o.tail, o.confidence, e.confidence FROM linkpred_edges o
  LEFT JOIN edges e ON e.head = o.head AND e.type = o.type AND e.tail = o.tail
  WHERE e.confidence IS NULL OR e.confidence != o.confidence
UNION ALL
SELECT e.head, e.type, e.tail, NULL, e.confidence FROM edges e
  WHERE NOT EXISTS (SELECT 1 FROM linkpred_edges o WHERE o.head = e.head AND o.type = e.type AND o.tail = e.tail)
"""
_NODE_DIFF = """
SELECT o.id, o.label, n.label FROM linkpred_nodes o LEFT JOIN nodes n ON n.id = o.id
  WHERE n.label IS NULL OR n.label != o.label
UNION ALL
SELECT n.id, NULL, n.label FROM nodes n WHERE NOT EXISTS (SELECT 1 FROM linkpred_nodes o WHERE o.id = n.id)
"""


class SqliteLinkpredState:
    """The snapshot of the served model's input over ``self.conn``."""

    conn: sqlite3.Connection

    def linkpred_input_diff(self, limit: int = MAX_DIFF) -> InputDiff:
        """The edges and nodes that differ between the graph now and the snapshot, read in one transaction
        (at most ``limit`` edges: ``truncated`` says there were more)."""
        own = not self.conn.in_transaction
        if own:
            self.conn.execute("BEGIN")
        try:
            edges = self.conn.execute(_EDGE_DIFF + " LIMIT ?", (limit + 1,)).fetchall()
            truncated = len(edges) > limit
            edges = sorted(edges[:limit], key=lambda r: r[:3])
            nodes = sorted(self.conn.execute(_NODE_DIFF))
            ids = sorted({i for e in edges for i in (e[0], e[2])})
            labels: dict[str, str] = {}
            for table in ("linkpred_nodes", "nodes"):  # the store's labels win over the snapshot's
                for s in range(0, len(ids), 900):
                    chunk = ids[s : s + 900]
                    q = f"SELECT id, label FROM {table} WHERE id IN ({','.join('?' * len(chunk))})"
                    labels.update(self.conn.execute(q, chunk))
        finally:
            if own:
                self.conn.execute("COMMIT")
        return InputDiff(edges=edges, nodes=nodes, labels=labels, truncated=truncated)

    def has_linkpred_snapshot(self) -> bool:
        """Whether a snapshot was ever written (an empty graph's snapshot counts: the marker row says so)."""
        row = self.conn.execute("SELECT 1 FROM meta WHERE key = 'linkpred_snapshot' AND value = '1'").fetchone()
        return row is not None

    def replace_linkpred_snapshot(self) -> None:
        """The snapshot becomes the store's graph now (inside the caller's transaction: a full refresh)."""
        self.conn.execute("DELETE FROM linkpred_edges")
        self.conn.execute("DELETE FROM linkpred_nodes")
        self.conn.execute(
            "INSERT INTO linkpred_edges(head, type, tail, confidence)"
            " SELECT head, type, tail, confidence FROM edges ORDER BY head, type, tail"
        )
        self.conn.execute("INSERT INTO linkpred_nodes(id, label) SELECT id, label FROM nodes ORDER BY id")
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('linkpred_snapshot', '1')")

    def apply_linkpred_diff(self, diff: InputDiff) -> None:
        """Bring the snapshot to the graph ``diff`` was read from (inside the caller's transaction: a partial
        refresh writes only the rows that changed)."""
        gone = [(h, t, tl) for h, t, tl, _, new in diff.edges if new is None]
        now = [(h, t, tl, new) for h, t, tl, _, new in diff.edges if new is not None]
        self.conn.executemany("DELETE FROM linkpred_edges WHERE head = ? AND type = ? AND tail = ?", gone)
        self.conn.executemany(
            "INSERT OR REPLACE INTO linkpred_edges(head, type, tail, confidence) VALUES (?,?,?,?)", now
        )
        self.conn.executemany(
            "DELETE FROM linkpred_nodes WHERE id = ?", [(i,) for i, _, new in diff.nodes if new is None]
        )
        self.conn.executemany(
            "INSERT OR REPLACE INTO linkpred_nodes(id, label) VALUES (?, ?)",
            [(i, new) for i, _, new in diff.nodes if new is not None],
        )

    def _changed_hypotheses(
        self, hypotheses: Sequence[Hypothesis], types: Sequence[str]
    ) -> tuple[list[tuple[str, str, str]], list[tuple[Any, ...]]]:
        """What replacing the hypotheses of ``types`` by ``hypotheses`` changes: the keys to delete (gone) and
        the rows to write (new or changed). A hypothesis stored with exactly the same values (score, rank,
        model version, explanation, note) is left as it is, with the run id of the run that first gave it
        those values: a refresh that moves a few hypotheses rewrites those (and the Neo4j load after it
        writes only them), not a hundred thousand."""
        marks = ",".join("?" * len(types))
        stored = {
            (r[0], r[1], r[2]): r
            for r in self.conn.execute(f"SELECT {HYPOTHESIS_COLUMNS} FROM hypotheses WHERE type IN ({marks})", types)
        }
        rows = []
        for h in hypotheses:
            row = hypothesis_row(h)
            old = stored.pop((row[0], row[1], row[2]), None)
            if (
                old is None
                or old[:RUN_ID_COLUMN] + old[RUN_ID_COLUMN + 1 :] != row[:RUN_ID_COLUMN] + row[RUN_ID_COLUMN + 1 :]
            ):
                rows.append(row)  # INSERT OR REPLACE: a changed row replaces its key
        return sorted(stored), rows


def model_read_changes(
    diff: InputDiff, unread: Collection[tuple[str, str, str]]
) -> list[tuple[str, str, str, float | None, float | None]]:
    """The changed edges of ``diff`` that a served model may read: every one whose (head label, type, tail
    label) is not among ``unread`` (the signatures :func:`kg.gnn.serve.served_edge_filter` leaves out, listed
    by :func:`kg.gnn.serve.unread_signatures`), an edge with an end of unknown label included."""
    skip = set(unread)
    out = []
    for h, rel, t, old, new in diff.edges:
        hl, tl = diff.labels.get(h), diff.labels.get(t)
        if hl is None or tl is None or (hl, rel, tl) not in skip:
            out.append((h, rel, t, old, new))
    return out
