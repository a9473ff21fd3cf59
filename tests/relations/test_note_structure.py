"""Treatment across the sentences of one note section (issue 19, session 21): kg.relations.note_structure.

Sentences are written for the test in the phrasing of clinical notes; none is taken from the MTSamples splits.
"""

from __future__ import annotations

import dataclasses

import pytest

from kg.relations.extractor import TrainedRelationExtractor, TrainedRelationOptions
from kg.relations.note_structure import therapy_back_references
from kg.types import Document
from tests.relations._notes import placed_mentions

D, S, M = "Disease", "Symptom", "Drug"


def _hits(schema, text, spans, assertions=None):
    analyzed, mentions = placed_mentions(text, spans)
    for i, status in (assertions or {}).items():
        mentions[i] = mentions[i].model_copy(update={"assertion": status})
    return {(h.head.text, h.rel, h.tail.text) for h in therapy_back_references(analyzed, mentions, schema)}


@pytest.mark.parametrize(
    "text, spans, expected, assertions",
    [
        # the problem, then what was tried for it
        (
            "She has had severe neck pain for four months. She has been unresponsive to rest and ibuprofen.",
            [("neck pain", S), ("ibuprofen", M)],
            {("ibuprofen", "TREATS", "neck pain")},
            {},
        ),
        (
            "MRI showed a lumbar disc herniation at L5-S1. The patient has failed gabapentin.",
            [("lumbar disc herniation", D), ("gabapentin", M)],
            {("gabapentin", "TREATS", "lumbar disc herniation")},
            {},
        ),
        # a clause with no mention between is passed over
        (
            "He developed a generalized seizure. An EEG was obtained the next day. He was placed on levetiracetam.",
            [("generalized seizure", D), ("levetiracetam", M)],
            {("levetiracetam", "TREATS", "generalized seizure")},
            {},
        ),
        # and so is one whose only condition is negated
        (
            "She reports hip pain at night. She denies any trauma. She had been taking naproxen with little relief.",
            [("hip pain", S), ("trauma", D), ("naproxen", M)],
            {("naproxen", "TREATS", "hip pain")},
            {1: "negated"},
        ),
        # two symptoms of the problem clause, each drug of the therapy clause
        (
            "He reports low back pain and leg cramps. He has tried meloxicam and cyclobenzaprine.",
            [("low back pain", S), ("leg cramps", S), ("meloxicam", M), ("cyclobenzaprine", M)],
            {
                ("meloxicam", "TREATS", "low back pain"),
                ("meloxicam", "TREATS", "leg cramps"),
                ("cyclobenzaprine", "TREATS", "low back pain"),
                ("cyclobenzaprine", "TREATS", "leg cramps"),
            },
            {},
        ),
        # a disease of the problem clause is the problem, its symptom a manifestation
        (
            "She has gout with swelling of the toe. She was treated with colchicine.",
            [("gout", D), ("swelling", S), ("colchicine", M)],
            {("colchicine", "TREATS", "gout")},
            {},
        ),
    ],
)
def test_a_therapy_clause_treats_the_problem_before_it(schema, text, spans, expected, assertions):
    assert _hits(schema, text, spans, assertions) == expected


