"""Export a :class:`~kg.types.GraphSnapshot` to RDF Turtle, GraphML or Neo4j bulk-import CSV.

The pure core turns snapshot objects into property rows (the same rows the Neo4j store writes, so an
admin import and a driver load give the same graph); each format has a thin ``write_*`` shell.

Exports carry only what is in the snapshot. ``Evidence.sentence`` is scrubbed upstream; no document
text is ever added here.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import shlex
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx

from kg.schema import GraphSchema, SchemaError
from kg.types import Edge, Evidence, GraphSnapshot, Hypothesis, Node

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("ttl", "graphml", "neo4j-csv")

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

#: Label and relationship types the store and the CSV export add beside the schema's own.
EVIDENCE_LABEL = "Evidence"
SUBJECT_REL = "SUBJECT"
OBJECT_REL = "OBJECT"

#: Separator used when list properties are flattened to one string (GraphML).
LIST_JOIN = "|"
#: Array delimiter in neo4j-admin CSV files.
CSV_ARRAY_DELIMITER = ";"


# --------------------------------------------------------------------------------------------------
# Pure core: validation and property rows
# --------------------------------------------------------------------------------------------------


def node_index(nodes: Iterable[Node], schema: GraphSchema) -> dict[str, Node]:
    """Index nodes by id, checking labels against the schema and ids for uniqueness.

    Args:
        nodes: The snapshot's nodes.
        schema: The graph schema.

    Returns:
        ``{node id: Node}``.

    Raises:
        SchemaError: A label is not in the schema, or one id appears twice.
    """
    index: dict[str, Node] = {}
    for node in nodes:
        if node.label not in schema.nodes:
            raise SchemaError(f"node {node.id!r} has unknown label {node.label!r}; known: {sorted(schema.nodes)}")
        if node.id in index:
            raise SchemaError(
                f"node id {node.id!r} appears twice in the snapshot (labels {index[node.id].label}, {node.label})"
            )
        index[node.id] = node
    return index


def _endpoint_labels(
    what: str, head: str, rel: str, tail: str, nodes: Mapping[str, Node], schema: GraphSchema
) -> tuple[str, str]:
    for end in (head, tail):
        if end not in nodes:
            raise SchemaError(f"{what} {head} -[{rel}]-> {tail}: node {end!r} is not in the snapshot")
    hl, tl = nodes[head].label, nodes[tail].label
    if rel not in schema.relationships:
        raise SchemaError(f"{what} {head} -[{rel}]-> {tail}: unknown type; known: {sorted(schema.relationships)}")
    if not schema.allows(hl, rel, tl):
        raise SchemaError(f"{what} {head} -[{rel}]-> {tail}: ({hl})-[{rel}]->({tl}) is not an allowed signature")
    return hl, tl


def edge_labels(edge: Edge, nodes: Mapping[str, Node], schema: GraphSchema) -> tuple[str, str]:
    """Return (head label, tail label) of an asserted edge after checking it against the schema.

    Raises:
        SchemaError: Unknown type, a predicted type, a missing endpoint, a disallowed signature, or
            a subtype the type does not have.
    """
    spec = schema.relationships.get(edge.type)
    if spec is not None and spec.predicted:
        raise SchemaError(f"edge {edge.head} -[{edge.type}]-> {edge.tail}: a predicted type cannot be an asserted edge")
    labels = _endpoint_labels("edge", edge.head, edge.type, edge.tail, nodes, schema)
    for subtype in edge.subtypes:
        schema.check_subtype(edge.type, subtype, f"edge {edge.head} -[{edge.type}]-> {edge.tail}")
    return labels


def hypothesis_type(hyp: Hypothesis, schema: GraphSchema) -> str:
    """The predicted relationship type holding ``hyp``.

    ``Hypothesis.type`` may name the predicted type itself (``PREDICTED_TREATS``) or the asserted
    type it predicts (``TREATS``); both map to the schema's predicted type.

    Raises:
        SchemaError: The type is neither a predicted type nor a prediction target.
    """
    spec = schema.relationships.get(hyp.type)
    if spec is not None and spec.predicted:
        return hyp.type
    return schema.predicted_type(hyp.type)


def hypothesis_labels(hyp: Hypothesis, nodes: Mapping[str, Node], schema: GraphSchema) -> tuple[str, str, str]:
    """Return (predicted type, head label, tail label) of a hypothesis after schema checks."""
    rel = hypothesis_type(hyp, schema)
    hl, tl = _endpoint_labels("hypothesis", hyp.head, rel, hyp.tail, nodes, schema)
    return rel, hl, tl


def evidence_labels(ev: Evidence, nodes: Mapping[str, Node], schema: GraphSchema) -> tuple[str, str]:
    """Return (head label, tail label) of the triple an evidence row supports.

    Raises:
        SchemaError: As :func:`edge_labels`, naming the evidence's document.
    """
    labels = _endpoint_labels("evidence for", ev.head, ev.type, ev.tail, nodes, schema)
    schema.check_subtype(ev.type, ev.subtype, f"evidence in {ev.doc_id!r} for {ev.head} -[{ev.type}]-> {ev.tail}")
    return labels


@dataclass(frozen=True)
class SkippedRow:
    """A snapshot row a reader left out, and why (ids, labels and types only; never text)."""

    kind: str  # node | edge | evidence | hypothesis
    reason: str


@dataclass(frozen=True)
class CheckedSnapshot:
    """A snapshot reduced to the rows the schema allows, with what was left out."""

    snapshot: GraphSnapshot
    skipped: tuple[SkippedRow, ...] = ()

    def skipped_by_kind(self) -> dict[str, int]:
        """``{kind: number of skipped rows}``, for reports."""
        out: dict[str, int] = defaultdict(int)
        for row in self.skipped:
            out[row.kind] += 1
        return dict(sorted(out.items()))


def check_snapshot(snapshot: GraphSnapshot, schema: GraphSchema, what: str = "snapshot") -> CheckedSnapshot:
    """Keep the rows of ``snapshot`` that fit ``schema``; report and skip the others.

    Readers (every export format, the Neo4j load) call this first, so one invalid row never makes a
    whole graph unreadable: a node with an unknown label or a repeated id, an edge, evidence row or
    hypothesis with a forbidden signature, a missing endpoint or a repeated key is skipped, counted
    and logged (a warning with the count per kind and the first reasons). The format writers stay
    strict: they still raise :class:`SchemaError` on a snapshot that was not checked.

    Args:
        snapshot: The graph as read from a store.
        schema: The graph schema.
        what: What reads it (for the log line), e.g. ``"export graphml"``.
    """
    skipped: list[SkippedRow] = []
    nodes: dict[str, Node] = {}
    for node in snapshot.nodes:
        try:
            node_index([node], schema)
        except SchemaError as exc:
            skipped.append(SkippedRow("node", str(exc)))
            continue
        if node.id in nodes:
            skipped.append(
                SkippedRow("node", f"node id {node.id!r} appears twice (labels {nodes[node.id].label}, {node.label})")
            )
            continue
        nodes[node.id] = node

    def keep(kind: str, rows: Sequence[Any], check: Any, key: Any) -> list[Any]:
        """Rows that pass ``check``; with ``key``, a repeated key is skipped too."""
        out, seen = [], set()
        for row in rows:
            try:
                check(row)
            except (SchemaError, ValueError) as exc:
                skipped.append(SkippedRow(kind, str(exc)))
                continue
            k = key(row) if key is not None else None
            if k is not None and k in seen:
                skipped.append(SkippedRow(kind, f"{kind} {k} appears twice"))
                continue
            seen.add(k)
            out.append(row)
        return out

    edges = keep("edge", snapshot.edges, lambda e: edge_labels(e, nodes, schema), lambda e: (e.head, e.type, e.tail))
    evidence = keep("evidence", snapshot.evidence, lambda e: evidence_labels(e, nodes, schema), None)
    hypotheses = keep(
        "hypothesis",
        snapshot.hypotheses,
        lambda h: hypothesis_labels(h, nodes, schema),
        lambda h: (h.head, hypothesis_type(h, schema), h.tail),
    )
    checked = CheckedSnapshot(
        GraphSnapshot(
            nodes=tuple(nodes.values()), edges=tuple(edges), evidence=tuple(evidence), hypotheses=tuple(hypotheses)
        ),
        tuple(skipped),
    )
    if skipped:
        log.warning(
            "%s: skipped %d rows that do not fit the schema (%s); first: %s",
            what,
            len(skipped),
            ", ".join(f"{k} {n}" for k, n in checked.skipped_by_kind().items()),
            "; ".join(r.reason for r in skipped[:3]),
        )
    return checked


def evidence_id(ev: Evidence) -> str:
    """Stable id of an evidence row: a hash of triple, document, offsets and extractor.

    Returns:
        ``"EV:" + 32 hex characters``; the same evidence always gets the same id.
    """
    key = [
        ev.head,
        ev.type,
        ev.tail,
        ev.doc_id,
        ev.sentence_index,
        ev.head_start,
        ev.head_end,
        ev.tail_start,
        ev.tail_end,
        ev.extractor,
    ]
    digest = hashlib.sha256(json.dumps(key, separators=(",", ":")).encode("utf-8")).hexdigest()
    return "EV:" + digest[:32]


def _drop_none(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v is not None}


def node_props(node: Node) -> dict[str, Any]:
    """Properties of a node as stored (lists stay lists; ``label`` is the node label, not a property)."""
    return {
        "id": node.id,
        "name": node.name,
        "xrefs": list(node.xrefs),
        "sources": list(node.sources),
        "unlinked": node.unlinked,
    }


def edge_props(edge: Edge) -> dict[str, Any]:
    """Properties of an asserted edge as stored (``None`` values and empty ``subtypes`` are omitted)."""
    return _drop_none(
        {
            "sources": list(edge.sources),
            "evidence_count": edge.evidence_count,
            "doc_count": edge.doc_count,
            "confidence": edge.confidence,
            "best_confidence": edge.best_confidence,
            "extractors": list(edge.extractors),
            "model_versions": list(edge.model_versions),
            "non_asserted_count": edge.non_asserted_count,
            "first_seen": edge.first_seen,
            "last_seen": edge.last_seen,
            "subtype": edge.subtype,
            "subtypes": list(edge.subtypes) or None,
            "predicted": False,
        }
    )


def evidence_props(ev: Evidence) -> dict[str, Any]:
    """Properties of an ``(:Evidence)`` node (includes its stable ``id``; head/tail are relationships).

    ``subtype`` is omitted when None.
    """
    return _drop_none(
        {
            "id": evidence_id(ev),
            "rel_type": ev.type,
            "head": ev.head,
            "tail": ev.tail,
            "doc_id": ev.doc_id,
            "sentence_index": ev.sentence_index,
            "head_start": ev.head_start,
            "head_end": ev.head_end,
            "tail_start": ev.tail_start,
            "tail_end": ev.tail_end,
            "sentence": ev.sentence,
            "extractor": ev.extractor,
            "extractor_version": ev.extractor_version,
            "confidence": ev.confidence,
            "assertion": ev.assertion,
            "asserted": ev.asserted,
            "subtype": ev.subtype,
        }
    )


def explanation_json(hyp: Hypothesis) -> str:
    """The hypothesis explanation as a compact, key-sorted JSON string."""
    return json.dumps(
        [
            {"nodes": list(p.nodes), "relations": list(p.relations), "contribution": p.contribution}
            for p in hyp.explanation
        ],
        sort_keys=True,
        separators=(",", ":"),
    )


def support_paths(hyp: Hypothesis, nodes: Mapping[str, Node]) -> list[str]:
    """Readable strings for the explanation paths, e.g. ``"Aspirin [DRUGBANK:DB00945] -[TREATS]- ..."``.

    Relations are written undirected (``-[REL]-``) because a path may traverse an edge backwards.
    Each string ends with the path's contribution to the score.
    """
    out = []
    for path in hyp.explanation:

        def show(node_id: str) -> str:
            node = nodes.get(node_id)
            return f"{node.name} [{node_id}]" if node is not None and node.name else f"[{node_id}]"

        parts = [show(path.nodes[0])] if path.nodes else []
        for i, rel in enumerate(path.relations):
            nxt = path.nodes[i + 1] if i + 1 < len(path.nodes) else "?"
            parts.append(f"-[{rel}]- {show(nxt)}")
        out.append(" ".join(parts) + f" (contribution {path.contribution:.4g})")
    return out


def hypothesis_props(hyp: Hypothesis, nodes: Mapping[str, Node]) -> dict[str, Any]:
    """Properties of a predicted relationship (flagged ``predicted: true``)."""
    return {
        "score": hyp.score,
        "rank": hyp.rank,
        "model_version": hyp.model_version,
        "run_id": hyp.run_id,
        "explanation": explanation_json(hyp),
        "support_paths": support_paths(hyp, nodes),
        # the same paths as parallel lists Cypher can walk: node ids and relation types joined by "|"
        "path_nodes": ["|".join(p.nodes) for p in hyp.explanation],
        "path_relations": ["|".join(p.relations) for p in hyp.explanation],
        "path_contributions": [p.contribution for p in hyp.explanation],
        "predicted": True,
    }


# --------------------------------------------------------------------------------------------------
# NetworkX / GraphML
# --------------------------------------------------------------------------------------------------


def _flatten(props: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in props.items():
        if value is None:
            continue
        out[key] = LIST_JOIN.join(str(v) for v in value) if isinstance(value, (list, tuple)) else value
    return out


def to_networkx(snapshot: GraphSnapshot, schema: GraphSchema) -> nx.MultiDiGraph:
    """Build a MultiDiGraph of nodes, asserted edges and hypotheses.

    Node attributes: ``label``, ``name``, ``xrefs`` and ``sources`` (joined by ``|``), ``unlinked``.
    Edge key and ``type`` attribute: the relationship type; other attributes are the edge's or the
    hypothesis's properties (:func:`edge_props`, e.g. an ``INTERACTS_WITH``'s ``subtype`` and
    ``subtypes``) with lists joined by ``|`` and the explanation as a JSON string;
    ``predicted`` says whether the edge is a prediction. Evidence rows are not included.

    Raises:
        SchemaError: The snapshot does not fit the schema.
    """
    nodes = node_index(snapshot.nodes, schema)
    graph = nx.MultiDiGraph(schema_version=schema.version, biolink_version=schema.biolink_version)
    for node in nodes.values():
        props = _flatten(node_props(node))
        props.pop("id")
        graph.add_node(node.id, label=node.label, **props)
    for edge in snapshot.edges:
        edge_labels(edge, nodes, schema)
        graph.add_edge(edge.head, edge.tail, key=edge.type, type=edge.type, **_flatten(edge_props(edge)))
    for hyp in snapshot.hypotheses:
        rel, _, _ = hypothesis_labels(hyp, nodes, schema)
        graph.add_edge(hyp.head, hyp.tail, key=rel, type=rel, **_flatten(hypothesis_props(hyp, nodes)))
    return graph


def write_graphml(snapshot: GraphSnapshot, schema: GraphSchema, path: str | Path) -> Path:
    """Write the snapshot as GraphML (see :func:`to_networkx` for the attributes).

    Returns:
        The file written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    graph = to_networkx(snapshot, schema)
    nx.write_graphml(graph, out, named_key_ids=True)
    log.info("wrote GraphML %s (%d nodes, %d edges)", out, graph.number_of_nodes(), graph.number_of_edges())
    return out


