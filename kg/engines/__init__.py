"""Engines: what runs the text stages over a build's changed documents (issue 21).

The run (:func:`kg.build.run_text_stages`) hands an engine batches of documents and takes back, batch
by batch **in input order**, each document's :class:`TextResult` or the :class:`StageError` it
raised. The run alone assembles the results and writes the store, in checkpoints, so whichever
engine computes them the store ends exactly as a serial run leaves it, and the store's lock, the run
records, checkpoints, resumption and retraction are the same for every engine.

- ``serial``: the run's own process (the default).
- ``process``: a pool of ``engine.workers`` processes on this machine (:mod:`concurrent.futures`,
  spawned, so no thread or lock state is forked); each process builds the text stages once.
- ``dask``: a ``dask.distributed`` cluster (``pip install "medkg[dask]"``, :mod:`kg.engines.dask_cluster`):
  the scheduler at ``engine.scheduler`` (``$MEDKG_DASK_SCHEDULER``), else a ``LocalCluster`` of
  ``engine.workers`` processes started for the run. A worker plugin builds the text stages once per
  worker; tasks carry documents and bring back results, never a model.

Workers are given only the part of the run config that the text stages read (no Neo4j password, no
id key), and they work on document texts: a remote cluster must sit inside the same trust boundary
as the store (see the README, "Scheduled runs").
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from kg.config import ConfigError, EngineConfig, MedkgConfig
from kg.isolation import StageError, run_isolated
from kg.logs import get_logger
from kg.pipeline import TextPipeline
from kg.types import Document, Mention, RelationMention

log = get_logger(__name__)

#: The engines by name (``engine.name``).
ENGINES = ("serial", "process", "dask")
#: Seconds a pool process waits for the others to load their models before it takes batches anyway.
STARTUP_TIMEOUT = 600


@dataclass(frozen=True)
class TextResult:
    """What the text stages found in one document: all that the run needs to assemble and store it.

    Attributes:
        mentions: The document's entity mentions, asserted and linked.
        relations: Its relation mentions, evidence sentences redacted.
        dropped_as_phi: Mentions the privacy stage dropped because they overlap PHI.
    """

    mentions: list[Mention]
    relations: list[RelationMention]
    dropped_as_phi: int


#: One document's outcome: its results, or the stage that raised on it and the exception's type.
Outcome = TextResult | StageError
#: Builds the text stages (in a worker: once per process).
PipelineFactory = Callable[[], TextPipeline]


def run_batch(text: TextPipeline, documents: Sequence[Document]) -> list[Outcome]:
    """The text stages over one batch, a document that raises isolated (:func:`kg.isolation.run_isolated`).

    Returns:
        One outcome per document, in order.
    """
    return [
        done if isinstance(done, StageError) else TextResult(done.mentions, done.relations, done.dropped_as_phi)
        for done in run_isolated(text.run, documents)
    ]


#: Run once through freshly loaded stages (results discarded): their first call fills lazy caches (the
#: spaCy pipeline, rule matchers), which is start-up, not throughput.
WARM_UP = Document(id="warm-up", text="Started on lisinopril for hypertension. Denies chest pain.")


def load_and_warm(text: TextPipeline) -> dict[str, float]:
    """Load every component of ``text`` and run :data:`WARM_UP` through it; seconds per part."""
    seconds = text.load()
    started = time.perf_counter()
    text.run([WARM_UP])
    seconds["warm-up"] = time.perf_counter() - started
    return seconds


class Engine(Protocol):
    """Runs batches of documents through the text stages; results come back in input order."""

    def map(self, batches: Sequence[Sequence[Document]]) -> Iterator[list[Outcome]]:
        """Each batch's outcomes (one per document), batch by batch, in the order of ``batches``."""
        ...

    def close(self) -> None:
        """Release the workers (a cluster the engine started is shut down; an existing one stays)."""
        ...


class SerialEngine:
    """The run's own process and its own :class:`TextPipeline`."""

    def __init__(self, text: TextPipeline) -> None:
        self.text = text
        loaded = load_and_warm(text)
        log.info("start-up: %.1f s (%s)", sum(loaded.values()), ", ".join(f"{k} {v:.1f} s" for k, v in loaded.items()))

    def map(self, batches: Sequence[Sequence[Document]]) -> Iterator[list[Outcome]]:
        for batch in batches:
            yield run_batch(self.text, batch)

    def close(self) -> None:
        pass


_PROCESS_TEXT: list[TextPipeline] = []  # the text stages of a pool process, built once by its initializer


def _init_process(factory: PipelineFactory, started: Any) -> None:
    import torch  # the relation and NER models' thread pool

    # one compute thread per worker process, as Dask's nanny gives its workers (OMP_NUM_THREADS=1): the
    # workers share the cores instead of each running a pool as wide as the machine
    torch.set_num_threads(1)
    text = factory()
    load_and_warm(text)
    _PROCESS_TEXT[:] = [text]
    try:
        started.wait(timeout=STARTUP_TIMEOUT)  # every process loaded before any takes a batch
    except threading.BrokenBarrierError:
        log.warning("engine process: not every worker process started in %d s", STARTUP_TIMEOUT)


def _process_batch(documents: list[Document]) -> list[Outcome]:
    return run_batch(_PROCESS_TEXT[0], documents)


class ProcessEngine:
    """A pool of worker processes on this machine, each building the text stages once.

    A process that dies (killed, out of memory) breaks the pool: the run fails, is recorded
    ``failed``, and keeps the checkpoints it committed.
    """

    def __init__(self, factory: PipelineFactory, workers: int) -> None:
        started = time.perf_counter()
        context = multiprocessing.get_context("spawn")
        initargs = (factory, context.Barrier(workers))
        self.pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_process, initargs=initargs)
        # start the processes now (one per submitted task, each loading the models in its initializer and
        # waiting at the barrier for the others), so start-up is counted apart from throughput
        try:
            # the barrier holds every process's first task until all of them have loaded
            for future in [self.pool.submit(os.getpid) for _ in range(workers)]:
                future.result()
        except BaseException:  # a process that could not load its models (BrokenProcessPool): none left behind
            self.pool.shutdown(wait=False, cancel_futures=True)
            raise
        log.info("engine process: %d worker processes, models loaded (%.1f s)", workers, time.perf_counter() - started)

    def map(self, batches: Sequence[Sequence[Document]]) -> Iterator[list[Outcome]]:
        futures = [self.pool.submit(_process_batch, list(batch)) for batch in batches]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def worker_config(config: MedkgConfig) -> MedkgConfig:
    """The part of the run config the text stages read: no Neo4j credentials or id key go to a worker."""
    return MedkgConfig(schema_path=config.schema_path, ner=config.ner, linker=config.linker, relations=config.relations)


def open_engine(config: EngineConfig, text: TextPipeline) -> Engine:
    """The engine ``config`` names, ready to run ``text``'s stages (the driver's own, for ``serial``).

    Raises:
        ConfigError: ``dask`` without the ``dask`` extra installed.
    """
    if config.name == "serial":
        return SerialEngine(text)
    text.wait_cache_warm()  # worker processes load the linker from the cache the run's child is building
    factory = partial(TextPipeline, text.schema, worker_config(text.config))
    if config.name == "process":
        return ProcessEngine(factory, config.workers)
    try:
        from kg.engines.dask_cluster import DaskEngine
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in ("dask", "distributed"):
            raise
        raise ConfigError('engine "dask" needs dask.distributed: pip install "medkg[dask]"') from exc
    return DaskEngine(factory, text.key, config.workers, config.scheduler or None)
