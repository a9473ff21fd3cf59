"""The ``medkg`` command line: a thin layer that parses arguments, loads config, calls one function.

One module per command group (:mod:`kg.cli.build` for ``build``/``demo``, :mod:`kg.cli.export`,
:mod:`kg.cli.query`, :mod:`kg.cli.link`, :mod:`kg.cli.neo4j`, :mod:`kg.cli.vocab`,
:mod:`kg.cli.evaluate`, :mod:`kg.cli.train`, :mod:`kg.cli.predict`); tables and report lines are
printed by :mod:`kg.cli.render`; :mod:`kg.cli.app` puts the groups together (the ``medkg`` entry point
is ``kg.cli:app``).

Start-up time: each command imports the library it calls inside its own body (function-local imports
on purpose), so ``medkg --help`` and quick commands load neither torch, spaCy nor the pipeline.
"""

from kg.cli.app import app

__all__ = ["app"]
