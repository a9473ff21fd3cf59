"""``medkg eval relations``: relation extraction scored with each benchmark's standard measure.

* ``ddi`` (DDI 2013): every annotated candidate pair is classified; micro P/R/F1 over the four
  interaction types (mechanism, effect, advise, int): a pair counts as right only with the right
  type (the DDI'13 "classification" measure). Pairs removed by negative filtering are predicted
  ``none``, so the filter's misses count as false negatives.
* ``pubtator`` (BC5CDR CID, BioRED): document-level sets of (chemical id, disease id, type); with
  gold entities the ids are the corpus's own (MeSH); end to end (``gold_entities=False``) medkg's
  NER and linking find the entities and a predicted concept matches a gold id when the id is
  its CURIE or one of its equivalent ids. Only Chemical–Disease relations are scored (BioRED's
  other pairs are out of scope) and types are mapped by :data:`kg.relex.labels.CORPUS_TYPES`.
* ``jsonl`` (annotated clinical notes): document-level (head text, type, tail text) triples
  over the annotated entities, lower-cased; TREATS / CAUSES / INTERACTS_WITH / HAS_SYMPTOM.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

from kg.corpora import GoldDocument, read_corpus

log = logging.getLogger(__name__)


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 (fractions, 4 decimals); 0 where undefined."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def score_sets(gold: dict[str, set[Any]], pred: dict[str, set[Any]]) -> dict[str, Any]:
    """Micro and per-type P/R/F1 of predicted against gold item sets keyed by type."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for t in set(gold) | set(pred):
        g, p = gold.get(t, set()), pred.get(t, set())
        tp[t], fp[t], fn[t] = len(g & p), len(p - g), len(g - p)
    out: dict[str, Any] = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    out["per_type"] = {t: prf(tp[t], fp[t], fn[t]) | {"gold": tp[t] + fn[t]} for t in sorted(set(gold) | set(pred))}
    return out


def evaluate_ddi(docs: list[GoldDocument], model: Any) -> dict[str, Any]:
    """DDI 2013 micro P/R/F1 over the four types (see the module docstring)."""
    from kg.relex.candidates import ddi_pairs

    gold: dict[str, set[tuple[str, str, str]]] = {}
    pred: dict[str, set[tuple[str, str, str]]] = {}
    n_pairs = n_filtered = 0
    for i, d in enumerate(docs, start=1):
        for t, a, b in d.relations:
            gold.setdefault(t, set()).add((d.document.id, a, b))
        pairs = ddi_pairs(d)
        n_pairs += len(pairs)
        todo = [p for p in pairs if p.filtered is None]
        n_filtered += len(pairs) - len(todo)
        if todo:
            probs = model.predict_proba([p.pair for p in todo])
            for p, row in zip(todo, probs, strict=True):
                label = model.classes[int(row.argmax())]
                if label != "none":
                    pred.setdefault(label, set()).add((d.document.id, p.e1_id, p.e2_id))
        if i % 50 == 0:
            log.info("evaluated %d/%d documents", i, len(docs))
    report = score_sets(gold, pred)
    detect = prf(
        len(set().union(*gold.values()) & set().union(*pred.values())) if gold and pred else 0,
        len(set().union(*pred.values()) - set().union(*gold.values())) if pred else 0,
        len(set().union(*gold.values()) - set().union(*pred.values())) if gold else 0,
    )
    report |= {"detection": detect, "n_pairs": n_pairs, "n_filtered": n_filtered}
    return report


def evaluate_relations(
    corpus: str | Path,
    fmt: str,
    gold_entities: bool = True,
    model: str | None = None,
    ner: str = "accurate",
    linker: str = "candidates",
) -> dict[str, Any]:
    """Relation P/R/F1 on an annotated corpus with its benchmark's measure; see the module docstring.

    Args:
        corpus: Corpus file or folder (a test split for reported figures).
        fmt: ``pubtator`` | ``ddi`` | ``jsonl``.
        gold_entities: Use the gold entities (and, for PubTator, their gold ids); False runs
            medkg's NER and linking first (PubTator and JSONL).
        model: Relation model folder or packaged model name (default: the task's packaged model).
        ner: NER registry name or folder, end to end only.
        linker: Linker registry name, end to end only.
    """
    from kg.relex.models import DEFAULT_MODELS, load_relation_model

    docs = read_corpus(corpus, fmt)
    started = time.monotonic()
    if fmt == "ddi":
        clf = load_relation_model(model or DEFAULT_MODELS["ddi"])
        report = evaluate_ddi(docs, clf)
    elif fmt == "pubtator":
        from kg.relex.linear import evaluate_pubtator

        dd = load_relation_model(model or DEFAULT_MODELS["drug-disease"])
        report = evaluate_pubtator(docs, dd, gold_entities=gold_entities, ner=ner, linker=linker)
    elif fmt == "jsonl":
        from kg.relex.extractor import evaluate_notes

        if model is not None:
            raise ValueError(
                "--model names one model; notes are scored with the whole `trained` extractor (both models)"
            )
        report = evaluate_notes(docs, gold_entities=gold_entities, ner=ner, linker=linker)
    else:
        raise ValueError(f"unknown corpus format {fmt!r}; known: pubtator, ddi, jsonl")
    report |= {
        "corpus": str(corpus),
        "format": fmt,
        "gold_entities": gold_entities,
        "n_docs": len(docs),
        "quarantined": sum(len(d.quarantined) for d in docs),
        "seconds": round(time.monotonic() - started, 1),
    }
    return report
