"""What the de-identifier finds in real, already de-identified notes: the over-scrubbing view on real text.

    .venv/bin/python benchmarks/deid_real_notes.py [--notes ../shared/data/mtsamples/mtsamples_notes.csv] [-v]

MTSamples' 194 transcribed reports were de-identified by their publisher (``Dr. X``, ``ABCD Hospital``,
``XYZ``), so nearly every span found in them is a false positive that would cut clinical text; the few real
identifiers left in them (dates of service, a few clinicians' names, towns) are correctly found. The
benchmark prints spans per kind and per 10,000 characters; ``-v`` lists each span with its context (the
corpus is public). The last line is JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _provenance import provenance  # noqa: E402

from kg.privacy import find_phi  # noqa: E402

log = logging.getLogger("deid_real_notes")
DEFAULT_NOTES = ROOT.parent / "shared" / "data" / "mtsamples" / "mtsamples_notes.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=Path, default=DEFAULT_NOTES, help="MTSamples CSV (note_id, transcription)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every span with its context")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    load = os.getloadavg()
    if not args.notes.is_file():
        parser.error(f"no MTSamples notes at {args.notes}")
    with args.notes.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    kinds: Counter[str] = Counter()
    chars = 0
    for row in rows:
        text = row["transcription"]
        chars += len(text)
        for span in find_phi(text):
            kinds[span.kind] += 1
            log.info("%s %s %r", row["note_id"], span.kind, text[max(0, span.start - 40) : span.end + 30])
    total = sum(kinds.values())
    print(f"{len(rows)} notes, {chars:,} characters: {total} spans ({total / chars * 1e4:.2f} per 10k characters)")
    for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  {kind:<12}{n:>6}")
    print(
        json.dumps(
            {"notes": len(rows), "chars": chars, "spans": total, "by_kind": dict(kinds)}
            | provenance("deid_real_notes.py", load)
        )
    )


if __name__ == "__main__":
    main()
