"""Evaluation of the text stages on annotated corpora (entity-level exact span and type match)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

from kg.assertion import default_annotator
from kg.corpora import read_corpus
from kg.ner import create_ner
from kg.nlp import analyze

log = logging.getLogger(__name__)


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def evaluate_ner(
    corpus: str | Path, fmt: str, model: str = "dictionary", label_map: dict[str, str] | None = None
) -> dict[str, Any]:
    """Micro-averaged entity-level P/R/F1 (exact span and label), per label, and assertion accuracy.

    ``label_map`` renames predicted labels before matching (e.g. ``{"Symptom": "Disease"}`` for
    corpora such as BC5CDR whose Disease class includes signs and symptoms).
    """
    label_map = label_map or {}
    docs = read_corpus(corpus, fmt)
    ner = create_ner(model)
    annotator = default_annotator()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    assertion_total = assertion_right = 0
    started = time.monotonic()
    for i, gold in enumerate(docs, start=1):
        analyzed = analyze(gold.document)
        mentions = annotator(analyzed, ner(analyzed))
        pred = {(m.start, m.end, label_map.get(m.label, m.label)): m.assertion for m in mentions}
        truth = {(e.start, e.end, label_map.get(e.label, e.label)): e.assertion for e in gold.entities}
        for key in pred.keys() & truth.keys():
            tp[key[2]] += 1
            if truth[key] is not None:
                assertion_total += 1
                assertion_right += pred[key] == truth[key]
        for key in pred.keys() - truth.keys():
            fp[key[2]] += 1
        for key in truth.keys() - pred.keys():
            fn[key[2]] += 1
        if i % 100 == 0:
            log.info("evaluated %d/%d documents", i, len(docs))
    elapsed = time.monotonic() - started
    labels = sorted(set(tp) | set(fp) | set(fn))
    report: dict[str, Any] = {
        **_prf(sum(tp.values()), sum(fp.values()), sum(fn.values())),
        "per_label": {lab: _prf(tp[lab], fp[lab], fn[lab]) for lab in labels},
        "n_docs": len(docs),
        "n_mentions": sum(tp.values()) + sum(fn.values()),
        "docs_per_second": round(len(docs) / elapsed, 2) if elapsed else None,
    }
    if assertion_total:
        report["assertion_accuracy"] = round(assertion_right / assertion_total, 4)
    return report
