"""The ``medkg`` root command: global options, then the command groups in the order ``--help`` lists them."""

from __future__ import annotations

import os

import typer

import kg
from kg.cli.build import build, demo
from kg.cli.common import setup_logging
from kg.cli.evaluate import eval_app
from kg.cli.export import export
from kg.cli.hypotheses import hypotheses
from kg.cli.ids import ids
from kg.cli.link import link
from kg.cli.neo4j import neo4j_app
from kg.cli.pipeline import pipeline_app
from kg.cli.predict import predict_app
from kg.cli.query import query
from kg.cli.report import report
from kg.cli.retract import retract
from kg.cli.train import train_app
from kg.cli.vocab import vocab_app
from kg.files import PRIVATE_UMASK

app = typer.Typer(add_completion=False, no_args_is_help=True, help="medkg: clinical text to a medical knowledge graph.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"medkg {kg.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Warnings only."),
) -> None:
    """medkg: turn clinical and biomedical text into a medical knowledge graph, and reason over it."""
    os.umask(PRIVATE_UMASK)  # everything this run creates is owner-only (kg/files.py)
    setup_logging(verbose, quiet)


for command in (build, demo, export, query, hypotheses, report, link, ids, retract):
    app.command()(command)
app.add_typer(neo4j_app, name="neo4j")
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(vocab_app, name="vocab")
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")
app.add_typer(predict_app, name="predict")
