"""The note-only steps of the clinical-notes layer (kg.ner.notes_phrases, issue 19 round four): each step on
small real-shaped text, and that they act on documents of kind ``note`` only."""

from __future__ import annotations

from kg.ner.notes import extend_heads, is_condition_name, load_clinical_terms, notes_layer
from kg.ner.notes_phrases import (
    drop_headers,
    lexicon_names,
    recall_brands,
    recall_findings,
    split_known_coordinations,
    trim_leading,
    trim_sites,
)
from kg.ner.postprocess import TaggedSpan
from kg.ner.trained import TrainedExtractor
from kg.nlp import analyze
from kg.types import Document

TERMS = load_clinical_terms()


def _span(text: str, name: str, label: str, nth: int = 0) -> TaggedSpan:
    start = -1
    for _ in range(nth + 1):
        start = text.index(name, start + 1)
    return TaggedSpan(start, start + len(name), label, 0.9)


def _named(text: str, spans: list[TaggedSpan]) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in spans]


def _is_name(item: str) -> bool:
    return item in lexicon_names() or item in TERMS.labels


def test_the_packaged_terms_have_the_note_kinds() -> None:
    assert "tear" in TERMS.pp_heads and "complex" in TERMS.note_modifiers and "vicryl" in TERMS.note_never
    assert TERMS.finding_heads["changes"] == "Disease" and TERMS.finding_heads["thickening"] == "Symptom"
    assert "endplate" in TERMS.finding_modifiers


def test_drop_headers_form_labels_placeholders_procedure_objects_and_sutures() -> None:
    text = (
        "ESTIMATED BLOOD LOSS: Minimal. IV MEDICATIONS FOR PAIN: Demerol. Accident on MM/DD/YYYY. "
        "Open carpal tunnel release. Closed with #2-0 Vicryl. He has blood loss."
    )
    spans = [
        _span(text, "BLOOD LOSS", "Symptom"),
        _span(text, "PAIN", "Symptom"),
        _span(text, "MM", "Disease"),
        _span(text, "carpal tunnel", "Disease"),
        _span(text, "Vicryl", "Drug"),
        _span(text, "blood loss", "Symptom"),
    ]
    assert _named(text, drop_headers(spans, text, TERMS.note_never)) == [("PAIN", "Symptom"), ("blood loss", "Symptom")]


def test_split_known_coordinations_only_when_every_item_is_a_name() -> None:
    text = "History of depression and reflux disease; nausea, vomiting; kidney and heart failure."
    spans = [
        _span(text, "depression and reflux disease", "Disease"),
        _span(text, "nausea, vomiting", "Symptom"),
        _span(text, "kidney and heart failure", "Disease"),
    ]
    out = split_known_coordinations(spans, text, lambda item: is_condition_name(item, TERMS))
    assert _named(text, out) == [
        ("depression", "Disease"),
        ("reflux disease", "Disease"),
        ("nausea", "Symptom"),
        ("vomiting", "Symptom"),
        ("kidney and heart failure", "Disease"),
    ]


def test_recall_findings_adds_modified_finding_heads_and_replaces_what_they_contain() -> None:
    text = (
        "Mild endplate degenerative changes. Annular disk bulging at L4-5. MRI revealed several lesions. "
        "Minimal sclerotic changes. Visual changes."
    )
    spans = [_span(text, "degenerative changes", "Disease"), _span(text, "Visual changes", "Symptom")]
    out = recall_findings(spans, text, TERMS.finding_heads, TERMS.finding_modifiers)
    assert _named(text, out) == [
        ("endplate degenerative changes", "Disease"),
        ("Annular disk bulging", "Disease"),
        ("sclerotic changes", "Disease"),
        ("Visual changes", "Symptom"),  # the tagger's own span of the same extent keeps its label
    ]


def test_recall_brands_adds_brand_names_and_relabels_an_exact_span() -> None:
    text = "Medications: Aricept, Anafranil and brovana."
    out = recall_brands([_span(text, "Aricept", "Disease")], text)
    assert _named(text, out) == [("Aricept", "Drug"), ("Anafranil", "Drug"), ("brovana", "Drug")]


