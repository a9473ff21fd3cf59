"""Graph snapshot -> validated property rows: the one graph model the Neo4j store and every export share.

Checks a :class:`~kg.types.GraphSnapshot` against the schema (:func:`node_index`, :func:`edge_labels`,
:func:`hypothesis_labels`, :func:`evidence_labels`, :func:`check_snapshot`) and turns its objects into
property rows (:func:`node_props`, :func:`edge_props`, :func:`evidence_props`, :func:`hypothesis_props`).
The Neo4j store writes these rows and the neo4j-admin CSV export writes the same rows, so an admin
import and a driver load give the same graph. Pure: no I/O, no format.

Rows carry only what is in the snapshot. ``Evidence.sentence`` is scrubbed upstream; no document text
is ever added here.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kg.logs import get_logger
from kg.schema import GraphSchema, SchemaError
from kg.types import Edge, Evidence, GraphSnapshot, Hypothesis, Node

log = get_logger(__name__)

#: Label and relationship types the store and the CSV export add beside the schema's own.
EVIDENCE_LABEL = "Evidence"
SUBJECT_REL = "SUBJECT"
OBJECT_REL = "OBJECT"


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
    error = schema.signature_error(hl, rel, tl)
    if error:
        raise SchemaError(f"{what} {head} -[{rel}]-> {tail}: {error}")
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
            {
                "nodes": list(p.nodes),
                "relations": list(p.relations),
                "contribution": p.contribution,
                **({"metapath": p.metapath} if p.metapath else {}),
                **({"against": True} if p.against else {}),
            }
            for p in hyp.explanation
        ],
        sort_keys=True,
        separators=(",", ":"),
    )


def support_paths(hyp: Hypothesis, nodes: Mapping[str, Node]) -> list[str]:
    """Readable strings for the explanation paths, e.g. ``"Aspirin [DRUGBANK:DB00945] -[TREATS]- ..."``.

    Relations are written undirected (``-[REL]-``) because a path may traverse an edge backwards.
    Each string ends with the path's contribution to the score. A ``;`` in a node name (OMIM
    titles list synonyms that way) is shown as ``,``: the strings are a list property, and ``;`` is
    the list delimiter of ``neo4j-admin`` imports, which has no escape. The exact path is in the
    hypothesis's ``explanation``.
    """
    out = []
    for path in hyp.explanation:

        def show(node_id: str) -> str:
            node = nodes.get(node_id)
            if node is None or not node.name:
                return f"[{node_id}]"
            return f"{node.name.replace(';', ',')} [{node_id}]"

        parts = [show(path.nodes[0])] if path.nodes else []
        for i, rel in enumerate(path.relations):
            nxt = path.nodes[i + 1] if i + 1 < len(path.nodes) else "?"
            parts.append(f"-[{rel}]- {show(nxt)}")
        kind = ("AGAINST " if path.against else "") + (f"{path.metapath}: " if path.metapath else "")
        out.append(kind + " ".join(parts) + f" (contribution {path.contribution:.4g})")
    return out


def hypothesis_props(hyp: Hypothesis, nodes: Mapping[str, Node]) -> dict[str, Any]:
    """Properties of a predicted relationship (flagged ``predicted: true``)."""
    return {
        "score": hyp.score,
        "rank": hyp.rank,
        "model_version": hyp.model_version,
        "run_id": hyp.run_id,
        "explanation": explanation_json(hyp),
        "note": hyp.note,
        "support_paths": support_paths(hyp, nodes),
        # the same paths as parallel lists Cypher can walk: node ids and relation types joined by "|"
        "path_nodes": ["|".join(p.nodes) for p in hyp.explanation],
        "path_relations": ["|".join(p.relations) for p in hyp.explanation],
        "path_contributions": [p.contribution for p in hyp.explanation],
        "predicted": True,
    }
