"""Assertion on gold entity spans: accuracy, per-class P/R/F1 and the confusion matrix.

The classifier runs on the gold entities (their spans and labels), so the figure isolates assertion
from NER; ``medkg eval ner`` gives the end-to-end figure on the entities NER finds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from kg.assertion import ContextAnnotator, default_annotator
from kg.io.corpora import GoldDocument, read_corpus
from kg.nlp import analyze
from kg.types import ASSERTIONS, EntityLabel, Mention

#: A classifier under test: one gold document in, one assertion per gold entity out (in order).
Predictor = Callable[[GoldDocument], list[str]]


def gold_mentions(doc: GoldDocument, sentence_of: Callable[[int], int]) -> list[Mention]:
    """The gold entities of ``doc`` as mentions (status ``present``, to be set by the annotator)."""
    return [
        Mention(
            doc_id=doc.document.id,
            sentence_index=sentence_of(e.start),
            start=e.start,
            end=e.end,
            text=doc.document.text[e.start : e.end],
            label=cast(EntityLabel, e.label),
            confidence=1.0,
            extractor="gold",
            extractor_version="0",
        )
        for e in doc.entities
    ]


def medkg_predictor(annotator: ContextAnnotator | None = None) -> Predictor:
    """medkg's annotator (the packaged rules unless ``annotator`` is given) as a :data:`Predictor`."""
    ann = annotator or default_annotator()

    def predict(doc: GoldDocument) -> list[str]:
        analyzed = analyze(doc.document)
        mentions = gold_mentions(doc, lambda start: analyzed.sentence_of(start).index)
        return [m.assertion for m in ann(analyzed, mentions)]

    return predict


def per_class(confusion: dict[str, Counter[str]]) -> dict[str, dict[str, float | int]]:
    """Per gold class: n, precision, recall, F1 and ``accuracy`` (= recall), from ``confusion[gold][predicted]``.

    Classes that occur neither as gold nor as prediction are left out.
    """
    classes = [
        c for c in ASSERTIONS if sum(confusion.get(c, Counter()).values()) or any(row[c] for row in confusion.values())
    ]
    out: dict[str, dict[str, float | int]] = {}
    for c in classes:
        tp = confusion.get(c, Counter())[c]
        n_pred = sum(row[c] for row in confusion.values())
        n_gold = sum(confusion.get(c, Counter()).values())
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[c] = {
            "n": n_gold,
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "accuracy": round(r, 4),
        }
    return out


def assertion_report(gold: list[str], pred: list[str]) -> dict[str, Any]:
    """Accuracy, per-class P/R/F1 (``per_class``, see :func:`per_class`) and ``confusion[gold][predicted]``."""
    confusion: dict[str, Counter[str]] = {c: Counter() for c in ASSERTIONS}
    for g, guess in zip(gold, pred, strict=True):
        confusion[g][guess] += 1
    right = sum(g == guess for g, guess in zip(gold, pred, strict=True))
    return {
        "n": len(gold),
        "accuracy": round(right / len(gold), 4) if gold else None,
        "per_class": per_class(confusion),
        "confusion": {g: dict(sorted(c.items())) for g, c in confusion.items() if c},
    }


def evaluate_assertion(
    corpus: str | Path,
    fmt: str,
    notes: str | Path | None = None,
    predict: Predictor | None = None,
) -> tuple[dict[str, Any], list[tuple[GoldDocument, int, str]]]:
    """Score ``predict`` (medkg's annotator by default) on the gold entities of an annotated corpus.

    Entities without a gold status count as ``present``. Returns the report (see
    :func:`assertion_report`) and the errors as (document, entity index, predicted status).
    """
    predict = predict or medkg_predictor()
    gold: list[str] = []
    pred: list[str] = []
    errors = []
    for doc in read_corpus(corpus, fmt, notes=notes):
        for i, (e, p) in enumerate(zip(doc.entities, predict(doc), strict=True)):
            gold.append(e.assertion or "present")
            pred.append(p)
            if gold[-1] != p:
                errors.append((doc, i, p))
    return assertion_report(gold, pred), errors
