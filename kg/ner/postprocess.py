"""Document-level decisions applied after a trained tagger: abbreviations, consistency, symptom typing.

* Abbreviations: scispaCy's detector pairs a short form with its long form in the same document
  ("angiotensin-converting enzyme inhibitor (ACEI)"). When the long form was tagged, every
  occurrence of the short form gets its label (and records the long form).
* Consistency: a name tagged once in a document is tagged at its other occurrences too (whole
  words; case-sensitive for short or all-caps names), where nothing else was tagged.
* Symptom typing: the trained models tag BC5CDR-style Disease, which includes signs and symptoms.
  A Disease span whose name the lexicon knows best as a Symptom (HPO phenotypic abnormality or
  MeSH signs-and-symptoms names from Hetionet) becomes Symptom.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from kg.vocab.lexicon import LexiconIndex


@dataclass(frozen=True)
class TaggedSpan:
    """A predicted entity: character span (end exclusive), label, confidence, optional long form."""

    start: int
    end: int
    label: str
    confidence: float
    long_form: str | None = None


def agree(
    spans: Sequence[TaggedSpan], partner: Iterable[TaggedSpan], keep_confidence: float, min_confidence: float
) -> list[TaggedSpan]:
    """Agreement ensemble of two taggers' raw spans.

    A span of the main tagger is kept when its confidence is at least ``keep_confidence``, or when it
    is at least ``min_confidence`` and the ``partner`` tagger found the same span with the same
    label. The partner never adds spans of its own: it only vouches for the main tagger's less
    confident ones (a second, differently built model rarely makes the same mistake).
    """
    vouched = {(s.start, s.end, s.label) for s in partner}
    return [
        s
        for s in spans
        if s.confidence >= keep_confidence or (s.confidence >= min_confidence and (s.start, s.end, s.label) in vouched)
    ]


def needs_partner(spans: Iterable[TaggedSpan], keep_confidence: float, min_confidence: float) -> bool:
    """Whether :func:`agree` would consult the partner for any of ``spans`` (one is unsure)."""
    return any(min_confidence <= s.confidence < keep_confidence for s in spans)


def _overlaps(a: tuple[int, int], spans: Iterable[TaggedSpan]) -> bool:
    return any(a[0] < s.end and s.start < a[1] for s in spans)


def resolve_overlaps(spans: Iterable[TaggedSpan]) -> list[TaggedSpan]:
    """Keep the most confident of overlapping spans (then the longer one), sorted by offset."""
    kept: list[TaggedSpan] = []
    for s in sorted(spans, key=lambda s: (-s.confidence, -(s.end - s.start), s.start)):
        if not _overlaps((s.start, s.end), kept):
            kept.append(s)
    return sorted(kept, key=lambda s: s.start)


_FUNCTION_WORDS = frozenset(
    "a an and as at by for from in into of on or the to with without than that this these those non".split()
)


def merge_adjacent(spans: Sequence[TaggedSpan], text: str) -> list[TaggedSpan]:
    """Join same-label spans separated by whitespace only ("acute" + "kidney injury").

    A tagger that hesitates inside a long name emits two begin tags in a row; two separate
    names of one type are almost never written next to each other with no word between them.
    """
    out: list[TaggedSpan] = []
    for s in sorted(spans, key=lambda s: s.start):
        prev = out[-1] if out else None
        gap = text[prev.end : s.start] if prev is not None else ""
        if prev is not None and prev.label == s.label and prev.end <= s.start and not gap.strip():
            out[-1] = TaggedSpan(prev.start, s.end, s.label, round(min(prev.confidence, s.confidence), 4))
        else:
            out.append(s)
    return out


def drop_fragments(spans: Sequence[TaggedSpan], text: str) -> list[TaggedSpan]:
    """Drop spans that are a function word, lack letters, or begin or end with a function word."""
    out = []
    for s in spans:
        name = text[s.start : s.end]
        parts = name.lower().split()
        if not parts or not any(c.isalpha() for c in name):
            continue
        if parts[0] in _FUNCTION_WORDS or parts[-1] in _FUNCTION_WORDS:
            continue
        out.append(s)
    return out


def propagate_abbreviations(
    spans: Sequence[TaggedSpan], pairs: Iterable[tuple[tuple[int, int], tuple[int, int]]], text: str
) -> list[TaggedSpan]:
    """Label short forms like their tagged long form; ``pairs`` are ((short span), (long span))."""
    out = list(spans)
    for (s0, s1), (l0, l1) in pairs:
        source = None
        for s in spans:
            if s.start >= l0 and s.end <= l1 and (s.end - s.start) >= 0.6 * (l1 - l0):
                source = s
                break
        if source is None:
            continue
        existing = [s for s in out if s.start < s1 and s0 < s.end]
        if any((s.start, s.end) != (s0, s1) for s in existing):
            continue  # the short form sits inside a longer tagged name; leave that alone
        out = [s for s in out if (s.start, s.end) != (s0, s1)]
        out.append(TaggedSpan(s0, s1, source.label, source.confidence, long_form=text[l0:l1]))
    return sorted(out, key=lambda s: s.start)


def _pattern(name: str) -> re.Pattern[str]:
    flags = 0 if (len(name) <= 5 or name.isupper()) else re.IGNORECASE
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?![A-Za-z0-9])", flags)


def propagate_consistency(spans: Sequence[TaggedSpan], text: str, min_length: int = 3) -> list[TaggedSpan]:
    """Tag the untagged other occurrences of every tagged name in the document."""
    out = list(spans)
    seen: set[tuple[str, str]] = set()
    for s in spans:
        name = text[s.start : s.end]
        key = (name if len(name) <= 5 else name.lower(), s.label)
        if len(name) < min_length or key in seen:
            continue
        seen.add(key)
        for m in _pattern(name).finditer(text):
            if not _overlaps((m.start(), m.end()), out):
                out.append(replace(s, start=m.start(), end=m.end(), confidence=round(s.confidence * 0.9, 4)))
    return sorted(out, key=lambda s: s.start)


def type_symptoms(spans: Sequence[TaggedSpan], text: str, index: LexiconIndex) -> list[TaggedSpan]:
    """Relabel Disease spans whose best lexicon label is Symptom."""
    out = []
    for s in spans:
        if s.label == "Disease" and index.best_label(s.long_form or text[s.start : s.end]) == "Symptom":
            s = replace(s, label="Symptom")
        out.append(s)
    return out


def postprocess(
    spans: Sequence[TaggedSpan],
    text: str,
    abbreviations: Iterable[tuple[tuple[int, int], tuple[int, int]]] = (),
    index: LexiconIndex | None = None,
    consistency: bool = False,
) -> list[TaggedSpan]:
    """Overlaps, fragments, abbreviations, optional document consistency, then symptom typing."""
    out = drop_fragments(merge_adjacent(resolve_overlaps(spans), text), text)
    out = propagate_abbreviations(out, list(abbreviations), text)
    if consistency:
        out = propagate_consistency(out, text)
    if index is not None:
        out = type_symptoms(out, text, index)
    return out
