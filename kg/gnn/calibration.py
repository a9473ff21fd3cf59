"""Calibration figures of probabilities against labels: Brier score, equal-mass-bin ECE, reliability bins.

Pure core, no I/O (used by :mod:`kg.gnn.stacked` and the symptom protocols).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def calibration_report(p: np.ndarray, y: np.ndarray, bins: int = 10, w: np.ndarray | None = None) -> dict[str, Any]:
    """Brier score, expected calibration error over ``bins`` equal-mass bins (the base rate is low, so
    equal-width bins would put almost every pair in the first one), the largest gap of a bin, and the bins;
    with sample weights ``w`` [N] every figure is weighted (``n`` stays the pairs of the bin)."""
    w = np.ones(p.size) if w is None else np.asarray(w, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    parts = [i for i in np.array_split(order, bins) if i.size]
    rows = [
        {
            "mean_p": float(np.average(p[i], weights=w[i])),
            "observed": float(np.average(y[i], weights=w[i])),
            "n": int(i.size),
            "weight": float(w[i].sum()),
        }
        for i in parts
    ]
    ece = sum(r["weight"] * abs(r["mean_p"] - r["observed"]) for r in rows) / max(float(w.sum()), 1e-12)
    for r in rows:
        if np.all(w == 1.0):
            del r["weight"]
    return {
        "brier": float(np.average((p - y) ** 2, weights=w)),
        "ece": float(ece),
        "max_gap": float(max(abs(r["mean_p"] - r["observed"]) for r in rows)),
        "base_rate": float(np.average(y, weights=w)),
        "mean_p": float(np.average(p, weights=w)),
        "max_p": float(p.max()),
        "bins": rows,
    }
