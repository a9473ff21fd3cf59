"""Explaining paths that follow the schema's meaning: the allowed metapaths per target, and their search.

A hypothesis is explained only by paths whose metapath is a *reason* for it (:data:`EXPLANATION_RULES`,
one small table per target, oriented head -> tail of the target signature). Anything else joining the
two nodes (a drug that up-regulates a gene merely associated with the disease, a drug that CAUSES a
similar disease) is not shown as an explanation. Some direct edges are evidence *against* the
hypothesis (a drug that CAUSES the disease it would treat): they are returned as a path flagged
``against`` with contribution 0, never as support, and :func:`explanation_note` writes them into the
hypothesis's note.

Abbreviations follow Hetionet (C drug, D disease, G gene, A anatomy, S symptom; b binds, a associates,
u/d up/down-regulates, r resembles, t treats, p palliates / presents a symptom, l localizes, c causes).
Relation direction is implied by the labels: every schema relation joins a given pair of labels one way
only, or is symmetric (RESEMBLES), so a step is matched by its relation type and the next node's label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from kg.types import PathContribution

from .data import GraphIndex

#: Note of an explained hypothesis that no allowed metapath supports.
NO_SUPPORT = "no supporting path"
#: Note of a hypothesis left unexplained by ``max_explained``.
NOT_EXPLAINED = "not explained (max_explained reached)"


@dataclass(frozen=True)
class MetapathRule:
    """One allowed (or contrary) metapath of a target.

    Attributes:
        name: Hetionet-style abbreviation, e.g. ``CbGaD``.
        labels: node labels head -> tail, ``len(relations) + 1`` of them.
        relations: asserted relation types between consecutive nodes.
        meaning: what the path says, for a reader.
    """

    name: str
    labels: tuple[str, ...]
    relations: tuple[str, ...]
    meaning: str


def _rule(name: str, walk: str, meaning: str) -> MetapathRule:
    """A rule from ``"Drug BINDS Gene ASSOCIATED_WITH Disease"`` (labels and relations alternating)."""
    parts = walk.split()
    return MetapathRule(name, tuple(parts[0::2]), tuple(parts[1::2]), meaning)


@dataclass(frozen=True)
class ExplanationRules:
    """A target's metapaths: ``support`` (reasons for the hypothesis) and ``against`` (direct contrary edges)."""

    support: tuple[MetapathRule, ...]
    against: tuple[MetapathRule, ...] = ()


