"""Training of the document-level linear relation model (``kind: relations-doc-linear``).

One softmax head per configured head name over the candidate pairs of
:func:`kg.relations.linear.candidates`, with leave-fold-out knowledge priors and the regularization
chosen by out-of-fold micro F1; the model it writes is read at run time by
:class:`kg.relations.linear.DocLinearModel`.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from kg.corpora import GoldDocument
from kg.relations.labels import head_of
from kg.relations.linear import (
    Candidate,
    DocLinearModel,
    Head,
    Priors,
    build_priors,
    candidates,
    decide,
    doc_fold,
    gold_pairs,
    leave_fold_out_priors,
    reldoc_from_gold,
    softmax,
)

log = logging.getLogger(__name__)


def train_linear(cfg: Any, corpora: list[tuple[Any, list[GoldDocument]]], meta: dict[str, Any]) -> None:
    """Train one head per configured head name (``data[].head``) and write the model into ``cfg.out``."""
    params = dict(cfg.params)
    c_raw = params.get("C", 0.5)
    c_grid = [float(c) for c in (c_raw if isinstance(c_raw, list) else [c_raw])]
    folds = int(params.get("folds", 5))
    min_count = int(params.get("min_feature_count", 2))
    use_priors = bool(params.get("priors", True))
    mention_words = bool(params.get("mention_words", False))
    grouped: dict[str, list[GoldDocument]] = defaultdict(list)
    for spec, docs in corpora:
        if spec.format != "pubtator":
            raise ValueError(f"doc-linear trains on PubTator corpora, not {spec.format} ({spec.path})")
        grouped[spec.head].extend(docs)
    heads = []
    head_meta = {}
    for name, docs in grouped.items():
        classes = ["none", *head_of(name)]
        reldocs = [reldoc_from_gold(g) for g in docs]
        labels = [gold_pairs(g, d, classes) for g, d in zip(docs, reldocs, strict=True)]
        fold = [doc_fold(d.id, cfg.seed, folds) for d in reldocs]
        # Leave-fold-out priors: a document's knowledge features never see its own labels.
        fold_priors: list[Priors | None] = (
            list(leave_fold_out_priors([(d, set(lab)) for d, lab in zip(reldocs, labels, strict=True)], fold, folds))
            if use_priors
            else [None] * folds
        )
        cands: list[Candidate] = []
        cand_fold: list[int] = []
        y: list[int] = []
        for d, lab, f in zip(reldocs, labels, fold, strict=True):
            for c in candidates(d, fold_priors[f], mention_words):
                cands.append(c)
                cand_fold.append(f)
                y.append(classes.index(lab.get((c.drug, c.disease), "none")))
        gold_arr = np.asarray(y)
        missed = sum(len(lab) for lab in labels) - int((gold_arr != 0).sum())
        counts = Counter(name for c in cands for name in c.features)
        vocab = {f: j for j, f in enumerate(sorted(f for f, n in counts.items() if n >= min_count))}
        log.info(
            "head %s: %d documents, %d candidates (%s per class), %d gold pairs without a candidate, %d features",
            name,
            len(reldocs),
            len(cands),
            np.bincount(gold_arr, minlength=len(classes)).tolist(),
            missed,
            len(vocab),
        )
        head = Head(
            name,
            classes,
            vocab,
            np.zeros((len(classes), len(vocab))),
            np.zeros(len(classes)),
            mention_words=mention_words,
        )
        x = head.matrix(cands)
        fold_arr = np.asarray(cand_fold)
        # (C, none bias, fallback, F1): every setting is judged on out-of-fold predictions only.
        best: tuple[float, float, float | None, float] = (c_grid[0], 0.0, None, -1.0)
        oof_by_c = {}
        for c_reg in c_grid:
            oof = np.zeros((len(cands), len(classes)))
            for k in range(folds):
                tr, te = fold_arr != k, fold_arr == k
                coef, icpt = fit_softmax(x[tr], gold_arr[tr], len(classes), c_reg, cfg.seed)
                oof[te] = np.asarray(x[te] @ coef.T) + icpt
            c_best = -1.0
            for off in [v / 4 for v in range(-8, 13)]:
                z = oof.copy()
                z[:, 0] += off
                probs = softmax(z)
                for fb in [None, 0.05, 0.1, 0.2, 0.3]:
                    f1 = _micro_f1(cands, probs, gold_arr, fb)
                    c_best = max(c_best, f1)
                    if f1 > best[3] + 1e-9:
                        best = (c_reg, off, fb, f1)
            oof_by_c[c_reg] = round(c_best, 4)
            log.info("head %s: C %.3g out-of-fold micro F1 %.4f", name, c_reg, c_best)
        c_reg = best[0]
        head.coef, head.intercept = fit_softmax(x, gold_arr, len(classes), c_reg, cfg.seed)
        head.none_bias, head.fallback = best[1], best[2]
        head.priors = (
            build_priors(list(zip(reldocs, [set(lab) for lab in labels], strict=True))) if use_priors else None
        )
        # F1 of out-of-fold decisions over the candidates (gold pairs with no candidate excluded).
        head.metrics = {"oof_candidate_micro_f1": round(best[3], 4), "folds": folds}
        log.info("head %s: C %.3g, none bias %.2f, fallback %s, out-of-fold micro F1 %.4f", name, *best)
        heads.append(head)
        head_meta[name] = {
            "classes": classes,
            "documents": len(reldocs),
            "candidates": len(cands),
            "candidates_per_class": np.bincount(gold_arr, minlength=len(classes)).tolist(),
            "gold_pairs_without_candidate": missed,
            "features": len(vocab),
            "C": c_reg,
            "oof_micro_f1_by_C": oof_by_c,
            "none_bias": best[1],
            "fallback": best[2],
            "oof_candidate_micro_f1": round(best[3], 4),
        }
    meta["heads"] = head_meta
    DocLinearModel(heads, meta).save(cfg.out)


# --------------------------------------------------------------------------------------------
# Evaluation on PubTator corpora


def fit_softmax(x: Any, y: np.ndarray, n_classes: int, c: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial (or binary) L2 logistic regression; returns (coef (classes, features), intercept)."""
    from sklearn.linear_model import LogisticRegression

    coef = np.zeros((n_classes, x.shape[1]))
    intercept = np.full(n_classes, -20.0)  # classes absent from the training data never win
    present = np.unique(y)
    if len(present) < 2:
        intercept[int(present[0]) if len(present) else 0] = 0.0
        return coef, intercept
    lr = LogisticRegression(C=c, max_iter=2000, random_state=seed)
    lr.fit(x, y)
    if len(lr.classes_) == 2:
        intercept[int(lr.classes_[0])] = 0.0
        coef[int(lr.classes_[1])], intercept[int(lr.classes_[1])] = lr.coef_[0], lr.intercept_[0]
    else:
        for k, cls in enumerate(lr.classes_):
            coef[int(cls)], intercept[int(cls)] = lr.coef_[k], lr.intercept_[k]
    return coef, intercept


def _micro_f1(cands: Sequence[Candidate], probs: np.ndarray, gold: np.ndarray, fallback: float | None) -> float:
    dec = decide(cands, probs, fallback)
    tp = sum(1 for i, k in dec if gold[i] == k)
    fp = len(dec) - tp
    fn = int((gold != 0).sum()) - tp
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
