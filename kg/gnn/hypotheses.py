"""Top-k link-prediction hypotheses and the graph paths that explain them."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import scipy.sparse as sp
import torch
from torch import Tensor

from kg.logs import get_logger
from kg.types import Hypothesis, PathContribution

from .data import EdgeType, GraphIndex
from .model import LinkPredictor
from .path_search import PathSearch
from .paths import EXPLANATION_RULES, NOT_EXPLAINED, ExplanationRules, PathIndex, explanation_note
from .protocols import QueryScorer

log = get_logger(__name__)


Found = list[tuple[int, int, int, float]]  # (group index, rank 1..k, candidate index, probability)


@dataclass(frozen=True)
class KeptExplanations:
    """Explanations of an earlier serving that a later one may reuse (:mod:`kg.linkpred_step`).

    A pair's explanation (its paths, their weights, the ``max_branch`` cut, the note) depends only on the degrees
    and neighbour lists of its two ends and of their neighbours (:func:`kg.gnn.paths.explain`). After edges
    changed at ``touched`` nodes, an explanation stands unless an end is touched or next to a touched node.

    Attributes:
        rows: (head id, tail id) -> (paths, note) of the earlier serving's *explained* hypotheses of the target.
        touched: ids of the nodes at a changed edge (either graph: a removed edge's ends are both touched).
    """

    rows: Mapping[tuple[str, str], tuple[tuple[PathContribution, ...], str]]
    touched: Collection[str]

    def dirty(self, index: PathIndex) -> set[int]:
        """Global indices of ``index`` whose explanations cannot be reused: the touched nodes and their neighbours."""
        where = {n: i for i, n in enumerate(index.ids)}
        out: set[int] = set()
        for n in self.touched:
            g = where.get(n)
            if g is not None:
                out.add(g)
                out.update(index.nbr[index.indptr[g] : index.indptr[g + 1]].tolist())
        return out


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
    eligible: tuple[Tensor, Tensor] | None = None,
) -> Found:
    """The ``top_k`` unknown candidates of every group node with an edge, by group then rank."""
    head_label, rel, tail_label = target
    deg = graph.degree()
    if group_by == "head":
        g_label, c_label, mask_m = head_label, tail_label, known.tocsr()
    else:
        g_label, c_label, mask_m = tail_label, head_label, known.T.tocsr()
    g_ok, cand_ok = deg[g_label] > 0, deg[c_label] > 0  # bool [G_label], [C]
    if eligible is not None:
        g_ok = g_ok & eligible[0 if group_by == "head" else 1]
        cand_ok = cand_ok & eligible[1 if group_by == "head" else 0]
    groups = torch.nonzero(g_ok).view(-1)
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
            rows = zip(g.tolist(), vals.tolist(), idx.tolist(), probs.tolist(), strict=True)
            for grp, v_row, i_row, p_row in rows:  # Python lists: no tensor indexing per hypothesis
                for r in range(k):
                    if v_row[r] == float("-inf"):
                        break
                    found.append((grp, r + 1, i_row[r], p_row[r]))
    return found


def _explain_found(
    found: Found,
    path_index: PathIndex,
    target: EdgeType,
    group_by: str,
    max_paths: int,
    max_explained: int | None,
    kept: KeptExplanations | None = None,
) -> dict[int, tuple[list[PathContribution], str]]:
    """Position in ``found`` -> (explaining paths, note), for at most ``max_explained`` hypotheses, best ranks
    first; the others get no paths and the note :data:`~kg.gnn.paths.NOT_EXPLAINED`. ``kept``: an earlier
    serving's explanations, reused for a pair whose ends are neither touched nor next to a touched node."""
    head_label, rel, tail_label = target
    rules = EXPLANATION_RULES.get(rel, ExplanationRules(support=()))
    if rel not in EXPLANATION_RULES:
        log.warning("%s: no explanation rules (kg.gnn.paths.EXPLANATION_RULES): hypotheses left unexplained", rel)
    t0 = time.perf_counter()
    explained: dict[int, tuple[list[PathContribution], str]] = {}
    order = sorted(range(len(found)), key=lambda n: (found[n][1], n))
    limit = len(order) if max_explained is None else max_explained
    for n in order[limit:]:
        explained[n] = ([], NOT_EXPLAINED)
    # the same result as explain() pair by pair, with the work of a head shared: pairs in head order
    search = PathSearch(path_index, rules, max_paths)
    pairs = {}
    for n in order[:limit]:
        grp, _, cand, _ = found[n]
        h, t = (grp, cand) if group_by == "head" else (cand, grp)
        pairs[n] = (path_index.offset[head_label] + h, path_index.offset[tail_label] + t)
    dirty = kept.dirty(path_index) if kept is not None else set()
    reused = 0
    for n in sorted(pairs, key=pairs.__getitem__):
        h, t = pairs[n]
        old = (
            None if kept is None or h in dirty or t in dirty else kept.rows.get((path_index.ids[h], path_index.ids[t]))
        )
        if old is not None:
            explained[n] = (list(old[0]), old[1])
            reused += 1
            continue
        paths = search.explain(h, t)
        explained[n] = (paths, explanation_note(paths, rules))
    if limit < len(order):
        log.warning("%s: explained %d of %d hypotheses (max_explained)", rel, limit, len(found))
    log.info(
        "%s: explanation paths of %d hypotheses in %.1f s (%d reused from the last serving)",
        *(rel, len(pairs), time.perf_counter() - t0, reused),
    )
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
    eligible: tuple[Tensor, Tensor] | None = None,
    kept: KeptExplanations | None = None,
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
        path_index: when given, each hypothesis gets up to ``max_paths`` explaining paths of the target's
            allowed metapaths (:data:`kg.gnn.paths.EXPLANATION_RULES`), any contrary edge (``against``), and
            a ``note`` (``no supporting path``, the contrary evidence, or why it was not explained).
        max_explained: explain at most this many hypotheses, best ranks first (None: all).
        chunk: group nodes scored at once.
        scorer: the model's logits seen from the group side (``gnn_scorers(..., query_side=group_by)``);
            needed for a model with a pair head, or a served model (default: the DistMult decoder on ``z``).
            A logit of ``-inf`` marks a candidate the scorer cannot score: it is never proposed.
        eligible: bool [H], bool [T] masks of the head and tail label's nodes that may be a group or a
            candidate (:func:`well_known`); None: every node with an edge.
        kept: an earlier serving's explanations that may be reused (:class:`KeptExplanations`; the same
            paths and notes as computing them again).

    Returns:
        Hypotheses ordered by group then rank; ``score`` is the sigmoid probability, ``rank`` 1..k.
        Groups and candidates are nodes with at least one edge in ``graph``.
    """
    if group_by not in ("head", "tail"):
        raise ValueError(f"group_by must be 'head' or 'tail', got {group_by!r}")
    head_label, _, tail_label = target
    found = _top_partners(model, z, graph, target, known, top_k, group_by, chunk, scorer, eligible)
    explained: dict[int, tuple[list[PathContribution], str]] = {}
    if path_index is not None:
        explained = _explain_found(found, path_index, target, group_by, max_paths, max_explained, kept)
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
                explanation=tuple(explained[n][0]) if n in explained else (),
                note=explained[n][1] if n in explained else "",
            )
        )
    return out


def well_known(
    pairs: Tensor, degree: tuple[Tensor, Tensor], min_known: tuple[int, int], min_other: tuple[int | None, int | None]
) -> tuple[Tensor, Tensor]:
    """The nodes the graph knows well enough to propose a hypothesis for (the served HAS_SYMPTOM rule).

    Args:
        pairs: long [2, K] asserted (head, tail) pairs of the target, each once.
        degree: long [H], long [T] total degree of the head and tail label's nodes in the graph (every edge
            type, the target's included).
        min_known: least number of asserted target pairs of a head / a tail (0: no restriction).
        min_other: a head / tail with fewer target pairs is still kept with at least this many edges of
            other types (None: no such exception).

    Returns:
        bool [H], bool [T]: the heads and tails that may be a group or a candidate.
    """
    out = []
    for side, deg in enumerate(degree):
        known = torch.bincount(pairs[side], minlength=deg.numel())[: deg.numel()]
        ok = known >= min_known[side]
        other = min_other[side]
        if other is not None:
            ok = ok | (deg - known >= other)
        out.append(ok)
    return out[0], out[1]