#: Target relation -> its explanation rules. TREATS: indications (the drug palliates the disease itself, a
#: similar drug treats the disease, the drug treats or palliates a similar disease, a drug sharing a target treats it, the drug treats a disease
#: sharing genes or anatomy), shared genes (binding a disease gene; regulating a gene the *other* way from
#: the disease's expression: Hetionet's CuGdD / CdGuD; a gene merely associated with the disease and
#: regulated by the drug is no reason, the direction is unknown). Never CAUSES: a drug that causes the
#: disease is evidence against (CcD), and a path through a CAUSES edge is no explanation at all.
#: HAS_SYMPTOM: similar diseases (RESEMBLES, or sharing symptoms) with the symptom, diseases sharing a
#: gene or an anatomical location with the symptom. Not DtCcS (a drug for the disease causes the symptom:
#: a side effect of the treatment, not a symptom of the disease) nor DtCtDpS (shared treatment).
EXPLANATION_RULES: dict[str, ExplanationRules] = {
    "TREATS": ExplanationRules(
        support=(
            _rule("CrCtD", "Drug RESEMBLES Drug TREATS Disease", "a similar drug treats the disease"),
            _rule("CtDrD", "Drug TREATS Disease RESEMBLES Disease", "treats a resembling disease"),
            _rule("CpD", "Drug PALLIATES Disease", "palliates the disease (a symptomatic indication)"),
            _rule("CrCpD", "Drug RESEMBLES Drug PALLIATES Disease", "a similar drug palliates the disease"),
            _rule("CpDrD", "Drug PALLIATES Disease RESEMBLES Disease", "palliates a resembling disease"),
            _rule("CbGaD", "Drug BINDS Gene ASSOCIATED_WITH Disease", "binds a gene associated with the disease"),
            _rule(
                "CuGdD",
                "Drug UPREGULATES Gene DOWNREGULATES Disease",
                "up-regulates a gene the disease down-regulates",
            ),
            _rule(
                "CdGuD",
                "Drug DOWNREGULATES Gene UPREGULATES Disease",
                "down-regulates a gene the disease up-regulates",
            ),
            _rule(
                "CbGbCtD", "Drug BINDS Gene BINDS Drug TREATS Disease", "shares a target with a drug for the disease"
            ),
            _rule(
                "CtDaGaD",
                "Drug TREATS Disease ASSOCIATED_WITH Gene ASSOCIATED_WITH Disease",
                "treats a disease sharing a gene",
            ),
            _rule(
                "CtDlAlD",
                "Drug TREATS Disease LOCALIZES_TO Anatomy LOCALIZES_TO Disease",
                "treats a disease of the same anatomy",
            ),
        ),
        against=(_rule("CcD", "Drug CAUSES Disease", "the drug causes the disease (contra-indication)"),),
    ),
    "HAS_SYMPTOM": ExplanationRules(
        support=(
            _rule("DrDpS", "Disease RESEMBLES Disease HAS_SYMPTOM Symptom", "a resembling disease has the symptom"),
            _rule(
                "DpSpDpS",
                "Disease HAS_SYMPTOM Symptom HAS_SYMPTOM Disease HAS_SYMPTOM Symptom",
                "a disease sharing a symptom has it",
            ),
            _rule(
                "DaGaDpS",
                "Disease ASSOCIATED_WITH Gene ASSOCIATED_WITH Disease HAS_SYMPTOM Symptom",
                "a disease sharing a gene has the symptom",
            ),
            _rule(
                "DlAlDpS",
                "Disease LOCALIZES_TO Anatomy LOCALIZES_TO Disease HAS_SYMPTOM Symptom",
                "a disease of the same anatomy has the symptom",
            ),
        ),
    ),
}


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
        label: int64 [N], index into ``labels`` of each node's label.
        labels: label names (sorted).
    """

    ids: tuple[str, ...]
    offset: Mapping[str, int]
    indptr: np.ndarray
    nbr: np.ndarray
    rel: np.ndarray
    weight: np.ndarray
    relations: tuple[str, ...]
    label: np.ndarray
    labels: tuple[str, ...]

    def row(self, u: int) -> slice:
        """Slice of the entries of node ``u``."""
        return slice(int(self.indptr[u]), int(self.indptr[u + 1]))

    def has_edge(self, u: int, v: int, rel: str) -> bool:
        """Whether ``u`` and ``v`` are joined by an edge of ``rel`` (either direction)."""
        if rel not in self.relations:
            return False
        s = self.row(u)
        r = self.relations.index(rel)
        return bool(np.any((self.nbr[s] == v) & (self.rel[s] == r)))

    def step(self, u: int, rel: str, label: str) -> np.ndarray:
        """int64 [K]: positions (entries) of ``u``'s row reaching a ``label`` node over ``rel``, most specific first."""
        if rel not in self.relations or label not in self.offset:
            return np.empty(0, dtype=np.int64)
        s = self.row(u)
        keep = (self.rel[s] == self.relations.index(rel)) & (self.label[self.nbr[s]] == self.labels.index(label))
        return np.flatnonzero(keep) + s.start


def build_path_index(graph: GraphIndex) -> PathIndex:
    """Build the path-search index from the forward edges of ``graph``."""
    offset: dict[str, int] = {}
    ids: list[str] = []
    labels = tuple(sorted(graph.node_ids))
    node_label: list[np.ndarray] = []
    start = 0
    for k, label in enumerate(labels):
        offset[label] = start
        ids.extend(graph.node_ids[label])
        node_label.append(np.full(len(graph.node_ids[label]), k, dtype=np.int64))
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
        label=np.concatenate(node_label) if node_label else np.empty(0, dtype=np.int64),
        labels=labels,
    )


Found = list[tuple[float, tuple[int, ...], MetapathRule]]  # (DWPC weight, global node indices, rule)


