import pytest

from kg.assertion import ContextAnnotator, RuleError, load_rules
from kg.nlp import analyze
from kg.types import Document, Mention


def _mention(doc, analyzed, phrase, label="Symptom", occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = doc.text.index(phrase, start + 1)
    end = start + len(phrase)
    sent = analyzed.sentence_of(start)
    return Mention(
        doc_id=doc.id,
        sentence_index=sent.index,
        start=start,
        end=end,
        text=phrase,
        label=label,
        confidence=0.9,
        extractor="test",
        extractor_version="0",
    )


CASES = [
    ("He denies chest pain.", "chest pain", "negated"),
    ("No fever or cough.", "cough", "negated"),
    ("Negative for rash.", "rash", "negated"),
    ("Possible pneumonia on imaging.", "pneumonia", "possible"),
    ("Rule out myocardial infarction.", "myocardial infarction", "possible"),
    ("History of asthma.", "asthma", "historical"),
    ("Return if chest pain develops.", "chest pain", "hypothetical"),
    ("Should fever occur, call the clinic.", "fever", "hypothetical"),
    ("Her mother had breast cancer.", "breast cancer", "family"),
    ("Family History:\nBreast cancer and diabetes.", "diabetes", "family"),
    ("Past Medical History:\nAsthma.", "Asthma", "historical"),
    ("She reports chest pain.", "chest pain", "present"),
    ("No fever, but she reports a cough.", "cough", "present"),
]


@pytest.mark.parametrize("text, phrase, expected", CASES)
def test_assertion_status(text, phrase, expected):
    doc = Document(id="d", text=text)
    analyzed = analyze(doc)
    mention = _mention(doc, analyzed, phrase)
    (out,) = ContextAnnotator()(analyzed, [mention])
    assert out.assertion == expected


def test_bad_rules_rejected(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {literal: nope, category: maybe, direction: forward}\n")
    with pytest.raises(RuleError, match="unknown category"):
        load_rules(path)
