"""Identifiers on the ground floor: text normalization, NIL ids of unlinked concepts, corpus ids as CURIEs.

Every stage that names a concept uses these, so the same text always gives the same key and the
same unlinked concept always gets the same node id.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_QUOTES = re.compile(r"[\u2018\u2019\u201b`´]")
_SPACE = re.compile(r"\s+")
_POSSESSIVE = re.compile(r"'s\b")
_EDGE_PUNCT = re.compile(r"^[\s\"'.,;:()\[\]]+|[\s\"'.,;:()\[\]]+$")


def normalize(text: str) -> str:
    """Case-fold, unify dashes and quotes, drop possessive 's, squeeze spaces and edge punctuation."""
    text = unicodedata.normalize("NFKC", text)
    text = _QUOTES.sub("'", _DASHES.sub("-", text)).lower()
    text = _POSSESSIVE.sub("", text)
    text = _SPACE.sub(" ", text)
    return _EDGE_PUNCT.sub("", text)


def local_id(label: str, text: str, prefix: str = "MEDKG") -> str:
    """The stable NIL id of an unlinked concept: the same label and normalized name give the same id."""
    digest = hashlib.sha1(f"{label}|{normalize(text)}".encode()).hexdigest()[:12]
    return f"{prefix}:{label}-{digest}"


def corpus_curie(raw_id: str) -> str:
    """A corpus id as a CURIE: BC5CDR ``D003000`` -> ``MESH:D003000``; ``OMIM:123`` kept."""
    raw_id = raw_id.strip()
    up = raw_id.upper()
    if up.startswith("MESH:"):
        return "MESH:" + raw_id[5:].strip()
    if up.startswith("OMIM:"):
        return "OMIM:" + raw_id[5:].strip()
    return "MESH:" + raw_id