def _rule_paths(index: PathIndex, rule: MetapathRule, head: int, tail: int, max_branch: int) -> Found:
    """Every path of ``rule`` from ``head`` to ``tail`` with distinct nodes (length 3: the ``max_branch`` most
    specific neighbours of each end only)."""
    rs, ls = rule.relations, rule.labels
    if len(rs) == 1:
        ent = index.step(head, rs[0], ls[1])
        hit = ent[index.nbr[ent] == tail]
        return [(float(index.weight[e]), (head, tail), rule) for e in hit[:1]]
    a = index.step(head, rs[0], ls[1])
    b = index.step(tail, rs[-1], ls[-2])
    if len(rs) == 2:
        xa, xb = index.nbr[a], index.nbr[b]
        wb = dict(zip(xb.tolist(), index.weight[b].tolist(), strict=True))
        return [
            (float(index.weight[e]) * wb[x], (head, x, tail), rule)
            for e, x in zip(a.tolist(), xa.tolist(), strict=True)
            if x in wb and x not in (head, tail)
        ]
    # length 3: head - x - y - tail, x among head's first step, y among tail's last step
    b = b[:max_branch]
    yb, wy = index.nbr[b], index.weight[b]
    out: Found = []
    for e in a[:max_branch].tolist():
        x = int(index.nbr[e])
        if x in (head, tail):
            continue
        mid = index.step(x, rs[1], ls[2])
        ys = index.nbr[mid]
        keep = np.isin(ys, yb) & (ys != head) & (ys != tail) & (ys != x)
        for m, y in zip(mid[keep].tolist(), ys[keep].tolist(), strict=True):
            w = float(index.weight[e]) * float(index.weight[m]) * float(wy[np.flatnonzero(yb == y)[0]])
            out.append((w, (head, x, y, tail), rule))
    return out


def explain(
    index: PathIndex,
    head: int,
    tail: int,
    rules: ExplanationRules,
    max_paths: int = 3,
    max_branch: int = 32,
) -> list[PathContribution]:
    """The best paths of the target's allowed metapaths from ``head`` to ``tail``, and any contrary edge.

    Args:
        index: the path index of the message-passing graph.
        head, tail: global node indices (``index.offset[label] + per-label index``), oriented as the target.
        rules: the target's metapaths (:data:`EXPLANATION_RULES`).
        max_paths: supporting paths returned.
        max_branch: for length-3 metapaths, only the ``max_branch`` most specific neighbours of each end
            are expanded (bounds the cost on hub nodes).

    Returns:
        Up to ``max_paths`` supporting paths, best first, each with its ``metapath`` name; ``contribution`` is
        the path's degree-weighted weight divided by the summed weight of every supporting path found (in
        (0, 1]). Then one path per ``against`` rule whose edge exists, ``against=True``, contribution 0.
        ``relations[i]`` is the asserted type of the edge between ``nodes[i]`` and ``nodes[i + 1]`` (in
        either direction).
    """
    found: Found = []
    for rule in rules.support:
        found += _rule_paths(index, rule, head, tail, max_branch)
    against = [p for rule in rules.against for p in _rule_paths(index, rule, head, tail, max_branch)]
    return contributions(index, found, against, max_paths)


def contributions(index: PathIndex, found: Found, against: Found, max_paths: int) -> list[PathContribution]:
    """:func:`explain`'s result from the supporting paths ``found`` and the contrary ones ``against``, each in
    search order (rule by rule)."""
    total = sum(w for w, _, _ in found)
    found.sort(key=lambda p: (-p[0], p[1]))
    out = [
        PathContribution(
            nodes=tuple(index.ids[n] for n in nodes),
            relations=rule.relations,
            contribution=w / total if total > 0 else 0.0,
            metapath=rule.name,
        )
        for w, nodes, rule in found[:max_paths]
    ]
    for _, nodes, rule in against:
        out.append(
            PathContribution(
                nodes=tuple(index.ids[n] for n in nodes),
                relations=rule.relations,
                contribution=0.0,
                metapath=rule.name,
                against=True,
            )
        )
    return out


def explanation_note(paths: Sequence[PathContribution], rules: ExplanationRules) -> str:
    """The note of an explained hypothesis: ``no supporting path`` and / or the contrary evidence found."""
    notes = [] if any(not p.against for p in paths) else [NO_SUPPORT]
    meaning = {r.name: r.meaning for r in rules.against}
    notes += [f"evidence against ({p.metapath}): {meaning.get(p.metapath, p.metapath)}" for p in paths if p.against]
    return "; ".join(notes)


__all__ = [
    "EXPLANATION_RULES",
    "NOT_EXPLAINED",
    "NO_SUPPORT",
    "ExplanationRules",
    "MetapathRule",
    "PathIndex",
    "build_path_index",
    "contributions",
    "explain",
    "explanation_note",
]
