"""Evaluation of the text stages on annotated corpora (entity-level exact span and type match)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.config import LinkerConfig, MedkgConfig, NerConfig
from kg.eval.assertion import per_class
from kg.ids import corpus_curie
from kg.io.corpora import GoldDocument, read_corpus
from kg.linking.abbreviations import text_long_forms
from kg.linking.candidate_linker import CandidateLinker
from kg.logs import get_logger
from kg.metrics import prf
from kg.nlp import analyze
from kg.pipeline import BATCH_SIZE, TextPipeline
from kg.schema import load_schema
from kg.types import Mention

log = get_logger(__name__)
#: Predicted labels scored as a corpus label (BC5CDR / NCBI-disease Disease includes symptoms).
_EVAL_LABEL = {"Symptom": "Disease"}


def evaluate_ner(
    corpus: str | Path,
    fmt: str,
    model: str = "accurate",
    label_map: dict[str, str] | None = None,
    labels: list[str] | None = None,
    convention: str | None = None,
    precision: str | None = None,
    notes: str | Path | None = None,
    runtime: str | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Micro-averaged entity-level P/R/F1 (exact span and label), per label, and assertion accuracy.

    Assertion is scored on the correctly found entities: overall accuracy, per class
    (``assertion_per_class``: n gold, precision, recall, F1, accuracy = recall) and the confusion
    ``assertion_confusion[gold][predicted]``.
    ``notes`` is the notes CSV a ``standoff`` corpus points into; ``params``: further ``ner.params``.

    ``convention`` selects a trained model's corpus-convention heads (e.g. ``ncbi``), if it has them;
    ``precision`` (``auto``, the default | ``fp32`` | ``bf16``) is a trained transformer model's inference
    precision; the one in effect is reported as ``inference_precision``. ``runtime`` (``torch`` |
    ``onnx`` | ``onnx-int8``) is its inference runtime (:mod:`kg.ner.onnx_tagger`), reported as ``runtime``.

    ``label_map`` renames predicted labels before matching (e.g. ``{"Symptom": "Disease"}`` for
    corpora such as BC5CDR whose Disease class includes signs and symptoms). ``labels`` restricts
    gold and predictions to these labels (after renaming), e.g. ``["Disease"]`` for NCBI-disease,
    which annotates diseases only.
    """
    label_map = label_map or {}
    keep = set(labels) if labels else None
    docs = read_corpus(corpus, fmt, notes=notes)
    options = (("convention", convention), ("precision", precision), ("runtime", runtime))
    params = {**(params or {}), **{k: v for k, v in options if v}}
    text = TextPipeline(load_schema(), MedkgConfig(ner=NerConfig(name=model, params=params)))
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    assertion_total = assertion_right = 0
    confusion: dict[str, Counter[str]] = {}
    started = time.monotonic()
    # the chain as build runs it, up to assertion: NER, the privacy filter, assertion
    states = (
        s
        for b in range(0, len(docs), BATCH_SIZE)
        for s in text.run([g.document for g in docs[b : b + BATCH_SIZE]], until="assertion")
    )
    for i, (gold, state) in enumerate(zip(docs, states, strict=True), start=1):
        mentions = state.mentions
        pred = {(m.start, m.end, label_map.get(m.label, m.label)): m.assertion for m in mentions}
        truth = {(e.start, e.end, label_map.get(e.label, e.label)): e.assertion for e in gold.entities}
        if keep is not None:
            pred = {k: v for k, v in pred.items() if k[2] in keep}
            truth = {k: v for k, v in truth.items() if k[2] in keep}
        for key in pred.keys() & truth.keys():
            tp[key[2]] += 1
            if truth[key] is not None:
                assertion_total += 1
                assertion_right += pred[key] == truth[key]
                confusion.setdefault(str(truth[key]), Counter())[str(pred[key])] += 1
        for key in pred.keys() - truth.keys():
            fp[key[2]] += 1
        for key in truth.keys() - pred.keys():
            fn[key[2]] += 1
        if i % 100 == 0:
            log.info("evaluated %d/%d documents", i, len(docs))
    elapsed = time.monotonic() - started
    labels = sorted(set(tp) | set(fp) | set(fn))
    report: dict[str, Any] = {
        **prf(sum(tp.values()), sum(fp.values()), sum(fn.values())),
        "per_label": {lab: prf(tp[lab], fp[lab], fn[lab]) for lab in labels},
        "counts": {lab: {"tp": tp[lab], "fp": fp[lab], "fn": fn[lab]} for lab in labels},
        "n_docs": len(docs),
        "n_mentions": sum(tp.values()) + sum(fn.values()),
        "docs_per_second": round(len(docs) / elapsed, 2) if elapsed else None,
    }
    for name, attr in (("inference_precision", "precision"), ("runtime", "runtime")):
        if hasattr(text.ner, attr):
            report[name] = getattr(text.ner, attr)
    return report | _assertion_report(assertion_total, assertion_right, confusion)


