"""``medkg pipeline run|status``: the scheduled pipelines defined in ``pipelines/*.yaml`` (issue 21)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kg.cli.common import SetOpt, store_busy_exits
from kg.logs import get_logger

if TYPE_CHECKING:
    from kg.scheduled import PipelineDefinition

log = get_logger(__name__)

pipeline_app = typer.Typer(
    no_args_is_help=True,
    help="Run a scheduled pipeline (a definition in pipelines/, or a YAML path), or show its state.",
)
PipelineArg = typer.Argument(..., help="A definition name in pipelines/ (e.g. nightly) or a YAML path.")


def _definition(
    pipeline: str, overrides: list[str] | None, source: Path | None = None, store: Path | None = None
) -> PipelineDefinition:
    from kg.config import ConfigError
    from kg.scheduled import load_definition

    try:
        return load_definition(pipeline, overrides, str(source) if source else None, str(store) if store else None)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="PIPELINE") from exc


@pipeline_app.command("run")
def pipeline_run(
    pipeline: str = PipelineArg,
    source: Path | None = typer.Option(
        None, "--source", help="Read documents from here instead of the definition's source."
    ),
    store: Path | None = typer.Option(None, "--store", help="Write this store instead of the definition's."),
    full: bool = typer.Option(False, "--full", help="Process every document again, unchanged ones too."),
    as_json: bool = typer.Option(False, "--json", help="End with one JSON line of the run's counts."),
    overrides: list[str] | None = SetOpt,
) -> None:
    """One run: new and changed documents processed, unchanged skipped, documents gone from the source
    retracted (store and Neo4j), exports and a report in <store>/reports/.

    Exit status: 0 complete; 3 some input records were quarantined or failed; 5 more than the
    definition's max_quarantine_share of them (alert); 4 another run holds the store; 2 a bad
    definition or option; 1 the run failed (recorded as failed; its committed checkpoints stay).
    """
    from kg.scheduled import run_pipeline

    defn = _definition(pipeline, overrides, source, store)
    try:
        with store_busy_exits():
            result = run_pipeline(defn, full=full)
    except typer.Exit:
        raise
    except Exception as exc:
        log.error("pipeline %s failed: %s", defn.name, type(exc).__name__)
        if as_json:
            typer.echo(json.dumps({"pipeline": defn.name, "status": "failed", "error": type(exc).__name__}))
        raise typer.Exit(1) from exc
    s = result.summary
    if as_json:
        typer.echo(json.dumps(s, sort_keys=True))
    else:
        typer.echo(
            f"pipeline {defn.name} run {s['run_id']}: {s['processed']} processed, {s['skipped']} unchanged, "
            f"{s['retracted']} retracted, {s['quarantined']} quarantined ({s['failed']} failed); report {result.report_path}"
        )
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@pipeline_app.command("status")
def pipeline_status(
    pipeline: str = PipelineArg,
    store: Path | None = typer.Option(None, "--store", help="Look at this store instead of the definition's."),
    last: int = typer.Option(5, "--last", min=1, help="How many recent runs to show."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object."),
) -> None:
    """Whether a run is writing the store now, how many documents it holds, and its last runs."""
    from kg.config import ConfigError
    from kg.scheduled import pipeline_status as status

    defn = _definition(pipeline, None, None, store)
    try:
        st = status(defn, last)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="PIPELINE") from exc
    if as_json:
        typer.echo(json.dumps(st, sort_keys=True))
        return
    typer.echo(
        f"pipeline {st['pipeline']}, store {st['store']}: {st['documents']} documents, {st['nodes']} nodes, {st['edges']} edges"
    )
    typer.echo(st["running"] or "no run is writing the store now")
    for r in st["runs"]:
        d = r["details"]
        counts = ", ".join(f"{k} {d[k]}" for k in ("documents", "skipped", "retracted", "failed") if k in d)
        typer.echo(f"  {r['run_id']}  {r['kind']:8} {r['status']:9} {r['started']} -> {r['finished'] or '-'}  {counts}")
