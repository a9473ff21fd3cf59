"""Redaction by offset: the PHI spans of a document, found once, applied to any slice of it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class _Span(Protocol):
    """A PHI span (``kg.privacy.PhiSpan``): read-only offsets and kind."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def kind(self) -> str: ...


def redact_slice(text: str, spans: Sequence[_Span], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` with every PHI span that overlaps it replaced by ``[KIND]``.

    ``spans`` are offsets into ``text`` (sorted, non-overlapping, as ``find_phi`` returns them); a
    span cut by the slice's edge is replaced whole, so no part of an identifier survives at the edge.
    """
    end = len(text) if end is None else end
    out: list[str] = []
    pos = start
    for span in spans:
        if span.end <= start or span.start >= end:
            continue
        out.append(text[pos : max(pos, span.start)])
        out.append(f"[{span.kind}]")
        pos = max(pos, span.end)
    out.append(text[pos:end] if pos < end else "")
    return "".join(out)


def touches_phi(value: str, text: str, spans: Sequence[_Span]) -> bool:
    """Whether ``value`` (a string taken from ``text``, e.g. an abbreviation's long form) overlaps a PHI span.

    For strings that come without offsets: ``value`` touches PHI when it contains the text of a
    PHI span, or lies inside one (case-insensitive).
    """
    folded = value.casefold()
    for span in spans:
        phi = text[span.start : span.end].casefold().strip()
        if phi and (phi in folded or folded in phi):
            return True
    return False
