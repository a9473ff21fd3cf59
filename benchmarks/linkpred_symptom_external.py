"""External-style HAS_SYMPTOM protocols of issue 20: disease and symptom hold-outs x scorers (AUROC, AUPRC,
precision@k, Brier / ECE of the calibrated model).

PYTHONPATH=. python benchmarks/linkpred_symptom_external.py [--config FILE] [--seed 13] [--n-held 100] [--out FILE.json]

Reads the seed graph of ``configs/linkpred/default.yaml`` (Hetionet + HPO, HPO HAS_SYMPTOM pairs only) and, per
protocol of :mod:`kg.gnn.symptom_protocols`, removes the held-out pairs, builds every scorer on that training
graph (the stacked model with the config's HAS_SYMPTOM spec, trained again on it) and scores the protocol's grid.
Prints the Markdown table; ``--out`` writes the report and the run's context as JSON.
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
from kg.gnn.stacked_serving import stacked_graph
from kg.gnn.symptom_protocols import PROTOCOLS, evaluate_holdout, format_rows, hold_out
from kg.schema import load_schema


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(DEFAULT_TRAIN_CONFIG))
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--n-held", type=int, default=100, help="held-out diseases (phenotypes) per protocol")
    ap.add_argument("--rounds", type=int, default=200, help="bootstrap rounds of the AUROC interval")
    ap.add_argument("--protocols", default=",".join(PROTOCOLS))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    load_start, t0 = os.getloadavg(), time.perf_counter()
    cfg = load_train_config(args.config)
    schema = load_schema()
    nodes, edges, _ = load_graph(cfg.graph, schema)
    edges = [e for e in edges if e.type != "HAS_SYMPTOM" or "hpo" in e.sources]
    spec = cfg.stacked["HAS_SYMPTOM"]
    label = {n.id: n.label for n in nodes}
    pairs = [(e.head, e.tail) for e in edges if e.type == "HAS_SYMPTOM" and label.get(e.head) == "Disease"]
    report = {}
    for name in args.protocols.split(","):
        ho = hold_out(pairs, name, args.n_held, args.seed, spec.min_head_known)
        held = set(ho.held)
        kept = [e for e in edges if e.type != "HAS_SYMPTOM" or (e.head, e.tail) not in held]
        graph = stacked_graph(nodes, kept, schema, "HAS_SYMPTOM", spec.metapaths)
        t1 = time.perf_counter()
        report[name] = evaluate_holdout(graph, ho, spec, args.seed, args.rounds, spec.min_head_known)
        report[name]["seconds"] = round(time.perf_counter() - t1, 1)
        print(json.dumps({name: report[name]["grid"]}), flush=True)
    print("\n".join(format_rows(report)))
    secs = round(time.perf_counter() - t0, 1)
    print(f"wall {secs} s")
    if args.out:
        out = {
            **provenance("linkpred_symptom_external.py", load_start),
            "seed": args.seed,
            "n_held": args.n_held,
            "spec": spec.model_dump(),
            "report": report,
            "seconds": secs,
        }
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
