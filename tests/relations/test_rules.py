import pytest

from kg.assemble import EvidenceRow, aggregate_edge, evidence_for
from kg.nlp import analyze
from kg.relations import RuleRelationExtractor
from kg.types import Document, Mention


def _m(doc, analyzed, phrase, label, curie, assertion="present", occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = doc.text.index(phrase, start + 1)
    sent = analyzed.sentence_of(start)
    return Mention(
        doc_id=doc.id,
        sentence_index=sent.index,
        start=start,
        end=start + len(phrase),
        text=phrase,
        label=label,
        confidence=0.9,
        extractor="test",
        extractor_version="0",
        curie=curie,
        assertion=assertion,
    )


LABELS = {
    "lisinopril": ("Drug", "DRUGBANK:DB00722"),
    "hypertension": ("Disease", "DOID:10763"),
    "penicillin": ("Drug", "MESH:D010406"),
    "rash": ("Symptom", "HP:0000988"),
    "heart failure": ("Disease", "MESH:D006333"),
    "dyspnea": ("Symptom", "HP:0002094"),
    "edema": ("Symptom", "HP:0000969"),
    "warfarin": ("Drug", "DRUGBANK:DB00682"),
    "amiodarone": ("Drug", "DRUGBANK:DB01118"),
    "albuterol": ("Drug", "DRUGBANK:DB01001"),
    "asthma": ("Disease", "DOID:2841"),
}


def _extract(schema, text, phrases):
    doc = Document(id="d1", text=text)
    analyzed = analyze(doc)
    mentions = [_m(doc, analyzed, p, *LABELS[p]) for p in phrases]
    rels = RuleRelationExtractor(schema)(analyzed, mentions)
    return {(r.head.text, r.type, r.tail.text) for r in rels}, rels


@pytest.mark.parametrize(
    "text, phrases, expected",
    [
        (
            "Started on lisinopril for hypertension.",
            ["lisinopril", "hypertension"],
            {("lisinopril", "TREATS", "hypertension")},
        ),
        ("Asthma treated with albuterol.".lower(), ["asthma", "albuterol"], {("albuterol", "TREATS", "asthma")}),
        ("She developed a rash after penicillin.", ["rash", "penicillin"], {("penicillin", "CAUSES", "rash")}),
        (
            "Heart failure with dyspnea and edema.".lower(),
            ["heart failure", "dyspnea", "edema"],
            {("heart failure", "HAS_SYMPTOM", "dyspnea"), ("heart failure", "HAS_SYMPTOM", "edema")},
        ),
        (
            "Warfarin interacts with amiodarone.".lower(),
            ["warfarin", "amiodarone"],
            {("warfarin", "INTERACTS_WITH", "amiodarone")},
        ),
        ("The rash was not due to penicillin.", ["rash", "penicillin"], set()),
        ("Lisinopril and hypertension were discussed.".lower(), ["lisinopril", "hypertension"], set()),
    ],
)
def test_rule_relations(schema, text, phrases, expected):
    found, _ = _extract(schema, text, phrases)
    assert found == expected


def test_negated_argument_is_not_asserted_and_aggregation(schema):
    doc = Document(id="d2", text="Started on lisinopril for hypertension. No rash after penicillin.")
    analyzed = analyze(doc)
    mentions = [
        _m(doc, analyzed, "lisinopril", *LABELS["lisinopril"]),
        _m(doc, analyzed, "hypertension", *LABELS["hypertension"]),
        _m(doc, analyzed, "rash", *LABELS["rash"], assertion="negated"),
        _m(doc, analyzed, "penicillin", *LABELS["penicillin"]),
    ]
    rels = RuleRelationExtractor(schema)(analyzed, mentions)
    ev = {r.type: evidence_for(r, schema) for r in rels}
    assert ev["TREATS"].asserted and ev["TREATS"].head == "DRUGBANK:DB00722"
    assert not ev["CAUSES"].asserted and ev["CAUSES"].assertion == "negated"
    assert aggregate_edge("MESH:D010406", "CAUSES", "HP:0000988", [EvidenceRow(ev["CAUSES"], "t0")]) is None
    rows = [
        EvidenceRow(ev["TREATS"], "t1"),
        EvidenceRow(ev["TREATS"].model_copy(update={"doc_id": "d3", "confidence": 0.5}), "t2"),
    ]
    edge = aggregate_edge("DRUGBANK:DB00722", "TREATS", "DOID:10763", rows)
    assert edge.evidence_count == 2 and edge.doc_count == 2
    assert edge.confidence == pytest.approx(1 - (1 - 0.8) * (1 - 0.5))
    assert edge.best_confidence == 0.8 and edge.first_seen == "t1" and edge.last_seen == "t2"
    seeded = aggregate_edge("DRUGBANK:DB00722", "TREATS", "DOID:10763", rows, ["hetionet"])
    assert seeded.sources == ("hetionet", "text") and seeded.confidence == 1.0


def test_symmetric_relation_is_canonical(schema):
    _, rels = _extract(schema, "amiodarone interacts with warfarin.", ["amiodarone", "warfarin"])
    (ev,) = [evidence_for(r, schema) for r in rels]
    assert (ev.head, ev.tail) == ("DRUGBANK:DB00682", "DRUGBANK:DB01118")  # sorted ids
    # the rules have no DDI classes: their INTERACTS_WITH carries no subtype
    assert rels[0].subtype is None and ev.subtype is None
