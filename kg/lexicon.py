"""In-memory index over the packaged lexicon: normalized term -> best concept per label.

Shared by the dictionary NER (which terms exist) and the lexicon linker (which CURIE a mention
gets), so both agree on one normalization.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.ids import normalize

#: Lower rank wins when one term has entries under several (label, source) pairs. Corpus Disease
#: names (BC5CDR, NCBI-disease) beat HPO phenotype names, because HPO also lists diseases
#: (pneumonia, atrial fibrillation) as phenotypes; corpus names whose MeSH id is a sign or symptom
#: are relabelled Symptom first (see :class:`LexiconIndex`).
SOURCE_RANK: dict[tuple[str, str], int] = {
    ("Disease", "hetionet"): 0,
    ("Drug", "hetionet"): 0,
    ("Disease", "ncbi_disease"): 1,
    ("Disease", "bc5cdr"): 1,
    ("Symptom", "hetionet"): 1,
    ("Symptom", "bc5cdr"): 1,
    ("Symptom", "ncbi_disease"): 1,
    ("Symptom", "hpo"): 2,
    ("Disease", "hpo"): 2,
    ("Drug", "bc5cdr"): 3,
}
DEFAULT_RANK = 9


def variants(norm: str) -> list[str]:
    """Simple inflectional variants of a normalized term (plural and hyphen spacing)."""
    out = [norm]
    if norm.endswith("ies") and len(norm) > 4:
        out.append(norm[:-3] + "y")
    elif norm.endswith("es") and len(norm) > 4:
        out.extend([norm[:-2], norm[:-1]])
    elif norm.endswith("s") and not norm.endswith("ss") and len(norm) > 3:
        out.append(norm[:-1])
    if "-" in norm:
        out.append(norm.replace("-", " "))
    return out


@dataclass(frozen=True)
class Concept:
    """One lexicon concept for a term: label, CURIE, preferred name, source and cross-references."""

    label: str
    curie: str
    name: str
    source: str
    xrefs: tuple[str, ...] = ()

    @property
    def rank(self) -> int:
        """Priority of this entry's (label, source) pair; lower wins."""
        return SOURCE_RANK.get((self.label, self.source), DEFAULT_RANK)


class LexiconIndex:
    """Normalized term -> concepts, best first."""

    def __init__(self, entries: Iterable[Any]) -> None:
        self._by_term: dict[str, list[Concept]] = {}
        self.surface_forms: dict[str, str] = {}
        rows = [
            (
                e.term,
                Concept(
                    label=e.label,
                    curie=e.curie,
                    name=e.concept_name or e.term,
                    source=e.source,
                    xrefs=tuple(getattr(e, "xrefs", ()) or ()),
                ),
            )
            for e in entries
        ]
        # MeSH ids that curated vocabularies call a sign or symptom (Hetionet Symptom = MeSH C23),
        # and the HPO id that shares each one.
        symptom_mesh: set[str] = set()
        mesh_to_hp: dict[str, Concept] = {}
        for _, c in rows:
            if c.label != "Symptom" or c.source not in ("hetionet", "hpo"):
                continue
            for ref in (c.curie, *c.xrefs):
                if ref.startswith("MESH:"):
                    symptom_mesh.add(ref)
                    if c.curie.startswith("HP:"):
                        mesh_to_hp.setdefault(ref, c)
        for term, concept in rows:
            if (
                concept.label == "Disease"
                and concept.source in ("bc5cdr", "ncbi_disease")
                and concept.curie in symptom_mesh
            ):
                hp = mesh_to_hp.get(concept.curie)
                concept = Concept(
                    label="Symptom",
                    curie=hp.curie if hp else concept.curie,
                    name=hp.name if hp else concept.name,
                    source=concept.source,
                    xrefs=tuple(sorted({*concept.xrefs, concept.curie} - {hp.curie if hp else concept.curie})),
                )
            key = normalize(term)
            if not key:
                continue
            bucket = self._by_term.setdefault(key, [])
            if all(c.curie != concept.curie or c.label != concept.label for c in bucket):
                bucket.append(concept)
            self.surface_forms.setdefault(term, key)
        for bucket in self._by_term.values():
            bucket.sort(key=lambda c: (c.rank, c.curie))

    def __len__(self) -> int:
        return len(self._by_term)

    def terms(self) -> list[str]:
        """Every surface form in the lexicon."""
        return list(self.surface_forms)

    def lookup(self, text: str, label: str | None = None) -> tuple[Concept, float] | None:
        """Best concept for ``text`` (optionally of ``label``) and a match score (1.0 exact, 0.9 variant)."""
        norm = normalize(text)
        for i, key in enumerate(variants(norm)):
            for concept in self._by_term.get(key, ()):
                if label is None or concept.label == label:
                    return concept, 1.0 if i == 0 else 0.9
        return None

    def best_label(self, text: str) -> str | None:
        """The label of the best concept for ``text``, if any."""
        hit = self.lookup(text)
        return hit[0].label if hit else None


@lru_cache(maxsize=4)
def packaged_index(path: str | None = None) -> LexiconIndex:
    """The index over the packaged lexicon (``kg/resources/lexicon.tsv.gz``), built once per process."""
    from kg.vocab import load_lexicon

    return LexiconIndex(load_lexicon(Path(path) if path else None))
