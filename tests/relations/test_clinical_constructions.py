"""The construction classes of clinical notes the patterns read (issue 19), one case or more per class, and the
readings each class must not make. Sentences are written for the test, in the phrasing of clinical notes; none
is taken from the MTSamples test split."""

from __future__ import annotations

import pytest

from kg.relations.clinical import ClinicalPatterns
from tests.relations._notes import pattern_hits as _hits

D, S, M = "Disease", "Symptom", "Drug"


@pytest.fixture(scope="module")
def patterns(schema):
    return ClinicalPatterns(schema)


FOUND = [
    # ---- TREATS ----
    # medication-list items with their indication, in parentheses (the splitter's break inside "b.i.d. (" is no end)
    (
        "MEDICATIONS: Metformin 500 mg b.i.d. (diabetes), lisinopril 10 mg daily (hypertension).",
        [("Metformin", M), ("diabetes", D), ("lisinopril", M), ("hypertension", D)],
        {("Metformin", "TREATS", "diabetes"), ("lisinopril", "TREATS", "hypertension")},
    ),
    # "Y controlled with / on X and Z": every drug of the run
    (
        "Hypertension controlled with lisinopril and HCTZ.",
        [("Hypertension", D), ("lisinopril", M), ("HCTZ", M)],
        {("lisinopril", "TREATS", "Hypertension"), ("HCTZ", "TREATS", "Hypertension")},
    ),
    (
        "Hypertension, on lisinopril 20 mg daily and metoprolol.",
        [("Hypertension", D), ("lisinopril", M), ("metoprolol", M)],
        {("lisinopril", "TREATS", "Hypertension"), ("metoprolol", "TREATS", "Hypertension")},
    ),
    # "Y, for which she takes X", "Y (on X)"
    (
        "Depression, for which she takes Zoloft.",
        [("Depression", D), ("Zoloft", M)],
        {("Zoloft", "TREATS", "Depression")},
    ),
    (
        "Chronic anemia (on Epogen injections).",
        [("Chronic anemia", D), ("Epogen", M)],
        {("Epogen", "TREATS", "Chronic anemia")},
    ),
    # plan lines: the problem, then its drug
    (
        "Atrial fibrillation: Will start metoprolol.",
        [("Atrial fibrillation", D), ("metoprolol", M)],
        {("metoprolol", "TREATS", "Atrial fibrillation")},
    ),
    (
        "Hypertension - continue lisinopril.",
        [("Hypertension", D), ("lisinopril", M)],
        {("lisinopril", "TREATS", "Hypertension")},
    ),
    ("For her pain, she takes Tylenol.", [("pain", S), ("Tylenol", M)], {("Tylenol", "TREATS", "pain")}),
    ("For pain control, we will start oxycodone.", [("pain", S), ("oxycodone", M)], {("oxycodone", "TREATS", "pain")}),
    # the drug helps, relieves, gives relief of the condition
    ("Vicodin helps with the pain.", [("Vicodin", M), ("pain", S)], {("Vicodin", "TREATS", "pain")}),
    ("Tylenol relieves her headaches.", [("Tylenol", M), ("headaches", S)], {("Tylenol", "TREATS", "headaches")}),
    (
        "The patient was given morphine with good relief of her pain.",
        [("morphine", M), ("pain", S)],
        {("morphine", "TREATS", "pain")},
    ),
    # the drug, then the condition said to improve (read after the condition)
    (
        "He took a Medrol Dosepak and states that his pain level has decreased.",
        [("Medrol Dosepak", M), ("pain", S)],
        {("Medrol Dosepak", "TREATS", "pain")},
    ),
    (
        "She was switched to oxycodone SR 20 mg b.i.d. and she had good pain control.",
        [("oxycodone SR", M), ("pain", S)],
        {("oxycodone SR", "TREATS", "pain")},
    ),
    # "on X secondary to / due to Y" states why the drug is taken
    (
        "He is on Coumadin secondary to atrial fibrillation.",
        [("Coumadin", M), ("atrial fibrillation", D)],
        {("Coumadin", "TREATS", "atrial fibrillation")},
    ),
    (
        "She takes Imitrex when she gets migraines.",
        [("Imitrex", M), ("migraines", D)],
        {("Imitrex", "TREATS", "migraines")},
    ),
    (
        "Zofran for nausea and vomiting.",
        [("Zofran", M), ("nausea", S), ("vomiting", S)],
        {("Zofran", "TREATS", "vomiting")},
    ),
    (
        "He had a postoperative pain prescription written for Tylenol, Elixir with codeine as needed.",
        [("pain", S), ("Tylenol", M), ("codeine", M)],
        {("Tylenol", "TREATS", "pain"), ("codeine", "TREATS", "pain")},
    ),
    # ---- CAUSES ----
    # allergy entries: every coordinated reaction, a reaction shared by a run of drugs, relative clauses
    (
        "ALLERGIES: Codeine (nausea and vomiting).",
        [("Codeine", M), ("nausea", S), ("vomiting", S)],
        {("Codeine", "CAUSES", "nausea"), ("Codeine", "CAUSES", "vomiting")},
    ),
    (
        "ALLERGIES: SULFA - RASH AND ITCHING.",
        [("SULFA", M), ("RASH", S), ("ITCHING", S)],
        {("SULFA", "CAUSES", "ITCHING")},
    ),
    (
        "ALLERGIES: PENICILLIN, SULFA, AND CODEINE, ALL CAUSE HIVES.",
        [("PENICILLIN", M), ("SULFA", M), ("CODEINE", M), ("HIVES", S)],
        {("PENICILLIN", "CAUSES", "HIVES"), ("CODEINE", "CAUSES", "HIVES")},
    ),
    (
        "ALLERGIES: Penicillin, which gives her hives.",
        [("Penicillin", M), ("hives", S)],
        {("Penicillin", "CAUSES", "hives")},
    ),
    # an entry of the allergy section in a sentence of its own: the section header decides
    (
        "ALLERGIES: Penicillin, reaction unknown. Sulfa, hives.",
        [("Penicillin", M), ("Sulfa", M), ("hives", S)],
        {("Sulfa", "CAUSES", "hives")},
    ),
    # "causes his throat to swell": a body part between the verb and the reaction
    (
        "ALLERGIES: Levaquin causes rashes; ibuprofen causes his throat to swell.",
        [("Levaquin", M), ("rashes", S), ("ibuprofen", M), ("swell", S)],
        {("Levaquin", "CAUSES", "rashes"), ("ibuprofen", "CAUSES", "swell")},
    ),
    # adverse effects: stopped because of, a reaction to, on taking
    ("Lyrica was stopped due to dizziness.", [("Lyrica", M), ("dizziness", S)], {("Lyrica", "CAUSES", "dizziness")}),
    (
        "She could not tolerate Lyrica because of dizziness.",
        [("Lyrica", M), ("dizziness", S)],
        {("Lyrica", "CAUSES", "dizziness")},
    ),
    ("He had a rash to penicillin.", [("rash", S), ("penicillin", M)], {("penicillin", "CAUSES", "rash")}),
    (
        "She developed hives when she took penicillin.",
        [("hives", S), ("penicillin", M)],
        {("penicillin", "CAUSES", "hives")},
    ),
    # ---- HAS_SYMPTOM ----
    (
        "Pain in the right knee due to osteoarthritis.",
        [("Pain", S), ("osteoarthritis", D)],
        {("osteoarthritis", "HAS_SYMPTOM", "Pain")},
    ),
    (
        "Her osteoarthritis causes knee pain.",
        [("osteoarthritis", D), ("knee pain", S)],
        {("osteoarthritis", "HAS_SYMPTOM", "knee pain")},
    ),
    (
        "Numbness and tingling suggestive of carpal tunnel syndrome.",
        [("Numbness and tingling", S), ("carpal tunnel syndrome", D)],
        {("carpal tunnel syndrome", "HAS_SYMPTOM", "Numbness and tingling")},
    ),
    (
        "He had continued confusion and dementia, which is apparently his baseline secondary to his Alzheimer's.",
        [("confusion", S), ("dementia", S), ("Alzheimer's", D)],
        {("Alzheimer's", "HAS_SYMPTOM", "confusion"), ("Alzheimer's", "HAS_SYMPTOM", "dementia")},
    ),
]


