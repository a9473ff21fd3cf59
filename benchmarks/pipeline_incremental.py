"""What an incremental scheduled run costs against the first one (issue 21).

    .venv/bin/python benchmarks/pipeline_incremental.py                       # the 194 MTSamples notes
    .venv/bin/python benchmarks/pipeline_incremental.py --limit 50 --set ner.name=dictionary
    .venv/bin/python benchmarks/pipeline_incremental.py --neo4j   # with the neo4j step (a local server)

Writes the notes as one .txt file each into a temporary inbox and runs the ``nightly`` definition
(``pipelines/nightly.yaml``, with ``--set`` overrides) three times on a fresh store: the first run; the
same inbox again (everything unchanged); then with 1% of the notes changed and 1% deleted (at least one
each). Prints the wall time and this process's CPU time (user + sys, all threads) of each run, its
counts, its stages (the timers of ``demo_stages.py``), how its hypotheses were refreshed, and the second and third runs as a share of the first (wall
and CPU: the CPU share holds up on a loaded machine). The first run includes the curated seeds (copied
from the seed image when ``$MEDKG_SEED_CACHE_DIR`` holds one, else loaded: ``MEDKG_SEED_CACHE_DIR=off``
times the load), skipped later, as in production. With ``--neo4j`` each run ends with the neo4j step
into a throw-away local server (``kg.neo4j_server``; the first load is a bulk import into the empty
database): each load's method, seconds and rows written (its plan) are printed. The last line is JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import demo_stages  # benchmarks/demo_stages.py: the same stage timers

from kg.scheduled import load_definition, run_pipeline
from kg.store.sqlite import SqliteStore

DEFAULT_NOTES = Path(os.environ.get("MEDKG_DATA_DIR", "../shared/data")) / "mtsamples" / "mtsamples_notes.csv"


def _write_inbox(inbox: Path, notes: Path, limit: int) -> list[Path]:
    csv.field_size_limit(1 << 24)
    with notes.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["transcription"].strip()][:limit]
    inbox.mkdir(parents=True)
    paths = []
    for r in rows:
        p = inbox / f"{r['note_id']}.txt"
        p.write_text(r["transcription"], encoding="utf-8")
        paths.append(p)
    return paths


def _linkpred_outcome(store: Path) -> str:
    """How the last run's hypotheses came about: ``served`` (run id of the serving run) or kept."""
    with SqliteStore(store) as s:
        last = s.conn.execute(
            "SELECT run_id FROM runs WHERE kind = 'build' ORDER BY started DESC, rowid DESC"
        ).fetchone()
        served = s.conn.execute("SELECT COUNT(*) FROM hypotheses WHERE run_id = ?", (last[0],)).fetchone()[0]
        total = s.conn.execute("SELECT COUNT(*) FROM hypotheses").fetchone()[0]
    return f"{served} of {total} served by this run" if served else f"all {total} kept"


NEO4J_LOADS: list[dict[str, Any]] = []


def _rows_written(written: dict[str, Any]) -> int:
    """Rows a Neo4j load's plan summary writes (nodes, edges, evidence, hypotheses)."""
    return sum(sum(v.values()) if isinstance(v, dict) else int(v) for v in written.values() if v is not None)


def _time_neo4j_loads() -> None:
    """Record each Neo4j load of the runs: seconds, method, the rows it wrote and left unchanged, its plan."""
    import kg.neo4j_load

    load = kg.neo4j_load.load_store

    def timed(*args: Any, **kwargs: Any) -> dict[str, Any]:
        t = time.perf_counter()
        out = load(*args, **kwargs)
        written = out.get("written") or out.get("planned") or {}
        NEO4J_LOADS.append(
            {
                "seconds": round(time.perf_counter() - t, 2),
                # bulk-import, online (of what changed since the last complete load), or unchanged (nothing read)
                "method": out.get("method"),
                # rows the load wrote: an online load leaves out the buckets its last load wrote unchanged
                "rows_written": out.get("rows_written", _rows_written(written)),
                "rows_unchanged": out.get(
                    "rows_unchanged", _rows_written(out["counts"]) if out.get("method") == "unchanged" else 0
                ),
                "planned": written,
                "pruned": out.get("pruned"),
            }
        )
        return out

    kg.neo4j_load.load_store = timed


