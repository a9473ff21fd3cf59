"""A scheduled pipeline as Dagster assets (issue 21; ``pip install "medkg[dagster]"``).

:func:`definitions` turns a pipeline definition (``pipelines/*.yaml``, :mod:`kg.scheduled`) into a
:class:`dagster.Definitions`:

* ``<pipeline>/extracted_batch``: one partition per input batch (an entry of the source: a file, or a
  folder; a glob such as ``/data/notes/*.txt`` gives one batch per file). Materializing a partition
  runs the text steps for that batch into the definition's store (:func:`kg.build.build` with that
  one input: no retraction, no hypotheses, no Neo4j; unchanged documents are skipped).
* ``<pipeline>/knowledge_graph`` (depends on ``extracted_batch``): the whole definition
  (:func:`kg.scheduled.run_pipeline`): documents gone from the source retracted, hypotheses, Neo4j,
  exports, as ``medkg pipeline run``.
* a sensor that adds the partitions of new batches, requests runs of new and changed ones and
  deletes the partitions of batches gone from the source (unless every batch is gone at once: an
  unmounted share keeps its partitions, as :func:`kg.build.retract_missing` keeps its documents); a schedule of ``knowledge_graph`` from the
  definition's cron ``schedule``.

File names carry patient identifiers, so a partition key is the batch path's keyed pseudonym
(``src-...``, :mod:`kg.privacy.pseudonyms`, the key of the store's pseudonyms), and no metadata, tag or
log line names a path: only pseudonyms and counts.

``dagster dev -m kg.orchestration`` (and ``dagster definitions validate -m kg.orchestration``) load
:data:`defs`, the definitions of the pipeline named by ``$MEDKG_PIPELINE`` (default ``nightly``),
with its store from ``$MEDKG_PIPELINE_STORE`` when set.
"""

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.build import build
from kg.config import MedkgConfig
from kg.logs import get_logger
from kg.privacy.pseudonyms import Pseudonymizer, pseudonymizer
from kg.scheduled import (
    EXIT_TOO_MANY_QUARANTINED,
    PipelineDefinition,
    load_definition,
    run_config,
    run_pipeline,
    source_inputs,
)
from kg.store.lock import StoreBusy

try:
    import dagster as dg
    from dagster import AssetExecutionContext, SensorEvaluationContext
except ImportError as exc:  # pragma: no cover - the message is the point
    raise ImportError('kg.orchestration needs Dagster: pip install "medkg[dagster]" (the `dagster` extra)') from exc

log = get_logger(__name__)

#: The environment variables that choose what ``dagster dev -m kg.orchestration`` loads.
PIPELINE_ENV, STORE_ENV = "MEDKG_PIPELINE", "MEDKG_PIPELINE_STORE"
#: The tag of every run of a pipeline's jobs (value: the pipeline's name), for a run queue limit of 1.
RUN_TAG = "medkg/pipeline"
#: A run that finds the store held by another run retries this often, this many seconds apart.
BUSY_RETRIES, BUSY_WAIT_S = 60, 30


@dataclass(frozen=True)
class Batch:
    """One input batch of a pipeline's source: its path (never shown) and its partition key."""

    path: Path
    key: str


def batch_namer(defn: PipelineDefinition) -> Pseudonymizer:
    """The keyed pseudonymizer of the definition's store: partition keys name batches by it.

    Always keyed, even when the run config declares ids safe (``privacy.ids_are_safe``): a partition key
    is shown by Dagster's UI and stored in its database, outside the store's trust boundary.
    """
    return pseudonymizer(defn.store, False, defn.config.privacy.id_key)


def batches(defn: PipelineDefinition) -> list[Batch]:
    """The source's batches (:func:`kg.scheduled.source_inputs`) with their partition keys, in source order."""
    names = batch_namer(defn)
    return [Batch(p, names.path(p)) for p in source_inputs(defn.source)]


