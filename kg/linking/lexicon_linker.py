"""The ``lexicon`` linker: the mention (or its abbreviation's long form) looked up in the packaged lexicon.

One normalization is shared with the dictionary NER (:class:`kg.vocab.lexicon.LexiconIndex`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kg.types import Mention
from kg.vocab.lexicon import LexiconIndex, packaged_index


class LexiconLinkerOptions(BaseModel):
    """The ``lexicon`` linker's options (``linker.params`` in a run config)."""

    model_config = ConfigDict(extra="forbid")

    min_score: float = Field(default=0.85, ge=0.0, le=1.0)
    """Minimum match score to link (1.0 exact, 0.9 a normalized variant); below it the mention stays NIL."""


class LexiconLinker:
    """Exact and normalized-variant lookup of each mention in the lexicon, label-constrained."""

    def __init__(self, index: LexiconIndex | None = None, min_score: float = 0.85) -> None:
        """``min_score``: see :attr:`LexiconLinkerOptions.min_score` (the same default)."""
        self.index = index if index is not None else packaged_index()
        self.min_score = min_score

    def __call__(self, mentions: list[Mention]) -> list[Mention]:
        out = []
        for m in mentions:
            hit = None
            for text in filter(None, (m.long_form, m.text)):
                hit = self.index.lookup(text, label=m.label)
                if hit:
                    break
            if hit and hit[1] >= self.min_score:
                concept, score = hit
                update = {
                    "curie": concept.curie,
                    "concept_name": concept.name,
                    "link_score": score,
                    "xrefs": concept.xrefs,
                }
                out.append(m.model_copy(update=update))
            else:
                out.append(m.model_copy(update={"curie": None, "concept_name": None, "link_score": None, "xrefs": ()}))
        return out
