"""``medkg retract``: take documents back out of the graph (and out of Neo4j when it is configured)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import typer

from kg.cli.common import ConfigOpt, SetOpt, run_config, store_busy_exits
from kg.logs import get_logger

log = get_logger(__name__)


def retract(
    doc_ids: list[str] = typer.Argument(
        ..., help="Document ids as in your inputs, or their stored doc-... pseudonyms."
    ),
    store: Path | None = typer.Option(None, "--store", help="Embedded store folder (default: config store)."),
    as_json: bool = typer.Option(False, "--json", help="End with one JSON line of counts."),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """Remove documents and everything they contributed: their mentions and evidence, the edges and
    text-mined nodes left with no evidence; curated seed edges and other hypotheses stay. With
    NEO4J_URI set, Neo4j is synced the same way. Holds the store's lock (exit 4 when another run
    has it); the retraction is recorded as a run of kind ``retract``."""
    from kg.build import load_neo4j
    from kg.privacy.pseudonyms import pseudonymizer
    from kg.schema import load_schema
    from kg.store.lock import StoreLock
    from kg.store.sqlite import SqliteStore

    cfg = run_config(config, overrides)
    store_dir = store or Path(cfg.store)
    if not (store_dir / "graph.sqlite").is_file():
        raise typer.BadParameter(f"no medkg store at {store_dir}", param_hint="--store")
    names = pseudonymizer(store_dir, cfg.privacy.ids_are_safe, cfg.privacy.id_key)
    ids = [d if d.startswith("doc-") else names.doc_id(d) for d in doc_ids]
    run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    with store_busy_exits(), StoreLock(store_dir), SqliteStore(store_dir) as s:
        s.begin_run(run_id, "retract")
        try:
            result: dict[str, object] = dict(s.retract_documents(ids))
            if cfg.neo4j.uri:
                result["neo4j"] = load_neo4j(s, load_schema(cfg.schema_path), cfg, run_id)
        except BaseException as exc:
            s.finish_run(run_id, "failed", {"error": type(exc).__name__})
            raise
        s.finish_run(run_id, "complete", {k: v for k, v in result.items() if k != "neo4j"})
    summary = {"run_id": run_id, **{k: v for k, v in result.items() if k != "neo4j"}}
    if as_json:
        typer.echo(json.dumps(summary, sort_keys=True))
    else:
        typer.echo(
            f"retracted {summary['documents']} document(s) ({summary['not_found']} not in the store): "
            f"{summary['evidence']} evidence rows, {summary['edges_removed']} edges, {summary['nodes_removed']} nodes"
        )
