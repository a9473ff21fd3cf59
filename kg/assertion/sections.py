"""Section headers in clinical notes: on their own line ("Family History:") and inline ("... PMH: HTN. FHX: ...").

MTSamples-style notes run their headers inline, so a header is found wherever an upper-case
phrase ends in a colon, or a short capitalised phrase at the start of a line or sentence does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: An upper-case header anywhere: "PAST MEDICAL HISTORY:", "FHX:", "ASSESSMENT/PLAN:".
_UPPER = re.compile(r"(?<![\w/])([A-Z][A-Z0-9/&\-]*(?:[ \t]+[A-Z0-9/&\-]+){0,5})[ \t]*:(?!\d)")
#: A capitalised header at the start of a line or after a sentence end: "Family Medical History:".
_TITLE = re.compile(
    r"(?:^|(?<=[.!?])[ \t]+|(?<=\n))[ \t]*([A-Z][A-Za-z/&\-]*(?:[ \t]+[A-Za-z/&\-]+){0,4})[ \t]*:(?!\d)", re.M
)


@dataclass(frozen=True)
class Section:
    """A header and the text it governs: ``start`` is where the header begins, ``end`` where the next does."""

    name: str
    start: int
    end: int
    header_end: int


def _normalize(name: str) -> str:
    return " ".join(name.lower().replace("/", " / ").split())


def find_sections(text: str) -> list[Section]:
    """The headers of ``text`` in order, each with the span up to the next header (names lower-cased)."""
    found: dict[int, tuple[str, int]] = {}
    for regex in (_UPPER, _TITLE):
        for m in regex.finditer(text):
            start = m.start(1)
            if start not in found and not any(s < start < e for s, (_, e) in found.items()):
                found[start] = (_normalize(m.group(1)), m.end())
    starts = sorted(found)
    out = []
    for i, start in enumerate(starts):
        name, header_end = found[start]
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        out.append(Section(name, start, end, header_end))
    return out


def section_at(sections: list[Section], offset: int) -> Section | None:
    """The section that holds character ``offset``, if any."""
    current = None
    for s in sections:
        if s.start > offset:
            break
        current = s
    return current
