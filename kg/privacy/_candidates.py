"""Every structured and geographic recognizer, run over the text and over a title-cased view of its capitals.

Each recognizer is a function ``text -> list[Candidate]``. Patterns are compiled once, at import.
Where a label names a value (``MRN: 4829133``), the span is the value only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.privacy._addresses import addresses, streets
from kg.privacy._base import Candidate, Recognizer
from kg.privacy._checksums import checked_numbers
from kg.privacy._cues import (
    accounts,
    cued_names,
    east_asian_addresses,
    given_names,
    last_four,
    organisations,
    short_dates,
    word_ages,
)
from kg.privacy._dates import ages, dates
from kg.privacy._facilities import FACILITY_WORDS, facilities
from kg.privacy._gazetteer import gazetteer_places
from kg.privacy._intl import foreign_streets, intl_dates, person_ages, postal_codes, travel_places
from kg.privacy._labelled import labelled_values
from kg.privacy._lists import clinical_words, common_words, fold
from kg.privacy._numbers import shaped_numbers
from kg.privacy._orgs import org_names
from kg.privacy._places import STATES, areas, cities


def geography(text: str) -> list[Candidate]:
    """Street addresses, PO boxes, cities, ZIP codes, counties and other areas, named facilities."""
    return streets(text) + cities(text) + areas(text) + facilities(text) + org_names(text)


RECOGNIZERS: tuple[Recognizer, ...] = (
    labelled_values,
    shaped_numbers,
    checked_numbers,
    dates,
    ages,
    geography,
    addresses,
    intl_dates,
    postal_codes,
    foreign_streets,
    travel_places,
    person_ages,
    gazetteer_places,
    short_dates,
    last_four,
    accounts,
    organisations,
    east_asian_addresses,
    word_ages,
    cued_names,
    given_names,
)


_CAPS_WORD = re.compile(r"\b[A-Z][A-Z'’-]+\b")


def _title_view(text: str) -> str | None:
    """``text`` with words in capitals title-cased (same length, same offsets), or None if it has few."""
    if sum(len(w) > 2 for w in _CAPS_WORD.findall(text, 0, 20000)) < 2:
        return None
    return _CAPS_WORD.sub(lambda m: m.group() if m.group() in _KEEP_CAPS else m.group().title(), text)


_KEEP_CAPS = frozenset(("PO", "RR", "HC", "VA", "VAMC", "YMCA", "YWCA", "LLC", "USA", *STATES))


def iter_candidates(text: str) -> Iterator[Candidate]:
    """Every candidate span of the structured and geographic recognizers.

    Places are also looked for in a title-cased view of words in capitals (``FOND DU LAC WI``,
    ``HARBORLIGHT FAMILY MEDICINE``), so the place rules need no all-caps variants.
    """
    for recognizer in RECOGNIZERS:
        yield from recognizer(text)
    view = _title_view(text)
    if view is not None:
        common, clinical = common_words(), clinical_words()
        yield from addresses(view)  # a street's shape is evidence enough for what follows it
        # a word in capitals is a place by the list only when it is long (``TOKYO``, not ``IGRA``)
        yield from (
            c for c in gazetteer_places(view) if c.end - c.start > 4 and text[c.start : c.end] != view[c.start : c.end]
        )
        for c in geography(view):
            words = [fold(w) for w in re.findall(r"[^\W\d_]+", view[c.start : c.end])]
            proper = [w for w in words if w not in FACILITY_WORDS and w not in common and w not in clinical]
            if c.kind in ("ZIP", "STREET") or (len(words) > 1 and proper):
                yield c
