"""``medkg export``: the stored graph as RDF Turtle, GraphML or neo4j-admin import CSV."""

from __future__ import annotations

from pathlib import Path

import typer


def export(
    store: Path = typer.Option(..., "--store", help="Embedded store folder."),
    fmt: str = typer.Option(..., "--format", help="ttl | graphml | neo4j-csv"),
    out: Path = typer.Option(..., "--out", help="Output folder."),
) -> None:
    """Write the stored graph as RDF Turtle, GraphML or neo4j-admin import CSV."""
    from kg.export import FORMATS, export_checked
    from kg.schema import load_schema
    from kg.store.sqlite import SqliteStore

    if fmt not in FORMATS:
        raise typer.BadParameter(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    if not (store / "graph.sqlite").exists():
        raise typer.BadParameter(f"no medkg store at {store}")
    with SqliteStore(store) as s:
        snapshot = s.snapshot()
    paths, checked = export_checked(snapshot, load_schema(), fmt, out)
    for p in paths:
        typer.echo(str(p))
    if checked.skipped:
        by_kind = ", ".join(f"{k} {n}" for k, n in checked.skipped_by_kind().items())
        typer.echo(f"skipped {len(checked.skipped)} rows that do not fit the schema ({by_kind})", err=True)
