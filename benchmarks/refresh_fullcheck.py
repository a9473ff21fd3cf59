"""Is a store's partial hypothesis refresh exact? Compare it with a full refresh of a copy (issue 21).

    .venv/bin/python benchmarks/refresh_fullcheck.py STORE [--pipeline nightly] [--set key=value ...]

STORE: a store whose last link-prediction step was a partial refresh (e.g. the third run of
``pipeline_incremental.py --keep DIR``: ``DIR/3``); it is copied, never written. The copy's serving state is
cleared and ``run_linkprediction_step`` refreshes it in full with the pipeline definition's run config; the
two hypothesis tables are then compared row by row (head, type, tail, score, rank, model version,
explanation, note; run ids aside). Prints one JSON line; exit status 1 when they differ.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from kg.linkpred_step import run_linkprediction_step
from kg.scheduled import load_definition
from kg.schema import load_schema
from kg.store.sqlite import DB_NAME, SqliteStore

ROWS = (
    "SELECT head, type, tail, score, rank, model_version, explanation, note FROM hypotheses ORDER BY head, type, tail"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--pipeline", default="nightly", help="the definition whose run config served the store")
    parser.add_argument("--set", action="append", default=[], help="override, as pipeline_incremental.py's")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "store"
        shutil.copytree(args.store, full)
        defn = load_definition(args.pipeline, args.set, tmp, str(full))
        with SqliteStore(full) as store:
            store.set_meta("linkpred_state", "")
            cpu = time.process_time()
            run_linkprediction_step(store, load_schema(), defn.config, "fullcheck")
            seconds = time.process_time() - cpu
        a = sqlite3.connect(args.store / DB_NAME).execute(ROWS).fetchall()
        b = sqlite3.connect(full / DB_NAME).execute(ROWS).fetchall()
    out = {
        "partial_rows": len(a),
        "full_rows": len(b),
        "identical": a == b,
        "differing": sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b)),
        "full_refresh_cpu_s": round(seconds, 1),
    }
    print(json.dumps(out))
    sys.exit(0 if out["identical"] else 1)


if __name__ == "__main__":
    main()
