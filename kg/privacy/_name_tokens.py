"""The name layer's tokens: word tests against the name lists, and growing a name from a trigger."""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

from kg.privacy._base import Candidate
from kg.privacy._lists import clinical_words, common_words, first_names, fold, surnames
from kg.privacy._name_rules import (
    EPONYM_AFTER,
    GAP,
    LEAD,
    NOT_NAMES,
    PARTICLES,
    POSSESSIVE,
    STOP,
    STRONG_MODES,
    SUFFIXES,
    WORD,
)

#: A phone number (or its label) right after a word: ``cell 310-555-0158``, ``cell: (479) 555-0182``.
_PHONE_NEXT = re.compile(r"[ \t]*(?:#|:|phone|number|no\.?)?[ \t]*[(+]?\d")


#: Lower-case particles written joined to a surname by a hyphen (Arabic article, ``bin``/``ibn``, ``abu``).
_HYPHEN_PARTICLES = frozenset({"al", "el", "ul", "bin", "ibn", "abu", "ben", "bint", "ait", "ould"})


class _Tok(NamedTuple):
    start: int
    end: int
    text: str
    low: str


class NameTokens:
    """One text's word tokens, the tests on them, and the grabbing of a name around a trigger."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = [
            _Tok(m.start(), m.end(), m.group(), fold(POSSESSIVE.sub("", m.group()))) for m in WORD.finditer(text)
        ]
        self.starts = [t.start for t in self.toks]
        self.first = first_names()
        self.last = surnames()
        self.common = common_words()
        self.clinical = clinical_words()

    # -- token tests ------------------------------------------------------------------------

    def _base(self, low: str) -> str:
        return low[:-2] if low.endswith("s") and low[:-1].endswith("'") else low

    def is_listed(self, low: str) -> bool:
        parts = [p for p in low.split("-") if p]
        return bool(parts) and all(p in self.first or p in self.last for p in parts)

    def is_first(self, low: str) -> bool:
        """A given name, or a hyphenated pair of them (``Mary-Kate``)."""
        return low in self.first or ("-" in low and all(p in self.first for p in low.split("-") if p))

    def is_common(self, low: str) -> bool:
        return low in self.common or low in STOP or low in NOT_NAMES

    def is_clinical(self, low: str) -> bool:
        base = low[:-1] if low.endswith("s") and len(low) > 4 else low
        return (
            low in self.clinical
            or base in self.clinical
            or any(p in self.clinical for p in low.split("-") if len(p) > 3)  # ``Ben-Ami`` is no AMI
        )

    def _particle_word(self, text: str) -> bool:  # noqa: D401
        """A surname with a lower-case particle joined by a hyphen (``al-Qahtani``, ``el-Amin``, ``bin-Saleh``):
        the particle says it is a name when the capitalised rest is no English or clinical word."""
        pre, sep, rest = text.partition("-")
        if not sep or pre not in _HYPHEN_PARTICLES or not rest[:1].isupper() or len(rest) < 3:
            return False
        low = fold(rest)
        return (self.is_listed(low) or not self.is_common(low)) and not self.is_clinical(low)

    def after_particle(self, k: int, caps: bool = False) -> bool:
        """A capitalised surname right after lower-case name particles (``van der Meulen``, ``ten Brink``,
        ``de Vries``): the particles make even an English-looking word a surname, unless it is clinical, a
        stop word or an acronym. Capitalised particles (``De``, ``Van``) are also sentence words and do not count."""
        t, prev = self.toks[k], self.toks[k - 1] if k else None
        if prev is None or prev.low not in PARTICLES:
            return False
        # in capitals (``VAN WYK, MARGRIET``) only after a header or title, where a name is expected
        upper = caps and prev.text.isupper() and t.text.isupper() and len(t.text) > 1
        if not (prev.text.islower() or upper):
            return False
        if not t.text[:1].isupper() or t.low in STOP or (t.text.isupper() and len(t.text) <= 3 and not upper):
            return False
        return len(t.low) > 1 and not self.is_clinical(self._base(t.low)) and not self.eponym(k + 1)

    def _initial(self, i: int) -> bool:
        t = self.toks[i]
        return len(t.text) == 1 and t.text.isupper() and self.text[t.end : t.end + 1] == "."

    def _letter(self, i: int) -> bool:
        """A single capital letter: an initial, with or without its period."""
        tok = self.toks[i]
        t = tok.text
        if (
            t == "I"
            and self.text[tok.end : tok.end + 2].startswith((" ", "'"))
            and self.text[tok.end + 1 : tok.end + 2].islower()
        ):
            return False  # the pronoun (``Dr. X. I personally obtained``), no initial
        return len(t) == 1 and t.isupper()

    def _joined(self, i: int) -> bool:
        """Whether token i follows token i-1 with a name-internal gap."""
        a, b = self.toks[i - 1], self.toks[i]
        gap = self.text[a.end : b.start]
        if not GAP.fullmatch(gap):
            return False
        if "." in gap and not (self._initial(i - 1) or a.low in ("st", "ste", "jr", "sr")):
            return False
        return True

    def _accept(self, i: int, position: int, mode: str) -> bool:
        """Whether token i can be word ``position`` of a name found by a ``mode`` rule."""
        t = self.toks[i]
        if self._initial(i):
            return True
        if self._particle_word(t.text):
            return True
        if t.low in STOP and not (t.text[0].isupper() and t.low in ("will", "hope", "rose", "may")):
            return False
        if t.text[0].isupper():
            if mode in STRONG_MODES:
                if t.text.isupper() and len(t.text) <= 3 and (self.is_common(t.low) or not self.is_listed(t.low)):
                    return False  # an acronym (EMS, ICU), not a name
                if mode == "title" and position == 0 and len(t.text) == 2 and t.text[1].islower():
                    return True  # a two-letter surname after a title (``Dr. Ng``, ``Mrs. Le``): no English word there
                if self.is_common(t.low) and not self.is_listed(t.low):
                    # a word that is rarely a name (``Asthma Jones``) only before a surname
                    nxt = i + 1
                    return (
                        position == 0
                        and nxt < len(self.toks)
                        and self._joined(nxt)
                        and self.toks[nxt].text[0].isupper()
                        and self.toks[nxt].low in self.last
                        and not self.is_common(self.toks[nxt].low)
                    )
                return True
            if self.is_clinical(self._base(t.low)):
                return False
            if position >= 2 and self.is_listed(t.low) and t.low not in NOT_NAMES:
                return True  # a third name word the lists hold, common or not (``Kieu Oanh Lam``)
            return not (self.is_common(t.low) and not self.is_listed(t.low))
        # lower case: only after a strong or medium trigger
        if mode == "weak" or not t.text.isalpha() and "-" not in t.text and "'" not in t.text:
            return False
        if self.is_listed(t.low):
            if not self.is_common(t.low) or (mode in STRONG_MODES and t.low not in NOT_NAMES):
                return True
            # a common word that is also a name (``rose``) only when a name follows it
            nxt = i + 1
            return (
                position == 0
                and nxt < len(self.toks)
                and self._joined(nxt)
                and self.is_listed(self.toks[nxt].low)
                and not self.is_common(self.toks[nxt].low)
            )
        if (
            mode == "strong"
            and position == 1
            and i > 0
            and self.is_first(self.toks[i - 1].low)
            and self.toks[i - 1].text.islower()
        ):
            # ``name is wilhelmina oduya``: an unknown lower-case word after a given name, after a strong rule
            return not self.is_common(t.low) and not self.is_clinical(t.low) and len(t.low) > 2
        return mode == "title" and position == 0 and not self.is_common(t.low) and len(t.low) > 2

    # -- phrase grabbing --------------------------------------------------------------------

    def grab_forward(self, pos: int, mode: str) -> tuple[int, int] | None:
        """The name that starts right after ``pos`` (a trigger's end), as token indices [i, j)."""
        lead = LEAD.match(self.text, pos)
        start = lead.end() if lead else pos
        i = bisect.bisect_left(self.starts, start)
        if i >= len(self.toks) or self.toks[i].start != start:
            return None
        t0 = self.toks[i]
        if mode in STRONG_MODES and lead and lead.group().strip()[:1] in '"“' and lead.group().strip():
            # a quoted nickname after ``known as`` / ``nickname``: the quoted word, whatever it is
            if t0.text[:1].isupper() and self.text[t0.end : t0.end + 1] in ('"', "”"):
                return i, i + 1
        j = i
        words = 0
        while j < len(self.toks) and words < 4:
            if j > i and not self._joined(j):
                break
            t = self.toks[j]
            if t.low in PARTICLES and not self._initial(j):
                # a run of particles (``van der``, ``de la``, ``de los``) before the name word it introduces
                k = j + 1
                while k < len(self.toks) and k - j < 3 and self._joined(k) and self.toks[k].low in PARTICLES:
                    k += 1
                if k < len(self.toks) and self._joined(k):
                    if self._accept(k, words + 1, mode):
                        j = k
                        continue
                    if self.after_particle(k, caps=mode in STRONG_MODES):
                        j, words = k + 1, words + 1
                        continue
                break
            if self._letter(j) and j > i and not self._initial(j):
                j += 1  # a middle initial without its period (``JOHN A``)
                continue
            if words and t.low in SUFFIXES:
                j += 1
                continue
            if words and t.text.islower() and self.toks[j - 1].text[:1].isupper():
                break  # ``Dr. Smith will call``: a lower-case word does not continue a capitalised name
            prev = self.toks[j - 1].text
            if words and len(t.text) > 1 and t.text.isupper() and not prev.isupper() and prev[:1].isupper():
                break  # ``Horacio Villalobos-Tan  HICN``: a word in capitals does not continue a title-case name
            if not self._accept(j, words, mode):
                break
            words += 1
            j += 1
            if mode not in STRONG_MODES and self.toks[j - 1].text.islower() and words >= 2:
                break
        while j > i and (self.toks[j - 1].low in PARTICLES):
            j -= 1
        if words == 0 or j <= i:
            return None
        return self._comma_given(i, j, mode)

    def _comma_given(self, i: int, j: int, mode: str) -> tuple[int, int]:
        """``CHEN, WEI`` / ``Kowalski, John`` / ``Glass, S.``: a surname grabbed as [i, j), then a comma and a given
        name or an initial; the name's token indices, extended over them where they belong to it."""
        # ``CHEN, WEI`` / ``Kowalski, John``: a comma then a given name, after a header
        single = sum(1 for k in range(i, j) if self.toks[k].low not in PARTICLES) == 1  # ``DE LA GARZA``
        if single and j < len(self.toks) and self.text[self.toks[j - 1].end : self.toks[j].start] == ", ":
            nxt = self.toks[j]
            if mode in STRONG_MODES and self._letter(j) and nxt.text.isupper():
                return i, j + 1  # ``ABERCORN-ASARE, K``: a surname and an initial
            if mode == "medium" and self._initial(j) and self.toks[j - 1].text[:1].isupper():
                return i, j + 1  # ``Triage RN Glass, S.``: after a role, a surname and an initial
            strong_unknown = (
                mode in STRONG_MODES
                and nxt.text[0].isupper()
                and nxt.text.isupper() == self.toks[i].text.isupper()
                and not self.is_common(nxt.low)
                and not self.is_clinical(nxt.low)
            )
            if (nxt.text[0].isupper() and self.is_first(nxt.low) and nxt.low not in STOP) or strong_unknown:
                if (
                    nxt.low not in self.common
                    or mode in STRONG_MODES
                    or nxt.text.isupper() == self.toks[i].text.isupper()
                ):
                    j += 1
                    if j < len(self.toks) and self._joined(j) and self.is_first(self.toks[j].low):
                        if self.toks[j].text[:1].isupper() and self.toks[j].low not in STOP:
                            j += 1  # a middle name the given-name list holds (``Rodrigues, Filipe Manuel``)
                            return i, j
                    # a second given name (``Ho, Thanh Long``) or a middle initial
                    if (
                        j < len(self.toks)
                        and self._joined(j)
                        and self.toks[j].text[:1].isupper()
                        and (
                            self._letter(j)
                            or (
                                mode in STRONG_MODES
                                and self.toks[j].low not in STOP
                                and not self.is_clinical(self.toks[j].low)
                                and self.toks[j].text.isupper() == self.toks[i].text.isupper()
                            )
                        )
                    ):
                        j += 1
        return i, j

    def grab_backward(self, end: int, mode: str) -> tuple[int, int] | None:
        """The name that ends right before ``end``, as token indices [i, j)."""
        j = bisect.bisect_left(self.starts, end)
        if j == 0 or self.toks[j - 1].end != end:
            return None
        i = j
        words = 0
        while i > 0 and words < 4:
            k = i - 1
            if k < j - 1 and not self._joined(k + 1):
                break
            t = self.toks[k]
            if t.low in PARTICLES and words > 0 and not self._initial(k):
                i = k
                continue
            if self._letter(k) and (words or (k > 0 and self._joined(k))):
                i = k  # ``Smith J, MD``, ``J Smith MD``
                continue
            if words and t.low in SUFFIXES and k == j - 1:
                i = k
                continue
            lenient = (
                mode in STRONG_MODES
                and t.text[:1].isupper()
                and t.low not in STOP
                and not (t.text.isupper() and len(t.text) <= 3)
                and not self.is_clinical(t.low)
            )
            if not (lenient or self._accept(k, 0 if k == 0 or not self._joined(k) else 1, mode)):
                break
            words += 1
            i = k
        while i < j and self.toks[i].low in PARTICLES and not self._initial(i):
            i += 1
        if not words or i >= j:
            return None
        # a common word (``Public``) passes only beside a word that is a name or unknown
        if not any(
            self._initial(k) or self.is_listed(self.toks[k].low) or not self.is_common(self.toks[k].low)
            for k in range(i, j)
        ):
            return None
        while (
            i < j - 1
            and not self._letter(i)
            and self.is_common(self.toks[i].low)
            and not self.is_listed(self.toks[i].low)
        ):
            i += 1  # ``Neurology Sara Lindgren, MD``: the heading word is not part of the name
        return i, j

    # -- guards -----------------------------------------------------------------------------

    def eponym(self, j: int) -> bool:
        """Whether the phrase ending at token j is an eponym (followed by disease, syndrome, sign...)."""
        m = EPONYM_AFTER.match(self.text, self.toks[j - 1].end - self._poss(j - 1))
        # ``Daisuke's cell 310-555-0158``: a phone after ``cell`` makes it a person's cell phone
        if m is None:
            return False
        return not (m.group().rstrip().lower().endswith("cell") and _PHONE_NEXT.match(self.text, m.end()))

    def _poss(self, k: int) -> int:
        t = self.toks[k].text
        return 2 if len(t) > 2 and t[-2] in "'’" and t[-1] in "sS" else 0

    def guarded(self, i: int, j: int) -> bool:
        """Clinical guard for medium and weak rules."""
        return self.eponym(j) or any(
            self.is_clinical(self._base(t.low)) for t in self.toks[i:j] if not (t.text.islower() and t.low in PARTICLES)
        )

    def span(self, i: int, j: int) -> Candidate:
        end = self.toks[j - 1].end - self._poss(j - 1)
        if self._initial(j - 1):
            end += 1
        return Candidate(self.toks[i].start, end, "NAME")
