"""A fixed z-score-sum prior added to a stacked model's learned log-odds (issue 20, TREATS 3.2.0).

Pure core, no I/O. The prior is the metapath z-score sum of Rephetio's baseline computed over the stacked
model's own features: each group of features (e.g. CuGdD + CdGuD, one group) is summed, z-scored over the
design's grid (every pair of the compounds and diseases with a target pair, fold-featurized, negatives weighed
as in the fit), and the z-scores are summed. ``weight`` times that sum is added to the learned decision value
before the Platt map. Its weight is not learned from the target's labels: a CtD-trained regression cannot
learn what a CpD (palliates) edge says about treatment, since Hetionet's CtD and CpD pairs are disjoint
classes of one indication catalogue; the weight is chosen on external-style protocols
(``benchmarks/linkpred_treats_selection.py``).

Being linear in the features, the prior folds into the regression's affine map (:func:`fold_prior`), so
serving, files and explanations are those of any stacked model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from torch import Tensor

from .data import EdgeType, GraphIndex
from .metapaths import Metapath, MetapathFeaturizer, build_featurizer

COUNT_SUFFIX = "_count"


def count_name(metapath: str) -> str:
    """The feature name of a metapath's plain path count (``CrCtD`` -> ``CrCtD_count``)."""
    return metapath + COUNT_SUFFIX


def stacked_featurizer(
    graph: GraphIndex,
    target: EdgeType,
    dwpc: Mapping[str, Metapath],
    counts: Mapping[str, Metapath],
    damping: float,
    hidden: Mapping[EdgeType, Tensor] | None = None,
    scales: np.ndarray | None = None,
    seed: int = 0,
    query_side: str = "head",
) -> MetapathFeaturizer:
    """The DWPC features of ``dwpc`` (arcsinh-scaled, ``damping``), then the plain path counts of ``counts``
    (damping 0, scale 1, linear: :attr:`MetapathFeaturizer.linear`), named :func:`count_name`.

    ``scales`` float64 [F]: every feature's scale (DWPCs then counts); None: estimated for the DWPCs.
    """
    n_d = len(dwpc)
    feat = build_featurizer(
        graph, target, dwpc, query_side, damping, hidden, scales=None if scales is None else scales[:n_d], seed=seed
    )
    if not counts:
        return feat
    cnt = build_featurizer(graph, target, counts, query_side, 0.0, hidden, scales=np.ones(len(counts)))
    return MetapathFeaturizer(
        names=[*feat.names, *map(count_name, cnt.names)],
        chains=[*feat.chains, *cnt.chains],
        scales=np.r_[feat.scales, np.ones(len(cnt.names)) if scales is None else scales[n_d:]],
        num_candidates=feat.num_candidates,
        query_side=query_side,
        linear=np.r_[np.zeros(len(feat.names), dtype=bool), np.ones(len(cnt.names), dtype=bool)],
    )


@dataclass(frozen=True)
class Prior:
    """A fitted z-score-sum prior.

    Attributes:
        groups: feature-name groups, each one summed count (names the features lack are left out).
        mean, sd: float64 [G] mean and standard deviation of each group's sum over the design's grid.
        weight: the prior's weight in log-odds per unit of the z-score sum.
    """

    groups: tuple[tuple[str, ...], ...]
    mean: np.ndarray
    sd: np.ndarray
    weight: float

    def __call__(self, names: Sequence[str], x: np.ndarray) -> np.ndarray:
        """Features float [N, F] in ``names`` order -> float64 [N] ``weight`` x the z-score sum."""
        total = np.zeros(x.shape[0])
        for g, m, s in zip(self.groups, self.mean, self.sd, strict=True):
            total += (np.asarray(x, dtype=np.float64)[:, [names.index(n) for n in g]].sum(axis=1) - m) / s
        return self.weight * total

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        groups = [list(g) for g in self.groups]
        return {"groups": groups, "mean": self.mean.tolist(), "sd": self.sd.tolist(), "weight": self.weight}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Prior:
        """Inverse of :meth:`to_json`."""
        groups = tuple(tuple(g) for g in d["groups"])
        return cls(groups, np.asarray(d["mean"], dtype=np.float64), np.asarray(d["sd"], dtype=np.float64), d["weight"])


def fit_prior(
    names: Sequence[str], x: np.ndarray, groups: Sequence[Sequence[str]], weight: float, w: np.ndarray | None = None
) -> Prior:
    """The prior of ``groups`` over the design features ``x`` float [N, F] (sample weights ``w`` [N]).

    A group none of whose features is in ``names`` (a metapath the graph lacks), or that is constant over the
    grid, is left out.
    """
    kept, means, sds = [], [], []
    for g in groups:
        cols = [names.index(n) for n in g if n in names]
        if not cols:
            continue
        s = np.asarray(x, dtype=np.float64)[:, cols].sum(axis=1)
        m = float(np.average(s, weights=w))
        sd = float(np.sqrt(np.average((s - m) ** 2, weights=w)))
        if sd > 0:
            kept.append(tuple(names[c] for c in cols))
            means.append(m)
            sds.append(sd)
    return Prior(tuple(kept), np.asarray(means), np.asarray(sds), float(weight))


def fold_prior(
    names: Sequence[str], mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float, prior: Prior
) -> tuple[np.ndarray, float]:
    """The coefficients [F] and intercept of ``((x - mean) / scale) @ coef + intercept + prior(x)`` written as
    ``((x - mean) / scale) @ coef' + intercept'`` (same ``mean``, ``scale``; all arrays float64 [F])."""
    coef2 = np.asarray(coef, dtype=np.float64).copy()
    shift = 0.0
    for g, m, s in zip(prior.groups, prior.mean, prior.sd, strict=True):
        cols = [names.index(n) for n in g]
        coef2[cols] += prior.weight * scale[cols] / s
        shift += prior.weight * (float(mean[cols].sum()) - m) / s
    return coef2, float(intercept) + shift
