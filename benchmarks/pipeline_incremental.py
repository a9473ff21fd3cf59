"""What an incremental scheduled run costs against the first one (issue 21).

    .venv/bin/python benchmarks/pipeline_incremental.py                       # the 194 MTSamples notes
    .venv/bin/python benchmarks/pipeline_incremental.py --limit 50 --set ner.name=dictionary

Writes the notes as one .txt file each into a temporary inbox and runs the ``nightly`` definition
(``pipelines/nightly.yaml``, with ``--set`` overrides) three times on a fresh store: the first run; the
same inbox again (everything unchanged); then with 1% of the notes changed and 1% deleted (at least one
each). Prints the wall time of each run, its counts, and the second and third runs as a share of the
first. The first run includes loading the curated seeds (skipped later, as in production). Time it on a
quiet machine; the last line is JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from kg.scheduled import load_definition, run_pipeline

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=Path, default=DEFAULT_NOTES, help="MTSamples notes CSV")
    parser.add_argument("--limit", type=int, default=194)
    parser.add_argument("--set", action="append", default=[], help="override, e.g. ner.name=fast (repeatable)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        inbox, store = Path(tmp) / "inbox", Path(tmp) / "store"
        paths = _write_inbox(inbox, args.notes, args.limit)
        defn = load_definition(
            "nightly",
            [*args.set, "steps=[ingest, privacy, ner, assertion, linking, relations, assembly, store, hypotheses]"],
            str(inbox),
            str(store),
        )
        runs = {}
        for name in ("first", "unchanged", "1% changed + 1% deleted"):
            if name.startswith("1%"):
                k = max(1, len(paths) // 100)
                for p in paths[:k]:
                    p.write_text(
                        p.read_text(encoding="utf-8") + "\nAddendum: follow up in two weeks.", encoding="utf-8"
                    )
                for p in paths[-k:]:
                    p.unlink()
            t = time.perf_counter()
            result = run_pipeline(defn)
            runs[name] = {"seconds": round(time.perf_counter() - t, 2), **result.summary}
            print(f"{name:26} {runs[name]['seconds']:8.2f} s  {json.dumps(result.summary)}")
    first = runs["first"]["seconds"]
    shares = {k: round(v["seconds"] / first, 4) for k, v in runs.items() if k != "first"}
    print(f"share of the first run: {shares} (load {[round(x, 2) for x in os.getloadavg()]})")
    print(json.dumps({"notes": len(paths), "runs": runs, "share_of_first": shares, "overrides": args.set}))


if __name__ == "__main__":
    main()
