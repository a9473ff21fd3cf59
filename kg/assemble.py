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
from collections.abc import Iterable
from dataclasses import dataclass

from kg.lexicon import normalize
from kg.linking import local_id
from kg.privacy import scrub
from kg.schema import GraphSchema
from kg.types import Edge, Evidence, Mention, Node, RelationMention


def node_id(mention: Mention, schema: GraphSchema) -> str:
    """The node id of a mention: its CURIE, or a stable local NIL id."""
    if mention.curie:
        return mention.curie
    return local_id(mention.label, mention.long_form or mention.text, prefix=schema.local_prefix)


def mention_node(mention: Mention, schema: GraphSchema) -> Node:
    """The node a mention stands for (unlinked mentions get a flagged local node)."""
    nid = node_id(mention, schema)
    if mention.curie:
        schema.check_node_id(mention.label, nid)
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


def evidence_for(relation: RelationMention, schema: GraphSchema) -> Evidence:
    """The provenance record of one relation mention; the sentence is scrubbed of PHI.

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
        sentence=scrub(relation.sentence),
        extractor=relation.extractor,
        extractor_version=relation.extractor_version,
        confidence=relation.confidence,
        assertion=relation.assertion,
        asserted=relation.asserted,
        subtype=relation.subtype,
    )


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
