"""The build pipeline: documents -> mentions -> linked entities -> relations -> graph -> hypotheses.

``build`` is the one library entry point behind ``medkg build`` and ``medkg demo``; notebooks and
schedulers (pipelines/) call the same function. Every stage is found through a registry, so a
trained model replaces an extractor by name in the config.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import ChainMap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import kg
from kg.assemble import check_evidence, evidence_for, mention_node, node_id, resolve_labels
from kg.assertion import default_annotator
from kg.config import MedkgConfig
from kg.hashing import file_sha256, json_digest
from kg.io.ingest import ReadOptions, read_inputs
from kg.isolation import StageError, in_stage, run_isolated
from kg.linking import LINKER_REGISTRY  # importing kg.linking registers the built-in linkers
from kg.logs import get_logger
from kg.ner import create_ner
from kg.nlp import AnalyzedDocument, analyze
from kg.packaged import DEMO_PACKAGE, packaged_dir
from kg.privacy import PhiSpan, find_phi, overlaps_phi, scrub
from kg.privacy.pseudonyms import pseudonymizer
from kg.privacy.redact import redact_slice, touches_phi
from kg.relations import RELATION_REGISTRY
from kg.schema import GraphSchema, load_schema
from kg.seed.loading import load_seeds
from kg.store.sqlite import DocumentWrite, SqliteStore
from kg.types import BuildReport, Document, Hypothesis, Mention, Node, QuarantineRecord, RelationMention

log = get_logger(__name__)

#: ``data/demo/notes.jsonl``, shipped in the package as ``kg._demo`` (see :mod:`kg.packaged`).
DEMO_CORPUS = packaged_dir(DEMO_PACKAGE) / "notes.jsonl"
RESOURCES = Path(__file__).resolve().parent / "resources"


@dataclass
class DocState:
    """One document on its way through the text stages; each stage fills in its part.

    Attributes:
        analyzed: The tokenized document (spaCy doc, sentences).
        mentions: Entity mentions: found by NER, then filtered, asserted and linked.
        relations: Relation mentions between them.
        phi: The document's PHI spans, found once by the privacy stage; every string that leaves
            the document (evidence sentences, long forms) is redacted by these offsets.
        dropped_as_phi: Mentions the privacy stage removed because they overlap a PHI span.
    """

    analyzed: AnalyzedDocument
    mentions: list[Mention] = field(default_factory=list)
    relations: list[RelationMention] = field(default_factory=list)
    phi: list[PhiSpan] = field(default_factory=list)
    dropped_as_phi: int = 0


#: A text stage: takes a batch of documents and returns the batch with its results filled in. Every
#: stage has this one interface, so a loop, a process pool or a distributed engine drives any stage
#: (or the whole chain) the same way.
Stage = Callable[[list[DocState]], list[DocState]]
#: Documents per batch that ``build`` hands to :meth:`TextPipeline.run`.
BATCH_SIZE = 32
#: The text stages in the order :class:`TextPipeline` runs them.
STAGES: tuple[str, ...] = ("ner", "privacy", "assertion", "linking", "relations", "redaction")


@dataclass
class TextPipeline:
    """The text stages, built once per run from the config's registry names.

    This is the one place that wires the stages together: ``build`` runs it, and so should every
    evaluation that means to measure what ``build`` runs.
    """

    schema: GraphSchema
    config: MedkgConfig

    # Components are built on first use, so a run of the first stages (an NER evaluation) never
    # loads the linker's index or the relation models.
    @cached_property
    def ner(self) -> Any:
        """The NER extractor named by ``config.ner``."""
        return create_ner(self.config.ner.name, **self.config.ner.params)

    @cached_property
    def linker(self) -> Any:
        """The linker named by ``config.linker``."""
        return LINKER_REGISTRY.create(self.config.linker.name, **self.config.linker.params)

    @cached_property
    def relations(self) -> Any:
        """The relation extractor named by ``config.relations``."""
        return RELATION_REGISTRY.create(self.config.relations.name, schema=self.schema, **self.config.relations.params)

    @cached_property
    def assertion(self) -> Any:
        """The assertion annotator (ConText rules)."""
        return default_annotator()

    @property
    def key(self) -> str:
        """Fingerprint of everything that changes the output for a given text."""
        rule_files = (
            sorted(RESOURCES.glob("*.yaml")) + sorted(RESOURCES.glob("*.txt")) + sorted(RESOURCES.glob("*.tsv"))
        )
        lexicon = RESOURCES / "lexicon.tsv.gz"
        return json_digest(
            kg.__version__,
            self.schema.version,
            self.config.ner.model_dump(),
            getattr(self.ner, "version", ""),
            self.config.linker.model_dump(),
            getattr(self.linker, "version", ""),
            self.config.relations.model_dump(),
            getattr(self.relations, "version", ""),
            [file_sha256(p) for p in rule_files],
            file_sha256(lexicon) if lexicon.exists() else "",
        )

    # -- the stages, one batch interface ------------------------------------------------------
    def stage(self, name: str) -> Stage:
        """The stage called ``name`` (one of :data:`STAGES`).

        Raises:
            ValueError: Unknown stage name (the message lists the known ones).
        """
        stages: dict[str, Stage] = {
            "ner": self._ner,
            "privacy": self._privacy,
            "assertion": self._assertion,
            "linking": self._linking,
            "relations": self._relations,
            "redaction": self._redaction,
        }
        if name not in stages:
            raise ValueError(f"unknown text stage {name!r}; known: {', '.join(STAGES)}")
        return stages[name]

    def _ner(self, batch: list[DocState]) -> list[DocState]:
        for state in batch:
            state.mentions = self.ner(state.analyzed)
        return batch

    def _privacy(self, batch: list[DocState]) -> list[DocState]:
        """Find the document's PHI spans once; mentions overlapping them never go further.

        A long form (the expansion of an abbreviation, which names the node of an unlinked
        mention) that touches a PHI span is dropped from its mention.
        """
        for state in batch:
            text = state.analyzed.document.text
            state.phi = find_phi(text)
            kept = [m for m in state.mentions if not overlaps_phi(m.start, m.end, state.phi)]
            state.dropped_as_phi += len(state.mentions) - len(kept)
            state.mentions = [
                m.model_copy(update={"long_form": None})
                if m.long_form and touches_phi(m.long_form, text, state.phi)
                else m
                for m in kept
            ]
        return batch

    def _assertion(self, batch: list[DocState]) -> list[DocState]:
        for state in batch:
            state.mentions = self.assertion(state.analyzed, state.mentions)
        return batch

    def _linking(self, batch: list[DocState]) -> list[DocState]:
        for state in batch:
            state.mentions = self.linker(state.mentions)
        return batch

    def _relations(self, batch: list[DocState]) -> list[DocState]:
        for state in batch:
            state.relations = self.relations(state.analyzed, state.mentions)
        return batch

    def _redaction(self, batch: list[DocState]) -> list[DocState]:
        """Evidence sentences, redacted by the document's PHI spans (found once, by offset)."""
        for state in batch:
            state.relations = [r.model_copy(update={"sentence": redacted_sentence(state, r)}) for r in state.relations]
        return batch

    def run(self, documents: Sequence[Document], until: str | None = None) -> list[DocState]:
        """Run the stages over a batch of documents, in :data:`STAGES` order.

        Args:
            documents: The batch.
            until: Stop after this stage (e.g. ``"ner"`` to measure NER as ``build`` runs it).

        Raises:
            StageError: A stage raised; it names the stage and the exception's type.
        """
        if until is not None and until not in STAGES:
            raise ValueError(f"unknown text stage {until!r}; known: {', '.join(STAGES)}")
        batch = in_stage("analyze", lambda docs: [DocState(analyze(d)) for d in docs], documents)
        for name in STAGES:
            batch = in_stage(name, self.stage(name), batch)
            if name == until:
                break
        return batch

    def process(self, document: Document) -> tuple[list[Mention], list[RelationMention], int]:
        """Run every stage on one document.

        Returns:
            (mentions, relation mentions, number of mentions dropped because they overlap PHI).
        """
        (state,) = self.run([document])
        return state.mentions, state.relations, state.dropped_as_phi


