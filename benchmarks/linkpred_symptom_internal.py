"""Internal model selection of the stacked HAS_SYMPTOM model (issue 20): HPO annotations only, no held-out set read.

PYTHONPATH=. python benchmarks/linkpred_symptom_internal.py [--data DIR] [--seed 13] [--out FILE.json]

Reads the seed graph of ``configs/linkpred/default.yaml`` (Hetionet + HPO). For each candidate spec (metapath set,
damping, C, design size), :func:`kg.gnn.stacked.internal_report` on the HPO HAS_SYMPTOM pairs of the rule's grid
(diseases with >= 3 known phenotypes x phenotypes of >= 3 diseases; a seeded sample of the diseases, untested pairs
kept with a weighted rate): out-of-fold AUROC / AUPRC (5 seeded folds, features of a fold computed without its
positives), and the Brier score / ECE of fold 0 under a Platt map fit on the other folds (weighted to the whole
grid). Prints a Markdown table; ``--out`` writes the rows, the reliability bins and the run's context.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch
from _provenance import provenance  # benchmarks/ is the script folder on sys.path

from kg.gnn.configs import DEFAULT_TRAIN_CONFIG, load_graph, load_train_config
from kg.gnn.stacked import StackedSpec, build_design, internal_report
from kg.gnn.stacked_paths import SYMPTOM_STACKED_METAPATHS, SYMPTOM_TARGET
from kg.gnn.stacked_serving import stacked_graph
from kg.schema import load_schema


def candidates(base: StackedSpec) -> dict[str, StackedSpec]:
    """The compared specs: the four meaningful metapaths at two C and three dampings, DpSpDpS alone (the shipped
    3.1.0 spec), the four plus each extra metapath, and the four on a larger design sample."""
    mps = list(SYMPTOM_STACKED_METAPATHS)
    four = base.model_copy(update={"metapaths": mps})
    out = {f"{'+'.join(mps)}, damping 0.4, C {c}": four.model_copy(update={"c": c}) for c in (1.0, 0.1)}
    out.update({f"damping {d}": four.model_copy(update={"damping": d}) for d in (0.0, 0.5)})
    out["DpSpDpS only"] = four.model_copy(update={"metapaths": ["DpSpDpS"]})
    for extra in ("DuGuDpS", "DdGdDpS", "DtCtDpS"):
        out[f"+ {extra}"] = four.model_copy(update={"metapaths": [*mps, extra]})
    out["4,000 sampled diseases"] = four.model_copy(update={"max_heads": 4000})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(DEFAULT_TRAIN_CONFIG))
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    load_start, t0 = os.getloadavg(), time.perf_counter()
    cfg = load_train_config(args.config)
    schema = load_schema()
    nodes, edges, _ = load_graph(cfg.graph, schema)
    kept = [e for e in edges if e.type != "HAS_SYMPTOM" or "hpo" in e.sources]
    base = cfg.stacked["HAS_SYMPTOM"].model_copy(update={"seed": args.seed})
    rows = {}
    print(
        "| candidate | OOF AUROC | OOF AUPRC | Brier (fold 0) | ECE (fold 0) | Brier uncalibrated | Brier isotonic | s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, spec in candidates(base).items():
        t1 = time.perf_counter()
        graph = stacked_graph(nodes, kept, schema, "HAS_SYMPTOM", spec.metapaths)
        _, m = internal_report(build_design(graph, spec, SYMPTOM_TARGET), spec.c, spec.eval_fold)
        secs = round(time.perf_counter() - t1, 1)
        rows[name] = {"spec": spec.model_dump(), "seconds": secs, **m}
        cal, unc, iso = m["calibrated"], m["uncalibrated"], m["isotonic"]
        print(
            f"| {name} | {m['auroc']:.4f} | {m['auprc']:.4f} | {cal['brier']:.5f} | {cal['ece']:.5f} | "
            f"{unc['brier']:.5f} | {iso['brier']:.5f} | {secs} |",
            flush=True,
        )
    secs = round(time.perf_counter() - t0, 1)
    print(f"wall {secs} s")
    if args.out:
        out = {
            **provenance("linkpred_symptom_internal.py", load_start),
            "seed": args.seed,
            "rows": rows,
            "seconds": secs,
        }
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