# --------------------------------------------------------------------------------------------------
# RDF Turtle
# --------------------------------------------------------------------------------------------------


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
    from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef

    biolink = Namespace(BIOLINK_NS)
    medkg = Namespace(MEDKG_VOCAB_NS)
    nodes = node_index(snapshot.nodes, schema)
    g = Graph()
    g.bind("biolink", biolink)
    g.bind("medkg", medkg)
    g.bind("skos", SKOS)
    for prefix, ns in {**PREFIX_MAP, **(prefixes or {})}.items():
        g.bind(prefix.lower() if prefix != "MEDKG" else "medkglocal", Namespace(ns))

    def iri(curie: str, where: str) -> URIRef:
        try:
            return URIRef(expand_curie(curie, prefixes))
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None

    for node in nodes.values():
        subj = iri(node.id, f"node {node.id}")
        g.add((subj, RDF.type, biolink[_biolink_local(schema.nodes[node.label].biolink)]))
        g.add((subj, RDFS.label, Literal(node.name)))
        g.add((subj, biolink.id, Literal(node.id)))
        for xref in node.xrefs:
            g.add((subj, SKOS.exactMatch, iri(xref, f"xref of node {node.id}")))
        if node.unlinked:
            g.add((subj, medkg.unlinked, Literal(True)))

    def association(head: str, rel: str, tail: str) -> URIRef:
        assoc = URIRef(_association_iri(head, rel, tail))
        pred = biolink[_biolink_local(schema.relationships[rel].biolink)]
        g.add((assoc, RDF.type, biolink.Association))
        g.add((assoc, biolink.subject, iri(head, f"{rel} head")))
        g.add((assoc, biolink.predicate, pred))
        g.add((assoc, biolink.object, iri(tail, f"{rel} tail")))
        g.add((assoc, medkg.relationType, Literal(rel)))
        return assoc

    for edge in snapshot.edges:
        edge_labels(edge, nodes, schema)
        pred = biolink[_biolink_local(schema.relationships[edge.type].biolink)]
        g.add((iri(edge.head, "edge head"), pred, iri(edge.tail, "edge tail")))
        assoc = association(edge.head, edge.type, edge.tail)
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

    for hyp in snapshot.hypotheses:
        rel, _, _ = hypothesis_labels(hyp, nodes, schema)
        assoc = association(hyp.head, rel, hyp.tail)
        g.add((assoc, biolink.knowledge_level, Literal("prediction")))
        g.add((assoc, biolink.agent_type, Literal("computational_model")))
        g.add((assoc, medkg.predicted, Literal(True)))
        g.add((assoc, medkg.score, Literal(hyp.score, datatype=XSD.double)))
        g.add((assoc, medkg.rank, Literal(hyp.rank, datatype=XSD.integer)))
        g.add((assoc, medkg.model_version, Literal(hyp.model_version)))
        g.add((assoc, medkg.run_id, Literal(hyp.run_id)))
        g.add((assoc, medkg.explanation, Literal(explanation_json(hyp))))
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


