"""A build run: ingest -> the text stages -> the store, in checkpoints -> link prediction -> Neo4j.

``build`` is the one library entry point behind ``medkg build``, ``medkg demo`` and the scheduled
pipelines (pipelines/); notebooks call the same function. The text stages themselves are
:class:`kg.pipeline.TextPipeline`'s.

A run holds the store's lock (:class:`kg.store.lock.StoreLock`) from start to end, records itself as
running before it writes anything, and ends ``complete`` or ``failed`` (a killed run is marked
``killed`` by the next one). The changed documents are written in checkpoints of
``run.checkpoint_every`` documents, each one transaction that leaves a consistent graph: a run
killed mid-way keeps the checkpoints it committed, and the next run skips those documents (their
content hash and pipeline key are stored) and ends with the graph a clean run gives. With
``run.retract_missing`` the documents the store holds that are no longer among the inputs are
retracted (their evidence, and edges and text-mined nodes left without any).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import ChainMap
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from kg.assemble import check_evidence, evidence_for, mention_node, node_id, resolve_labels
from kg.config import EngineConfig, MedkgConfig
from kg.engines import Engine, SerialEngine, TextResult, open_engine
from kg.io.ingest import ReadOptions, read_inputs
from kg.isolation import StageError, in_stage
from kg.linkpred_step import TOP_PER_TYPE, run_linkprediction_step
from kg.logs import Operational, get_logger
from kg.packaged import DEMO_PACKAGE, packaged_dir
from kg.pipeline import BATCH_SIZE, TextPipeline
from kg.privacy.pseudonyms import pseudonymizer
from kg.schema import GraphSchema, load_schema
from kg.seed.loading import load_seeds
from kg.store.lock import StoreLock
from kg.store.neo4j_plan import LoadScope
from kg.store.sqlite import DocumentWrite, SqliteStore
from kg.types import KIND_KEY, BuildReport, Document, GraphSnapshot, Hypothesis, Node, QuarantineRecord

log = get_logger(__name__)

#: ``data/demo/notes.jsonl``, shipped in the package as ``kg._demo`` (see :mod:`kg.packaged`).
DEMO_CORPUS = packaged_dir(DEMO_PACKAGE) / "notes.jsonl"


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
        written: Documents handed to the store by earlier checkpoints (their writes are not held).
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
    written: int = 0

    @property
    def documents(self) -> int:
        """Documents written by this run so far (checkpoints committed and pending)."""
        return self.written + len(self.writes)

    def checkpoint(self) -> tuple[list[DocumentWrite], list[Node]]:
        """Hand over the writes and new nodes gathered since the last checkpoint; counts and labels stay."""
        writes, nodes = self.writes, list(self.nodes.values())
        self.written += len(writes)
        self.writes, self.nodes = [], {}
        return writes, nodes

    def add(self, doc: Document, content_hash: str, done: TextResult, store: SqliteStore, schema: GraphSchema) -> None:
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
    """(document, content hash) of the documents whose text, kind or pipeline changed, and how many are unchanged.

    The content hash is the text's SHA-256, with the document's kind (``metadata["document_kind"]``) before it
    when that is not ``note``: a text read as an abstract is another input than the same text read as a note.
    """
    changed: list[tuple[Document, str]] = []
    skipped = 0
    for doc in documents:
        kind = doc.metadata.get(KIND_KEY, "note")
        prefix = b"" if kind == "note" else kind.encode("utf-8") + b"\0"
        content_hash = hashlib.sha256(prefix + doc.text.encode("utf-8")).hexdigest()
        if state.get(doc.id) == (content_hash, pipeline_key):
            skipped += 1
        else:
            changed.append((doc, content_hash))
    return changed, skipped


@dataclass
class Progress:
    """Documents done out of ``total`` since ``started`` (after start-up), for rate and ETA log lines."""

    total: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0

    def advance(self, n: int) -> None:
        """Count ``n`` more documents and log the rate (after start-up) and the time left."""
        self.done += n
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else 0.0
        log.info("processed %d/%d changed documents (%.1f docs/s, ETA %.0f s)", self.done, self.total, rate, eta)


def run_text_stages(
    text: TextPipeline,
    changed: Sequence[tuple[Document, str]],
    store: SqliteStore,
    schema: GraphSchema,
    outcome: TextOutcome | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> TextOutcome:
    """Run the text stages over ``changed`` in batches of :data:`BATCH_SIZE`, into ``outcome`` (or a new one).

    ``engine`` (default: this process) computes the batches; their results are assembled here in
    input order, so every engine gives the store a serial run gives. A failed batch is run again one
    document at a time: the document that fails is quarantined with the stage and the exception's
    type (nothing of it is written), and the others land.
    """
    outcome = outcome if outcome is not None else TextOutcome()
    progress = progress if progress is not None else Progress(len(changed))
    engine = engine if engine is not None else SerialEngine(text)
    chunks = [changed[start : start + BATCH_SIZE] for start in range(0, len(changed), BATCH_SIZE)]
    for chunk, results in zip(chunks, engine.map([[d for d, _ in c] for c in chunks]), strict=True):
        for (doc, content_hash), done in zip(chunk, results, strict=True):
            try:
                if isinstance(done, StageError):
                    raise done
                in_stage("assembly", partial(outcome.add, doc, content_hash, store=store, schema=schema), done)
            except StageError as err:
                log.warning("quarantined %s: stage %s failed (%s)", doc.source, err.stage, err.error_type)
                outcome.failed.append(QuarantineRecord(source=doc.source, location="document", reason=str(err)))
        progress.advance(len(chunk))
    return outcome


def write_checkpoints(
    text: TextPipeline,
    changed: Sequence[tuple[Document, str]],
    store: SqliteStore,
    schema: GraphSchema,
    run_id: str,
    every: int,
    engine: EngineConfig | None = None,
) -> tuple[TextOutcome, list[QuarantineRecord]]:
    """The changed documents through the text stages on ``engine`` (default serial), committed every
    ``every`` documents.

    The engine is started (and the stages' components loaded) first, start-up logged apart, so the
    progress lines give the throughput of the documents themselves; it is started only when some
    document changed.

    Returns:
        (the run's outcome, the evidence rows the store itself refused).
    """
    outcome = TextOutcome()
    refused: list[QuarantineRecord] = []
    if not changed:
        return outcome, refused
    runner = open_engine(engine or EngineConfig(), text)
    try:
        progress = Progress(len(changed))
        for start in range(0, len(changed), every):
            run_text_stages(text, changed[start : start + every], store, schema, outcome, progress, runner)
            writes, nodes = outcome.checkpoint()
            refused += store.apply_build(run_id, text.key, writes, nodes, [], {}, schema=schema, complete=False)
            if len(changed) > every:
                log.info(
                    "checkpoint: %d/%d changed documents committed", min(start + every, len(changed)), len(changed)
                )
    finally:
        runner.close()
    return outcome, refused


def retract_missing(store: SqliteStore, present: set[str], quarantine: Sequence[QuarantineRecord]) -> dict[str, int]:
    """Retract the stored documents not in ``present``, unless an input file or folder could not be read."""
    unreadable = [q for q in quarantine if q.location in ("file", "folder")]
    gone = set(store.document_state()) - present
    if gone and not present:
        log.warning("not retracting %d documents: the inputs hold no document at all (a wrong path?)", len(gone))
        return {"documents": 0, "withheld": len(gone)}
    if unreadable and gone:
        log.warning(
            "not retracting %d documents missing from the inputs: %d input file(s) could not be read this run",
            len(gone),
            len(unreadable),
        )
        return {"documents": 0, "withheld": len(gone)}
    return store.retract_documents(gone) if gone else {"documents": 0}


def build_report(
    store: SqliteStore,
    run_id: str,
    outcome: TextOutcome,
    skipped: int,
    quarantine: Sequence[QuarantineRecord],
    hypotheses: Sequence[Hypothesis],
    failed: int = 0,
    retracted: int = 0,
) -> BuildReport:
    """The :class:`BuildReport` of a finished build: counts from the store, the top hypotheses and their names."""
    counts = store.counts()
    top = top_hypotheses(hypotheses, per_type=TOP_PER_TYPE)
    names = store.node_names(
        {i for h in top for i in (h.head, h.tail, *(n for p in h.explanation[:1] for n in p.nodes))}
    )
    return BuildReport(
        documents=outcome.documents + skipped,
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
        retracted=retracted,
    )


def build(
    inputs: Sequence[str | Path],
    config: MedkgConfig,
    store_dir: str | Path | None = None,
    with_seeds: bool = True,
    force: bool = False,
) -> BuildReport:
    """Run the whole chain on ``inputs`` into the embedded store (and Neo4j when configured).

    The run holds the store's lock and is recorded from its start (see the module docstring).

    Args:
        inputs: files or folders of .txt, .jsonl or .csv.
        config: the validated run config.
        store_dir: the embedded store's folder (default ``config.store``).
        with_seeds: load the curated seeds named in the config.
        force: process every document again, unchanged ones too (``medkg pipeline run --full``).

    Returns:
        What was built: counts, quarantined records and the top hypotheses.

    Raises:
        StoreBusy: another run holds the store's lock.
    """
    run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    store_dir = store_dir or config.store
    with StoreLock(store_dir), SqliteStore(store_dir) as store:
        store.begin_run(run_id)
        try:
            report = _build_locked(store, Path(store_dir), inputs, config, run_id, with_seeds, force)
        except BaseException as exc:
            store.finish_run(run_id, "failed", {"error": type(exc).__name__})
            log.error("build %s failed (%s); its committed checkpoints stay", Operational(run_id), type(exc).__name__)
            raise
        store.finish_run(run_id, "complete")
        return report


def _build_locked(
    store: SqliteStore,
    store_dir: Path,
    inputs: Sequence[str | Path],
    config: MedkgConfig,
    run_id: str,
    with_seeds: bool,
    force: bool = False,
) -> BuildReport:
    """:func:`build`'s steps, with the lock held and the run recorded."""
    schema = load_schema(config.schema_path)
    ingest = config.ingest
    names = pseudonymizer(store_dir, config.privacy.ids_are_safe, config.privacy.id_key)
    options = ReadOptions(pseudonym=names, max_file_bytes=ingest.max_file_bytes, document_kind=ingest.document_kind)
    ingested = read_inputs(inputs, ingest.text_column, ingest.id_column, max_chars=ingest.max_chars, options=options)
    text = TextPipeline(schema, config)
    changed, skipped = changed_documents(ingested.documents, {} if force else store.document_state(), text.key)
    if changed and with_seeds:
        text.start_cache_warm()  # a cold linker cache is built beside the seed load, on another core
    try:
        seed_report = load_seeds(store, schema, config) if with_seeds else {}
        outcome, refused = write_checkpoints(
            text, changed, store, schema, run_id, config.run.checkpoint_every, config.engine
        )
    finally:
        text.stop_cache_warm()
    retracted = (
        retract_missing(store, {d.id for d in ingested.documents}, ingested.quarantine)
        if config.run.retract_missing
        else {"documents": 0}
    )
    quarantine: list[QuarantineRecord] = [*ingested.quarantine, *outcome.failed, *outcome.refused]
    failed = len(ingested.quarantine) + len(outcome.failed)
    details = {
        "documents": outcome.documents,
        "skipped": skipped,
        "retracted": retracted["documents"],
        "mentions": outcome.mentions,
        "triples": outcome.triples,
        "mentions_dropped_as_phi": outcome.dropped_as_phi,
        "mentions_relabelled_by_schema": outcome.relabelled,
        "relations_quarantined": len(outcome.refused),
        "failed": failed,
        "quarantined": len(quarantine),
        "pipeline_key": text.key,
        "seeds": seed_report,
    }
    if refused:
        details["refused_by_store"] = len(refused)
    # the quarantine and the details; the status is set when the run ends (build)
    quarantine += store.apply_build(run_id, text.key, [], [], quarantine, details, schema=schema, complete=False)
    quarantine += refused
    if outcome.refused:
        log.warning(
            "%d text-mined relations quarantined: their ends' labels form a signature the schema forbids",
            len(outcome.refused),
        )
    log.info(
        "build %s written: %d documents (%d unchanged skipped, %d retracted), %d mentions, %d triples",
        run_id,
        outcome.documents,
        skipped,
        retracted["documents"],
        outcome.mentions,
        outcome.triples,
    )
    hypotheses: list[Hypothesis] = []
    if config.gnn.enabled:
        # a seed that was (re)loaded is a dict of counts; "unchanged" and "not found: ..." change nothing
        seeds_changed = any(isinstance(v, dict) for v in seed_report.values())
        hypotheses = run_linkprediction_step(
            store, schema, config, run_id, changed=bool(outcome.documents or retracted["documents"]) or seeds_changed
        )
    if config.neo4j.uri:
        load_neo4j(store, schema, config, run_id)
    return build_report(store, run_id, outcome, skipped, quarantine, hypotheses, failed, retracted["documents"])


def top_hypotheses(hypotheses: Sequence[Hypothesis], per_type: int = 5) -> list[Hypothesis]:
    """The best ``per_type`` hypotheses of each predicted type, best first."""
    out: list[Hypothesis] = []
    for rel in sorted({h.type for h in hypotheses}):
        ranked = sorted((h for h in hypotheses if h.type == rel), key=lambda h: (-h.score, h.head, h.tail))
        out.extend(ranked[:per_type])
    return out


def load_neo4j(store: SqliteStore, schema: GraphSchema, config: MedkgConfig, run_id: str) -> dict[str, dict[str, int]]:
    """Load the store's whole graph into Neo4j: bulk import into an empty local database, else MERGE batches.

    Returns:
        ``{"nodes": {label: n}, "edges": {type: n}, "skipped": {kind: n}}``: the server's counts
        after the load, and the store rows left out because they do not fit the schema.
    """
    from kg.neo4j_load import load_store  # the neo4j driver: only when a server is configured

    def read(scope: LoadScope | None) -> GraphSnapshot:
        if scope is None:
            return store.snapshot()
        return store.snapshot(edge_types=scope.edge_types, hypothesis_types=scope.hypothesis_types)

    # the state is read before the snapshot: never newer than the rows loaded
    result = load_store(read, store.graph_state(), schema, config.neo4j, run_id)
    counts = {**result["counts"], "skipped": result["skipped"]}
    log.info("Neo4j loaded: %s", json.dumps(counts))
    return counts


def demo(config: MedkgConfig, store_dir: str | Path | None = None) -> BuildReport:
    """``build`` on the bundled synthetic demo corpus."""
    return build([DEMO_CORPUS], config, store_dir=store_dir)
