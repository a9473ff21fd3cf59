"""Corpus relation types -> medkg relationship types, and the label set of each document-level head.

| corpus | corpus type | medkg type |
|---|---|---|
| BC5CDR | ``CID`` (chemical-induced disease) | ``CAUSES`` |
| BioRED (Chemical–Disease) | ``Positive_Correlation`` | ``CAUSES`` |
| BioRED (Chemical–Disease) | ``Negative_Correlation`` | ``TREATS`` |
| BioRED (Chemical–Disease) | ``Association`` | ``ASSOCIATED_WITH`` (scored, never asserted: the schema has no Drug–Disease signature for it) |
| DDI 2013 | ``mechanism`` / ``effect`` / ``advise`` / ``int`` | ``INTERACTS_WITH`` with that subtype |
| curated HPO / Hetionet DpS (distant labels) | ``HAS_SYMPTOM`` | ``HAS_SYMPTOM`` |
"""

from __future__ import annotations

CORPUS_TYPES: dict[str, str] = {
    "CID": "CAUSES",
    "Positive_Correlation": "CAUSES",
    "Negative_Correlation": "TREATS",
    "Association": "ASSOCIATED_WITH",
    "mechanism": "INTERACTS_WITH",
    "effect": "INTERACTS_WITH",
    "advise": "INTERACTS_WITH",
    "int": "INTERACTS_WITH",
    "HAS_SYMPTOM": "HAS_SYMPTOM",
}

#: Document-level heads: name -> corpus classes it predicts (besides ``none``).
HEADS: dict[str, tuple[str, ...]] = {
    "cid": ("CID",),
    "biored": ("Positive_Correlation", "Negative_Correlation", "Association"),
    "has_symptom": ("HAS_SYMPTOM",),
}


def head_of(name: str) -> tuple[str, ...]:
    """The corpus classes of a document-level head, or an error naming the known heads."""
    try:
        return HEADS[name]
    except KeyError:
        raise ValueError(f"unknown relation head {name!r}; known: {', '.join(sorted(HEADS))}") from None
