"""Assembly of the DDI subtype: relation mention -> evidence -> aggregated INTERACTS_WITH edge."""

from __future__ import annotations

import pytest

from kg.assemble import EvidenceRow, aggregate_edge, evidence_for
from kg.schema import SchemaError
from kg.types import Edge, Evidence, Mention, RelationMention

WARFARIN, AMIODARONE = "DRUGBANK:DB00682", "DRUGBANK:DB01118"
KEY = (WARFARIN, "INTERACTS_WITH", AMIODARONE)


def _drug(text: str, start: int, curie: str, assertion: str = "present") -> Mention:
    return Mention(
        doc_id="note-1",
        sentence_index=0,
        start=start,
        end=start + len(text),
        text=text,
        label="Drug",
        confidence=0.9,
        extractor="test",
        extractor_version="0",
        curie=curie,
        assertion=assertion,
    )


def _relation(subtype: str | None, rel: str = "INTERACTS_WITH", confidence: float = 0.8) -> RelationMention:
    # amiodarone first in the text: the symmetric pair is stored in canonical (sorted) order
    return RelationMention(
        head=_drug("Amiodarone", 0, AMIODARONE),
        tail=_drug("warfarin", 26, WARFARIN),
        type=rel,
        confidence=confidence,
        extractor="trained",
        extractor_version="1.1.0",
        sentence="Amiodarone potentiates warfarin.",
        subtype=subtype,
    )


def _row(subtype: str | None, confidence: float, asserted: bool = True, start: int = 0) -> EvidenceRow:
    ev = Evidence(
        head=WARFARIN,
        type="INTERACTS_WITH",
        tail=AMIODARONE,
        doc_id=f"doc-{start}",
        sentence_index=0,
        head_start=start,
        head_end=start + 8,
        tail_start=start + 20,
        tail_end=start + 30,
        sentence="s",
        extractor="trained",
        extractor_version="1.1.0",
        confidence=confidence,
        assertion="present" if asserted else "negated",
        asserted=asserted,
        subtype=subtype,
    )
    return EvidenceRow(ev, f"2026-12-0{1 + start % 9}T00:00:00")


def test_evidence_carries_the_subtype_of_its_relation(schema):
    ev = evidence_for(_relation("mechanism"), schema)
    assert (ev.head, ev.type, ev.tail) == KEY and ev.subtype == "mechanism"
    assert evidence_for(_relation(None), schema).subtype is None


@pytest.mark.parametrize(
    "rel, subtype, message",
    [
        (
            "INTERACTS_WITH",
            "synergy",
            r"document 'note-1' sentence 0 INTERACTS_WITH: unknown INTERACTS_WITH subtype "
            r"'synergy'; known: mechanism, effect, advise, int",
        ),
        ("CAUSES", "effect", r"CAUSES carries no subtype, got 'effect' \(types with subtypes: INTERACTS_WITH\)"),
    ],
)
def test_a_subtype_the_schema_does_not_allow_is_an_error_naming_the_document(schema, rel, subtype, message):
    relation = _relation(subtype, rel=rel)
    if rel == "CAUSES":
        relation = relation.model_copy(update={"tail": relation.tail.model_copy(update={"label": "Disease"})})
    with pytest.raises(SchemaError, match=message):
        evidence_for(relation, schema)


def test_edge_subtype_is_the_one_with_the_highest_summed_confidence():
    rows = [_row("mechanism", 0.9, start=0), _row("effect", 0.5, start=1), _row("effect", 0.5, start=2)]
    edge = aggregate_edge(*KEY, rows)
    assert edge is not None
    assert edge.subtype == "effect" and edge.subtypes == ("effect", "mechanism")
    # the order of the rows never matters
    assert aggregate_edge(*KEY, rows[::-1]) == edge


def test_non_asserted_and_subtype_less_evidence_do_not_vote_and_ties_go_by_name():
    rows = [
        _row("advise", 0.6, start=0),
        _row("int", 0.6, start=1),
        _row("mechanism", 0.99, asserted=False, start=2),
        _row(None, 0.95, start=3),
    ]
    edge = aggregate_edge(*KEY, rows)
    assert edge is not None and edge.subtype == "advise" and edge.subtypes == ("advise", "int")
    assert edge.evidence_count == 3 and edge.non_asserted_count == 1


def test_edges_without_subtyped_evidence_have_none():
    edge = aggregate_edge(*KEY, [_row(None, 0.7)])
    assert edge is not None and edge.subtype is None and edge.subtypes == ()
    seed_only = aggregate_edge(*KEY, [], seed_sources=["hetionet"])
    assert seed_only is not None and seed_only.subtype is None and seed_only.subtypes == ()


def test_edge_subtype_must_lead_its_subtypes():
    Edge(head=WARFARIN, type="INTERACTS_WITH", tail=AMIODARONE, subtype="int", subtypes=("int", "effect"))
    with pytest.raises(ValueError, match="must be the first of subtypes"):
        Edge(head=WARFARIN, type="INTERACTS_WITH", tail=AMIODARONE, subtype="effect", subtypes=("int", "effect"))
    with pytest.raises(ValueError, match="must be the first of subtypes"):
        Edge(head=WARFARIN, type="INTERACTS_WITH", tail=AMIODARONE, subtype="effect")
    with pytest.raises(ValueError, match="repeat a value"):
        Edge(head=WARFARIN, type="INTERACTS_WITH", tail=AMIODARONE, subtype="int", subtypes=("int", "int"))
