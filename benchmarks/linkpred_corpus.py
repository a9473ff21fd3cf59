"""Write PubTator abstracts (title + abstract text only, no annotations) as JSONL for `medkg build`.

The text-mined edges of the link-prediction evaluation come from a store built on the BC5CDR
abstracts plus the demo notes (docs/benchmarks.md, "Link prediction"):

    python benchmarks/linkpred_corpus.py --out /tmp/lp/bc5cdr.jsonl ../shared/data/bc5cdr/CDR_*.PubTator.txt
    medkg build /tmp/lp/bc5cdr.jsonl data/demo/notes.jsonl --store .medkg/linkpred-store \
        --set gnn.enabled=false --set ner.name=fast
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kg.io.corpora import read_pubtator


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path, help="PubTator files")
    ap.add_argument("--out", type=Path, required=True, help="JSONL to write ({id, text} per line)")
    args = ap.parse_args()
    n = 0
    with args.out.open("w", encoding="utf-8") as f:
        for path in args.files:
            for doc in read_pubtator(path):
                d = doc.document
                f.write(json.dumps({"id": f"PMID:{d.id}", "text": d.text}) + "\n")
                n += 1
    print(json.dumps({"documents": n, "out": str(args.out)}))


if __name__ == "__main__":
    main()
