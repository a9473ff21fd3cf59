"""Calibrated stacked link-prediction model (issue 20): a logistic regression over DWPC metapath features and
the degree prior, Platt-calibrated on out-of-fold scores, chosen on internal splits only. TREATS (Hetionet CtD,
3.0.0) and HAS_SYMPTOM (HPO disease -> phenotype, 3.1.0) use the same code with their own spec and target.

Pure core, no I/O. Design (Rephetio, Himmelstein et al. 2017): the positives are the graph's CtD pairs;
the negatives are *every* untested pair of the same compounds x diseases (each with at least one CtD
pair), not sampled ones. Positives and negatives are each cut into ``folds`` seeded folds; the features
of fold k are computed on the graph without fold k's positives, so a positive never counts its own edge
(nor has it in its degree), as an untested candidate at serving time has none.

Cross-fitting: the regression of fold k is fit on the other folds and scores fold k (out of fold). The
Platt map (a one-feature logistic regression on those out-of-fold values) turns them into probabilities.
Calibration is reported on a fold the Platt fit did not see; the shipped regression is then refit on every
fold and its Platt map on every out-of-fold value (``CalibratedClassifierCV(ensemble=False)``'s design). An
optional fixed prior (:mod:`kg.gnn.stacked_prior`, TREATS 4.0.0) is added before the Platt map.

The probability is calibrated to the design's base rate: the share of CtD pairs among every compound x
disease pair of the compounds and diseases with at least one CtD pair, features computed without the
pair's own edge (Hetionet: 755 of 387 x 77 = 29,799 pairs, 2.5%). It reads "probability that this pair is
a Hetionet-style indication, given the rest of the graph"; an untested pair has no own edge, so the same
reading holds for it.

A large target (HAS_SYMPTOM: 12,777 diseases x 11,388 phenotypes) cannot use its whole grid. Its spec then
restricts the grid to the heads and tails with at least ``min_head_known`` / ``min_tail_known`` target pairs
(the serving rule), samples ``max_heads`` of those heads and keeps each untested pair of their rows with
probability ``negative_rate``. Each kept negative weighs ``1 / negative_rate`` in the regression, the Platt
fit and the calibration report, so the probability stays calibrated to the rule's whole grid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import StandardScaler
from torch import Tensor

from kg.logs import get_logger

from .calibration import calibration_report as calibration_report
from .data import EdgeType, GraphIndex
from .metapaths import DEFAULT_METAPATHS, Metapath, PairFeatures, target_degrees
from .protocols import QueryScorer
from .stacked_paths import EXTRA_METAPATHS as EXTRA_METAPATHS
from .stacked_paths import METAPATHS, TARGET, TARGETS
from .stacked_prior import Prior, count_name, fit_prior, fold_prior, stacked_featurizer

log = get_logger(__name__)

KIND = "stacked-dwpc-lr"
#: The metapaths of the Rephetio-style regression: the default TREATS ones on curated relations.
STACKED_METAPATHS = tuple(k for k in DEFAULT_METAPATHS["TREATS"] if k not in ("CiCtD", "CcDrD"))
DEGREE_FEATURES = ("deg_head", "deg_tail")


class StackedSpec(BaseModel):
    """Options of the stacked model (chosen on the internal cross-fitted CtD split, never on external sets).

    Attributes:
        metapaths: metapath names of :data:`kg.gnn.metapaths.DEFAULT_METAPATHS` ``["TREATS"]`` or
            :data:`EXTRA_METAPATHS` (default: :data:`STACKED_METAPATHS`; docs/gnn.md says why not the
            extras the internal comparison preferred).
        damping: DWPC damping exponent (Rephetio: 0.4).
        c: inverse L2 strength of the regression (on z-scored features).
        folds: cross-fitting folds.
        eval_fold: the fold the calibration is reported on (the Platt map of the report is fit without it).
        seed: seed of the folds and of the DWPC scale sample.
        min_head_known, min_tail_known: the grid holds the heads (tails) with at least that many target pairs.
        max_heads: a seeded sample of that many grid heads (None: every one).
        negative_rate: share of the grid's untested pairs kept as negatives (weighted ``1 / rate``; 1: all).
        clip: features are clipped to the range the design saw before scoring (a graph denser or sparser
            than the training graph, e.g. a sampled build, cannot push a pair past what the fit supports).
        unlabelled: relations between the target's head and tail labels (e.g. ``PALLIATES``) whose pairs are
            left out of the negatives: neither positive nor negative (a CpD pair is a therapeutic pair, not
            an untested one; as a negative it teaches "palliates => not treats").
        prior_counts: groups of metapath names whose plain path counts (damping 0) make a fixed z-score-sum
            prior (:mod:`kg.gnn.stacked_prior`); the counts are features of the prior only, not learned.
        prior_weight: the prior's weight in log-odds per unit z-score sum (0: no prior).
    """

    model_config = ConfigDict(extra="forbid")

    metapaths: list[str] = Field(default_factory=lambda: list(STACKED_METAPATHS))
    damping: float = Field(default=0.4, ge=0.0)
    c: float = Field(default=1.0, gt=0.0)
    folds: int = Field(default=5, ge=3)
    eval_fold: int = Field(default=0, ge=0)
    seed: int = 13
    min_head_known: int = Field(default=1, ge=1)
    min_tail_known: int = Field(default=1, ge=1)
    max_heads: int | None = Field(default=None, ge=10)
    negative_rate: float = Field(default=1.0, gt=0.0, le=1.0)
    clip: bool = False
    unlabelled: list[str] = Field(default_factory=list)
    prior_counts: list[list[str]] = Field(default_factory=list)
    prior_weight: float = Field(default=0.0, ge=0.0)

    def count_paths(self) -> list[str]:
        """The metapaths of :attr:`prior_counts`, each once, in order."""
        return list(dict.fromkeys(n for g in self.prior_counts for n in g))


@dataclass(frozen=True)
class Design:
    """The cross-fitting design of one graph.

    Attributes:
        x: float64 [N, F] features (metapaths in ``names`` order, then the two log degrees).
        y: float64 [N] 1 for a CtD pair, 0 for an untested pair.
        fold: int64 [N] fold of each pair.
        pairs: int64 [2, N] (compound, disease) graph indices of each pair.
        names: feature names.
        scales: float64 [F_mp] DWPC scales of the whole graph (shared by every fold).
        base_rate: positives / pairs of the grid (negatives counted with their weight).
        weight: float64 [N] 1 for a positive, ``1 / negative_rate`` for a negative.
    """

    x: np.ndarray
    y: np.ndarray
    fold: np.ndarray
    pairs: np.ndarray
    names: list[str]
    scales: np.ndarray
    base_rate: float
    weight: np.ndarray


def present_metapaths(graph: GraphIndex, names: Sequence[str], target: EdgeType = TARGET) -> dict[str, Metapath]:
    """The named metapaths of ``target`` whose edge types all exist in ``graph`` (others cannot be computed)."""
    types = set(graph.forward_types) | set(graph.reverse_of.values())
    every = METAPATHS[target[1]]
    out = {}
    for n in names:
        if n not in every:
            raise ValueError(f"unknown {target[1]} metapath {n!r} (known: {', '.join(every)})")
        path = every[n]
        if all(et in types for et in path):
            out[n] = path
    return out


def _fold_of(n: int, folds: int, rng: np.random.Generator) -> np.ndarray:
    """int64 [n]: a balanced seeded fold per item."""
    return (rng.permutation(n) % folds).astype(np.int64)


def _grid(graph: GraphIndex, target: EdgeType, spec: StackedSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid's heads long [H'], tails long [T'] and its positive keys (``head * n_tail + tail``) int64 [P]."""
    pos = graph.forward_edges(target)  # long [2, E]
    n_h, n_t = graph.num_nodes(target[0]), graph.num_nodes(target[2])
    deg_h = np.bincount(pos[0].numpy(), minlength=n_h)
    deg_t = np.bincount(pos[1].numpy(), minlength=n_t)
    heads = np.nonzero(deg_h >= spec.min_head_known)[0]
    tails = np.nonzero(deg_t >= spec.min_tail_known)[0]
    if spec.max_heads is not None and heads.size > spec.max_heads:
        # every head with edges of other types stays (the only ones non-target metapaths reach), the rest sampled
        other = graph.degree()[target[0]].numpy()[heads] > deg_h[heads]
        rest = heads[~other]
        take = max(spec.max_heads - int(other.sum()), 0)
        sample = np.random.default_rng([spec.seed, 1]).choice(rest.size, min(take, rest.size), replace=False)
        heads = np.sort(np.concatenate([heads[other], rest[sample]]))
    key = (pos[0] * n_t + pos[1]).numpy()
    key = key[np.isin(pos[0].numpy(), heads) & np.isin(pos[1].numpy(), tails)]
    _, first = np.unique(key, return_index=True)
    return heads, tails, key[np.sort(first)]  # edge order, once each


