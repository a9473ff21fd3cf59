"""Time the demo's GNN config on TREATS (10 epochs, 1 thread) on an existing demo store.

PYTHONPATH=<checkout> python benchmarks/linkpred_demo_speed.py LABEL [STORE]
"""

import sys

import torch

from kg.config import GnnConfig
from kg.gnn import run_linkprediction
from kg.schema import load_schema
from kg.store.sqlite import SqliteStore


def main() -> None:
    torch.set_num_threads(1)
    with SqliteStore(sys.argv[2] if len(sys.argv) > 2 else ".medkg/store") as s:
        nodes, edges = list(s.nodes()), list(s.edges())
    cfg = GnnConfig(targets=["TREATS"], epochs=10, params={"eval_every": 5, "num_threads": 1, "max_explained": 10})
    r = run_linkprediction(nodes, edges, load_schema(), cfg, "speed")
    stats = {k: round(v, 1) for k, v in r.stats["TREATS"].items() if k.startswith("seconds") or k == "epochs_run"}
    print(sys.argv[1], "TREATS stats", stats)


if __name__ == "__main__":
    main()
