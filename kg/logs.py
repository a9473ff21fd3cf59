"""Loggers that never carry PHI: every ``kg`` module logs through :func:`get_logger`.

The :class:`~kg.privacy.PhiRedactingFilter` sits on each ``kg`` logger itself, so a record is
scrubbed (message, arguments, traceback and stack) when it is made, whatever handlers the
application installs: a notebook, a scheduler or a test that logs ``kg`` records never sees raw
PHI. ``medkg`` (the CLI) also puts the filter on its stderr handler, for records of other
libraries. ``tests/test_architecture.py`` checks that no ``kg`` module calls
``logging.getLogger`` directly. :class:`~kg.privacy.Operational` marks a log argument that is medkg's
own value (a run id, a configured URI), which the filter leaves readable.
"""

from __future__ import annotations

import logging

from kg.privacy import Operational, PhiRedactingFilter

__all__ = ["Operational", "get_logger"]

_FILTER = PhiRedactingFilter()


def get_logger(name: str) -> logging.Logger:
    """The logger called ``name``, with the PHI-redacting filter on it (added once)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