@pytest.mark.parametrize("text, spans, expected", FOUND)
def test_each_construction_class_is_read(patterns, text, spans, expected):
    found = _hits(patterns, text, spans)
    assert expected <= found, found


@pytest.mark.parametrize(
    "text, spans, wrong",
    [
        # the reason a drug is taken is not its adverse effect, nor the reverse
        (
            "He is on Coumadin secondary to atrial fibrillation.",
            [("Coumadin", M), ("atrial fibrillation", D)],
            ("Coumadin", "CAUSES", "atrial fibrillation"),
        ),
        (
            "Coumadin was stopped due to bleeding.",
            [("Coumadin", M), ("bleeding", S)],
            ("Coumadin", "TREATS", "bleeding"),
        ),
        # a reaction in parentheses in an allergy list is not an indication ...
        ("ALLERGIES: Penicillin (hives).", [("Penicillin", M), ("hives", S)], ("Penicillin", "TREATS", "hives")),
        # ... and an indication in parentheses in a medication list is not a reaction
        ("MEDICATIONS: Zyrtec 10 mg daily (hives).", [("Zyrtec", M), ("hives", S)], ("Zyrtec", "CAUSES", "hives")),
        # one allergy entry's reaction is not the next entry's
        (
            "ALLERGIES: Penicillin (rash), codeine (nausea).",
            [("Penicillin", M), ("rash", S), ("codeine", M), ("nausea", S)],
            ("Penicillin", "CAUSES", "nausea"),
        ),
        (
            "ALLERGIES: Penicillin (rash), codeine (nausea).",
            [("Penicillin", M), ("rash", S), ("codeine", M), ("nausea", S)],
            ("codeine", "CAUSES", "rash"),
        ),
        # outside an allergy section a "drug, symptom" entry states nothing
        (
            "MEDICATIONS: Lasix. Zofran, nausea.",
            [("Lasix", M), ("Zofran", M), ("nausea", S)],
            ("Zofran", "CAUSES", "nausea"),
        ),
        # a drug that makes the pain better does not cause it
        ("Tylenol makes the pain better.", [("Tylenol", M), ("pain", S)], ("Tylenol", "CAUSES", "pain")),
        # a plan to stop a drug is not a treatment statement
        (
            "Hypertension - stop lisinopril.",
            [("Hypertension", D), ("lisinopril", M)],
            ("lisinopril", "TREATS", "Hypertension"),
        ),
        # a condition that worsens after a drug is not treated by it
        (
            "He took Vicodin and his nausea has worsened.",
            [("Vicodin", M), ("nausea", S)],
            ("Vicodin", "TREATS", "nausea"),
        ),
        # a drug given for one thing does not treat the condition it caused
        (
            "Benadryl for the rash caused by penicillin.",
            [("Benadryl", M), ("rash", S), ("penicillin", M)],
            ("penicillin", "TREATS", "rash"),
        ),
        (
            "Zofran for nausea from the morphine.",
            [("Zofran", M), ("nausea", S), ("morphine", M)],
            ("Zofran", "CAUSES", "nausea"),
        ),
    ],
)
def test_readings_a_construction_must_not_make(patterns, text, spans, wrong):
    assert wrong not in _hits(patterns, text, spans)


