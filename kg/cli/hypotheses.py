"""``medkg hypotheses``: the best stored link-prediction hypotheses, read from the embedded store."""

from __future__ import annotations

from pathlib import Path

import typer

from kg.cli import render
from kg.cli.common import ConfigOpt, SetOpt, run_config


def hypotheses(
    store: Path | None = typer.Option(None, "--store", help="Embedded store folder (default: config store)."),
    rel_type: str | None = typer.Option(None, "--type", help="TREATS or HAS_SYMPTOM (default: both)."),
    node: str | None = typer.Option(None, "--node", help="Only hypotheses touching this node: a CURIE, or a name."),
    top: int = typer.Option(10, "--top", min=1, help="Hypotheses per type."),
    as_json: bool = typer.Option(False, "--json", help="End with one JSON line: the list of hypotheses."),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """The top stored hypotheses per type, with score, rank, model version and explaining paths (no Neo4j).

    ``--node`` matches a node id (CURIE) exactly or a node name case-insensitively, at either end.
    Exit status 2 when the store does not exist, holds no hypotheses of the type, or the node is unknown.
    """
    from kg.schema import load_schema
    from kg.store.hypotheses import HypothesisQueryError, top_hypotheses

    cfg = run_config(config, overrides)
    try:
        views = top_hypotheses(store or Path(cfg.store), load_schema(cfg.schema_path), rel_type, node, top)
    except HypothesisQueryError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if not views:
        typer.echo("no stored hypothesis touches that node", err=True)
    render.hypotheses_listing(views, as_json)
