"""Cities and towns by name: a gazetteer of GeoNames places, read with case and context cues.

A place needs no context word when its name is capitalised as a proper noun (``from Mombasa``,
``Tokyo 100-0005``, ``Sugar Land``): the list (``data/places.txt.gz``, tools/build_place_list.py)
holds only names that are no lower-case English word, countries and US states left out. Lower-case
names (``out in fort kent``) count only after a place preposition. A name followed by an eponym
noun (``Lyme disease``, ``Marburg virus``), a title before it (``Dr. Hamilton``), or a single word
of medkg's clinical vocabulary is no place.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.privacy._base import Candidate
from kg.privacy._lists import clinical_words, common_words, first_names, fold, places, surnames
from kg.privacy._name_rules import EPONYM_AFTER, TITLE
from kg.privacy._places import COUNTRIES, STATE, coordinated_places

#: Longest place name looked up, in words (``Truth or Consequences``, ``Sault Ste. Marie``).
_MAX_WORDS = 4
_TOKEN = re.compile(r"[^\W\d_]+(?:['’.][^\W\d_]+)*\.?")
#: A lower-case place only after one of these words (``lives out in fort kent``).
_CUE_BEFORE = re.compile(r"(?:\b(?:in|from|to|near|outside|of|at|visiting|moved|lives|live)[ \t]+)$", re.IGNORECASE)
_DIRECTION_BEFORE = re.compile(r"\b(?:North|South|East|West|New|Northern|Southern|Eastern|Western)[ \t]+$")
_TITLE_BEFORE = re.compile(rf"(?:\b(?:{TITLE})\.?[ \t]+)$", re.IGNORECASE)
#: Words a place name never ends at or starts with in running text, whatever the gazetteer holds.
_NOT_PLACE = frozenset(
    """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
    dr mr mrs ms miss pt patient the and or of
    orders order
    """.split()
)


#: Nouns after a place name that make it a clinical eponym or a company (``Ottawa ankle rules``,
#: ``Epworth Sleepiness Scale``, ``Philadelphia chromosome``, ``Boston Scientific``), up to two words on.
_CLINICAL_AFTER = re.compile(
    r"(?:[\s-]+[^\W\d_]+){0,2}?[\s-]+(?:rules?|chromosome|scientific|pharmaceuticals?|laboratories|inc|corp|"
    r"criteria|classification|scale|score|grade|staging|protocol|regimen|system|consensus|guidelines?|"
    r"blue|red|green|violet|yellow|orange|black|elevator|retractor|pins?|holder|drain|wrap|dressing|needle|blade|"
    r"maze|task|paradigm|model|taper|headrest|head[ -]?holder|cone|knot|approach|incision|position|frame|tongs|splint|brace|bandage|cannula|scissors|curette|rongeur|hook|screws?|plate|nail|pump|mattress)\b",
    re.IGNORECASE,
)


#: A place name that opens the title of a study or programme (``Vancouver Injection Drug Users Study``).
_STUDY_AFTER = re.compile(
    r"(?:[ \t]+[A-Z][\w-]*){0,5}[ \t]+(?:Study|Trial|Cohort|Registry|Consortium|Project|Survey|Initiative|"
    r"Network|Program(?:me)?)\b"
)


def _clinical_after(text: str, end: int) -> bool:
    """An eponym noun right after a place name, one of :data:`_CLINICAL_AFTER` within two words, a study title."""
    window = text[end : end + 80]
    return bool(EPONYM_AFTER.match(window) or _CLINICAL_AFTER.match(window) or _STUDY_AFTER.match(window))


#: A place name that the name lists also hold (``Houston``, ``Sheffield``) needs a place cue: a place
#: preposition before it, or a state, country or postal code after it.
_PLACE_BEFORE = re.compile(
    r"\b(?:in|from|to|near|at|via|visiting|visited|moved|lives|live|living|born|raised|outside|around|"
    r"towards?|back|drove|flew|home|resident|city|town)[ \t]+(?:the[ \t]+)?$",  # not ``of``: ``knot of Henry``
    re.IGNORECASE,
)
_PLACE_AFTER = re.compile(
    rf"[ \t]*,?[ \t]*(?:{STATE}(?![\w-])|\d{{3}}|(?i:{'|'.join(sorted(COUNTRIES, key=len, reverse=True))})\b)"
)


def _cued(text: str, start: int, end: int) -> bool:
    return bool(_PLACE_BEFORE.search(text, max(0, start - 25), start) or _PLACE_AFTER.match(text, end))


def _key(words: list[str]) -> str:
    return " ".join(fold(w.rstrip(".")) for w in words)


def _ok(text: str, start: int, end: int, words: list[str]) -> bool:
    """Whether a gazetteer match at [start, end) reads as a place here."""
    if text[start - 1 : start] in ("-", "'", "’") or text[end : end + 1] == "-" or text[end : end + 2] == "'s":
        return False  # part of a hyphenated eponym (``Wolff-Parkinson-White``) or a possessive (``Bell's``)
    if _DIRECTION_BEFORE.search(text, max(0, start - 12), start):
        return False  # ``North Carolina``, ``New South Wales``: a state or region, not the town of that name
    if _clinical_after(text, end) or _TITLE_BEFORE.search(text, max(0, start - 12), start):
        return False
    folded = [fold(w.rstrip(".")) for w in words]
    if folded[0] in _NOT_PLACE or folded[-1] in _NOT_PLACE:
        return False
    if len(words) == 1 and (folded[0] in clinical_words() or len(folded[0]) < 4):
        return False
    if words[0][0].isupper():
        if len(words) == 1 and not words[0][1:].islower():
            return False  # one word in capitals: only through the title-cased view
        person = len(words) == 1 and (folded[0] in surnames() or folded[0] in first_names())
        return not person or _cued(text, start, end)
    lower_ok = len(words) > 1 or folded[0] not in common_words()
    return lower_ok and bool(_CUE_BEFORE.search(text, max(0, start - 20), start))


@lru_cache(maxsize=1)
def _first_words() -> frozenset[str]:
    """First words of the gazetteer's names: a token starting no name is skipped at once."""
    return frozenset(name.split(" ", 1)[0] for name in places())