def test_trim_sites_leaves_the_site_out_except_for_lesion_heads() -> None:
    text = (
        "Morton neuroma of her feet. Dislocation left proximal humerus. Cervical spondylosis C5. "
        "Fracture of the acetabulum. Low back and right thigh pain."
    )
    spans = [
        _span(text, "Morton neuroma of her feet", "Disease"),
        _span(text, "Dislocation left proximal humerus", "Disease"),
        _span(text, "Cervical spondylosis C5", "Disease"),
        _span(text, "Fracture of the acetabulum", "Disease"),
        _span(text, "Low back and right thigh pain", "Symptom"),
    ]
    out = trim_sites(spans, text, TERMS.pp_heads, lambda w: w in TERMS.disease_heads or w.endswith(("oma", "osis")))
    assert _named(text, out) == [
        ("Morton neuroma", "Disease"),
        ("Dislocation", "Disease"),
        ("Cervical spondylosis", "Disease"),
        ("Fracture of the acetabulum", "Disease"),
        ("Low back and right thigh pain", "Symptom"),
    ]


def test_trim_leading_only_when_a_known_name_is_left() -> None:
    text = "Generalized osteoporosis. Anterior spondylosis. Anterior cruciate ligament tear."
    spans = [
        _span(text, "Generalized osteoporosis", "Disease"),
        _span(text, "Anterior spondylosis", "Disease"),
        _span(text, "Anterior cruciate ligament tear", "Disease"),
    ]
    assert _named(text, trim_leading(spans, text, _is_name)) == [
        ("osteoporosis", "Disease"),
        ("spondylosis", "Disease"),
        ("Anterior cruciate ligament tear", "Disease"),
    ]


def test_extend_heads_in_a_note_takes_note_modifiers_and_symptom_typed_disease_heads() -> None:
    text = "1. Partial rotator cuff tear. 2. A complex tear."
    spans = [_span(text, "rotator cuff tear", "Symptom"), _span(text, "tear", "Disease", nth=1)]
    assert _named(text, extend_heads(spans, text, TERMS)) == [("rotator cuff tear", "Symptom"), ("tear", "Disease")]
    assert _named(text, extend_heads(spans, text, TERMS, note=True)) == [
        ("Partial rotator cuff tear", "Symptom"),
        ("complex tear", "Disease"),
    ]


def test_notes_layer_runs_the_note_steps_only_for_notes() -> None:
    text = "ESTIMATED BLOOD LOSS: Minimal. Morton neuroma of her feet. Takes Anafranil."
    spans = [_span(text, "BLOOD LOSS", "Symptom"), _span(text, "Morton neuroma of her feet", "Disease")]
    assert _named(text, notes_layer(spans, text)) == [
        ("BLOOD LOSS", "Symptom"),
        ("Morton neuroma of her feet", "Disease"),
    ]
    assert _named(text, notes_layer(spans, text, note=True)) == [("Morton neuroma", "Disease"), ("Anafranil", "Drug")]


def test_the_extractor_runs_the_note_steps_for_documents_of_kind_note_only() -> None:
    text = "ESTIMATED BLOOD LOSS: Minimal. She takes Aricept and Anafranil."
    extractor = TrainedExtractor("fast", notes_model="")
    abstract = analyze(Document(id="a", text=text))
    note = analyze(Document(id="n", text=text, metadata={"document_kind": "note"}))
    odd = analyze(Document(id="d", text=text, metadata={"document_kind": "discharge summary"}))
    on_abstract, on_note, on_odd = extractor.extract([abstract, note, odd])
    named = {name: {text[m.start : m.end] for m in ms} for name, ms in (("a", on_abstract), ("n", on_note))}
    assert "Anafranil" in named["n"] and "BLOOD LOSS" not in named["n"]
    assert "Anafranil" not in named["a"]
    assert [(m.start, m.end) for m in on_odd] == [(m.start, m.end) for m in on_abstract]
