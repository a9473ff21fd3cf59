"""Routing by document kind: notes to the notes tagger, abstracts to the abstracts model (issue 19, round four)."""

from __future__ import annotations

import pytest

from kg.ner.trained import DEFAULT_MODELS, NOTES_MODEL_DIR, TrainedExtractor, document_kind, notes_model_for
from kg.nlp import analyze
from kg.types import Document

TEXT = "He was started on lisinopril for hypertension and reports knee pain."


def test_the_kind_comes_from_the_metadata_else_the_default() -> None:
    assert document_kind(Document(id="a", text="x"), "abstract") == "abstract"
    assert document_kind(Document(id="a", text="x", metadata={"document_kind": "note"}), "abstract") == "note"
    with pytest.raises(ValueError, match="document b: document_kind 'letter'"):
        document_kind(Document(id="b", text="x", metadata={"document_kind": "letter"}), "abstract")


def test_only_accurate_gets_the_packaged_notes_tagger_by_default() -> None:
    assert notes_model_for("fast", "auto") == ""
    assert notes_model_for("accurate", "") == ""
    assert notes_model_for("accurate", "some/folder") == "some/folder"
    expected = str(NOTES_MODEL_DIR) if (NOTES_MODEL_DIR / "meta.json").is_file() else ""
    assert notes_model_for("accurate", "auto") == expected


def test_notes_go_to_the_notes_tagger_and_abstracts_to_the_main_model() -> None:
    # the fast model stands in for a notes tagger: the mentions' extractor name shows which model ran
    extractor = TrainedExtractor("accurate", notes_model=str(DEFAULT_MODELS["fast"]))
    note = analyze(Document(id="n1", text=TEXT, metadata={"document_kind": "note"}))
    abstract = analyze(Document(id="a1", text=TEXT))
    on_abstract, on_note, again = extractor.extract([abstract, note, abstract])
    assert on_note and {m.extractor for m in on_note} == {"ner-fast"}
    assert on_abstract and {m.extractor for m in on_abstract} == {"ner-accurate"}
    assert [(m.start, m.end) for m in again] == [(m.start, m.end) for m in on_abstract]
    assert extractor.notes_extractor is not None and extractor.notes_extractor.component.partner is None


def test_the_default_kind_routes_documents_that_do_not_say() -> None:
    extractor = TrainedExtractor("accurate", notes_model=str(DEFAULT_MODELS["fast"]), document_kind="note")
    (mentions,) = extractor.extract([analyze(Document(id="n2", text=TEXT))])
    assert {m.extractor for m in mentions} == {"ner-fast"}
    with pytest.raises(ValueError, match="unknown document_kind"):
        TrainedExtractor("accurate", document_kind="letter")


def test_without_a_notes_tagger_a_documents_own_kind_is_never_read() -> None:
    # a user's metadata may say anything ("discharge summary"): with nothing to route to it is not an error
    extractor = TrainedExtractor("fast", notes_model="")
    assert extractor.notes_extractor is None
    odd = analyze(Document(id="d1", text=TEXT, metadata={"document_kind": "discharge summary"}))
    (mentions,) = extractor.extract([odd])
    assert mentions and {m.extractor for m in mentions} == {"ner-fast"}
