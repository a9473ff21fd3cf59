"""Shared by the clinical-note relation tests: mentions placed on a written sentence, and the patterns' hits."""

from __future__ import annotations

from kg.nlp import AnalyzedDocument, analyze
from kg.relations.clinical import ClinicalPatterns
from kg.types import Document, Mention


def placed_mentions(
    text: str, spans: list[tuple[str, str]], confidence: float = 0.9
) -> tuple[AnalyzedDocument, list[Mention]]:
    """``text`` analyzed, and a mention for each ``(surface, label)`` of ``spans``, each at the next occurrence."""
    analyzed = analyze(Document(id="note", text=text))
    mentions, pos = [], 0
    for surface, label in spans:
        start = text.index(surface, pos)
        mentions.append(
            Mention(
                doc_id="note",
                sentence_index=analyzed.sentence_of(start).index,
                start=start,
                end=start + len(surface),
                text=surface,
                label=label,
                confidence=confidence,
                extractor="test",
                extractor_version="0",
            )
        )
        pos = start + len(surface)
    return analyzed, mentions


def pattern_hits(patterns: ClinicalPatterns, text: str, spans: list[tuple[str, str]]) -> set[tuple[str, str, str]]:
    """(head, type, tail) the patterns find; ``spans`` are (surface, label), each the next occurrence."""
    analyzed, mentions = placed_mentions(text, spans)
    return {(h.head.text, h.rel, h.tail.text) for h in patterns.hits(analyzed, mentions)}
