"""``medkg eval relations``: the scoring functions and the CLI's last-line JSON for every format."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.config import REPO_ROOT
from kg.eval.relations import score_sets
from kg.metrics import prf

REL = REPO_ROOT / "tests" / "fixtures" / "relations"
NOTES = REPO_ROOT / "tests" / "fixtures" / "notes_annotated.jsonl"


def test_score_sets_micro_and_per_type():
    gold = {"CAUSES": {("d", "a", "b"), ("d", "a", "c")}, "TREATS": {("d", "x", "y")}}
    pred = {"CAUSES": {("d", "a", "b"), ("d", "q", "r")}, "TREATS": set()}
    out = score_sets(gold, pred)
    assert out["precision"] == 0.5 and out["recall"] == pytest.approx(0.3333, abs=1e-4)
    assert out["per_type"]["CAUSES"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "gold": 2}
    assert out["per_type"]["TREATS"]["recall"] == 0.0
    assert prf(0, 0, 0) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def _last_json(args: list[str]) -> dict:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.strip().splitlines()[-1])
    assert set(last) == {"precision", "recall", "f1", "per_type"}
    assert all(0.0 <= last[k] <= 1.0 for k in ("precision", "recall", "f1"))
    for m in last["per_type"].values():
        assert set(m) == {"precision", "recall", "f1"} and all(0.0 <= v <= 1.0 for v in m.values())
    return last


def test_eval_pubtator_cid_with_gold_entities_prints_the_json_last():
    last = _last_json(
        ["eval", "relations", "--corpus", str(REL / "cid_eval.PubTator.txt"), "--format", "pubtator", "--gold-entities"]
    )
    assert set(last["per_type"]) == {"CAUSES"}


def test_eval_biored_maps_its_types():
    last = _last_json(
        ["eval", "relations", "--corpus", str(REL / "biored.PubTator"), "--format", "pubtator", "--gold-entities"]
    )
    assert set(last["per_type"]) <= {"CAUSES", "TREATS", "ASSOCIATED_WITH"}
    assert "CAUSES" in last["per_type"]


def test_eval_ddi_scores_the_four_types(tiny_ddi):
    out, _ = tiny_ddi
    args = ["eval", "relations", "--corpus", str(REL / "ddi" / "Test"), "--format", "ddi", "--gold-entities"]
    last = _last_json([*args, "--model", str(out)])
    assert set(last["per_type"]) <= {"mechanism", "effect", "advise", "int"}
    result = CliRunner().invoke(app, args[:-1] + ["--model", str(out)])
    assert result.exit_code != 0 and "--gold-entities" in result.output


def test_eval_standoff_notes_with_gold_entities(tmp_path):
    from tests.conftest import SHARED_DATA

    lines = (REPO_ROOT / "tests" / "fixtures" / "mtsamples" / "dev.standoff.jsonl").read_text().splitlines()
    picked = [line for line in lines if '"id": "mts-x166-s2"' in line or '"id": "mts-x110-s1"' in line]
    corpus = tmp_path / "two.standoff.jsonl"
    corpus.write_text("\n".join(picked) + "\n", encoding="utf-8")
    notes = SHARED_DATA / "mtsamples" / "mtsamples_notes.csv"
    args = ["eval", "relations", "--corpus", str(corpus), "--format", "standoff", "--gold-entities"]
    last = _last_json([*args, "--notes", str(notes)])
    assert set(last["per_type"]) >= {"TREATS", "CAUSES"}  # Paxil -> Depression, Coumadin -> hemarthrosis


def test_eval_jsonl_notes_with_gold_entities():
    last = _last_json(["eval", "relations", "--corpus", str(NOTES), "--format", "jsonl", "--gold-entities"])
    # Regression floor on the annotated notes (measured 2026-12-01; see docs/relations.md).
    assert last["per_type"]["TREATS"]["recall"] >= 0.6
    assert last["per_type"]["CAUSES"]["recall"] >= 0.5


def test_eval_unknown_model_names_the_known_ones():
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "relations",
            "--corpus",
            str(REL / "cid_eval.PubTator.txt"),
            "--format",
            "pubtator",
            "--gold-entities",
            "--model",
            "nope",
        ],
    )
    assert result.exit_code != 0
    assert "relations-drug-disease" in str(result.exception)


@pytest.fixture()
def stages_run(monkeypatch) -> list[str]:
    """The names of the TextPipeline stages the evaluation runs, in order."""
    from kg.pipeline import TextPipeline

    seen: list[str] = []
    real = TextPipeline.stage

    def spy(self, name):  # type: ignore[no-untyped-def]
        seen.append(name)
        return real(self, name)

    monkeypatch.setattr(TextPipeline, "stage", spy)
    return seen


def test_end_to_end_pubtator_eval_runs_builds_text_stages_up_to_linking(stages_run):
    from kg.eval.relations import evaluate_pubtator
    from kg.io.corpora import read_corpus
    from kg.relations.models import load_relation_model

    docs = read_corpus(REL / "cid_eval.PubTator.txt", "pubtator")
    model = load_relation_model("relations-drug-disease")
    report = evaluate_pubtator(docs, model, gold_entities=False, ner="dictionary", linker="lexicon")
    # one batch (two documents): the chain as build runs it, privacy filter included, relations left to the model
    assert stages_run == ["ner", "privacy", "assertion", "linking"]
    assert report["per_type"]["CAUSES"]["gold"] == 2 and report["heads"] == ["cid"]


def test_notes_eval_runs_builds_text_stages(stages_run):
    from kg.eval.relations import evaluate_notes
    from kg.io.corpora import read_corpus

    docs = read_corpus(NOTES, "jsonl")
    gold = evaluate_notes(docs, gold_entities=True, linker="lexicon")
    assert stages_run == ["linking", "relations"]  # the gold mentions are linked, then the relation stage
    stages_run.clear()
    end_to_end = evaluate_notes(docs, gold_entities=False, ner="dictionary", linker="lexicon")
    assert stages_run == ["ner", "privacy", "assertion", "linking", "relations", "redaction"]
    assert gold["relations_found"] and end_to_end["relations_found"]


def test_gold_entities_keep_their_gold_types_after_linking():
    """With gold entities the linker may add ids but not retype a mention (``dementia`` Symptom -> Disease
    would put the gold HAS_SYMPTOM pair outside the relation's signature)."""
    from kg.eval.relations import _with_gold_labels
    from kg.nlp import analyze, make_mention
    from kg.pipeline import DocState
    from kg.types import Document

    analyzed = analyze(Document(id="d1", text="Alzheimer disease with dementia."))
    gold = make_mention(analyzed, 23, 31, "Symptom", 1.0, "gold", "0")
    retyped = gold.model_copy(update={"label": "Disease"})
    state = _with_gold_labels(DocState(analyzed, [retyped]), {(23, 31): "Symptom"})
    assert [m.label for m in state.mentions] == ["Symptom"]
    assert [m.text for m in state.mentions] == ["dementia"]
