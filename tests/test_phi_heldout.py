"""The held-out PHI test set (tests/fixtures/phi/heldout.jsonl): exact offsets, documented kinds, coverage,
traps outside PHI, and independence from the development set (notes.jsonl). Nobody tunes on it (docs/deid.md)."""

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


heldout = _load("phi_heldout_make", FIXTURE / "heldout_make.py")
make_notes = _load("phi_make_notes_for_heldout", FIXTURE / "make_notes.py")


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


RECORDS = _read(FIXTURE / "heldout.jsonl")
DEV = _read(FIXTURE / "notes.jsonl")


def test_fixture_is_the_generators_output():
    assert heldout.dumps(heldout.build()) == (FIXTURE / "heldout.jsonl").read_text(encoding="utf-8")


def test_same_kinds_and_labels_as_the_development_set():
    assert heldout.KINDS == make_notes.KINDS
    assert heldout.STRUCTURED == make_notes.STRUCTURED
    assert heldout.CLINICAL_LABELS == make_notes.CLINICAL_LABELS


def test_size():
    assert len(RECORDS) >= 30
    assert sum(len(r["phi"]) for r in RECORDS) >= 300
    assert sum(len(r["clinical"]) for r in RECORDS) >= 100
    assert len({r["id"] for r in RECORDS}) == len(RECORDS)
    assert not {r["id"] for r in RECORDS} & {r["id"] for r in DEV}


@pytest.mark.parametrize("rec", RECORDS, ids=lambda r: r["id"])
def test_spans_match_offsets_and_do_not_overlap(rec):
    text = rec["text"]
    for span in rec["phi"] + rec["clinical"]:
        assert 0 <= span["start"] < span["end"] <= len(text)
        assert text[span["start"] : span["end"]] == span["text"]
        assert span["text"] == span["text"].strip(), span
    for span in rec["phi"]:
        assert span["kind"] in heldout.KINDS
    for span in rec["clinical"]:
        assert span["label"] in heldout.CLINICAL_LABELS
    for group in (rec["phi"], rec["clinical"]):
        ordered = sorted(group, key=lambda s: s["start"])
        for a, b in zip(ordered, ordered[1:], strict=False):
            assert a["end"] <= b["start"], (a, b)
    for c in rec["clinical"]:
        for p in rec["phi"]:
            assert c["end"] <= p["start"] or p["end"] <= c["start"], (c, p)


@pytest.mark.parametrize("rec", RECORDS, ids=lambda r: r["id"])
def test_titles_are_not_inside_name_spans(rec):
    # docs/deid.md: titles and credentials are not part of a NAME span.
    for p in rec["phi"]:
        if p["kind"] == "NAME":
            assert not re.match(r"(?i)(dr|mr|mrs|ms|rev|fr|sgt)\.?\s", p["text"]), p
            assert not re.search(r",?\s(MD|M\.D\.|RN|DO|NP|PhD)$", p["text"]), p


def test_every_category_has_enough_spans():
    counts = Counter(p["kind"] for r in RECORDS for p in r["phi"])
    assert set(counts) == set(heldout.KINDS)
    low = {k: n for k, n in counts.items() if n < 6}
    assert not low, low
    assert Counter(c["label"] for r in RECORDS for c in r["clinical"]).keys() == set(heldout.CLINICAL_LABELS)


def test_kinds_are_documented_and_the_set_is_described():
    doc = DOC.read_text(encoding="utf-8")
    for kind in heldout.KINDS:
        assert re.search(rf"^\| `{kind}` \|", doc, re.MULTILINE), kind
    assert "heldout.jsonl" in doc and "heldout_make.py" in doc


def test_independent_of_the_development_set():
    # No identifier of the development set (bare ages aside) occurs as a word anywhere in the held-out
    # notes, and no held-out identifier is one of the development set's.
    dev_phi = {p["text"] for r in DEV for p in r["phi"] if p["kind"] != "AGE"}
    for value in dev_phi:
        pattern = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE)
        hits = [r["id"] for r in RECORDS if pattern.search(r["text"])]
        assert not hits, (value, hits)
    dev_folded = {v.casefold() for v in dev_phi}
    shared = {p["text"] for r in RECORDS for p in r["phi"] if p["kind"] != "AGE" and p["text"].casefold() in dev_folded}
    assert not shared, shared


def test_traps_are_present_and_not_phi():
    # Clinical and technical strings that look like identifiers (or like the PHI next to them) stay
    # outside every gold PHI span.
    traps = [
        "GCS 15",
        "BP 120/80",
        "5/5 L",
        "F33.2",
        "M54.16",
        "E10.10",
        "Served 2003-2011",
        "aged 89",
        "eighty-nine",
        "lived to eighty-seven",
        "89-year-old equivalent",
        "aged eighty-two",
        "71-year-old",
        "firmware 2.1.0.4",
        "Chrome/118.0.5993.70",
        "Windows 10.0.19045",
        "App version 4.12.3",
        "lot 22B0417",
        "KRN-22-0193 (protocol",
        "IOL model SN60WF",
        "Foley catheter",
        "foley catheter",
        "Swan-Ganz",
        "McBurney's point",
        "Philadelphia chromosome",
        "Bence Jones protein",
        "Boston Bowel Preparation Scale 8",
        "Boston Scientific",
        "Ottawa ankle rules",
        "Canadian C-spine rule",
        "Lachman test",
        "Trendelenburg gait",
        "Norwalk virus",
        "West Nile IgM",
        "Lyme disease",
        "Charcot-Marie-Tooth disease",
        "Parkinson disease",
        "Whipple disease",
        "Courvoisier sign",
        "Kocher maneuver",
        "Brugada pattern",
        "Gleason 4+3=7",
        "Apgar 8/9",
        "G2P1001",
        "Group 4410-A",
        "Cascadia Mutual Health Plan",
        "crisis line 988",
        "CHA2DS2-VASc 3",
        "PHQ-9 = 19",
        "MMSE 16/30",
        "buprenorphine-naloxone 8/2 mg",
        "(twenty-eight)",
        "t(9;22)(q34;q11.2)",
        "C2M4 (Prague)",
        "Parkland formula",
        "Goldmann applanation",
        "Ménière's disease",
        "Hashimoto's thyroiditis",
        "not Bell's",
        "Time of death 04:17",
        "10.x range",
        "morse fall score 45",
    ]
    for trap in traps:
        hits = [(r, r["text"].index(trap)) for r in RECORDS if trap in r["text"]]
        assert hits, trap
        for rec, at in hits:
            for p in rec["phi"]:
                assert p["end"] <= at or at + len(trap) <= p["start"], (trap, p)