def redacted_sentence(state: DocState, relation: RelationMention) -> str:
    """``relation.sentence`` with the document's PHI spans replaced, located by its offsets in the document.

    The sentence is a slice of the head's sentence (or, failing that, of the document); a sentence
    that is not a slice of the document at all is scrubbed on its own.
    """
    text = state.analyzed.document.text
    sentence = relation.sentence
    sents = state.analyzed.sentences
    idx = relation.head.sentence_index
    base = sents[idx].start if 0 <= idx < len(sents) else 0
    start = text.find(sentence, base)
    if start < 0:
        start = text.find(sentence)
    if start < 0 or not sentence:
        return scrub(sentence)
    return redact_slice(text, state.phi, start, start + len(sentence))


@dataclass
class TextOutcome:
    """What the text stages gave for the changed documents of a build, ready for the store.

    Attributes:
        writes: One store write per document (its mentions with node ids, its evidence).
        nodes: Node id -> the node its first mention made.
        labels: Node id -> the label it has (or will have) in the store.
        refused: Relations quarantined because their ends' labels form a forbidden signature.
        failed: Documents quarantined because a stage raised on them (the stage and exception type).
        mentions: Mentions written.
        triples: Evidence rows written.
        dropped_as_phi: Mentions dropped because they overlap PHI.
        relabelled: Mentions whose node took another label than theirs (the schema resolved a
            label conflict: the id's namespace, or the schema's label precedence).
    """

    writes: list[DocumentWrite] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    refused: list[QuarantineRecord] = field(default_factory=list)
    failed: list[QuarantineRecord] = field(default_factory=list)
    mentions: int = 0
    triples: int = 0
    dropped_as_phi: int = 0
    relabelled: int = 0

    def add(self, doc: Document, content_hash: str, done: DocState, store: SqliteStore, schema: GraphSchema) -> None:
        """Turn one processed document into nodes, checked evidence and its store write."""
        # Everything is computed before anything is kept, so a document that fails here adds nothing.
        mentions, relations = done.mentions, done.relations
        doc_nodes = [mention_node(m, schema) for m in mentions]
        stored = store.node_labels({n.id for n in doc_nodes} - self.labels.keys())
        labels = self.labels | resolve_labels(doc_nodes, ChainMap(self.labels, stored), schema)
        evidence, refused = check_evidence([evidence_for(r, schema) for r in relations], labels, schema)
        write = DocumentWrite(doc.id, content_hash, [(m, node_id(m, schema)) for m in mentions], evidence)
        self.labels = labels
        relabelled = {n.id: n.label for n in doc_nodes if n.label != labels[n.id]}
        if relabelled:
            log.debug("nodes whose mentions carry another label, resolved by the schema: %s", relabelled)
        self.nodes |= {
            n.id: n.model_copy(update={"label": labels[n.id]}) for n in reversed(doc_nodes) if n.id not in self.nodes
        }
        self.relabelled += len(relabelled)
        self.dropped_as_phi += done.dropped_as_phi
        self.refused.extend(refused)
        self.writes.append(write)
        self.mentions += len(mentions)
        self.triples += len(evidence)


