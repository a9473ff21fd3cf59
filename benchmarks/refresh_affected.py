"""How many served hypothesis groups a one-note retraction can affect, exactly (issue 21, partial refresh).

    .venv/bin/python benchmarks/refresh_affected.py STORE [--notes 20] [--seed 0]

STORE: a store served by the shipped model (e.g. the second run of ``pipeline_incremental.py --keep DIR``:
``DIR/2``); it is copied, never written. For each of ``--notes`` sampled documents with evidence, the copy
retracts that document alone (``SqliteStore.retract_documents``, as a scheduled run does), and the diff
against the snapshot of the graph the model read (:mod:`kg.store.sqlite_linkpred`) gives the changed edges
the model reads and their end nodes (*touched*). A served pair's features can change only if a metapath
instance of the model (its DWPC metapaths and path counts: ``kg/resources/models/linkpred/*.json``) from its
head to its tail passes a touched node (a changed DWPC degree or edge), or its own end's target degree changed
(the ``deg_head`` / ``deg_tail`` features). Counted on the graph before the retraction (a retraction only
removes edges or lowers confidences, so that graph holds every path of either): per target, the served groups
(the stored hypotheses' groups) with an affected pair through a metapath, and with the degree features too.
Prints one line per note and a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from kg.config import load_config
from kg.gnn.metapaths import adjacency
from kg.gnn.options import link_params, target_config
from kg.gnn.prepare import message_graph
from kg.gnn.serve import served_edge_filter
from kg.gnn.serving import load_default
from kg.gnn.stacked_paths import METAPATHS
from kg.schema import load_schema
from kg.store.sqlite import SqliteStore
from kg.store.sqlite_linkpred import model_read_changes


def _binary(m: sp.csr_matrix) -> sp.csr_matrix:
    b = m.copy().tocsr()
    b.data = np.ones_like(b.data)
    return b


def _affected_groups(graph: Any, target: tuple[str, str, str], paths: list, touched: set[str], side: str) -> set[int]:
    """Group indices (query side ``side``) with a pair whose metapath passes a touched node."""
    adj = {et: _binary(m) for et, m in adjacency(graph).items()}
    pos = {label: {n: i for i, n in enumerate(ids)} for label, ids in graph.node_ids.items()}
    out: set[int] = set()
    for path in paths:
        if any(et not in adj for et in path):
            continue
        labels = [path[0][0], *(et[2] for et in path)]
        for p, label in enumerate(labels):
            idx = sorted(pos[label][n] for n in touched if n in pos.get(label, {}))
            if not idx:
                continue
            sel = sp.csr_matrix((np.ones(len(idx)), (idx, range(len(idx)))), shape=(graph.num_nodes(label), len(idx)))
            left = sel  # [N_label_p, K]: heads reaching the touched nodes, built right to left
            for et in reversed(path[:p]):
                left = adj[et] @ left
            right = sel.T.tocsr()  # [K, N_label_p] -> tails reached from them, left to right
            for et in path[p:]:
                right = right @ adj[et]
            pairs = (left @ right).tocoo()  # [H, T] pairs with a path through a touched node
            out |= set((pairs.col if side == "tail" else pairs.row).tolist())
    return out


def _target_report(graph: Any, model: Any, groups: set[str], touched: set[str], read: list) -> dict[str, int]:
    head, rel, tail = model.target
    side = "tail" if rel == "TREATS" else "head"
    every = METAPATHS[rel]
    paths = [every[n] for n in [*model.model.metapaths, *model.model.counts]]
    g_label = tail if side == "tail" else head
    ids = graph.node_ids[g_label]
    via_paths = {ids[i] for i in _affected_groups(graph, model.target, paths, touched, side)} & groups
    target_touched = {n for h, r, t, _, _ in read if r == rel for n in (h, t)}
    column = bool(target_touched - set(ids))  # a candidate's target degree changed: a column of every group
    row = target_touched & groups
    return {
        "groups": len(groups),
        "via_metapaths": len(via_paths),
        "with_degree_features": len(groups) if column else len(via_paths | row),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--notes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    schema, config = load_schema(), load_config(None, ["gnn.enabled=true"])
    model = load_default(config.gnn.model_dir)
    with SqliteStore(args.store) as store:
        nodes = list(store.nodes())
        keep = served_edge_filter(schema, config.gnn, {n.id: n.label for n in nodes})
        edges = list(store.edges(keep=keep))
        docs = [r[0] for r in store.conn.execute("SELECT DISTINCT doc_id FROM evidence ORDER BY doc_id")]
        groups = {
            rel: {
                r[0]
                for r in store.conn.execute(
                    f"SELECT DISTINCT {'tail' if rel == 'TREATS' else 'head'} FROM hypotheses WHERE type = ?",
                    (schema.predicted_type(rel),),
                )
            }
            for rel in config.gnn.targets
        }
    graphs = {}
    for rel in config.gnn.targets:
        options = link_params(target_config(config.gnn, rel).params)
        tm = model.targets[rel]
        graphs[rel] = message_graph(nodes, edges, schema, options, tm.target, {rel, *config.gnn.targets})
    from kg.gnn.serve import unread_signatures

    unread = [tuple(s) for s in unread_signatures(schema, config.gnn)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for doc in random.Random(args.seed).sample(docs, min(args.notes, len(docs))):
            copy = Path(tmp) / "s"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(args.store, copy)
            with SqliteStore(copy) as s:
                with s.transaction():
                    s.replace_linkpred_snapshot()
                s.retract_documents([doc])
                diff = s.linkpred_input_diff()
            read = model_read_changes(diff, unread)
            touched = {n for h, _, t, _, _ in read for n in (h, t)}
            row: dict[str, Any] = {"edges_changed": len(diff.edges), "read": len(read), "touched": len(touched)}
            for rel in config.gnn.targets:
                row[rel] = _target_report(graphs[rel], model.targets[rel], groups[rel], touched, read)
            rows.append(row)
            print(json.dumps(row))
    print(json.dumps({"notes": len(rows), "rows": rows}))


if __name__ == "__main__":
    main()
