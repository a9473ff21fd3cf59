import json

import pytest

from kg.ids import local_id
from kg.linking.lexicon_linker import LexiconLinker
from kg.ner import NER_REGISTRY, create_ner
from kg.nlp import analyze
from kg.registry import UnknownComponentError
from kg.types import Document
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def ner():
    return create_ner("dictionary")


def test_finds_labels_and_abbreviations(ner):
    doc = Document(
        id="d", text="Known chronic obstructive pulmonary disease (COPD). COPD worsened; started on metformin."
    )
    mentions = ner(analyze(doc))
    got = [(m.text, m.label, m.long_form) for m in mentions]
    assert ("chronic obstructive pulmonary disease", "Disease", None) in got
    assert ("COPD", "Disease", "chronic obstructive pulmonary disease") in got
    assert ("metformin", "Drug", None) in got
    # the defining "(COPD)" is not a second mention
    assert sum(1 for m in mentions if m.text == "COPD") == 1


def test_linker_links_and_abbreviation_long_form(ner):
    doc = Document(id="d", text="Atrial fibrillation (AF) noted. AF is rate controlled. Aspirin daily.")
    linked = LexiconLinker()(ner(analyze(doc)))
    by_text = {m.text: m for m in linked}
    assert by_text["Aspirin"].curie == "DRUGBANK:DB00945"
    assert by_text["AF"].curie == by_text["Atrial fibrillation"].curie is not None


def test_nil_mentions_keep_a_stable_local_id():
    assert local_id("Disease", "Zorblax syndrome") == local_id("Disease", "zorblax  SYNDROME")
    assert local_id("Disease", "Zorblax syndrome").startswith("MEDKG:Disease-")
    from kg.types import Mention

    m = Mention(
        doc_id="d",
        sentence_index=0,
        start=0,
        end=7,
        text="Zorblax",
        label="Disease",
        confidence=0.5,
        extractor="x",
        extractor_version="0",
    )
    (out,) = LexiconLinker()([m])
    assert out.curie is None


def test_unknown_extractor_lists_known_names():
    with pytest.raises(UnknownComponentError, match="known: .*dictionary"):
        create_ner("no-such-model")
    assert "dictionary" in NER_REGISTRY.names()


def test_spacy_component_usable_with_add_pipe():
    import spacy

    import kg.ner.dictionary  # noqa: F401  (registers the factory)

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("medkg_dictionary_ner")
    doc = nlp("Warfarin interacts with amiodarone.")
    assert [(e.text, e.label_) for e in doc.ents] == [("Warfarin", "Drug"), ("amiodarone", "Drug")]


def test_gold_clinical_notes_entity_f1(ner):
    """Entity-level exact-match F1 of dictionary NER + ConText on the annotated clinical fixture."""
    from kg.assertion import default_annotator

    tp = fp = fn = 0
    assertion_right = 0
    for line in (FIXTURES / "notes_annotated.jsonl").read_text().splitlines():
        gold_doc = json.loads(line)
        doc = Document(id=gold_doc["id"], text=gold_doc["text"])
        analyzed = analyze(doc)
        pred = default_annotator()(analyzed, ner(analyzed))
        gold = {(e["start"], e["end"], e["label"]): e["assertion"] for e in gold_doc["entities"]}
        predicted = {(m.start, m.end, m.label): m.assertion for m in pred}
        hits = gold.keys() & predicted.keys()
        tp += len(hits)
        fp += len(predicted.keys() - gold.keys())
        fn += len(gold.keys() - predicted.keys())
        assertion_right += sum(gold[k] == predicted[k] for k in hits)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.75, (precision, recall, f1)
    assert assertion_right / tp >= 0.85
