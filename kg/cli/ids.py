"""``medkg ids``: map a store's pseudonyms back to the ids and files of your inputs.

Document ids and input paths are stored as keyed pseudonyms (:mod:`kg.privacy.pseudonyms`). Whoever
holds the store's key and the inputs can see which note a ``doc-...`` or a quarantined ``src-...``
is: this command reads the inputs again and prints the pairs to the terminal. Nothing is stored,
and the raw names are not logged.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer

from kg.cli.common import ConfigOpt, SetOpt, run_config
from kg.logs import get_logger


def ids(
    inputs: list[Path] = typer.Argument(..., help="The files or folders the store was built from."),
    store: Path | None = typer.Option(None, "--store", help="Embedded store folder (default: config store)."),
    text_column: str | None = typer.Option(None, "--text-column", help="CSV column holding the text."),
    id_column: str | None = typer.Option(None, "--id-column", help="CSV column holding the document id."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """Print each input file's and document's pseudonym beside its real name (terminal only; nothing is kept)."""
    from kg.io.ingest import iter_input_files, read_inputs
    from kg.privacy.pseudonyms import pseudonymizer

    extra = list(overrides or [])
    extra += [f"ingest.text_column={text_column}"] if text_column else []
    extra += [f"ingest.id_column={id_column}"] if id_column else []
    cfg = run_config(config, extra)
    names = pseudonymizer(store or cfg.store, cfg.privacy.ids_are_safe, cfg.privacy.id_key)
    rows = [("file", names.path(f), str(f)) for f in iter_input_files(inputs)]
    ingest_log = get_logger("kg.io.ingest")
    level = ingest_log.level
    ingest_log.setLevel(logging.ERROR)  # this read names files as they are: keep it out of the log
    try:
        raw = read_inputs(inputs, cfg.ingest.text_column, cfg.ingest.id_column, max_chars=cfg.ingest.max_chars)
    finally:
        ingest_log.setLevel(level)
    rows += [("document", names.doc_id(d.id), d.id) for d in raw.documents]
    for kind, pseudonym, real in rows:
        if as_json:
            typer.echo(json.dumps({"kind": kind, "pseudonym": pseudonym, "name": real}))
        else:
            typer.echo(f"{kind}\t{pseudonym}\t{real}")
