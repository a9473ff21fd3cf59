"""Names linked to names already found, and names in a few more contexts (#18, round eight).

Run after the rules, on their spans:

- *Coordination*: a word joined to a found name by ``and``, ``&``, ``or``, a comma or a slash, with an age in
  brackets between or not (``daughters Dalal and Xiomara``, ``Children Olufunmilayo (9) and Sefa (6)``), is a
  name when no word list calls it an English or clinical word; repeated, so lists of any length are covered.

Run with the rules:

- *A relative or role in brackets after a name*, with more inside (``Miroslav (brother, 10)``,
  ``malia (triage RN)``);
- *a bed or room before a name* (``room 12 Novotná is asking``);
- *two or three initials before a surname* (``S. J. Tehrani-Moghadam``);
- *a name and an age in apposition* (``Leopoldine von Oppeln, 19, midfielder``);
- *lower-case given names* after ``pt``, ``patient``, ``note for`` and relatives (``pt valdemar carvalhais``)
  when the given-name list holds the first word and no English word list holds either.
"""

from __future__ import annotations

import re

from kg.privacy._base import Candidate
from kg.privacy._lists import clinical_words, common_words, first_names, fold
from kg.privacy._name_rules import EPONYM_AFTER, PARTICLES, RELATIVE, ROLE, STOP

_W = r"(?:[OD]['’])?[A-ZÀ-ÖØ-Þ][^\W\d_]+(?:['’-][A-ZÀ-ÖØ-Þa-z][^\W\d_]+)*"
_LW = r"[a-zß-öø-ÿ][^\W\d_]+(?:['’-][^\W\d_]+)*"
_AGE_BRACKET = r"(?:[ \t]*\([ \t]*\d{1,2}[ \t]*\))?"
_LINK = r"(?:[ \t]*,[ \t]*|[ \t]+(?:and|&|or)[ \t]+|[ \t]*/[ \t]*)"
_RIGHT = re.compile(rf"{_AGE_BRACKET}{_LINK}(?P<n>{_W})")
_LEFT = re.compile(rf"(?<![\w'’-])(?P<n>{_W}){_AGE_BRACKET}{_LINK}$")
_NOT_NAMES = frozenset(
    """
    january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday dr mr mrs ms miss rev md rn np do pa mom dad
    """.split()
)
_PAREN_ROLE = re.compile(
    rf"(?<![\w'’-])(?P<n>(?-i:(?:{_W}|{_LW})(?:[ \t]+{_W})?))[ \t]*\((?:[a-z]+[ \t]+)?(?:{RELATIVE}|{ROLE}|RN|LPN|CNA|MA)\b"
    r"[^()\n]{0,24}\)",
    re.IGNORECASE,
)
_ROOM = re.compile(rf"\b(?:room|rm|bed|bay)[ \t]*#?[ \t]*\d{{1,4}}[A-Za-z]?[ \t]+(?:-[ \t]+)?(?P<n>{_W})")
_INITIALS = re.compile(rf"(?<![\w.])(?:[A-Z]\.[ \t]?){{2,3}}(?P<s>{_W})")
_AGE_APPOSITION = re.compile(
    rf"(?:^|(?<=[\n.:;(]))[ \t]*(?P<n>{_W}(?:[ \t]+(?:(?:{'|'.join(sorted(PARTICLES))})[ \t]+)?{_W}){{1,3}}),[ \t]+"
    r"(?:age[ \t]+)?\d{1,3}(?:[ \t]*(?:y|yo|yrs?|years?|mo|months?))?,[ \t]+[a-z]"
)
_LEAD_WORD = re.compile(rf"(?:{RELATIVE}|{ROLE}|deceased|decedent|resident|patient|pt|client|subject)", re.IGNORECASE)
_LOWER_CUE = re.compile(
    rf"\b(?:pt|patient|note[ \t]+for|on|ex-{RELATIVE}|{RELATIVE})[ \t]+(?P<n>(?-i:{_LW}(?:[ \t]+{_LW})?))(?=[ \t,.;(]|$)",
    re.IGNORECASE,
)