def changed_documents(
    documents: Sequence[Document], state: dict[str, tuple[str, str]], pipeline_key: str
) -> tuple[list[tuple[Document, str]], int]:
    """(document, content hash) of the documents whose text or pipeline changed, and how many are unchanged."""
    changed: list[tuple[Document, str]] = []
    skipped = 0
    for doc in documents:
        content_hash = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        if state.get(doc.id) == (content_hash, pipeline_key):
            skipped += 1
        else:
            changed.append((doc, content_hash))
    return changed, skipped


def run_text_stages(
    text: TextPipeline, changed: Sequence[tuple[Document, str]], store: SqliteStore, schema: GraphSchema
) -> TextOutcome:
    """Run the text stages over ``changed`` in batches of :data:`BATCH_SIZE`.

    A failed batch is run again one document at a time: the document that fails is quarantined
    with the stage and the exception's type (nothing of it is written), and the others land.
    """
    outcome = TextOutcome()
    started = time.monotonic()
    for start in range(0, len(changed), BATCH_SIZE):
        chunk = changed[start : start + BATCH_SIZE]
        results = run_isolated(text.run, [d for d, _ in chunk])
        for (doc, content_hash), done in zip(chunk, results, strict=True):
            try:
                if isinstance(done, StageError):
                    raise done
                in_stage("assembly", partial(outcome.add, doc, content_hash, store=store, schema=schema), done)
            except StageError as err:
                log.warning("quarantined %s: stage %s failed (%s)", doc.source, err.stage, err.error_type)
                outcome.failed.append(QuarantineRecord(source=doc.source, location="document", reason=str(err)))
        i = start + len(chunk)
        log.info(
            "processed %d/%d changed documents (%.1f docs/s)",
            i,
            len(changed),
            i / max(time.monotonic() - started, 1e-9),
        )
    return outcome


