"""benchmarks/notes_relations_cv.py: the pair features and the note-grouped cross-validation of issue 19, round four."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.relations._notes import placed_mentions

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cv():
    spec = importlib.util.spec_from_file_location("notes_relations_cv", ROOT / "benchmarks" / "notes_relations_cv.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass resolves annotations through sys.modules
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_pair_features_read_distance_order_cues_and_sections(cv):
    text = "ASSESSMENT: He has low back pain. He has tried ibuprofen."
    analyzed, ms = placed_mentions(text, [("low back pain", "Symptom"), ("ibuprofen", "Drug")], confidence=1.0)
    sents = [(s.start, s.end) for s in analyzed.sentences]
    f = cv._pair_features(text, sents, ms, ms[1], ms[0], "TREATS")
    assert f["TREATS:sd=1"] == 1.0 and f["TREATS:sd1_tail_first"] == 1.0
    assert f["TREATS:therapy_before_head"] == 1.0
    assert f["TREATS:treatment_clause_after_tail"] == 1.0
    assert f["TREATS:tail_section=dx"] == 1.0 and f["TREATS:head_section=dx"] == 1.0
    assert "TREATS:for_between" in f and f["TREATS:for_between"] == 0.0


def test_cross_validation_is_out_of_fold_and_grouped_by_note(cv):
    # one informative feature; every note holds one positive and one negative pair
    rows = [
        cv.Candidate({"x": float(y), "bias": 1.0}, y, f"n{i}-s1", f"n{i}", ("a", "TREATS", "b"), False)
        for i in range(20)
        for y in (0, 1)
    ]
    probs = cv.cross_validated(rows, folds=5, c=1.0, seed=0)
    assert probs.shape == (40,)
    labels = np.array([r.label for r in rows])
    assert (probs[labels == 1] > 0.5).all() and (probs[labels == 0] < 0.5).all()
    # a label no other note shares cannot be learned out of fold: the lone positive note scores like a negative
    lone = [cv.Candidate({"z": 1.0, "bias": 1.0}, 1, "m-s1", "m", ("a", "TREATS", "c"), False)]
    negatives = [cv.Candidate({"bias": 1.0}, 0, f"k{i}-s1", f"k{i}", ("a", "TREATS", "d"), False) for i in range(9)] + [
        cv.Candidate({"bias": 1.0}, 1, "k9-s1", "k9", ("a", "TREATS", "e"), False)
    ]
    # (weakly regularized, a model that saw the note's own row would give it about 0.95)
    probs = cv.cross_validated(lone + negatives, folds=5, c=100.0, seed=0)
    assert probs[0] < 0.5
