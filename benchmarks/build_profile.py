"""Where ``medkg build`` spends its time: start-up and each stage, in docs/s after start-up (issue 22).

    .venv/bin/python benchmarks/build_profile.py --corpus ../shared/data/bc5cdr/CDR_TestSet.PubTator.txt --limit 300
    .venv/bin/python benchmarks/build_profile.py --corpus ../shared/data/mtsamples/mtsamples_notes.csv \\
        --text-column transcription --id-column note_id
    ... [--set ner.name=fast] [--seeds] [--linkpred]

The chain timed is ``build``'s, run once: :func:`kg.build.write_checkpoints` into a fresh temporary
store, i.e. :class:`kg.pipeline.TextPipeline` in ``build``'s batches (tokenization and abbreviations,
NER, privacy, assertion, linking, relations, redaction; each stage timed as it runs), then assembly
and the store's checkpoint transactions (the rest of the time).
Start-up (each component's loading) is timed apart from throughput. ``--seeds`` also times loading
the curated seeds into that store and ``--linkpred`` the link-prediction step served on it. A
corpus is read the way ``medkg build`` reads it (PubTator and annotated JSONL through the corpus
readers; .txt/.jsonl/.csv through ingest). Prints a table, then one JSON line. Time it on a quiet
machine: the figures are wall-clock.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kg.pipeline
from kg.build import run_linkprediction_step, write_checkpoints
from kg.config import load_config
from kg.io.corpora import read_corpus
from kg.io.ingest import read_inputs
from kg.nlp import analyze
from kg.pipeline import STAGES, DocState, TextPipeline
from kg.schema import load_schema
from kg.seed.loading import load_seeds
from kg.store.sqlite import SqliteStore
from kg.types import Document

log = logging.getLogger("benchmarks.build_profile")


def _documents(args: argparse.Namespace) -> list[Document]:
    path = Path(args.corpus)
    if args.format == "pubtator":
        docs = [g.document for g in read_corpus(path, "pubtator")]
    else:
        docs = read_inputs([path], args.text_column, args.id_column).documents
    return docs[: args.limit]


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _instrument(text: TextPipeline) -> dict[str, float]:
    """Seconds spent in tokenization (``analyze``) and in each stage of ``text``, filled as it runs."""
    seconds = dict.fromkeys(("analyze", *STAGES), 0.0)
    stage = text.stage

    def timed(name: str) -> Any:
        fn = stage(name)

        def run(batch: list[DocState]) -> list[DocState]:
            t = time.perf_counter()
            out = fn(batch)
            seconds[name] += time.perf_counter() - t
            return out

        return run

    def timed_analyze(doc: Document) -> Any:
        t = time.perf_counter()
        out = analyze(doc)
        seconds["analyze"] += time.perf_counter() - t
        return out

    text.stage = timed  # type: ignore[method-assign]
    kg.pipeline.analyze = timed_analyze  # type: ignore[assignment]  (TextPipeline.run tokenizes through it)
    return seconds


def profile(args: argparse.Namespace) -> dict[str, Any]:
    """Start-up seconds per component, seconds per stage over the corpus, and what they make."""
    cfg = load_config(None, args.set or [])
    schema = load_schema(cfg.schema_path)
    docs = _documents(args)
    text = TextPipeline(schema, cfg)
    startup = text.load()
    _, startup["pipeline key"] = _timed(lambda: text.key)
    warm = docs[: min(4, len(docs))]  # first calls (lazy caches, spaCy warm-up) are start-up too
    _, startup["warm-up"] = _timed(lambda: text.run(warm))
    seconds = _instrument(text)
    with tempfile.TemporaryDirectory() as tmp:
        with SqliteStore(tmp) as store:
            if args.seeds:
                _, seeds = _timed(lambda: load_seeds(store, schema, cfg))
            changed = [(d, f"{i:064x}") for i, d in enumerate(docs)]
            (outcome, _), dt = _timed(
                lambda: write_checkpoints(text, changed, store, schema, "profile", cfg.run.checkpoint_every)
            )
            seconds["assembly + store"] = max(0.0, dt - sum(seconds.values()))
            if args.seeds:
                seconds["seeds"] = seeds
            if args.linkpred:
                store.begin_run("profile")
                _, seconds["link prediction"] = _timed(lambda: run_linkprediction_step(store, schema, cfg, "profile"))
    total = sum(seconds.values())
    return {
        "corpus": str(args.corpus),
        "documents": len(docs),
        "characters": sum(len(d.text) for d in docs),
        "mentions": outcome.mentions,
        "triples": outcome.triples,
        "ner": cfg.ner.name,
        "linker": cfg.linker.name,
        "relations": cfg.relations.name,
        "startup_seconds": {k: round(v, 2) for k, v in startup.items()},
        "stage_seconds": {k: round(v, 2) for k, v in seconds.items()},
        "stage_docs_per_second": {k: round(len(docs) / v, 1) if v else None for k, v in seconds.items()},
        "docs_per_second_after_startup": round(len(docs) / total, 2) if total else None,
        "cpu_count": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": platform.machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--format", default="auto", help="pubtator | auto (by extension, as medkg build reads it)")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--id-column", default=None)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--set", action="append", help="run-config override, e.g. ner.name=fast (repeatable)")
    parser.add_argument("--seeds", action="store_true", help="also time loading the curated seeds")
    parser.add_argument("--linkpred", action="store_true", help="also time the link-prediction step (with --seeds)")
    args = parser.parse_args()
    if args.format == "auto":
        args.format = "pubtator" if "PubTator" in args.corpus or args.corpus.endswith(".pubtator") else "ingest"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    out = profile(args)
    stages = out["stage_seconds"]
    total = sum(stages.values())
    print(
        f"{out['documents']} documents, {out['characters']:,} characters; start-up {sum(out['startup_seconds'].values()):.1f} s"
    )
    for name, secs in out["startup_seconds"].items():
        print(f"  start-up  {name:18} {secs:8.2f} s")
    for name, secs in stages.items():
        rate = out["stage_docs_per_second"][name]
        print(f"  stage     {name:18} {secs:8.2f} s  {rate if rate else '-':>8} docs/s  {100 * secs / total:5.1f}%")
    print(f"whole chain after start-up: {out['docs_per_second_after_startup']} docs/s (load {out['load_average']})")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
