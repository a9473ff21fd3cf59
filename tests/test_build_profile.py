"""benchmarks/build_profile.py: every stage of build's chain timed in one pass, on real notes."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]
NOTES = SHARED_DATA / "mtsamples" / "mtsamples_notes.csv"


def _load():
    spec = importlib.util.spec_from_file_location("build_profile", ROOT / "benchmarks" / "build_profile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.data
def test_the_profile_times_every_stage_and_what_it_made(tmp_path):
    profile = _load().profile
    args = argparse.Namespace(
        corpus=str(NOTES),
        format="ingest",
        text_column="transcription",
        id_column="note_id",
        limit=4,
        set=["ner.name=dictionary", "linker.name=lexicon", "relations.name=rules", "gnn.enabled=false"],
        seeds=False,
        linkpred=False,
    )
    out = profile(args)
    assert out["documents"] == 4 and out["mentions"] > 0
    stages = out["stage_seconds"]
    assert list(stages) == [
        "analyze",
        "ner",
        "privacy",
        "assertion",
        "linking",
        "relations",
        "redaction",
        "assembly + store",
    ]
    assert stages["analyze"] > 0 and stages["ner"] > 0 and stages["privacy"] > 0  # each stage's clock really ran
    assert set(out["startup_seconds"]) == {"ner", "assertion", "linker", "relations", "pipeline key", "warm-up"}
    assert out["docs_per_second_after_startup"] > 0
