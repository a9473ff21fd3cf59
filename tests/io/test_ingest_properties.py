"""Property tests of ingest: arbitrary records written as JSONL, CSV or text never crash it and are
never lost; each becomes a document with the identical text, or a quarantine record.

The checks are plain functions, run on hand-picked hard cases always and on Hypothesis-generated
ones when Hypothesis (the ``dev`` extra) is installed.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest

from kg.io.ingest import read_inputs

HARD_TEXTS = [
    "plain",
    "line one\nline two",
    "crlf\r\nline\rcr",
    'quote " inside, and a comma',
    '"fully quoted"',
    "U+2028\u2028U+2029\u2029NEL\x85FF\x0cVT\x0b",
    "   ",
    "",
    "\x00nul",
    "tab\tsep",
    "emoji \U0001f600 and accents é",
    "x" * 140_000,
]


def check_jsonl(texts: list[str], ensure_ascii: bool) -> None:
    """Each text as one JSONL record: it lands byte-exact, or (blank) it is quarantined at its line."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "r.jsonl"
        lines = [json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=ensure_ascii) for i, t in enumerate(texts)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
        result = read_inputs([path])
    landed = {d.id: d.text for d in result.documents}
    quarantined = {q.location for q in result.quarantine}
    for i, text in enumerate(texts):
        if text.strip():
            assert landed[f"r{i}"] == text
        else:
            assert f"line {i + 1}" in quarantined
    assert len(landed) + len(result.quarantine) == max(len(texts), 1)  # no records: the file, "empty file"


def check_csv(texts: list[str], delimiter: str = ",") -> None:
    """Each text as one CSV record written by the csv module: byte-exact, or (blank) quarantined."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(["id", "text"])
    for i, text in enumerate(texts):
        writer.writerow([f"r{i}", text])
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / ("r.tsv" if delimiter == "\t" else "r.csv")
        path.write_bytes(buf.getvalue().encode("utf-8"))
        result = read_inputs([path], id_column="id")
    landed = {d.id: d.text for d in result.documents}
    for i, text in enumerate(texts):
        if text.strip():
            assert landed[f"r{i}"] == text
    assert len(landed) + len(result.quarantine) == max(len(texts), 1)  # no records: the file, "no records"


def check_text_file(text: str) -> None:
    """A text file lands byte-exact (a leading UTF-8 BOM aside), or (blank) is quarantined."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "note.txt"
        path.write_bytes(text.encode("utf-8"))
        result = read_inputs([path])
    expected = text.removeprefix("\ufeff")
    if expected.strip():
        assert [doc.text for doc in result.documents] == [expected] and result.quarantine == []
    else:
        assert result.documents == [] and len(result.quarantine) == 1


def check_any_bytes(data: bytes) -> None:
    """Any bytes under any supported suffix: no exception, and documents or a quarantine record."""
    with tempfile.TemporaryDirectory() as d:
        for name in ("b.txt", "b.jsonl", "b.csv", "b.txt.gz"):
            path = Path(d) / name
            path.write_bytes(data)
            result = read_inputs([path])
            assert result.documents or result.quarantine, name


def test_hard_cases():
    check_jsonl(HARD_TEXTS, ensure_ascii=False)
    check_jsonl(HARD_TEXTS, ensure_ascii=True)
    check_csv(HARD_TEXTS)
    check_csv(HARD_TEXTS, delimiter="\t")
    check_jsonl([], ensure_ascii=False)
    check_csv([])
    for text in HARD_TEXTS:
        check_text_file(text)
    check_text_file("\ufeffwith a BOM")
    for data in (b"", b"\xff\xfe\x00", b'"', b'id,text\n"', b"\x1f\x8b\x08", b"\xef\xbb\xbf", b"{" * 5000):
        check_any_bytes(data)


try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # the ``dev`` extra is not installed: the hard cases above still run

    @pytest.mark.skip(reason="Hypothesis is not installed (pip install -e '.[dev]')")
    def test_property_tests_need_hypothesis():
        """Stands for the property tests, so a run without Hypothesis says what it left out."""

else:
    _SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

    @_SETTINGS
    @given(st.lists(st.text(), max_size=8), st.booleans())
    def test_jsonl_records_are_never_lost(texts, ensure_ascii):
        check_jsonl(texts, ensure_ascii)

    @_SETTINGS
    @given(st.lists(st.text(), max_size=8), st.sampled_from([",", "\t"]))
    def test_csv_records_are_never_lost(texts, delimiter):
        check_csv(texts, delimiter)

    @_SETTINGS
    @given(st.text())
    def test_text_files_are_never_lost(text):
        check_text_file(text)

    @_SETTINGS
    @given(st.binary(max_size=512))
    def test_arbitrary_bytes_never_crash_ingest(data):
        check_any_bytes(data)