def _assertion_report(total: int, right: int, confusion: dict[str, Counter[str]]) -> dict[str, Any]:
    """Assertion accuracy, per-class figures and the confusion, over the correctly found entities."""
    if not total:
        return {}
    return {
        "assertion_accuracy": round(right / total, 4),
        "assertion_per_class": per_class(confusion),
        "assertion_confusion": {g: dict(sorted(c.items())) for g, c in sorted(confusion.items())},
    }


def _gold_ids(ids: Iterable[str]) -> set[str]:
    return {corpus_curie(i) for i in ids if i != "-1"}


def _training_ids(paths: Iterable[Path]) -> set[str]:
    out: set[str] = set()
    for p in paths:
        for d in read_corpus(p, "pubtator"):
            for e in d.entities:
                out |= _gold_ids(e.ids)
    return out


def evaluate_linking(
    corpus: str | Path,
    fmt: str,
    gold_mentions: bool = True,
    ner: str = "dictionary",
    linker: str = "candidates",
    training_corpora: Iterable[str | Path] = (),
    seed_ids: set[str] | None = None,
) -> dict[str, Any]:
    """Entity-linking accuracy (gold mentions) or end-to-end document-level concept P/R/F1.

    Correctness: a predicted concept is right for a gold id when the gold id is the concept's
    CURIE or one of its equivalent ids. Composite gold ids (``D001943|D010051``) are right at
    k only when *every* component is matched by a concept among the top k of some part.
    Gold mentions with id ``-1`` are left out and counted (``nil_gold``). Labels: Symptom
    predictions count as Disease (BC5CDR and NCBI-disease annotate signs and symptoms as Disease).

    End to end runs the chain ``medkg build`` runs (:class:`kg.pipeline.TextPipeline` up to
    linking: NER, the privacy filter, assertion, linking).

    Args:
        corpus: The annotated corpus (a test split for reported figures).
        fmt: Corpus format (pubtator).
        gold_mentions: Link the gold spans (acc@1 / acc@5 per label); False: NER then linking,
            scored as document-level sets of gold ids (each linked mention's concept counts
            once per document; NIL mentions predict no concept).
        ner: NER registry name or model folder for end-to-end evaluation.
        linker: Linker registry name (``candidates`` ranks; ``lexicon`` only gives top-1).
        training_corpora: Training files; gold ids never seen there are scored separately
            (``unseen``).
        seed_ids: Curated seed node ids; the share of linked mentions whose node id is one
            of them is reported (``seed_landing``).
    """
    docs = read_corpus(corpus, fmt)
    text = TextPipeline(load_schema(), MedkgConfig(ner=NerConfig(name=ner), linker=LinkerConfig(name=linker)))
    link = text.linker
    seen = _training_ids([Path(p) for p in training_corpora]) if training_corpora else None
    started = time.monotonic()
    report: dict[str, Any] = {"corpus": str(corpus), "linker": linker, "n_docs": len(docs)}
    if gold_mentions:
        if not isinstance(link, CandidateLinker):
            raise ValueError(f"gold-mention ranking needs the candidates linker, not {linker!r}")
        report |= _rank_gold_mentions(link, docs, seen)
    else:
        report |= {"ner": ner} | _score_end_to_end(text, docs, seen, seed_ids)
    report["seconds"] = round(time.monotonic() - started, 1)
    return report


def _rank_gold_mentions(link: CandidateLinker, docs: list[GoldDocument], seen: set[str] | None) -> dict[str, Any]:
    """acc@1 / acc@5 per label of the gold spans, the NIL shares, unseen-id accuracy and wrong examples."""
    queries, nil = gold_queries(docs)
    hit1: Counter[str] = Counter()
    hit5: Counter[str] = Counter()
    total: Counter[str] = Counter()
    unseen_total: Counter[str] = Counter()
    unseen_hit: Counter[str] = Counter()
    nil_pred: Counter[str] = Counter()
    confusions: list[dict[str, Any]] = []
    for q in queries:
        result = link.link_text(q.text, q.label, q.long_form)
        tops = [cands[:1] for _, cands in result.parts]
        top5 = [cands[:5] for _, cands in result.parts]
        ok1 = all(any(g in c.concept.ids for t in tops for c in t) for g in q.gold)
        ok5 = all(any(g in c.concept.ids for t in top5 for c in t) for g in q.gold)
        total[q.label] += 1
        hit1[q.label] += ok1
        hit5[q.label] += ok5
        best = result.parts[0][1][0].score if result.parts[0][1] else 0.0
        nil_pred[q.label] += best < link.threshold
        if seen is not None and not set(q.gold) <= seen:
            unseen_total[q.label] += 1
            unseen_hit[q.label] += ok1
        if not ok1 and len(confusions) < 30:
            predicted = [c.concept.key for t in tops for c in t]
            confusions.append({"text": q.text, "gold": list(q.gold), "pred": predicted})
    labels = sorted(total)
    report: dict[str, Any] = {
        "acc_at_1": {lab: round(hit1[lab] / total[lab], 4) for lab in labels},
        "acc_at_5": {lab: round(hit5[lab] / total[lab], 4) for lab in labels},
        "n_mentions": dict(total),
        "nil_gold": nil,
        "nil_predicted_share": {lab: round(nil_pred[lab] / total[lab], 4) for lab in labels},
        "examples_wrong": confusions,
    }
    if seen is not None:
        report["unseen"] = {
            lab: {"n": unseen_total[lab], "acc_at_1": round(unseen_hit[lab] / unseen_total[lab], 4)}
            for lab in labels
            if unseen_total[lab]
        }
    return report


