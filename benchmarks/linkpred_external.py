"""External-style TREATS protocols of issue 20: protocol x scorer table (AUROC, AUPRC, precision@k).

PYTHONPATH=. python benchmarks/linkpred_external.py [--data DIR] [--model-dir DIR ...] [--seed 13] [--out FILE.json]

Reads the Hetionet seed (``DIR/hetionet``), BioRED train + dev (``DIR/biored``), the packaged terminology and
the shipped model (``kg/resources/models/linkpred``; ``--model-dir`` repeated scores several model folders), and
trains the stacked candidates of :data:`STACKED` on each protocol's training graph, then calls :func:`kg.gnn.external.run_external`.
Prints the literature mapping counts and the Markdown table; ``--out`` writes the whole report as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch
import yaml
from _provenance import provenance  # benchmarks/ is the script folder on sys.path

from kg.assemble import canonical_edges
from kg.gnn.data import GraphIndex
from kg.gnn.external import PairScorer, ShippedModel, format_table, map_literature, run_external
from kg.gnn.serving import load_default
from kg.gnn.stacked import EXTRA_METAPATHS, STACKED_METAPATHS, StackedSpec, fit_stacked, stacked_scorer
from kg.gnn.stacked_prior import COUNT_SUFFIX
from kg.io.corpora import read_pubtator
from kg.schema import load_schema
from kg.seed.hetionet import load_hetionet
from kg.vocab.terminology import load_terminology

#: The stacked candidates, each trained on the protocol's training graph: the Rephetio feature set, and the
#: internal pick (every extra metapath too, :class:`kg.gnn.stacked.StackedSpec` defaults).
STACKED = {
    "stacked, 3.0.0 recipe (Rephetio metapaths)": StackedSpec(metapaths=list(STACKED_METAPATHS)),
    "stacked + extra metapaths (internal pick)": StackedSpec(metapaths=[*STACKED_METAPATHS, *EXTRA_METAPATHS]),
    # the shipped TREATS spec of configs/linkpred/default.yaml (4.0.0: 3.0.0 + the count prior)
    "stacked, 4.0.0 recipe (+ count prior)": StackedSpec(
        **yaml.safe_load((Path(__file__).resolve().parents[1] / "configs/linkpred/default.yaml").read_text())[
            "stacked"
        ]["TREATS"]
    ),
}


def _candidate(spec: StackedSpec):  # noqa: ANN202
    def fit(graph: GraphIndex) -> PairScorer:
        return stacked_scorer(fit_stacked(graph, spec), graph, "head").pairs

    return fit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("MEDKG_DATA_DIR", "../shared/data"))
    ap.add_argument(
        "--model-dir", action="append", default=None, help="model folder, repeatable (default: the packaged one)"
    )
    ap.add_argument("--no-model", action="store_true", help="leave the shipped model out")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--fraction", type=float, default=0.2, help="share held out in the cold-start protocols")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-stacked", action="store_true", help="leave the stacked candidates out")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    load_start = os.getloadavg()
    t0 = time.perf_counter()
    schema = load_schema()
    het = load_hetionet(Path(args.data) / "hetionet", schema)
    edges = canonical_edges(het.edges, schema)
    ctd = [(e.head, e.tail) for e in edges if e.type == "TREATS"]
    docs = [d for split in ("Train", "Dev") for d in read_pubtator(Path(args.data) / "biored" / f"{split}.PubTator")]
    lit = map_literature(docs, load_terminology(), het.nodes, ctd)
    models = []
    for model_dir in [] if args.no_model else args.model_dir or [None]:
        dm = load_default(model_dir)
        tm = dm.targets["TREATS"]
        feats = tm.features.featurizer.names if tm.features is not None else []
        names = list(dict.fromkeys(n.removesuffix(COUNT_SUFFIX) for n in feats))  # a count is its metapath
        models.append(ShippedModel(f"model {dm.meta['version']}", tm.head_ids, tm.tail_ids, tm.logits, names))
    cands = (
        {} if args.no_stacked else {n: _candidate(s.model_copy(update={"seed": args.seed})) for n, s in STACKED.items()}
    )
    report = run_external(
        het.nodes, edges, schema, lit.pairs, models, seed=args.seed, fraction=args.fraction, candidates=cands
    )
    print("BioRED train+dev Negative_Correlation -> seed ids:")
    for k, v in lit.counts.items():
        print(f"  {k}: {v}")
    for name, res in report.items():
        print(f"{name}: grid {res['grid']}; held-out edges {res['held_out_edges']}; z-sum counts {res['zsum_counts']}")
    print("\n".join(format_table(report)))
    secs = round(time.perf_counter() - t0, 1)
    print(f"wall {secs} s")
    if args.out:
        out = {
            **provenance("linkpred_external.py", load_start),
            "seed": args.seed,
            "fraction": args.fraction,
            "literature": lit.counts,
            "report": report,
            "seconds": secs,
        }
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
