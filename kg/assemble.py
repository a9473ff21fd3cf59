"""Assembly: linked mentions and relation mentions -> nodes, evidence records and aggregated edges.

Pure functions. An edge aggregates its *asserted* evidence: counts, distinct documents, best
confidence and a noisy-or confidence ``1 - prod(1 - c_i)``; evidence whose argument is negated,
possible, hypothetical or family history is kept (with its status) but never asserts the edge.
A subtyped relationship (``INTERACTS_WITH``: the DDI class mechanism / effect / advise / int)
gets ``subtypes``, its asserted evidence's subtypes by summed confidence, and ``subtype``, the
first of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kg.ids import local_id, normalize
from kg.schema import GraphSchema
from kg.types import Edge, Evidence, Mention, Node, QuarantineRecord, RelationMention


def node_id(mention: Mention, schema: GraphSchema) -> str:
    """The node id of a mention: its CURIE, or a stable local NIL id."""
    if mention.curie:
        return mention.curie
    return local_id(mention.label, mention.long_form or mention.text, prefix=schema.local_prefix)


def mention_node(mention: Mention, schema: GraphSchema) -> Node:
    """The node a mention stands for (unlinked mentions get a flagged local node)."""
    nid = node_id(mention, schema)
    if mention.curie:
        schema.resolve_label(nid, [mention.label])  # raises when no label allows the id's prefix
        name = mention.concept_name or mention.text
    else:
        name = normalize(mention.long_form or mention.text)
    return Node(
        id=nid,
        label=mention.label,
        name=name,
        xrefs=tuple(mention.xrefs) if mention.curie else (),
        sources=("text",),
        unlinked=mention.curie is None,
    )


def canonical_pair(head: str, rel: str, tail: str, schema: GraphSchema) -> tuple[str, str]:
    """Order the ends of a symmetric relationship so A-B and B-A are one edge."""
    spec = schema.relationships[rel]
    if spec.symmetric and tail < head:
        return tail, head
    return head, tail


def canonical_edges(edges: Sequence[Edge], schema: GraphSchema) -> list[Edge]:
    """Order the ends of symmetric edges as text-mined edges are ordered, so both meet on one key."""
    out = []
    for e in edges:
        head, tail = canonical_pair(e.head, e.type, e.tail, schema)
        out.append(e if head == e.head else e.model_copy(update={"head": head, "tail": tail}))
    return out


def evidence_for(relation: RelationMention, schema: GraphSchema) -> Evidence:
    """The provenance record of one relation mention.

    ``relation.sentence`` is taken as it is: the pipeline's redaction stage has already replaced
    its PHI spans, found once per document (:func:`kg.pipeline.redacted_sentence`).

    Raises:
        SchemaError: The relation carries a subtype its type does not have (the message names the
            document and sentence).
    """
    h, t = relation.head, relation.tail
    schema.check_subtype(
        relation.type, relation.subtype, f"document {h.doc_id!r} sentence {h.sentence_index} {relation.type}"
    )
    hid, tid = canonical_pair(node_id(h, schema), relation.type, node_id(t, schema), schema)
    if hid != node_id(h, schema):
        h, t = t, h
    return Evidence(
        head=hid,
        type=relation.type,
        tail=tid,
        doc_id=h.doc_id,
        sentence_index=h.sentence_index,
        head_start=h.start,
        head_end=h.end,
        tail_start=t.start,
        tail_end=t.end,
        sentence=relation.sentence,
        extractor=relation.extractor,
        extractor_version=relation.extractor_version,
        confidence=relation.confidence,
        assertion=relation.assertion,
        asserted=relation.asserted,
        subtype=relation.subtype,
    )


def signature_violation(head: str, rel: str, tail: str, labels: Mapping[str, str], schema: GraphSchema) -> str | None:
    """Why ``head -[rel]-> tail`` may not enter the graph, or None when the schema allows it.

    ``labels`` maps node ids to their resolved labels (:func:`resolve_labels`). The reason names
    only ids, labels and the type, never text, so it can be stored and logged.
    """
    if rel not in schema.relationships:
        return f"{head} -[{rel}]-> {tail}: unknown relationship type; known: {sorted(schema.relationships)}"
    if schema.relationships[rel].predicted:
        return f"{head} -[{rel}]-> {tail}: a predicted type cannot be asserted"
    for end in (head, tail):
        if end not in labels:
            return f"{head} -[{rel}]-> {tail}: node {end} has no label"
    error = schema.signature_error(labels[head], rel, labels[tail])
    return f"{head} -[{rel}]-> {tail}: {error}" if error else None


def resolve_labels(nodes: Iterable[Node], known: Mapping[str, str], schema: GraphSchema) -> dict[str, str]:
    """The label each node id will have in the graph: one node per id, its label decided by the schema.

    A node already in the store (a curated seed node, or a text-mined node of an earlier run) keeps
    its stored label, exactly as the store's upsert does. A new node's label is
    :meth:`GraphSchema.resolve_label` of the labels its mentions carry: the id's namespace when it
    allows one label, else the schema's ``label_precedence`` (never the order of the mentions).

    Args:
        nodes: The text-mined nodes (one per mention).
        known: ``{node id: label}`` of the nodes the store already holds.
        schema: The graph schema.
    """
    seen: dict[str, list[str]] = {}
    for node in nodes:
        seen.setdefault(node.id, []).append(node.label)
    return {nid: known[nid] if nid in known else schema.resolve_label(nid, labs) for nid, labs in seen.items()}


def check_evidence(
    evidence: Sequence[Evidence], labels: Mapping[str, str], schema: GraphSchema
) -> tuple[list[Evidence], list[QuarantineRecord]]:
    """Split evidence into what the schema allows and quarantine records for the rest.

    A text-mined relation whose ends resolve to labels the schema does not allow for its type (e.g.
    a ``HAS_SYMPTOM`` whose head is a seed ``Symptom`` node) never enters the store: it is
    quarantined with its reason (document, sentence, ids and labels; no text).
    """
    kept: list[Evidence] = []
    rejected: list[QuarantineRecord] = []
    for ev in evidence:
        reason = signature_violation(ev.head, ev.type, ev.tail, labels, schema)
        if reason is None:
            kept.append(ev)
        else:
            rejected.append(
                QuarantineRecord(
                    source=ev.doc_id, location=f"sentence {ev.sentence_index}", reason=f"relation {reason}"
                )
            )
    return kept, rejected


@dataclass(frozen=True)
class EvidenceRow:
    """Evidence as read back from a store, with the time it was first recorded."""

    evidence: Evidence
    seen_at: str


def aggregate_edge(
    head: str, rel: str, tail: str, rows: Iterable[EvidenceRow], seed_sources: Iterable[str] = ()
) -> Edge | None:
    """Aggregate the evidence of one (head, rel, tail) key; None when nothing asserts it.

    ``subtypes`` are ranked by the summed confidence of the asserted evidence that carries each
    (ties by name); evidence without a subtype and non-asserted evidence do not vote.
    """
    rows = list(rows)
    asserted = [r for r in rows if r.evidence.asserted]
    seeds = sorted(set(seed_sources))
    if not asserted and not seeds:
        return None
    confs = [r.evidence.confidence for r in asserted]
    noisy_or = 1.0 - math.prod(1.0 - c for c in confs) if confs else 0.0
    seen = sorted(r.seen_at for r in asserted)
    by_subtype: dict[str, list[float]] = {}
    for r in asserted:
        if r.evidence.subtype is not None:
            by_subtype.setdefault(r.evidence.subtype, []).append(r.evidence.confidence)
    # fsum is exact, so the order of the rows never changes the ranking
    subtypes = sorted(by_subtype, key=lambda s: (-math.fsum(by_subtype[s]), s))
    return Edge(
        head=head,
        type=rel,
        tail=tail,
        sources=tuple(seeds + (["text"] if asserted else [])),
        evidence_count=len(asserted),
        doc_count=len({r.evidence.doc_id for r in asserted}),
        confidence=1.0 if seeds else round(noisy_or, 6),
        best_confidence=1.0 if seeds else max(confs),
        extractors=tuple(sorted({r.evidence.extractor for r in asserted})),
        model_versions=tuple(sorted({f"{r.evidence.extractor}@{r.evidence.extractor_version}" for r in asserted})),
        non_asserted_count=len(rows) - len(asserted),
        first_seen=seen[0] if seen else None,
        last_seen=seen[-1] if seen else None,
        subtype=subtypes[0] if subtypes else None,
        subtypes=tuple(subtypes),
    )
