"""The accurate tagger's training pieces: gold tags, length batches, collation and typed options."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from kg.ner.transformer import Encoded
from kg.train.ner_transformer import IGNORE, TransformerTrainOptions, batches_by_length, collate, gold_tags


def test_gold_tags_fill_convention_heads_with_their_label() -> None:
    enc = Encoded(
        ids=[1, 2, 3],
        offsets=[(0, 5), (6, 10), (11, 15)],
        case=[0, 0, 0],
        gaz=[0, 0, 0],
        continuation=[False, False, False],
    )
    tags = gold_tags(enc, [(6, 15, "Symptom"), (0, 5, "Drug")], ["Drug", "Disease", "Disease@ncbi"])
    assert tags == [[1, 0, 0], [0, 1, 1], [0, 2, 2]]


def test_batches_cover_every_item_once_and_group_lengths() -> None:
    items = [[0] * n for n in range(1, 41)]
    batches = batches_by_length(items, 4, random.Random(3), key=len)
    assert sorted(len(it) for b in batches for it in b) == list(range(1, 41))
    assert all(len(b) == 4 for b in batches)
    assert all(max(map(len, b)) - min(map(len, b)) <= 3 for b in batches)  # one pool: sorted before cutting


def test_collate_pads_and_ignores_heads_a_corpus_does_not_annotate() -> None:
    window = ([11, 12], [1, 2], [0, 3], [[1, 0], [2, 1]], [True, False])
    ids, case, gaz, mask, labels = collate([window, ([13], [1], [0], [[0, 0]], [True, True])], n_heads=2)
    assert ids.shape == case.shape == gaz.shape == mask.shape == (2, 4) and labels.shape == (2, 4, 2)
    assert ids[0, 1:3].tolist() == [11, 12] and mask[0].tolist() == [1, 1, 1, 1] and mask[1].tolist() == [1, 1, 1, 0]
    assert labels[0, 1:3, 0].tolist() == [1, 2] and labels[0, :, 1].tolist() == [IGNORE] * 4
    assert labels[1, :, 0].tolist() == [IGNORE, 0, IGNORE, IGNORE]


def test_options_have_documented_defaults_and_reject_unknown_keys() -> None:
    assert TransformerTrainOptions() == TransformerTrainOptions(
        epochs=3, batch_size=16, lr=5e-5, lr_new=1e-3, warmup=0.06, max_tokens=254, context=32, gaz_dropout=0.0
    )
    with pytest.raises(ValidationError, match="epoch"):
        TransformerTrainOptions.model_validate({"epoch": 3})
