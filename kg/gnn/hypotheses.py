"""Top-k link-prediction hypotheses and the graph paths that explain them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from kg.logs import get_logger
from kg.types import Hypothesis, PathContribution

from .data import EdgeType, GraphIndex
from .model import LinkPredictor
from .protocols import QueryScorer

log = get_logger(__name__)


@dataclass(frozen=True)
class PathIndex:
    """The message-passing graph as an undirected multigraph over global node indices, for path search.

    Attributes:
        ids: global index -> node id. Global index = ``offset[label] + per-label index``.
        offset: label -> first global index of that label.
        indptr: int64 [N + 1]; row ``u`` holds entries ``indptr[u]:indptr[u + 1]``.
        nbr: int64 [M], neighbour of each entry (every edge appears once from each endpoint).
        rel: int64 [M], index into ``relations`` of each entry's asserted relation type.
        weight: float64 [M], ``(deg_r(u) * deg_r(v)) ** -0.5`` with ``deg_r`` the degree in that edge
            type (degree-weighted path count with damping 0.5, as in Hetionet's DWPC). Within a row,
            entries are sorted by decreasing weight (most specific neighbours first).
        relations: relation type names.
    """

    ids: tuple[str, ...]
    offset: Mapping[str, int]
    indptr: np.ndarray
    nbr: np.ndarray
    rel: np.ndarray
    weight: np.ndarray
    relations: tuple[str, ...]

    def row(self, u: int) -> slice:
        """Slice of the entries of node ``u``."""
        return slice(int(self.indptr[u]), int(self.indptr[u + 1]))

    def has_edge(self, u: int, v: int, rel: str) -> bool:
        """Whether ``u`` and ``v`` are joined by an edge of ``rel`` (either direction)."""
        s = self.row(u)
        r = self.relations.index(rel)
        return bool(np.any((self.nbr[s] == v) & (self.rel[s] == r)))


def build_path_index(graph: GraphIndex) -> PathIndex:
    """Build the path-search index from the forward edges of ``graph``."""
    offset: dict[str, int] = {}
    ids: list[str] = []
    start = 0
    for label in sorted(graph.node_ids):
        offset[label] = start
        ids.extend(graph.node_ids[label])
        start += len(graph.node_ids[label])
    relations = tuple(sorted({et[1] for et in graph.forward_types}))
    rows, cols, rels, ws = [], [], [], []
    for et in graph.forward_types:
        h_lab, r, t_lab = et
        ei = graph.forward_edges(et).numpy()
        hg, tg = ei[0] + offset[h_lab], ei[1] + offset[t_lab]
        deg = np.bincount(np.concatenate([hg, tg]), minlength=start).astype(np.float64)
        w = (deg[hg] * deg[tg]) ** -0.5
        rid = np.full(hg.size, relations.index(r), dtype=np.int64)
        rows += [hg, tg]
        cols += [tg, hg]
        rels += [rid, rid]
        ws += [w, w]
    row = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    col = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    rel = np.concatenate(rels) if rels else np.empty(0, dtype=np.int64)
    weight = np.concatenate(ws) if ws else np.empty(0)
    order = np.lexsort((col, -weight, row))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=start))]).astype(np.int64)
    return PathIndex(
        ids=tuple(ids),
        offset=offset,
        indptr=indptr,
        nbr=col[order].astype(np.int64),
        rel=rel[order],
        weight=weight[order],
        relations=relations,
    )


def _join(a_key: np.ndarray, b_key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All index pairs (i, j) with ``a_key[i] == b_key[j]``."""
    order = np.argsort(b_key, kind="stable")
    bs = b_key[order]
    lo, hi = np.searchsorted(bs, a_key, "left"), np.searchsorted(bs, a_key, "right")
    counts = hi - lo
    i = np.repeat(np.arange(a_key.size), counts)
    starts = np.repeat(lo, counts)
    within = np.arange(i.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return i, order[starts + within]


def explain(index: PathIndex, head: int, tail: int, max_paths: int = 3, max_branch: int = 32) -> list[PathContribution]:
    """The paths of length 2 (and 3 if fewer than ``max_paths`` of length 2) that best link two nodes.

    Args:
        index: the path index of the message-passing graph.
        head, tail: global node indices (``index.offset[label] + per-label index``).
        max_paths: number of paths returned.
        max_branch: for length-3 paths, only the ``max_branch`` most specific neighbours of each end
            are expanded (bounds the cost on hub nodes).

    Returns:
        Up to ``max_paths`` paths, best first. ``relations[i]`` is the asserted type of the edge between
        ``nodes[i]`` and ``nodes[i + 1]`` (in either direction). ``contribution`` is the path's
        degree-weighted weight divided by the summed weight of all paths found, so it is in (0, 1].
    """
    sh, st = index.row(head), index.row(tail)
    hn, hr, hw = index.nbr[sh], index.rel[sh], index.weight[sh]
    tn, tr, tw = index.nbr[st], index.rel[st], index.weight[st]
    paths: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = []
    total = 0.0
    # length 2: head - x - tail
    hm = (hn != tail) & np.isin(hn, tn)
    tm = (tn != head) & np.isin(tn, hn)
    i, j = _join(hn[hm], tn[tm])
    if i.size:
        w2 = hw[hm][i] * tw[tm][j]
        total += float(w2.sum())
        for k in np.argsort(-w2, kind="stable")[:max_paths]:
            x = int(hn[hm][i[k]])
            paths.append((float(w2[k]), (head, x, tail), (int(hr[hm][i[k]]), int(tr[tm][j[k]]))))
    if len(paths) < max_paths:
        # length 3: head - x - y - tail
        xa = np.flatnonzero(hn != tail)[:max_branch]
        yb = np.flatnonzero(tn != head)[:max_branch]
        if xa.size and yb.size:
            starts, ends = index.indptr[hn[xa]], index.indptr[hn[xa] + 1]
            counts = ends - starts
            src = np.repeat(xa, counts)  # entry of the head row that reached this x
            ent = np.repeat(starts, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
            y = index.nbr[ent]
            keep = np.isin(y, tn[yb]) & (y != head) & (y != hn[src])
            src, ent, y = src[keep], ent[keep], y[keep]
            i, j = _join(y, tn[yb])
            if i.size:
                w3 = hw[src[i]] * index.weight[ent[i]] * tw[yb][j]
                total += float(w3.sum())
                for k in np.argsort(-w3, kind="stable")[: max_paths - len(paths)]:
                    x, yy = int(hn[src[i[k]]]), int(y[i[k]])
                    rels = (int(hr[src[i[k]]]), int(index.rel[ent[i[k]]]), int(tr[yb][j[k]]))
                    paths.append((float(w3[k]), (head, x, yy, tail), rels))
    paths.sort(key=lambda p: -p[0])
    return [
        PathContribution(
            nodes=tuple(index.ids[n] for n in nodes),
            relations=tuple(index.relations[r] for r in rels),
            contribution=w / total if total > 0 else 0.0,
        )
        for w, nodes, rels in paths[:max_paths]
    ]


Found = list[tuple[int, int, int, float]]  # (group index, rank 1..k, candidate index, probability)


def _top_partners(
    model: LinkPredictor | None,
    z: Mapping[str, Tensor] | None,
    graph: GraphIndex,
    target: EdgeType,
    known: sp.csr_matrix,
    top_k: int,
    group_by: str,
    chunk: int,
    scorer: QueryScorer | None,
) -> Found:
    """The ``top_k`` unknown candidates of every group node with an edge, by group then rank."""
    head_label, rel, tail_label = target
    deg = graph.degree()
    if group_by == "head":
        g_label, c_label, mask_m = head_label, tail_label, known.tocsr()
    else:
        g_label, c_label, mask_m = tail_label, head_label, known.T.tocsr()
    groups = torch.nonzero(deg[g_label] > 0).view(-1)
    cand_ok = deg[c_label] > 0  # [C]
    found: Found = []
    with torch.no_grad():
        for s in range(0, groups.numel(), chunk):
            g = groups[s : s + chunk]
            if scorer is not None:
                logits = scorer.rows(g).float()  # [G, C]
            elif model is None or z is None:
                raise ValueError("top_k_hypotheses needs a scorer, or a model and its embeddings")
            elif group_by == "head":
                logits = model.decoder.score_all(z[head_label][g], z[tail_label], rel)  # [G, C]
            else:
                logits = model.decoder.score_all(z[head_label], z[tail_label][g], rel).t()  # [G, H]
            blocked = torch.from_numpy(mask_m[g.numpy().copy()].toarray()) | ~cand_ok[None, :]
            logits = logits.masked_fill(blocked, float("-inf"))
            k = min(top_k, logits.size(1))
            vals, idx = torch.topk(logits, k, dim=1)
            probs = torch.sigmoid(vals)
            for row in range(g.numel()):
                for r in range(k):
                    if vals[row, r] == float("-inf"):
                        break
                    found.append((int(g[row]), r + 1, int(idx[row, r]), float(probs[row, r])))
    return found


def _explain_found(
    found: Found,
    path_index: PathIndex,
    target: EdgeType,
    group_by: str,
    max_paths: int,
    max_explained: int | None,
) -> dict[int, list[PathContribution]]:
    """Position in ``found`` -> explaining paths, for at most ``max_explained`` hypotheses, best ranks first."""
    head_label, rel, tail_label = target
    explained: dict[int, list[PathContribution]] = {}
    order = sorted(range(len(found)), key=lambda n: (found[n][1], n))
    if max_explained is not None:
        order = order[:max_explained]
    for n in order:
        grp, _, cand, _ = found[n]
        h, t = (grp, cand) if group_by == "head" else (cand, grp)
        explained[n] = explain(
            path_index, path_index.offset[head_label] + h, path_index.offset[tail_label] + t, max_paths
        )
    if len(order) < len(found):
        log.warning("%s: explained %d of %d hypotheses (max_explained)", rel, len(order), len(found))
    return explained


def top_k_hypotheses(
    model: LinkPredictor | None,
    z: Mapping[str, Tensor] | None,
    graph: GraphIndex,
    target: EdgeType,
    known: sp.csr_matrix,
    predicted_type: str,
    top_k: int,
    model_version: str,
    run_id: str,
    group_by: str = "head",
    path_index: PathIndex | None = None,
    max_paths: int = 3,
    max_explained: int | None = None,
    chunk: int = 256,
    scorer: QueryScorer | None = None,
) -> list[Hypothesis]:
    """For each group node, the ``top_k`` best-scored partners that are not already known.

    Args:
        model: the trained link predictor (None with a ``scorer``).
        z: node embeddings ``{label: Tensor[num_nodes_label, dim]}`` from ``model`` on ``graph`` (None with a
            ``scorer``).
        graph: the message-passing graph (defines node indices and degrees).
        target: (head label, relation, tail label).
        known: bool [H, C] sparse matrix of pairs that must never be proposed (every asserted target
            pair, plus any other excluded relation).
        predicted_type: the relation type of the hypotheses (``schema.predicted_type(rel)``).
        top_k: hypotheses per group.
        model_version, run_id: recorded on every hypothesis.
        group_by: ``"head"`` (top tails per head) or ``"tail"`` (top heads per tail, e.g. drugs per disease).
        path_index: when given, each hypothesis gets up to ``max_paths`` explaining paths.
        max_explained: explain at most this many hypotheses, best ranks first (None: all).
        chunk: group nodes scored at once.
        scorer: the model's logits seen from the group side (``gnn_scorers(..., query_side=group_by)``);
            needed for a model with a pair head, or a served model (default: the DistMult decoder on ``z``).
            A logit of ``-inf`` marks a candidate the scorer cannot score: it is never proposed.

    Returns:
        Hypotheses ordered by group then rank; ``score`` is the sigmoid probability, ``rank`` 1..k.
        Groups and candidates are nodes with at least one edge in ``graph``.
    """
    if group_by not in ("head", "tail"):
        raise ValueError(f"group_by must be 'head' or 'tail', got {group_by!r}")
    head_label, _, tail_label = target
    found = _top_partners(model, z, graph, target, known, top_k, group_by, chunk, scorer)
    explained: dict[int, list[PathContribution]] = {}
    if path_index is not None:
        explained = _explain_found(found, path_index, target, group_by, max_paths, max_explained)
    out = []
    for n, (grp, rank, cand, prob) in enumerate(found):
        h, t = (grp, cand) if group_by == "head" else (cand, grp)
        out.append(
            Hypothesis(
                head=graph.node_ids[head_label][h],
                type=predicted_type,
                tail=graph.node_ids[tail_label][t],
                score=prob,
                rank=rank,
                model_version=model_version,
                run_id=run_id,
                explanation=tuple(explained.get(n, ())),
            )
        )
    return out
