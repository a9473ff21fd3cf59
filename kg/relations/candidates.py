"""Candidate mention pairs for the sentence-level (DDI) classifier, with negative-instance filtering.

DDI 2013 annotates every pair of drug mentions in a sentence. Pairs that can hardly be an
interaction are filtered before classification (and predicted ``none``), the usual recipe of
DDI'13 systems:

* the two mentions overlap, or have the same text (case-insensitive): a drug does not interact
  with itself;
* only commas, semicolons, slashes or brackets stand between the two mentions: "A, B, C"
  enumerates drugs, it does not relate them. (Gaps of ``and``/``or`` are kept: on DDI train,
  comma-only gaps hold 2109 negative and 7 positive pairs, ``and``/``or`` gaps 943 and 278.)

:func:`filter_reason` says why a pair was filtered (or None); the rules' recall on the training
positives is logged at training time and kept in ``meta.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.io.corpora import GoldDocument, GoldEntity
from kg.relations.transformer import PairInput

_LIST_GAP = re.compile(r"^[\s,;/()\[\]]*$")


@dataclass(frozen=True)
class SentencePair:
    """One candidate pair of mentions in a sentence: its classifier input and its ids."""

    doc_id: str
    e1_id: str
    e2_id: str
    pair: PairInput
    filtered: str | None


def filter_reason(text: str, e1: tuple[int, int], e2: tuple[int, int]) -> str | None:
    """Why the pair (offsets into ``text``, e1 before e2) is not worth classifying, or None."""
    (a1, b1), (a2, b2) = sorted([e1, e2])
    if a2 < b1:
        return "overlap"
    if text[a1:b1].lower() == text[a2:b2].lower():
        return "same-name"
    if _LIST_GAP.match(text[b1:a2]):
        return "coordination"
    return None


def ddi_pairs(doc: GoldDocument) -> list[SentencePair]:
    """Every annotated candidate pair of a DDI document as a sentence-level classifier input."""
    by_id: dict[str, GoldEntity] = {e.id: e for e in doc.entities}
    out = []
    for e1_id, e2_id in doc.candidate_pairs:
        e1, e2 = by_id[e1_id], by_id[e2_id]
        sent = next((s for s in doc.sentences if s[0] <= e1.start < s[1] or s[0] == e1.start), None)
        if sent is None:
            raise ValueError(f"{doc.document.source}: mention {e1_id} is in no sentence")
        s0, s1 = sent
        text = doc.document.text[s0:s1]
        others = tuple(
            (e.start - s0, e.end - s0) for e in doc.entities if s0 <= e.start < s1 and e.id not in (e1_id, e2_id)
        )
        span1, span2 = (e1.start - s0, e1.end - s0), (e2.start - s0, e2.end - s0)
        pair = PairInput(text, span1, span2, "drug", "drug", others)
        out.append(SentencePair(doc.document.id, e1_id, e2_id, pair, filter_reason(text, span1, span2)))
    return out
