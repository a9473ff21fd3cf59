"""Abbreviations in text: definitions ``long form (SF)`` found in a document, and abbreviation-like mentions."""

from __future__ import annotations

import re

_ABBREV_LIKE = re.compile(r"^[A-Z0-9][A-Za-z0-9\-]{0,7}$")
_DEFINITION = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9\-+]{0,9})\s*(?:\)|[:;,]\s)")
_CLAUSE_END = re.compile(r"[.;:()\[\]]")


def _sh_long_form(short: str, text: str) -> str | None:
    """Schwartz-Hearst: the shortest suffix of ``text`` whose characters spell ``short`` in order."""
    s, li = len(short) - 1, len(text) - 1
    while s >= 0:
        ch = short[s].lower()
        if not ch.isalnum():
            s -= 1
            continue
        while li >= 0 and (text[li].lower() != ch or (s == 0 and li > 0 and text[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        li -= 1
        s -= 1
    start = text.rfind(" ", 0, li + 1) + 1
    return text[start:].strip() or None


def text_long_forms(text: str) -> dict[str, str]:
    """Abbreviations defined in a text as ``long form (SF)``, ``(SF: ...)`` or ``(SF, ...)`` -> long form.

    A fallback for definitions scispaCy's detector misses (``nitroglycerin (NTG)-induced``,
    ``diethylnitrosamine (DEN: 10 mg/kg)``). The long form is the Schwartz-Hearst match within
    the preceding clause, at most ``min(len + 5, 2 * len)`` words: the shortest run of words whose
    initials spell the short form's letters (a plural short form's letters without its final ``s``:
    ``combined oral contraceptives (COCs)``), else the Schwartz-Hearst match; the first definition wins.
    """
    out: dict[str, str] = {}
    for m in _DEFINITION.finditer(text):
        short = m.group(1)
        if short in out or not any(ch.isalpha() for ch in short) or sum(ch.isupper() for ch in short) < 1:
            continue
        before = text[: m.start()].rstrip()
        cut = max((x.end() for x in _CLAUSE_END.finditer(before, max(0, len(before) - 300))), default=0)
        words = before[cut:].split()
        words = words[-min(len(short) + 5, 2 * len(short)) :]
        if not words:
            continue
        letters = [ch.lower() for ch in short if ch.isalpha()]
        spellings = [letters]
        if short.endswith("s") and sum(ch.isupper() for ch in short) >= 2:  # plural: COCs, NSAIDs
            spellings.append(letters[:-1])
        long_form = next(
            (
                " ".join(words[-k:])
                for spelled in spellings
                for k in range(1, len(words) + 1)
                if [w[0].lower() for w in " ".join(words[-k:]).replace("-", " ").split() if w[0].isalpha()] == spelled
            ),
            None,
        ) or _sh_long_form(short, " ".join(words))
        if long_form and len(long_form) > len(short) and long_form.lower() != short.lower():
            out[short] = long_form.strip(" ,")
    return out


def is_abbreviation(text: str) -> bool:
    """Whether a mention looks like an abbreviation (short, starts upper-case, has 2+ capitals)."""
    return bool(_ABBREV_LIKE.match(text)) and sum(ch.isupper() for ch in text) >= 2