def build_report(
    store: SqliteStore,
    run_id: str,
    outcome: TextOutcome,
    skipped: int,
    quarantine: Sequence[QuarantineRecord],
    hypotheses: Sequence[Hypothesis],
    failed: int = 0,
) -> BuildReport:
    """The :class:`BuildReport` of a finished build: counts from the store, the top hypotheses and their names."""
    counts = store.counts()
    top = top_hypotheses(hypotheses, per_type=5)
    names = store.node_names(
        {i for h in top for i in (h.head, h.tail, *(n for p in h.explanation[:1] for n in p.nodes))}
    )
    return BuildReport(
        documents=len(outcome.writes) + skipped,
        skipped_documents=skipped,
        mentions=outcome.mentions,
        triples=outcome.triples,
        nodes=sum(counts["nodes"].values()),
        edges=sum(counts["edges"].values()),
        quarantined=len(quarantine),
        failed=failed,
        nodes_by_label=counts["nodes"],
        edges_by_type=counts["edges"],
        quarantine=tuple(quarantine),
        hypotheses=tuple(top),
        node_names=names,
        run_id=run_id,
    )


def build(
    inputs: Sequence[str | Path],
    config: MedkgConfig,
    store_dir: str | Path | None = None,
    with_seeds: bool = True,
) -> BuildReport:
    """Run the whole chain on ``inputs`` into the embedded store (and Neo4j when configured).

    Args:
        inputs: files or folders of .txt, .jsonl or .csv.
        config: the validated run config.
        store_dir: the embedded store's folder (default ``config.store``).
        with_seeds: load the curated seeds named in the config.

    Returns:
        What was built: counts, quarantined records and the top hypotheses.
    """
    run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    schema = load_schema(config.schema_path)
    ingest, store_dir = config.ingest, store_dir or config.store
    names = pseudonymizer(store_dir, config.privacy.ids_are_safe, config.privacy.id_key)
    options = ReadOptions(pseudonym=names, max_file_bytes=ingest.max_file_bytes)
    ingested = read_inputs(inputs, ingest.text_column, ingest.id_column, max_chars=ingest.max_chars, options=options)
    store = SqliteStore(store_dir)
    try:
        seed_report = load_seeds(store, schema, config) if with_seeds else {}
        text = TextPipeline(schema, config)
        pipeline_key = text.key
        changed, skipped = changed_documents(ingested.documents, store.document_state(), pipeline_key)
        outcome = run_text_stages(text, changed, store, schema)
        quarantine: list[QuarantineRecord] = [*ingested.quarantine, *outcome.failed, *outcome.refused]
        failed = len(ingested.quarantine) + len(outcome.failed)
        details = {
            "documents": len(outcome.writes),
            "skipped": skipped,
            "mentions": outcome.mentions,
            "triples": outcome.triples,
            "mentions_dropped_as_phi": outcome.dropped_as_phi,
            "mentions_relabelled_by_schema": outcome.relabelled,
            "relations_quarantined": len(outcome.refused),
            "failed": failed,
            "quarantined": len(quarantine),
            "pipeline_key": pipeline_key,
            "seeds": seed_report,
        }
        nodes = list(outcome.nodes.values())
        quarantine += store.apply_build(run_id, pipeline_key, outcome.writes, nodes, quarantine, details, schema=schema)
        if outcome.refused:
            log.warning(
                "%d text-mined relations quarantined: their ends' labels form a signature the schema forbids",
                len(outcome.refused),
            )
        log.info(
            "build %s written: %d documents (%d unchanged skipped), %d mentions, %d triples",
            run_id,
            len(outcome.writes),
            skipped,
            outcome.mentions,
            outcome.triples,
        )
        hypotheses: list[Hypothesis] = []
        if config.gnn.enabled:
            # a seed that was (re)loaded is a dict of counts; "unchanged" and "not found: ..." change nothing
            seeds_changed = any(isinstance(v, dict) for v in seed_report.values())
            hypotheses = run_linkprediction_step(
                store, schema, config, run_id, changed=bool(outcome.writes) or seeds_changed
            )
        if config.neo4j.uri:
            load_neo4j(store, schema, config, run_id)
        return build_report(store, run_id, outcome, skipped, quarantine, hypotheses, failed)
    finally:
        store.close()


