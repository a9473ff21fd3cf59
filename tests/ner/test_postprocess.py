"""Document-level post-processing of trained NER output."""

from __future__ import annotations

from kg.ner.postprocess import (
    TaggedSpan,
    postprocess,
    propagate_abbreviations,
    propagate_consistency,
    resolve_overlaps,
    type_symptoms,
)
from kg.vocab.lexicon import LexEntry, LexiconIndex


def _texts(spans: list[TaggedSpan], text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in spans]


def test_overlaps_keep_the_most_confident_span() -> None:
    spans = [TaggedSpan(0, 10, "Drug", 0.6), TaggedSpan(5, 15, "Disease", 0.9), TaggedSpan(20, 25, "Drug", 0.5)]
    assert [(s.start, s.label) for s in resolve_overlaps(spans)] == [(5, "Disease"), (20, "Drug")]


def test_short_form_takes_the_label_of_its_long_form() -> None:
    text = "angiotensin converting enzyme inhibitors (ACEI) were stopped; ACEI use fell."
    long_span = TaggedSpan(0, 40, "Drug", 0.9)
    i1 = text.index("ACEI")
    i2 = text.index("ACEI", i1 + 1)
    pairs = [((i1, i1 + 4), (0, 40)), ((i2, i2 + 4), (0, 40))]
    out = propagate_abbreviations([long_span], pairs, text)
    assert _texts(out, text) == [(text[:40], "Drug"), ("ACEI", "Drug"), ("ACEI", "Drug")]
    assert out[1].long_form == text[:40]


def test_untagged_long_form_does_not_invent_short_forms() -> None:
    text = "the study group (SG) and SG again"
    pairs = [((17, 19), (4, 15))]
    assert propagate_abbreviations([], pairs, text) == []


def test_consistency_tags_other_occurrences_whole_words_only() -> None:
    text = "Cocaine use. Later cocaine again; cocaineX is not a word match."
    out = propagate_consistency([TaggedSpan(0, 7, "Drug", 0.9)], text)
    assert _texts(out, text) == [("Cocaine", "Drug"), ("cocaine", "Drug")]
    assert out[1].confidence < out[0].confidence


def test_consistency_is_case_sensitive_for_short_names() -> None:
    text = "PAN was given. pan is cookware."
    out = propagate_consistency([TaggedSpan(0, 3, "Drug", 0.9)], text)
    assert _texts(out, text) == [("PAN", "Drug")]


def test_symptom_typing_uses_the_lexicon() -> None:
    index = LexiconIndex(
        [
            LexEntry(term="headache", label="Symptom", curie="HP:0002315", concept_name="Headache", source="hpo"),
            LexEntry(term="migraine", label="Disease", curie="DOID:6364", concept_name="migraine", source="hetionet"),
        ]
    )
    text = "headache and migraine"
    spans = [TaggedSpan(0, 8, "Disease", 0.9), TaggedSpan(13, 21, "Disease", 0.9)]
    assert [s.label for s in type_symptoms(spans, text, index)] == ["Symptom", "Disease"]
    assert [s.label for s in postprocess(spans, text, index=index)] == ["Symptom", "Disease"]


def test_agreement_ensemble_needs_the_partner_below_the_keep_threshold() -> None:
    from kg.ner.postprocess import agree

    main = [
        TaggedSpan(0, 5, "Disease", 0.95),  # confident: kept alone
        TaggedSpan(10, 15, "Disease", 0.6),  # vouched for by the partner: kept
        TaggedSpan(20, 25, "Disease", 0.6),  # partner silent: dropped
        TaggedSpan(30, 35, "Drug", 0.6),  # partner found the span with another label: dropped
        TaggedSpan(40, 45, "Drug", 0.3),  # below the minimum even though vouched for: dropped
    ]
    partner = [
        TaggedSpan(10, 15, "Disease", 0.9),
        TaggedSpan(30, 35, "Disease", 0.9),
        TaggedSpan(40, 45, "Drug", 0.9),
        TaggedSpan(50, 55, "Drug", 0.9),  # the partner never adds spans of its own
    ]
    kept = agree(main, partner, keep_confidence=0.8, min_confidence=0.5)
    assert [(s.start, s.label) for s in kept] == [(0, "Disease"), (10, "Disease")]
    assert agree(main, [], keep_confidence=0.5, min_confidence=0.5) == main[:4]
