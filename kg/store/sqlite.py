"""The embedded default store: one SQLite file, no server.

Why SQLite: it ships with Python, is a single file, and gives ACID transactions, so every build
run is all-or-nothing (a failed run leaves the previous graph intact) and incremental re-runs can
skip documents whose content hash and pipeline key are unchanged. It holds nodes, curated seed
edges, mention-level evidence (scrubbed sentences, offsets, extractor versions, assertion status),
the aggregated edges, link-prediction hypotheses, runs and quarantined inputs.

The ``meta`` table records the store version. Opening a store of an older version migrates it in
one transaction (:data:`kg.store.sqlite_tables.MIGRATIONS`); a newer or unknown version is refused. Version 2 added the
DDI ``subtype`` of evidence and the ``subtype`` / ``subtypes`` of edges (NULL / ``[]`` on rows
from version 1: documents are re-extracted by the next build, whose pipeline key changed with the
extractor version). Version 3 added the hypotheses' ``note`` (``no supporting path`` on a stored
hypothesis without paths, empty otherwise) and each stored path's optional ``metapath`` / ``against``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from kg.assemble import EvidenceRow, aggregate_edge, signature_violation
from kg.files import private_dir, private_files, touch_private
from kg.hashing import json_digest
from kg.logs import get_logger
from kg.schema import GraphSchema
from kg.store.sqlite_linkpred import InputDiff, SqliteLinkpredState
from kg.store.sqlite_reads import SqliteReads
from kg.store.sqlite_runs import SqliteRuns, now
from kg.store.sqlite_tables import (
    DDL,
    EVIDENCE_COLUMNS,
    INSERT_DOCUMENT,
    INSERT_EDGE,
    INSERT_EVIDENCE,
    INSERT_HYPOTHESIS,
    INSERT_MENTION,
    INSERT_QUARANTINE,
    MIGRATIONS,
    NAMES_GROUP,
    NEW_EPOCH,
    REVISION_DDL,
    REVISION_TRIGGERS,
    STAMP_GROUP,
    edge_row,
    evidence_from_row,
    evidence_row,
    hypothesis_row,
    mention_row,
)
from kg.types import Edge, Evidence, Hypothesis, Mention, Node, QuarantineRecord

log = get_logger(__name__)

STORE_VERSION = "3"
DB_NAME = "graph.sqlite"


class StoreError(RuntimeError):
    """The store cannot be opened or is of an incompatible version."""


class DocumentWrite:
    """Everything one processed document contributes: its mentions and evidence."""

    def __init__(
        self, doc_id: str, content_hash: str, mentions: Sequence[tuple[Mention, str]], evidence: Sequence[Evidence]
    ) -> None:
        self.doc_id = doc_id
        self.content_hash = content_hash
        self.mentions = mentions  # (mention, node id)
        self.evidence = evidence


class SqliteStore(SqliteReads, SqliteRuns, SqliteLinkpredState):
    """The embedded graph store in ``directory/graph.sqlite``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        private_dir(self.directory)
        self.path = touch_private(self.directory / DB_NAME)
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        # SQLite gives its -wal and -shm files the database file's mode; tighten any left by older runs.
        private_files(self.directory / f"{DB_NAME}{suffix}" for suffix in ("-wal", "-shm"))
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.executescript(DDL)
        for stmt in REVISION_DDL:
            self.conn.execute(stmt)
        version = self.get_meta("store_version")
        if version is None:
            self.set_meta("store_version", STORE_VERSION)
        else:
            self._migrate(version)

    def _migrate(self, version: str) -> None:
        """Bring a store of an older version to :data:`STORE_VERSION`, all steps in one transaction."""
        if version == STORE_VERSION:
            return
        if version not in MIGRATIONS:
            raise StoreError(f"{self.path}: store version {version}, this medkg reads {STORE_VERSION}")
        with self.transaction():
            while version != STORE_VERSION:
                if version not in MIGRATIONS:
                    raise StoreError(f"{self.path}: no migration from store version {version} to {STORE_VERSION}")
                target, statements = MIGRATIONS[version]
                for stmt in statements:
                    self.conn.execute(stmt)
                log.info("%s: migrated store version %s -> %s", self.path, version, target)
                version = target
            self.set_meta("store_version", version)

    def close(self) -> None:
        """Close the database connection."""
        self.conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing transaction: everything inside commits together or not at all."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # -- meta ---------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A value from the meta table."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def graph_state(self) -> dict[str, str]:
        """``{"table:group": token}`` of every group of the graph's rows (a node label; an edge, evidence or
        hypothesis type) and ``"*:*"``, the epoch: a token moves with every write to its group, by triggers
        (:data:`~kg.store.sqlite_tables.REVISION_DDL`). Equal tokens, equal rows."""
        return {f"{t}:{g}": tok for t, g, tok in self.conn.execute("SELECT tbl, grp, token FROM graph_groups")}

    def graph_revision(self) -> str:
        """One token for the whole :meth:`graph_state`: equal revisions, equal graph."""
        return json_digest(sorted(self.graph_state().items()))

    def new_epoch(self) -> None:
        """Every group new, after a write no trigger saw (a page copy by the backup API); the triggers of an
        image older than them are created here too."""
        for stmt in (*REVISION_DDL, NEW_EPOCH):
            self.conn.execute(stmt)

    @contextmanager
    def untriggered(self) -> Iterator[None]:
        """Inside an open transaction: the group triggers dropped for a bulk write (a million seed rows would
        cost a trigger call each, about 4 s), then created again with a new epoch (every group new), all in
        the same transaction (a rollback brings the triggers back)."""
        if not self.conn.in_transaction:
            raise StoreError("untriggered() needs an open transaction")
        for name in REVISION_TRIGGERS:
            self.conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        yield
        self.new_epoch()

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value (inside or outside a transaction)."""
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- writes -------------------------------------------------------------------------------
    def _upsert_nodes(self, nodes: Iterable[Node]) -> None:
        existing_rows = {}
        nodes = list(nodes)
        ids = [n.id for n in nodes]
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            q = f"SELECT id, label, name, xrefs, sources, unlinked FROM nodes WHERE id IN ({','.join('?' * len(chunk))})"
            for row in self.conn.execute(q, chunk):
                existing_rows[row[0]] = row
        rows, relabelled, renamed = [], False, False
        for n in nodes:
            old = existing_rows.get(n.id)
            if old is None:
                rows.append(
                    (
                        n.id,
                        n.label,
                        n.name,
                        json.dumps(sorted(set(n.xrefs))),
                        json.dumps(sorted(set(n.sources))),
                        int(n.unlinked),
                    )
                )
                existing_rows[n.id] = rows[-1]
                continue
            # A curated node keeps its label and name; sources and xrefs are merged.
            curated_old = any(s != "text" for s in json.loads(old[4]))
            label, name = (old[1], old[2]) if curated_old or "text" in n.sources else (n.label, n.name)
            xrefs = sorted(set(json.loads(old[3])) | set(n.xrefs))
            sources = sorted(set(json.loads(old[4])) | set(n.sources))
            row = (n.id, label, name, json.dumps(xrefs), json.dumps(sources), int(bool(old[5]) and n.unlinked))
            if row != tuple(old):  # an unchanged node is not written: its label's group keeps its token
                rows.append(row)
                existing_rows[n.id] = row
                relabelled, renamed = relabelled or label != old[1], renamed or name != old[2]
        self.conn.executemany(
            "INSERT OR REPLACE INTO nodes(id, label, name, xrefs, sources, unlinked) VALUES (?,?,?,?,?,?)", rows
        )
        # a replaced row fires no update trigger: what nodes_relabel_revision / nodes_rename_revision would do
        if relabelled:
            self.conn.execute(NEW_EPOCH)
        if renamed:
            self.conn.execute(STAMP_GROUP, NAMES_GROUP)

    def load_seed(
        self,
        source: str,
        nodes: Sequence[Node],
        edges: Sequence[Edge],
        fingerprint: str,
        schema: GraphSchema | None = None,
        run_id: str = "seed",
    ) -> bool:
        """Replace the curated edges of ``source`` (one transaction); skipped when unchanged.

        A seed node takes over the label of a text-mined node with the same id; with ``schema``
        given, text-mined evidence that this relabelling leaves with a forbidden signature is moved
        to the quarantine in the same transaction (see :meth:`enforce_signatures`).

        Returns:
            True if the seed was (re)loaded, False if the same fingerprint was already loaded.
        """
        key = f"seed:{source}"
        if self.get_meta(key) == fingerprint:
            log.info("seed %s unchanged (%s), skipped", source, fingerprint[:12])
            return False
        with self.transaction(), self.untriggered():
            self._upsert_nodes(nodes)
            self.conn.execute("DELETE FROM seed_edges WHERE source = ?", (source,))
            self.conn.executemany(
                "INSERT OR IGNORE INTO seed_edges(head, type, tail, source) VALUES (?,?,?,?)",
                ((e.head, e.type, e.tail, source) for e in edges),
            )
            if schema is not None:
                _, refused_keys = self._enforce_signatures(schema, run_id)
                # their aggregated edges go; the rebuild re-adds a seed edge on the same key
                self.conn.executemany(
                    "DELETE FROM edges WHERE head = ? AND type = ? AND tail = ?", sorted(refused_keys)
                )
            self._rebuild_seed_edges()
            self.set_meta(key, fingerprint)
        log.info("seed %s loaded: %d nodes, %d edges", source, len(nodes), len(edges))
        return True

    def document_state(self) -> dict[str, tuple[str, str]]:
        """doc id -> (content hash, pipeline key) of every processed document."""
        return {
            r[0]: (r[1], r[2]) for r in self.conn.execute("SELECT doc_id, content_hash, pipeline_key FROM documents")
        }

    def apply_build(
        self,
        run_id: str,
        pipeline_key: str,
        writes: Sequence[DocumentWrite],
        nodes: Sequence[Node],
        quarantine: Sequence[QuarantineRecord],
        details: dict[str, object],
        schema: GraphSchema | None = None,
        complete: bool = True,
    ) -> list[QuarantineRecord]:
        """Write one build run, or one checkpoint of it, in one transaction: replaced documents'
        mentions and evidence, nodes, re-aggregated edges, quarantine records and the run record
        (its details; its status ``complete`` unless ``complete`` is False: the caller finishes it).

        With ``schema`` given, the store refuses evidence whose ends' stored labels form a signature
        the schema forbids: such rows are quarantined instead (the assembly step normally catches
        them first; this is the store's own guarantee).

        Returns:
            The evidence rows the store itself quarantined (already counted in the run record).
        """
        started = now()
        refused: list[QuarantineRecord] = []
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO runs(run_id, kind, started, status, details) VALUES (?, 'build', ?, 'running', '{}')",
                (run_id, started),
            )
            self._upsert_nodes(nodes)
            touched: set[tuple[str, str, str]] = set()
            for w in writes:
                touched |= self._replace_document(w, run_id, pipeline_key, started)
            if schema is not None:
                refused, refused_keys = self._enforce_signatures(schema, run_id)
                touched |= refused_keys
            self._recompute_edges(touched)
            self.conn.executemany(INSERT_QUARANTINE, [(run_id, q.source, q.location, q.reason) for q in quarantine])
            if refused:
                details = {**details, "refused_by_store": len(refused)}
            if details:
                self.conn.execute(
                    "UPDATE runs SET details = ? WHERE run_id = ?", (json.dumps(details, sort_keys=True), run_id)
                )
            if complete:
                self.conn.execute("UPDATE runs SET status = 'complete', finished = ? WHERE run_id = ?", (now(), run_id))
        return refused

    def _replace_document(
        self, w: DocumentWrite, run_id: str, pipeline_key: str, started: str
    ) -> set[tuple[str, str, str]]:
        """Replace one document's mentions, evidence and record (inside the caller's transaction).

        Evidence seen before keeps its first-seen time; new evidence is seen at ``started``.

        Returns:
            The (head, type, tail) keys whose evidence changed: the document's old and new ones.
        """
        touched = set(self.conn.execute("SELECT head, type, tail FROM evidence WHERE doc_id = ?", (w.doc_id,)))
        old_seen = {
            (r[0], r[1], r[2], r[3], r[4], r[5]): r[6]
            for r in self.conn.execute(
                "SELECT head_start, head_end, tail_start, tail_end, type, extractor, seen_at FROM evidence WHERE doc_id = ?",
                (w.doc_id,),
            )
        }
        self.conn.execute("DELETE FROM evidence WHERE doc_id = ?", (w.doc_id,))
        self.conn.execute("DELETE FROM mentions WHERE doc_id = ?", (w.doc_id,))
        self.conn.executemany(INSERT_MENTION, [mention_row(m, nid) for m, nid in w.mentions])
        rows = []
        for e in w.evidence:
            seen = old_seen.get((e.head_start, e.head_end, e.tail_start, e.tail_end, e.type, e.extractor), started)
            rows.append(evidence_row(e, run_id, seen))
            touched.add((e.head, e.type, e.tail))
        self.conn.executemany(INSERT_EVIDENCE, rows)
        self.conn.execute(
            INSERT_DOCUMENT,
            (w.doc_id, w.content_hash, pipeline_key, len(w.mentions), len(w.evidence), run_id, started),
        )
        return touched

    def _enforce_signatures(
        self, schema: GraphSchema, run_id: str
    ) -> tuple[list[QuarantineRecord], set[tuple[str, str, str]]]:
        """Move evidence whose (stored head label, type, stored tail label) the schema forbids to the quarantine.

        Runs inside the caller's transaction; the caller re-aggregates the returned keys' edges.
        Each refused evidence row becomes one quarantine record (document, sentence, ids and
        labels; no text) of ``run_id``.

        Returns:
            (the quarantine records written, the (head, type, tail) keys whose evidence was removed).
        """
        bad: dict[tuple[str, str, str], str] = {}
        keys = self.conn.execute(
            "SELECT DISTINCT e.head, e.type, e.tail, hn.label, tn.label FROM evidence e"
            " LEFT JOIN nodes hn ON hn.id = e.head LEFT JOIN nodes tn ON tn.id = e.tail"
        ).fetchall()
        for head, rel, tail, head_label, tail_label in keys:
            labels = {n: lab for n, lab in ((head, head_label), (tail, tail_label)) if lab is not None}
            reason = signature_violation(head, rel, tail, labels, schema)
            if reason is not None:
                bad[(head, rel, tail)] = reason
        refused: list[QuarantineRecord] = []
        for (head, rel, tail), reason in sorted(bad.items()):
            rows = self.conn.execute(
                "SELECT doc_id, sentence_index FROM evidence WHERE head = ? AND type = ? AND tail = ?"
                " ORDER BY doc_id, sentence_index",
                (head, rel, tail),
            ).fetchall()
            refused += [
                QuarantineRecord(source=doc, location=f"sentence {idx}", reason=f"relation {reason}")
                for doc, idx in rows
            ]
            self.conn.execute("DELETE FROM evidence WHERE head = ? AND type = ? AND tail = ?", (head, rel, tail))
        if refused:
            self.conn.executemany(INSERT_QUARANTINE, [(run_id, q.source, q.location, q.reason) for q in refused])
            log.warning(
                "store refused %d evidence rows of %d triples with a signature the schema forbids (quarantined)",
                len(refused),
                len(bad),
            )
        return refused, set(bad)

    def _rebuild_seed_edges(self) -> None:
        """Set-based rebuild of every edge from the seed table, then re-aggregate text-mined keys."""
        self.conn.execute("DELETE FROM edges WHERE evidence_count = 0")
        self.conn.execute(
            "INSERT INTO edges(head, type, tail, sources, evidence_count, doc_count, confidence, best_confidence,"
            " extractors, model_versions, non_asserted_count, first_seen, last_seen)"
            " SELECT head, type, tail, json_group_array(source), 0, 0, 1.0, 1.0, '[]', '[]', 0, NULL, NULL"
            " FROM (SELECT s.head, s.type, s.tail, s.source FROM seed_edges s WHERE NOT EXISTS ("
            "   SELECT 1 FROM evidence e WHERE e.head = s.head AND e.type = s.type AND e.tail = s.tail)"
            "   ORDER BY s.head, s.type, s.tail, s.source)"
            " GROUP BY head, type, tail"
        )
        self._recompute_edges(list(self.conn.execute("SELECT DISTINCT head, type, tail FROM evidence")))

    def _recompute_edges(self, keys: Iterable[tuple[str, str, str]]) -> None:
        for head, rel, tail in keys:
            seeds = [
                r[0]
                for r in self.conn.execute(
                    "SELECT source FROM seed_edges WHERE head = ? AND type = ? AND tail = ?", (head, rel, tail)
                )
            ]
            ev = [
                EvidenceRow(evidence_from_row(r), r[16])
                for r in self.conn.execute(
                    f"SELECT {EVIDENCE_COLUMNS}, seen_at FROM evidence WHERE head = ? AND type = ? AND tail = ?",
                    (head, rel, tail),
                )
            ]
            edge = aggregate_edge(head, rel, tail, ev, seeds)
            if edge is None:
                self.conn.execute("DELETE FROM edges WHERE head = ? AND type = ? AND tail = ?", (head, rel, tail))
            else:
                self.conn.execute(INSERT_EDGE, edge_row(edge))

    def write_hypotheses(
        self,
        hypotheses: Sequence[Hypothesis],
        types: Iterable[str],
        run_id: str,
        details: dict | None = None,
        meta: Mapping[str, str] | None = None,
        snapshot: bool = False,
    ) -> None:
        """Replace all hypotheses of ``types`` with ``hypotheses`` in one transaction.

        Hypotheses live in their own table: they can never overwrite an asserted edge. The
        link-prediction step is recorded as its own run, ``<run_id>/linkpred``, beside the build's,
        with ``details`` (e.g. the served model and the nodes it never saw) beside the counts. ``meta``
        values are set, and with ``snapshot`` (a served refresh) the snapshot of the graph the model read is
        replaced (:meth:`replace_linkpred_snapshot`), in the same transaction.
        """
        types = list(types)
        with self.transaction():
            gone, rows = self._changed_hypotheses(hypotheses, types)
            self.conn.executemany("DELETE FROM hypotheses WHERE head = ? AND type = ? AND tail = ?", gone)
            self.conn.executemany(INSERT_HYPOTHESIS, rows)
            counts = {"hypotheses": len(hypotheses), "types": types, "written": len(rows), "deleted": len(gone)}
            self._linkpred_run(run_id, {**(details or {}), **counts})
            if snapshot:
                self.replace_linkpred_snapshot()
            for key, value in (meta or {}).items():
                self.set_meta(key, value)

    def update_hypotheses(
        self,
        diff: InputDiff,
        removed: Iterable[tuple[str, str, str]],
        added: Sequence[Hypothesis],
        run_id: str,
        details: dict,
        meta: Mapping[str, str],
    ) -> None:
        """A partial refresh in one transaction: delete the hypotheses ``removed`` (head, type, tail keys),
        insert ``added``, bring the snapshot of the model's input up to date with ``diff``, set ``meta``."""
        removed = list(removed)
        with self.transaction():
            self.conn.executemany("DELETE FROM hypotheses WHERE head = ? AND type = ? AND tail = ?", removed)
            self.conn.executemany(INSERT_HYPOTHESIS, [hypothesis_row(h) for h in added])
            self._linkpred_run(run_id, {**details, "hypotheses_removed": len(removed), "hypotheses_added": len(added)})
            self.apply_linkpred_diff(diff)
            for key, value in meta.items():
                self.set_meta(key, value)

    def _linkpred_run(self, run_id: str, details: dict) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO runs(run_id, kind, started, finished, status, details)"
            " VALUES (?, 'linkpred', ?, ?, 'complete', ?)",
            (f"{run_id}/linkpred", now(), now(), json.dumps(details, default=str)),
        )
