"""The ``trained`` relation extractor: clinical phrasing, assertion filtering, evidence, registry."""

from __future__ import annotations

import numpy as np
import pytest

from kg.assemble import EvidenceRow, aggregate_edge, evidence_for
from kg.nlp import analyze
from kg.relations import RELATION_REGISTRY
from kg.relations.extractor import VERSION as EXTRACTOR_VERSION
from kg.relations.extractor import TrainedRelationExtractor, TrainedRelationOptions
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
    "warfarin": ("Drug", "DRUGBANK:DB00682"),
    "amiodarone": ("Drug", "DRUGBANK:DB01118"),
    "vicodin": ("Drug", "MESH:C015603"),
    "pain": ("Symptom", "HP:0012531"),
}
DDI_CLASSES = ["none", "mechanism", "effect", "advise", "int"]


def _mentions(doc: Document, phrases: dict[str, str]) -> tuple[object, list[Mention]]:
    return _mentions_at(doc, [(phrase, 0, assertion) for phrase, assertion in phrases.items()])


def _mentions_at(doc: Document, spans: list[tuple[str, int, str]]) -> tuple[object, list[Mention]]:
    """Mentions of (phrase, occurrence (0: the first), assertion)."""
    analyzed = analyze(doc)
    out = []
    for phrase, occurrence, assertion in spans:
        start = -1
        for _ in range(occurrence + 1):
            start = doc.text.lower().index(phrase, start + 1)
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
    return TrainedRelationExtractor(schema, TrainedRelationOptions(ddi=None))


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
    assert ("lisinopril", "TREATS", "hypertension") in found  # the relation is found, with the status
    assert all(not r.asserted and r.assertion == status for r in found.values())
    # ... and the assembled edge is not asserted by them: they are kept as evidence only.
    rows = [EvidenceRow(evidence_for(r, extractor.schema), "2026-12-01T00:00:00") for r in found.values()]
    for r in rows:
        assert not r.evidence.asserted
        assert aggregate_edge(r.evidence.head, r.evidence.type, r.evidence.tail, [r]) is None


def test_a_negation_cue_between_the_arguments_negates_the_relation(extractor, monkeypatch):
    phrases = {"rash": "present", "penicillin": "present"}
    # the model finds the relation with or without the cue; across "not" it is negated, not asserted
    plain = _run(extractor, "She developed a rash, due to penicillin.", phrases)
    assert plain[("penicillin", "CAUSES", "rash")].asserted
    found = _run(extractor, "She developed a rash, not due to penicillin.", phrases)
    assert list(found) == [("penicillin", "CAUSES", "rash")]
    assert not any(r.asserted for r in found.values())
    assert found[("penicillin", "CAUSES", "rash")].assertion == "negated"
    text = "The rash was not due to penicillin."
    # Whatever the model's score, a relation across "not" is kept only as negated evidence.
    from kg.relations.linear import PairPrediction

    fake = [PairPrediction("p", "r", "cid", "CID", "CAUSES", 0.9, 1, 0)]
    monkeypatch.setattr(extractor.dd, "clinical", lambda doc, max_sentence_distance=0: fake)
    found = _run(extractor, text, phrases)
    rel = found[("penicillin", "CAUSES", "rash")]
    assert not rel.asserted and rel.assertion == "negated" and rel.confidence == 0.9


def test_asserted_mentions_of_a_concept_do_not_borrow_from_negated_ones(extractor):
    # the first sentence relates penicillin to a family-history rash; the asserted mentions of both
    # concepts meet in the second sentence, whose own wording states no relation
    text = "Her mother developed a rash after penicillin. Penicillin was restarted today, rash noted."
    analyzed, mentions = _mentions_at(
        Document(id="note", text=text),
        [("rash", 0, "family"), ("penicillin", 0, "present"), ("penicillin", 1, "present"), ("rash", 1, "present")],
    )
    rels = extractor(analyzed, mentions)
    assert rels  # the relation of the first sentence is found ...
    assert all(not r.asserted for r in rels)  # ... and nothing is asserted
    assert {(r.head.start, r.type, r.tail.start, r.assertion) for r in rels} == {
        (mentions[1].start, "CAUSES", mentions[0].start, "family")
    }
    assert rels[0].sentence == "Her mother developed a rash after penicillin."


