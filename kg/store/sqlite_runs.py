"""Run records and retraction: the part of the embedded store that keeps a scheduled run honest (issue 21).

A mixin of :class:`kg.store.sqlite.SqliteStore`: a run is on record from its start (``running``),
ends ``complete`` or ``failed``, and is marked ``killed`` by the next run when its process died;
documents are retracted with everything only they supported.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kg.logs import get_logger

log = get_logger(__name__)


def now() -> str:
    """UTC timestamp, ISO 8601, seconds precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class SqliteRuns:
    """Run records and retraction over ``self.conn`` (the store's autocommit connection)."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:  # provided by SqliteStore

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _recompute_edges(self, keys: Iterable[tuple[str, str, str]]) -> None: ...

    def begin_run(self, run_id: str, kind: str = "build") -> list[str]:
        """Record ``run_id`` as running (committed now, so a failed or killed run leaves its record).

        Call it holding the store's lock (:class:`kg.store.lock.StoreLock`): every other run still
        marked running then belongs to a process that died, and is marked ``killed``.

        Returns:
            The run ids marked killed.
        """
        with self.transaction():
            killed = [r[0] for r in self.conn.execute("SELECT run_id FROM runs WHERE status = 'running'")]
            self.conn.executemany(
                "UPDATE runs SET status = 'killed', finished = ? WHERE run_id = ?", [(now(), r) for r in killed]
            )
            self.conn.execute(
                "INSERT INTO runs(run_id, kind, started, status, details) VALUES (?, ?, ?, 'running', '{}')",
                (run_id, kind, now()),
            )
        if killed:
            log.warning("%d earlier run(s) ended without finishing (killed): %s", len(killed), ", ".join(killed))
        return killed

    def finish_run(self, run_id: str, status: str, details: dict[str, object] | None = None) -> None:
        """Set a run's final status (``complete``, ``failed``) and details, unless already complete."""
        args: tuple[str, ...]
        if details is None:
            q, args = (
                "UPDATE runs SET status = ?, finished = ? WHERE run_id = ? AND status = 'running'",
                (status, now(), run_id),
            )
        else:
            q = "UPDATE runs SET status = ?, finished = ?, details = ? WHERE run_id = ? AND status = 'running'"
            args = (status, now(), json.dumps(details, sort_keys=True), run_id)
        self.conn.execute(q, args)

    def runs(self) -> list[dict[str, object]]:
        """Every run record, oldest first: run_id, kind, started, finished, status, details."""
        cols = ("run_id", "kind", "started", "finished", "status", "details")
        rows = self.conn.execute(f"SELECT {', '.join(cols)} FROM runs ORDER BY rowid").fetchall()
        return [dict(zip(cols[:5], r[:5], strict=True)) | {"details": json.loads(r[5])} for r in rows]

    def retract_documents(self, doc_ids: Iterable[str]) -> dict[str, int]:
        """Remove documents and all they contributed, in one transaction.

        Their mentions and evidence go; edges are re-aggregated from the evidence left (an edge with
        none and no curated seed edge disappears); text-mined nodes that no mention, edge or seed
        holds any more go, with hypotheses that name them. Curated seed edges and other hypotheses
        are untouched. Unknown ids are ignored (counted as not found).

        Returns:
            {"documents", "not_found", "evidence", "edges_removed", "nodes_removed"}.
        """
        ids = sorted(set(doc_ids))
        with self.transaction():
            known = [d for d in ids if self.conn.execute("SELECT 1 FROM documents WHERE doc_id = ?", (d,)).fetchone()]
            touched: set[tuple[str, str, str]] = set()
            evidence = 0
            for d in known:
                keys = self.conn.execute("SELECT head, type, tail FROM evidence WHERE doc_id = ?", (d,)).fetchall()
                evidence += len(keys)
                touched |= set(keys)
                for table in ("evidence", "mentions", "documents"):
                    self.conn.execute(f"DELETE FROM {table} WHERE doc_id = ?", (d,))  # fixed table names
            edges_before = self.conn.execute("SELECT COUNT(*) FROM edges").fetchone()[0]
            self._recompute_edges(touched)
            edges_removed = edges_before - self.conn.execute("SELECT COUNT(*) FROM edges").fetchone()[0]
            nodes_removed = self._drop_orphan_text_nodes()
        out = {
            "documents": len(known),
            "not_found": len(ids) - len(known),
            "evidence": evidence,
            "edges_removed": edges_removed,
            "nodes_removed": nodes_removed,
        }
        log.info("retracted %s", out)
        return out

    def _drop_orphan_text_nodes(self) -> int:
        """Delete text-only nodes that no mention, edge or seed edge names (and hypotheses about them)."""
        orphans = [
            r[0]
            for r in self.conn.execute(
                "SELECT n.id FROM nodes n WHERE n.sources = '[\"text\"]'"
                " AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.node_id = n.id)"
                " AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.head = n.id OR e.tail = n.id)"
                " AND NOT EXISTS (SELECT 1 FROM seed_edges s WHERE s.head = n.id OR s.tail = n.id)"
            )
        ]
        for n in orphans:
            self.conn.execute("DELETE FROM hypotheses WHERE head = ? OR tail = ?", (n, n))
            self.conn.execute("DELETE FROM nodes WHERE id = ?", (n,))
        return len(orphans)
