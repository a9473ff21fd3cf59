"""The read side of the embedded store: nodes, edges, evidence, hypotheses, counts, snapshots.

A mixin of :class:`kg.store.sqlite.SqliteStore` over its ``conn``. :meth:`SqliteReads.snapshot` reads
in one read transaction, so an export or a Neo4j load sees one consistent graph while a run commits
its checkpoints (SQLite WAL: readers never block the writer and see the last commit before they began).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator

from kg.store.sqlite_tables import (
    EDGE_COLUMNS,
    EVIDENCE_COLUMNS,
    HYPOTHESIS_COLUMNS,
    edge_from_row,
    evidence_from_row,
    hypothesis_from_row,
    node_from_row,
    paths_from_json,
)
from kg.types import Edge, Evidence, GraphSnapshot, Hypothesis, Node, PathContribution, QuarantineRecord


class SqliteReads:
    """Reads over ``self.conn`` (an autocommit :class:`sqlite3.Connection`)."""

    conn: sqlite3.Connection

    # -- reads --------------------------------------------------------------------------------
    def nodes(self) -> Iterator[Node]:
        """Every node."""
        for r in self.conn.execute("SELECT id, label, name, xrefs, sources, unlinked FROM nodes ORDER BY id"):
            yield node_from_row(r)

    def names_of_label(self, label: str) -> Iterator[tuple[str, str]]:
        """``(id, name)`` of every node of ``label``, by id (no :class:`Node` built: the seed step's name map)."""
        yield from self.conn.execute("SELECT id, name FROM nodes WHERE label = ? ORDER BY id", (label,))

    def edges(
        self, types: Iterable[str] | None = None, keep: Callable[[str, str, str], bool] | None = None
    ) -> Iterator[Edge]:
        """Every asserted edge (optionally only of ``types``, and only those ``keep(head, type, tail)`` is true
        of: the others are never built)."""
        q = f"SELECT {EDGE_COLUMNS} FROM edges"
        args: list[str] = []
        if types is not None:
            types = list(types)
            q += f" WHERE type IN ({','.join('?' * len(types))})"
            args = types
        for r in self.conn.execute(q + " ORDER BY head, type, tail", args):
            if keep is None or keep(r[0], r[1], r[2]):
                yield edge_from_row(r)

    def evidence(self) -> Iterator[Evidence]:
        """Every evidence record (asserted or not)."""
        for r in self.conn.execute(
            f"SELECT {EVIDENCE_COLUMNS} FROM evidence ORDER BY doc_id, head_start, tail_start, type"
        ):
            yield evidence_from_row(r)

    def hypotheses(self, rel_type: str | None = None) -> list[Hypothesis]:
        """Stored hypotheses, best first within each head."""
        q = f"SELECT {HYPOTHESIS_COLUMNS} FROM hypotheses"
        args: tuple[str, ...] = ()
        if rel_type:
            q += " WHERE type = ?"
            args = (rel_type,)
        return [hypothesis_from_row(r) for r in self.conn.execute(q + " ORDER BY score DESC, head, tail", args)]

    def explanations(
        self, rel_type: str, skip_note: str
    ) -> dict[tuple[str, str], tuple[tuple[PathContribution, ...], str]]:
        """(head, tail) -> (paths, note) of the stored hypotheses of ``rel_type`` whose note is not ``skip_note``
        (e.g. the note of a hypothesis left unexplained)."""
        q = "SELECT head, tail, explanation, note FROM hypotheses WHERE type = ? AND note != ?"
        return {(h, t): (paths_from_json(e), n) for h, t, e, n in self.conn.execute(q, (rel_type, skip_note))}

    def top_hypotheses(self, per_type: int = 5) -> list[Hypothesis]:
        """The best ``per_type`` hypotheses of each predicted type (types in name order), best first.

        The same rows as ranking :meth:`hypotheses` by ``(-score, head, tail)`` within each type, read
        without loading every hypothesis (a full-seed store holds over 100,000).
        """
        types = [r[0] for r in self.conn.execute("SELECT DISTINCT type FROM hypotheses ORDER BY type")]
        q = f"SELECT {HYPOTHESIS_COLUMNS} FROM hypotheses WHERE type = ? ORDER BY score DESC, head, tail LIMIT ?"
        return [hypothesis_from_row(r) for t in types for r in self.conn.execute(q, (t, per_type))]

    def node_labels(self, ids: Iterable[str]) -> dict[str, str]:
        """id -> label for the given node ids that the store holds (unknown ids are left out)."""
        return self._node_column(ids, "label")

    def node_names(self, ids: Iterable[str]) -> dict[str, str]:
        """id -> name for the given node ids (unknown ids are left out)."""
        return self._node_column(ids, "name")

    def _node_column(self, ids: Iterable[str], column: str) -> dict[str, str]:
        if column not in ("label", "name"):  # a fixed list: the column name goes into the SQL text
            raise ValueError(f"unknown node column {column!r}")
        ids = list(ids)
        out: dict[str, str] = {}
        for i in range(0, len(ids), 900):  # SQLite's default limit of bound parameters is 999
            chunk = ids[i : i + 900]
            q = f"SELECT id, {column} FROM nodes WHERE id IN ({','.join('?' * len(chunk))})"
            out.update(dict(self.conn.execute(q, chunk).fetchall()))
        return out

    def quarantine(self, run_id: str | None = None) -> list[QuarantineRecord]:
        """Quarantined inputs (of one run, or all)."""
        q = "SELECT source, location, reason FROM quarantine"
        args: tuple[str, ...] = ()
        if run_id:
            q, args = q + " WHERE run_id = ?", (run_id,)
        return [QuarantineRecord(source=r[0], location=r[1], reason=r[2]) for r in self.conn.execute(q, args)]

    def counts(self) -> dict[str, dict[str, int]]:
        """{"nodes": {label: n}, "edges": {type: n}, "hypotheses": {type: n}}."""
        return {
            "nodes": dict(
                self.conn.execute("SELECT label, COUNT(*) FROM nodes GROUP BY label ORDER BY label").fetchall()
            ),
            "edges": dict(self.conn.execute("SELECT type, COUNT(*) FROM edges GROUP BY type ORDER BY type").fetchall()),
            "hypotheses": dict(
                self.conn.execute("SELECT type, COUNT(*) FROM hypotheses GROUP BY type ORDER BY type").fetchall()
            ),
        }

    def snapshot(
        self, edge_types: Iterable[str] | None = None, hypothesis_types: Iterable[str] | None = None
    ) -> GraphSnapshot:
        """The whole graph as one immutable snapshot (for exports and Neo4j loads), read in one transaction;
        only the edges of ``edge_types`` and the hypotheses of ``hypothesis_types`` when given (a Neo4j load
        of what changed, :func:`kg.neo4j_load.load_scope`)."""
        own = not self.conn.in_transaction
        if own:
            self.conn.execute("BEGIN")  # deferred: a read snapshot from the first SELECT on
        try:
            hyps = (
                self.hypotheses()
                if hypothesis_types is None
                else [h for t in sorted(set(hypothesis_types)) for h in self.hypotheses(t)]
            )
            return GraphSnapshot(
                nodes=tuple(self.nodes()),
                edges=tuple(self.edges(None if edge_types is None else sorted(set(edge_types)))),
                evidence=tuple(self.evidence()),
                hypotheses=tuple(hyps),
            )
        finally:
            if own:
                self.conn.execute("COMMIT")
