"""``medkg report``: a static HTML report of a built graph (counts, evidence, hypotheses, evaluation)."""

from __future__ import annotations

from pathlib import Path

import typer

from kg.cli.common import ConfigOpt, SetOpt, run_config


def report(
    store: Path | None = typer.Option(None, "--store", help="Embedded store folder (default: config store)."),
    out: Path = typer.Option(..., "--out", help="Folder for index.html (created owner-only)."),
    evaluation: Path | None = typer.Option(
        None, "--evaluation", help="External-style evaluation JSON (benchmarks/linkpred_external.py --out FILE)."
    ),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """Write a self-contained HTML page of the store: counts (text-mined vs curated), the best-supported
    edges with their evidence sentences, hypotheses per disease with their paths drawn, and the
    link-prediction evaluation beside its baselines. Exit status 2 when there is no store."""
    from kg.report import ReportError, write_report
    from kg.schema import load_schema

    cfg = run_config(config, overrides)
    if evaluation is not None and not evaluation.is_file():
        raise typer.BadParameter(f"no evaluation file at {evaluation}", param_hint="--evaluation")
    try:
        path = write_report(store or Path(cfg.store), out, load_schema(cfg.schema_path), evaluation)
    except ReportError as exc:
        raise typer.BadParameter(str(exc), param_hint="--store") from exc
    typer.echo(str(path))
