"""Every relation corpus reader on fixtures in the real formats (PubTator CID, BioRED, DDI 2013 XML, JSONL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.config import REPO_ROOT
from kg.io.corpora import CorpusError, read_corpus, read_ddi_file
from kg.relations.reldoc import gold_pairs, reldoc_from_gold

REL = REPO_ROOT / "tests" / "fixtures" / "relations"
NOTES = REPO_ROOT / "tests" / "fixtures" / "notes_annotated.jsonl"

# (path, format, documents, relations) for the generic reader contract below.
READERS = [
    (REL / "cid_train.PubTator.txt", "pubtator", 6, 6),
    (REL / "biored.PubTator", "pubtator", 2, 5),
    (REL / "ddi" / "Train", "ddi", 2, 5),
    (NOTES, "jsonl", 8, None),
]


@pytest.mark.parametrize("path, fmt, n_docs, n_rel", READERS, ids=lambda x: getattr(x, "name", str(x)))
def test_every_reader_gives_documents_with_aligned_entities(path: Path, fmt: str, n_docs: int, n_rel: int | None):
    docs = read_corpus(path, fmt)
    assert len(docs) == n_docs
    if n_rel is not None:
        assert sum(len(d.relations) for d in docs) == n_rel
    for d in docs:
        assert d.document.id
        for e in d.entities:
            assert 0 <= e.start < e.end <= len(d.document.text)
            assert d.document.text[e.start : e.end].strip()
        for s, e in d.sentences:
            assert 0 <= s <= e <= len(d.document.text)


def test_pubtator_cid_keeps_title_end_and_document_level_relations():
    doc = read_corpus(REL / "cid_train.PubTator.txt", "pubtator")[0]
    assert doc.document.id == "10342929"
    assert doc.document.text[: doc.title_end].endswith("inadequately diagnosed.")
    assert doc.relations == [("CID", "D000806", "D000799")]
    pairs = gold_pairs(doc, reldoc_from_gold(doc), ["none", "CID"])
    assert pairs == {("MESH:D000806", "MESH:D000799"): "CID"}


def test_biored_relations_are_undirected_and_only_chemical_disease_pairs_count():
    doc = read_corpus(REL / "biored.PubTator", "pubtator")[0]
    # Genes and variants are not medkg entities; their relation lines are read but not paired.
    assert {e.corpus_type for e in doc.entities} == {"ChemicalEntity", "DiseaseOrPhenotypicFeature"}
    classes = ["none", "Positive_Correlation", "Negative_Correlation", "Association"]
    pairs = gold_pairs(doc, reldoc_from_gold(doc), classes)
    # "D003924 D008687" lists the disease first: the pair is still (chemical, disease).
    assert pairs == {
        ("MESH:D008687", "MESH:D003924"): "Negative_Correlation",
        ("MESH:D008687", "MESH:D000140"): "Positive_Correlation",
    }


def test_ddi_offsets_are_sentence_relative_inclusive_and_discontinuous_spans_join():
    doc = read_ddi_file(REL / "ddi" / "Test" / "fixture_d3.xml")
    assert doc.document.id == "DDI-Fixture.d3"
    first, second = doc.sentences
    assert doc.document.text[first[0] : first[1]].startswith("Rifampin")
    ents = {e.id: e for e in doc.entities}
    assert ents["DDI-Fixture.d3.s0.e0"].text == "Rifampin"
    assert ents["DDI-Fixture.d3.s0.e1"].text == "oral and injectable contraceptives"
    assert ents["DDI-Fixture.d3.s1.e1"].text == "midazolam"
    assert ents["DDI-Fixture.d3.s1.e1"].start >= second[0]
    assert doc.relations == [
        ("mechanism", "DDI-Fixture.d3.s0.e0", "DDI-Fixture.d3.s0.e1"),
        ("int", "DDI-Fixture.d3.s1.e0", "DDI-Fixture.d3.s1.e1"),
    ]


def test_ddi_true_pair_without_type_is_quarantined_with_its_reason():
    doc = read_ddi_file(REL / "ddi" / "Train" / "fixture_d2.xml")
    assert (
        len(doc.quarantined) == 1 and "without a type" in doc.quarantined[0] and "fixture_d2.xml" in doc.quarantined[0]
    )
    assert ("DDI-Fixture.d2.s0.e1", "DDI-Fixture.d2.s0.e2") not in doc.candidate_pairs
    assert doc.relations == [("effect", "DDI-Fixture.d2.s0.e0", "DDI-Fixture.d2.s0.e1")]


@pytest.mark.parametrize(
    "body, message",
    [
        ("<document id='x'><sentence id='s' text='ab'>", "not well-formed"),
        ("<doc id='x'/>", "expected a <document"),
        (
            "<document id='x'><sentence id='s' text='ab'><entity id='e' charOffset='0-9' text='ab'/></sentence></document>",
            "outside",
        ),
        (
            "<document id='x'><sentence id='s' text='ab'><entity id='e' charOffset='a-b' text='ab'/></sentence></document>",
            "bad charOffset",
        ),
        (
            "<document id='x'><sentence id='s' text='ab'><entity id='e' charOffset='0-1' text='ab'/>"
            "<pair id='p' e1='e' e2='zz' ddi='false'/></sentence></document>",
            "not in the document",
        ),
    ],
)
def test_bad_ddi_files_raise_naming_the_file(tmp_path: Path, body: str, message: str):
    bad = tmp_path / "bad.xml"
    bad.write_text(body, encoding="utf-8")
    with pytest.raises(CorpusError, match=message) as err:
        read_ddi_file(bad)
    assert "bad.xml" in str(err.value)


def test_ddi_folder_without_xml_is_an_error(tmp_path: Path):
    with pytest.raises(CorpusError, match="no DDI 2013 XML"):
        read_corpus(tmp_path, "ddi")


def test_unknown_format_lists_known_ones():
    with pytest.raises(CorpusError, match="ddi"):
        read_corpus(NOTES, "bioc")
