"""The issue's over-scrubbing target, measured by benchmarks/deid.py: no gold Drug/Disease mention of the
demo notes or of BC5CDR test overlaps a PHI span.

The per-corpus recall and precision floors (development and held-out PHI corpora) are in
tests/test_phi_corpora.py.
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import pytest

from kg.io.corpora import read_annotated_jsonl, read_pubtator

ROOT = Path(__file__).resolve().parents[2]
BC5CDR = ROOT.parent / "shared" / "data" / "bc5cdr" / "CDR_TestSet.PubTator.txt"


def _benchmark():
    spec = importlib.util.spec_from_file_location("deid_benchmark_targets", ROOT / "benchmarks" / "deid.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


deid = _benchmark()
SCRUB = deid.medkg_scrubber(None)


def test_no_drug_or_disease_of_the_demo_notes_is_scrubbed():
    hit, total, _, n = deid.score_mentions(read_annotated_jsonl(deid.DEFAULT_DEMO_NOTES), SCRUB, "notes")
    assert n > 0 and sum(total.values()) > 0
    assert sum(hit.values()) == 0, hit


@pytest.mark.data
@pytest.mark.skipif(not BC5CDR.is_file(), reason=f"no BC5CDR test set at {BC5CDR}")
def test_no_drug_or_disease_of_bc5cdr_test_is_scrubbed():
    docs = list(itertools.islice(read_pubtator(BC5CDR), 500))
    hit, total, _, n = deid.score_mentions(docs, SCRUB, "bc5cdr")
    assert n == 500 and sum(total.values()) > 9000
    assert sum(hit.values()) == 0, hit
