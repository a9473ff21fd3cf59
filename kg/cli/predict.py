"""``medkg predict score``: score (head, tail) pairs with the trained link-prediction model."""

from __future__ import annotations

from pathlib import Path

import typer

predict_app = typer.Typer(no_args_is_help=True, help="Score pairs with the trained link-prediction model.")


@predict_app.command("score")
def predict_score_cmd(
    pairs: Path = typer.Option(..., "--pairs", help="TSV with a header holding the columns head and tail (CURIEs)."),
    model: Path | None = typer.Option(None, "--model", help="Model folder (default kg/resources/models/linkpred)."),
) -> None:
    """Score (head, tail) pairs with the default model: prints TSV head, tail, score; unknown ids go to stderr."""
    from kg.gnn.serving import NoModelError, load_default, read_pairs

    try:
        rows = read_pairs(pairs)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        m = load_default(model)
    except NoModelError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo("head\ttail\tscore")
    missing = 0
    for head, tail, score, why in m.score(rows):
        if score is None:
            missing += 1
            typer.echo(f"no score for {head}\t{tail}: {why}", err=True)
            continue
        typer.echo(f"{head}\t{tail}\t{score:.6f}")
    if missing:
        typer.echo(f"{missing} of {len(rows)} pairs not scored ({m.version})", err=True)
