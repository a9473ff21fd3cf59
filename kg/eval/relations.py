"""``medkg eval relations``: relation extraction scored with each benchmark's standard measure.

* ``ddi`` (DDI 2013): every annotated candidate pair is classified; micro P/R/F1 over the four
  interaction types (mechanism, effect, advise, int): a pair counts as right only with the right
  type (the DDI'13 "classification" measure). Pairs removed by negative filtering are predicted
  ``none``, so the filter's misses count as false negatives.
* ``pubtator`` (BC5CDR CID, BioRED): document-level sets of (chemical id, disease id, type); with
  gold entities the ids are the corpus's own (MeSH); end to end (``gold_entities=False``) medkg's
  NER and linking find the entities and a predicted concept matches a gold id when the id is
  its CURIE or one of its equivalent ids. Only Chemical–Disease relations are scored (BioRED's
  other pairs are out of scope) and types are mapped by :data:`kg.relations.labels.CORPUS_TYPES`.
* ``jsonl`` (annotated clinical notes) and ``standoff`` (the same over a notes CSV): document-level (head text, type, tail text) triples
  over the annotated entities, lower-cased; TREATS / CAUSES / INTERACTS_WITH / HAS_SYMPTOM.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from kg.config import LinkerConfig, MedkgConfig, NerConfig
from kg.io.corpora import GoldDocument, read_corpus
from kg.logs import get_logger
from kg.metrics import prf
from kg.nlp import analyze, make_mention
from kg.pipeline import BATCH_SIZE, DocState, TextPipeline
from kg.relations.candidates import ddi_pairs
from kg.relations.extractor import reldoc_from_mentions
from kg.relations.labels import CORPUS_TYPES
from kg.relations.linear import DocLinearModel
from kg.relations.models import DEFAULT_MODELS, load_relation_model
from kg.relations.reldoc import RelDoc, gold_pairs, reldoc_from_gold
from kg.schema import load_schema

log = get_logger(__name__)


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
    notes: str | Path | None = None,
    precision: str = "auto",
) -> dict[str, Any]:
    """Relation P/R/F1 on an annotated corpus with its benchmark's measure; see the module docstring.

    Args:
        corpus: Corpus file or folder (a test split for reported figures).
        fmt: ``pubtator`` | ``ddi`` | ``jsonl`` | ``standoff``.
        gold_entities: Use the gold entities (and, for PubTator, their gold ids); False runs
            medkg's NER and linking first (PubTator and JSONL).
        model: Relation model folder or packaged model name (default: the task's packaged model).
        ner: NER registry name or folder, end to end only.
        linker: Linker registry name, end to end only.
        notes: The notes CSV a ``standoff`` corpus points into.
        precision: A pair transformer's (DDI) precision, as the ``trained`` extractor's ``precision`` option
            (default ``auto``, what ``build`` runs; ``fp32`` is the reference).
    """
    docs = read_corpus(corpus, fmt, notes=notes)
    started = time.monotonic()
    if fmt == "ddi":
        clf = load_relation_model(model or DEFAULT_MODELS["ddi"], precision)
        report = evaluate_ddi(docs, clf) | {"precision_mode": clf.precision}
    elif fmt == "pubtator":
        dd = load_relation_model(model or DEFAULT_MODELS["drug-disease"])
        report = evaluate_pubtator(docs, dd, gold_entities=gold_entities, ner=ner, linker=linker)
    elif fmt in ("jsonl", "standoff"):
        if model is not None:
            raise ValueError(
                "--model names one model; notes are scored with the whole `trained` extractor (both models)"
            )
        report = evaluate_notes(docs, gold_entities=gold_entities, ner=ner, linker=linker)
    else:
        raise ValueError(f"unknown corpus format {fmt!r}; known: pubtator, ddi, jsonl, standoff")
    report |= {
        "corpus": str(corpus),
        "format": fmt,
        "gold_entities": gold_entities,
        "n_docs": len(docs),
        "quarantined": sum(len(d.quarantined) for d in docs),
        "seconds": round(time.monotonic() - started, 1),
    }
    return report


def evaluate_pubtator(
    docs: list[GoldDocument],
    model: DocLinearModel,
    gold_entities: bool = True,
    ner: str = "accurate",
    linker: str = "candidates",
) -> dict[str, Any]:
    """Document-level Chemical–Disease pair P/R/F1 per medkg type (see :mod:`kg.eval.relations`)."""
    present = {t for d in docs for t, _, _ in d.relations}
    heads = [h.name for h in model.heads if set(h.classes[1:]) & present]
    if not heads:
        raise ValueError(
            f"the corpus's relation types {sorted(present)} are not predicted by any head "
            f"({', '.join(f'{h.name}: {h.classes[1:]}' for h in model.heads)})"
        )
    classes = sorted({c for h in model.heads if h.name in heads for c in h.classes[1:]})
    # end to end: each document as build's text stages (NER ... linking) leave it, in corpus order
    end_to_end = None if gold_entities else _end_to_end_reldocs(docs, ner, linker)
    gold: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    pred: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for i, g in enumerate(docs, start=1):
        gdoc = reldoc_from_gold(g)
        for (a, b), t in gold_pairs(g, gdoc, classes).items():
            gold[CORPUS_TYPES[t]].add((g.document.id, a, b))
        doc = gdoc if end_to_end is None else next(end_to_end)
        for p in model.predict(doc, heads):
            if gold_entities:
                pred[p.type].add((g.document.id, p.drug, p.disease))
            else:
                pred[p.type].add(_matched_to_gold(g.document.id, doc, p.drug, p.disease, gold[p.type]))
        if i % 100 == 0:
            log.info("evaluated %d/%d documents", i, len(docs))
    report = score_sets(dict(gold), dict(pred))
    report["heads"] = heads
    return report


def _matched_to_gold(
    doc_id: str, doc: RelDoc, drug: str, disease: str, gold: set[tuple[str, str, str]]
) -> tuple[str, str, str]:
    """A predicted concept pair as the gold item it stands for, else as itself.

    A predicted concept stands for every gold id among its equivalent ids.
    """
    drug_ids, dis_ids = doc.concept_ids(drug), doc.concept_ids(disease)
    for gd, a, b in gold:
        if gd == doc_id and a in drug_ids and b in dis_ids:
            return gd, a, b
    return doc_id, drug, disease


def _text_pipeline(ner: str, linker: str) -> TextPipeline:
    """The text stages as ``build`` runs them, with the named NER and linker and the ``trained`` relations."""
    return TextPipeline(load_schema(), MedkgConfig(ner=NerConfig(name=ner), linker=LinkerConfig(name=linker)))


def _end_to_end_reldocs(docs: Sequence[GoldDocument], ner: str, linker: str) -> Iterator[RelDoc]:
    """Each corpus document through ``build``'s text stages up to linking, as a :class:`RelDoc`.

    NIL mentions predict no concept (as in the end-to-end linking evaluation); concepts that
    share an equivalent id are merged (:func:`kg.relations.extractor.reldoc_from_mentions`).
    """
    text = _text_pipeline(ner, linker)
    for b in range(0, len(docs), BATCH_SIZE):
        batch = docs[b : b + BATCH_SIZE]
        for g, state in zip(batch, text.run([g.document for g in batch], until="linking"), strict=True):
            doc, _ = reldoc_from_mentions(
                state.analyzed, state.mentions, title_end=g.title_end, split_assertion=False, linked_only=True
            )
            yield doc


def _gold_mention_states(docs: Sequence[GoldDocument]) -> list[DocState]:
    """The documents with their gold entities as mentions (gold assertion status), not yet linked."""
    states = []
    for g in docs:
        analyzed = analyze(g.document)
        mentions = [
            make_mention(analyzed, e.start, e.end, e.label, 1.0, "gold", "0").model_copy(
                update={"assertion": e.assertion or "present"}
            )
            for e in g.entities
        ]
        states.append(DocState(analyzed, mentions))
    return states


def _with_gold_labels(state: DocState, gold: Mapping[tuple[int, int], str]) -> DocState:
    """Given gold entities, their gold types too: the linker may retype a mention by its concept
    (``dementia`` Symptom -> Disease), which would put a gold pair outside its relation's signature."""
    state.mentions = [
        m.model_copy(update={"label": gold[(m.start, m.end)]}) if gold.get((m.start, m.end), m.label) != m.label else m
        for m in state.mentions
    ]
    return state


def _notes_states(docs: Sequence[GoldDocument], gold_entities: bool, ner: str, linker: str) -> Iterator[DocState]:
    """The notes through ``build``'s text stages: all of them, or linking and relations over the gold entities."""
    text = _text_pipeline(ner, linker)
    for b in range(0, len(docs), BATCH_SIZE):
        batch = docs[b : b + BATCH_SIZE]
        if gold_entities:
            states = _gold_mention_states(batch)
            labels = [{(m.start, m.end): m.label for m in state.mentions} for state in states]
            linked = [
                _with_gold_labels(state, gold)
                for state, gold in zip(text.stage("linking")(states), labels, strict=True)
            ]
            yield from text.stage("relations")(linked)
        else:
            yield from text.run([g.document for g in batch])


def evaluate_notes(
    docs: list[GoldDocument], gold_entities: bool = True, ner: str = "accurate", linker: str = "candidates"
) -> dict[str, Any]:
    """Annotated clinical notes: document-level (head text, type, tail text) P/R/F1 of asserted relations."""
    gold: dict[str, set[tuple[str, str, str, str]]] = {}
    pred: dict[str, set[tuple[str, str, str, str]]] = {}
    n_rel: Counter[str] = Counter()
    for g, state in zip(docs, _notes_states(docs, gold_entities, ner, linker), strict=True):
        for t, h, tl in g.relations:
            head, tail = g.entities[int(h)], g.entities[int(tl)]
            gold.setdefault(t, set()).add((g.document.id, head.text.lower(), t, tail.text.lower()))
        for r in state.relations:
            n_rel[r.type] += 1
            if r.asserted:
                pred.setdefault(r.type, set()).add((g.document.id, r.head.text.lower(), r.type, r.tail.text.lower()))
    report = score_sets(gold, pred)
    report["relations_found"] = dict(n_rel)
    return report
