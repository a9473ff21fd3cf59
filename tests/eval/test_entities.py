import json

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.eval.entities import evaluate_ner
from kg.io.corpora import CorpusError, read_corpus
from tests.conftest import FIXTURES

TINY = FIXTURES / "pubtator" / "tiny.PubTator.txt"


def test_pubtator_reader():
    (doc,) = read_corpus(TINY, "pubtator")
    assert doc.document.id == "100"
    assert [(e.text, e.label, e.ids) for e in doc.entities][:2] == [
        ("Naloxone", "Drug", ("D009270",)),
        ("hypertension", "Disease", ("D006973",)),
    ]
    assert doc.relations == [("CID", "D003000", "D007022")]


def test_reader_errors(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1|t|Aspirin.\n1|a|x\n1\t0\t3\tXyz\tChemical\tD1\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="do not match"):
        read_corpus(bad, "pubtator")
    with pytest.raises(CorpusError, match="unknown corpus format"):
        read_corpus(bad, "conll")


def test_ner_scores_on_tiny_pubtator_hand_checked():
    # Predicted: Naloxone, hypertension(Disease), Clonidine, hypotension, headache(Symptom->Disease).
    report = evaluate_ner(TINY, "pubtator", label_map={"Symptom": "Disease"})
    assert report["n_docs"] == 1 and report["n_mentions"] == 5
    unmapped = evaluate_ner(TINY, "pubtator")
    # Without the map, "headache" is a Symptom in medkg but Disease in BC5CDR: one FP and one FN.
    assert unmapped["per_label"]["Symptom"]["precision"] == 0.0
    assert report["f1"] >= unmapped["f1"]


def test_cli_eval_ner_last_line_json():
    result = CliRunner().invoke(
        app, ["eval", "ner", "--corpus", str(FIXTURES / "notes_annotated.jsonl"), "--format", "jsonl"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report) >= {"precision", "recall", "f1", "per_label", "n_docs", "n_mentions", "assertion_accuracy"}
    assert report["n_docs"] == 8 and 0.0 <= report["f1"] <= 1.0


def test_cli_eval_ner_standoff_notes_reports_assertion_per_class(tmp_path):
    from tests.conftest import SHARED_DATA

    lines = (FIXTURES / "mtsamples" / "test.standoff.jsonl").read_text(encoding="utf-8").splitlines()
    corpus = tmp_path / "three.standoff.jsonl"
    corpus.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    notes = SHARED_DATA / "mtsamples" / "mtsamples_notes.csv"
    args = ["eval", "ner", "--corpus", str(corpus), "--format", "standoff", "--model", "dictionary"]
    result = CliRunner().invoke(app, [*args, "--notes", str(notes)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["n_docs"] == 3 and report["n_mentions"] == 15
    confusion = report["assertion_confusion"]
    assert sum(report["assertion_per_class"][g]["n"] for g in confusion) == sum(
        map(sum, map(dict.values, confusion.values()))
    )
    assert CliRunner().invoke(app, args).exit_code != 0  # the standoff format needs --notes
