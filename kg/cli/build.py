"""``medkg build`` and ``medkg demo``: the whole chain into the embedded store (and Neo4j when set)."""

from __future__ import annotations

from pathlib import Path

import typer

from kg.cli import render
from kg.cli.common import ConfigOpt, SetOpt, run_config


def build(
    inputs: list[Path] = typer.Argument(..., help="Files or folders of .txt, .jsonl or .csv."),
    store: Path | None = typer.Option(None, "--store", help="Embedded store folder (default: config store)."),
    text_column: str | None = typer.Option(None, "--text-column", help="CSV column holding the text."),
    id_column: str | None = typer.Option(None, "--id-column", help="CSV column holding the document id."),
    no_seeds: bool = typer.Option(False, "--no-seeds", help="Do not load the curated seed graphs."),
    as_json: bool = typer.Option(False, "--json", help="End with one JSON line of counts."),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """Run the whole chain on your corpus into the embedded store (and Neo4j when NEO4J_URI is set)."""
    from kg.pipeline import build as run_build

    extra = list(overrides or [])
    if text_column:
        extra.append(f"ingest.text_column={text_column}")
    if id_column:
        extra.append(f"ingest.id_column={id_column}")
    cfg = run_config(config, extra)
    render.build_report(run_build(inputs, cfg, store_dir=store, with_seeds=not no_seeds), as_json)


def demo(
    store: Path | None = typer.Option(None, "--store", help="Embedded store folder (default: config store)."),
    as_json: bool = typer.Option(False, "--json", help="End with one JSON line of counts."),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """The main job: the full chain on the bundled synthetic demo corpus."""
    from kg.pipeline import demo as run_demo

    render.build_report(run_demo(run_config(config, overrides), store_dir=store), as_json)