def _negatives(heads: np.ndarray, tails: np.ndarray, n_t: int, pos_key: np.ndarray, spec: StackedSpec) -> np.ndarray:
    """int64 [N]: the grid's untested pair keys (minus ``pos_key`` and the unlabelled pairs, both int64 keys),
    each kept with probability ``spec.negative_rate``."""
    hh, tt = np.meshgrid(heads, tails, indexing="ij")
    grid = (hh * n_t + tt).ravel()
    neg = grid[~np.isin(grid, pos_key)]
    if spec.negative_rate < 1.0:
        neg = neg[np.random.default_rng([spec.seed, 2]).random(neg.size) < spec.negative_rate]
    return neg


def _unlabelled(graph: GraphIndex, target: EdgeType, spec: StackedSpec) -> np.ndarray:
    """int64 [U]: keys (``head * n_tail + tail``) of the pairs of ``spec.unlabelled`` relations present in ``graph``."""
    n_t = graph.num_nodes(target[2])
    keys = [np.zeros(0, dtype=np.int64)]
    for rel in spec.unlabelled:
        et = (target[0], rel, target[2])
        if et in graph.forward_types:
            e = graph.forward_edges(et)
            keys.append((e[0] * n_t + e[1]).numpy())
    return np.concatenate(keys)


