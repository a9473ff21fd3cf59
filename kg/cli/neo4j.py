"""``medkg neo4j start|stop|status|load``: a local Neo4j 5.26 server, and loading a store into Neo4j."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from kg.cli.common import ConfigOpt, SetOpt, run_config

neo4j_app = typer.Typer(no_args_is_help=True, help="Run a local Neo4j 5.26 server (from Maven Central) and load it.")


@neo4j_app.command("start")
def neo4j_start(
    home: Path | None = typer.Option(None, "--home", help="Data folder (default .neo4j in the repo)."),
    port: int = typer.Option(7687, "--port", help="Bolt port on 127.0.0.1."),
) -> None:
    """Start Neo4j 5.26 (needs NEO4J_PASSWORD; builds the launcher with Maven on first use)."""
    from kg import neo4j_server

    if not os.environ.get("NEO4J_PASSWORD"):
        raise typer.BadParameter("set NEO4J_PASSWORD first: the server refuses to start without a password")
    pid = neo4j_server.start(home or neo4j_server.default_home(), port=port)
    typer.echo(f"neo4j running (pid {pid}) at bolt://127.0.0.1:{port}")


@neo4j_app.command("stop")
def neo4j_stop(home: Path | None = typer.Option(None, "--home")) -> None:
    """Stop the local Neo4j server."""
    from kg import neo4j_server

    stopped = neo4j_server.stop(home or neo4j_server.default_home())
    typer.echo("stopped" if stopped else "not running")


@neo4j_app.command("status")
def neo4j_status(home: Path | None = typer.Option(None, "--home")) -> None:
    """Show whether the local Neo4j server runs."""
    from kg import neo4j_server

    typer.echo(json.dumps(neo4j_server.status(home or neo4j_server.default_home()), default=str))


@neo4j_app.command("load")
def neo4j_load(
    store: Path = typer.Option(..., "--store", help="Embedded store folder to load from."),
    home: Path | None = typer.Option(
        None,
        "--home",
        help="Home of the local server (medkg neo4j start --home): an empty database there is bulk-imported.",
    ),
    full: bool = typer.Option(
        False, "--full", help="Write every row, also those the last complete load wrote unchanged (neo4j.full_load)."
    ),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """Load an existing embedded store into Neo4j (idempotent; bulk import into an empty local database;
    an online load writes only the row groups that changed since the last complete one, unless --full)."""
    from kg.build import load_neo4j
    from kg.schema import load_schema
    from kg.store.sqlite import SqliteStore

    extra = [*([f"neo4j.home={home}"] if home else []), *(["neo4j.full_load=true"] if full else [])]
    cfg = run_config(config, [*(overrides or []), *extra])
    if not cfg.neo4j.uri:
        raise typer.BadParameter("set NEO4J_URI (and NEO4J_PASSWORD)")
    with SqliteStore(store) as s:
        counts = load_neo4j(s, load_schema(cfg.schema_path), cfg, "manual-load")
    typer.echo(json.dumps(counts))