def batch_fingerprint(path: Path, names: Pseudonymizer) -> str:
    """What changes when a batch's files do: the keyed names, sizes and modification times of its files.

    A hash of pseudonyms and numbers, so a sensor cursor holding it names no file.
    """
    files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
    digest = hashlib.sha256()
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue  # gone between the listing and the stat: the next evaluation sees it
        digest.update(f"{names.path(f)}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def batch_config(defn: PipelineDefinition) -> MedkgConfig:
    """The run config of one batch's text steps: the definition's, without retraction, hypotheses or Neo4j."""
    cfg = run_config(defn)
    return cfg.model_copy(
        update={
            "run": cfg.run.model_copy(update={"retract_missing": False}),
            "gnn": cfg.gnn.model_copy(update={"enabled": False}),
            "neo4j": cfg.neo4j.model_copy(update={"uri": None}),
        }
    )


def extract_batch(defn: PipelineDefinition, key: str) -> dict[str, Any]:
    """Run the text steps on the batch whose partition key is ``key`` into the definition's store.

    Returns:
        The counts (``processed``, ``skipped``, ``quarantined``, ``failed``, ``triples``), the medkg run id
        and ``in_source`` (false when the batch is gone: nothing runs, the next ``knowledge_graph`` run
        retracts its documents).

    Raises:
        StoreBusy: another run holds the store.
    """
    batch = next((b for b in batches(defn) if b.key == key), None)
    if batch is None:
        log.warning("batch %s is no longer in the source of pipeline %s; nothing to extract", key, defn.name)
        counts = dict.fromkeys(("processed", "skipped", "quarantined", "failed", "triples"), 0)
        return {**counts, "run_id": "", "in_source": False}
    report = build([batch.path], batch_config(defn), store_dir=defn.store)
    return {
        "processed": report.documents - report.skipped_documents,
        "skipped": report.skipped_documents,
        "quarantined": report.quarantined,
        "failed": report.failed,
        "triples": report.triples,
        "run_id": report.run_id,
        "in_source": True,
    }


def _dagster_name(name: str) -> str:
    """``name`` as a Dagster name (letters, digits, underscores)."""
    return re.sub(r"\W", "_", name)


def _assets(defn: PipelineDefinition, partitions: Any) -> tuple[Any, Any]:
    """The ``extracted_batch`` and ``knowledge_graph`` assets of ``defn``."""
    prefix = _dagster_name(defn.name)

    @dg.asset(
        name="extracted_batch",
        key_prefix=[prefix],
        group_name=prefix,
        partitions_def=partitions,
        description=f"The text steps of pipeline {defn.name} over one input batch (partition: its pseudonym).",
    )
    def extracted_batch(context: AssetExecutionContext) -> dg.MaterializeResult:
        key = context.partition_key
        try:
            counts = extract_batch(defn, key)
        except StoreBusy as exc:
            context.log.warning(f"store busy, batch {key} retried in {BUSY_WAIT_S} s")
            raise dg.RetryRequested(max_retries=BUSY_RETRIES, seconds_to_wait=BUSY_WAIT_S) from exc
        context.log.info(f"batch {key}: {json.dumps(counts)}")
        return dg.MaterializeResult(metadata=counts)

    @dg.asset(
        name="knowledge_graph",
        key_prefix=[prefix],
        group_name=prefix,
        deps=[extracted_batch],
        description=f"Pipeline {defn.name}: the whole source, retraction, hypotheses, Neo4j, exports.",
    )
    def knowledge_graph(context: AssetExecutionContext) -> dg.MaterializeResult:
        try:
            result = run_pipeline(defn)
        except StoreBusy as exc:
            context.log.warning(f"store busy, pipeline {defn.name} retried in {BUSY_WAIT_S} s")
            raise dg.RetryRequested(max_retries=BUSY_RETRIES, seconds_to_wait=BUSY_WAIT_S) from exc
        metadata = {**result.summary, "exit_code": result.exit_code}
        context.log.info(f"pipeline {defn.name}: {json.dumps(metadata)}")
        if result.exit_code == EXIT_TOO_MANY_QUARANTINED:
            raise dg.Failure(
                description=f"over {defn.max_quarantine_share:.0%} of the input records were quarantined",
                metadata=metadata,
            )
        return dg.MaterializeResult(metadata=metadata)

    return extracted_batch, knowledge_graph


def _batch_sensor(defn: PipelineDefinition, partitions: Any, job: Any) -> Any:
    """The sensor that keeps the partitions in step with the source and requests runs of new and changed batches.

    Its cursor maps each batch's key to its :func:`batch_fingerprint`.
    """

    @dg.sensor(name=f"{_dagster_name(defn.name)}_batches", job=job, minimum_interval_seconds=60)
    def batch_sensor(context: SensorEvaluationContext) -> dg.SensorResult:
        names = batch_namer(defn)
        seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        now = {b.key: batch_fingerprint(b.path, names) for b in batches(defn) if b.path.exists()}
        known = set(context.instance.get_dynamic_partitions(partitions.name))
        new, gone = sorted(set(now) - known), sorted(known - set(now))
        if gone and not now:
            # every batch gone at once is an unmounted share or a wrong path, not a deletion: keep the
            # partitions and the cursor (as build's retraction does), so nothing is re-run when it is back
            context.log.warning(f"the source lists no batch: {len(gone)} partitions kept, nothing requested")
            return dg.SensorResult(run_requests=[], dynamic_partitions_requests=[], cursor=context.cursor)
        requests = [
            dg.RunRequest(partition_key=key, run_key=f"{key}:{fp}") for key, fp in now.items() if seen.get(key) != fp
        ]
        changes: list[Any] = []
        if new:
            changes.append(partitions.build_add_request(new))
        if gone:
            changes.append(partitions.build_delete_request(gone))
        context.log.info(f"{len(new)} new, {len(gone)} gone, {len(requests)} batch runs requested")
        return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=changes, cursor=json.dumps(now))

    return batch_sensor


