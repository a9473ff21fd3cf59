"""Time the demo GNN config on TREATS (10 epochs, 1 thread) on an existing demo store: python benchmarks/linkpred_demo_speed.py LABEL [STORE]."""

import sys
import time

import torch

torch.set_num_threads(1)
from kg.config import GnnConfig
from kg.gnn import run_linkprediction
from kg.schema import load_schema
from kg.store.sqlite import SqliteStore

s = SqliteStore(sys.argv[2] if len(sys.argv) > 2 else ".medkg/store")
nodes, edges = list(s.nodes()), list(s.edges())
s.close()
cfg = GnnConfig(targets=["TREATS"], epochs=10, params={"eval_every": 5, "num_threads": 1, "max_explained": 10})
t = time.perf_counter()
r = run_linkprediction(nodes, edges, load_schema(), cfg, "speed")
print(
    sys.argv[1],
    "TREATS stats",
    {k: round(v, 1) for k, v in r.stats["TREATS"].items() if k.startswith("seconds") or k == "epochs_run"},
)
