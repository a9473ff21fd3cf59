"""Training of the candidate linker's reranker and the gold-mention queries shared with evaluation.

Leakage-safe scheme: the reranker is trained on the *development* mentions of BC5CDR and
NCBI-disease, ranked against a terminology built from the *training* mentions only, so the
features of a dev mention look like those of an unseen test mention (a surface form seen in
training or not). The packaged terminology the linker uses at run time is built from
train + dev (``medkg vocab build``). Test files are never read here.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from kg.eval.entities import GoldQuery, gold_queries
from kg.io.corpora import read_corpus
from kg.linking.candidate_linker import CandidateLinker
from kg.linking.candidates import CandidateIndex
from kg.linking.reranker import DEFAULT_RERANKER_PATH, FEATURES, Reranker
from kg.logs import get_logger
from kg.train.terminology import corpus_pairs, read_vocabularies
from kg.train.terminology_assembly import assemble_terminology

logger = get_logger(__name__)

BC5CDR_TRAIN, BC5CDR_DEV = "CDR_TrainingSet.PubTator.txt", "CDR_DevelopmentSet.PubTator.txt"
NCBI_TRAIN, NCBI_DEV = "NCBItrainset_corpus.txt", "NCBIdevelopset_corpus.txt"


def training_examples(linker: CandidateLinker, queries: list[GoldQuery]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features and labels of every candidate of each single-id query.

    Returns:
        ``(x, y, group)``: x (n_candidates, n_features) float64, y (n_candidates,) 0/1,
        group (n_candidates,) the query index of each row.
    """
    xs: list[tuple[float, ...]] = []
    ys: list[int] = []
    gs: list[int] = []
    for qi, q in enumerate(queries):
        if len(q.gold) != 1:
            continue
        for c in linker.rank(q.text, q.label, q.long_form):
            xs.append(c.features)
            ys.append(int(q.gold[0] in c.concept.ids))
            gs.append(qi)
    return np.asarray(xs, dtype=np.float64), np.asarray(ys), np.asarray(gs)


def heuristic_reranker() -> Reranker:
    """An untrained reranker (hand-set weights on cosine, exact match and corpus counts): bootstrap and tests."""
    w = dict.fromkeys(FEATURES, 0.0) | {"cosine": 6.0, "exact": 2.0, "log_pair_count": 1.0, "pair_share": 2.0}
    return Reranker(coef=[w[f] for f in FEATURES], intercept=-6.0)


def dev_examples(
    hetionet_dir: Path, train_files: list[Path], dev_files: list[Path]
) -> tuple[list[GoldQuery], np.ndarray, np.ndarray, np.ndarray]:
    """The dev queries and their candidate rows, ranked against a terminology of the training files only."""
    pairs, _ = corpus_pairs(train_files)
    concepts, _ = assemble_terminology(read_vocabularies(hetionet_dir=hetionet_dir), pairs)
    index = CandidateIndex(concepts)
    dev_docs = [d for f in dev_files for d in read_corpus(f, "pubtator")]
    queries, _ = gold_queries(dev_docs)
    x, y, groups = training_examples(CandidateLinker(index, heuristic_reranker(), k=20), queries)
    logger.info("reranker: %d candidate rows from %d dev mentions (%d positive)", len(y), len(queries), int(y.sum()))
    return queries, x, y, groups


def nil_threshold(tops: dict[int, tuple[float, int]], n: int) -> tuple[float, float]:
    """``(linking F1, threshold)``: the NIL threshold (0.05 steps) that maximizes linking F1 of the top-1s.

    Args:
        tops: Per dev query, its top-1 ``(probability, right)``.
        n: The number of single-id dev queries (recall's denominator).
    """
    best = (0.0, 0.5)
    for t in np.arange(0.05, 0.96, 0.05):
        linked = [lab for p, lab in tops.values() if p >= t]
        prec = sum(linked) / len(linked) if linked else 0.0
        rec = sum(linked) / n if n else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if f1 > best[0]:
            best = (f1, float(round(t, 2)))
    return best


def dev_metrics(tops: dict[int, tuple[float, int]], n: int, f1: float) -> dict[str, float]:
    """Top-1 accuracy, linking F1 at the threshold and calibration (ECE over 10 bins, Brier) on dev."""
    top_p = np.array([p for p, _ in tops.values()])
    top_y = np.array([lab for _, lab in tops.values()])
    bins = np.clip((top_p * 10).astype(int), 0, 9)
    ece = sum(
        abs(top_p[bins == b].mean() - top_y[bins == b].mean()) * (bins == b).sum()
        for b in range(10)
        if (bins == b).any()
    )
    return {
        "acc_at_1": round(float(top_y.sum() / n), 4) if n else 0.0,
        "linking_f1_at_threshold": round(f1, 4),
        "expected_calibration_error_top1": round(float(ece / len(top_p)), 4) if len(top_p) else 0.0,
        "brier_top1": round(float(np.mean((top_p - top_y) ** 2)), 4) if len(top_p) else 0.0,
    }


def train_reranker(
    hetionet_dir: str | Path,
    bc5cdr_dir: str | Path,
    ncbi_dir: str | Path,
    out_path: str | Path = DEFAULT_RERANKER_PATH,
    seed: int = 13,
    c: float = 1.0,
) -> dict[str, Any]:
    """Train the reranker on dev mentions against a train-only terminology; write its JSON.

    Args:
        hetionet_dir: Folder with the Hetionet nodes TSV.
        bc5cdr_dir: Folder with the BC5CDR PubTator files (train and dev are read).
        ncbi_dir: Folder with the NCBI-disease files (train and dev are read).
        out_path: Where to write the reranker JSON.
        seed: Random seed of the logistic regression.
        c: Inverse L2 regularization strength.

    Returns:
        The written metadata (weights, threshold, dev metrics, data).
    """
    from sklearn.linear_model import LogisticRegression

    t0 = time.perf_counter()
    bc5, ncbi = Path(bc5cdr_dir), Path(ncbi_dir)
    train_files = [bc5 / BC5CDR_TRAIN, ncbi / NCBI_TRAIN]
    dev_files = [bc5 / BC5CDR_DEV, ncbi / NCBI_DEV]
    queries, x, y, groups = dev_examples(Path(hetionet_dir), train_files, dev_files)
    model = LogisticRegression(C=c, max_iter=2000, random_state=seed)
    model.fit(x, y)
    reranker = Reranker(coef=[float(v) for v in model.coef_[0]], intercept=float(model.intercept_[0]))
    # Per dev query: top-1 after reranking; pick the NIL threshold that maximizes linking F1.
    tops: dict[int, tuple[float, int]] = {}
    for p, label, g in zip(reranker.score(x.tolist()), y, groups, strict=True):
        if int(g) not in tops or p > tops[int(g)][0]:
            tops[int(g)] = (float(p), int(label))
    n = sum(1 for q in queries if len(q.gold) == 1)
    f1, threshold = nil_threshold(tops, n)
    meta: dict[str, Any] = {
        "model": "logistic regression reranker over candidate features",
        "version": "1",
        "features": list(FEATURES),
        "coef": reranker.coef,
        "intercept": reranker.intercept,
        "threshold": threshold,
        "seed": seed,
        "C": c,
        "data": {
            "terminology_corpus": [p.name for p in train_files],
            "reranker_training_mentions": [p.name for p in dev_files],
            "mentions": n,
            "candidate_rows": int(len(y)),
        },
        "dev_metrics": dev_metrics(tops, n, f1),
        "trained": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    logger.info("reranker written to %s: dev %s", out, meta["dev_metrics"])
    return meta
