"""Internal model selection of the stacked TREATS model (issue 20): Hetionet CtD only, no external set read.

PYTHONPATH=. python benchmarks/linkpred_stacked_internal.py [--data DIR] [--seed 13] [--out FILE.json]

For each candidate spec (metapath set, damping, C), :func:`kg.gnn.stacked.internal_report` on the whole Hetionet
CtD graph: out-of-fold AUROC / AUPRC over every untested pair of the CtD compounds x diseases (5 seeded folds,
features of a fold computed without its positives), and the Brier score / ECE of fold 0 under a Platt map fit on
the other folds (beside the uncalibrated sigmoid and an isotonic map). Prints a Markdown table; ``--out`` writes the rows, the reliability bins and the run's context.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch
from _provenance import provenance  # benchmarks/ is the script folder on sys.path

from kg.assemble import canonical_edges
from kg.gnn.stacked import EXTRA_METAPATHS, STACKED_METAPATHS, StackedSpec, build_design, internal_report
from kg.gnn.stacked_serving import stacked_graph
from kg.schema import load_schema
from kg.seed.hetionet import load_hetionet


def candidates(seed: int) -> dict[str, StackedSpec]:
    """The compared specs: Rephetio's metapaths at three C and dampings, then each extra metapath and all."""
    base = list(STACKED_METAPATHS)
    out = {f"Rephetio metapaths, damping 0.4, C {c}": StackedSpec(c=c, seed=seed) for c in (0.1, 1.0, 10.0)}
    out.update({f"Rephetio metapaths, damping {d}": StackedSpec(damping=d, seed=seed) for d in (0.0, 0.5)})
    out.update({f"+ {e}": StackedSpec(metapaths=[*base, e], seed=seed) for e in EXTRA_METAPATHS})
    out["+ every extra metapath"] = StackedSpec(metapaths=[*base, *EXTRA_METAPATHS], seed=seed)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("MEDKG_DATA_DIR", "../shared/data"))
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    load_start, t0 = os.getloadavg(), time.perf_counter()
    schema = load_schema()
    het = load_hetionet(Path(args.data) / "hetionet", schema)
    graph = stacked_graph(het.nodes, canonical_edges(het.edges, schema), schema)
    rows = {}
    print("| candidate | OOF AUROC | OOF AUPRC | Brier (fold 0) | ECE (fold 0) | Brier uncalibrated | Brier isotonic |")
    print("|---|---|---|---|---|---|---|")
    for name, spec in candidates(args.seed).items():
        _, m = internal_report(build_design(graph, spec), spec.c, spec.eval_fold)
        rows[name] = {"spec": spec.model_dump(), **m}
        cal, unc, iso = m["calibrated"], m["uncalibrated"], m["isotonic"]
        print(
            f"| {name} | {m['auroc']:.4f} | {m['auprc']:.4f} | {cal['brier']:.4f} | {cal['ece']:.4f} | "
            f"{unc['brier']:.4f} | {iso['brier']:.4f} |"
        )
    secs = round(time.perf_counter() - t0, 1)
    print(f"wall {secs} s")
    if args.out:
        out = {
            **provenance("linkpred_stacked_internal.py", load_start),
            "seed": args.seed,
            "rows": rows,
            "seconds": secs,
        }
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
