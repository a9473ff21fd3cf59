"""The second PHI development set (tests/fixtures/phi/dev2.jsonl): exact offsets, documented kinds,
coverage, traps outside PHI, and the same kinds as dev set 1 (tests/fixtures/phi/notes.jsonl)."""

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


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dev2 = _load("phi_dev2_make", FIXTURE / "dev2_make.py")
make_notes = _load("phi_make_notes_for_dev2", FIXTURE / "make_notes.py")


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


RECORDS = _read(FIXTURE / "dev2.jsonl")
DEV1 = _read(FIXTURE / "notes.jsonl")


def test_fixture_is_the_generators_output():
    # Deterministic: rebuilding gives the committed file byte for byte.
    assert dev2.dumps(dev2.build()) == (FIXTURE / "dev2.jsonl").read_text(encoding="utf-8")


def test_same_kinds_and_labels_as_dev_set_1():
    assert dev2.KINDS == make_notes.KINDS
    assert dev2.STRUCTURED == make_notes.STRUCTURED
    assert dev2.CLINICAL_LABELS == make_notes.CLINICAL_LABELS


def test_size():
    assert len(RECORDS) >= 40
    assert sum(len(r["phi"]) for r in RECORDS) >= 450
    assert sum(len(r["clinical"]) for r in RECORDS) >= 80
    assert len({r["id"] for r in RECORDS}) == len(RECORDS)
    assert not {r["id"] for r in RECORDS} & {r["id"] for r in DEV1}


@pytest.mark.parametrize("rec", RECORDS, ids=lambda r: r["id"])
def test_spans_match_offsets_and_do_not_overlap(rec):
    text = rec["text"]
    for span in rec["phi"] + rec["clinical"]:
        assert 0 <= span["start"] < span["end"] <= len(text)
        assert text[span["start"] : span["end"]] == span["text"]
        assert span["text"] == span["text"].strip(), span
    for span in rec["phi"]:
        assert span["kind"] in dev2.KINDS
    for span in rec["clinical"]:
        assert span["label"] in dev2.CLINICAL_LABELS
    for group in (rec["phi"], rec["clinical"]):
        ordered = sorted(group, key=lambda s: s["start"])
        for a, b in zip(ordered, ordered[1:], strict=False):
            assert a["end"] <= b["start"], (a, b)
    for c in rec["clinical"]:
        for p in rec["phi"]:
            assert c["end"] <= p["start"] or p["end"] <= c["start"], (c, p)


def test_every_category_has_enough_spans():
    counts = Counter(p["kind"] for r in RECORDS for p in r["phi"])
    assert set(counts) == set(dev2.KINDS)
    low = {k: n for k, n in counts.items() if n < 10}
    assert not low, low


def test_kinds_are_documented():
    doc = DOC.read_text(encoding="utf-8")
    for kind in dev2.KINDS:
        assert re.search(rf"^\| `{kind}` \|", doc, re.MULTILINE), kind


def test_titles_are_outside_name_spans():
    # docs/deid.md: titles and credentials are not part of a NAME span.
    for rec in RECORDS:
        for p in rec["phi"]:
            if p["kind"] == "NAME":
                assert not re.match(r"(?i)(dr|drs|mr|mrs|ms|fr)\.?\s", p["text"]), p
                assert not re.search(r",\s*(MD|RN|DO|NP|PA-C)$", p["text"]), p


def test_traps_are_present_and_not_phi():
    # Strings that look like identifiers but are not PHI stay outside every gold PHI span.
    traps = [
        "Graves disease",
        "Wolff-Parkinson-White syndrome",
        "Parkinson's disease",
        "Alzheimer's disease",
        "Raynaud's phenomenon",
        "Crohn's disease",
        "Nottingham grade 2",
        "Lachman 1A",
        "BP 128/84",
        "25/100 TID",
        "pain 8/10",
        "MoCA 11/30",
        "Grade 2/6 murmur",
        "ICD-10 C50.412",
        "I45.6",
        "CPT 33208",
        "LOINC 2160-0",
        "NDC 0074-0554-02",
        "Lot 2024-11A",
        "lot UF123AA",
        "model W1DR01",
        "Group: 004471",
        "GRP 71220",
        "NCT04412345",
        "BRCA1 c.68_69delAG",
        "since 2019",
        "unchanged from 2022",
        "58-year-old",
        "seventy-five year old",
        "until age 70",
        ", MI ",
        "Arizona",
        "does not account for payments",
        "Admit to the ICU",
        "from cardiology",
        "$40,000",
    ]
    for trap in traps:
        hits = [(r, m.start()) for r in RECORDS for m in re.finditer(re.escape(trap), r["text"])]
        assert hits, trap
        for rec, at in hits:
            for p in rec["phi"]:
                assert p["end"] <= at or at + len(trap) <= p["start"], (trap, p)