def test_a_possessive_short_form_takes_its_fuller_earlier_mention(patterns):
    text = (
        "He has peripheral vascular disease and peripheral neuropathy. "
        "He has chronic numbness related to his neuropathy."
    )
    spans = [("peripheral vascular disease", D), ("peripheral neuropathy", D), ("numbness", S), ("neuropathy", D)]
    found = _hits(patterns, text, spans)
    assert ("peripheral neuropathy", "HAS_SYMPTOM", "numbness") in found
    assert ("neuropathy", "HAS_SYMPTOM", "numbness") not in found
    # without a possessive the mention stands for itself
    found = _hits(patterns, text.replace("his neuropathy", "neuropathy"), spans)
    assert ("neuropathy", "HAS_SYMPTOM", "numbness") in found


def test_the_relation_fingerprint_follows_the_patterns_file(tmp_path, monkeypatch):
    from kg.relations import clinical, relation_fingerprint

    off = {"clinical_patterns": False}
    before, before_off = relation_fingerprint("trained", {}), relation_fingerprint("trained", off)
    copy = tmp_path / "patterns.yaml"
    copy.write_text(clinical.CLINICAL_PATTERNS_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(clinical, "CLINICAL_PATTERNS_PATH", copy)
    assert relation_fingerprint("trained", {}) == before  # same content, same fingerprint
    copy.write_text(copy.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert relation_fingerprint("trained", {}) != before
    # without the patterns the file does not count
    assert relation_fingerprint("trained", off) == before_off
