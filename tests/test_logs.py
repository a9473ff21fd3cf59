"""Every ``kg`` logger scrubs PHI itself, whatever handlers the application installs (no CLI needed)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

import kg.privacy
from kg.logs import get_logger

KG = Path(__file__).resolve().parent.parent / "kg"
PHI = ("John Smith", "4829133", "555-867-5309", "john.smith@example.org")


def test_a_library_logger_scrubs_message_arguments_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    log = get_logger("kg.some.stage")
    with caplog.at_level(logging.DEBUG, logger="kg.some.stage"):
        log.info("note of %s (MRN: %s)", "John Smith", "4829133")
        try:
            raise ValueError("call 555-867-5309 or write john.smith@example.org")
        except ValueError:
            log.exception("stage failed")
        log.warning("stack", stack_info=True)
    text = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "ValueError" in text and "stage failed" in text
    for value in PHI:
        assert value not in text
    assert "[NAME]" in text and "[MRN]" in text


def test_get_logger_adds_the_filter_once() -> None:
    first = get_logger("kg.twice")
    again = get_logger("kg.twice")
    assert first is again and len(first.filters) == 1


def test_no_kg_module_makes_its_own_logger() -> None:
    allowed = {"logs.py", "cli/common.py"}  # the helper itself; the CLI sets up the root handler
    offenders = [
        str(p.relative_to(KG))
        for p in sorted(KG.rglob("*.py"))
        if str(p.relative_to(KG)) not in allowed and re.search(r"logging\.getLogger\(", p.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"log through kg.logs.get_logger (PHI filter): {offenders}"


def test_a_record_is_scrubbed_once_even_when_the_handler_filters_it_again(caplog: pytest.LogCaptureFixture) -> None:
    from kg.privacy import PhiRedactingFilter

    handler_filter = PhiRedactingFilter()
    caplog.handler.addFilter(handler_filter)
    calls: list[str] = []
    real = kg.privacy.scrub
    try:
        kg.privacy.scrub = lambda text, **kw: calls.append(text) or real(text, **kw)  # type: ignore[assignment]
        with caplog.at_level(logging.INFO, logger="kg.once"):
            get_logger("kg.once").info("seen by Dr. John Smith")
    finally:
        kg.privacy.scrub = real
        caplog.handler.removeFilter(handler_filter)
    assert len(calls) == 1 and "John Smith" not in caplog.text
