"""Training of the document-level linear relation model (``kind: relations-doc-linear``).

One softmax head per configured head name over the candidate pairs of
:func:`kg.relations.features.candidates`, with leave-fold-out knowledge priors and the regularization
chosen by out-of-fold micro F1; the model it writes is read at run time by
:class:`kg.relations.linear.DocLinearModel`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict
from sklearn.linear_model import LogisticRegression

from kg.io.corpora import GoldDocument
from kg.logs import get_logger
from kg.relations.features import Candidate, candidates
from kg.relations.labels import head_of
from kg.relations.linear import DocLinearModel, Head, decide, softmax
from kg.relations.priors import Priors, build_priors, doc_fold, leave_fold_out_priors
from kg.relations.reldoc import RelDoc, gold_pairs, reldoc_from_gold

log = get_logger(__name__)


class DocLinearParams(BaseModel):
    """Options of a ``kind: doc-linear`` training run (the config's ``params``)."""

    model_config = ConfigDict(extra="forbid")
    #: L2 strength, or a grid of them: the value with the best out-of-fold micro F1 is kept (per head).
    C: float | list[float] = 0.5
    #: Cross-fitting folds (by document hash): out-of-fold predictions choose C, the none bias and the
    #: fallback, and the knowledge priors of a document's candidates come from the other folds.
    folds: int = 5
    #: Features seen fewer times in the training candidates are left out.
    min_feature_count: int = 2
    #: Knowledge priors from the training labels (leave-fold-out while training).
    priors: bool = True
    #: Words of the disease mention as features.
    mention_words: bool = False


def c_grid(c: float | list[float]) -> list[float]:
    """The regularization grid of a ``C`` option (one value or a list)."""
    return [float(x) for x in (c if isinstance(c, list) else [c])]


@dataclass
class _HeadData:
    """A head's training documents as labelled candidates with their cross-fitting folds."""

    reldocs: list[RelDoc]
    labels: list[dict[tuple[str, str], str]]
    cands: list[Candidate]
    fold: np.ndarray  # (candidates,) fold of each candidate's document
    y: np.ndarray  # (candidates,) class index, 0 = none
    missed: int  # gold pairs with no candidate


def _head_data(docs: list[GoldDocument], classes: list[str], params: DocLinearParams, seed: int) -> _HeadData:
    """Candidates of the documents, each with the leave-fold-out priors of its document's fold."""
    folds = params.folds
    reldocs = [reldoc_from_gold(g) for g in docs]
    labels = [gold_pairs(g, d, classes) for g, d in zip(docs, reldocs, strict=True)]
    fold = [doc_fold(d.id, seed, folds) for d in reldocs]
    # Leave-fold-out priors: a document's knowledge features never see its own labels.
    fold_priors: list[Priors | None] = (
        list(leave_fold_out_priors([(d, set(lab)) for d, lab in zip(reldocs, labels, strict=True)], fold, folds))
        if params.priors
        else [None] * folds
    )
    cands: list[Candidate] = []
    cand_fold: list[int] = []
    y: list[int] = []
    for d, lab, f in zip(reldocs, labels, fold, strict=True):
        for c in candidates(d, fold_priors[f], params.mention_words):
            cands.append(c)
            cand_fold.append(f)
            y.append(classes.index(lab.get((c.drug, c.disease), "none")))
    gold_arr = np.asarray(y)
    missed = sum(len(lab) for lab in labels) - int((gold_arr != 0).sum())
    return _HeadData(reldocs, labels, cands, np.asarray(cand_fold), gold_arr, missed)


def _choose_setting(
    name: str, data: _HeadData, x: Any, n_classes: int, params: DocLinearParams, seed: int
) -> tuple[tuple[float, float, float | None, float], dict[float, float]]:
    """(C, none bias, fallback, F1) with the best out-of-fold micro F1, and the best F1 per C."""
    grid = c_grid(params.C)
    # every setting is judged on out-of-fold predictions only
    best: tuple[float, float, float | None, float] = (grid[0], 0.0, None, -1.0)
    oof_by_c = {}
    for c_reg in grid:
        oof = np.zeros((len(data.cands), n_classes))
        for k in range(params.folds):
            tr, te = data.fold != k, data.fold == k
            coef, icpt = fit_softmax(x[tr], data.y[tr], n_classes, c_reg, seed)
            oof[te] = np.asarray(x[te] @ coef.T) + icpt
        c_best = -1.0
        for off in [v / 4 for v in range(-8, 13)]:
            z = oof.copy()
            z[:, 0] += off
            probs = softmax(z)
            for fb in [None, 0.05, 0.1, 0.2, 0.3]:
                f1 = _micro_f1(data.cands, probs, data.y, fb)
                c_best = max(c_best, f1)
                if f1 > best[3] + 1e-9:
                    best = (c_reg, off, fb, f1)
        oof_by_c[c_reg] = round(c_best, 4)
        log.info("head %s: C %.3g out-of-fold micro F1 %.4f", name, c_reg, c_best)
    return best, oof_by_c


def train_head(name: str, docs: list[GoldDocument], params: DocLinearParams, seed: int) -> tuple[Head, dict[str, Any]]:
    """One head over its corpus documents; returns it with its training record (for meta.json)."""
    classes = ["none", *head_of(name)]
    data = _head_data(docs, classes, params, seed)
    counts = Counter(f for c in data.cands for f in c.features)
    vocab = {f: j for j, f in enumerate(sorted(f for f, n in counts.items() if n >= params.min_feature_count))}
    per_class = np.bincount(data.y, minlength=len(classes)).tolist()
    log.info(
        "head %s: %d documents, %d candidates (%s per class), %d gold pairs without a candidate, %d features",
        name,
        len(data.reldocs),
        len(data.cands),
        per_class,
        data.missed,
        len(vocab),
    )
    zeros = np.zeros((len(classes), len(vocab)))
    head = Head(name, classes, vocab, zeros, np.zeros(len(classes)), mention_words=params.mention_words)
    x = head.matrix(data.cands)
    best, oof_by_c = _choose_setting(name, data, x, len(classes), params, seed)
    head.coef, head.intercept = fit_softmax(x, data.y, len(classes), best[0], seed)
    head.none_bias, head.fallback = best[1], best[2]
    labelled = list(zip(data.reldocs, [set(lab) for lab in data.labels], strict=True))
    head.priors = build_priors(labelled) if params.priors else None
    # F1 of out-of-fold decisions over the candidates (gold pairs with no candidate excluded).
    head.metrics = {"oof_candidate_micro_f1": round(best[3], 4), "folds": params.folds}
    log.info("head %s: C %.3g, none bias %.2f, fallback %s, out-of-fold micro F1 %.4f", name, *best)
    record = {
        "classes": classes,
        "documents": len(data.reldocs),
        "candidates": len(data.cands),
        "candidates_per_class": per_class,
        "gold_pairs_without_candidate": data.missed,
        "features": len(vocab),
        "C": best[0],
        "oof_micro_f1_by_C": oof_by_c,
        "none_bias": best[1],
        "fallback": best[2],
        "oof_candidate_micro_f1": round(best[3], 4),
    }
    return head, record


def train_linear(cfg: Any, corpora: list[tuple[Any, list[GoldDocument]]], meta: dict[str, Any]) -> None:
    """Train one head per configured head name (``data[].head``) and write the model into ``cfg.out``.

    ``cfg`` is a relation training config whose ``params`` are :class:`DocLinearParams`.
    """
    params: DocLinearParams = cfg.params
    grouped: dict[str, list[GoldDocument]] = defaultdict(list)
    for spec, docs in corpora:
        if spec.format != "pubtator":
            raise ValueError(f"doc-linear trains on PubTator corpora, not {spec.format} ({spec.path})")
        grouped[spec.head].extend(docs)
    heads = []
    head_meta = {}
    for name, docs in grouped.items():
        head, head_meta[name] = train_head(name, docs, params, cfg.seed)
        heads.append(head)
    meta["heads"] = head_meta
    DocLinearModel(heads, meta).save(cfg.out)


def fit_softmax(x: Any, y: np.ndarray, n_classes: int, c: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial (or binary) L2 logistic regression; returns (coef (classes, features), intercept)."""
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
