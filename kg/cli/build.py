"""``medkg build`` and ``medkg demo``: the whole chain into the embedded store (and Neo4j when set)."""

from __future__ import annotations

from pathlib import Path

import typer

from kg.cli import render
from kg.cli.common import ConfigOpt, SetOpt, run_config, store_busy_exits

#: The exit status of a build in which some input did not land (quarantined at ingest, or a stage
#: raised on it); everything else was built and written.
EXIT_SOME_FAILED = 3


def _finish(report: object, as_json: bool) -> None:
    render.build_report(report, as_json)
    if getattr(report, "failed", 0):
        raise typer.Exit(EXIT_SOME_FAILED)


def build(
    inputs: list[Path] = typer.Argument(..., help="Files or folders of .txt, .jsonl or .csv/.tsv (or .gz of each)."),
    store: Path | None = typer.Option(None, "--store", help="Embedded store folder (default: config store)."),
    text_column: str | None = typer.Option(None, "--text-column", help="CSV column holding the text."),
    id_column: str | None = typer.Option(None, "--id-column", help="CSV column holding the document id."),
    no_seeds: bool = typer.Option(False, "--no-seeds", help="Do not load the curated seed graphs."),
    as_json: bool = typer.Option(False, "--json", help="End with one JSON line of counts."),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """Run the whole chain on your corpus into the embedded store (and Neo4j when NEO4J_URI is set).

    Bad input never stops the run: a record that cannot be read, or a document on which a stage
    fails, is quarantined with its reason and the rest lands. Exit status: 0 when every input
    record landed, 3 when some were quarantined or failed (the report lists them; "failed"
    counts them), 4 when another run is writing to the store, 1 or 2 on an error that stopped the run.
    """
    from kg.build import build as run_build

    extra = list(overrides or [])
    if text_column:
        extra.append(f"ingest.text_column={text_column}")
    if id_column:
        extra.append(f"ingest.id_column={id_column}")
    cfg = run_config(config, extra)
    with store_busy_exits():
        report = run_build(inputs, cfg, store_dir=store, with_seeds=not no_seeds)
    _finish(report, as_json)


def demo(
    store: Path | None = typer.Option(None, "--store", help="Embedded store folder (default: config store)."),
    as_json: bool = typer.Option(False, "--json", help="End with one JSON line of counts."),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """The main job: the full chain on the bundled synthetic demo corpus (exit status as ``medkg build``)."""
    from kg.build import demo as run_demo

    with store_busy_exits():
        report = run_demo(run_config(config, overrides), store_dir=store)
    _finish(report, as_json)
