"""The synthetic PHI corpus (tests/fixtures/phi/notes.jsonl): exact offsets, documented kinds, coverage."""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "phi"
DOC = HERE.parent / "docs" / "deid.md"


def _load_generator():
    spec = importlib.util.spec_from_file_location("phi_make_notes", FIXTURE / "make_notes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_notes = _load_generator()
RECORDS = [json.loads(line) for line in (FIXTURE / "notes.jsonl").read_text(encoding="utf-8").splitlines() if line]


def test_fixture_is_the_generators_output():
    # Deterministic: rebuilding gives the committed file byte for byte.
    assert make_notes.dumps(make_notes.build()) == (FIXTURE / "notes.jsonl").read_text(encoding="utf-8")


def test_size():
    assert len(RECORDS) >= 40
    assert sum(len(r["phi"]) for r in RECORDS) >= 400
    assert len({r["id"] for r in RECORDS}) == len(RECORDS)


@pytest.mark.parametrize("rec", RECORDS, ids=lambda r: r["id"])
def test_spans_match_offsets_and_do_not_overlap(rec):
    text = rec["text"]
    for span in rec["phi"] + rec["clinical"]:
        assert 0 <= span["start"] < span["end"] <= len(text)
        assert text[span["start"] : span["end"]] == span["text"]
        assert span["text"] == span["text"].strip(), span
    for span in rec["phi"]:
        assert span["kind"] in make_notes.KINDS
    for span in rec["clinical"]:
        assert span["label"] in make_notes.CLINICAL_LABELS
    for group in (rec["phi"], rec["clinical"]):
        ordered = sorted(group, key=lambda s: s["start"])
        for a, b in zip(ordered, ordered[1:], strict=False):
            assert a["end"] <= b["start"], (a, b)
    for c in rec["clinical"]:
        for p in rec["phi"]:
            assert c["end"] <= p["start"] or p["end"] <= c["start"], (c, p)


def test_every_category_has_enough_spans():
    counts = Counter(p["kind"] for r in RECORDS for p in r["phi"])
    assert set(counts) == set(make_notes.KINDS)
    low = {k: n for k, n in counts.items() if n < 8}
    assert not low, low
    # Structured kinds get more than the floor.
    assert all(counts[k] >= 10 for k in make_notes.STRUCTURED), counts


def test_kinds_are_documented():
    doc = DOC.read_text(encoding="utf-8")
    for kind in make_notes.KINDS:
        assert re.search(rf"^\| `{kind}` \|", doc, re.MULTILINE), kind


def test_traps_are_present_and_not_phi():
    # Strings that look like identifiers but are not PHI stay outside every gold PHI span.
    traps = [
        "Addison disease",
        "Parkinson's disease",
        "Bell's palsy",
        "dobutamine",
        "Hodgkin lymphoma",
        "Lou Gehrig disease",
        "100 250 1000 mg",
        "account these symptoms",
        "medkg-ner@1.0.0",
        "Dr. Scholl's",
        "E11.9",
        "NDC 0093-7214-01",
        "1/2 tablet",
        "Strength 5/5",
        "87-year-old",
        "Quit smoking in 2009",
    ]
    for trap in traps:
        hits = [(r, r["text"].index(trap)) for r in RECORDS if trap in r["text"]]
        assert hits, trap
        for rec, at in hits:
            for p in rec["phi"]:
                assert p["end"] <= at or at + len(trap) <= p["start"], (trap, p)
