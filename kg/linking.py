"""Entity linking: mentions get ontology CURIEs; unlinkable mentions stay NIL with a local id.

The ``lexicon`` linker looks up the mention (or the long form of an abbreviation) in the packaged
lexicon with one normalization shared with the dictionary NER. A trained linker registers under
another name in :data:`LINKER_REGISTRY`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from kg.lexicon import LexiconIndex, normalize, packaged_index
from kg.registry import Registry
from kg.types import Mention

Linker = Callable[[list[Mention]], list[Mention]]
LINKER_REGISTRY: Registry[Linker] = Registry("linker")


def local_id(label: str, text: str, prefix: str = "MEDKG") -> str:
    """The stable NIL id of an unlinked concept: the same label and normalized name give the same id."""
    digest = hashlib.sha1(f"{label}|{normalize(text)}".encode()).hexdigest()[:12]
    return f"{prefix}:{label}-{digest}"


class LexiconLinker:
    """Exact and normalized-variant lookup of each mention in the lexicon, label-constrained."""

    def __init__(self, index: LexiconIndex | None = None, min_score: float = 0.85) -> None:
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
                out.append(
                    m.model_copy(update={"curie": concept.curie, "concept_name": concept.name, "link_score": score})
                )
            else:
                out.append(m.model_copy(update={"curie": None, "concept_name": None, "link_score": None}))
        return out


@LINKER_REGISTRY.register("lexicon")
def _lexicon_linker(**params: object) -> LexiconLinker:
    return LexiconLinker(**params)  # type: ignore[arg-type]
