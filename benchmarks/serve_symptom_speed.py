"""Time (and optionally profile) serving one GNN target (default HAS_SYMPTOM) on an existing store.

PYTHONPATH=<checkout> python benchmarks/serve_symptom_speed.py STORE [--target HAS_SYMPTOM] [--profile OUT.prof]
    [--save OUT.pkl] [--compare REF.pkl] [--set KEY=VALUE ...]

``--save`` writes the hypotheses (pickle), ``--compare`` checks them against a saved run: same (head, tail,
rank) triples, scores equal to 1e-5, same explanations. ``--set`` sets a ``gnn.params`` key (JSON value).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import pickle
import pstats
import sys
import time

from kg.config import load_config
from kg.gnn.options import target_config
from kg.gnn.serve import _serve_target
from kg.gnn.serving import load_default
from kg.schema import load_schema
from kg.store.sqlite import SqliteStore


def _compare(hyps: list, ref: list) -> str:
    key = {(h.head, h.tail): h for h in ref}
    same = [(h.head, h.tail) in key and key[(h.head, h.tail)].rank == h.rank for h in hyps]
    diff = max((abs(h.score - key[(h.head, h.tail)].score) for h in hyps if (h.head, h.tail) in key), default=0.0)
    expl = sum(
        1
        for h in hyps
        if (h.head, h.tail) in key
        and (h.explanation, h.note) != (key[(h.head, h.tail)].explanation, key[(h.head, h.tail)].note)
    )
    return (
        f"compare: {len(hyps)} vs {len(ref)} hypotheses, {sum(same)} same (pair, rank), "
        f"max |score diff| {diff:.2e}, {expl} explanations differ"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--target", default="HAS_SYMPTOM")
    ap.add_argument("--profile")
    ap.add_argument("--save")
    ap.add_argument("--compare")
    ap.add_argument("--set", action="append", default=[])
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    t0 = time.perf_counter()
    with SqliteStore(a.store) as s:
        nodes, edges = list(s.nodes()), list(s.edges())
    config = load_config()
    params = {**config.gnn.params, **{k: json.loads(v) for k, v in (x.split("=", 1) for x in a.set)}}
    gnn = config.gnn.model_copy(update={"params": params})
    model = load_default(gnn.model_dir)
    threads = params.get("num_threads")
    if threads:
        import torch

        torch.set_num_threads(int(threads))
    print(f"loaded {len(nodes)} nodes, {len(edges)} edges, model {model.version} in {time.perf_counter() - t0:.1f} s")
    tm = model.targets[a.target]
    prof = cProfile.Profile() if a.profile else None
    t1 = time.perf_counter()
    if prof:
        prof.enable()
    hyps, stats = _serve_target(nodes, edges, load_schema(), target_config(gnn, a.target), tm, (model.version, "bench"))
    if prof:
        prof.disable()
        prof.dump_stats(a.profile)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
    took = time.perf_counter() - t1
    print(
        f"{a.target}: {len(hyps)} hypotheses in {took:.1f} s; stats {json.dumps({k: round(v, 1) for k, v in stats.items()})}"
    )
    if a.save:
        with open(a.save, "wb") as f:
            pickle.dump(hyps, f)
    if a.compare:
        with open(a.compare, "rb") as f:
            print(_compare(hyps, pickle.load(f)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
