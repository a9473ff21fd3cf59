"""Person names: context rules, name lists, repeats, and a clinical guard.

- *Strong* rules read the context: titles (``Dr.``, ``Mrs``), headers (``PATIENT:``, ``Name:``,
  ``Re:``), ``seen by`` / ``signed by``, credentials after a name (``, MD``), ``X is a 45 y/o``.
  Any case: ``PATIENT: JOHN SMITH``, ``patient: john smith``.
- *Medium* rules: relatives and roles before a name (``her daughter Lucía``, ``nurse Will Grant``);
  the clinical guard applies.
- *Weak* rule: capitalised word sequences that the name lists call a given name plus a surname
  (``Grace Wilson follows up``), ``Last, First``, ``R. Halvorsen``; the clinical guard applies.
- Every word of a name a strong or medium rule found is scrubbed wherever else it occurs in the note.
- Clinical guard: an eponym (``Wilson's disease``, ``Lou Gehrig disease``, ``Babinski sign``) or a
  Drug/Disease term of the lexicon is never scrubbed by a medium or weak rule, nor as a repeat.
"""

from __future__ import annotations

import bisect
import re

from kg.privacy._base import Candidate
from kg.privacy._lists import clinical_words, common_words, fold
from kg.privacy._name_rules import (
    CREDENTIAL_AFTER,
    FINDING_AFTER,
    INITIALS,
    IS_AGE_AFTER,
    LONE_NAME,
    LOWER_SIGNATURE,
    MEDIUM_TRIGGER,
    NICKNAME,
    NOT_NAMES,
    PAREN_NAME,
    PARTICLES,
    PATIENT_VERB,
    REGIONS,
    RELATION_AFTER,
    RELATION_INSIDE,
    RELATIVE,
    ROLE,
    SIGNATURE_DASH,
    STATE_NAME,
    STOP,
    STRONG_TRIGGER,
    TITLE_ONLY,
    TRIGGER_WORDS,
)
from kg.privacy._name_tokens import NameTokens


