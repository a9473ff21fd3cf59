"""``python -m kg.cli``: the same command line as ``medkg``."""

from kg.cli.app import app

app()