@pytest.mark.parametrize(
    "text, spans",
    [
        # a medication list after a history list, under its own header: no stated indication
        (
            "PAST MEDICAL HISTORY: Hypertension. MEDICATIONS: She is taking lisinopril.",
            [("Hypertension", D), ("lisinopril", M)],
        ),
        # three conditions are a problem list
        (
            "History of hypertension, diabetes, and gout. She was started on allopurinol.",
            [("hypertension", D), ("diabetes", D), ("gout", D), ("allopurinol", M)],
        ),
        # perioperative and prophylactic drugs treat nothing of the problem
        (
            "He has a displaced ankle fracture. He was given cefazolin preoperatively.",
            [("ankle fracture", D), ("cefazolin", M)],
        ),
        (
            "She has a hip fracture. She was placed on enoxaparin for DVT prophylaxis.",
            [("hip fracture", D), ("enoxaparin", M)],
        ),
        # a drug given during a procedure
        (
            "DESCRIPTION OF PROCEDURE: The torn meniscus was identified. The patient was given ketorolac.",
            [("torn meniscus", D), ("ketorolac", M)],
        ),
        # no therapy cue: a drug that merely follows a complaint
        (
            "He complains of headache. Aspirin 81 mg is listed in the chart.",
            [("headache", S), ("Aspirin", M)],
        ),
        # a clause with another drug in between ends the search
        (
            "She has back pain. Oxycodone 5 mg q.6h. She was given docusate.",
            [("back pain", S), ("Oxycodone", M), ("docusate", M)],
        ),
        # too far back
        (
            "He has osteoarthritis. He walks daily. The x-ray was reviewed. His wife is here. He has tried meloxicam.",
            [("osteoarthritis", D), ("meloxicam", M)],
        ),
        # the therapy clause names a condition of its own: the patterns read it
        (
            "She has migraines. She was given ondansetron for nausea.",
            [("migraines", D), ("ondansetron", M), ("nausea", S)],
        ),
    ],
)
def test_what_the_reading_must_not_make(schema, text, spans):
    found = _hits(schema, text, spans)
    drugs = {s for s, label in spans if label == M}
    conditions = {s for s, label in spans if label != M}
    assert not {(d, "TREATS", c) for d in drugs for c in conditions} & found - {("ondansetron", "TREATS", "nausea")}


@pytest.mark.parametrize("status", ["negated", "hypothetical", "family", "possible"])
def test_a_problem_that_is_no_patient_fact_is_passed_over(schema, status):
    text = "He has chronic gastritis. His mother had migraine. He has tried sumatriptan."
    spans = [("chronic gastritis", D), ("migraine", D), ("sumatriptan", M)]
    # the non-asserted condition is passed over, the asserted one before it is the problem
    assert _hits(schema, text, spans, {1: status}) == {("sumatriptan", "TREATS", "chronic gastritis")}
    assert _hits(schema, text, spans, {0: status, 1: status}) == set()


def test_a_drug_that_is_no_patient_fact_treats_nothing(schema):
    text = "She has knee pain. She has been given tramadol."
    assert _hits(schema, text, [("knee pain", S), ("tramadol", M)], {1: "hypothetical"}) == set()


@pytest.fixture(scope="module")
def extractor(schema):
    return TrainedRelationExtractor(schema, TrainedRelationOptions(ddi=None))


def _run(extractor, kind):
    text = "She has had severe neck pain for four months. She has been unresponsive to rest and ibuprofen."
    metadata = {"document_kind": kind} if kind else {}
    analyzed, mentions = placed_mentions(text, [("neck pain", S), ("ibuprofen", M)])
    analyzed = dataclasses.replace(analyzed, document=Document(id="note", text=text, metadata=metadata))
    return {(r.head.text, r.type, r.tail.text) for r in extractor(analyzed, mentions) if r.asserted}


def test_the_extractor_reads_it_in_notes_only(extractor, schema):
    pair = ("ibuprofen", "TREATS", "neck pain")
    assert pair in _run(extractor, "note")
    assert pair in _run(extractor, None)  # the extractor's default kind is note (the clinical settings)
    assert pair not in _run(extractor, "abstract")
    abstracts = TrainedRelationExtractor(schema, TrainedRelationOptions(ddi=None, document_kind="abstract"))
    assert pair not in _run(abstracts, None)
    off = TrainedRelationExtractor(schema, TrainedRelationOptions(ddi=None, note_therapy_clauses=False))
    assert pair not in _run(off, "note")


def test_a_bare_prescription_states_no_indication(schema):
    text = "He has chronic back pain. He was given a prescription for hydrocodone."
    assert _hits(schema, text, [("chronic back pain", S), ("hydrocodone", M)]) == set()


def test_headers_say_where_a_section_starts():
    from kg.relations.clinical import _Headers

    text = "HPI: Back pain. MEDICATIONS: Aleve."
    headers = _Headers(text)
    assert headers.end_before(text.index("Back")) == len("HPI:")
    assert headers.end_before(text.index("Aleve")) == text.index("MEDICATIONS:") + len("MEDICATIONS:")
    assert headers.end_before(0) == 0
