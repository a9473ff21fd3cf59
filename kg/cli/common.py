"""What every command group shares: the ``--config`` / ``--set`` options, the run config, logging."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from kg.config import ConfigError, MedkgConfig, load_config
from kg.privacy import PhiRedactingFilter

ConfigOpt = typer.Option(None, "--config", "-c", help="YAML config file.")
SetOpt = typer.Option(None, "--set", help="Dotted-key override, e.g. --set gnn.epochs=5 (repeatable).")
TrainSetOpt = typer.Option(None, "--set", help="Override a config key: key.sub=value.")


def setup_logging(verbose: bool, quiet: bool) -> None:
    """Log to stderr (PHI redacted): debug with ``verbose``, warnings only with ``quiet``, else info."""
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(PhiRedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("neo4j", "urllib3", "httpx", "distributed"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def run_config(path: Path | None, overrides: list[str] | None) -> MedkgConfig:
    """The run config: ``--config``, else the file ``$MEDKG_CONFIG`` names, else the defaults; then ``--set``."""
    if path is None and os.environ.get("MEDKG_CONFIG"):
        path = Path(os.environ["MEDKG_CONFIG"])
    try:
        return load_config(path, overrides or [])
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc


#: The exit status of a command that writes a store while another run holds the store's lock.
EXIT_STORE_BUSY = 4


@contextmanager
def store_busy_exits() -> Iterator[None]:
    """Turn :class:`kg.store.lock.StoreBusy` into its message on stderr and exit status :data:`EXIT_STORE_BUSY`."""
    from kg.store.lock import StoreBusy

    try:
        yield
    except StoreBusy as exc:
        typer.echo(f"medkg: {exc}", err=True)
        raise typer.Exit(EXIT_STORE_BUSY) from None
