"""Metrics on the ground floor: the one precision / recall / F1 every evaluation reports."""

from __future__ import annotations


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 (fractions, 4 decimals); 0 where undefined.

    Args:
        tp: True positives.
        fp: False positives.
        fn: False negatives.
    """
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}