def test_a_drug_for_a_symptom_treats_it(extractor):
    # schema 1.2: TREATS takes Drug -> Symptom ("Vicodin for pain"), found by the clinical patterns
    found = _run(extractor, "He was given Vicodin for pain.", {"vicodin": "present", "pain": "present"})
    rel = found[("vicodin", "TREATS", "pain")]
    assert rel.asserted and rel.confidence >= 0.6 and "CAUSES" not in {t for _, t, _ in found}


def test_a_clinical_pattern_overrules_the_models_other_type_for_its_pair(extractor, monkeypatch):
    from kg.relations.linear import PairPrediction

    text = "Started on lisinopril for hypertension."
    fake = [PairPrediction("l", "h", "cid", "CID", "CAUSES", 0.95, 0, 1)]
    monkeypatch.setattr(extractor.dd, "clinical", lambda doc, max_sentence_distance=0: fake)
    found = _run(extractor, text, {"lisinopril": "present", "hypertension": "present"})
    assert set(found) == {("lisinopril", "TREATS", "hypertension")}
    without = TrainedRelationExtractor(extractor.schema, TrainedRelationOptions(ddi=None, clinical_patterns=False))
    monkeypatch.setattr(without.dd, "clinical", lambda doc, max_sentence_distance=0: fake)
    assert set(_run(without, text, {"lisinopril": "present", "hypertension": "present"})) == {
        ("lisinopril", "CAUSES", "hypertension")
    }


def _model_says(monkeypatch, extractor, text: str, phrases: list[str], drug: str, condition: str):
    """The relations found when the drug-disease model calls (drug, condition) TREATS with P 0.9."""
    from kg.relations.linear import PairPrediction

    fake = [
        PairPrediction(
            "d", "c", "biored", "Negative_Correlation", "TREATS", 0.9, phrases.index(drug), phrases.index(condition)
        )
    ]
    monkeypatch.setattr(extractor.dd, "clinical", lambda doc, max_sentence_distance=0: fake)
    return _run(extractor, text, dict.fromkeys(phrases, "present"))


@pytest.mark.parametrize(
    "text, phrases, drug, condition",
    [
        # another condition lies between: in a list the drug belongs to the nearer one
        (
            "Hypertension with headache, metformin daily.",
            ["hypertension", "headache", "metformin"],
            "metformin",
            "hypertension",
        ),
        # the words between introduce the condition as a new complaint
        ("She received tamoxifen and complained of headache.", ["tamoxifen", "headache"], "tamoxifen", "headache"),
        # a clinical pattern already gives the condition to another drug
        ("Vicodin p.r.n. for pain as well as metformin.", ["vicodin", "pain", "metformin"], "metformin", "pain"),
    ],
)
def test_a_model_pair_the_note_gives_elsewhere_is_dropped(extractor, monkeypatch, text, phrases, drug, condition):
    assert (drug, "TREATS", condition) not in _model_says(monkeypatch, extractor, text, phrases, drug, condition)
    unfiltered = TrainedRelationExtractor(extractor.schema, TrainedRelationOptions(ddi=None, model_pair_filter=False))
    assert (drug, "TREATS", condition) in _model_says(monkeypatch, unfiltered, text, phrases, drug, condition)


def test_a_model_pair_with_nothing_between_is_kept(extractor, monkeypatch):
    found = _model_says(
        monkeypatch,
        extractor,
        "Tamoxifen, breast cancer.",
        ["tamoxifen", "breast cancer"],
        "tamoxifen",
        "breast cancer",
    )
    assert found[("tamoxifen", "TREATS", "breast cancer")].asserted


def test_a_negated_reaction_in_an_allergy_entry_is_no_fact(extractor):
    found = _run(
        extractor,
        "ALLERGIES: Penicillin (rash and nausea).",
        {"penicillin": "present", "rash": "present", "nausea": "negated"},
    )
    assert found[("penicillin", "CAUSES", "rash")].asserted
    nausea = found[("penicillin", "CAUSES", "nausea")]
    assert not nausea.asserted and nausea.assertion == "negated"


def test_pairs_in_different_sentences_are_left_out_in_notes(extractor):
    found = _run(
        extractor, "Lisinopril 10 mg daily. Headache since Monday.", {"lisinopril": "present", "headache": "present"}
    )
    assert found == {}


def test_registry_builds_the_trained_extractor_and_rules_stay_available(schema):
    assert {"rules", "trained"} <= set(RELATION_REGISTRY.names())
    ex = RELATION_REGISTRY.create("trained", schema=schema, ddi=None)
    assert isinstance(ex, TrainedRelationExtractor) and ex.version.startswith(f"{EXTRACTOR_VERSION}+dd")


