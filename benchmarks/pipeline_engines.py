"""Throughput of a build's text stages per engine (issue 21): serial vs process pool vs Dask LocalCluster.

    .venv/bin/python benchmarks/pipeline_engines.py                                   # the 194 MTSamples notes
    .venv/bin/python benchmarks/pipeline_engines.py --corpus bc5cdr                   # the 500 BC5CDR test abstracts
    .venv/bin/python benchmarks/pipeline_engines.py --engines serial dask --workers 2 --set ner.name=dictionary

Builds the same documents into a fresh store once per engine, in the order given (no seeds, no link
prediction, no Neo4j: the text stages and the store writes, with the nightly definition's models
unless ``--set`` says otherwise) and prints per engine: the wall time of the build; the engine's
start-up (the pool's processes or the Dask cluster started, every worker's models loaded and warmed);
the documents per second of the text stages and the assembly of their results in the run
(``kg.build.run_text_stages``: no start-up, store commit or shut-down); the speed-up over ``serial``;
and the counts, which must be equal. Prints the load average before and after: on a machine with
fewer free cores than workers, no engine can be faster than ``serial``. The last line is JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kg.build
from kg.build import build
from kg.io.corpora import read_pubtator
from kg.scheduled import load_definition, run_config

DATA = Path(os.environ.get("MEDKG_DATA_DIR", "../shared/data"))
#: The nightly definition's steps without link prediction and Neo4j.
TEXT_STEPS = "steps=[ingest, privacy, ner, assertion, linking, relations, assembly, store]"
CORPORA = {
    "mtsamples": DATA / "mtsamples" / "mtsamples_notes.csv",
    "bc5cdr": DATA / "bc5cdr" / "CDR_TestSet.PubTator.txt",
}


def documents(corpus: str, limit: int | None) -> list[dict[str, str]]:
    """``{"id", "text"}`` of the corpus's documents (MTSamples: the non-empty notes; BC5CDR: title and abstract)."""
    path = CORPORA[corpus]
    if corpus == "bc5cdr":
        docs = [{"id": g.document.id, "text": g.document.text} for g in read_pubtator(path)]
    else:
        csv.field_size_limit(1 << 24)
        with path.open(encoding="utf-8", newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["transcription"].strip()]
        docs = [{"id": r["note_id"], "text": r["transcription"]} for r in rows]
    return docs[:limit] if limit else docs


class Clock:
    """Seconds spent in the functions it wraps (``kg.build``'s own, so the figure is what a build spends)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

        return timed


def run_engine(corpus: Path, store: Path, overrides: list[str], engine: str, workers: int) -> dict[str, Any]:
    """One build of ``corpus`` into ``store`` on ``engine`` (the nightly definition's models and ``overrides``,
    ``--set`` keys of a run config): wall, start-up, text-stage rate and counts."""
    settings = [*overrides, f"engine.name={engine}", f"engine.workers={workers}", "engine.scheduler=''", TEXT_STEPS]
    cfg = run_config(load_definition("nightly", settings))
    clock = Clock()
    real = (kg.build.run_text_stages, kg.build.open_engine)
    kg.build.run_text_stages = clock.wrap("text", real[0])
    kg.build.open_engine = clock.wrap("startup", real[1])
    try:
        started = time.perf_counter()
        report = build([corpus], cfg, store_dir=store, with_seeds=False)
        wall = time.perf_counter() - started
    finally:
        kg.build.run_text_stages, kg.build.open_engine = real
    text = clock.seconds["text"]
    return {
        "engine": engine,
        "workers": workers if engine != "serial" else 1,
        "wall_s": round(wall, 2),
        "startup_s": round(clock.seconds["startup"], 2),
        "text_s": round(text, 2),
        "docs_per_s": round(report.documents / text, 2),
        "documents": report.documents,
        "mentions": report.mentions,
        "triples": report.triples,
        "failed": report.failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="mtsamples")
    parser.add_argument("--limit", type=int, default=None, help="first N documents (default: all)")
    parser.add_argument("--engines", nargs="+", default=["serial", "process", "dask"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], help="override, e.g. ner.name=dictionary (repeatable)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("MEDKG_ID_KEY", "benchmark-key-0123456789")
    docs = documents(args.corpus, args.limit)
    load_before = [round(x, 2) for x in os.getloadavg()]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "docs.jsonl"
        corpus.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
        for engine in args.engines:
            r = run_engine(corpus, Path(tmp) / engine, args.set, engine, args.workers)
            results.append(r)
            print(
                f"{engine:8} workers {r['workers']}  wall {r['wall_s']:8.2f} s  start-up {r['startup_s']:6.2f} s  "
                f"text stages {r['text_s']:8.2f} s  {r['docs_per_s']:6.2f} docs/s  "
                f"(documents {r['documents']}, mentions {r['mentions']}, triples {r['triples']}, failed {r['failed']})"
            )
    serial = next((r for r in results if r["engine"] == "serial"), None)
    if serial:
        for r in results:
            r["speedup_vs_serial"] = round(r["docs_per_s"] / serial["docs_per_s"], 2)
        print("speed-up over serial: " + ", ".join(f"{r['engine']} {r['speedup_vs_serial']}x" for r in results))
    same = len({(r["documents"], r["mentions"], r["triples"]) for r in results}) == 1
    load_after = [round(x, 2) for x in os.getloadavg()]
    print(f"counts equal across engines: {same}; load average before {load_before}, after {load_after}")
    summary = {"corpus": args.corpus, "documents": len(docs), "overrides": args.set, "results": results}
    print(json.dumps({**summary, "counts_equal": same, "load_before": load_before, "load_after": load_after}))


if __name__ == "__main__":
    main()
