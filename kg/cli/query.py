"""``medkg query``: run a named Cypher query from queries/ against Neo4j."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from kg.cli import render
from kg.cli.common import ConfigOpt, SetOpt, run_config


def query(
    name: str | None = typer.Argument(None, help="Query name (see --list)."),
    param: list[str] | None = typer.Option(None, "--param", "-p", help="key=value (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    list_: bool = typer.Option(False, "--list", help="List the named queries."),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """Run a named Cypher query from queries/ against Neo4j (NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD)."""
    from kg.queries import get_query, graph_stats, list_queries, parse_params, run_query
    from kg.store.neo4j import Neo4jStore

    if list_ or not name:
        for spec in list_queries():
            typer.echo(f"{spec.name}: {spec.purpose}\n    e.g. {spec.example_command()}")
        return
    spec = get_query(name)
    cfg = run_config(config, overrides)
    with Neo4jStore.from_config(cfg.neo4j) as neo:
        if name == "graph_stats" and as_json:
            typer.echo(json.dumps(graph_stats(neo)))
            return
        rows = run_query(neo, name, parse_params(param or [], spec))
    if as_json:
        typer.echo(json.dumps(rows, default=str))
        return
    render.query_rows(name, rows)