class NameFinder(NameTokens):
    """Finds person names in one text."""

    # -- rules ------------------------------------------------------------------------------

    def find(self) -> list[Candidate]:
        found: list[tuple[int, int, str]] = []
        text = self.text
        for t in self.toks:
            if (t.low not in TRIGGER_WORDS and t.low.split("-")[0] not in TRIGGER_WORDS) or (
                t.start and text[t.start - 1] in "'’-"
            ):
                continue
            m = STRONG_TRIGGER.match(text, t.start)
            if m:
                r = self.grab_forward(m.end(), "title" if TITLE_ONLY.fullmatch(m.group()) else "strong")
                if r:
                    i, j = r
                    poss_brand = self._poss(j - 1) and self.is_clinical(self._base(self.toks[j - 1].low))
                    if not poss_brand and not self.eponym(j):
                        found.append((i, j, "strong"))
            m = MEDIUM_TRIGGER.match(text, t.start)
            if m:
                r = self.grab_forward(m.end(), "medium")
                if r and not self.guarded(*r):
                    found.append((*r, "medium"))
        for m in SIGNATURE_DASH.finditer(text):
            r = self.grab_forward(m.end(), "medium")
            if r and not self.guarded(*r):
                found.append((*r, "medium"))
        ends = {t.end for t in self.toks}
        for pattern in (CREDENTIAL_AFTER, IS_AGE_AFTER, RELATION_AFTER, RELATION_INSIDE):
            relation = pattern in (RELATION_AFTER, RELATION_INSIDE)
            for m in pattern.finditer(text):
                if m.start() not in ends:
                    continue
                r = self.grab_backward(m.start(), "medium" if relation else "strong")
                if not r or self.eponym(r[1]) or (relation and self.guarded(*r)):
                    continue
                if pattern is RELATION_INSIDE and not text[: self.toks[r[0]].start].rstrip().endswith("("):
                    continue  # ``(Name, husband)`` only: the bracket opens right before the name
                found.append((*r, "strong"))
        found.extend(self._dictionary())
        found.extend(self._around(found))
        out = [self.span(i, j) for i, j, _ in found]
        out.extend(self._nicknames())
        out.extend(self._repeats([(i, j) for i, j, s in found if s != "weak"]))
        return out

    def _around(self, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """What sits beside a found name: ``Drs. Crow and Bishop``, ``Dot (Dorothy)``, ``M. Oduya``."""
        out: list[tuple[int, int, str]] = []
        n = len(self.toks)
        for _i, j, strength in found:
            # a second name joined by ``and`` / ``&`` after a title (``Drs. Crow and Bishop``)
            if strength != "weak" and j + 1 < n and self.text[self.toks[j - 1].end : self.toks[j].start] == " ":
                if (
                    self.toks[j].low in ("and", "&")
                    or self.text[self.toks[j - 1].end : self.toks[j - 1].end + 3] == " & "
                ):
                    r = self.grab_forward(self.toks[j].end, "title")
                    if r and not self.eponym(r[1]) and self.toks[r[0]].text[:1].isupper():
                        out.append((*r, strength))
            # a given name in parentheses right after a name (``Wife Dot (Dorothy)``)
            m = PAREN_NAME.match(self.text, self.toks[j - 1].end)
            if m:
                k = bisect.bisect_left(self.starts, m.start("n"))
                if k < n and self.is_first(self.toks[k].low) and not self.is_clinical(self.toks[k].low):
                    out.append((k, k + 1, strength))
        return out

    def _namelike(self, word: str | None, upper: bool) -> bool:
        """Whether a word beside a quoted nickname can be a name (capitalised when the nickname is)."""
        if not word or (upper and not word[:1].isupper()):
            return False
        low = self._base(fold(word))
        if self.is_clinical(low) or low in STOP:
            return False
        listed = self.is_first(low) or low in self.last
        return listed if not upper else (listed or not self.is_common(low))

    def _nicknames(self) -> list[Candidate]:
        """Quoted nicknames beside names (``Ravi "Rav" Chandrasekhar``, ``"Big Mike" Michael``)."""
        out: list[Candidate] = []
        for m in NICKNAME.finditer(self.text):
            nick = m.group("b")
            upper = nick[:1].isupper()

            a, c = self._namelike(m.group("a"), upper), self._namelike(m.group("c"), upper)
            if not upper and a and self.is_first(fold(nick.split()[0])) and m.group("c"):
                low = fold(m.group("c"))
                c = c or not (self.is_common(low) or self.is_clinical(low) or low in STOP)
            if not (a or c) or (not upper and not (a and (c or m.group("c") is None))):
                continue
            start = m.start("a") if a else m.start("b") - 1
            end = m.end("c") if c else m.end("b") + 1
            out.append(Candidate(start, end, "NAME"))
        return out

    def _dictionary(self) -> list[tuple[int, int, str]]:
        """Weak rules from the name lists: name sequences, initials, lower-case signatures, lone given names."""
        return self._sequences() + self._initials() + self._lower_signatures() + self._lone_names()

    def _sequences(self) -> list[tuple[int, int, str]]:
        """Given name + surname sequences, ``Last, First`` and capitalised pairs with a listed name."""
        out: list[tuple[int, int, str]] = []
        toks = self.toks
        n = len(toks)
        i = 0
        while i < n:
            t = toks[i]
            if not t.text[0].isupper() or self._initial(i):
                i += 1
                continue
            # First [M.] [particles] Last
            if self.is_first(t.low) and t.low not in STOP and not self.is_clinical(t.low):
                j = i + 1
                while j < n and self._joined(j) and (self._initial(j) or toks[j].low in PARTICLES):
                    j += 1
                first_common = self.is_common(t.low)
                if (
                    j < n
                    and j - i <= 4
                    and self._joined(j)
                    and not self.eponym(j)
                    and (
                        self._weak_surname(j, t.text.isupper(), allow_common=not first_common)
                        or (j > i + 1 and not first_common and self.after_particle(j))
                        or (not first_common and self._particle_word(toks[j].text))
                    )
                    and not (first_common and self.is_common(self._base(toks[j].low)))
                    and not (first_common and not self.is_listed(self._base(toks[j].low)))
                ):
                    phrase = self.text[t.start : toks[j].end]
                    if (
                        not self.guarded(i, j + 1)
                        and not STATE_NAME.fullmatch(phrase)
                        and phrase.lower() not in REGIONS
                    ):
                        j = self._more_surnames(i, j + 1)
                        out.append((i, j, "weak"))
                        i = j
                        continue
            # Last, First
            if (
                i + 1 < n
                and self.text[t.end : toks[i + 1].start] == ", "
                and self._weak_surname(i, t.text.isupper(), allow_unknown=True)
                and (t.low in self.last or self._unknown_caps_surname(i))
                and toks[i + 1].text[0].isupper()
                and toks[i + 1].text.isupper() == t.text.isupper()
                and toks[i + 1].low in self.first
                and toks[i + 1].low not in STOP
                and not STATE_NAME.fullmatch(toks[i + 1].text)  # ``Ames, Iowa`` is a town and its state
                and not self.guarded(i, i + 2)
            ):
                j = i + 2
                if j < n and self._joined(j) and (self._initial(j) or self._middle_name(j, t.text.isupper())):
                    j += 1
                out.append((i, j, "weak"))
                i = j
                continue
            # any capitalised pair where either word is a listed name and neither is a common or clinical word
            if i + 1 < n and self._pair(i):
                out.append((i, i + 2, "weak"))
                i += 2
                continue
            i += 1
        return out

    def _middle_name(self, j: int, upper: bool) -> bool:
        """A listed given name after ``Last, First`` in the same case (``Rodrigues, Filipe Manuel``)."""
        t = self.toks[j]
        return (
            t.text[0].isupper()
            and t.text.isupper() == upper
            and self.is_first(t.low)
            and not self.is_common(t.low)
            and t.low not in STOP
            and not self.is_clinical(t.low)
        )

    def _initials(self) -> list[tuple[int, int, str]]:
        """``R. Halvorsen``, ``M. Oduya``: an initial makes any capitalised non-word a surname."""
        out: list[tuple[int, int, str]] = []
        toks = self.toks
        n = len(toks)
        for k in range(n - 1):
            if self._initial(k) and self._joined(k + 1) and self._weak_surname(k + 1, False):
                # ``R. Halvorsen``, ``M. Oduya``: an initial makes any capitalised non-word a surname
                low = self._base(toks[k + 1].low)
                if (low in self.last or len(low) > 2) and not self.guarded(k, k + 2):
                    out.append((k, k + 2, "weak"))
        return out

    def _lower_signatures(self) -> list[tuple[int, int, str]]:
        """``r. hakimi, md``: a lower-case initial and surname before a credential."""
        out: list[tuple[int, int, str]] = []
        toks = self.toks
        n = len(toks)
        # ``r. hakimi, md``: lower-case initial and surname before a credential
        for m in LOWER_SIGNATURE.finditer(self.text):
            low = fold(m.group("s"))
            if m.group("f") and not self.is_first(fold(m.group("f"))):
                continue
            if not self.is_common(low) and not self.is_clinical(low):
                i0 = bisect.bisect_left(self.starts, m.start())
                j0 = bisect.bisect_left(self.starts, m.start("s"))
                if i0 < n and j0 < n and toks[i0].start == m.start() and toks[j0].start == m.start("s"):
                    out.append((i0, j0 + 1, "weak"))
        return out

    def _lone_names(self) -> list[tuple[int, int, str]]:
        """``Jorge was seen``, ``Gabriela's mother``: a lone given name before a narrative verb or a relative."""
        out: list[tuple[int, int, str]] = []
        toks = self.toks
        n = len(toks)
        # ``Jorge was seen``, ``Gabriela's mother``: a lone given name before a narrative verb or a relative
        for m in LONE_NAME.finditer(self.text):
            k = bisect.bisect_left(self.starts, m.start())
            if k >= n or toks[k].start != m.start() or FINDING_AFTER.match(self.text, toks[k].end):
                continue
            low = self._base(toks[k].low)
            # a common word that is also a given name (``Ahmed``, ``Grace``) only before a patient's verb
            common_ok = low not in STOP and PATIENT_VERB.match(self.text, toks[k].end)
            # a surname alone (``Quackenbush called``) only when no list calls it a common word and it is no
            # possessive (an eponym alone is: ``Crohn's is quiescent``)
            if (
                (self.is_first(low) or (self.is_listed(low) and not self.is_common(low) and low == toks[k].low))
                and (not self.is_common(low) or common_ok)
                and not self.is_clinical(low)
                and not self.eponym(k + 1)
                and not (k > 0 and self._joined(k) and toks[k - 1].text[:1].isupper())
            ):
                out.append((k, k + 1, "weak"))
        return out

    def _more_surnames(self, i: int, j: int) -> int:
        """End of a name past its first surname: ``Oisín Mac Giolla Phádraig``, ``Ana Ruiz Ortega`` (unknown words)."""
        toks, n = self.toks, len(self.toks)
        while j < n and j - i < 5 and self._joined(j) and self.text[toks[j - 1].end : toks[j].start] == " ":
            t = toks[j]
            low = self._base(t.low)
            if (
                not t.text[0].isupper()
                or t.text.isupper() != toks[i].text.isupper()
                or len(low) < 3
                or self.is_common(low)
                or self.is_clinical(low)
                or self.is_first(low)
                or self.eponym(j + 1)
            ):
                break
            j += 1
        return j

    def _pair(self, i: int) -> bool:
        """``Olusegun Adebayo``, ``ADEBAYO OLUSEGUN``: two capitalised, unknown-or-listed, non-clinical words."""
        a, b = self.toks[i], self.toks[i + 1]
        if not self._joined(i + 1) or self.text[a.end : b.start] != " ":
            return False
        for t in (a, b):
            low = self._base(t.low)
            if (
                not t.text[0].isupper()
                or len(low) < 2
                or (t.text.isupper() and len(t.text) <= 3)
                or low in STOP
                or low in PARTICLES
                or self.is_common(low)
                or self.is_clinical(low)
            ):
                return False
        if a.text.isupper() != b.text.isupper():
            return False
        la, lb = self._base(a.low), self._base(b.low)
        listed = la in self.first or lb in self.last or la in self.last or lb in self.first
        # two title-case words that no list knows (``Tamati Rangihuna``): a foreign name more often than not
        unknown = (
            not (listed or a.text.isupper() or b.text.isupper())
            and min(len(la), len(lb)) >= 4
            and la.isalpha()  # ``Barium-supplemented Long-Evans`` is research prose
            and lb.isalpha()
            and a.text[1:].islower()  # ``ResMed AirSense`` is a brand
            and b.text[1:].islower()
        )
        if not (listed or unknown):
            return False
        phrase = self.text[a.start : b.end]
        return not (self.eponym(i + 2) or STATE_NAME.fullmatch(phrase) or phrase.lower() in REGIONS)

    def _unknown_caps_surname(self, i: int) -> bool:
        """``THIRUNAVUKKARASU, HARPREET``: in capitals, a surname no list knows before a listed given name that is
        no English word."""
        t, given = self.toks[i], self.toks[i + 1]
        return (
            t.text.isupper()
            and len(t.low) > 3
            and not self.is_common(t.low)
            and not self.is_clinical(t.low)
            and given.text.isupper()
            and not self.is_common(given.low)
        )

    def _weak_surname(self, j: int, upper: bool, allow_common: bool = False, allow_unknown: bool = False) -> bool:
        t = self.toks[j]
        if not t.text[0].isupper() or (t.text.isupper() != upper and len(t.text) > 1):
            return False
        low = self._base(t.low)
        if self.is_clinical(low) or low in STOP or len(low) < 2 or self.eponym(j + 1):
            return False
        if self.is_common(low) and not (allow_common and low in self.last):
            return False
        return not upper or self.is_listed(low) or allow_unknown

    def _repeats(self, spans: list[tuple[int, int]]) -> list[Candidate]:
        words: set[str] = set()
        for i, j in spans:
            for k in range(i, j):
                t = self.toks[k]
                if self._initial(k) or t.low in PARTICLES or t.low in STOP or len(t.low) < 2:
                    continue
                words.add(self._base(t.low))
        if not words:
            return []
        out: list[Candidate] = []
        for k, t in enumerate(self.toks):
            low = self._base(t.low)
            if low not in words and not (t.text[0].isupper() and low.endswith("s") and low[:-1] in words):
                continue  # a found name word, or its plural for a family (``the Okubos``)
            if self.is_common(low) and not t.text[0].isupper():
                continue
            if self.eponym(k + 1) or self.is_clinical(low):
                continue
            out.append(self.span(k, k + 1))
        return out


#: ``Vandermolen, the landlord``, ``Okafor, her sister``: a capitalised word before a role or relative in apposition
_APPOSITION = re.compile(
    rf"(?<![\w'’-])(?P<n>[A-Z][a-z]+(?:-[A-Z][a-z]+)?),[ \t]+(?:the|her|his|their|our|my|pt's|patient's)[ \t]+"
    rf"(?:{RELATIVE}|{ROLE})\b",
    re.IGNORECASE,
)


def _appositions(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _APPOSITION.finditer(text):
        word = m["n"]
        low = fold(word)
        if not word[0].isupper() or low in STOP or low in NOT_NAMES:
            continue
        if low in common_words() or low in clinical_words():
            continue
        out.append(Candidate(m.start("n"), m.end("n"), "NAME"))
    return out


def names(text: str) -> list[Candidate]:
    """Every person-name span in ``text``."""
    initials = [Candidate(m.start("n"), m.end("n"), "NAME") for m in INITIALS.finditer(text)]
    return NameFinder(text).find() + _appositions(text) + initials
