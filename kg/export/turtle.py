"""RDF (rdflib graph) and Turtle export of a :class:`~kg.types.GraphSnapshot` with Biolink classes and predicates."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from kg.graph_rows import edge_labels, explanation_json, hypothesis_labels, node_index
from kg.logs import get_logger
from kg.schema import GraphSchema, SchemaError
from kg.types import Edge, GraphSnapshot, Hypothesis, Node

if TYPE_CHECKING:
    from rdflib import Graph, URIRef

log = get_logger(__name__)

#: CURIE prefix -> IRI namespace used for Turtle export.
PREFIX_MAP: dict[str, str] = {
    "DRUGBANK": "http://identifiers.org/drugbank/",
    "MESH": "http://id.nlm.nih.gov/mesh/",
    "DOID": "http://purl.obolibrary.org/obo/DOID_",
    "HP": "http://purl.obolibrary.org/obo/HP_",
    "UBERON": "http://purl.obolibrary.org/obo/UBERON_",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "NCBIGene": "http://identifiers.org/ncbigene/",
    "OMIM": "https://omim.org/entry/",
    "ORPHA": "http://www.orpha.net/ORDO/Orphanet_",
    "UMLS": "http://linkedlifedata.com/resource/umls/id/",
    "MEDKG": "https://w3id.org/medkg/local/",
}
BIOLINK_NS = "https://w3id.org/biolink/vocab/"
MEDKG_VOCAB_NS = "https://w3id.org/medkg/vocab/"
MEDKG_ASSOCIATION_NS = "https://w3id.org/medkg/association/"
#: File name of the Turtle export in its output folder.
TURTLE_FILE = "medkg.ttl"


def expand_curie(curie: str, prefixes: Mapping[str, str] | None = None) -> str:
    """Expand a CURIE to an IRI with :data:`PREFIX_MAP` (plus ``prefixes``).

    The local part is percent-encoded where it is not IRI-safe.

    Raises:
        ValueError: The CURIE has no prefix, or the prefix is not in the map.
    """
    pmap = {**PREFIX_MAP, **(prefixes or {})}
    if ":" not in curie:
        raise ValueError(f"{curie!r} is not a CURIE (expected PREFIX:local)")
    prefix, local = curie.split(":", 1)
    if prefix not in pmap:
        raise ValueError(
            f"unknown CURIE prefix {prefix!r} in {curie!r}; known: {', '.join(sorted(pmap))} "
            "(pass prefixes={...} to add one)"
        )
    return pmap[prefix] + quote(local, safe="-._~")


def _biolink_local(curie: str) -> str:
    if not curie.startswith("biolink:"):
        raise SchemaError(f"expected a biolink: CURIE, got {curie!r}")
    return curie.split(":", 1)[1]


def _association_iri(*key: str) -> str:
    digest = hashlib.sha256("\t".join(key).encode("utf-8")).hexdigest()[:32]
    return MEDKG_ASSOCIATION_NS + digest


def _rdf_iri(curie: str, where: str, prefixes: Mapping[str, str] | None) -> URIRef:
    """The IRI of ``curie``; a ValueError names ``where`` it came from."""
    from rdflib import URIRef

    try:
        return URIRef(expand_curie(curie, prefixes))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _add_node(g: Graph, node: Node, schema: GraphSchema, prefixes: Mapping[str, str] | None) -> None:
    """A node's Biolink class, ``rdfs:label``, ``biolink:id``, xrefs and ``medkg:unlinked``."""
    from rdflib import RDF, RDFS, SKOS, Literal, Namespace

    biolink, medkg = Namespace(BIOLINK_NS), Namespace(MEDKG_VOCAB_NS)
    subj = _rdf_iri(node.id, f"node {node.id}", prefixes)
    g.add((subj, RDF.type, biolink[_biolink_local(schema.nodes[node.label].biolink)]))
    g.add((subj, RDFS.label, Literal(node.name)))
    g.add((subj, biolink.id, Literal(node.id)))
    for xref in node.xrefs:
        g.add((subj, SKOS.exactMatch, _rdf_iri(xref, f"xref of node {node.id}", prefixes)))
    if node.unlinked:
        g.add((subj, medkg.unlinked, Literal(True)))


def _add_association(
    g: Graph, head: str, rel: str, tail: str, schema: GraphSchema, prefixes: Mapping[str, str] | None
) -> URIRef:
    """The reified ``biolink:Association`` of ``(head, rel, tail)``, with its subject, predicate and object."""
    from rdflib import RDF, Literal, Namespace, URIRef

    biolink, medkg = Namespace(BIOLINK_NS), Namespace(MEDKG_VOCAB_NS)
    assoc = URIRef(_association_iri(head, rel, tail))
    pred = biolink[_biolink_local(schema.relationships[rel].biolink)]
    g.add((assoc, RDF.type, biolink.Association))
    g.add((assoc, biolink.subject, _rdf_iri(head, f"{rel} head", prefixes)))
    g.add((assoc, biolink.predicate, pred))
    g.add((assoc, biolink.object, _rdf_iri(tail, f"{rel} tail", prefixes)))
    g.add((assoc, medkg.relationType, Literal(rel)))
    return assoc


