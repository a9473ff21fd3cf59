"""Curated disease–symptom knowledge for the distantly supervised HAS_SYMPTOM model (:mod:`kg.train.has_symptom`).

* HPO disease–phenotype annotations (the ``phenotype.hpoa`` release embedded in ``hpo3``, read as
  in :mod:`kg.seed.hpo`), with the HPO true-path rule (a disease annotated with *Focal seizure*
  also has *Seizure*; the two roots *All* and *Phenotypic abnormality* are not used);
* Hetionet ``DpS`` (Disease–presents–Symptom) edges where the Hetionet folder has them (the shared
  copy does not: its edge list is partial, see its SOURCE.md; the count is recorded);
* a curated TSV file (``disease id, disease name, symptom id`` per line).

HPO diseases (OMIM/ORPHA) meet medkg concepts through the terminology: an OMIM id that is an
equivalent id of a concept, else a unique exact normalized-name match with a Disease concept.
HPO terms and Hetionet MeSH symptoms meet them through the concept's ids.

Pure core: :class:`ConceptIndex`, :func:`curated_concept_pairs`, :func:`read_knowledge_tsv`.
Thin shell: :func:`hpo_annotations`, :func:`hetionet_dps`, :func:`load_knowledge`.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.hashing import file_sha256
from kg.logs import get_logger
from kg.seed.hetionet import EDGES_GLOB, NODES_FILE
from kg.seed.hpo import _diseases, _ontology, hpo_version, name_variants, normalize_disease_name
from kg.vocab.terminology import TermConcept

log = get_logger(__name__)

#: HPO roots too general to be a symptom of anything (true-path closure stops below them).
HPO_ROOTS = frozenset({"HP:0000001", "HP:0000118"})


@dataclass
class ConceptIndex:
    """medkg concepts (Disease family) by every id, and Disease concepts by unique normalized name."""

    by_id: dict[str, TermConcept]
    by_name: dict[str, TermConcept] = field(default_factory=dict)

    @classmethod
    def build(cls, concepts: Iterable[TermConcept]) -> ConceptIndex:
        by_id: dict[str, TermConcept] = {}
        by_name: dict[str, TermConcept] = {}
        ambiguous: set[str] = set()
        for c in concepts:
            if c.label == "Drug":
                continue
            for i in c.ids:
                by_id.setdefault(i, c)
            if c.label != "Disease":
                continue
            for n in {c.name, *c.names}:
                k = normalize_disease_name(n)
                if k in by_name and by_name[k].key != c.key:
                    ambiguous.add(k)
                by_name.setdefault(k, c)
        for k in ambiguous:
            del by_name[k]
        return cls(by_id, by_name)

    def disease(self, curie: str, name: str = "") -> TermConcept | None:
        """The Disease concept of a curated disease id (OMIM/ORPHA/DOID), else by its name."""
        c = self.by_id.get(curie)
        if c is not None and c.label == "Disease":
            return c
        for v in name_variants(name) if name else []:
            if v in self.by_name:
                return self.by_name[v]
        return None


def curated_concept_pairs(
    annotations: Iterable[tuple[str, str, Sequence[str]]],
    index: ConceptIndex,
    ancestors: Mapping[str, Iterable[str]] | None = None,
) -> tuple[set[tuple[str, str]], dict[str, int]]:
    """(Disease concept key, Symptom concept key) pairs held by curated disease–symptom knowledge.

    Args:
        annotations: (disease id, disease name, symptom ids) per curated disease, e.g. an HPO
            disease and its annotated HP terms, or a Hetionet DOID disease and its DpS MeSH symptoms.
        index: The concept index (terminology).
        ancestors: Symptom id -> its ancestor ids (HPO true-path rule); roots in :data:`HPO_ROOTS`
            are never used.

    Returns:
        (pairs, counts of diseases seen / mapped and symptom ids unmapped).
    """
    pairs: set[tuple[str, str]] = set()
    counts: Counter[str] = Counter()
    for curie, name, symptoms in annotations:
        counts["diseases"] += 1
        d = index.disease(curie, name)
        if d is None:
            continue
        counts["diseases_mapped"] += 1
        ids = set(symptoms)
        if ancestors is not None:
            for s in symptoms:
                ids |= set(ancestors.get(s, ()))
        for s in ids - HPO_ROOTS:
            c = index.by_id.get(s)
            if c is None or c.label != "Symptom":
                counts["symptom_ids_unmapped"] += 1
                continue
            if c.key != d.key:
                pairs.add((d.key, c.key))
    return pairs, dict(counts)


def hpo_annotations() -> tuple[list[tuple[str, str, tuple[str, ...]]], dict[str, list[str]], dict[str, str]]:
    """HPO disease annotations (hpo3), the phenotype ancestors of every annotated term, and the versions."""
    ont = _ontology()
    diseases = [(d.curie, d.name, d.terms) for d in _diseases()]
    ancestors: dict[str, list[str]] = {}
    for _, _, terms in diseases:
        for t in terms:
            if t not in ancestors:
                term = ont.hpo(int(t.split(":")[1]))
                ancestors[t] = sorted(f"HP:{int(a.id.split(':')[1]):07d}" for a in term.all_parents)
    version = hpo_version()
    return diseases, ancestors, {"hpo_release": version["hpo_release"], "hpo3": version["hpo3"]}


def hetionet_dps(hetionet_dir: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    """Hetionet ``DpS`` edges as (DOID, disease name, MeSH symptom CURIEs); empty where the folder has none."""
    names: dict[str, str] = {}
    with (hetionet_dir / NODES_FILE).open(encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[2] == "Disease":
                names[parts[0]] = parts[1]
    by_disease: dict[str, list[str]] = {}
    for path in sorted(hetionet_dir.glob(EDGES_GLOB)):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 3 and parts[1] == "DpS":
                    by_disease.setdefault(parts[0], []).append("MESH:" + parts[2].split("::", 1)[1])
    return [(d.split("::", 1)[1], names.get(d, ""), tuple(s)) for d, s in sorted(by_disease.items())]


@dataclass
class Knowledge:
    """The curated pairs and where they came from."""

    pairs: set[tuple[str, str]]
    record: dict[str, Any]


def read_knowledge_tsv(path: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    """Curated pairs from a TSV file: ``disease id, disease name, symptom id`` per line (``#`` comments).

    Raises:
        ValueError: A line without three tab-separated fields (names the file and line).
    """
    by_disease: dict[tuple[str, str], list[str]] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[0] or not parts[2]:
            raise ValueError(f"{path}:{lineno}: expected 'disease id<TAB>disease name<TAB>symptom id'")
        by_disease.setdefault((parts[0], parts[1]), []).append(parts[2])
    return [(d, n, tuple(s)) for (d, n), s in by_disease.items()]


def load_knowledge(
    index: ConceptIndex, hetionet_dir: Path | None, use_hpo: bool = True, tsv: Path | None = None
) -> Knowledge:
    """Curated (disease, symptom) concept pairs from HPO (hpo3), Hetionet DpS and a curated TSV file."""
    pairs: set[tuple[str, str]] = set()
    record: dict[str, Any] = {}
    if tsv is not None:
        tsv_pairs, counts = curated_concept_pairs(read_knowledge_tsv(tsv), index)
        pairs |= tsv_pairs
        record["tsv"] = {"file": tsv.name, "sha256": file_sha256(tsv), **counts, "concept_pairs": len(tsv_pairs)}
    if use_hpo:
        diseases, ancestors, version = hpo_annotations()
        hpo_pairs, counts = curated_concept_pairs(diseases, index, ancestors)
        pairs |= hpo_pairs
        record["hpo"] = {**version, **counts, "concept_pairs": len(hpo_pairs), "true_path_rule": True}
    if hetionet_dir is not None:
        dps = hetionet_dps(hetionet_dir)
        het_pairs, counts = curated_concept_pairs(dps, index)
        pairs |= het_pairs
        record["hetionet_dps"] = {"edges": sum(len(s) for _, _, s in dps), **counts, "concept_pairs": len(het_pairs)}
        if not dps:
            log.warning("Hetionet folder %s has no DpS edges: HAS_SYMPTOM labels come from HPO only", hetionet_dir)
    record["concept_pairs"] = len(pairs)
    log.info("curated disease-symptom knowledge: %d concept pairs (%s)", len(pairs), record)
    return Knowledge(pairs, record)
