"""Recall-oriented fallbacks: identifier-shaped tokens that no rule named, and repeats of found PHI.

Two general mechanisms, run after every rule (:func:`kg.privacy.find_phi`), that add spans only
where no other span is:

- **shapes**: a token of capitals and digits with six digits or more (``WB8821330``,
  ``JH-0031877``), a run of seven digits or more, digit groups with seven digits or more
  (``2951 60372 1``, ``555-2917``, ``1 58 03 29 019 004 82``), a bracketed trunk code before a
  number (``(01558) 555712``). It is a whitelist of clinical shapes rather than a list of
  identifier shapes: measurements (a unit after), years and lists of years, decimals, CAS
  numbers, trial registrations (``NCT05512209``), and values after a word that names a clinical or
  product code (``lot``, ``NDC``, ``LOINC``, ``model``, ``protocol``, ``version``...) stay.
- **repeats**: the text of a span found anywhere in the note is PHI wherever else it occurs
  (whole words, same case), except before an eponym noun (``Wilson's disease``).
"""

from __future__ import annotations

import re

from kg.privacy._base import UNIT_AFTER, Candidate
from kg.privacy._labelled import LABELS
from kg.privacy._lists import clinical_words, common_words, fold
from kg.privacy._name_rules import EPONYM_AFTER
from kg.privacy._places import COUNTRIES, STATE, STATES

_GROUPED = re.compile(r"(?<![\w.,/$£€-])\d+(?:(?:[ \t]|[.-])\d+)+(?![\w/]|[.,]\d|-\w)")
_CAPS_TOKEN = re.compile(r"(?<![\w@/.:-])[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9]))*[A-Z0-9](?![\w@/-]|\.\w)")
_TRUNK = re.compile(r"(?<![\w)])\(0\d{1,4}\)[ \t]?\d{3,8}(?:[ \t-]\d{3,4})?(?![\w-])")
#: words before a value that make it a clinical, research or product code, never a person's
_CODE_WORDS = re.compile(
    r"(?:\b(?:lot|batch|model|ref|cat|catalog(?:ue)?|ndc|loinc|cpt|icd(?:-\d+)?(?:-cm)?|snomed|rxnorm|rxcui|cas|"
    r"pmid|pmc|doi|nct|isrctn|eudract|protocol|version|ver|v|firmware|build|release|sku|upc|gtin|item|part|"
    r"p/n|pn|code|ec|reg\.?\s*no|gene|allele|rs|chr|ratio|score|dose|doses)\b[\s#:.]*(?:no\.?|number|#)?[\s#:.]*)$",
    re.IGNORECASE,
)
#: a decimal, or a range of two decimals (``2.612-19.708``, a confidence interval)
_DECIMALS = re.compile(r"(?=[\d-]*\.)\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?")
#: any label the labelled-value layer knows (``AHCIP``, ``RAMQ``): never part of the value
_LABEL_WORD = re.compile("|".join(f"(?:{pattern})" for _, pattern in LABELS), re.IGNORECASE)
_CAPS_BEFORE = re.compile(r"(?<![\w-])([A-Z]{2,5})[ \t]$")
#: a UK number plate (``WX21 KPF``): the one plate shape distinctive enough to need no label
_UK_PLATE = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}[ \t]?[A-Z]{3}(?![\w-])")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")
_CAS = re.compile(r"\d{2,7}-\d\d-\d")
_TRIAL = re.compile(r"(?:NCT\d{8}|ISRCTN\d+|ACTRN\d+|CTRI\d+|DRKS\d+)")
#: span kinds whose text is looked for again elsewhere in the note
_REPEAT_KINDS = frozenset(
    "NAME STREET CITY GEO MRN HEALTHPLAN ACCOUNT LICENSE VEHICLE DEVICE ID SSN PHONE EMAIL URL".split()
)


def _code_before(text: str, start: int) -> bool:
    return bool(_CODE_WORDS.search(text[max(0, start - 40) : start]))


