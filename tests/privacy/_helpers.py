"""Shared helpers for the privacy tests."""

from __future__ import annotations

from kg.privacy import find_phi


def found(text: str) -> list[tuple[str, str]]:
    """(covered text, kind) of every PHI span in ``text``."""
    return [(text[s.start : s.end], s.kind) for s in find_phi(text)]


def covered(text: str, value: str) -> bool:
    """Whether every letter and digit of ``value`` (first occurrence) lies inside some PHI span."""
    start = text.index(value)
    spans = find_phi(text)
    return all(any(s.start <= i < s.end for s in spans) for i in range(start, start + len(value)) if text[i].isalnum())


def untouched(text: str, value: str) -> bool:
    """Whether no PHI span overlaps the first occurrence of ``value``."""
    start = text.index(value)
    end = start + len(value)
    return not any(s.start < end and start < s.end for s in find_phi(text))