#: The shape of a name word: capitalised, lower case after (``McFarlane``, ``O'Dwyer`` and hyphenated parts too).
_NAME_SHAPE = re.compile(
    r"(?:(?:Mc|Mac|O['’]|D['’])?[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+)(?:-(?:Mc|Mac|O['’])?[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+)*"
)


def _namelike(word: str) -> bool:
    """No English, clinical or calendar word, three letters or more."""
    f = fold(word)
    return len(f) >= 3 and f not in common_words() and f not in clinical_words() and f not in _NOT_NAMES


def _words_ok(name: str, need_all: bool = True) -> bool:
    words = [w for w in re.split(r"[ \t]+", name) if fold(w) not in PARTICLES]
    parts = [p for w in words for p in re.split(r"[-'’]", w) if len(p) > 2]
    test = all if need_all else any
    return bool(parts) and test(_namelike(p) for p in parts)


def linked_names(text: str, spans: list[tuple[int, int, str]]) -> list[Candidate]:
    """Words coordinated with a found name (``Dalal and Xiomara``), repeated until no new one is found."""
    names = sorted((s, e) for s, e, k in spans if k == "NAME")
    seen = set(names)
    out: list[Candidate] = []
    frontier = names
    for _ in range(4):
        new = []
        for start, end in frontier:
            right = _RIGHT.match(text, end)
            left = _LEFT.search(text, max(0, start - 40), start)
            for m in (right, left):
                if not m:
                    continue
                s, e = m.start("n"), m.end("n")
                word = m.group("n")
                if (s, e) in seen or not _NAME_SHAPE.fullmatch(word) or fold(word) in STOP or not _namelike(word):
                    continue
                if EPONYM_AFTER.match(text, e):
                    continue
                seen.add((s, e))
                new.append((s, e))
                out.append(Candidate(s, e, "NAME"))
        if not new:
            break
        frontier = new
    return out


def context_names(text: str) -> list[Candidate]:
    """Names before a bracketed relative or role, after a room number, after initials, in age apposition,
    and lower-case given names after ``pt`` or a relative."""
    out: list[Candidate] = []
    for m in _PAREN_ROLE.finditer(text):
        name = m.group("n")
        if name.isupper() or any(fold(w) in STOP for w in name.split()):
            continue  # ``Shirin Karimi, MD (fellow)``: a credential is no name
        lower = name[:1].islower()
        if (lower and fold(name.split()[0]) in first_names() and _words_ok(name)) or (not lower and _words_ok(name)):
            out.append(Candidate(m.start("n"), m.end("n"), "NAME"))
    for m in _ROOM.finditer(text):
        if _words_ok(m.group("n")) and not EPONYM_AFTER.match(text, m.end("n")):
            out.append(Candidate(m.start("n"), m.end("n"), "NAME"))
    for m in _INITIALS.finditer(text):
        if _words_ok(m.group("s")):
            out.append(Candidate(m.start(), m.end(), "NAME"))
    for m in _AGE_APPOSITION.finditer(text):
        start, name = m.start("n"), m.group("n")
        lead = re.match(r"(\S+)[ \t]+", name)
        if lead and _LEAD_WORD.fullmatch(lead.group(1)):  # ``Wife Geertruida, 94,``: the relative is no name
            start, name = start + lead.end(), name[lead.end() :]
        if _words_ok(name, need_all=False):
            out.append(Candidate(start, m.end("n"), "NAME"))
    for m in _LOWER_CUE.finditer(text):
        words = m.group("n").split()
        if fold(words[0]) in first_names() and all(len(w) > 2 and _namelike(w) for w in words):
            out.append(Candidate(m.start("n"), m.end("n"), "NAME"))
    return out