def build_design(graph: GraphIndex, spec: StackedSpec, target: EdgeType = TARGET) -> Design:
    """Fold-featurized positives and the untested pairs of the grid (every one, or a weighted sample; module doc)."""
    mps = present_metapaths(graph, spec.metapaths, target)
    cps = present_metapaths(graph, spec.count_paths(), target)
    heads, tails, pos_key = _grid(graph, target, spec)
    if pos_key.size < spec.folds:
        raise ValueError(f"{pos_key.size} {target[1]} pairs in the grid: too few for {spec.folds} folds")
    scales = stacked_featurizer(graph, target, mps, cps, spec.damping, seed=spec.seed).scales
    n_t = graph.num_nodes(target[2])
    neg_key = _negatives(heads, tails, n_t, np.concatenate([pos_key, _unlabelled(graph, target, spec)]), spec)
    rng = np.random.default_rng(spec.seed)
    pos_fold, neg_fold = _fold_of(pos_key.size, spec.folds, rng), _fold_of(neg_key.size, spec.folds, rng)
    edge_key = (graph.forward_edges(target)[0] * n_t + graph.forward_edges(target)[1]).numpy()
    xs, ys, fs, ks = [], [], [], []
    for k in range(spec.folds):
        hidden = torch.from_numpy(np.nonzero(np.isin(edge_key, pos_key[pos_fold == k]))[0])
        feat = stacked_featurizer(graph, target, mps, cps, spec.damping, {target: hidden}, scales=scales)
        dh, dt = target_degrees(graph, target, hidden)
        keys = np.concatenate([pos_key[pos_fold == k], neg_key[neg_fold == k]])
        h, t = torch.from_numpy(keys // n_t), torch.from_numpy(keys % n_t)
        mp = feat.pairs(h, t, chunk=128)  # float32 [B, F]
        xs.append(torch.cat([mp, dh[h][:, None], dt[t][:, None]], dim=1).double().numpy())
        ys.append(np.r_[np.ones(int((pos_fold == k).sum())), np.zeros(int((neg_fold == k).sum()))])
        fs.append(np.full(keys.size, k, dtype=np.int64))
        ks.append(keys)
    y, keys = np.concatenate(ys), np.concatenate(ks)
    weight = np.where(y == 1, 1.0, 1.0 / spec.negative_rate)
    names = [*mps, *map(count_name, cps), *DEGREE_FEATURES]
    base_rate = float(y.sum() / weight.sum())
    log.info(
        "stacked design: %d positives, %d pairs, grid base rate %.4f, features %s", y.sum(), y.size, base_rate, names
    )
    pairs = np.stack([keys // n_t, keys % n_t])
    return Design(np.concatenate(xs), y, np.concatenate(fs), pairs, names, np.asarray(scales), base_rate, weight)


@dataclass(frozen=True)
class Linear:
    """A z-scored linear decision function: ``((x - mean) / scale) @ coef + intercept``; arrays float64 [F]."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """float [..., F] -> float64 [...]."""
        return ((np.asarray(x, dtype=np.float64) - self.mean) / self.scale) @ self.coef + self.intercept


def fit_linear(x: np.ndarray, y: np.ndarray, c: float, w: np.ndarray | None = None) -> Linear:
    """L2 logistic regression on z-scored features (constant features keep scale 1); ``w`` sample weights [N]."""
    scaler = StandardScaler().fit(x)
    lr = LogisticRegression(C=c, max_iter=5000).fit(scaler.transform(x), y, sample_weight=w)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    return Linear(scaler.mean_.copy(), scale, lr.coef_[0].copy(), float(lr.intercept_[0]))


def fit_platt(z: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float]:
    """Platt scaling: (a, b) of ``p = sigmoid(a z + b)`` by (weighted) maximum likelihood (almost no penalty)."""
    lr = LogisticRegression(C=1e6, max_iter=5000).fit(np.asarray(z)[:, None], y, sample_weight=w)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _sigmoid(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


def _weights(d: Design, mask: np.ndarray | None = None) -> np.ndarray | None:
    """The design's sample weights (of ``mask``), or None when every pair weighs 1 (the whole grid)."""
    if np.all(d.weight == 1.0):
        return None
    return d.weight if mask is None else d.weight[mask]


def out_of_fold(d: Design, c: float, cols: np.ndarray | None = None) -> np.ndarray:
    """float64 [N]: each pair's decision value from the regression (on the columns ``cols`` [F'] of the
    design, default all) fit on the other folds."""
    x = d.x if cols is None else d.x[:, cols]
    oof = np.zeros(d.y.size)
    for k in np.unique(d.fold):
        m = d.fold == k
        oof[m] = fit_linear(x[~m], d.y[~m], c, _weights(d, ~m))(x[m])
    return oof


def internal_report(
    d: Design, c: float, eval_fold: int, cols: np.ndarray | None = None, offset: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """Out-of-fold decision values (:func:`out_of_fold` plus a fixed ``offset`` [N], e.g. a prior) and the
    internal metrics: AUROC/AUPRC over every fold, and the calibration of fold ``eval_fold`` under a Platt
    map fit on the other folds' out-of-fold values (beside the uncalibrated sigmoid of the regression and an
    isotonic map fit on the same folds), and the Platt calibration of every fold in turn."""
    oof = out_of_fold(d, c, cols) + (0.0 if offset is None else offset)
    held = d.fold == eval_fold
    if not held.any():
        raise ValueError(f"eval_fold {eval_fold} is not one of the {len(np.unique(d.fold))} folds")
    w_fit, w_held = _weights(d, ~held), _weights(d, held)
    a, b = fit_platt(oof[~held], d.y[~held], w_fit)
    iso = IsotonicRegression(out_of_bounds="clip").fit(oof[~held], d.y[~held], sample_weight=w_fit)
    metrics = {
        "auroc": float(roc_auc_score(d.y, oof, sample_weight=_weights(d))),
        "auprc": float(average_precision_score(d.y, oof, sample_weight=_weights(d))),
        "positives": int(d.y.sum()),
        "pairs": int(d.y.size),
        "grid_pairs": float(d.weight.sum()),
        "eval_fold": eval_fold,
        "calibrated": calibration_report(_sigmoid(a * oof[held] + b), d.y[held], w=w_held),
        "uncalibrated": calibration_report(_sigmoid(oof[held]), d.y[held], w=w_held),
        "isotonic": calibration_report(np.clip(iso.predict(oof[held]), 0.0, 1.0), d.y[held], w=w_held),
        "calibrated_per_fold": [_platt_on_fold(oof, d, int(k)) for k in np.unique(d.fold)],
    }
    return oof, metrics


def _platt_on_fold(oof: np.ndarray, d: Design, k: int) -> dict[str, float]:
    """Brier and ECE of fold ``k`` under a Platt map fit on the other folds' out-of-fold values."""
    held = d.fold == k
    a, b = fit_platt(oof[~held], d.y[~held], _weights(d, ~held))
    rep = calibration_report(_sigmoid(a * oof[held] + b), d.y[held], w=_weights(d, held))
    return {"fold": k, **{key: rep[key] for key in ("brier", "ece", "base_rate", "mean_p", "max_p")}}


@dataclass
class StackedModel:
    """The fitted model: features, regression and Platt map (serializable to JSON, see :meth:`to_json`).

    ``logit`` is the calibrated log-odds ``a * linear(x) + b``; ``sigmoid(logit)`` the probability.
    """

    metapaths: list[str]
    damping: float
    scales: dict[str, float]
    names: list[str]
    linear: Linear
    platt: tuple[float, float]
    base_rate: float
    metrics: dict[str, Any] = field(default_factory=dict)
    target: EdgeType = TARGET
    #: float64 ([F], [F]) the design's feature range, features clipped to it before scoring (None: no clip)
    bounds: tuple[np.ndarray, np.ndarray] | None = None
    #: metapaths whose plain path counts are features (of the prior, folded into ``linear``; names ``count_name``)
    counts: list[str] = field(default_factory=list)
    prior: Prior | None = None

    def logit(self, x: np.ndarray, inplace: bool = False) -> np.ndarray:
        """Features float [..., F] in ``names`` order -> calibrated log-odds float64 [...].

        The z-scoring, the linear function and Platt's map are one affine map ``x @ w + c`` (no [..., F]
        temporaries). ``inplace``: ``x`` is a float64 array of the caller's own to clip in place (the serving
        paths hand over :func:`aligned`'s fresh array).
        """
        x = np.asarray(x, dtype=np.float64)
        if self.bounds is not None:
            x = np.minimum(x, self.bounds[1], out=x if inplace and x.flags.writeable else None)  # 2x np.clip's speed
            np.maximum(x, self.bounds[0], out=x)
        a, b = self.platt
        lin = self.linear
        w = a * lin.coef / lin.scale
        c = a * (lin.intercept - float((lin.mean / lin.scale) @ lin.coef)) + b
        return x @ w + c

    def coefficients(self) -> dict[str, float]:
        """The regression coefficient of each feature (on z-scored features)."""
        return {n: float(v) for n, v in zip(self.names, self.linear.coef, strict=True)}

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (numbers, strings and lists only)."""
        return {
            "kind": KIND,
            "target": list(self.target),
            "metapaths": self.metapaths,
            "damping": self.damping,
            "scales": self.scales,
            "features": self.names,
            "mean": self.linear.mean.tolist(),
            "scale": self.linear.scale.tolist(),
            "coef": self.linear.coef.tolist(),
            "intercept": self.linear.intercept,
            "platt": list(self.platt),
            "base_rate": self.base_rate,
            "metrics": self.metrics,
            **({} if self.bounds is None else {"clip": [self.bounds[0].tolist(), self.bounds[1].tolist()]}),
            **({"counts": self.counts} if self.counts else {}),
            **({} if self.prior is None else {"prior": self.prior.to_json()}),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> StackedModel:
        """Inverse of :meth:`to_json`.

        Raises:
            ValueError: not a stacked model, or the arrays do not match the features.
        """
        if d.get("kind") != KIND:
            raise ValueError(f"not a {KIND} model (kind {d.get('kind')!r})")
        mean, scale, coef = (np.asarray(d[k], dtype=np.float64) for k in ("mean", "scale", "coef"))
        target = tuple(d.get("target", TARGET))
        if target not in TARGETS.values():
            raise ValueError(f"{KIND}: unknown target {target} (known: {list(TARGETS.values())})")
        if any(a.shape != (len(d["features"]),) for a in (mean, scale, coef)):
            raise ValueError(f"{KIND}: mean/scale/coef do not match the {len(d['features'])} features")
        return cls(
            metapaths=list(d["metapaths"]),
            damping=float(d["damping"]),
            scales={k: float(v) for k, v in d["scales"].items()},
            names=list(d["features"]),
            linear=Linear(mean, scale, coef, float(d["intercept"])),
            platt=(float(d["platt"][0]), float(d["platt"][1])),
            base_rate=float(d["base_rate"]),
            metrics=dict(d.get("metrics", {})),
            target=target,  # type: ignore[arg-type]
            bounds=None if "clip" not in d else (np.asarray(d["clip"][0]), np.asarray(d["clip"][1])),
            counts=list(d.get("counts", [])),
            prior=Prior.from_json(d["prior"]) if "prior" in d else None,
        )


def fit_stacked(graph: GraphIndex, spec: StackedSpec, target: EdgeType = TARGET) -> StackedModel:
    """Fit the stacked model on ``graph``'s ``target`` pairs: design, cross-fitting, Platt map, refit (module doc).
    A prior (``spec.prior_counts``) is added to the out-of-fold values of the regression (fit on the other
    features) before the Platt fit, and folded into the shipped regression (:mod:`kg.gnn.stacked_prior`)."""
    d = build_design(graph, spec, target)
    counts = [n for n in spec.count_paths() if count_name(n) in d.names]
    learn = np.array([i for i, n in enumerate(d.names) if n not in set(map(count_name, counts))])
    groups = [[count_name(n) for n in g] for g in spec.prior_counts]
    prior = fit_prior(d.names, d.x, groups, spec.prior_weight, _weights(d)) if counts else None
    offset = prior(d.names, d.x) if prior is not None else None
    oof, metrics = internal_report(d, spec.c, spec.eval_fold, learn, offset)
    lin = _widen(fit_linear(d.x[:, learn], d.y, spec.c, _weights(d)), learn, len(d.names))
    if prior is not None:
        lin = Linear(lin.mean, lin.scale, *fold_prior(d.names, lin.mean, lin.scale, lin.coef, lin.intercept, prior))
        metrics["prior"] = prior.to_json()
    platt = fit_platt(oof, d.y, _weights(d))
    mp = d.names[: len(d.scales)]
    model = StackedModel(
        metapaths=[n for n in mp if n not in set(map(count_name, counts))],
        damping=spec.damping,
        scales={n: float(s) for n, s in zip(mp, d.scales, strict=True)},
        names=d.names,
        linear=lin,
        platt=platt,
        base_rate=d.base_rate,
        metrics=metrics,
        target=target,
        bounds=(d.x.min(axis=0), d.x.max(axis=0)) if spec.clip else None,
        counts=counts,
        prior=prior,
    )
    log.info(
        "stacked %s model: internal AUROC %.3f, Brier %.4f, ECE %.4f (base rate %.4f); coefficients %s",
        target[1],
        metrics["auroc"],
        metrics["calibrated"]["brier"],
        metrics["calibrated"]["ece"],
        d.base_rate,
        model.coefficients(),
    )
    return model


def _widen(lin: Linear, cols: np.ndarray, n: int) -> Linear:
    """``lin`` over the columns ``cols`` [F'] as a function of all ``n`` features (the others: weight 0)."""
    mean, scale, coef = np.zeros(n), np.ones(n), np.zeros(n)
    mean[cols], scale[cols], coef[cols] = lin.mean, lin.scale, lin.coef
    return Linear(mean, scale, coef, lin.intercept)


def graph_features(model: StackedModel, graph: GraphIndex, query_side: str = "head") -> PairFeatures:
    """The model's features on ``graph`` (its own scales; a metapath whose edge types the graph lacks is all
    zeros, see :func:`aligned`)."""
    mps = present_metapaths(graph, model.metapaths, model.target)
    cps = present_metapaths(graph, model.counts, model.target)
    scales = np.array([model.scales[n] for n in [*mps, *map(count_name, cps)]])
    feat = stacked_featurizer(graph, model.target, mps, cps, model.damping, scales=scales, query_side=query_side)
    dh, dt = target_degrees(graph, model.target)
    return PairFeatures(feat, dh, dt)


def aligned(model: StackedModel, features: PairFeatures, x: Tensor) -> np.ndarray:
    """Features float [..., F'] in ``features.names`` order -> float64 [..., F] in the model's order (0 where absent)."""
    if list(features.names) == list(model.names):  # the common case: one fresh float64 copy
        return x.detach().numpy().astype(np.float64, copy=True)
    out = np.zeros((*x.shape[:-1], len(model.names)))
    xs = x.double().numpy()
    for j, n in enumerate(features.names):
        out[..., model.names.index(n)] = xs[..., j]
    return out


def stacked_scorer(model: StackedModel, graph: GraphIndex, query_side: str = "head") -> QueryScorer:
    """Calibrated log-odds of the model over ``graph``'s pairs, seen from ``query_side`` (rows [Q, C], pairs [B])."""
    feats = graph_features(model, graph, query_side)

    def rows(q: Tensor) -> Tensor:
        return torch.from_numpy(model.logit(aligned(model, feats, feats.rows(q)), inplace=True))

    def pairs(q: Tensor, c: Tensor) -> Tensor:
        h, t = (q, c) if query_side == "head" else (c, q)
        return torch.from_numpy(model.logit(aligned(model, feats, feats.pairs(h, t)), inplace=True))

    return QueryScorer(rows=rows, pairs=pairs)