@dataclass
class _ConceptCounts:
    """Document-level concept counts per label, summed over documents."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    unseen_total: Counter[str] = field(default_factory=Counter)
    unseen_hit: Counter[str] = field(default_factory=Counter)
    linked: int = 0
    on_seed: int = 0

    def add(
        self, gold: GoldDocument, mentions: list[Mention], seen: set[str] | None, seed_ids: set[str] | None
    ) -> None:
        """Score one document: its linked concepts against its set of gold ids per label."""
        truth: dict[str, set[str]] = {}
        for e in gold.entities:
            truth.setdefault(_EVAL_LABEL.get(e.label, e.label), set()).update(_gold_ids(e.ids))
        pred: dict[str, dict[str, set[str]]] = {}
        for m in mentions:
            if m.curie is None:
                continue
            self.linked += 1
            self.on_seed += bool(seed_ids and m.curie in seed_ids)
            pred.setdefault(_EVAL_LABEL.get(m.label, m.label), {})[m.curie] = {m.curie, *m.xrefs}
        for lab in set(truth) | set(pred):
            gold_ids = truth.get(lab, set())
            matched: set[str] = set()
            for ids in pred.get(lab, {}).values():
                hit = ids & gold_ids
                if hit:
                    matched |= hit
                else:
                    self.fp[lab] += 1
            self.tp[lab] += len(matched)
            self.fn[lab] += len(gold_ids - matched)
            if seen is not None:
                for g in gold_ids - seen:
                    self.unseen_total[lab] += 1
                    self.unseen_hit[lab] += g in matched


def _score_end_to_end(
    text: TextPipeline, docs: list[GoldDocument], seen: set[str] | None, seed_ids: set[str] | None
) -> dict[str, Any]:
    """Document-level concept P/R/F1 of the build's chain up to linking, seed landing and unseen-id recall."""
    counts = _ConceptCounts()
    states = (
        s
        for b in range(0, len(docs), BATCH_SIZE)
        for s in text.run([g.document for g in docs[b : b + BATCH_SIZE]], until="linking")
    )
    for i, (gold, state) in enumerate(zip(docs, states, strict=True), start=1):
        counts.add(gold, state.mentions, seen, seed_ids)
        if i % 100 == 0:
            log.info("evaluated %d/%d documents", i, len(docs))
    tp, fp, fn = counts.tp, counts.fp, counts.fn
    labels = sorted(set(tp) | set(fn))
    report: dict[str, Any] = {
        **prf(sum(tp.values()), sum(fp.values()), sum(fn.values())),
        "per_label": {lab: prf(tp[lab], fp[lab], fn[lab]) for lab in labels},
        "counts": {lab: {"tp": tp[lab], "fp": fp[lab], "fn": fn[lab]} for lab in labels},
        "linked_mentions": counts.linked,
    }
    if seed_ids is not None:
        report["seed_landing"] = round(counts.on_seed / counts.linked, 4) if counts.linked else 0.0
    if seen is not None:
        report["unseen"] = {
            lab: {"n": counts.unseen_total[lab], "recall": round(counts.unseen_hit[lab] / counts.unseen_total[lab], 4)}
            for lab in labels
            if counts.unseen_total[lab]
        }
    return report


@dataclass(frozen=True)
class GoldQuery:
    """A gold mention to link: its text, label, abbreviation long form and gold CURIEs."""

    doc_id: str
    text: str
    label: str
    long_form: str | None
    gold: tuple[str, ...]


def gold_queries(docs: Iterable[GoldDocument]) -> tuple[list[GoldQuery], int]:
    """The gold mentions of documents with the long forms found in each document.

    Long forms: scispaCy's abbreviation detector, then :func:`kg.linking.abbreviations.text_long_forms` for
    short forms it missed or whose long form it cut short (``contraceptives`` for ``combined oral
    contraceptives (COCs)``); text only, never the gold annotations.

    Returns:
        ``(queries, n_nil)``: mentions with at least one id, and the count of mentions whose gold
        id is ``-1`` (no concept; left out of accuracy, as in BioSyn's evaluation).
    """
    out: list[GoldQuery] = []
    nil = 0
    for gd in docs:
        doc = analyze(gd.document).doc
        long_forms = text_long_forms(gd.document.text)
        for short in getattr(doc._, "abbreviations", []):
            found, ours = str(short._.long_form), long_forms.get(str(short), "")
            # scispaCy's long form, unless it is the tail of a longer one that the initials spell
            if not (len(ours) > len(found) and ours.endswith(" " + found)):
                long_forms[str(short)] = found
        for e in gd.entities:
            ids = tuple(corpus_curie(i) for i in e.ids if i != "-1")
            if not ids:
                nil += 1
                continue
            out.append(GoldQuery(gd.document.id, e.text, e.label, long_forms.get(e.text), ids))
    return out, nil
