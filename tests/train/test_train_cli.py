"""`medkg train ner` and `medkg train relations` through the CLI on the tiny fixture configs.

Each run writes its model folder under tmp_path (``--set out=...``); the tests check the folder,
its meta.json and that the printed metrics are the ones stored, then re-score with ``--evaluate-only``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.io.corpora import read_corpus
from kg.ner import create_ner
from kg.nlp import analyze
from kg.types import Document
from tests.conftest import FIXTURES, SHARED_DATA

runner = CliRunner()


def _run(args: list[str]) -> dict:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def _meta(out: Path) -> dict:
    return json.loads((out / "meta.json").read_text(encoding="utf-8"))


def _check_prf(metrics: dict) -> None:
    for key in ("precision", "recall", "f1"):
        assert 0.0 <= metrics[key] <= 1.0, (key, metrics)


def test_cli_train_ner_fast_writes_model_and_meta(tmp_path: Path) -> None:
    out = tmp_path / "ner-fast"
    config = ["--config", str(FIXTURES / "ner" / "tiny_fast.yaml"), "--set", f"out={out}"]
    summary = _run(["train", "ner", *config])
    assert summary["out"] == str(out)
    assert sorted(p.name for p in out.iterdir()) == ["gazetteer_names.tsv.gz", "meta.json", "spacy"]
    assert (out / "spacy" / "ner" / "model").stat().st_size > 0
    meta = _meta(out)
    assert (meta["kind"], meta["name"], meta["seed"]) == ("spacy", "ner-tiny-fast", 7)
    assert [(d["file"], d["mentions"]) for d in meta["data"]] == [
        ("CDR_TrainingSet.PubTator.txt", 12),
        ("NCBItrainset_corpus.txt", 6),
    ]
    assert meta["metrics"] == summary["metrics"] and set(summary["metrics"]) == {"fixture_test"}
    assert summary["metrics"]["fixture_test"]["n_docs"] == 1
    _check_prf(summary["metrics"]["fixture_test"])
    # The folder is a usable model: it loads by path and tags a document.
    mentions = create_ner(str(out))(analyze(Document(id="d", text="Aspirin caused asthma.")))
    assert all(m.label in ("Drug", "Disease", "Symptom") for m in mentions)
    # Re-scoring the saved model gives the same figures and records when they were updated.
    rescored = _run(["train", "ner", *config, "--evaluate-only"])
    assert rescored["metrics"] == summary["metrics"]
    assert _meta(out)["metrics"] == summary["metrics"] and "metrics_updated" in _meta(out)


@pytest.mark.parametrize(
    ("config", "files", "kind", "gold"),
    [
        ("tiny_linear.yaml", ["linear.json.gz", "meta.json"], "relations-doc-linear", {"cid_eval": {"CAUSES": 2}}),
        (
            "tiny_ddi.yaml",
            ["meta.json", "model.safetensors"],
            "relations-pair-transformer",
            {"ddi_test": {"effect": 0, "int": 1, "mechanism": 1}},
        ),
    ],
)
def test_cli_train_relations_writes_model_and_meta(
    tmp_path: Path, config: str, files: list[str], kind: str, gold: dict
) -> None:
    out = tmp_path / "rel"
    args = ["--config", str(FIXTURES / "relations" / config), "--set", f"out={out}"]
    summary = _run(["train", "relations", *args])
    assert summary["out"] == str(out)
    assert sorted(p.name for p in out.iterdir()) == files
    meta = _meta(out)
    assert meta["kind"] == kind and meta["seed"] == 13
    assert meta["metrics"] == summary["metrics"]
    assert {name: {t: m["gold"] for t, m in r["per_type"].items()} for name, r in summary["metrics"].items()} == gold
    for report in summary["metrics"].values():
        _check_prf(report)
    rescored = _run(["train", "relations", *args, "--evaluate-only"])
    assert rescored["metrics"] == summary["metrics"]
    assert "metrics_updated" in _meta(out)


def test_cli_evaluate_only_without_a_model_fails(tmp_path: Path) -> None:
    out = tmp_path / "missing"
    for cmd, config in (
        ("ner", FIXTURES / "ner" / "tiny_fast.yaml"),
        ("relations", FIXTURES / "relations" / "tiny_linear.yaml"),
    ):
        result = runner.invoke(app, ["train", cmd, "--config", str(config), "--set", f"out={out}", "--evaluate-only"])
        assert result.exit_code != 0, cmd
        assert str(out) in str(result.exception)  # the error names the folder that holds no model
        assert not out.exists()


def _pubtator_slice(src: Path, n: int, dest: Path) -> Path:
    """The first ``n`` abstracts of a PubTator file (documents are separated by blank lines)."""
    docs = src.read_text(encoding="utf-8").strip().split("\n\n")[:n]
    dest.write_text("\n\n".join(docs) + "\n\n", encoding="utf-8")
    return dest


def test_cli_train_relations_on_a_real_bc5cdr_slice_writes_a_model_that_loads_and_predicts(tmp_path: Path) -> None:
    from kg.io.corpora import read_corpus
    from kg.relations.linear import DocLinearModel
    from kg.relations.models import load_relation_model
    from kg.relations.reldoc import gold_pairs, reldoc_from_gold
    from tests.conftest import SHARED_DATA

    _pubtator_slice(SHARED_DATA / "bc5cdr" / "CDR_TrainingSet.PubTator.txt", 40, tmp_path / "train.txt")
    _pubtator_slice(SHARED_DATA / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt", 10, tmp_path / "dev.txt")
    # relative paths: read against the config's own folder (no checkout above tmp_path)
    (tmp_path / "slice.yaml").write_text(
        "kind: doc-linear\ntask: drug-disease\nname: relations-slice\nseed: 13\nout: model\n"
        "data:\n  - path: train.txt\n    head: cid\n"
        "evaluate:\n  - name: dev10\n    path: dev.txt\n"
        "params:\n  C: 0.25\n  folds: 3\n  min_feature_count: 1\n  mention_words: true\n",
        encoding="utf-8",
    )
    summary = _run(["train", "relations", "--config", str(tmp_path / "slice.yaml")])
    out = tmp_path / "model"
    assert summary["out"] == str(out)
    assert sorted(p.name for p in out.iterdir()) == ["linear.json.gz", "meta.json"]
    meta = _meta(out)
    assert (meta["kind"], meta["name"], meta["data"][0]["documents"]) == ("relations-doc-linear", "relations-slice", 40)
    assert meta["params"]["C"] == 0.25 and meta["heads"]["cid"]["C"] == 0.25
    # the written folder loads as a model and predicts CID pairs on unseen abstracts
    model = load_relation_model(out)
    assert isinstance(model, DocLinearModel) and [h.name for h in model.heads] == ["cid"]
    tp = n_pred = n_gold = 0
    for g in read_corpus(tmp_path / "dev.txt", "pubtator"):
        doc = reldoc_from_gold(g)
        gold = set(gold_pairs(g, doc, ["none", "CID"]))
        pred = {(p.drug, p.disease) for p in model.predict(doc)}
        assert all(p.type == "CAUSES" and 0.0 < p.probability <= 1.0 for p in model.predict(doc))
        tp, n_pred, n_gold = tp + len(pred & gold), n_pred + len(pred), n_gold + len(gold)
    assert n_pred >= 10  # the tuned fallback gives every abstract at least its best pair
    assert tp > 0 and n_gold > 0
    # ... and the figures the run stored are those of this model on the dev slice
    dev = meta["metrics"]["dev10"]
    assert dev["n_docs"] == 10 and dev["per_type"]["CAUSES"]["gold"] == n_gold
    assert dev["recall"] == round(tp / n_gold, 4) and dev["precision"] == round(tp / n_pred, 4)


def test_medkg_train_ner_fast_on_real_abstracts_writes_a_model_that_tags(tmp_path: Path) -> None:
    """The ``medkg`` command itself, as a user runs it: a small spaCy model from 20 real BC5CDR abstracts."""
    blocks = (SHARED_DATA / "bc5cdr" / "CDR_TrainingSet.PubTator.txt").read_text(encoding="utf-8").split("\n\n")
    corpus = tmp_path / "cdr_train20.txt"
    corpus.write_text("\n\n".join(blocks[:20]) + "\n\n", encoding="utf-8")
    config = tmp_path / "fast.yaml"
    config.write_text(
        "kind: spacy\nname: ner-real-fast\nseed: 3\nout: model\nfolds: 2\n"
        f"data:\n  - path: {corpus.name}\n    labels: [Drug, Disease]\n"
        "params:\n  epochs: 10\n  batch_size: 4\n  width: 32\n  depth: 2\n  hidden: 32\n",
        encoding="utf-8",
    )
    medkg = Path(sys.executable).with_name("medkg")
    proc = subprocess.run(
        [str(medkg), "train", "ner", "--config", str(config)], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "model"  # relative paths are read against the config's folder (no pyproject.toml above it)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"out": str(out), "metrics": {}}
    meta = _meta(out)
    assert (meta["kind"], meta["name"], meta["data"][0]["documents"]) == ("spacy", "ner-real-fast", 20)
    assert meta["params"] == {"epochs": 10, "batch_size": 4, "width": 32, "depth": 2, "hidden": 32, "dropout": 0.1}
    ner = create_ner(str(out))
    gold = read_corpus(corpus, "pubtator")
    mentions = [m for g in gold for m in ner(analyze(g.document))]
    assert mentions, "the trained model tags nothing in its own training abstracts"
    assert {m.label for m in mentions} <= {"Drug", "Disease", "Symptom"}
    assert all(m.extractor == "ner-real-fast" for m in mentions)
