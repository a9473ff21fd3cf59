"""Engines (issue 21): the text stages on a process pool or a Dask cluster give the store a serial run gives,
and a document that fails on a worker is quarantined as on the serial path."""

from __future__ import annotations

import csv
import json
import logging
import os
import sys
from pathlib import Path

import pytest

import kg.build
from kg.build import build
from kg.config import ConfigError, EngineConfig
from kg.engines import open_engine
from kg.pipeline import TextPipeline
from kg.scheduled import load_definition, run_config
from kg.types import QuarantineRecord
from tests.conftest import SHARED_DATA
from tests.test_pipeline import NOTES
from tests.test_runs import MORE, _config, _dump, _write

# medkg[dask] is in the README's test command, so CI has it; a skip here fails CI (.ci/run).
distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
MTSAMPLES = SHARED_DATA / "mtsamples" / "mtsamples_notes.csv"


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("MEDKG_ID_KEY", "tests-run-key-0123456789")  # one key: every store pseudonymizes ids alike


@pytest.fixture
def notes(monkeypatch) -> list[dict[str, str]]:
    """Twelve real MTSamples notes and the nine short notes of the run tests, in batches of four documents
    (so several tasks run on each worker and their results come back out of order)."""
    monkeypatch.setattr(kg.build, "BATCH_SIZE", 4)
    csv.field_size_limit(1 << 24)
    with MTSAMPLES.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["transcription"].strip()][:12]
    return [{"id": r["note_id"], "text": r["transcription"]} for r in rows] + [*NOTES, *MORE]


def _run(tmp_path: Path, seed_dir: Path, notes: list[dict[str, str]], label: str, **engine) -> tuple[dict, list]:
    """A fresh store built from ``notes`` with ``engine`` settings: (its sorted dump, the documents quarantined
    as (input line, reason); the input file's pseudonym differs from store to store)."""
    store = tmp_path / label
    extra = {"run.checkpoint_every": 8, **{f"engine.{k}": v for k, v in engine.items()}}
    report = build([_write(tmp_path / f"{label}.jsonl", notes)], _config(seed_dir, **extra), store_dir=store)
    failed = sorted((q.source.rsplit(":", 1)[1], q.reason) for q in report.quarantine if q.location == "document")
    return _dump(store), failed


@pytest.mark.data
@pytest.mark.parametrize("engine", ["process", "dask"])
def test_an_engine_with_two_workers_gives_the_store_of_a_serial_run(tmp_path, seed_dir, notes, engine, caplog):
    serial, _ = _run(tmp_path, seed_dir, notes, "serial", name="serial")
    with caplog.at_level(logging.INFO, logger="kg.engines"):
        other, failed = _run(tmp_path, seed_dir, notes, engine, name=engine, workers=2, scheduler="")
    assert f"engine {engine}" in caplog.text and ("2 worker processes" in caplog.text)
    assert failed == []
    assert len(serial["documents"]) == len(notes) and len(serial["evidence"]) > 10
    assert other == serial


class FailOn(distributed.WorkerPlugin):
    """Makes every worker's linking stage fail: by raising on the documents that mention amoxicillin (as a
    stage may), or (``crash``) by killing the worker process on the one about otitis media. Installed again
    on a restarted worker."""

    def __init__(self, crash: bool) -> None:
        self.crash = crash

    def setup(self, worker) -> None:
        _failing_linking(self.crash)


def _failing_linking(crash: bool = False) -> None:
    real = getattr(TextPipeline, "_real_linking", TextPipeline._linking)

    def linking(self, batch):
        for state in batch:
            text = state.analyzed.document.text
            if crash and "otitis media" in text:
                os._exit(13)  # the worker process dies on this document (m1)
            if not crash and "amoxicillin" in text.lower():
                raise ValueError(f"cannot link {text!r}")  # a message that quotes the text
        return real(self, batch)

    TextPipeline._real_linking = real  # type: ignore[attr-defined]
    TextPipeline._linking = linking  # type: ignore[method-assign]


@pytest.fixture
def cluster():
    """An existing Dask cluster (two worker processes) that the runs reach through ``engine.scheduler``;
    a task whose worker dies is not retried on another worker (the default retries it 3 times)."""
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as c:
            with distributed.Client(c) as client:
                yield c.scheduler_address, client


