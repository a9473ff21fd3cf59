"""The ``trained`` relation extractor: clinical phrasing, assertion filtering, evidence, registry."""

from __future__ import annotations

import pytest

from kg.assemble import EvidenceRow, aggregate_edge, evidence_for
from kg.nlp import analyze
from kg.relations import RELATION_REGISTRY
from kg.relex.extractor import TrainedRelationExtractor
from kg.types import Document, Mention

CONCEPTS = {
    "lisinopril": ("Drug", "DRUGBANK:DB00722"),
    "hypertension": ("Disease", "DOID:10763"),
    "penicillin": ("Drug", "MESH:D010406"),
    "rash": ("Symptom", "HP:0000988"),
    "metformin": ("Drug", "DRUGBANK:DB00331"),
    "nausea": ("Symptom", "HP:0002018"),
    "tamoxifen": ("Drug", "DRUGBANK:DB00675"),
    "breast cancer": ("Disease", "DOID:1612"),
    "headache": ("Symptom", "HP:0002315"),
}


def _mentions(doc: Document, phrases: dict[str, str]) -> tuple[object, list[Mention]]:
    analyzed = analyze(doc)
    out = []
    for phrase, assertion in phrases.items():
        start = doc.text.lower().index(phrase)
        label, curie = CONCEPTS[phrase]
        out.append(
            Mention(
                doc_id=doc.id,
                sentence_index=analyzed.sentence_of(start).index,
                start=start,
                end=start + len(phrase),
                text=doc.text[start : start + len(phrase)],
                label=label,
                confidence=0.9,
                extractor="test",
                extractor_version="0",
                curie=curie,
                assertion=assertion,
            )
        )
    return analyzed, out


@pytest.fixture(scope="module")
def extractor(schema):
    # The packaged drug–disease model; DDI is covered in its own tests (it loads MiniLM).
    return TrainedRelationExtractor(schema, ddi=None)


def _run(extractor, text: str, phrases: dict[str, str]):
    analyzed, mentions = _mentions(Document(id="note", text=text), phrases)
    return {(r.head.text.lower(), r.type, r.tail.text.lower()): r for r in extractor(analyzed, mentions)}


@pytest.mark.parametrize(
    "text, phrases, expected",
    [
        (
            "Started on lisinopril for hypertension.",
            ["lisinopril", "hypertension"],
            ("lisinopril", "TREATS", "hypertension"),
        ),
        ("She developed a rash after penicillin.", ["rash", "penicillin"], ("penicillin", "CAUSES", "rash")),
        ("Nausea due to metformin.", ["nausea", "metformin"], ("metformin", "CAUSES", "nausea")),
    ],
)
def test_clinical_phrasing_gives_asserted_treats_and_causes(extractor, text, phrases, expected):
    found = _run(extractor, text, dict.fromkeys(phrases, "present"))
    assert expected in found
    rel = found[expected]
    assert rel.asserted and rel.extractor == "trained" and rel.sentence == text
    assert 0.5 <= rel.confidence <= 1.0


@pytest.mark.parametrize("status", ["negated", "hypothetical", "family", "possible"])
def test_relations_of_non_asserted_arguments_are_never_asserted(extractor, status):
    text = "Started on lisinopril for hypertension."
    found = _run(extractor, text, {"lisinopril": "present", "hypertension": status})
    assert all(not r.asserted and r.assertion == status for r in found.values())
    # ... and the assembled edge is not asserted by them: they are kept as evidence only.
    rows = [EvidenceRow(evidence_for(r, extractor.schema), "2026-12-01T00:00:00") for r in found.values()]
    for r in rows:
        assert not r.evidence.asserted
        assert aggregate_edge(r.evidence.head, r.evidence.type, r.evidence.tail, [r]) is None


def test_a_negation_cue_between_the_arguments_negates_the_relation(extractor, monkeypatch):
    text = "The rash was not due to penicillin."
    phrases = {"rash": "present", "penicillin": "present"}
    assert not any(r.asserted for r in _run(extractor, text, phrases).values())
    # Whatever the model's score, a relation across "not" is kept only as negated evidence.
    from kg.relex.linear import PairPrediction

    fake = [PairPrediction("p", "r", "cid", "CID", "CAUSES", 0.9, 1, 0)]
    monkeypatch.setattr(extractor.dd, "clinical", lambda doc, max_sentence_distance=0: fake)
    found = _run(extractor, text, phrases)
    rel = found[("penicillin", "CAUSES", "rash")]
    assert not rel.asserted and rel.assertion == "negated" and rel.confidence == 0.9


def test_asserted_mentions_of_a_concept_do_not_borrow_from_negated_ones(extractor):
    text = "No rash after penicillin last year. Penicillin was restarted. Rash resolved."
    found = _run(extractor, text, {"rash": "negated", "penicillin": "present"})
    assert all(not r.asserted for r in found.values())


def test_pairs_in_different_sentences_are_left_out_in_notes(extractor):
    found = _run(
        extractor, "Lisinopril 10 mg daily. Headache since Monday.", {"lisinopril": "present", "headache": "present"}
    )
    assert found == {}


def test_registry_builds_the_trained_extractor_and_rules_stay_available(schema):
    assert {"rules", "trained"} <= set(RELATION_REGISTRY.names())
    ex = RELATION_REGISTRY.create("trained", schema=schema, ddi=None)
    assert isinstance(ex, TrainedRelationExtractor) and ex.version.startswith("1.1.0+dd")
