"""The build's link-prediction step: hypotheses refreshed only as far as the graph the served model reads changed.

``build`` calls :func:`run_linkprediction_step` after the text stages (``kg.build`` re-exports it). In serve
mode (the default) the step keeps, beside the hypotheses, a snapshot of what the model read when it computed
them: every edge's (head, type, tail, confidence) and every node's (id, label) (:mod:`kg.store.sqlite_linkpred`),
and the *state* of the serving (a digest of the GNN config, the served model, the schema and the medkg
version, the edge signatures the model never reads, the hypothesis counts), all written in the transaction that
writes the hypotheses. A later run diffs the store's graph against the snapshot in SQL and then:

* **partial refresh** (``refresh: partial`` in the run record): no edge the model reads was added, removed or
  changed its confidence, and no node was relabelled; what changed is only edges the model never reads, or
  nodes without such edges (a retracted note's text-only node, a new unlinked mention's node, a name). Every
  served hypothesis then stays as it is (``groups_rescored: 0``), with the run id of the run that computed it;
  only the snapshot rows that changed are written. Exact: a served model reads ids, labels, edges and
  confidences only, a node without edges is never a group, a candidate or on a path, and the nodes that do
  take part keep their relative order, so a full refresh on the new graph gives the same rows
  (``tests/test_linkpred_refresh.py`` compares them, scores to float equality).
* **full refresh** (``refresh: full`` with the reason): anything else: an edge the model reads changed (a
  changed DWPC degree moves the scores of every pair whose metapath passes the node, and a changed target
  degree a whole candidate column of every group: docs/gnn.md, "Partial hypothesis refresh", says why
  re-scoring only the touched groups is not done), a node was relabelled, the state differs (model, config,
  schema, medkg version), or there is no snapshot (a store from before it, or a ``train``-mode run). After
  changed edges alone, the stored explanations of pairs away from them are reused
  (:class:`kg.gnn.hypotheses.KeptExplanations`: the same paths and notes as computing them again).

``gnn.mode: train`` retrains on every change, as before, and leaves no snapshot.
"""

from __future__ import annotations

import json
import time
from typing import Any

import kg
from kg.artifacts import linkpred_fingerprint
from kg.config import GnnConfig, MedkgConfig
from kg.hashing import json_digest
from kg.logs import get_logger
from kg.schema import GraphSchema
from kg.store.sqlite import SqliteStore
from kg.store.sqlite_linkpred import model_read_changes

log = get_logger(__name__)

#: Hypotheses per predicted type that a build report names.
TOP_PER_TYPE = 5


def run_linkprediction_step(
    store: SqliteStore, schema: GraphSchema, config: MedkgConfig, run_id: str, changed: bool = True
) -> list:
    """Hypotheses on the stored graph, written back (skipped when nothing changed): served by the trained
    model (``gnn.mode: serve``, default; see :mod:`kg.gnn.serve`) or from a GNN trained here (``train``).

    Served hypotheses are kept (a partial refresh, module doc) when the graph changed only where the model
    does not read it, else refreshed in full; the log and the run record ``<run_id>/linkpred`` say which.

    Returns the best :data:`TOP_PER_TYPE` of each predicted type (what the build report names); the
    store holds them all."""
    served = _served_fingerprint(config.gnn)
    fingerprint = json_digest(config.gnn.model_dump(), served, store.counts()["edges"], len(store.document_state()))
    if not changed and store.get_meta("linkpred_fingerprint") == fingerprint:
        log.info("graph and GNN config unchanged: keeping the stored hypotheses")
        return store.top_hypotheses(TOP_PER_TYPE)
    if config.gnn.mode != "serve":
        _full_refresh(store, schema, config, run_id, {"linkpred_fingerprint": fingerprint}, None)
        return store.top_hypotheses(TOP_PER_TYPE)
    key = json_digest(config.gnn.model_dump(), served, schema.model_dump(), kg.__version__)
    reason, touched = _partial_refresh(store, key, fingerprint, run_id)
    if reason is not None:
        log.info("link prediction: full refresh (%s)", reason)
        meta = {"linkpred_fingerprint": fingerprint}
        _full_refresh(store, schema, config, run_id, meta, (key, reason), touched)
    return store.top_hypotheses(TOP_PER_TYPE)