def _sources(failed: list[tuple[str, str]], reason: str) -> list[str]:
    assert failed and {r for _, r in failed} == {reason}, failed
    return [s for s, _ in failed]


def test_a_document_that_fails_on_a_worker_is_quarantined_as_on_the_serial_path(
    tmp_path, seed_dir, notes, cluster, monkeypatch
):
    address, client = cluster
    with monkeypatch.context() as m:
        m.setattr(TextPipeline, "_linking", TextPipeline._linking)  # restored after the serial run
        _failing_linking()
        serial, serial_failed = _run(tmp_path, seed_dir, notes, "serial")
    client.register_plugin(FailOn(crash=False), name="fail-on-amoxicillin")
    dumped, failed = _run(tmp_path, seed_dir, notes, "dask", name="dask", scheduler=address)
    assert _sources(failed, "stage 'linking' failed: ValueError") == ["15", "17"]  # n3 and m1 mention amoxicillin
    assert failed == serial_failed
    assert dumped == serial
    # a worker process that dies on a document: its batch again one document per task, the document
    # quarantined in stage `engine`; its batch-mates land, the cluster stays usable
    client.register_plugin(FailOn(crash=True), name="fail-on-amoxicillin")
    dumped, failed = _run(tmp_path, seed_dir, notes, "crash", name="dask", scheduler=address)
    assert _sources(failed, "stage 'engine' failed: KilledWorker") == ["17"]
    assert dumped == _run(tmp_path, seed_dir, [n for n in notes if n["id"] != "m1"], "without-m1")[0]
    assert client.run(lambda: 1) and all("amoxicillin" not in s + r for s, r in failed)


def test_the_engine_is_named_once_and_dask_without_its_extra_is_a_clear_error(monkeypatch, schema):
    with pytest.raises(ConfigError, match="'serial', 'process' or 'dask'"):
        _config(Path("x"), **{"engine.name": "spark"})
    assert _config(Path("x"), engine="dask").engine == EngineConfig(name="dask", scheduler="")
    # a definition names it at its top level (a name, or a mapping); `--set engine=...` is routed there
    assert run_config(load_definition("nightly")).engine.name == "serial"
    defn = load_definition("nightly", ["engine=dask", "ner.name=dictionary"])
    assert run_config(defn).engine.name == "dask" and run_config(defn).ner.name == "dictionary"
    assert run_config(load_definition("nightly", ["engine.workers=3"])).engine.workers == 3
    with pytest.raises(ConfigError, match="engine is set twice"):
        load_definition("nightly", ["config.engine=process"])
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if medkg[dask] were not installed
    monkeypatch.delitem(sys.modules, "kg.engines.dask_cluster", raising=False)
    text = TextPipeline(schema, _config(Path("x")))
    with pytest.raises(ConfigError, match=r'pip install "medkg\[dask\]"'):
        open_engine(EngineConfig(name="dask"), text)


def test_records_cross_the_process_boundary():
    import pickle

    from kg.isolation import StageError

    err = pickle.loads(pickle.dumps(StageError("linking", ValueError("quotes the text"))))
    assert (err.stage, err.error_type, str(err)) == ("linking", "ValueError", "stage 'linking' failed: ValueError")
    assert "quotes" not in json.dumps(QuarantineRecord(source="s", location="document", reason=str(err)).model_dump())


@pytest.mark.data
def test_the_engines_benchmark_reads_both_corpora_and_times_a_build(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("pipeline_engines", ROOT / "benchmarks" / "pipeline_engines.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    notes, abstracts = bench.documents("mtsamples", 3), bench.documents("bc5cdr", None)
    assert len(notes) == 3 and len(abstracts) == 500 and all(d["id"] and d["text"] for d in notes + abstracts)
    corpus = _write(tmp_path / "docs.jsonl", notes)
    quick = ["ner.name=dictionary", "linker.name=lexicon", "relations.name=rules"]
    out = bench.run_engine(corpus, tmp_path / "store", quick, "serial", 2)
    assert (out["engine"], out["workers"], out["documents"], out["failed"]) == ("serial", 1, 3, 0)
    assert out["mentions"] > 0 and out["docs_per_s"] > 0 and out["wall_s"] >= out["text_s"] > 0