class FakeDDI:
    """Stands in for the DDI pair classifier: fixed class probabilities for every pair."""

    classes = DDI_CLASSES

    def __init__(self, row: list[float]) -> None:
        self.row = row
        self.scored: list = []

    def predict_proba(self, pairs):
        self.scored.extend(pairs)
        return np.asarray([self.row] * len(pairs), dtype=np.float32)


@pytest.mark.parametrize(
    "row, subtype",
    [
        ([0.1, 0.05, 0.7, 0.1, 0.05], "effect"),
        ([0.2, 0.5, 0.1, 0.1, 0.1], "mechanism"),
        ([0.3, 0.1, 0.1, 0.4, 0.1], "advise"),
        ([0.1, 0.1, 0.1, 0.1, 0.6], "int"),
    ],
)
def test_ddi_prediction_gives_interacts_with_with_its_subtype(extractor, monkeypatch, row, subtype):
    monkeypatch.setattr(extractor, "ddi", FakeDDI(row))
    found = _run(
        extractor, "Amiodarone increases the effect of warfarin.", {"amiodarone": "present", "warfarin": "present"}
    )
    rel = found[("amiodarone", "INTERACTS_WITH", "warfarin")]
    assert rel.subtype == subtype and rel.confidence == pytest.approx(1 - row[0], abs=1e-4)
    # ... and it travels into the evidence and onto the aggregated edge
    ev = evidence_for(rel, extractor.schema)
    assert (ev.head, ev.tail, ev.subtype) == ("DRUGBANK:DB00682", "DRUGBANK:DB01118", subtype)
    edge = aggregate_edge(ev.head, ev.type, ev.tail, [EvidenceRow(ev, "2026-12-01T00:00:00")])
    assert edge is not None and edge.subtype == subtype and edge.subtypes == (subtype,)


def test_ddi_none_gives_no_interaction(extractor, monkeypatch):
    fake = FakeDDI([0.6, 0.1, 0.1, 0.1, 0.1])
    monkeypatch.setattr(extractor, "ddi", fake)
    found = _run(
        extractor, "Amiodarone increases the effect of warfarin.", {"amiodarone": "present", "warfarin": "present"}
    )
    assert len(fake.scored) == 1  # the drug pair reached the classifier ...
    assert not any(k[1] == "INTERACTS_WITH" for k in found)  # ... and its "none" gave no interaction


def test_unknown_or_mistyped_extractor_options_are_config_errors_naming_the_key(schema):
    from kg.config import ConfigError

    with pytest.raises(ConfigError, match="relation extractor 'trained': unknown option 'min_confidance'"):
        RELATION_REGISTRY.create("trained", schema=schema, min_confidance=0.5)
    with pytest.raises(ConfigError, match="option 'max_sentence_distance'"):
        RELATION_REGISTRY.create("trained", schema=schema, max_sentence_distance="far")
    with pytest.raises(ConfigError, match="relation extractor 'rules': unknown option 'ddi'"):
        RELATION_REGISTRY.create("rules", schema=schema, ddi=None)


def test_registry_options_reach_the_extractor(schema):
    ex = RELATION_REGISTRY.create(
        "trained", schema=schema, ddi=None, min_confidence=0.7, max_sentence_distance=None, rules_for=["TREATS"]
    )
    assert ex.ddi is None and ex.min_confidence == 0.7 and ex.max_sentence_distance is None
    assert ex.rules_for == {"TREATS"} and ex.rules is not None


def test_a_ddi_model_whose_classes_the_schema_lacks_is_refused(schema):
    from kg.relations.extractor import _check_ddi_classes
    from kg.schema import SchemaError

    _check_ddi_classes(DDI_CLASSES, schema, "m")
    with pytest.raises(SchemaError, match="DDI model m: class 0 must be 'none'"):
        _check_ddi_classes(DDI_CLASSES[1:], schema, "m")
    with pytest.raises(SchemaError, match="class 'synergy' does not map to INTERACTS_WITH"):
        _check_ddi_classes([*DDI_CLASSES, "synergy"], schema, "m")
    spec = schema.relationships["INTERACTS_WITH"].model_copy(update={"subtypes": ("mechanism", "effect")})
    narrow = schema.model_copy(update={"relationships": {**schema.relationships, "INTERACTS_WITH": spec}})
    with pytest.raises(SchemaError, match="DDI model m: unknown INTERACTS_WITH subtype 'advise'"):
        _check_ddi_classes(DDI_CLASSES, narrow, "m")
