"""PhiRedactingFilter: messages, arguments and tracebacks are scrubbed before any handler sees them."""

from __future__ import annotations

import io
import logging

from kg.privacy import PhiRedactingFilter

PHI = ("Robert Johnson", "03/14/1962", "123-45-6789", "(617) 555-0142")


def _logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.filters[:] = [PhiRedactingFilter()]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_message_and_args_are_scrubbed():
    logger, stream = _logger("medkg.test.privacy.args")
    logger.info("note for %s, DOB %s, SSN %s, phone %s", *PHI)
    out = stream.getvalue()
    assert not [p for p in PHI if p in out], out
    assert "[NAME]" in out and "[DATE]" in out and "[SSN]" in out and "[PHONE]" in out


def test_traceback_text_is_scrubbed():
    logger, stream = _logger("medkg.test.privacy.exc")
    try:
        raise ValueError("bad record for Mr. Robert Johnson, SSN 123-45-6789")
    except ValueError:
        logger.exception("ingest failed for DOB 03/14/1962")
    out = stream.getvalue()
    assert "Traceback" in out and "ValueError" in out
    assert not [p for p in PHI if p in out], out


def test_stack_info_is_scrubbed():
    logger, stream = _logger("medkg.test.privacy.stack")
    logger.info("call (617) 555-0142", stack_info=True)
    out = stream.getvalue()
    assert "(617) 555-0142" not in out and "Stack" in out


def test_a_bad_format_string_still_logs_scrubbed():
    logger, stream = _logger("medkg.test.privacy.bad")
    logger.info("patient %s %s", "Mr. Robert Johnson")  # one argument short
    out = stream.getvalue()
    assert "Robert Johnson" not in out


def test_operational_arguments_stay_readable_and_the_rest_is_still_scrubbed():
    from kg.logs import Operational

    logger, stream = _logger("medkg.test.privacy.operational")
    run_id, uri = "20261207T101500-ab12cd34", "bolt://127.0.0.1:7687"
    logger.info("run %s at %s for %s, DOB %s", Operational(run_id), Operational(uri), PHI[0], PHI[1])
    out = stream.getvalue()
    assert f"run {run_id} at {uri} for [NAME], DOB [DATE]" in out, out
    # without the marker the same values are scrubbed: the marker is what keeps them
    logger.info("at %s", uri)
    assert "127.0.0.1" not in stream.getvalue().splitlines()[-1]