def _partial_refresh(store: SqliteStore, key: str, fingerprint: str, run_id: str) -> tuple[str | None, set[str] | None]:
    """Keep the stored hypotheses when nothing the model reads changed since their serving (module doc).

    Returns:
        (None, None) when they were kept (the snapshot brought up to date, the run recorded), else the reason a
        full refresh is needed (nothing written) and, when only edges the model reads changed, the nodes at them
        (the stored explanations of pairs away from them still hold)."""
    t0 = time.perf_counter()
    raw = store.get_meta("linkpred_state")
    if not raw or not store.has_linkpred_snapshot():
        return "no snapshot of the graph the model last read", None
    state = json.loads(raw)
    if state.get("key") != key:
        return "the model, the GNN config, the schema or the medkg version changed", None
    if state.get("hypotheses") != store.counts()["hypotheses"]:
        return "the stored hypotheses changed since their serving", None
    diff = store.linkpred_input_diff()
    if diff.truncated:
        return f"more than {len(diff.edges):,} edges changed", None
    read = model_read_changes(diff, [(h, r, t) for h, r, t in state["unread"]])
    if diff.relabelled:
        return f"{len(diff.relabelled)} nodes relabelled", None
    if read:
        nodes = {i for h, _, t, _, _ in read for i in (h, t)}
        return f"{len(read)} edges the model reads changed, at {len(nodes)} nodes", nodes
    details = {
        "mode": "serve",
        "refresh": "partial",
        "groups_rescored": 0,
        "edges_changed": len(diff.edges),
        "model_read_edges_changed": 0,
        "nodes_changed": len(diff.nodes),
        "seconds_diff": round(time.perf_counter() - t0, 3),
    }
    store.update_hypotheses(diff, [], [], run_id, details, {"linkpred_fingerprint": fingerprint})
    log.info(
        "link prediction: partial refresh, 0 groups re-scored: %d edges and %d nodes changed, none the model "
        "reads (diff in %.1f s); the stored hypotheses stand",
        len(diff.edges),
        len(diff.nodes),
        details["seconds_diff"],
    )
    return None, None


def _full_refresh(
    store: SqliteStore,
    schema: GraphSchema,
    config: MedkgConfig,
    run_id: str,
    meta: dict[str, str],
    served: tuple[str, str] | None,
    touched: set[str] | None = None,
) -> None:
    """Every hypothesis computed again on the whole graph; ``served`` (state key, reason): a served model, whose
    snapshot and state are written with the hypotheses (one transaction). ``touched``: the nodes at the edges
    that changed since the stored hypotheses' serving: their explanations are reused away from them."""
    from kg.gnn.serve import predict_links, served_edge_filter, unread_signatures  # torch_geometric: only here

    predicted_types = [schema.predicted_type(t) for t in config.gnn.targets if t in schema.prediction_targets]
    nodes = list(store.nodes())
    # serving reads a third of a full-seed graph's edges (no Gene-Gene, Anatomy-Gene): only those are built
    keep = served_edge_filter(schema, config.gnn, {n.id: n.label for n in nodes}) if served is not None else None
    kept = _kept_explanations(store, schema, touched) if touched is not None else None
    result = predict_links(nodes, list(store.edges(keep=keep)), schema, config.gnn, run_id, kept)
    details: dict[str, Any] = {"mode": config.gnn.mode, "model_version": result.model_version, "stats": result.stats}
    meta = {**meta, "linkpred_metrics": json.dumps(result.metrics, sort_keys=True, default=float)}
    if served is not None:
        details.update(refresh="full", refresh_reason=served[1])
        counts = {t: n for t, n in store.counts()["hypotheses"].items() if t not in predicted_types}
        for h in result.hypotheses:
            counts[h.type] = counts.get(h.type, 0) + 1
        state = {"key": served[0], "unread": unread_signatures(schema, config.gnn), "hypotheses": counts}
        meta["linkpred_state"] = json.dumps(state, sort_keys=True)
    else:
        meta["linkpred_state"] = ""  # a trained model's hypotheses: the next served run refreshes in full
    store.write_hypotheses(result.hypotheses, predicted_types, run_id, details, meta, snapshot=served is not None)
    for target, models in result.metrics.items():
        log.info("link prediction %s: %s", target, json.dumps(models, default=float))


def _kept_explanations(store: SqliteStore, schema: GraphSchema, touched: set[str]) -> dict[str, Any]:
    """Per target, the stored explained hypotheses' paths and notes, for reuse away from ``touched``
    (:class:`kg.gnn.hypotheses.KeptExplanations`)."""
    from kg.gnn.hypotheses import KeptExplanations
    from kg.gnn.paths import NOT_EXPLAINED

    out = {}
    for rel, predicted in schema.prediction_targets.items():
        out[rel] = KeptExplanations(rows=store.explanations(predicted, NOT_EXPLAINED), touched=frozenset(touched))
    return out


def _served_fingerprint(gnn: GnnConfig) -> str | None:
    """:func:`kg.gnn.serve.served_fingerprint` read without importing the GNN code (torch_geometric takes
    seconds to import) unless the model is missing, where that function raises the error that says why."""
    if gnn.mode != "serve":
        return None
    fingerprint = linkpred_fingerprint(gnn.model_dir)
    if fingerprint is None:
        from kg.gnn.serve import served_fingerprint

        return served_fingerprint(gnn)
    return fingerprint
