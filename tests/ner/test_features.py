"""Gazetteer features, case classes, windows and constrained decoding."""

from __future__ import annotations

import pytest
import torch

from kg.ner.features import (
    GAZ_TAGS,
    Gazetteer,
    case_class,
    token_gazetteer_ids,
    words,
)
from kg.ner.transformer import active_heads, spans_from_tags, viterbi, windows


def test_gazetteer_longest_match_plural_and_case_sensitive_abbreviations() -> None:
    gaz = Gazetteer(
        [("myocardial infarction", "Disease"), ("infarction", "Disease"), ("ACE", "Drug"), ("statin", "Drug")]
    )
    text = "Acute myocardial infarction; statins and ACE, but not ace or face."
    hits = [(text[h.start : h.end], h.label) for h in gaz.tag(text)]
    assert hits == [("myocardial infarction", "Disease"), ("statins", "Drug"), ("ACE", "Drug")]


def test_gazetteer_skips_stoplisted_and_letterless_names() -> None:
    gaz = Gazetteer([("123", "Drug"), ("x", "Drug"), ("aspirin", "Drug")])
    assert len(gaz) == 2  # aspirin and its plural; "123" and "x" are not names
    assert [h.label for h in gaz.tag("aspirin 123 x")] == ["Drug"]


def test_token_gazetteer_ids_mark_begin_and_inside() -> None:
    gaz = Gazetteer([("heart failure", "Disease")])
    text = "acute heart failure now"
    offsets = words(text)
    ids = token_gazetteer_ids([(0, 0), *offsets, (0, 0)], gaz.tag(text))
    assert [GAZ_TAGS[i] for i in ids] == ["O", "O", "B-Disease", "I-Disease", "O", "O"]


def test_case_classes() -> None:
    assert [case_class(t) for t in ("aspirin", "Aspirin", "ACE", "mRNA", "5-FU", "(")] == [1, 2, 3, 4, 5, 6]


def test_windows_tile_the_document_with_context() -> None:
    assert windows(10, 254, 32) == [(0, 0, 10, 10)]
    ws = windows(500, 100, 10)
    cores = [(w[1], w[2]) for w in ws]
    assert cores[0][0] == 0 and cores[-1][1] == 500
    assert all(a[1] == b[0] for a, b in zip(cores, cores[1:], strict=False))
    assert all(w[3] - w[0] <= 100 for w in ws)


def _logp(rows: list[list[float]]) -> torch.Tensor:
    return torch.log(torch.tensor(rows))


def test_viterbi_never_starts_a_span_with_inside() -> None:
    # Greedy argmax would give O, I, I: an ill-formed span. Constrained decoding must not.
    lp = _logp([[0.9, 0.05, 0.05], [0.1, 0.3, 0.6], [0.2, 0.1, 0.7]])
    path = viterbi(lp, [False, False, False])
    assert path == [0, 1, 2]


def test_viterbi_keeps_word_pieces_together() -> None:
    # The second piece is a continuation (##...): it cannot begin a span nor leave the first's.
    # Greedy would give B, B, O and split one word into two spans.
    lp = _logp([[0.2, 0.7, 0.1], [0.3, 0.6, 0.1], [0.9, 0.05, 0.05]])
    assert viterbi(lp, [False, True, False]) == [1, 2, 0]
    lp = _logp([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1]])
    assert viterbi(lp, [False, True]) == [0, 0]


def test_spans_from_tags_use_character_offsets() -> None:
    offsets = [(0, 5), (6, 10), (11, 15)]
    probs = torch.tensor([[0.1, 0.8, 0.1], [0.2, 0.0, 0.8], [0.9, 0.05, 0.05]])
    (span,) = spans_from_tags([1, 2, 0], probs, offsets, "Drug")
    assert (span.start, span.end, span.label) == (0, 10, "Drug")
    assert abs(span.confidence - 0.8) < 1e-6


def test_active_heads_swap_in_a_convention() -> None:
    heads = ["Drug", "Disease", "Disease@ncbi"]
    assert active_heads(heads) == [(0, "Drug"), (1, "Disease")]
    assert active_heads(heads, "ncbi") == [(0, "Drug"), (2, "Disease")]
    with pytest.raises(ValueError, match="no 'cdr' convention"):
        active_heads(heads, "cdr")
    with pytest.raises(ValueError, match="known conventions: none"):
        active_heads(["Drug", "Disease"], "ncbi")
