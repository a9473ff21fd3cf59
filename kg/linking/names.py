"""Mention names: composite splitting, coordination keys and the exact-lookup keys of a query."""

from __future__ import annotations

import re

from kg.vocab.chemnames import chemical_forms
from kg.vocab.lexicon import variants

_CONJ = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,\s+|(?<!\d),(?!\d)\s*|\s+and/or\s+|\s+and\s+|\s+or\s+|\s*/\s*)", re.I)
_AND_OR = re.compile(r"\s(?:and|or)\s", re.I)
#: Separators removed for a name's compact key (``tri-iodo-thyronine`` -> ``triiodothyronine``).
COMPACT_SEPARATORS = re.compile(r"[\s\-()\[\]]+")


def split_composite(text: str) -> list[str]:
    """Parts of a coordinated mention: ``breast and ovarian cancer`` -> ``breast cancer``, ``ovarian cancer``.

    The shared head (the words after the last conjunct's first word) is copied onto the earlier
    conjuncts; ``hepatitis B and C`` shares the first conjunct's leading words instead. A text
    without a coordination gives ``[text]``.
    """
    if "," not in text and "/" not in text and not _AND_OR.search(text):  # fast path: no coordination
        return [text]
    pieces = [p for p in _CONJ.split(text.strip()) if p]
    if len(pieces) < 2:
        return [text]
    first, last = pieces[0].split(), pieces[-1].split()
    if all(len(p.split()) == 1 for p in pieces[:-1]) and len(last) > 1:
        head = " ".join(last[1:])
        return [f"{p} {head}" for p in pieces[:-1]] + [pieces[-1]]
    if len(first) > 1 and all(len(p.split()) == 1 for p in pieces[1:]):
        stem = " ".join(first[:-1])
        return [pieces[0]] + [f"{stem} {p}" for p in pieces[1:]]
    return pieces


def coordination_key(norm: str) -> str | None:
    """One key for the orderings and spellings of a coordinated name, None for a plain name.

    ``breast and ovarian cancer``, ``breast/ovarian cancer``, ``ovarian and breast cancer`` and
    ``breast and/or ovarian cancer`` all give ``breast cancer and ovarian cancer``: a name that a
    vocabulary or corpus uses for *one* concept (NCBI-disease's ``D061325``, hereditary breast and
    ovarian cancer syndrome) is then found whatever the coordination's order and spelling.
    """
    parts = split_composite(norm)
    if len(parts) < 2:
        return None
    return " and ".join(sorted(" ".join(p.split()) for p in parts))


#: Spelling and head-word variants tried after a query's own forms: British -> American spelling
#: (``tumour``, ``haemorrhage``, ``anaemia``, ``oedema``, ``diarrhoea``, ``foetal``, ``sulphate``,
#: ``aluminium``) and
#: ``carcinoma`` -> ``cancer`` (MeSH names ``X Neoplasms`` with entry term ``X Cancer``).
_WORD_VARIANTS = (
    (re.compile(r"\btumour"), "tumor"),
    (re.compile(r"haem"), "hem"),
    (re.compile(r"aemi"), "emi"),
    (re.compile(r"\boe(?=dem|soph|stro)"), "e"),
    (re.compile(r"rrhoea"), "rrhea"),
    (re.compile(r"\bfoet"), "fet"),
    (re.compile(r"sulph"), "sulf"),
    (re.compile(r"\baluminium"), "aluminum"),
    (re.compile(r"\bcarcinoma(s?)\b"), r"cancer\1"),
)


def query_keys(norm: str) -> list[str]:
    """Exact-lookup keys of a normalized query: its variants, its coordination key's, then spelling variants."""
    out = variants(norm)
    ckey = coordination_key(norm)
    if ckey and ckey != norm:
        out += [v for v in variants(ckey) if v not in out]
    spelled = norm
    for pattern, repl in _WORD_VARIANTS:
        spelled = pattern.sub(repl, spelled)
    if spelled != norm:
        out += [v for v in variants(spelled) if v not in out]
    return out


def lookup_keys(norm: str, family: str) -> list[str]:
    """Exact-lookup keys of a normalized query of one family, most literal first.

    :func:`query_keys`, then for Drug queries the chemical forms of :func:`kg.vocab.chemnames.chemical_forms`
    (counter-ion stripped, ``-ate`` -> ``-ic acid``) with their variants, then the compact key
    (hyphens and spaces removed, as a plain key and as the ``~``-prefixed key under which
    :class:`CandidateIndex` files names that have separators: ``tri-iodo-thyronine`` finds
    ``triiodothyronine``, ``AP7`` finds ``AP-7``).
    """
    out = query_keys(norm)
    forms = [norm]
    if family == "Drug":
        forms += chemical_forms(norm)
        for form in forms[1:]:
            out += [v for v in variants(form) if v not in out]
    for form in forms:  # names spelled without separators, then names spelled with them
        ckey = COMPACT_SEPARATORS.sub("", form)
        if ckey:
            out += [k for k in (ckey, f"~{ckey}") if k not in out]
    return out
