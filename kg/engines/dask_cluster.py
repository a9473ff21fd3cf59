"""The ``dask`` engine: the text stages on a ``dask.distributed`` cluster (``pip install "medkg[dask]"``).

A :class:`TextStagesPlugin` (a worker plugin, registered once per run under a name that carries the
pipeline key) holds each worker's text stages: built on the worker's first task, then kept, so the
models are loaded once per worker and never pickled. A task is one batch of documents; its outcomes
come back to the run, which consumes them in input order.

A worker whose models or medkg differ from the run's (another pipeline key) refuses to work: the
run fails with a :class:`kg.config.ConfigError` rather than mixing outputs. A task that fails as a
whole (its worker died on it, even after Dask's own retries) is run again one document per task; a
document whose own task fails too runs once more alone (a dying worker fails every task it held,
its batch-mates' too), and if that fails it is quarantined in stage ``engine`` with the exception's
type, like any document a stage raised on. A run-wide error, or a cluster that is gone, fails the run.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence

from distributed import Client, Future, LocalCluster, WorkerPlugin, get_worker

from kg.config import ConfigError
from kg.engines import Outcome, PipelineFactory, load_and_warm, run_batch
from kg.isolation import RUN_WIDE_ERRORS, StageError
from kg.logs import get_logger
from kg.pipeline import TextPipeline
from kg.types import Document

log = get_logger(__name__)

#: Seconds a LocalCluster worker waits for a scheduler that is gone (its run was killed) before it exits.
DEATH_TIMEOUT = 60


class TextStagesPlugin(WorkerPlugin):
    """One worker's text stages, built on its first task (not in ``setup``, which runs on the worker's
    event loop) and kept for the worker's life."""

    def __init__(self, factory: PipelineFactory, key: str) -> None:
        self.factory = factory
        self.key = key
        self._text: TextPipeline | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        return {"factory": self.factory, "key": self.key}

    def __setstate__(self, state: dict) -> None:
        self.factory, self.key = state["factory"], state["key"]
        self._text, self._lock = None, threading.Lock()

    def text(self) -> TextPipeline:
        """The worker's text stages (built and checked against the run's pipeline key on first use).

        Raises:
            ConfigError: this worker's models or medkg give another pipeline key than the run's.
        """
        with self._lock:
            if self._text is None:
                started = time.perf_counter()
                text = self.factory()
                load_and_warm(text)
                if text.key != self.key:
                    raise ConfigError(
                        "a Dask worker's text stages differ from the run's (another medkg version, model or "
                        "rule file on the worker): install the same medkg and models on every worker"
                    )
                self._text = text
                log.info("dask worker: text stages loaded in %.1f s", time.perf_counter() - started)
            return self._text


def _load(plugin: str) -> None:
    """A task: load the worker's text stages."""
    stages: TextStagesPlugin = get_worker().plugins[plugin]  # type: ignore[assignment]
    stages.text()


def _run_on_worker(documents: list[Document], plugin: str) -> list[Outcome]:
    """A task: one batch through the worker's text stages."""
    stages: TextStagesPlugin = get_worker().plugins[plugin]  # type: ignore[assignment]
    return run_batch(stages.text(), documents)


class DaskEngine:
    """Batches of documents as tasks on a Dask cluster: an existing one at ``scheduler``, else a
    LocalCluster of ``workers`` processes (one thread each) that lives as long as the engine."""

    def __init__(self, factory: PipelineFactory, key: str, workers: int, scheduler: str | None) -> None:
        started = time.perf_counter()
        self.cluster: LocalCluster | None = None
        if scheduler:
            self.client = Client(scheduler)
        else:
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                death_timeout=DEATH_TIMEOUT,
            )
            self.client = Client(self.cluster)
        self.plugin = f"medkg-text-{key[:16]}-{uuid.uuid4().hex[:8]}"
        try:
            present = self._load_workers(factory, key)
        except BaseException:  # a worker with other models, a cluster gone: nothing of this engine left behind
            self.close()
            raise
        where = scheduler or "a LocalCluster"
        log.info(
            "engine dask: %s, %d worker processes, models loaded (%.1f s)",
            where,
            len(present),
            time.perf_counter() - started,
        )

    def _load_workers(self, factory: PipelineFactory, key: str) -> list[str]:
        """Register the plugin; every worker there now loads its models before the first batch (a worker
        that joins later, on its first task), so start-up is counted apart and a worker whose models differ
        fails the run here. Returns the workers' addresses."""
        self.client.register_plugin(TextStagesPlugin(factory, key), name=self.plugin)
        present = list(self.client.scheduler_info()["workers"])
        loads = [
            self.client.submit(_load, self.plugin, workers=[w], allow_other_workers=False, pure=False) for w in present
        ]
        self.client.gather(loads)
        return present

    def _submit(self, documents: Sequence[Document]) -> Future:
        return self.client.submit(_run_on_worker, list(documents), self.plugin, pure=False)

    def map(self, batches: Sequence[Sequence[Document]]) -> Iterator[list[Outcome]]:
        futures = [self._submit(batch) for batch in batches]
        try:
            for batch, future in zip(batches, futures, strict=True):
                yield self._outcomes(batch, future)
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def _failed(self, exc: Exception) -> None:
        """A task failed as a whole: a run-wide error, or a cluster that is gone, fails the run."""
        if isinstance(exc, RUN_WIDE_ERRORS) or self.client.status != "running":
            raise exc

    def _outcomes(self, batch: Sequence[Document], future: Future) -> list[Outcome]:
        """A task's outcomes; when the task failed as a whole, each document in a task of its own, and a
        document whose task failed too once more alone (a worker that dies fails every task it held)."""
        try:
            return future.result()
        except Exception as exc:
            self._failed(exc)
            log.warning("a task of %d documents failed (%s): one document per task", len(batch), type(exc).__name__)
        singles = [self._submit([doc]) for doc in batch]
        out: list[Outcome] = []
        for doc, single in zip(batch, singles, strict=True):
            try:
                (one,) = single.result()
            except Exception as exc:
                self._failed(exc)
                one = self._alone(doc)
            out.append(one)
        return out

    def _alone(self, doc: Document) -> Outcome:
        """``doc`` in a task of its own, awaited before anything else is retried: a failure now is its own."""
        try:
            (one,) = self._submit([doc]).result()
        except Exception as exc:
            self._failed(exc)
            return StageError("engine", exc)
        return one

    def close(self) -> None:
        try:
            self.client.unregister_worker_plugin(self.plugin)
        except Exception as exc:  # a cluster already gone: nothing left to clean
            log.debug("dask: could not unregister the worker plugin (%s)", type(exc).__name__)
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
