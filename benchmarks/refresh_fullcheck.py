"""Is a store's hypothesis refresh exact? Compare it with a full refresh of a copy (issue 21).

    .venv/bin/python benchmarks/refresh_fullcheck.py STORE [--retract DOC_ID ...] [--pipeline nightly] [--set k=v]

STORE: a served store, copied, never written. Without ``--retract``, STORE's last step is checked as it is
(e.g. the third run of ``pipeline_incremental.py --keep DIR``: ``DIR/3``). With ``--retract``, the copy first
retracts those documents (as a scheduled run does) and runs the link-prediction step, timed with
``demo_stages.py``'s stage timers (partial refresh, or full with the stored explanations reused). Either way a
second copy's serving state is cleared and ``run_linkprediction_step`` refreshes it in full with the pipeline
definition's run config; the two hypothesis tables are compared row by row (head, type, tail, score, rank,
model version, explanation, note; run ids aside). Prints one JSON line; exit status 1 when they differ.
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
from typing import Any

import demo_stages  # benchmarks/demo_stages.py: the same stage timers

from kg.linkpred_step import run_linkprediction_step
from kg.scheduled import load_definition
from kg.schema import load_schema
from kg.store.sqlite import DB_NAME, SqliteStore

ROWS = (
    "SELECT head, type, tail, score, rank, model_version, explanation, note FROM hypotheses ORDER BY head, type, tail"
)


def _step(store_dir: Path, config: Any, run_id: str, clear: bool) -> dict[str, Any]:
    """Run the step on ``store_dir`` (``clear``: its serving state first, a full refresh); CPU s and details."""
    with SqliteStore(store_dir) as store:
        if clear:
            store.set_meta("linkpred_state", "")
        demo_stages.STAGES.clear()
        cpu = time.process_time()
        run_linkprediction_step(store, load_schema(), config, run_id)
        seconds = time.process_time() - cpu
        row = store.conn.execute("SELECT details FROM runs WHERE run_id = ?", (f"{run_id}/linkpred",)).fetchone()
    details = json.loads(row[0]) if row else {}
    stages = {k.strip(): round(v[1], 2) for k, v in demo_stages.STAGES.items()}
    keys = ("refresh", "refresh_reason", "groups_rescored")
    return {"cpu_s": round(seconds, 1), **{k: details[k] for k in keys if k in details}, "stages_cpu_s": stages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--retract", nargs="+", default=[], help="documents to retract on the copy first")
    parser.add_argument("--pipeline", default="nightly", help="the definition whose run config served the store")
    parser.add_argument("--set", action="append", default=[], help="override, as pipeline_incremental.py's")
    args = parser.parse_args()
    demo_stages.instrument()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        checked, full = Path(tmp) / "checked", Path(tmp) / "full"
        shutil.copytree(args.store, checked)
        config = load_definition(args.pipeline, args.set, tmp, str(full)).config
        if args.retract:
            with SqliteStore(checked) as store:
                out["retracted"] = store.retract_documents(args.retract)
        shutil.copytree(checked, full)
        if args.retract:
            out["step"] = _step(checked, config, "checked", clear=False)
        out["full"] = _step(full, config, "full", clear=True)
        a = sqlite3.connect(checked / DB_NAME).execute(ROWS).fetchall()
        b = sqlite3.connect(full / DB_NAME).execute(ROWS).fetchall()
    out |= {
        "rows": [len(a), len(b)],
        "identical": a == b,
        "differing": sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b)),
    }
    print(json.dumps(out))
    sys.exit(0 if out["identical"] else 1)


if __name__ == "__main__":
    main()