_START = re.compile(
    r"(?<![\w'’.-])(?:[A-Z][^\W\d_]*|(?i:in|from|to|near|outside|of|at|visiting|moved|lives|live)[ \t]+(?P<low>[a-z]))"
)
_GAP = re.compile(r"[^\w\n]{1,2}(?=[^\W\d_])")


def _tokens(text: str, start: int) -> list[tuple[int, int, str]]:
    """Up to :data:`_MAX_WORDS` words from ``start``, each one or two non-word characters after the last."""
    out: list[tuple[int, int, str]] = []
    pos = start
    while len(out) < _MAX_WORDS:
        tok = _TOKEN.match(text, pos)
        if tok is None:
            break
        out.append((tok.start(), tok.end(), tok.group()))
        gap = _GAP.match(text, tok.end())
        if gap is None:
            break
        pos = gap.end()
    return out


def gazetteer_places(text: str) -> list[Candidate]:
    """Names of cities and towns of the gazetteer: capitalised anywhere, lower-case after a place preposition."""
    names, starts = places(), _first_words()
    out: list[Candidate] = []
    done = 0
    for m in _START.finditer(text):
        start = m.start("low") if m.group("low") else m.start()
        if start < done:
            continue
        first = _TOKEN.match(text, start)
        if first is None or fold(first.group().rstrip(".")) not in starts:
            continue
        tokens = _tokens(text, start)
        for n in range(len(tokens), 0, -1):
            window = tokens[:n]
            words = [t[2] for t in window]
            if len({w[0].isupper() for w in words if fold(w) not in ("de", "la", "del", "of", "du", "le")}) > 1:
                continue
            if _key(words) in names and _ok(text, window[0][0], window[-1][1], words):
                end = window[-1][1] - (1 if words[-1].endswith(".") and _key(words[-1:]) != "ste" else 0)
                out.append(Candidate(window[0][0], end, "CITY"))
                more = coordinated_places(text, end)  # ``Natchez and Vicksburg``
                out.extend(more)
                done = more[-1].end if more else end
                break
    return out