# --------------------------------------------------------------------------------------------------
# neo4j-admin CSV
# --------------------------------------------------------------------------------------------------

_NODE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id:ID"),
    ("name", "name"),
    ("xrefs", "xrefs:string[]"),
    ("sources", "sources:string[]"),
    ("unlinked", "unlinked:boolean"),
)
_EDGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("sources", "sources:string[]"),
    ("evidence_count", "evidence_count:long"),
    ("doc_count", "doc_count:long"),
    ("confidence", "confidence:double"),
    ("best_confidence", "best_confidence:double"),
    ("extractors", "extractors:string[]"),
    ("model_versions", "model_versions:string[]"),
    ("non_asserted_count", "non_asserted_count:long"),
    ("first_seen", "first_seen"),
    ("last_seen", "last_seen"),
    ("subtype", "subtype"),
    ("subtypes", "subtypes:string[]"),
    ("predicted", "predicted:boolean"),
)
_HYPOTHESIS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("score", "score:double"),
    ("rank", "rank:long"),
    ("model_version", "model_version"),
    ("run_id", "run_id"),
    ("explanation", "explanation"),
    ("support_paths", "support_paths:string[]"),
    ("predicted", "predicted:boolean"),
)
_EVIDENCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id:ID"),
    ("rel_type", "rel_type"),
    ("head", "head"),
    ("tail", "tail"),
    ("doc_id", "doc_id"),
    ("sentence_index", "sentence_index:long"),
    ("head_start", "head_start:long"),
    ("head_end", "head_end:long"),
    ("tail_start", "tail_start:long"),
    ("tail_end", "tail_end:long"),
    ("sentence", "sentence"),
    ("extractor", "extractor"),
    ("extractor_version", "extractor_version"),
    ("confidence", "confidence:double"),
    ("assertion", "assertion"),
    ("asserted", "asserted:boolean"),
    ("subtype", "subtype"),
)