@contextmanager
def _neo4j(home: Path) -> Iterator[list[str]]:
    """A throw-away local Neo4j server for the runs (its URI and password reach the definition by env)."""
    from kg import neo4j_server

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    password = secrets.token_urlsafe(16)
    neo4j_server.start(home, port=port, password=password, timeout=600.0, fast_start=True)
    os.environ["NEO4J_URI"], os.environ["NEO4J_PASSWORD"] = neo4j_server.bolt_uri(port), password
    _time_neo4j_loads()
    try:
        yield [f"config.neo4j.home={home}"]
    finally:
        neo4j_server.stop(home)


def _run(name: str, defn: Any, store: Path) -> dict[str, Any]:
    before = len(NEO4J_LOADS)
    demo_stages.STAGES.clear()
    t, cpu = time.perf_counter(), time.process_time()
    result = run_pipeline(defn)
    stages = {k: {"wall": round(v[0], 2), "cpu": round(v[1], 2)} for k, v in demo_stages.STAGES.items()}
    out = {
        "seconds": round(time.perf_counter() - t, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "hypotheses": _linkpred_outcome(store),
        "load": round(os.getloadavg()[0], 2),
        "stages": stages,
        **result.summary,
    }
    if len(NEO4J_LOADS) > before:
        out["neo4j"] = NEO4J_LOADS[-1]
    print(f"{name:26} {out['seconds']:8.2f} s wall {out['cpu_seconds']:8.2f} s cpu  {json.dumps(result.summary)}")
    print(f"{'':26} hypotheses: {out['hypotheses']} (load {out['load']})")
    for stage, v in stages.items():
        print(f"{'':26} {stage:36} {v['wall']:8.2f} s wall {v['cpu']:8.2f} s cpu")
    if "neo4j" in out:
        neo = out["neo4j"]
        print(
            f"{'':26} Neo4j: {neo['method']} load, {neo['rows_written']} rows written "
            f"({neo['rows_unchanged']} unchanged) in {neo['seconds']} s"
        )
    return out


def _change(paths: list[Path]) -> None:
    """1% of the notes changed (a sentence appended) and 1% deleted, at least one each."""
    k = max(1, len(paths) // 100)
    for p in paths[:k]:
        p.write_text(p.read_text(encoding="utf-8") + "\nAddendum: follow up in two weeks.", encoding="utf-8")
    for p in paths[-k:]:
        p.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=Path, default=DEFAULT_NOTES, help="MTSamples notes CSV")
    parser.add_argument("--limit", type=int, default=194)
    parser.add_argument("--set", action="append", default=[], help="override, e.g. ner.name=fast (repeatable)")
    parser.add_argument("--neo4j", action="store_true", help="with the neo4j step, into a throw-away local server")
    parser.add_argument(
        "--keep", type=Path, help="copy the store after each run into KEEP/<run number> (for --compare-with)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    demo_stages.instrument()
    steps = "ingest, privacy, ner, assertion, linking, relations, assembly, store, hypotheses"
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        inbox, store = Path(tmp) / "inbox", Path(tmp) / "store"
        paths = _write_inbox(inbox, args.notes, args.limit)
        extra = stack.enter_context(_neo4j(Path(tmp) / "neo4j")) if args.neo4j else []
        steps += ", neo4j" if args.neo4j else ""
        defn = load_definition("nightly", [*args.set, *extra, f"steps=[{steps}]"], str(inbox), str(store))
        runs = {}
        for n, name in enumerate(("first", "unchanged", "1% changed + 1% deleted"), start=1):
            if name.startswith("1%"):
                _change(paths)
            runs[name] = _run(name, defn, store)
            if args.keep is not None:  # outside the timed run
                shutil.copytree(store, args.keep / str(n), dirs_exist_ok=True)
    first = runs["first"]
    shares = {k: round(v["seconds"] / first["seconds"], 4) for k, v in runs.items() if k != "first"}
    cpu_shares = {k: round(v["cpu_seconds"] / first["cpu_seconds"], 4) for k, v in runs.items() if k != "first"}
    print(f"share of the first run: wall {shares}, cpu {cpu_shares} (load {[round(x, 2) for x in os.getloadavg()]})")
    summary = {"notes": len(paths), "runs": runs, "share_of_first": shares, "cpu_share_of_first": cpu_shares}
    print(json.dumps({**summary, "overrides": args.set, "neo4j": args.neo4j}))


if __name__ == "__main__":
    main()
