"""External-style HAS_SYMPTOM protocols (issue 20): disease and symptom hold-outs, the baselines, the metrics.

Pure core (graph in, metrics out). A protocol holds out the HPO HAS_SYMPTOM pairs of a seeded sample of nodes
that the serving rule would keep (at least ``min_known`` known pairs):

- ``disease_cold_start``: every pair of ``n_held`` diseases. Each held-out disease (a group) ranks every
  candidate phenotype (at least ``min_known`` diseases on the training graph) not already known.
- ``symptom_cold_start``: every pair of ``n_held`` phenotypes. Each held-out phenotype (a group) ranks every
  candidate disease (at least ``min_known`` phenotypes on the training graph).
- ``disease_partial``: half of the pairs of ``n_held`` diseases with at least ``2 * min_known`` pairs; the other
  half stays in the graph (the serving case: a known disease, more phenotypes proposed).

The grid of a protocol is every group x candidate pair minus the pairs still in the training graph; its
positives are the held-out pairs inside it. Every scorer is built from the protocol's training graph only:
the degree prior, the z-score sum of plain path counts, the Rephetio-style DWPC regression (folds cut by group
node on a cold start) and the calibrated stacked model (:mod:`kg.gnn.stacked`), whose probability also gets a
Brier score and an expected calibration error on the grid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from torch import Tensor

from kg.logs import get_logger

from .baselines import metapath_lr
from .data import GraphIndex
from .evaluate import auroc_interval, precision_at
from .metapaths import build_featurizer, pair_features, target_degrees
from .stacked import StackedSpec, calibration_report, fit_stacked, stacked_scorer
from .stacked_paths import METAPATHS, SYMPTOM_STACKED_METAPATHS, SYMPTOM_TARGET

log = get_logger(__name__)

TARGET = SYMPTOM_TARGET
PROTOCOLS = ("disease_cold_start", "symptom_cold_start", "disease_partial")
PRECISION_AT = (10, 50, 100)
#: Group graph indices long [G] -> scores float [G, C_all] over every candidate of the other label.
RowScorer = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class HoldOut:
    """One protocol's held-out pairs.

    Attributes:
        name: protocol name.
        side: ``head`` (groups are diseases) or ``tail`` (groups are phenotypes).
        groups: the held-out nodes (ids), sorted.
        held: the held-out (disease, phenotype) pairs, sorted.
        cold: every pair of a group is held out (the regression's folds are then cut by group).
    """

    name: str
    side: str
    groups: tuple[str, ...]
    held: tuple[tuple[str, str], ...]
    cold: bool


def hold_out(pairs: Sequence[tuple[str, str]], protocol: str, n_held: int, seed: int, min_known: int = 3) -> HoldOut:
    """The held-out pairs of ``protocol`` (module doc) among the (disease, phenotype) ``pairs``.

    Raises:
        ValueError: unknown protocol.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown HAS_SYMPTOM protocol {protocol!r} (known: {', '.join(PROTOCOLS)})")
    col = 1 if protocol == "symptom_cold_start" else 0
    by_node: dict[str, list[tuple[str, str]]] = {}
    for p in sorted(set(pairs)):
        by_node.setdefault(p[col], []).append(p)
    need = 2 * min_known if protocol == "disease_partial" else min_known
    nodes = sorted(n for n, ps in by_node.items() if len(ps) >= need)
    rng = np.random.default_rng([seed, PROTOCOLS.index(protocol)])
    groups = sorted(nodes[i] for i in rng.permutation(len(nodes))[:n_held])
    held: list[tuple[str, str]] = []
    for g in groups:
        ps = by_node[g]
        if protocol == "disease_partial":
            ps = [ps[i] for i in np.sort(rng.permutation(len(ps))[: len(ps) // 2])]
        held.extend(ps)
    return HoldOut(
        protocol, "tail" if col else "head", tuple(groups), tuple(sorted(held)), protocol != "disease_partial"
    )


@dataclass(frozen=True)
class Grid:
    """A protocol's scored pairs, group-major.

    Attributes:
        groups: long [G] graph indices of the held-out nodes (of the ``side`` label).
        cands: long [C] graph indices of the candidates (the other label).
        scored: bool [G, C] the pair is scored (not still in the training graph).
        labels: bool [G, C] the pair is held out.
        dropped: held-out pairs whose candidate is not a candidate (too few pairs left on the training graph).
    """

    groups: Tensor
    cands: Tensor
    scored: Tensor
    labels: Tensor
    dropped: int


def protocol_grid(graph: GraphIndex, ho: HoldOut, min_known: int = 3) -> Grid:
    """The grid of ``ho`` on its training graph (the held-out pairs removed from it)."""
    head, _, tail = TARGET
    pos = graph.forward_edges(TARGET)
    g_label, c_label = (head, tail) if ho.side == "head" else (tail, head)
    c_row = 1 if ho.side == "head" else 0
    deg_c = torch.bincount(pos[c_row], minlength=graph.num_nodes(c_label))
    groups = torch.tensor([graph.positions[g][1] for g in ho.groups], dtype=torch.long)
    cands = torch.nonzero(deg_c >= min_known).view(-1)
    col_of = torch.full((graph.num_nodes(c_label),), -1, dtype=torch.long)
    col_of[cands] = torch.arange(cands.numel())
    row_of = {int(g): i for i, g in enumerate(groups)}
    scored = torch.ones(groups.numel(), cands.numel(), dtype=torch.bool)
    g_row = 0 if ho.side == "head" else 1
    for g, c in pos[[g_row, c_row]].t().tolist():  # pairs still in the graph (partial hold-out)
        if g in row_of and col_of[c] >= 0:
            scored[row_of[g], col_of[c]] = False
    labels = torch.zeros_like(scored)
    dropped = 0
    for d, s in ho.held:
        g, c = (d, s) if ho.side == "head" else (s, d)
        j = int(col_of[graph.positions[c][1]])
        if j < 0:
            dropped += 1
            continue
        labels[row_of[graph.positions[g][1]], j] = True
    return Grid(groups, cands, scored, labels, dropped)


def degree_rows(graph: GraphIndex, side: str) -> RowScorer:
    """Degree prior: ``log1p(known phenotypes of the disease) + log1p(known diseases of the phenotype)``."""
    dh, dt = target_degrees(graph, TARGET)
    g_deg, c_deg = (dh, dt) if side == "head" else (dt, dh)
    return lambda q: g_deg[q].double()[:, None] + c_deg.double()[None, :]


def zsum_rows(graph: GraphIndex, side: str, grid: Grid) -> RowScorer:
    """Sum of the plain path counts (damping 0) of the stacked metapaths, each z-scored over the grid's pairs."""
    paths = {k: METAPATHS["HAS_SYMPTOM"][k] for k in SYMPTOM_STACKED_METAPATHS}
    feat = build_featurizer(graph, TARGET, paths, side, damping=0.0)
    raw = feat.raw_rows(grid.groups.numpy())  # float64 [G, C_all, F] path counts
    on = grid.scored.numpy()
    total = np.zeros(raw.shape[:2])
    for f in range(raw.shape[2]):
        vals = raw[:, grid.cands.numpy(), f][on]
        sd = vals.std()
        if sd > 0:
            total += (raw[:, :, f] - vals.mean()) / sd
    m = torch.from_numpy(total)
    index = {int(g): i for i, g in enumerate(grid.groups)}
    return lambda q: m[[index[int(g)] for g in q]]


def lr_rows(graph: GraphIndex, ho: HoldOut, seed: int) -> RowScorer:
    """The Rephetio-style DWPC regression (:func:`kg.gnn.baselines.metapath_lr`) on the training graph."""
    paths = {k: METAPATHS["HAS_SYMPTOM"][k] for k in SYMPTOM_STACKED_METAPATHS}
    feats = pair_features(graph, TARGET, paths, ho.side, seed=seed)
    scorer, _ = metapath_lr(graph, TARGET, paths, feats, seed=seed, by_query=ho.cold)
    return scorer.rows


def grid_metrics(s: np.ndarray, y: np.ndarray, seed: int, rounds: int, prob: np.ndarray | None) -> dict[str, Any]:
    """AUROC (stratified bootstrap interval of ``rounds``), AUPRC, precision@k of scores [N] against bool labels
    [N]; with probabilities ``prob`` [N] also the Brier score and ECE (:func:`kg.gnn.stacked.calibration_report`)."""
    lo, hi = auroc_interval(s[y], s[~y], seed, rounds=rounds)
    out: dict[str, Any] = {
        "auroc": float(roc_auc_score(y, s)),
        "auroc_lo": lo,
        "auroc_hi": hi,
        "auprc": float(average_precision_score(y, s)),
        **{f"p@{k}": precision_at(s, y, k) for k in PRECISION_AT},
        "n_pos": int(y.sum()),
        "n_pairs": int(y.size),
    }
    if prob is not None:
        cal = calibration_report(prob, y.astype(np.float64))
        out.update(brier=cal["brier"], ece=cal["ece"], mean_p=cal["mean_p"], base_rate=cal["base_rate"])
    return out


def evaluate_holdout(
    graph: GraphIndex, ho: HoldOut, spec: StackedSpec, seed: int = 13, rounds: int = 200, min_known: int = 3
) -> dict[str, Any]:
    """Every scorer's metrics on one protocol (``graph``: the training graph, ``ho.held`` already removed)."""
    grid = protocol_grid(graph, ho, min_known)
    model = fit_stacked(graph, spec.model_copy(update={"seed": seed}), TARGET)
    scorers: dict[str, RowScorer] = {
        "degree prior": degree_rows(graph, ho.side),
        "z-score sum": zsum_rows(graph, ho.side, grid),
        "DWPC LR": lr_rows(graph, ho, seed),
        "stacked 3.1.0 recipe": stacked_scorer(model, graph, ho.side).rows,
    }
    on, y = grid.scored.numpy(), grid.labels.numpy()[grid.scored.numpy()]
    scores: dict[str, Any] = {}
    for name, rows in scorers.items():
        s = rows(grid.groups)[:, grid.cands].double().numpy()[on]
        prob = 1.0 / (1.0 + np.exp(-s)) if name.startswith("stacked") else None
        scores[name] = grid_metrics(s, y, seed, rounds, prob)
        log.info("%s %s: AUROC %.3f", ho.name, name, scores[name]["auroc"])
    return {
        "grid": {
            "groups": int(grid.groups.numel()),
            "candidates": int(grid.cands.numel()),
            "pairs": int(on.sum()),
            "positives": int(y.sum()),
            "held_out_pairs": len(ho.held),
            "held_out_outside_grid": grid.dropped,
        },
        "scores": scores,
        "stacked_coefficients": model.coefficients(),
        "stacked_internal": {k: model.metrics[k] for k in ("auroc", "auprc")}
        | {"calibrated": model.metrics["calibrated"]},
    }


def format_rows(report: Mapping[str, Any]) -> list[str]:
    """Markdown rows: protocol x scorer with AUROC (95% interval), AUPRC, precision@k, Brier, ECE, sizes."""
    rows = [
        "| protocol | scorer | AUROC (95% CI) | AUPRC | P@10 | P@50 | P@100 | Brier | ECE | positives | pairs |",
        "|---" * 11 + "|",
    ]
    for proto, res in report.items():
        for name, m in res.get("scores", {}).items():
            cal = [f"{m['brier']:.5f}", f"{m['ece']:.5f}"] if "brier" in m else ["-", "-"]
            cells = [f"{m['auroc']:.3f} ({m['auroc_lo']:.2f}-{m['auroc_hi']:.2f})", f"{m['auprc']:.3f}"]
            cells += [f"{m[f'p@{k}']:.3f}" for k in PRECISION_AT] + cal + [str(m["n_pos"]), str(m["n_pairs"])]
            rows.append(f"| {proto} | {name} | " + " | ".join(cells) + " |")
    return rows