def _grouped(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _GROUPED.finditer(text):
        value = m.group()
        groups = re.split(r"[ \t.-]", value)
        digits = sum(len(g) for g in groups)
        if digits < 7 or sum(len(g) == 1 for g in groups) > 1:
            continue
        if all(_YEAR.fullmatch(g) for g in groups) or _CAS.fullmatch(value) or UNIT_AFTER.match(text, m.end()):
            continue
        if _DECIMALS.fullmatch(value) or all(g.endswith("0") for g in groups):  # decimals, ranges, round lists
            continue
        if _code_before(text, m.start()):
            continue
        start = m.start()
        before = _CAPS_BEFORE.search(text, max(0, start - 7), start)  # ``LAPG 5406 1512``
        if (
            before
            and before[1] not in STATES
            and not _LABEL_WORD.fullmatch(before[1])
            and fold(before[1]) not in common_words()
            and not _code_before(text, before.start())
        ):
            start = before.start()
        kind = "PHONE" if 7 <= digits <= 12 and (value[0] == "0" or re.fullmatch(r"\d{3}[ .-]\d{4}", value)) else "ID"
        out.append(Candidate(start, m.end(), kind))
    return out


def _tokens(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _CAPS_TOKEN.finditer(text):
        value = m.group()
        digits = sum(c.isdigit() for c in value)
        letters = sum(c.isalpha() for c in value)
        if value.isdigit():
            if digits < 7 or _YEAR.fullmatch(value):
                continue
        elif digits < 6 or letters == 0:
            continue
        if _TRIAL.fullmatch(value) or _CAS.fullmatch(value) or UNIT_AFTER.match(text, m.end()):
            continue
        if _code_before(text, m.start()):
            continue
        out.append(Candidate(m.start(), m.end(), "ID"))
    return out


def shapes(text: str) -> list[Candidate]:
    """Identifier-shaped tokens and digit groups that are no clinical shape (see the module docstring)."""
    out = _grouped(text) + _tokens(text)
    out += [Candidate(m.start(), m.end(), "PHONE") for m in _TRUNK.finditer(text)]
    out += [Candidate(m.start(), m.end(), "VEHICLE") for m in _UK_PLATE.finditer(text)]
    return out


_NEXT_WORD = re.compile(r"(?:['’]s|s['’])?[ \t-]+([^\W\d_]+)")
#: nouns after a place or person that make the phrase clinical (``Philadelphia chromosome``, ``West Nile IgM``)
_CLINICAL_NOUNS = frozenset(
    "chromosome virus viral fever encephalitis iga igg igm ige antibody antibodies titer titre serology vaccine "
    "strain criteria rule rules scale score classification agent toxin infection".split()
)


def clinical_after(text: str, end: int) -> bool:
    """Whether the word after a repeat makes it part of a clinical term (an eponym or a Drug/Disease word)."""
    if EPONYM_AFTER.match(text, end):
        return True
    m = _NEXT_WORD.match(text, end)
    if m is None:
        return False
    word = fold(m[1])
    return word in _CLINICAL_NOUNS or word in clinical_words()


def repeats(text: str, spans: list[tuple[int, int, str]]) -> list[Candidate]:
    """Every other occurrence (whole word, same case) of a found span's text, with its kind."""
    seen: dict[str, str] = {}
    for start, end, kind in spans:
        value = text[start:end].strip()
        if kind in _REPEAT_KINDS and len(value) >= 4 and any(c.isalnum() for c in value):
            seen.setdefault(value, kind)
    out: list[Candidate] = []
    for value, kind in seen.items():
        for m in re.finditer(rf"(?<![\w@.-]){re.escape(value)}(?![\w@-])", text):
            if not clinical_after(text, m.end()):
                out.append(Candidate(m.start(), m.end(), kind))
    return out


_SEG_TOKEN = re.compile(
    r"(?:[A-ZÀ-Þ][\w'’.-]*|\d[\w/-]*|\(.+\)|(?:y|de|del|la|le|du|des|da|do|dos|van|von|upon|on|the|of))$"
)
_REGION_CODE = re.compile(r"[A-Z]{2,3}\.?$")
_CODE_LABEL_BEFORE = re.compile(r"\b(?:CEP|PLZ|CP|postcode|post\s+code|eircode|zip)\W{0,3}$", re.IGNORECASE)
_STATE_FULL = re.compile(STATE, re.IGNORECASE)
_PAREN_TAIL = re.compile(r"[ \t]*\([^()]*\)$")
_ADDRESS_KINDS = frozenset(("STREET", "CITY", "GEO", "ZIP"))


def _segment_kind(segment: str) -> str | None:
    """``GEO`` for an address-like segment (capitalised words, numbers, particles), ``SKIP`` for a region code."""
    words = segment.split()
    if not words or len(words) > 5:
        return None
    if (len(words) == 1 and _REGION_CODE.match(words[0])) or _STATE_FULL.fullmatch(segment):
        return "SKIP"
    if fold(segment) in COUNTRIES or not all(_SEG_TOKEN.match(w) for w in words):
        return None
    if any(fold(w) in clinical_words() for w in words):
        return None
    return "GEO"


def address_segments(text: str, spans: list[tuple[int, int, str]]) -> list[Candidate]:
    """The comma-separated parts of an address line before a found postal code (``Ty Gwyn, Heol y Nant, Llandeilo``).

    Walking back from the code, each part made of capitalised words, numbers and particles is a place (the
    nearest a city), until a part that is not (a lower-case phrase, another kind of span, the line's start).
    Region codes (``ON``, ``RJ``) are passed over and kept.
    """
    out: list[Candidate] = []
    for start, _, kind in spans:
        if kind != "ZIP" and not _CODE_LABEL_BEFORE.search(text, max(0, start - 12), start):
            continue
        line_start = text.rfind("\n", 0, start) + 1
        pos, nearest = start, True
        for _ in range(6):
            comma = text.rfind(",", line_start, pos)
            seg_start = comma + 1 if comma >= 0 else line_start
            segment = text[seg_start:pos]
            lead = len(segment) - len(segment.lstrip())
            s0, s1 = seg_start + lead, seg_start + len(segment.rstrip())
            hit = [k for a, b, k in spans if a < s1 and s0 < b]
            if s0 >= s1 or any(k not in _ADDRESS_KINDS for k in hit):
                break
            seg_kind = _segment_kind(text[s0:s1])
            if seg_kind is None:
                break
            if seg_kind == "GEO" and not hit:
                paren = _PAREN_TAIL.search(text, s0, s1)  # ``Montréal (Québec)``: the province is kept
                out.append(Candidate(s0, paren.start() if paren else s1, "CITY" if nearest else "GEO"))
            nearest = nearest and seg_kind == "SKIP"
            if comma < 0:
                break
            pos = comma
    return out