def _add_edge(g: Graph, edge: Edge, schema: GraphSchema, prefixes: Mapping[str, str] | None) -> None:
    """An asserted edge: the direct triple and its ``knowledge_assertion`` Association."""
    from rdflib import XSD, Literal, Namespace

    biolink, medkg = Namespace(BIOLINK_NS), Namespace(MEDKG_VOCAB_NS)
    pred = biolink[_biolink_local(schema.relationships[edge.type].biolink)]
    g.add((_rdf_iri(edge.head, "edge head", prefixes), pred, _rdf_iri(edge.tail, "edge tail", prefixes)))
    assoc = _add_association(g, edge.head, edge.type, edge.tail, schema, prefixes)
    g.add((assoc, biolink.evidence_count, Literal(edge.evidence_count, datatype=XSD.integer)))
    g.add((assoc, medkg.doc_count, Literal(edge.doc_count, datatype=XSD.integer)))
    g.add((assoc, medkg.confidence, Literal(edge.confidence, datatype=XSD.double)))
    g.add((assoc, medkg.best_confidence, Literal(edge.best_confidence, datatype=XSD.double)))
    g.add((assoc, biolink.knowledge_level, Literal("knowledge_assertion")))
    g.add((assoc, medkg.predicted, Literal(False)))
    for source in edge.sources:
        g.add((assoc, biolink.primary_knowledge_source, Literal(source)))
    for extractor in edge.extractors:
        g.add((assoc, medkg.extractor, Literal(extractor)))
    for version in edge.model_versions:
        g.add((assoc, medkg.model_version, Literal(version)))
    if edge.subtype is not None:
        g.add((assoc, medkg.subtype, Literal(edge.subtype)))
    for subtype in edge.subtypes:
        g.add((assoc, medkg.subtypes, Literal(subtype)))


def _add_hypothesis(
    g: Graph, hyp: Hypothesis, rel: str, schema: GraphSchema, prefixes: Mapping[str, str] | None
) -> None:
    """A hypothesis of predicted type ``rel``: only a ``prediction`` Association, never a direct triple."""
    from rdflib import XSD, Literal, Namespace

    biolink, medkg = Namespace(BIOLINK_NS), Namespace(MEDKG_VOCAB_NS)
    assoc = _add_association(g, hyp.head, rel, hyp.tail, schema, prefixes)
    g.add((assoc, biolink.knowledge_level, Literal("prediction")))
    g.add((assoc, biolink.agent_type, Literal("computational_model")))
    g.add((assoc, medkg.predicted, Literal(True)))
    g.add((assoc, medkg.score, Literal(hyp.score, datatype=XSD.double)))
    g.add((assoc, medkg.rank, Literal(hyp.rank, datatype=XSD.integer)))
    g.add((assoc, medkg.model_version, Literal(hyp.model_version)))
    g.add((assoc, medkg.run_id, Literal(hyp.run_id)))
    g.add((assoc, medkg.explanation, Literal(explanation_json(hyp))))
    if hyp.note:
        g.add((assoc, medkg.note, Literal(hyp.note)))


def to_rdf(snapshot: GraphSnapshot, schema: GraphSchema, prefixes: Mapping[str, str] | None = None) -> Any:
    """Build an rdflib Graph of the snapshot with Biolink classes and predicates.

    Each node is typed with its label's Biolink class, with ``rdfs:label`` and ``skos:exactMatch``
    per xref. Each asserted edge gives the direct triple (subject, Biolink predicate, object) and a
    reified ``biolink:Association`` (subject, predicate, object, evidence count, confidence,
    knowledge sources, ``biolink:knowledge_level "knowledge_assertion"``; a subtyped edge adds
    ``medkg:subtype`` and one ``medkg:subtypes`` per subtype of its evidence). A hypothesis gives only an
    Association with ``biolink:knowledge_level "prediction"`` and ``medkg:predicted true``, score,
    rank and model version: never a direct triple.

    Raises:
        SchemaError: The snapshot does not fit the schema.
        ValueError: An id or xref has a prefix with no namespace.
    """
    from rdflib import SKOS, Graph, Namespace

    nodes = node_index(snapshot.nodes, schema)
    g = Graph()
    g.bind("biolink", Namespace(BIOLINK_NS))
    g.bind("medkg", Namespace(MEDKG_VOCAB_NS))
    g.bind("skos", SKOS)
    for prefix, ns in {**PREFIX_MAP, **(prefixes or {})}.items():
        g.bind(prefix.lower() if prefix != "MEDKG" else "medkglocal", Namespace(ns))
    for node in nodes.values():
        _add_node(g, node, schema, prefixes)
    for edge in snapshot.edges:
        edge_labels(edge, nodes, schema)
        _add_edge(g, edge, schema, prefixes)
    for hyp in snapshot.hypotheses:
        rel, _, _ = hypothesis_labels(hyp, nodes, schema)
        _add_hypothesis(g, hyp, rel, schema, prefixes)
    return g


def write_turtle(
    snapshot: GraphSnapshot, schema: GraphSchema, path: str | Path, prefixes: Mapping[str, str] | None = None
) -> Path:
    """Write the snapshot as RDF Turtle (see :func:`to_rdf`).

    Returns:
        The file written.
    """
    graph = to_rdf(snapshot, schema, prefixes)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    graph.serialize(destination=str(out), format="turtle", encoding="utf-8")
    log.info("wrote Turtle %s (%d triples)", out, len(graph))
    return out


def export_turtle(snapshot: GraphSnapshot, schema: GraphSchema, out_dir: str | Path) -> list[Path]:
    """Write :data:`TURTLE_FILE` into the folder ``out_dir`` (the ``ttl`` export format)."""
    return [write_turtle(snapshot, schema, Path(out_dir) / TURTLE_FILE)]
