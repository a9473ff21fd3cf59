"""Typed data passed between medkg stages.

The flow is one way: text -> Document -> Mention -> (linked) Mention -> RelationMention ->
Evidence / Edge -> graph -> Hypothesis. Every model is frozen and rejects unknown fields, so a
stage cannot smuggle extra state to the next one.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

EntityLabel = Literal["Drug", "Disease", "Symptom"]
ENTITY_LABELS: tuple[str, ...] = ("Drug", "Disease", "Symptom")

Assertion = Literal["present", "negated", "possible", "family", "historical", "hypothetical"]
ASSERTIONS: tuple[str, ...] = ("present", "negated", "possible", "family", "historical", "hypothetical")
#: Assertion statuses under which a mention may support an asserted edge.
ASSERTED_STATUSES: frozenset[str] = frozenset({"present", "historical"})


#: Where a document says its kind (``Document.metadata[KIND_KEY]``), and the kinds: clinical notes and
#: abstracts get different NER and relation handling (issue 19). Ingest marks every document it reads
#: (``ingest.document_kind``, default ``note``); the abstract corpora's readers mark theirs ``abstract``.
KIND_KEY = "document_kind"
DocumentKind = Literal["abstract", "note"]
DOCUMENT_KINDS: tuple[str, ...] = get_args(DocumentKind)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Document(_Frozen):
    """One input text. ``id`` is the user's id or a content hash; ``source`` names file and line."""

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    source: str = ""
    metadata: dict[str, str] = Field(default_factory=dict)


class QuarantineRecord(_Frozen):
    """An input record that was not processed, with the reason. Never holds the record's text."""

    source: str
    location: str
    reason: str


class Sentence(_Frozen):
    """A sentence span of a document, character offsets into ``Document.text`` (end exclusive)."""

    doc_id: str
    index: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Mention(_Frozen):
    """An entity mention with offsets into its document (end exclusive) and its linking result."""

    doc_id: str
    sentence_index: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(gt=0)
    text: str
    label: EntityLabel
    assertion: Assertion = "present"
    confidence: float = Field(ge=0.0, le=1.0)
    extractor: str
    extractor_version: str
    long_form: str | None = None
    curie: str | None = None
    concept_name: str | None = None
    link_score: float | None = None
    xrefs: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check_span(self) -> Mention:
        if self.end <= self.start:
            raise ValueError(f"mention end {self.end} must be after start {self.start}")
        return self

    @property
    def asserted(self) -> bool:
        """Whether this mention may support an asserted fact."""
        return self.assertion in ASSERTED_STATUSES


class RelationMention(_Frozen):
    """A relation between two mentions of one document, with its evidence sentence.

    ``subtype`` is the finer class of relationship types whose schema lists subtypes (the DDI 2013
    class of an ``INTERACTS_WITH``: mechanism, effect, advise or int); None where the extractor has
    none (the ``rules``). Assembly checks it against the schema.
    """

    head: Mention
    tail: Mention
    type: str
    confidence: float = Field(ge=0.0, le=1.0)
    extractor: str
    extractor_version: str
    sentence: str
    subtype: str | None = None

    @property
    def asserted(self) -> bool:
        """A relation is asserted only when both arguments are asserted."""
        return self.head.asserted and self.tail.asserted

    @property
    def assertion(self) -> str:
        """The weakest assertion of the two arguments ('present' only if both are)."""
        for m in (self.head, self.tail):
            if not m.asserted:
                return m.assertion
        return "historical" if "historical" in (self.head.assertion, self.tail.assertion) else "present"


class Node(_Frozen):
    """A graph node. ``id`` is the normalized CURIE; names and synonyms are properties."""

    id: str
    label: str
    name: str
    xrefs: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    unlinked: bool = False


class Evidence(_Frozen):
    """Mention-level provenance of one triple. ``sentence`` is the scrubbed evidence sentence.

    ``subtype``: the relation mention's subtype (see :class:`RelationMention`), or None.
    """

    head: str
    type: str
    tail: str
    doc_id: str
    sentence_index: int
    head_start: int
    head_end: int
    tail_start: int
    tail_end: int
    sentence: str
    extractor: str
    extractor_version: str
    confidence: float
    assertion: str
    asserted: bool
    subtype: str | None = None