def definitions(pipeline: str | Path, store: str | Path | None = None) -> dg.Definitions:
    """The Dagster definitions of a scheduled pipeline: batch assets, the graph asset, a sensor and a schedule.

    Args:
        pipeline: a definition name in ``pipelines/`` or a YAML path (as for ``medkg pipeline run``).
        store: the store folder, instead of the definition's.

    Raises:
        ConfigError: the definition is missing or invalid.
    """
    defn = load_definition(pipeline, store=str(store) if store is not None else None)
    prefix = _dagster_name(defn.name)
    partitions = dg.DynamicPartitionsDefinition(name=f"{prefix}_batches")
    extracted_batch, knowledge_graph = _assets(defn, partitions)
    tags = {RUN_TAG: prefix}  # one run per store at a time: a run queue limit on this tag (README)
    extract_job = dg.define_asset_job(f"{prefix}_extract_batch", selection=[extracted_batch], tags=tags)
    graph_job = dg.define_asset_job(f"{prefix}_knowledge_graph", selection=[knowledge_graph], tags=tags)
    schedules = []
    if defn.schedule:
        schedules.append(dg.ScheduleDefinition(name=f"{prefix}_schedule", job=graph_job, cron_schedule=defn.schedule))
    return dg.Definitions(
        assets=[extracted_batch, knowledge_graph],
        jobs=[extract_job, graph_job],
        sensors=[_batch_sensor(defn, partitions, extract_job)],
        schedules=schedules,
    )


#: What ``dagster dev -m kg.orchestration`` loads: ``$MEDKG_PIPELINE`` (default ``nightly``).
defs = definitions(os.environ.get(PIPELINE_ENV) or "nightly", os.environ.get(STORE_ENV) or None)
