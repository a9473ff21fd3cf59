"""Per-stage wall and CPU seconds of the README demo on a fresh store (issue 22).

    .venv/bin/python benchmarks/demo_stages.py [--store DIR] [--set key=value ...] [--no-seed-cache]
    .venv/bin/python benchmarks/demo_stages.py --compare-with OTHER_STORE   # same rows and hypotheses?

Runs :func:`kg.build.demo` (what ``medkg demo`` runs) into a fresh store once, with its stages wrapped
by timers: the seeds, the text stages (start-up included), the link-prediction step and inside it the
graph read, each served target (graph, scoring, explanations) and the hypothesis write. Each line
gives wall seconds and this process's CPU seconds (user + sys of every thread, so a figure taken
while other jobs hold the cores is still comparable), and the load average at the start and end.
``--no-seed-cache`` loads the seeds as a store without the seed image does (``MEDKG_SEED_CACHE_DIR=off``).
``--compare-with`` compares the new store's graph rows and hypotheses (scores, ranks, explanations)
with another store's, run ids and times aside. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kg.build
import kg.gnn.hypotheses
import kg.gnn.serve
from kg.config import load_config
from kg.store.sqlite import SqliteStore

STAGES: dict[str, list[float]] = {}
#: Columns holding a run id, a time or a document's pseudonym (keyed per store): they differ between any two
#: builds; tables compared without them (``meta`` holds per-store keys and fingerprints: not compared).
RUN_COLUMNS = {"run_id", "started", "finished", "processed_at", "seen_at", "first_seen", "last_seen", "doc_id"}


def _timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            acc = STAGES.setdefault(name, [0.0, 0.0])
            acc[0] += time.perf_counter() - wall
            acc[1] += time.process_time() - cpu

    return wrapper


def instrument() -> None:
    """Wrap the build's stages (kg.build, kg.gnn.serve, kg.gnn.hypotheses, the store) with the timers."""
    kg.build.load_seeds = _timed("seeds", kg.build.load_seeds)
    kg.build.write_checkpoints = _timed("text stages (start-up included)", kg.build.write_checkpoints)
    kg.build.run_linkprediction_step = _timed("link prediction step", kg.build.run_linkprediction_step)
    if hasattr(SqliteStore, "graph_digest"):  # (absent before issue 21's digest: the script also times old commits)
        SqliteStore.graph_digest = _timed("  graph digest", SqliteStore.graph_digest)  # type: ignore[method-assign]
    if hasattr(SqliteStore, "linkpred_input_diff"):  # the partial refresh's diff (issue 21)
        diff = SqliteStore.linkpred_input_diff
        SqliteStore.linkpred_input_diff = _timed("  input diff", diff)  # type: ignore[method-assign]
    read = SqliteStore.edges
    SqliteStore.edges = _timed("  graph read (edges)", lambda self, *a, **k: list(read(self, *a, **k)))  # type: ignore[method-assign]
    kg.gnn.serve.serve_linkprediction = _timed("  serving (every target)", kg.gnn.serve.serve_linkprediction)
    kg.gnn.serve.message_graph = _timed("    message graphs", kg.gnn.serve.message_graph)
    kg.gnn.serve.build_path_index = _timed("    path indexes", kg.gnn.serve.build_path_index)
    kg.gnn.hypotheses._top_partners = _timed("    scoring (top k)", kg.gnn.hypotheses._top_partners)
    kg.gnn.hypotheses._explain_found = _timed("    explanations", kg.gnn.hypotheses._explain_found)
    SqliteStore.write_hypotheses = _timed("  hypothesis write", SqliteStore.write_hypotheses)  # type: ignore[method-assign]


def _rows(store_dir: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(store_dir / "graph.sqlite")
    out = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT IN ('runs', 'meta')"):
        cur = conn.execute(f"SELECT * FROM {table}")  # the store's own table names
        keep = [i for i, d in enumerate(cur.description) if d[0] not in RUN_COLUMNS]
        out[table] = sorted(tuple(r[i] for i in keep) for r in cur)
    conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="fresh store folder (default: a temporary one)")
    parser.add_argument("--set", action="append", default=[], help="config override (repeatable)")
    parser.add_argument("--no-seed-cache", action="store_true")
    parser.add_argument("--compare-with", type=Path, help="another demo store to compare rows with")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.no_seed_cache:
        os.environ["MEDKG_SEED_CACHE_DIR"] = "off"
    store = args.store or Path(tempfile.mkdtemp(prefix="demo-stages-")) / "store"
    if store.exists():
        parser.error(f"{store} exists: the demo is timed on a fresh store")
    instrument()
    load0 = os.getloadavg()
    wall, cpu = time.perf_counter(), time.process_time()
    report = kg.build.demo(load_config(None, args.set), store_dir=store)
    total = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
    load1 = os.getloadavg()
    print(f"{'stage':36} {'wall s':>8} {'cpu s':>8}")
    for name, (w, c) in STAGES.items():
        print(f"{name:36} {w:8.1f} {c:8.1f}")
    print(f"{'demo (build) total':36} {total['wall']:8.1f} {total['cpu']:8.1f}")
    print(f"load average {load0[0]:.2f} at start, {load1[0]:.2f} at end; store {store}")
    result: dict[str, Any] = {
        "stages": {k: {"wall": round(v[0], 2), "cpu": round(v[1], 2)} for k, v in STAGES.items()},
        "total": {k: round(v, 2) for k, v in total.items()},
        "load": [round(load0[0], 2), round(load1[0], 2)],
        "edges": report.edges,
        "nodes": report.nodes,
        "seed_cache": not args.no_seed_cache,
    }
    if args.compare_with:
        mine, theirs = _rows(store), _rows(args.compare_with)
        result["same_rows"] = {t: mine[t] == theirs.get(t) for t in sorted(mine)}
        print(f"same rows as {args.compare_with} (run ids and times aside): {result['same_rows']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
