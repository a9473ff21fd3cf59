"""Calibrated stacked TREATS model (issue 20): a logistic regression over DWPC metapath features and the
degree prior, Platt-calibrated on out-of-fold scores, chosen on internal splits of Hetionet CtD only.

Pure core, no I/O. Design (Rephetio, Himmelstein et al. 2017): the positives are the graph's CtD pairs;
the negatives are *every* untested pair of the same compounds x diseases (each with at least one CtD
pair), not sampled ones. Positives and negatives are each cut into ``folds`` seeded folds; the features
of fold k are computed on the graph without fold k's positives, so a positive never counts its own edge
(nor has it in its degree), as an untested candidate at serving time has none.

Cross-fitting: the regression of fold k is fit on the other folds and scores fold k (out of fold). The
Platt map (a one-feature logistic regression on those out-of-fold values) turns them into probabilities.
Calibration is reported on a fold the Platt fit did not see; the shipped regression is then refit on
every fold and its Platt map on every out-of-fold value (scikit-learn's
``CalibratedClassifierCV(ensemble=False)`` design).

The probability is calibrated to the design's base rate: the share of CtD pairs among every compound x
disease pair of the compounds and diseases with at least one CtD pair, features computed without the
pair's own edge (Hetionet: 755 of 387 x 77 = 29,799 pairs, 2.5%). It reads "probability that this pair is
a Hetionet-style indication, given the rest of the graph"; an untested pair has no own edge, so the same
reading holds for it.
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

from .data import EdgeType, GraphIndex
from .metapaths import DEFAULT_METAPATHS, Metapath, PairFeatures, build_featurizer, target_degrees
from .protocols import QueryScorer

log = get_logger(__name__)

TARGET: EdgeType = ("Drug", "TREATS", "Disease")
KIND = "stacked-dwpc-lr"
#: The metapaths of the Rephetio-style regression: the default TREATS ones on curated relations.
STACKED_METAPATHS = tuple(k for k in DEFAULT_METAPATHS["TREATS"] if k not in ("CiCtD", "CcDrD"))
DEGREE_FEATURES = ("deg_head", "deg_tail")
#: Further TREATS metapaths a stacked model may use (Hetionet abbreviations, see ``DEFAULT_METAPATHS``).
EXTRA_METAPATHS: dict[str, Metapath] = {
    "CpD": (("Drug", "PALLIATES", "Disease"),),
    "CrCrCtD": (("Drug", "RESEMBLES", "Drug"), ("Drug", "RESEMBLES", "Drug"), ("Drug", "TREATS", "Disease")),
    "CtDrDrD": (
        ("Drug", "TREATS", "Disease"),
        ("Disease", "RESEMBLES", "Disease"),
        ("Disease", "RESEMBLES", "Disease"),
    ),
    "CtDtCtD": (("Drug", "TREATS", "Disease"), ("Disease", "rev_TREATS", "Drug"), ("Drug", "TREATS", "Disease")),
    "CuGuCtD": (("Drug", "UPREGULATES", "Gene"), ("Gene", "rev_UPREGULATES", "Drug"), ("Drug", "TREATS", "Disease")),
    "CdGdCtD": (
        ("Drug", "DOWNREGULATES", "Gene"),
        ("Gene", "rev_DOWNREGULATES", "Drug"),
        ("Drug", "TREATS", "Disease"),
    ),
    "CbGaDrD": (
        ("Drug", "BINDS", "Gene"),
        ("Gene", "rev_ASSOCIATED_WITH", "Disease"),
        ("Disease", "RESEMBLES", "Disease"),
    ),
}


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
    """

    model_config = ConfigDict(extra="forbid")

    metapaths: list[str] = Field(default_factory=lambda: list(STACKED_METAPATHS))
    damping: float = Field(default=0.4, ge=0.0)
    c: float = Field(default=1.0, gt=0.0)
    folds: int = Field(default=5, ge=3)
    eval_fold: int = Field(default=0, ge=0)
    seed: int = 13


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
        base_rate: positives / pairs.
    """

    x: np.ndarray
    y: np.ndarray
    fold: np.ndarray
    pairs: np.ndarray
    names: list[str]
    scales: np.ndarray
    base_rate: float


def present_metapaths(graph: GraphIndex, names: Sequence[str]) -> dict[str, Metapath]:
    """The named TREATS metapaths whose edge types all exist in ``graph`` (others cannot be computed)."""
    types = set(graph.forward_types) | set(graph.reverse_of.values())
    every = {**DEFAULT_METAPATHS["TREATS"], **EXTRA_METAPATHS}
    out = {}
    for n in names:
        if n not in every:
            raise ValueError(f"unknown TREATS metapath {n!r} (known: {', '.join(every)})")
        path = every[n]
        if all(et in types for et in path):
            out[n] = path
    return out


def _fold_of(n: int, folds: int, rng: np.random.Generator) -> np.ndarray:
    """int64 [n]: a balanced seeded fold per item."""
    return (rng.permutation(n) % folds).astype(np.int64)


def build_design(graph: GraphIndex, spec: StackedSpec) -> Design:
    """Fold-featurized CtD positives and every untested pair of the same compounds x diseases (module doc)."""
    mps = present_metapaths(graph, spec.metapaths)
    pos = graph.forward_edges(TARGET)  # long [2, E]
    if pos.size(1) < spec.folds:
        raise ValueError(f"{pos.size(1)} TREATS pairs in the graph: too few for {spec.folds} folds")
    comp, dis = torch.unique(pos[0]), torch.unique(pos[1])
    scales = build_featurizer(graph, TARGET, mps, "head", spec.damping, seed=spec.seed).scales
    n_d = graph.num_nodes("Disease")
    pos_key = (pos[0] * n_d + pos[1]).numpy()
    cc, dd = np.meshgrid(comp.numpy(), dis.numpy(), indexing="ij")
    grid_key = (cc * n_d + dd).ravel()
    neg_key = grid_key[~np.isin(grid_key, pos_key)]
    rng = np.random.default_rng(spec.seed)
    pos_fold, neg_fold = _fold_of(pos_key.size, spec.folds, rng), _fold_of(neg_key.size, spec.folds, rng)
    row_of = np.full(graph.num_nodes("Drug"), -1, dtype=np.int64)
    row_of[comp.numpy()] = np.arange(comp.numel())
    xs, ys, fs, ks = [], [], [], []
    for k in range(spec.folds):
        hidden = torch.from_numpy(np.nonzero(pos_fold == k)[0])
        feat = build_featurizer(graph, TARGET, mps, "head", spec.damping, {TARGET: hidden}, scales=scales)
        dh, dt = target_degrees(graph, TARGET, hidden)
        rows = PairFeatures(feat, dh, dt).rows(comp).double().numpy()  # [Nc, D_all, F]
        keys = np.concatenate([pos_key[pos_fold == k], neg_key[neg_fold == k]])
        xs.append(rows[row_of[keys // n_d], keys % n_d])
        ys.append(np.r_[np.ones(int((pos_fold == k).sum())), np.zeros(int((neg_fold == k).sum()))])
        fs.append(np.full(keys.size, k, dtype=np.int64))
        ks.append(keys)
    y, keys = np.concatenate(ys), np.concatenate(ks)
    names = [*mps, *DEGREE_FEATURES]
    log.info("stacked design: %d positives, %d pairs, features %s", int(y.sum()), y.size, names)
    pairs = np.stack([keys // n_d, keys % n_d])
    return Design(np.concatenate(xs), y, np.concatenate(fs), pairs, names, np.asarray(scales), float(y.mean()))


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


def fit_linear(x: np.ndarray, y: np.ndarray, c: float) -> Linear:
    """L2 logistic regression on z-scored features (constant features keep scale 1)."""
    scaler = StandardScaler().fit(x)
    lr = LogisticRegression(C=c, max_iter=5000).fit(scaler.transform(x), y)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    return Linear(scaler.mean_.copy(), scale, lr.coef_[0].copy(), float(lr.intercept_[0]))


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: (a, b) of ``p = sigmoid(a z + b)`` by maximum likelihood (almost no penalty)."""
    lr = LogisticRegression(C=1e6, max_iter=5000).fit(np.asarray(z)[:, None], y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _sigmoid(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


def out_of_fold(d: Design, c: float) -> np.ndarray:
    """float64 [N]: each pair's decision value from the regression fit on the other folds."""
    oof = np.zeros(d.y.size)
    for k in np.unique(d.fold):
        m = d.fold == k
        oof[m] = fit_linear(d.x[~m], d.y[~m], c)(d.x[m])
    return oof


def calibration_report(p: np.ndarray, y: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Brier score, expected calibration error over ``bins`` equal-mass bins (the base rate is low, so
    equal-width bins would put almost every pair in the first one), the largest gap of a bin, and the bins."""
    order = np.argsort(p, kind="stable")
    parts = np.array_split(order, bins)
    rows = [{"mean_p": float(p[i].mean()), "observed": float(y[i].mean()), "n": int(i.size)} for i in parts if i.size]
    ece = sum(r["n"] * abs(r["mean_p"] - r["observed"]) for r in rows) / max(p.size, 1)
    return {
        "brier": float(np.mean((p - y) ** 2)),
        "ece": float(ece),
        "max_gap": float(max(abs(r["mean_p"] - r["observed"]) for r in rows)),
        "base_rate": float(y.mean()),
        "mean_p": float(p.mean()),
        "max_p": float(p.max()),
        "bins": rows,
    }


def internal_report(d: Design, c: float, eval_fold: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Out-of-fold decision values and the internal metrics: AUROC/AUPRC over every fold, and the
    calibration of fold ``eval_fold`` under a Platt map fit on the other folds' out-of-fold values (beside
    the uncalibrated sigmoid of the regression and an isotonic map fit on the same folds), and the Platt
    calibration of every fold in turn (``calibrated_per_fold``)."""
    oof = out_of_fold(d, c)
    held = d.fold == eval_fold
    if not held.any():
        raise ValueError(f"eval_fold {eval_fold} is not one of the {len(np.unique(d.fold))} folds")
    a, b = fit_platt(oof[~held], d.y[~held])
    iso = IsotonicRegression(out_of_bounds="clip").fit(oof[~held], d.y[~held])
    metrics = {
        "auroc": float(roc_auc_score(d.y, oof)),
        "auprc": float(average_precision_score(d.y, oof)),
        "positives": int(d.y.sum()),
        "pairs": int(d.y.size),
        "eval_fold": eval_fold,
        "calibrated": calibration_report(_sigmoid(a * oof[held] + b), d.y[held]),
        "uncalibrated": calibration_report(_sigmoid(oof[held]), d.y[held]),
        "isotonic": calibration_report(np.clip(iso.predict(oof[held]), 0.0, 1.0), d.y[held]),
        "calibrated_per_fold": [_platt_on_fold(oof, d, int(k)) for k in np.unique(d.fold)],
    }
    return oof, metrics


def _platt_on_fold(oof: np.ndarray, d: Design, k: int) -> dict[str, float]:
    """Brier and ECE of fold ``k`` under a Platt map fit on the other folds' out-of-fold values."""
    held = d.fold == k
    a, b = fit_platt(oof[~held], d.y[~held])
    rep = calibration_report(_sigmoid(a * oof[held] + b), d.y[held])
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

    def logit(self, x: np.ndarray) -> np.ndarray:
        """Features float [..., F] in ``names`` order -> calibrated log-odds float64 [...]."""
        return self.platt[0] * self.linear(x) + self.platt[1]

    def coefficients(self) -> dict[str, float]:
        """The regression coefficient of each feature (on z-scored features)."""
        return {n: float(v) for n, v in zip(self.names, self.linear.coef, strict=True)}

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (numbers, strings and lists only)."""
        return {
            "kind": KIND,
            "target": list(TARGET),
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
        )


def fit_stacked(graph: GraphIndex, spec: StackedSpec) -> StackedModel:
    """Fit the stacked model on ``graph``'s CtD pairs: design, cross-fitting, Platt map, refit (module doc)."""
    d = build_design(graph, spec)
    oof, metrics = internal_report(d, spec.c, spec.eval_fold)
    lin = fit_linear(d.x, d.y, spec.c)
    platt = fit_platt(oof, d.y)
    mp = d.names[: len(d.scales)]
    model = StackedModel(
        metapaths=mp,
        damping=spec.damping,
        scales={n: float(s) for n, s in zip(mp, d.scales, strict=True)},
        names=d.names,
        linear=lin,
        platt=platt,
        base_rate=d.base_rate,
        metrics=metrics,
    )
    log.info(
        "stacked model: internal AUROC %.3f, Brier %.4f, ECE %.4f (base rate %.4f); coefficients %s",
        metrics["auroc"],
        metrics["calibrated"]["brier"],
        metrics["calibrated"]["ece"],
        d.base_rate,
        model.coefficients(),
    )
    return model


def graph_features(model: StackedModel, graph: GraphIndex, query_side: str = "head") -> PairFeatures:
    """The model's features on ``graph`` (its own scales; a metapath whose edge types the graph lacks is all
    zeros, see :func:`aligned`)."""
    mps = present_metapaths(graph, model.metapaths)
    scales = np.array([model.scales[n] for n in mps])
    feat = build_featurizer(graph, TARGET, mps, query_side, model.damping, scales=scales)
    dh, dt = target_degrees(graph, TARGET)
    return PairFeatures(feat, dh, dt)


def aligned(model: StackedModel, features: PairFeatures, x: Tensor) -> np.ndarray:
    """Features float [..., F'] in ``features.names`` order -> float64 [..., F] in the model's order (0 where absent)."""
    out = np.zeros((*x.shape[:-1], len(model.names)))
    xs = x.double().numpy()
    for j, n in enumerate(features.names):
        out[..., model.names.index(n)] = xs[..., j]
    return out


def stacked_scorer(model: StackedModel, graph: GraphIndex, query_side: str = "head") -> QueryScorer:
    """Calibrated log-odds of the model over ``graph``'s pairs, seen from ``query_side`` (rows [Q, C], pairs [B])."""
    feats = graph_features(model, graph, query_side)

    def rows(q: Tensor) -> Tensor:
        return torch.from_numpy(model.logit(aligned(model, feats, feats.rows(q))))

    def pairs(q: Tensor, c: Tensor) -> Tensor:
        h, t = (q, c) if query_side == "head" else (c, q)
        return torch.from_numpy(model.logit(aligned(model, feats, feats.pairs(h, t))))

    return QueryScorer(rows=rows, pairs=pairs)
