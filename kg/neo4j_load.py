"""Load a graph snapshot into Neo4j: bulk import into an empty local database, else online batches.

Two ways, one graph (``tests/store/test_neo4j_bulk.py`` compares them property by property):

* **bulk** (:mod:`kg.store.neo4j_bulk`): when the database is empty and its server is one medkg runs
  locally (``medkg neo4j start --home DIR``, named by ``neo4j.home`` or found at the default home on
  the URI's port), the load stops the server, runs ``neo4j-admin database import full`` from the Maven
  jars the launcher already has, restarts it, then creates the constraints and records the ``LoadRun``
  (no empty list to set: neither load stores one, :func:`kg.store.neo4j_cypher.neo4j_props`). The import
  writes store files directly: no index look-up, lock or transaction log per row.
* **online** (:meth:`kg.store.neo4j.Neo4jStore.load`): idempotent ``UNWIND … MERGE`` batches, for a
  database that already holds a graph (incremental loads, retraction and hypothesis pruning), a
  remote server, or ``neo4j.bulk_import=false``.

Crash safety: before it stops the server, a bulk load writes ``HOME/bulk-import.pending``; it is
removed only once the ``LoadRun`` is complete. A load that finds it re-imports from scratch (the
database was empty when the marker was written, so nothing but this import is lost), whatever state
the killed import left the store files in.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import kg
from kg import neo4j_server
from kg.config import Neo4jConfig
from kg.graph_rows import check_snapshot
from kg.hashing import json_digest
from kg.logs import Operational, get_logger
from kg.neo4j_launcher import run_admin
from kg.schema import GraphSchema
from kg.store.neo4j import Neo4jStore, Neo4jStoreError, plan_load
from kg.store.neo4j_bulk import BulkImportUnsupported, bulk_tables, finish_bulk, import_args, write_bulk_csv
from kg.store.neo4j_delta import CYPHER_LAST_SOURCE, group_digests
from kg.store.neo4j_plan import LoadScope
from kg.types import GraphSnapshot

log = get_logger(__name__)

PENDING = "bulk-import.pending"
"""Marker file in the server home while a bulk import is under way (holds the load's run id)."""
IMPORT_DIR = "bulk-import"
"""Folder in the server home that holds the CSV files of a bulk import while it runs."""
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _context(schema: GraphSchema) -> str:
    """What else a load's rows depend on: the schema and the medkg version (a new medkg may write them otherwise)."""
    return json_digest(schema.model_dump(), kg.__version__)


def load_source(state: Mapping[str, str], schema: GraphSchema) -> str:
    """What a load of a store's graph loads: its :meth:`~kg.store.sqlite.SqliteStore.graph_state`, the schema
    and the medkg version."""
    return json_digest(sorted(state.items()), _context(schema))


def load_scope(state: Mapping[str, str], recorded: object, schema: GraphSchema) -> LoadScope | None:
    """What changed between the store ``state`` and the one a complete load ``recorded`` (its ``LoadRun``'s
    JSON ``state``): the edge and hypothesis types to read again; None (read everything) when the epoch
    moved, the schema or medkg differ, or nothing usable was recorded. Every node and evidence row is read
    anyway (few, and what the edges and hypotheses are checked against); a renamed node makes every
    hypothesis type read again (their explanation paths carry node names)."""
    try:
        rec = json.loads(recorded) if isinstance(recorded, str) else None
    except json.JSONDecodeError:
        return None
    if not isinstance(rec, dict) or rec.get("context") != _context(schema) or not isinstance(rec.get("groups"), dict):
        return None
    before = rec["groups"]
    dirty = {k for k in set(state) | set(before) if state.get(k) != before.get(k)}
    if "*:*" in dirty:
        return None

    def of(kind: str) -> frozenset[str]:
        return frozenset(k.partition(":")[2] for k in dirty if k.partition(":")[0] == kind)

    return LoadScope(edge_types=of("edges"), hypothesis_types=None if of("names") else of("hypotheses"))


def load_store(
    read: Callable[[LoadScope | None], GraphSnapshot],
    state: Mapping[str, str],
    schema: GraphSchema,
    cfg: Neo4jConfig,
    run_id: str,
) -> dict[str, Any]:
    """Load a store's graph (``read(scope)`` gives its snapshot, or the part ``scope`` names) at ``state``.

    Nothing is read or written when the last complete load recorded the same state (``"method":
    "unchanged"``); an online load reads only the groups that changed since it (:func:`load_scope`);
    ``neo4j.full_load``, a bulk import or a load with no usable record read everything. Returns what
    :func:`load_graph` returns."""
    source = load_source(state, schema)
    recorded = json.dumps({"context": _context(schema), "groups": dict(sorted(state.items()))})
    with Neo4jStore.from_config(cfg) as neo:
        rows = [] if cfg.full_load else neo.execute_read(CYPHER_LAST_SOURCE, quiet_unrecognized=True)
        last = rows[0] if len(rows) == 1 else None
        if last is not None and last["source"] == source:
            log.info("Neo4j already holds this graph (its last complete load was of the same store state)")
            skipped = json.loads(last["skipped"]) if isinstance(last["skipped"], str) else {}
            return {"counts": neo.counts(schema), "skipped": skipped, "method": "unchanged", "rows_written": 0}
        if bulk_home(cfg, neo) is None:
            scope = None if last is None else load_scope(state, last["state"], schema)
            if scope is not None:
                log.info(
                    "Neo4j: reading what changed: edges %s, hypotheses %s",
                    sorted(scope.edge_types or ()),
                    "all" if scope.hypothesis_types is None else sorted(scope.hypothesis_types),
                )
            neo.ensure_constraints(schema)
            out = neo.load(read(scope), schema, run_id, full=cfg.full_load, source=source, state=recorded, scope=scope)
            return {**out, "method": "online"}
    return load_graph(read(None), schema, cfg, run_id, source, recorded)


def load_graph(
    snapshot: GraphSnapshot,
    schema: GraphSchema,
    cfg: Neo4jConfig,
    run_id: str,
    source: str | None = None,
    state: str | None = None,
) -> dict[str, Any]:
    """Load ``snapshot`` into the Neo4j server of ``cfg``, by bulk import when :func:`bulk_home` allows;
    ``source`` (:func:`load_source`) and ``state`` (the store state as JSON) are recorded on the complete
    load's ``LoadRun``.

    Returns:
        :meth:`~kg.store.neo4j.Neo4jStore.load`'s result plus ``"method"``: ``"bulk-import"`` or ``"online"``.

    Raises:
        Neo4jStoreError: A write did not do what it must (online), or the import's counts differ from
            the plan's (bulk).
        RuntimeError: The admin tool or the restart failed (bulk; the marker stays, so the next load
            re-imports).
    """
    with Neo4jStore.from_config(cfg) as neo:
        home = bulk_home(cfg, neo)
        if home is None:
            neo.ensure_constraints(schema)
            out = neo.load(snapshot, schema, run_id, full=cfg.full_load, source=source, state=state)
            return {**out, "method": "online"}
    try:
        return bulk_load(home, snapshot, schema, cfg, run_id, source, state)
    except BulkImportUnsupported as exc:  # raised before the server is touched
        log.warning("bulk import not possible (%s); loading online", exc)
        with Neo4jStore.from_config(cfg) as neo:
            neo.ensure_constraints(schema)
            out = neo.load(snapshot, schema, run_id, full=cfg.full_load, source=source, state=state)
            return {**out, "method": "online"}


def bulk_home(cfg: Neo4jConfig, neo: Neo4jStore) -> Path | None:
    """The home of the local server to bulk-import into, or ``None`` for an online load.

    Bulk when ``neo4j.bulk_import`` is on, the database is the default one, and either the home holds
    an unfinished bulk import, or its server runs ready on the URI's local port and holds no node.
    """
    if not cfg.bulk_import or (cfg.database or "neo4j") != "neo4j":
        return None
    home = Path(cfg.home).expanduser().resolve() if cfg.home else neo4j_server.default_home()
    if (home / PENDING).is_file():
        log.warning("a bulk import into %s did not finish (%s): importing again", home, home / PENDING)
        return home
    uri = urlparse(cfg.uri or "")
    state = neo4j_server.status(home)
    if not state["ready"] or state["port"] != uri.port or uri.hostname not in _LOCAL_HOSTS:
        if cfg.home:
            log.info("no ready server of %s at %s: loading online", home, Operational(cfg.uri))
        return None
    if neo.execute_read("MATCH (n) RETURN elementId(n) AS n LIMIT 1"):
        log.info("Neo4j at %s already holds a graph: loading online (MERGE)", Operational(cfg.uri))
        return None
    return home


def bulk_load(
    home: Path,
    snapshot: GraphSnapshot,
    schema: GraphSchema,
    cfg: Neo4jConfig,
    run_id: str,
    source: str | None = None,
    state: str | None = None,
) -> dict[str, Any]:
    """Bulk-import ``snapshot`` into the (empty) database of the local server in ``home``; see the module doc.

    Raises:
        BulkImportUnsupported: The snapshot holds a value the CSV cannot carry (nothing touched yet).
    """
    started = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.monotonic()
    checked = check_snapshot(snapshot, schema, what=f"Neo4j bulk import {run_id}")
    plan = plan_load(checked.snapshot, schema)
    bulk = bulk_tables(plan, schema)
    csv_dir = home / IMPORT_DIR
    shutil.rmtree(csv_dir, ignore_errors=True)
    write_bulk_csv(bulk, csv_dir)
    t_csv = time.monotonic()
    (home / PENDING).write_text(run_id + "\n", encoding="utf-8")
    port = neo4j_server.status(home)["port"] or urlparse(cfg.uri or "").port
    if not isinstance(port, int):
        raise Neo4jStoreError(f"cannot tell the Bolt port of the server in {home} (neo4j.uri={cfg.uri!r})")
    neo4j_server.stop(home)
    run_admin(home, import_args(bulk, csv_dir), home / "logs" / "import.log")
    t_import = time.monotonic()
    neo4j_server.start(home, port=port, password=cfg.password)
    summary = plan.summary()
    run: dict[str, Any] = {"id": run_id, "started": started, "planned": summary, "skipped": checked.skipped_by_kind()}
    run["groups"] = group_digests(plan)  # the next online load writes only what changed since
    run["source"], run["state"] = source, state
    with Neo4jStore.from_config(cfg) as neo:
        run["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        counts = finish_bulk(neo, schema, bulk, run)
    _check_counts(summary, counts)
    (home / PENDING).unlink()
    shutil.rmtree(csv_dir, ignore_errors=True)
    t_end = time.monotonic()
    log.info(
        "bulk import %s: %d rows in %.1f s (%.0f rows/s): plan and CSV %.1f s, stop and import %.1f s, "
        "restart and finish %.1f s",
        run_id,
        bulk.rows,
        t_end - t0,
        bulk.rows / max(t_end - t0, 1e-9),
        t_csv - t0,
        t_import - t_csv,
        t_end - t_import,
    )
    return {
        "run_id": run_id,
        "written": summary,
        "pruned": {},
        "counts": counts,
        "skipped": run["skipped"],
        "method": "bulk-import",
    }


def _check_counts(summary: dict[str, Any], counts: dict[str, dict[str, int]]) -> None:
    """The server holds exactly the plan's nodes per label and relationships per type."""
    want_edges = dict(summary["edges"])
    for rel, n in summary["hypotheses"].items():
        want_edges[rel] = want_edges.get(rel, 0) + n
    got_nodes = {k: v for k, v in counts["nodes"].items() if v}
    got_edges = {k: v for k, v in counts["edges"].items() if v}
    want_nodes = {k: v for k, v in summary["nodes"].items() if v}
    if got_nodes != want_nodes or got_edges != {k: v for k, v in want_edges.items() if v}:
        raise Neo4jStoreError(f"bulk import holds {counts}, the plan {summary}")
