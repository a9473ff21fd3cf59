"""benchmarks/deid.py scores as documented: coverage-based recall, character precision, clinical overlaps."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


deid = _load("deid_benchmark", ROOT / "benchmarks" / "deid.py")
RECORDS = [
    json.loads(line)
    for line in (ROOT / "tests" / "fixtures" / "phi" / "notes.jsonl").read_text(encoding="utf-8").splitlines()
    if line
]


def _gold_scrubber(records):
    by_text = {r["text"]: r for r in records}
    return lambda text: [(p["start"], p["end"], p["kind"]) for p in by_text[text]["phi"]]


def test_gold_spans_score_perfectly():
    res = deid.score_corpus(RECORDS, _gold_scrubber(RECORDS))
    assert res["overall_recall"] == res["overall_recall_strict"] == 1.0
    assert res["overall_precision"] == 1.0
    assert sum(res["clinical_overlapped"].values()) == 0


def test_nothing_predicted_catches_nothing():
    res = deid.score_corpus(RECORDS, lambda text: [])
    assert res["overall_recall"] == 0.0
    assert res["overall_precision"] == 1.0


def test_whole_text_catches_everything_and_overlaps_every_clinical_mention():
    res = deid.score_corpus(RECORDS, lambda text: [(0, len(text), "ALL")])
    assert res["overall_recall"] == 1.0
    assert res["overall_precision"] < 0.5
    assert res["clinical_overlapped"] == res["clinical_total"]


def test_split_name_still_caught_but_a_missing_letter_is_not():
    rec = {
        "id": "t",
        "text": "Seen by Maria de la Cruz today.",
        "phi": [{"start": 8, "end": 24, "kind": "NAME", "text": "Maria de la Cruz"}],
        "clinical": [],
    }
    words = [(8, 13, "N"), (14, 16, "N"), (17, 19, "N"), (20, 24, "N")]
    assert deid.score_corpus([rec], lambda text: words)["overall_recall"] == 1.0
    assert deid.score_corpus([rec], lambda text: words[:-1] + [(20, 23, "N")])["overall_recall"] == 0.0
