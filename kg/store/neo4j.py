"""Load a :class:`~kg.types.GraphSnapshot` into Neo4j 5 and count what is there.

Pure core: :func:`~kg.store.neo4j_plan.plan_load` turns a snapshot into per-label / per-type row groups,
:mod:`kg.store.neo4j_delta` finds the groups the last complete load already wrote, and the
``cypher_*`` functions of :mod:`kg.store.neo4j_cypher` build statements whose labels and relationship
types are validated against the schema (everything else is a ``$parameter``). Thin shell: :class:`Neo4jStore` runs them with the
official driver, batch by batch, each batch in its own managed write transaction.

Load order is nodes, asserted edges, evidence, hypotheses, then pruning of stale hypotheses. Edges
are written with ``MATCH`` on existing endpoints, so an interrupted load can never leave a dangling
relationship; a failed load leaves everything loaded before it in place (writes are ``MERGE`` +
``SET r = row.props``: re-loading the same snapshot is a no-op in content).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from kg.config import Neo4jConfig
from kg.graph_rows import check_snapshot
from kg.logs import Operational, get_logger
from kg.schema import GraphSchema
from kg.store.neo4j_cypher import (
    LOAD_RUN_FIELDS,
    LOAD_RUN_LABEL,
    cypher_constraints,
    cypher_delete_evidence,
    cypher_delete_predicted,
    cypher_delete_text_edges,
    cypher_delete_text_nodes,
    cypher_evidence_ids,
    cypher_merge_edges,
    cypher_merge_evidence,
    cypher_merge_nodes,
    cypher_predicted_pairs,
    cypher_text_nodes,
    cypher_text_pairs,
    node_label,
    rel_type,
    safe_name,
)
from kg.store.neo4j_delta import (
    CYPHER_CLEAR_GROUPS,
    CYPHER_LAST_GROUPS,
    changed_groups,
    group_digests,
    kept_digests,
    parse_groups,
    rows_in,
)
from kg.store.neo4j_plan import LoadPlan, LoadScope, batches, plan_load
from kg.types import GraphSnapshot

log = get_logger(__name__)


class Neo4jStoreError(RuntimeError):
    """The store is misconfigured, or a write did not do what it must."""


class SimulatedCrash(RuntimeError):
    """Raised by the ``fail_after_batches`` test hook to simulate a crash mid-load."""


# --------------------------------------------------------------------------------------------------
# Pure core: load plans (the Cypher text is built in kg.store.neo4j_cypher)
# --------------------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------------------------------
# Thin shell: the driver
# --------------------------------------------------------------------------------------------------


class _BatchWriter:
    """Writes the row groups of one load batch by batch, checks each batch's count and logs progress.

    Args:
        store: The store whose :meth:`Neo4jStore.execute_write` runs each batch.
        run_id: The load's id (for logs and the crash hook's message).
        total_batches: Estimated batches of the whole load (progress is logged about every 5 %).
        fail_after_batches: Test hook: raise :class:`SimulatedCrash` after this many batches committed.
    """

    def __init__(self, store: Neo4jStore, run_id: str, total_batches: int, fail_after_batches: int | None) -> None:
        self.store = store
        self.run_id = run_id
        self.total_batches = total_batches
        self.report_every = max(1, total_batches // 20)
        self.fail_after_batches = fail_after_batches
        self.done = 0

    def __call__(self, query: str, rows: list[dict[str, Any]], what: str) -> None:
        """Write ``rows`` with ``query`` (which returns ``written``), ``store.batch_size`` rows per transaction.

        Raises:
            Neo4jStoreError: A batch wrote fewer rows than it holds (an endpoint is missing).
        """
        for batch in batches(rows, self.store.batch_size):
            got = self.store.execute_write(query, {"rows": batch})
            written = got[0]["written"] if got else 0
            if written != len(batch):
                raise Neo4jStoreError(f"{what}: wrote {written} of {len(batch)} rows (missing endpoint?)")
            self.done += 1
            if self.done % self.report_every == 0:
                log.info(
                    "load %s: %d/~%d batches written (%s)",
                    Operational(self.run_id),
                    self.done,
                    self.total_batches,
                    what,
                )
            if self.fail_after_batches is not None and self.done >= self.fail_after_batches:
                raise SimulatedCrash(f"simulated crash after {self.done} batches (load {self.run_id})")


class Neo4jStore:
    """A Neo4j 5 database holding one medkg graph.

    Use as a context manager (``with Neo4jStore(...) as store:``) or call :meth:`close`.

    Args:
        uri: Bolt URI, e.g. ``bolt://localhost:7687``.
        user: User name.
        password: Password (never logged).
        database: Database name; ``None`` uses the server default.
        batch_size: Rows per write transaction.

    Raises:
        Neo4jStoreError: ``uri`` or ``password`` is missing, or ``batch_size`` is not positive.
    """

    def __init__(
        self,
        uri: str | None,
        user: str = "neo4j",
        password: str | None = None,
        database: str | None = None,
        batch_size: int = 5000,
    ) -> None:
        if not uri:
            raise Neo4jStoreError("Neo4j URI is not set: set NEO4J_URI (or neo4j.uri in the config)")
        if not password:
            raise Neo4jStoreError("Neo4j password is not set: set NEO4J_PASSWORD in the environment")
        if batch_size < 1:
            raise Neo4jStoreError(f"batch_size must be >= 1, got {batch_size}")
        import neo4j

        self.uri = uri
        self.user = user
        self.database = database or None
        self.batch_size = batch_size
        self._driver = neo4j.GraphDatabase.driver(uri, auth=(user, password))
        log.info("connected to Neo4j at %s as %s (database %s)", Operational(uri), user, self.database or "default")

    @classmethod
    def from_config(cls, cfg: Neo4jConfig) -> Neo4jStore:
        """Build a store from a resolved :class:`~kg.config.Neo4jConfig`."""
        return cls(cfg.uri, cfg.user, cfg.password, cfg.database, cfg.batch_size)

    def __repr__(self) -> str:
        return f"Neo4jStore(uri={self.uri!r}, user={self.user!r}, database={self.database!r})"

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the driver."""
        self._driver.close()

    @property
    def driver(self) -> Any:
        """The underlying ``neo4j.Driver``."""
        return self._driver

    def _session(self, quiet_unrecognized: bool = False) -> Any:
        options: dict[str, Any] = {"database": self.database} if self.database else {}
        if quiet_unrecognized:
            options["notifications_disabled_classifications"] = ["UNRECOGNIZED"]
        return self._driver.session(**options)

    # ---- generic helpers ------------------------------------------------------------------------

    def execute_read(
        self, query: str, params: Mapping[str, Any] | None = None, quiet_unrecognized: bool = False
    ) -> list[dict[str, Any]]:
        """Run a read query in a managed transaction and return its records as dicts.

        ``quiet_unrecognized``: the server's notifications about labels or property keys the database does
        not hold yet are not asked for (medkg's look-ups of its own bookkeeping, which an empty database
        lacks; the driver would log each as a warning).
        """

        def work(tx: Any) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(query, dict(params or {}))]

        with self._session(quiet_unrecognized) as session:
            return session.execute_read(work)

    def execute_write(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a write query in a managed transaction and return its records as dicts."""

        def work(tx: Any) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(query, dict(params or {}))]

        with self._session() as session:
            return session.execute_write(work)

    def execute_auto_commit(self, query: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a query in an implicit (auto-commit) transaction, as ``CALL { … } IN TRANSACTIONS`` needs."""
        with self._session() as session:
            session.run(query, dict(params or {})).consume()

    # ---- schema ---------------------------------------------------------------------------------

    def ensure_constraints(self, schema: GraphSchema) -> list[str]:
        """Create the unique-id constraints for every schema label, Evidence and LoadRun (idempotent).

        Returns:
            The constraint statements run.
        """
        statements = cypher_constraints(schema)
        with self._session() as session:
            for stmt in statements:
                session.execute_write(lambda tx, s=stmt: tx.run(s).consume())
        log.info("ensured %d Neo4j constraints", len(statements))
        return statements

    # ---- load -----------------------------------------------------------------------------------

    def record_load_run(self, run_id: str, **fields: Any) -> None:
        """Create or update the ``(:LoadRun {id: run_id})`` record of a load (online or bulk).

        Args:
            run_id: The load's id.
            **fields: Properties to set, each one of :data:`LOAD_RUN_FIELDS`; a dict is stored as
                key-sorted JSON, ``None`` removes the property.

        Raises:
            ValueError: A field that is not one of :data:`LOAD_RUN_FIELDS`.
        """
        unknown = sorted(set(fields) - set(LOAD_RUN_FIELDS))
        if unknown:
            raise ValueError(f"unknown LoadRun fields {unknown}; known: {list(LOAD_RUN_FIELDS)}")
        props = {k: json.dumps(v, sort_keys=True) if isinstance(v, dict) else v for k, v in fields.items()}
        self.execute_write(
            f"MERGE (r:{safe_name(LOAD_RUN_LABEL)} {{id: $id}}) SET r += $props", {"id": run_id, "props": props}
        )

    def load(
        self,
        snapshot: GraphSnapshot,
        schema: GraphSchema,
        run_id: str,
        fail_after_batches: int | None = None,
        full: bool = False,
        source: str | None = None,
        state: str | None = None,
        scope: LoadScope | None = None,
    ) -> dict[str, Any]:
        """Load ``snapshot`` idempotently and record a ``(:LoadRun)`` node.

        Nodes, edges, evidence and hypotheses are MERGEd by identity and their properties replaced
        by the snapshot's, so loading the same snapshot twice changes nothing. Nothing absent from
        the snapshot is deleted, except predicted relationships: for each predicted type present in
        the snapshot, pairs no longer predicted are removed after the new ones are written. Asserted
        types are never touched by that step. Row groups the last complete load wrote unchanged are
        not written again (:mod:`kg.store.neo4j_delta`), unless ``full``.

        Args:
            snapshot: The graph to load.
            schema: The graph schema (labels and types in Cypher come only from it).
            run_id: Id of this load, stored on the ``LoadRun`` node.
            fail_after_batches: Test hook: raise :class:`SimulatedCrash` after this many data
                batches have committed (the LoadRun then stays ``running``, as after a crash).
            full: Write every row group, also those the last complete load wrote unchanged.
            source: What ``snapshot`` is (:func:`kg.neo4j_load.load_source`), recorded once the load is complete,
                with ``state``, the store's group tokens it was read at (JSON).
            scope: ``snapshot`` holds only these edge and hypothesis types (the others did not change since the
                last complete load): only they are written and pruned. None: the whole graph.

        Returns:
            ``{"run_id", "written": plan summary, "pruned": {type: n}, "counts": counts(),
            "skipped": {kind: n}, "rows_written": n, "rows_unchanged": n}``: rows that do not fit the schema are skipped, counted and logged
            (:func:`kg.export.check_snapshot`), never a reason to refuse the whole graph.

        Raises:
            Neo4jStoreError: A batch wrote fewer rows than it should have.
        """
        checked = check_snapshot(snapshot, schema, what=f"Neo4j load {run_id}")
        plan = plan_load(checked.snapshot, schema)
        summary = plan.summary()
        skipped = checked.skipped_by_kind()
        scope = scope or LoadScope()
        todo, digests = self._start(plan, schema, run_id, full, scope)
        written, unchanged = rows_in(todo), rows_in(plan) - rows_in(todo)
        log.info(
            "load %s started: %s (%d rows to write, %d unchanged)", Operational(run_id), summary, written, unchanged
        )
        write = _BatchWriter(self, run_id, todo.batch_estimate(self.batch_size), fail_after_batches)
        try:
            self._write_plan(todo, schema, write)
            pruned = self._prune_hypotheses(plan, schema, write)
            pruned |= self._prune_retracted(plan, schema, write, scope)
        except SimulatedCrash:
            raise
        except Exception as exc:
            self._mark_failed(run_id, exc)
            raise
        counts = self.counts(schema)
        self.record_load_run(
            run_id,
            status="complete",
            finished=_now(),
            counts=counts,
            pruned=pruned,
            skipped=skipped,
            groups=digests,
            source=source,
            state=state,
        )
        log.info(
            "load %s complete: %s (pruned hypotheses %s, skipped rows %s)", Operational(run_id), counts, pruned, skipped
        )
        out = {"run_id": run_id, "written": summary, "pruned": pruned, "counts": counts, "skipped": skipped}
        return out | {"rows_written": written, "rows_unchanged": unchanged}

    def _start(
        self, plan: LoadPlan, schema: GraphSchema, run_id: str, full: bool, scope: LoadScope
    ) -> tuple[LoadPlan, dict[str, str]]:
        """Take the last complete load's digests off the server and record this load as running.

        Returns:
            The rows to write (those of changed digest buckets; all with ``full``), and the digests to
            record once complete (this plan's, and the last load's for the groups ``scope`` did not read).
        """
        digests = group_digests(plan)
        previous = {} if full else parse_groups(self.execute_read(CYPHER_LAST_GROUPS, quiet_unrecognized=True))
        self.execute_write(CYPHER_CLEAR_GROUPS)
        self.record_load_run(
            run_id,
            status="running",
            method="online",
            started=_now(),
            finished=None,
            schema_version=schema.version,
            planned=plan.summary(),
        )
        return changed_groups(plan, digests, previous), kept_digests(previous, scope.reads) | digests

    @staticmethod
    def _write_plan(plan: LoadPlan, schema: GraphSchema, write: _BatchWriter) -> None:
        """Write the plan's groups in load order: nodes, edges, evidence, hypotheses."""
        for label, rows in plan.nodes.items():
            write(cypher_merge_nodes(schema, label), rows, f"{label} nodes")
        for (rel, hl, tl), rows in plan.edges.items():
            write(cypher_merge_edges(schema, rel, hl, tl), rows, f"({hl})-[{rel}]->({tl}) edges")
        for (hl, tl), rows in plan.evidence.items():
            write(cypher_merge_evidence(schema, hl, tl), rows, f"({hl})->({tl}) evidence")
        for (rel, hl, tl), rows in plan.hypotheses.items():
            write(cypher_merge_edges(schema, rel, hl, tl), rows, f"({hl})-[{rel}]->({tl}) hypotheses")

    def _prune_hypotheses(self, plan: LoadPlan, schema: GraphSchema, write: _BatchWriter) -> dict[str, int]:
        pruned: dict[str, int] = {}
        for rel in sorted({rel for rel, _, _ in plan.hypotheses}):
            keep = {(r["head"], r["tail"]) for (t, _, _), rows in plan.hypotheses.items() if t == rel for r in rows}
            pruned[rel] = 0
            for hl, tl in schema.relationships[rel].signatures:
                existing = self.execute_read(cypher_predicted_pairs(schema, rel, hl, tl))
                stale = sorted({(r["head"], r["tail"]) for r in existing} - keep)
                if stale:
                    rows = [{"head": h, "tail": t} for h, t in stale]
                    write(cypher_delete_predicted(schema, rel, hl, tl), rows, f"stale {rel}")
                    pruned[rel] += len(stale)
        return pruned

    def _prune_retracted(
        self, plan: LoadPlan, schema: GraphSchema, write: _BatchWriter, scope: LoadScope
    ) -> dict[str, int]:
        """Delete what text mining put in Neo4j and the snapshot no longer holds (retracted documents).

        Evidence nodes absent from the snapshot, text-mined relationships of the extracted types absent
        from it, then nodes only text mining made that it no longer has. Curated edges and nodes
        (``sources`` without ``text``, or with a curated source beside it) are never matched.
        """
        out: dict[str, int] = {}
        keep_ev = {r["id"] for rows in plan.evidence.values() for r in rows}
        stale_ev = sorted({r["id"] for r in self.execute_read(cypher_evidence_ids())} - keep_ev)
        if stale_ev:
            write(cypher_delete_evidence(), [{"id": i} for i in stale_ev], "retracted evidence")
        out["evidence"] = len(stale_ev)
        for rel in sorted(schema.extracted_relationships):
            if not scope.reads(f"edges:{rel}"):  # not read: unchanged since the last complete load
                continue
            for hl, tl in schema.relationships[rel].signatures:
                keep = {(r["head"], r["tail"]) for r in plan.edges.get((rel, hl, tl), [])}
                existing = {(r["head"], r["tail"]) for r in self.execute_read(cypher_text_pairs(schema, rel, hl, tl))}
                stale = sorted(existing - keep)
                if stale:
                    rows = [{"head": h, "tail": t} for h, t in stale]
                    write(cypher_delete_text_edges(schema, rel, hl, tl), rows, f"retracted {rel}")
                out[rel] = out.get(rel, 0) + len(stale)
        nodes = 0
        for label in schema.nodes:
            keep_ids = {r["id"] for r in plan.nodes.get(label, [])}
            stale_ids = sorted({r["id"] for r in self.execute_read(cypher_text_nodes(schema, label))} - keep_ids)
            if stale_ids:
                write(cypher_delete_text_nodes(schema, label), [{"id": i} for i in stale_ids], f"retracted {label}")
            nodes += len(stale_ids)
        out["nodes"] = nodes
        return {f"retracted_{k}": v for k, v in out.items() if v}

    def _mark_failed(self, run_id: str, exc: BaseException) -> None:
        try:
            self.record_load_run(run_id, status="failed", finished=_now(), error=type(exc).__name__)
        except Exception:  # the database may be what failed; the original error matters more
            log.warning("could not mark load %s as failed", run_id, exc_info=True)

    # ---- read -----------------------------------------------------------------------------------

    def counts(self, schema: GraphSchema) -> dict[str, dict[str, int]]:
        """Node counts per schema label and relationship counts per schema type (zeros included)."""
        nodes = {}
        for label in schema.nodes:
            rows = self.execute_read(f"MATCH (n:{node_label(schema, label)}) RETURN count(n) AS n")
            nodes[label] = rows[0]["n"]
        edges = {}
        for rel in schema.relationships:
            rows = self.execute_read(f"MATCH ()-[r:{rel_type(schema, rel)}]->() RETURN count(r) AS n")
            edges[rel] = rows[0]["n"]
        return {"nodes": nodes, "edges": edges}