class Edge(_Frozen):
    """An aggregated edge between two node ids.

    ``subtypes``: the distinct subtypes of its asserted evidence, by summed evidence confidence,
    highest first (ties by name); ``subtype`` is the first of them, None when there are none.
    """

    head: str
    type: str
    tail: str
    sources: tuple[str, ...] = ()
    evidence_count: int = 0
    doc_count: int = 0
    confidence: float = 1.0
    best_confidence: float = 1.0
    extractors: tuple[str, ...] = ()
    model_versions: tuple[str, ...] = ()
    non_asserted_count: int = 0
    first_seen: str | None = None
    last_seen: str | None = None
    subtype: str | None = None
    subtypes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check_subtypes(self) -> Edge:
        if len(set(self.subtypes)) != len(self.subtypes):
            raise ValueError(f"edge {self.head} -[{self.type}]-> {self.tail}: subtypes {self.subtypes} repeat a value")
        if self.subtype != (self.subtypes[0] if self.subtypes else None):
            raise ValueError(
                f"edge {self.head} -[{self.type}]-> {self.tail}: subtype {self.subtype!r} must be the first of"
                f" subtypes {list(self.subtypes)} (None when there are none)"
            )
        return self


class PathContribution(_Frozen):
    """One graph path of a hypothesis: node ids, relation types, and its share of the supporting paths' weight.

    ``metapath`` names the allowed metapath the path follows (e.g. ``CbGaD``; ``""`` in stores written
    before the metapath rules); ``against`` marks contrary evidence (a drug that CAUSES the disease), never
    a reason for the hypothesis, with contribution 0.
    """

    nodes: tuple[str, ...]
    relations: tuple[str, ...]
    contribution: float
    metapath: str = ""
    against: bool = False


class Hypothesis(_Frozen):
    """A scored link-prediction hypothesis (never an asserted fact)."""

    head: str
    type: str
    tail: str
    score: float
    rank: int = Field(ge=1)
    model_version: str
    run_id: str
    explanation: tuple[PathContribution, ...] = ()
    #: ``no supporting path`` when no allowed metapath joins head and tail, contrary evidence found
    #: (``evidence against (CcD): ...``), or why it was not explained; empty otherwise.
    note: str = ""


class PathView(_Frozen):
    """An explaining path as a reader sees it: ids with names and labels, its metapath and its share.

    ``metapath`` alternates node labels and relation types, e.g. ``Drug-BINDS-Gene-ASSOCIATED_WITH-Disease``
    (an edge may be walked against its direction); ``contribution`` is ``None`` when none was stored.
    """

    nodes: tuple[str, ...]
    names: tuple[str, ...]
    labels: tuple[str, ...]
    relations: tuple[str, ...]
    metapath: str
    contribution: float | None = None
    #: the allowed metapath's name (``CbGaD``; empty for a path stored before the metapath rules).
    metapath_name: str = ""
    #: contrary evidence (e.g. the drug CAUSES the disease), never a reason for the hypothesis.
    against: bool = False


class HypothesisView(_Frozen):
    """A stored hypothesis as a reader sees it (``medkg hypotheses``).

    ``rank`` is the position in the listing (1 = best score of its type); ``group_rank`` is the stored
    rank among the candidates of its group node (per disease for TREATS, per disease for HAS_SYMPTOM).
    """

    type: str
    head: str
    tail: str
    head_name: str
    tail_name: str
    score: float
    rank: int = Field(ge=1)
    group_rank: int = Field(ge=1)
    model_version: str
    run_id: str
    paths: tuple[PathView, ...] = ()
    note: str = ""


class GraphSnapshot(_Frozen):
    """The whole graph as held by a store: nodes, asserted edges, provenance and predictions."""

    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    hypotheses: tuple[Hypothesis, ...] = ()


class BuildReport(_Frozen):
    """What one build run produced."""

    documents: int
    skipped_documents: int
    mentions: int
    triples: int
    nodes: int
    edges: int
    quarantined: int
    nodes_by_label: dict[str, int]
    edges_by_type: dict[str, int]
    quarantine: tuple[QuarantineRecord, ...] = ()
    #: Input records that did not land: quarantined at ingest, or a text stage raised on them.
    failed: int = 0
    hypotheses: tuple[Hypothesis, ...] = ()
    node_names: dict[str, str] = Field(default_factory=dict)
    run_id: str = ""
    #: Documents taken out of the store because they were gone from the inputs (``run.retract_missing``).
    retracted: int = 0
