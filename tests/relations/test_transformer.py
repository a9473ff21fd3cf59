"""The MiniLM pair classifier: markers and blinding, negative filtering, training on the DDI fixture."""

from __future__ import annotations

import json

import pytest

from kg.config import REPO_ROOT
from kg.encoders import load_tokenizer
from kg.io.corpora import read_corpus
from kg.relations.candidates import ddi_pairs, filter_reason
from kg.relations.transformer import E1_START, E2_START, PairInput, encode_pair
from kg.train.pair_classifier import tune_none_bias

REL = REPO_ROOT / "tests" / "fixtures" / "relations"


def _decode(ids: list[int]) -> str:
    return str(load_tokenizer().decode(ids))


def test_markers_wrap_the_pair_and_blinding_hides_names():
    text = "Ketoconazole increases the levels of midazolam and of digoxin."
    pair = PairInput(text, (0, 12), (37, 46), "drug", "drug", ((54, 61),))
    blind = encode_pair(pair, blind=True)
    assert _decode(blind.ids) == (
        "[CLS] [unused0] drug [unused1] increases the levels of [unused2] drug [unused3] and of other. [SEP]"
    )
    assert blind.ids[blind.e1_pos] == E1_START and blind.ids[blind.e2_pos] == E2_START
    assert len(blind.roles) == len(blind.ids)
    plain = encode_pair(pair, blind=False)
    assert "ketoconazole" in _decode(plain.ids) and "digoxin" in _decode(plain.ids)


def test_long_inputs_are_cropped_around_the_pair():
    text = " ".join(["filler"] * 200) + " aspirin raises warfarin levels " + " ".join(["filler"] * 200)
    a = text.index("aspirin")
    w = text.index("warfarin")
    enc = encode_pair(PairInput(text, (a, a + 7), (w, w + 8), "drug", "drug"), blind=True, max_tokens=32)
    assert len(enc.ids) == 32
    assert enc.ids[enc.e1_pos] == E1_START and enc.ids[enc.e2_pos] == E2_START


@pytest.mark.parametrize(
    "text, e1, e2, reason",
    [
        ("aspirin, ibuprofen", (0, 7), (9, 18), "coordination"),
        ("aspirin and ibuprofen", (0, 7), (12, 21), None),
        ("Lithium with lithium", (0, 7), (13, 20), "same-name"),
        ("oral contraceptives", (0, 19), (5, 19), "overlap"),
        ("aspirin raises ibuprofen", (0, 7), (15, 24), None),
    ],
)
def test_negative_filter(text, e1, e2, reason):
    assert filter_reason(text, e1, e2) == reason


def test_ddi_pairs_cover_every_annotated_pair_with_its_filter_reason():
    docs = read_corpus(REL / "ddi" / "Train", "ddi")
    pairs = [p for d in docs for p in ddi_pairs(d)]
    assert len(pairs) == sum(len(d.candidate_pairs) for d in docs) == 9
    reasons = {(p.e1_id.split(".")[-1], p.e2_id.split(".")[-1], p.doc_id[-2:]): p.filtered for p in pairs}
    assert reasons[("e1", "e2", "d1")] == "coordination"  # "aspirin, ibuprofen"
    assert reasons[("e0", "e2", "d2")] == "same-name"  # lithium ... lithium
    assert reasons[("e0", "e1", "d1")] is None


def test_none_bias_tuning_maximizes_held_out_micro_f1():
    import numpy as np

    logits = np.array([[1.0, 0.5], [1.0, 0.8], [0.0, 2.0], [2.0, 0.0]])
    gold = [1, 1, 1, 0]
    offset, f1 = tune_none_bias(logits, gold)
    assert f1 == 1.0 and -2.0 < offset <= -0.25


def test_training_on_the_ddi_fixture_writes_float16_weights_without_word_embeddings(tiny_ddi):
    from safetensors.torch import load_file

    out, meta = tiny_ddi
    on_disk = json.loads((out / "meta.json").read_text())
    assert on_disk["kind"] == "relations-pair-transformer" and on_disk["classes"][0] == "none"
    assert on_disk["data"][0]["quarantined"] == 1 and on_disk["data"][0]["files"] == 2
    assert set(on_disk["metrics"]["ddi_test"]) >= {"precision", "recall", "f1", "per_type"}
    state = load_file(str(out / "model.safetensors"))
    assert "bert.embeddings.word_embeddings.weight" not in state
    assert {str(v.dtype) for v in state.values()} == {"torch.float16"}
    assert (out / "model.safetensors").stat().st_size < 30_000_000


def test_the_trained_classifier_reloads_and_gives_probabilities(tiny_ddi):
    from kg.relations.models import load_relation_model
    from kg.relations.transformer import PairClassifier

    out, _ = tiny_ddi
    clf = load_relation_model(str(out))
    assert isinstance(clf, PairClassifier)
    docs = read_corpus(REL / "ddi" / "Test", "ddi")
    pairs = [p.pair for d in docs for p in ddi_pairs(d)]
    probs = clf.predict_proba(pairs)
    assert probs.shape == (2, 5)
    assert abs(float(probs.sum()) - 2.0) < 1e-4
