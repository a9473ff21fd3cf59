"""The clinical-note relation patterns: the shapes notes use, and the readings they must not make."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.relations.clinical import ClinicalPatterns, load_patterns
from kg.schema import load_schema
from tests.relations._notes import pattern_hits as _hits


@pytest.fixture(scope="module")
def patterns():
    return ClinicalPatterns(load_schema())


D, S, M = "Disease", "Symptom", "Drug"


@pytest.mark.parametrize(
    "text, spans, expected",
    [
        ("The patient is given Vicodin for pain.", [("Vicodin", M), ("pain", S)], ("Vicodin", "TREATS", "pain")),
        # a sentence break after a dosing abbreviation is not the end of the statement
        (
            "Vicodin 5/500 mg one to two every four to six hours p.r.n. pain, Lovenox daily.",
            [("Vicodin", M), ("pain", S), ("Lovenox", M)],
            ("Vicodin", "TREATS", "pain"),
        ),
        (
            "Will start metoprolol for rate control of her atrial fibrillation.",
            [("metoprolol", M), ("atrial fibrillation", D)],
            ("metoprolol", "TREATS", "atrial fibrillation"),
        ),
        (
            "Significant back pain, with pain being controlled on methadone 10 mg b.i.d.",
            [("back pain", S), ("pain", S), ("methadone", M)],
            ("methadone", "TREATS", "pain"),
        ),
        (
            "Hypertension, on lisinopril.",
            [("Hypertension", D), ("lisinopril", M)],
            ("lisinopril", "TREATS", "Hypertension"),
        ),
        (
            "This patient is an insulin-dependent diabetic.",
            [("insulin", M), ("diabetic", D)],
            ("insulin", "TREATS", "diabetic"),
        ),
        (
            "ALLERGIES: HE IS ALLERGIC TO RELAFEN (ITCHING).",
            [("RELAFEN", M), ("ITCHING", S)],
            ("RELAFEN", "CAUSES", "ITCHING"),
        ),
        (
            "ALLERGIES: Levaquin and Cipro cause rashes.",
            [("Levaquin", M), ("Cipro", M), ("rashes", S)],
            ("Levaquin", "CAUSES", "rashes"),
        ),
        (
            "Patient with amiodarone-induced hypothyroidism.",
            [("amiodarone", M), ("hypothyroidism", D)],
            ("amiodarone", "CAUSES", "hypothyroidism"),
        ),
        ("He also had some nausea with the PCA.", [("nausea", S), ("PCA", M)], ("PCA", "CAUSES", "nausea")),
        ("Cough secondary to lisinopril.", [("Cough", S), ("lisinopril", M)], ("lisinopril", "CAUSES", "Cough")),
        (
            "He does have paresthesias down into his thighs secondary to spinal stenosis.",
            [("paresthesias", S), ("spinal stenosis", D)],
            ("spinal stenosis", "HAS_SYMPTOM", "paresthesias"),
        ),
        (
            "Chronic obstructive pulmonary disease (COPD) with cough.",
            [("Chronic obstructive pulmonary disease", D), ("COPD", D), ("cough", S)],
            ("Chronic obstructive pulmonary disease", "HAS_SYMPTOM", "cough"),
        ),
        # a break after "p.r.n.," made by the sentence splitter does not end the statement
        (
            "She was given Vicodin 5/500 mg #30 1-2 p.o. q.4-6h. p.r.n., pain, Naprosyn 500 mg p.o. b.i.d.",
            [("Vicodin", M), ("pain", S), ("Naprosyn", M)],
            ("Vicodin", "TREATS", "pain"),
        ),
        (
            "She has a painful right talus bunion.",
            [("painful", S), ("talus bunion", D)],
            ("talus bunion", "HAS_SYMPTOM", "painful"),
        ),
        (
            "Left Dupuytren disease, which is causing contractions at the MP joint.",
            [("Dupuytren disease", D), ("contractions", S)],
            ("Dupuytren disease", "HAS_SYMPTOM", "contractions"),
        ),
        (
            "Medications currently used for the present spine problem: narcotics and muscle relaxants.",
            [("spine problem", D), ("narcotics", M), ("muscle relaxants", M)],
            ("muscle relaxants", "TREATS", "spine problem"),
        ),
        (
            "The biopsy was consistent with demyelinating disease. She was treated with Decadron and Cytoxan.",
            [("demyelinating disease", D), ("Decadron", M), ("Cytoxan", M)],
            ("Cytoxan", "TREATS", "demyelinating disease"),
        ),
    ],
)
def test_clinical_shapes_are_found(patterns, text, spans, expected):
    assert expected in _hits(patterns, text, spans)


def test_a_list_of_symptoms_after_a_disease_gives_each_of_them(patterns):
    text = "Cervical radiculopathy with cervical and left arm pain, numbness, weakness, with MRI findings."
    found = _hits(patterns, text, [("Cervical radiculopathy", D), ("pain", S), ("numbness", S), ("weakness", S)])
    assert {t for h, r, t in found if h == "Cervical radiculopathy" and r == "HAS_SYMPTOM"} == {
        "pain",
        "numbness",
        "weakness",
    }


def test_a_problem_list_item_pairs_its_problems_with_its_drugs(patterns):
    text = "3. Pain management. 4. Depression and anxiety, Paxil 40 mg daily, Klonopin 1 mg q.h.s. 5. Osteoarthritis, Celebrex 200 mg b.i.d."
    spans = [("Depression", D), ("anxiety", S), ("Paxil", M), ("Klonopin", M), ("Osteoarthritis", D), ("Celebrex", M)]
    found = _hits(patterns, text, spans)
    # as many problems as drugs: respectively; and never across items
    assert found == {
        ("Paxil", "TREATS", "Depression"),
        ("Klonopin", "TREATS", "anxiety"),
        ("Celebrex", "TREATS", "Osteoarthritis"),
    }


@pytest.mark.parametrize(
    "text, spans",
    [
        # a medication list: only the drug whose own instructions name the condition treats it
        (
            "Increase Lasix to 80 mg every morning, Lovenox 30 mg subcu daily, Vicodin 5/500 mg p.r.n. pain.",
            [("Lasix", M), ("Lovenox", M), ("Vicodin", M), ("pain", S)],
        ),
        # "pain relief after" is a treatment statement, not an adverse effect
        ("Good pain relief after the morphine.", [("pain", S), ("morphine", M)]),
        # treating a symptom with a drug is not the drug causing it
        ("We treated the nausea with ondansetron.", [("nausea", S), ("ondansetron", M)]),
        # a drug stopped and replaced: the condition belongs to the new drug's statement
        ("Rx for Voltaren 75 mg for pain instead of Celebrex.", [("pain", S), ("Celebrex", M)]),
        # the clause before names a drug as well: its condition is that drug's business
        (
            "She was given Vicoprofen p.r.n. pain. She was given Lasix 20 mg.",
            [("Vicoprofen", M), ("pain", S), ("Lasix", M)],
        ),
    ],
)
def test_readings_the_patterns_must_not_make(patterns, text, spans):
    found = _hits(patterns, text, spans)
    assert not {f for f in found if f[0] in {"Lasix", "Lovenox"}}, found
    assert not {f for f in found if f[1] == "CAUSES"}
    assert ("Celebrex", "TREATS", "pain") not in found


def test_a_patterns_file_with_an_unknown_macro_or_relation_is_refused(tmp_path: Path):
    schema = load_schema()
    bad = tmp_path / "p.yaml"
    bad.write_text(
        "patterns:\n  - {name: x, rel: TREATS, first: [Drug], second: [Disease], order: first_is_head,"
        " regex: '^{{NOPE}}$', confidence: 0.5}\n"
    )
    with pytest.raises(ValueError, match="unknown macro"):
        load_patterns(bad, schema)
    bad.write_text(
        "patterns:\n  - {name: x, rel: PALLIATES, first: [Drug], second: [Disease], order: first_is_head,"
        " regex: 'x', confidence: 0.5}\n"
    )
    with pytest.raises(ValueError, match="not an extracted relationship"):
        load_patterns(bad, schema)