def _csv_cell(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        for item in value:
            if CSV_ARRAY_DELIMITER in str(item):
                raise ValueError(f"{where}: array value {item!r} contains the array delimiter {CSV_ARRAY_DELIMITER!r}")
        return CSV_ARRAY_DELIMITER.join(str(v) for v in value)
    return str(value)


def _csv_row(props: Mapping[str, Any], columns: Sequence[tuple[str, str]], where: str) -> list[str]:
    return [_csv_cell(props.get(key), f"{where} {key}") for key, _ in columns]


def neo4j_csv_tables(snapshot: GraphSnapshot, schema: GraphSchema) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Build the neo4j-admin import tables, keyed by file name.

    Nodes: ``<Label>.nodes.csv`` per schema label present, plus ``Evidence.nodes.csv``.
    Relationships: ``<TYPE>.relationships.csv`` per type present (asserted and predicted), plus
    ``SUBJECT``/``OBJECT`` files linking evidence to its head and tail. Rows are sorted for
    reproducible files.

    Returns:
        ``{file name: (header, rows)}`` with every cell a string.
    """
    nodes = node_index(snapshot.nodes, schema)
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    by_label: dict[str, list[list[str]]] = defaultdict(list)
    for node in nodes.values():
        by_label[node.label].append(_csv_row(node_props(node), _NODE_COLUMNS, f"node {node.id}") + [node.label])
    for label in sorted(by_label):
        tables[f"{label}.nodes.csv"] = ([h for _, h in _NODE_COLUMNS] + [":LABEL"], sorted(by_label[label]))

    by_type: dict[str, list[list[str]]] = defaultdict(list)
    headers: dict[str, list[str]] = {}
    for edge in snapshot.edges:
        edge_labels(edge, nodes, schema)
        where = f"edge {edge.head}-[{edge.type}]->{edge.tail}"
        by_type[edge.type].append([edge.head, edge.tail, edge.type] + _csv_row(edge_props(edge), _EDGE_COLUMNS, where))
        headers[edge.type] = [":START_ID", ":END_ID", ":TYPE"] + [h for _, h in _EDGE_COLUMNS]
    for hyp in snapshot.hypotheses:
        rel, _, _ = hypothesis_labels(hyp, nodes, schema)
        where = f"hypothesis {hyp.head}-[{rel}]->{hyp.tail}"
        props = hypothesis_props(hyp, nodes)
        by_type[rel].append([hyp.head, hyp.tail, rel] + _csv_row(props, _HYPOTHESIS_COLUMNS, where))
        headers[rel] = [":START_ID", ":END_ID", ":TYPE"] + [h for _, h in _HYPOTHESIS_COLUMNS]

    ev_rows: dict[str, list[str]] = {}
    for ev in snapshot.evidence:
        evidence_labels(ev, nodes, schema)
        props = evidence_props(ev)
        ev_rows[props["id"]] = _csv_row(props, _EVIDENCE_COLUMNS, f"evidence {props['id']}") + [EVIDENCE_LABEL]
        by_type[SUBJECT_REL].append([props["id"], ev.head, SUBJECT_REL])
        by_type[OBJECT_REL].append([props["id"], ev.tail, OBJECT_REL])
        headers[SUBJECT_REL] = headers[OBJECT_REL] = [":START_ID", ":END_ID", ":TYPE"]
    if ev_rows:
        tables[f"{EVIDENCE_LABEL}.nodes.csv"] = (
            [h for _, h in _EVIDENCE_COLUMNS] + [":LABEL"],
            [ev_rows[k] for k in sorted(ev_rows)],
        )
    for rel in sorted(by_type):
        rows = sorted({tuple(r): r for r in by_type[rel]}.values())  # duplicate evidence rows collapse
        tables[f"{rel}.relationships.csv"] = (headers[rel], rows)
    return tables


def neo4j_import_command(files: Iterable[str], database: str = "neo4j") -> list[str]:
    """The ``neo4j-admin database import full`` argument list for the given CSV file names."""
    names = sorted(files)
    # The database name goes right after "full": --nodes/--relationships take a variable number of
    # files, so a trailing positional argument would be read as one more file.
    cmd = [
        "neo4j-admin",
        "database",
        "import",
        "full",
        database,
        f"--array-delimiter={CSV_ARRAY_DELIMITER}",
        "--delimiter=,",
        '--quote="',
        "--id-type=string",
        "--multiline-fields=true",
        "--overwrite-destination=true",
    ]
    cmd += [f"--nodes={n}" for n in names if n.endswith(".nodes.csv")]
    cmd += [f"--relationships={n}" for n in names if n.endswith(".relationships.csv")]
    return cmd


def write_neo4j_csv(snapshot: GraphSnapshot, schema: GraphSchema, out_dir: str | Path) -> list[Path]:
    """Write CSV files for ``neo4j-admin database import full`` and an ``import.sh`` that runs it.

    The script must be run from anywhere with neo4j-admin on PATH and the database stopped; it
    changes into its own directory, so the CSV paths are relative. ``NEO4J_DATABASE`` picks the
    target database (default ``neo4j``).

    Returns:
        The files written (CSV files, then ``import.sh``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = neo4j_csv_tables(snapshot, schema)
    written = []
    for name, (header, rows) in tables.items():
        path = out / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=",", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)
    cmd = neo4j_import_command(tables, database="__DATABASE__")
    args = " \\\n  ".join('"${NEO4J_DATABASE:-neo4j}"' if a == "__DATABASE__" else shlex.quote(a) for a in cmd)
    script = out / "import.sh"
    script.write_text(
        "#!/bin/sh\n"
        "# Bulk-import this medkg export into an empty, stopped Neo4j 5 database.\n"
        "# Generated by kg.export.write_neo4j_csv; the CSV files sit next to this script.\n"
        "set -eu\n"
        'cd "$(dirname "$0")"\n'
        f"{args}\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    written.append(script)
    log.info("wrote %d neo4j-admin CSV files to %s", len(tables), out)
    return written


# --------------------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------------------


def export_snapshot(snapshot: GraphSnapshot, schema: GraphSchema, fmt: str, out: str | Path) -> list[Path]:
    """Export ``snapshot`` in format ``fmt`` into the folder ``out`` (``medkg.ttl``, ``medkg.graphml``, or CSVs).

    Rows that do not fit the schema are skipped and logged (:func:`check_snapshot`); use
    :func:`export_checked` to get their count.

    Returns:
        The files written.

    Raises:
        ValueError: ``fmt`` is not one of :data:`FORMATS`.
    """
    return export_checked(snapshot, schema, fmt, out)[0]


def export_checked(
    snapshot: GraphSnapshot, schema: GraphSchema, fmt: str, out: str | Path
) -> tuple[list[Path], CheckedSnapshot]:
    """As :func:`export_snapshot`, also returning the checked snapshot (what was skipped, and why).

    Raises:
        ValueError: ``fmt`` is not one of :data:`FORMATS` (checked before anything is read or written).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    checked = check_snapshot(snapshot, schema, what=f"export {fmt}")
    clean = checked.snapshot
    if fmt == "ttl":
        return [write_turtle(clean, schema, Path(out) / "medkg.ttl")], checked
    if fmt == "graphml":
        return [write_graphml(clean, schema, Path(out) / "medkg.graphml")], checked
    return write_neo4j_csv(clean, schema, out), checked
