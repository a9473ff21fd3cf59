"""Privacy guard: find and replace personal identifiers (PHI) before anything is stored or logged.

The graph never holds raw note text: only entity names, and evidence sentences after
:func:`scrub`. Mentions that overlap a PHI span never become nodes. A logging filter scrubs
log records as a second line of defence.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_TOK = r"(?:[A-Z][a-z]+|[A-Z]'[A-Z]?[a-z]+)(?:-[A-Z][a-z]+)?"
_NAME = rf"(?:[A-Z]\.[ \t]*){{0,2}}{_TOK}(?:[ \t]+[A-Z]\.)?(?:[ \t]+{_TOK}){{0,2}}"

#: (kind, pattern). Order matters: earlier kinds win on overlap.
PHI_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("SSN", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("PHONE", re.compile(r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s*|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b")),
    (
        "ID",
        re.compile(
            r"\b(?:MRN|Medical\s+Record(?:\s+(?:Number|No\.?))?|Record\s+(?:Number|No\.?)|Account(?:\s+(?:Number|No\.?))?|"
            r"Acct|Patient\s+ID|SSN|Insurance\s+ID)\s*[:#]?\s*[A-Z0-9][A-Z0-9-]{3,}",
            re.IGNORECASE,
        ),
    ),
    (
        "DATE",
        re.compile(
            r"\b\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|"
            rf"\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTHS}\.?\s+\d{{4}}\b"
        ),
    ),
    (
        "NAME",
        re.compile(
            rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ \t]+{_NAME}|"
            rf"(?:(?<=\bPatient:)|(?<=\bPatient\sname:)|(?<=\bName:)|(?<=\bPt:)|(?<=\bPatient\sName:))[ \t]*{_NAME}"
        ),
    ),
    ("DOB", re.compile(r"\b(?:DOB\b|D\.O\.B\.|Date\s+of\s+Birth\b)\s*[:#]?\s*\S+", re.IGNORECASE)),
)


@dataclass(frozen=True)
class PhiSpan:
    """A personal-identifier span: offsets into the text (end exclusive) and its kind."""

    start: int
    end: int
    kind: str


def find_phi(text: str) -> list[PhiSpan]:
    """All non-overlapping PHI spans in ``text``, sorted by start."""
    spans: list[PhiSpan] = []
    for kind, pattern in PHI_PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            while start < end and text[start].isspace():
                start += 1
            if start >= end:
                continue
            if any(s.start < end and start < s.end for s in spans):
                continue
            spans.append(PhiSpan(start, end, kind))
    return sorted(spans, key=lambda s: s.start)


def scrub(text: str) -> str:
    """Replace every PHI span with ``[KIND]``."""
    out: list[str] = []
    pos = 0
    for span in find_phi(text):
        out.append(text[pos : span.start])
        out.append(f"[{span.kind}]")
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def overlaps_phi(start: int, end: int, spans: list[PhiSpan]) -> bool:
    """Whether [start, end) overlaps any PHI span."""
    return any(s.start < end and start < s.end for s in spans)


class PhiRedactingFilter(logging.Filter):
    """A logging filter that scrubs PHI from every record's rendered message."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        cleaned = scrub(msg)
        if cleaned != msg:
            record.msg, record.args = cleaned, None
        return True
