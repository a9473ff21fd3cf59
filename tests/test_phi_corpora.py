"""The PHI corpora (tests/fixtures/phi/*.jsonl): one set of checks over every corpus, per-corpus figures.

Each corpus is built by its generator from templates with inline markup (tests/fixtures/phi/markup.py,
docs/deid.md). Every corpus must be its generator's output byte for byte, have exact non-overlapping
offsets, documented kinds, enough spans of every kind, titles outside NAME spans, its traps (clinical
strings that look like identifiers) outside every PHI span, and, for held-out sets, no identifier of
the development sets written before it. The scrubber's recall, structured recall and precision on each corpus must stay at
or above the corpus's floor: 1.00 structured / 0.99 overall on the development sets (the issue's
targets; dev set 4 just under its measured figures), just under the measured figures on the held-out sets
(docs/deid.md), so a regression fails.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kg.privacy import KINDS
from tests.fixtures.phi import markup

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "phi"
DOC = HERE.parent / "docs" / "deid.md"


@dataclass(frozen=True)
class Corpus:
    """One PHI corpus and what it must satisfy."""

    name: str
    #: the JSONL file under tests/fixtures/phi/ and its generator module (tests.fixtures.phi.<generator>)
    file: str
    generator: str
    min_notes: int
    min_phi: int
    min_clinical: int
    #: fewest gold spans of any kind, and of a structured kind
    min_per_kind: int
    min_structured: int
    #: the scrubber's floors on this corpus: overall recall, structured recall, precision
    recall: float
    structured_recall: float
    precision: float
    held_out: bool = False
    #: development sets that existed when this held-out set was written: it shares no identifier with them
    independent_of: tuple[str, ...] = ()
    traps: tuple[str, ...] = field(default=(), repr=False)
    #: False for a corpus not yet scored by medkg (written blind to the rules): its floors are not set yet and the
    #: scrubber is not run on it here; every other check applies
    scored: bool = True


DEV1_TRAPS = (
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
)
DEV2_TRAPS = (
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
)
DEV3_TRAPS = (
    "K 4.1",
    "BP 120/80",
    "L4-5",
    "C5-C6",
    "ICD-10 B02.29",
    "CPT 99214",
    "BRCA2 negative",
    "KRAS G12C",
    "Down syndrome",
    "Graves disease",
    "Hodgkin lymphoma",
    "Parkinson disease",
    "Tourette syndrome",
    "Sjögren syndrome",
    "Huntington disease",
    "Babinski sign",
    "Bell's palsy 2019",
    "Kaposi sarcoma",
    "1-2 tabs q4-6h",
    "25/100 TID",
    "49/51",
    "INR 2.3",
    "A1c 7.4%",
    "Lot 22K418",
    "model DDMB2D4",
    "lot 8K22X",
    "born 1987",
    "Vision 20/20",
    "Hotel room 412",
    "Kt/V 1.4",
    "2011 Honda Civic",
    "re: rent",
)
HELDOUT_TRAPS = (
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
)

DEV4_TRAPS = (
    "L4-L5",
    "HLA-B27 negative",
    "JAK2 V617F",
    "NCT05512209",
    "EDSS 3.5",
    "DAS28 4.1",
    "CA 19-9",
    "INR 2.4",
    "bp 142/88",
    "HbA1c 8.2%",
    "FEV1 38%",
    "GOLD 3",
    "0.5 mg IM",
)
HELDOUT3_TRAPS = (
    "IOP 21/19",
    "BRCA1 c.5266dupC",
    "protocol v3.1",
    "GCS 15",
    "AGE: 83",
    "INR 2.6",
    "Extraction 36",
    "4 kHz",
    "20 pack-years",
    "71.2 kg",
    "10 mg/24 h",
)

HELDOUT2_TRAPS = (
    "90-day supervised visitation",
    "protocol HX-221",
    "Rx BIN 610014",
    "PCN MEDDPRIME",
    "liner size 28",
    "pain 4/10",
    "IOP 18/21",
    "C/D 0.7/0.8",
    "AHI 34",
    "5-15 cm H2O",
    "K 3.4",
    "EFW 1010 g",
    "2-75 Ranger",
    "BGL 3.1",
    "ESR 62",
    "AMH 0.6",
    "Hgb 6.4",
    "chair 6",
    "bed 14",
    "room 5112",
    "2nd verifier",
    "1st degree AVB",
    "5 days before the procedure",
)

HELDOUT4_TRAPS = (
    "Lung-RADS 4B",
    "pT3 N1a",
    "1/14 nodes",
    "135-145",
    "3.5-5.1",
    "Pain 4/10",
    "49/51",
    "90 mg/kg/day",
    "spring of 2019",
    "crisis line 988",
    "PHQ-9 = 17",
    "3K72P",
    "X0410",
    "G3P2",
    "EF 30%",
    "GCS 15",
    "EBL 20 mL",
    "protocol ALPINE-HF (v2.0)",
    "58-year-old",
    "74 y/o",
)

DEV5_TRAPS = (
    "Addison's disease",
    "Huntington disease",
    "Parkinson disease",
    "Wilson disease",
    "Babinski sign",
    "Crohn's disease",
    "Hodgkin lymphoma",
    "Graves disease",
    "Hashimoto thyroiditis",
    "Vanderbilt forms",
    "BP 168/94",
    "Apgar 8/9",
    "4548-4",
    "3016-3",
    "(M54.16)",
    "KRAS G12C",
    "BRCA2 c.5946delT",
    "protocol KRYSTAL-9",
    "model Azure XT DR W3DR01",
    "Entresto 24/26 mg",
    "Norco 5/325",
    "(I50.22)",
    "PHQ-9 21",
    "HbA1c 8.9%",
    "Vision 20/25",
    "quit alcohol in 2019",
    "none since 2020",
    "44-year-old",
    "(age 70)",
    "remission (2014)",
    "0.04 g/dL",
    "unit 14",
    "rm 214B",
    "chair 7",
    "dog Biscuit",
    "Mr. Whiskers",
    "three weeks ago",
    "P. 001/004",
    "OSHA 301",
    "CAG 17/19",
    "in the spring",
    "Eliquis",
)
#: Dev set 6 and held-out set 6 share their skeletons (tests/fixtures/phi/round8_notes.py), so their traps too.
ROUND8_TRAPS = (
    "Hodgkin lymphoma ruled out",
    "Lachman positive",
    "protocol HELIOS-4",
    "lot U7731AA",
    "BP 146/88",
    "Strength 4-/5",
    "CHA2DS2-VASc 1",
    "Mesh lot 4471-B",
    "kit lot K-7719",
    "Dog named Pepper",
    "8/2 mg",
    "in 1994",
    "Epworth 16",
    "EF 55%",
    "Pain 6/10",
    "MoCA 21/30",
)
#: Dev set 7 and held-out set 7 (round nine) have their own skeletons, so their own traps.
DEV7_TRAPS = (
    "NDC 0781-1506-10",
    "lot 2207K",
    "kit lot K-20931",
    "Dog named Biscuit",
    "Rx #7714203",
    "RV lot 4C22",
    "model AirSense 11",
    "E03.9",
    "G47.33",
    "Pager 4412",
    "Strength 4+/5",
    "protocol ORCHID-2",
    "in 2019",
    "pain 4/10",
    "AHI 31",
    "Alzheimer disease",
)
HELDOUT7_TRAPS = (
    "Cat named Mister Tibbs",
    "Run #26-0441",
    "E11.65",
    "Bethesda IV",
    "parkinsonism",
    "BP > 160/110",
    "L4-5",
    "ext 5521",
    "SUNRISE-HF",
    "MLH1 variant",
    "Wagner 2",
    "Hgb 10.4",
    "NYHA II",
    "Flexion 95 deg",
)
HELDOUT5_TRAPS = (
    "Cushing syndrome",
    "GRAVES DISEASE",
    "Graves disease",
    "Hodgkin lymphoma (1998)",
    "Hunt-Hess 3",
    "BRAF V600E",
    "MLH1 c.350C>T",
    "EGFR exon 19",
    "protocol EMBER-2",
    "model D284VRC",
    "lot 7JQ20418",
    "2276-4",
    "718-7",
    "co-careldopa 25/100",
    "Percocet 5/325",
    "(I26.99)",
    "EF 30%",
    "GAD-7 17",
    "EASI 31",
    "Apgar 9/9",
    "BP 201/112",
    "rabbit Clover",
    "Will recheck in 3 months",
    "in 2003",
    "PAGE 1 OF 6",
    "OSHA 301",
    "52 y/o",
    "Pain 5/10",
    "station 12",
    "bed 12A",
    "parkinsonism",
    "Trelegy",
    "at 49",
    "(64)",
)

CORPORA = (
    Corpus("dev1", "notes.jsonl", "make_notes", 40, 400, 150, 8, 10, 0.99, 1.0, 0.90, traps=DEV1_TRAPS),
    Corpus("dev2", "dev2.jsonl", "dev2_make", 40, 450, 80, 10, 10, 0.99, 1.0, 0.90, traps=DEV2_TRAPS),
    Corpus("dev3", "dev3.jsonl", "dev3_make", 40, 400, 80, 8, 8, 0.99, 1.0, 0.90, traps=DEV3_TRAPS),
    Corpus(
        "heldout",
        "heldout.jsonl",
        "heldout_make",
        30,
        300,
        100,
        6,
        6,
        # measured 0.910 / 0.950 / 0.968 after dev set 3, 0.928 / 0.958 / 0.964 after dev set 4; development
        # material since round five: 0.978 / 1.000 / 0.962 (docs/deid.md); floors just under
        0.97,
        0.99,
        0.96,
        held_out=True,
        independent_of=("dev1",),
        traps=HELDOUT_TRAPS,
    ),
    Corpus(
        "heldout2",
        "heldout2.jsonl",
        "heldout2_make",
        40,
        350,
        80,
        6,
        6,
        # written after dev set 3: 0.840 / 0.899 / 0.975 in round three, 0.883 / 0.924 / 0.972 in round four,
        # development material since round five: 0.963 / 0.992 / 0.970 (docs/deid.md); floors just under
        0.96,
        0.99,
        0.96,
        held_out=True,
        independent_of=("dev1", "dev2", "dev3"),
        traps=HELDOUT2_TRAPS,
    ),
    # dev set 4 (round four): international and context-poor forms; measured 0.955 / 1.000 / 0.991, 0.972 / 1.000 /
    # 0.991 after round five, its floors just under (below the 0.99 overall: docs/deid.md says what is left)
    Corpus("dev4", "dev4.jsonl", "dev4_make", 40, 250, 60, 1, 1, 0.97, 1.0, 0.98, traps=DEV4_TRAPS),
    Corpus(
        "heldout3",
        "heldout3.jsonl",
        "heldout3_make",
        40,
        220,
        50,
        1,
        1,
        # written after round four's rules, scored once: 0.829 / 0.913 / 0.970; development material since round
        # five: 0.950 / 1.000 / 0.973 (docs/deid.md); floors just under
        0.94,
        0.99,
        0.96,
        held_out=True,
        independent_of=("dev1", "dev2", "dev3", "dev4"),
        traps=HELDOUT3_TRAPS,
    ),
    Corpus(
        "heldout4",
        "heldout4.jsonl",
        "heldout4_make",
        40,
        240,
        60,
        2,
        2,
        # US hospital formats, written before round five's rules: 0.897 / 1.000 / 0.980 scored once before the
        # round, 0.929 / 1.000 / 0.980 once after it (docs/deid.md), 0.952 / 1.000 / 0.975 after round eight's rules;
        # floors just under
        0.92,
        0.99,
        0.97,
        held_out=True,
        independent_of=("dev1", "dev2", "dev3", "dev4", "heldout", "heldout2", "heldout3"),
        traps=HELDOUT4_TRAPS,
    ),
    # dev set 5 and held-out set 5 (round six): written together from one plan, blind to the rules. Dev 5 scored
    # 0.905 / 0.983 / 0.973 before round six and 0.949 / 0.983 / 0.977 after it (docs/deid.md); floors just under
    Corpus("dev5", "dev5.jsonl", "dev5_make", 40, 450, 100, 2, 2, 0.95, 1.0, 0.975, traps=DEV5_TRAPS),
    Corpus(
        "heldout5",
        "heldout5.jsonl",
        "heldout5_make",
        40,
        450,
        100,
        2,
        2,
        # scored once before round six (0.927 / 0.992 / 0.978) and once after it (0.939 / 0.992 / 0.979), its misses
        # never read (docs/deid.md); after round seven 0.941 / 1.000 / 0.979, after round eight's rules 0.952 / 1.000 /
        # 0.979; floors just under
        0.935,
        1.0,
        0.97,
        held_out=True,
        independent_of=("dev1", "dev2", "dev3", "dev4", "dev5", "heldout", "heldout2", "heldout3", "heldout4"),
        traps=HELDOUT5_TRAPS,
    ),
    # dev set 6 and held-out set 6 (round eight): one plan rendered twice, blind to the rules (round8_plan.py).
    # Dev 6 scored 0.904 / 0.991 / 0.983 before round eight and 0.993 / 1.000 / 0.984 after it (docs/deid.md)
    Corpus("dev6", "dev6.jsonl", "dev6_make", 40, 430, 110, 2, 2, 0.99, 1.0, 0.98, traps=ROUND8_TRAPS),
    Corpus(
        "heldout6",
        "heldout6.jsonl",
        "heldout6_make",
        40,
        430,
        110,
        2,
        2,
        # scored once before round eight's rules (0.876 / 0.991 / 0.980) and once after them (0.947 / 1.000 / 0.982),
        # aggregate figures only, its misses never read (docs/deid.md); floors just under
        0.94,
        1.0,
        0.975,
        held_out=True,
        independent_of=(
            "dev1",
            "dev2",
            "dev3",
            "dev4",
            "dev5",
            "dev6",
            "heldout",
            "heldout2",
            "heldout3",
            "heldout4",
            "heldout5",
        ),
        traps=ROUND8_TRAPS,
    ),
    # dev set 7 and held-out set 7 (round nine): one seeded plan (round9_plan.py), two separately written sets of
    # skeletons (round9_dev_notes.py, round9_heldout_notes.py), blind to the rules. Dev 7 scored 0.896 / 0.925 /
    # 0.985 before round nine and 0.990 / 1.000 / 0.984 after it (docs/deid.md)
    Corpus("dev7", "dev7.jsonl", "dev7_make", 40, 400, 80, 2, 2, 0.98, 1.0, 0.98, traps=DEV7_TRAPS),
    Corpus(
        "heldout7",
        "heldout7.jsonl",
        "heldout7_make",
        40,
        400,
        80,
        1,
        2,
        # scored once before round nine's rules (0.876 / 0.962 / 0.972) and once after them (0.910 / 1.000 /
        # 0.973), aggregate and per-kind figures only, its misses never read (docs/deid.md); floors just under
        0.90,
        1.0,
        0.97,
        held_out=True,
        independent_of=(
            "dev1",
            "dev2",
            "dev3",
            "dev4",
            "dev5",
            "dev6",
            "dev7",
            "heldout",
            "heldout2",
            "heldout3",
            "heldout4",
            "heldout5",
            "heldout6",
        ),
        traps=HELDOUT7_TRAPS,
    ),
)
SCORED = tuple(c for c in CORPORA if c.scored)
BY_NAME = {c.name: c for c in CORPORA}


def _read(corpus: Corpus) -> list[dict]:
    path = FIXTURE / corpus.file
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


RECORDS = {c.name: _read(c) for c in CORPORA}


def _benchmark():
    spec = importlib.util.spec_from_file_location("deid_benchmark_corpora", HERE.parent / "benchmarks" / "deid.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


deid = _benchmark()


@pytest.fixture(params=CORPORA, ids=lambda c: c.name)
def corpus(request) -> Corpus:
    return request.param


def test_fixture_is_the_generators_output(corpus):
    # Deterministic: rebuilding gives the committed file byte for byte.
    generator = importlib.import_module(f"tests.fixtures.phi.{corpus.generator}")
    assert markup.dumps(generator.build()) == (FIXTURE / corpus.file).read_text(encoding="utf-8")


def test_size_and_ids(corpus):
    records = RECORDS[corpus.name]
    assert len(records) >= corpus.min_notes
    assert sum(len(r["phi"]) for r in records) >= corpus.min_phi
    assert sum(len(r["clinical"]) for r in records) >= corpus.min_clinical
    assert len({r["id"] for r in records}) == len(records)


def test_ids_are_unique_across_corpora():
    ids = [r["id"] for records in RECORDS.values() for r in records]
    assert len(ids) == len(set(ids))


def test_spans_match_offsets_and_do_not_overlap(corpus):
    for rec in RECORDS[corpus.name]:
        text = rec["text"]
        for span in rec["phi"] + rec["clinical"]:
            assert 0 <= span["start"] < span["end"] <= len(text), (rec["id"], span)
            assert text[span["start"] : span["end"]] == span["text"], (rec["id"], span)
            assert span["text"] == span["text"].strip(), (rec["id"], span)
        assert all(span["kind"] in KINDS for span in rec["phi"]), rec["id"]
        assert all(span["label"] in markup.CLINICAL_LABELS for span in rec["clinical"]), rec["id"]
        for group in (rec["phi"], rec["clinical"]):
            ordered = sorted(group, key=lambda s: s["start"])
            for a, b in zip(ordered, ordered[1:], strict=False):
                assert a["end"] <= b["start"], (rec["id"], a, b)
        for c in rec["clinical"]:
            for p in rec["phi"]:
                assert c["end"] <= p["start"] or p["end"] <= c["start"], (rec["id"], c, p)


def test_titles_and_credentials_are_outside_name_spans(corpus):
    # docs/deid.md: titles and credentials are not part of a NAME span.
    for rec in RECORDS[corpus.name]:
        for p in rec["phi"]:
            if p["kind"] == "NAME":
                assert not re.match(r"(?i)(dr|drs|mr|mrs|ms|rev|fr|sgt)\.?\s", p["text"]), (rec["id"], p)
                assert not re.search(r",?\s(MD|M\.D\.|RN|DO|NP|PA-C|PhD)$", p["text"]), (rec["id"], p)


def test_every_kind_has_enough_spans(corpus):
    counts = Counter(p["kind"] for r in RECORDS[corpus.name] for p in r["phi"])
    assert set(counts) == set(KINDS)
    low = {k: n for k, n in counts.items() if n < corpus.min_per_kind}
    assert not low, low
    low = {k: counts[k] for k in markup.STRUCTURED if counts[k] < corpus.min_structured}
    assert not low, low


def test_kinds_and_corpora_are_documented():
    doc = DOC.read_text(encoding="utf-8")
    for kind in KINDS:
        assert re.search(rf"^\| `{kind}` \|", doc, re.MULTILINE), kind
    for c in CORPORA:
        assert c.file in doc and f"{c.generator}.py" in doc, c.name


def test_traps_are_present_and_not_phi(corpus):
    # Strings that look like identifiers but are not PHI stay outside every gold PHI span.
    assert corpus.traps
    records = RECORDS[corpus.name]
    for trap in corpus.traps:
        hits = [(r, m.start()) for r in records for m in re.finditer(re.escape(trap), r["text"])]
        assert hits, trap
        for rec, at in hits:
            for p in rec["phi"]:
                assert p["end"] <= at or at + len(trap) <= p["start"], (trap, p)


@pytest.mark.parametrize("corpus", [c for c in CORPORA if c.held_out], ids=lambda c: c.name)
def test_a_held_out_set_shares_no_identifier_with_the_development_sets(corpus):
    # No identifier of the development sets it was written after (bare ages aside) occurs as a word
    # anywhere in the held-out notes.
    assert corpus.independent_of
    # (values under five characters, such as ``2nd`` or a last four, are skipped: too short to identify anyone)
    dev_phi = {
        p["text"]
        for name in corpus.independent_of
        for r in RECORDS[name]
        for p in r["phi"]
        if p["kind"] != "AGE" and len(p["text"]) >= 5
    }
    records = RECORDS[corpus.name]
    for value in dev_phi:
        pattern = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE)
        hits = [r["id"] for r in records if pattern.search(r["text"])]
        assert not hits, (value, hits)


def test_markup_rejects_unknown_kinds_labels_and_unfilled_spans():
    assert markup.render("Seen by {{NAME|Ana Ruiz}} for [[Disease|gout]].")[1:] == (
        [{"start": 8, "end": 16, "kind": "NAME", "text": "Ana Ruiz"}],
        [{"start": 21, "end": 25, "label": "Disease", "text": "gout"}],
    )
    for bad in ("{{PERSON|Ana}}", "[[Gene|BRCA1]]", "{{NAME@pt.first}}", "{{NAME|Ana}"):
        with pytest.raises(ValueError):
            markup.render(bad)


@pytest.fixture(scope="module")
def scores() -> dict[str, dict]:
    scrub = deid.medkg_scrubber(None)
    return {c.name: deid.score_corpus(RECORDS[c.name], scrub) for c in SCORED}


@pytest.mark.parametrize("corpus", SCORED, ids=lambda c: c.name)
def test_scrubber_recall_and_precision_stay_above_the_corpus_floor(corpus, scores):
    result = scores[corpus.name]
    assert result["overall_recall"] >= corpus.recall
    assert result["structured_recall"] >= corpus.structured_recall
    assert result["overall_precision"] >= corpus.precision
    if corpus.structured_recall == 1.0:
        for kind in markup.STRUCTURED:
            caught, total = result["recall"][kind]
            assert caught == total, kind


@pytest.mark.parametrize("corpus", SCORED, ids=lambda c: c.name)
def test_no_clinical_mention_of_a_corpus_is_scrubbed(corpus, scores):
    assert sum(scores[corpus.name]["clinical_overlapped"].values()) == 0