def top_hypotheses(hypotheses: Sequence[Hypothesis], per_type: int = 5) -> list[Hypothesis]:
    """The best ``per_type`` hypotheses of each predicted type, best first."""
    out: list[Hypothesis] = []
    for rel in sorted({h.type for h in hypotheses}):
        ranked = sorted((h for h in hypotheses if h.type == rel), key=lambda h: (-h.score, h.head, h.tail))
        out.extend(ranked[:per_type])
    return out


def run_linkprediction_step(
    store: SqliteStore, schema: GraphSchema, config: MedkgConfig, run_id: str, changed: bool = True
) -> list:
    """Hypotheses on the stored graph, written back (skipped when nothing changed): served by the trained
    model (``gnn.mode: serve``, default; see :mod:`kg.gnn.serve`) or from a GNN trained here (``train``)."""
    from kg.gnn.serve import predict_links, served_fingerprint  # torch_geometric: only for builds with the GNN

    served = served_fingerprint(config.gnn)
    fingerprint = json_digest(config.gnn.model_dump(), served, store.counts()["edges"], len(store.document_state()))
    predicted_types = [schema.predicted_type(t) for t in config.gnn.targets if t in schema.prediction_targets]
    if not changed and store.get_meta("linkpred_fingerprint") == fingerprint:
        log.info("graph and GNN config unchanged: keeping the stored hypotheses")
        return store.hypotheses()
    result = predict_links(list(store.nodes()), list(store.edges()), schema, config.gnn, run_id)
    details = {"mode": config.gnn.mode, "model_version": result.model_version, "stats": result.stats}
    store.write_hypotheses(result.hypotheses, predicted_types, run_id, details)
    store.set_meta("linkpred_fingerprint", fingerprint)
    store.set_meta("linkpred_metrics", json.dumps(result.metrics, sort_keys=True, default=float))
    for target, models in result.metrics.items():
        log.info("link prediction %s: %s", target, json.dumps(models, default=float))
    return store.hypotheses()


def load_neo4j(store: SqliteStore, schema: GraphSchema, config: MedkgConfig, run_id: str) -> dict[str, dict[str, int]]:
    """Load the store's whole graph into Neo4j (idempotent MERGE, batched).

    Returns:
        ``{"nodes": {label: n}, "edges": {type: n}, "skipped": {kind: n}}``: the server's counts
        after the load, and the store rows left out because they do not fit the schema.
    """
    from kg.store.neo4j import Neo4jStore  # the neo4j driver: only when a server is configured

    with Neo4jStore.from_config(config.neo4j) as neo:
        neo.ensure_constraints(schema)
        result = neo.load(store.snapshot(), schema, run_id)
        counts = {**neo.counts(schema), "skipped": result["skipped"]}
    log.info("Neo4j loaded: %s", json.dumps(counts))
    return counts


def demo(config: MedkgConfig, store_dir: str | Path | None = None) -> BuildReport:
    """``build`` on the bundled synthetic demo corpus."""
    return build([DEMO_CORPUS], config, store_dir=store_dir)
