"""Reading hypotheses back from the embedded store, as a reader sees them (``medkg hypotheses``).

The link-prediction step writes hypotheses with :meth:`kg.store.sqlite.SqliteStore.write_hypotheses`;
:func:`top_hypotheses` reads the best of them per predicted type, optionally only those touching one
node, with node names and each explaining path's metapath. No Neo4j needed; the store is opened
read-only in spirit (nothing is written), and a missing store is an error, never an empty one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from kg.schema import GraphSchema
from kg.types import Hypothesis, HypothesisView, PathView

from .sqlite import DB_NAME, SqliteStore
from .sqlite_tables import HYPOTHESIS_COLUMNS, hypothesis_from_row


class HypothesisQueryError(ValueError):
    """The store, type or node asked for does not exist or holds no hypotheses; the message says which."""


def predicted_types(schema: GraphSchema, rel_type: str | None) -> list[str]:
    """The predicted relation types to list: ``rel_type`` (``TREATS`` or ``PREDICTED_TREATS``), else all.

    Raises:
        HypothesisQueryError: ``rel_type`` is neither a prediction target nor a predicted type.
    """
    targets = schema.prediction_targets
    if rel_type is None:
        return sorted(targets.values())
    if rel_type in targets:
        return [targets[rel_type]]
    if rel_type in targets.values():
        return [rel_type]
    raise HypothesisQueryError(f"unknown hypothesis type {rel_type!r}; known: {', '.join(sorted(targets))}")


def find_nodes(store: SqliteStore, node: str) -> list[str]:
    """Ids of the nodes whose id is ``node`` exactly, or whose name equals it case-insensitively."""
    if store.conn.execute("SELECT 1 FROM nodes WHERE id = ?", (node,)).fetchone():
        return [node]
    wanted = node.casefold()
    # SQLite's lower() folds ASCII only; names are compared in Python so "Ménière disease" matches too.
    return [i for i, name in store.conn.execute("SELECT id, name FROM nodes ORDER BY id") if name.casefold() == wanted]


def _select(store: SqliteStore, rel: str, node_ids: Sequence[str] | None, top: int) -> list[Hypothesis]:
    """The best ``top`` hypotheses of ``rel`` (touching one of ``node_ids`` when given), best first."""
    q = f"SELECT {HYPOTHESIS_COLUMNS} FROM hypotheses WHERE type = ?"
    args: list[object] = [rel]
    if node_ids is not None:
        marks = ",".join("?" * len(node_ids))
        q += f" AND (head IN ({marks}) OR tail IN ({marks}))"
        args += [*node_ids, *node_ids]
    q += " ORDER BY score DESC, rank, head, tail LIMIT ?"
    return [hypothesis_from_row(r) for r in store.conn.execute(q, [*args, top])]


def _metapath(labels: Sequence[str], relations: Sequence[str]) -> str:
    """``Drug-BINDS-Gene-ASSOCIATED_WITH-Disease`` from the path's node labels and relation types."""
    parts = [labels[0]]
    for rel, label in zip(relations, labels[1:], strict=True):
        parts += [rel, label]
    return "-".join(parts)


def _views(store: SqliteStore, hyps: Sequence[Hypothesis]) -> list[HypothesisView]:
    ids = {i for h in hyps for i in (h.head, h.tail, *(n for p in h.explanation for n in p.nodes))}
    names, labels = store.node_names(ids), store.node_labels(ids)
    out = []
    for position, h in enumerate(hyps, start=1):
        paths = []
        for p in h.explanation:
            path_labels = tuple(labels.get(n, "?") for n in p.nodes)
            paths.append(
                PathView(
                    nodes=p.nodes,
                    names=tuple(names.get(n, n) for n in p.nodes),
                    labels=path_labels,
                    relations=p.relations,
                    metapath=_metapath(path_labels, p.relations),
                    contribution=p.contribution,
                    metapath_name=p.metapath,
                    against=p.against,
                )
            )
        out.append(
            HypothesisView(
                type=h.type,
                head=h.head,
                tail=h.tail,
                head_name=names.get(h.head, h.head),
                tail_name=names.get(h.tail, h.tail),
                score=h.score,
                rank=position,
                group_rank=h.rank,
                model_version=h.model_version,
                run_id=h.run_id,
                paths=tuple(paths),
                note=h.note,
            )
        )
    return out


def top_hypotheses(
    store_dir: str | Path,
    schema: GraphSchema,
    rel_type: str | None = None,
    node: str | None = None,
    top: int = 10,
) -> list[HypothesisView]:
    """The ``top`` best-scored stored hypotheses of each predicted type, best first within each type.

    Args:
        store_dir: the embedded store's folder (must hold a built store).
        schema: the graph schema (its prediction targets name the types).
        rel_type: ``TREATS`` / ``HAS_SYMPTOM`` (or their predicted types); None: every type, in name order.
        node: only hypotheses with this node at either end: a CURIE exactly, else a node name,
            case-insensitively (every node of that name).
        top: hypotheses per type (>= 1). Ties in score are ordered by stored rank, then head and tail id.

    Returns:
        Per type, up to ``top`` hypotheses; ``rank`` is the position within the type. Empty when the
        node is known but no hypothesis touches it.

    Raises:
        HypothesisQueryError: the store does not exist, the type is unknown or has no stored hypotheses
            (every type, when none is given), or no node has that id or name.
    """
    if top < 1:
        raise HypothesisQueryError(f"--top must be at least 1, got {top}")
    types = predicted_types(schema, rel_type)
    if not (Path(store_dir) / DB_NAME).is_file():
        raise HypothesisQueryError(f"no medkg store at {store_dir} (build one with `medkg build` or `medkg demo`)")
    try:
        store = SqliteStore(store_dir)
    except sqlite3.DatabaseError as exc:
        raise HypothesisQueryError(f"{store_dir}: not a readable medkg store: {exc}") from exc
    with store:
        stored = store.counts()["hypotheses"]
        present = [t for t in types if stored.get(t)]
        if not present:
            raise HypothesisQueryError(
                f"the store at {store_dir} holds no {' or '.join(types)} hypotheses"
                " (run `medkg build` or `medkg demo` with gnn.enabled=true)"
            )
        node_ids = None
        if node is not None:
            node_ids = find_nodes(store, node)
            if not node_ids:
                raise HypothesisQueryError(f"no node with id or name {node!r} in the store at {store_dir}")
        hyps: list[Hypothesis] = []
        for t in present:
            hyps += _select(store, t, node_ids, top)
        return _views_by_type(store, hyps)


def _views_by_type(store: SqliteStore, hyps: Sequence[Hypothesis]) -> list[HypothesisView]:
    """Views with ``rank`` counted within each type."""
    out: list[HypothesisView] = []
    for t in dict.fromkeys(h.type for h in hyps):
        out += _views(store, [h for h in hyps if h.type == t])
    return out
