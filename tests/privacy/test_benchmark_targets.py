"""The issue's targets on the DEV corpus (tests/fixtures/phi/notes.jsonl), measured by benchmarks/deid.py."""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path

import pytest

from kg.corpora import read_annotated_jsonl, read_pubtator

ROOT = Path(__file__).resolve().parents[2]
BC5CDR = ROOT.parent / "shared" / "data" / "bc5cdr" / "CDR_TestSet.PubTator.txt"


def _benchmark():
    spec = importlib.util.spec_from_file_location("deid_benchmark_targets", ROOT / "benchmarks" / "deid.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


deid = _benchmark()
SCRUB = deid.medkg_scrubber(None)


@pytest.fixture(scope="module")
def result() -> dict:
    records = [json.loads(line) for line in deid.DEFAULT_CORPUS.read_text(encoding="utf-8").splitlines() if line]
    return deid.score_corpus(records, SCRUB)


def test_recall_overall_and_structured(result):
    assert result["overall_recall"] >= 0.99
    assert result["structured_recall"] == 1.0
    for kind in deid.STRUCTURED:
        caught, total = result["recall"][kind]
        assert caught == total, kind


def test_precision(result):
    assert result["overall_precision"] >= 0.90


def test_no_clinical_mention_of_the_corpus_is_scrubbed(result):
    assert sum(result["clinical_overlapped"].values()) == 0


def test_no_drug_or_disease_of_the_demo_notes_is_scrubbed():
    hit, total, _, n = deid.score_mentions(read_annotated_jsonl(deid.DEFAULT_NOTES), SCRUB, "notes")
    assert n > 0 and sum(total.values()) > 0
    assert sum(hit.values()) == 0, hit


@pytest.mark.data
@pytest.mark.skipif(not BC5CDR.is_file(), reason=f"no BC5CDR test set at {BC5CDR}")
def test_no_drug_or_disease_of_bc5cdr_test_is_scrubbed():
    docs = list(itertools.islice(read_pubtator(BC5CDR), 200))
    hit, total, _, n = deid.score_mentions(docs, SCRUB, "bc5cdr")
    assert n == 200 and sum(total.values()) > 3000
    assert sum(hit.values()) == 0, hit
