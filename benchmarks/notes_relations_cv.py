"""Clinical-note relations (issue 19, round four): a learned pair classifier against the patterns, by grouped CV.

    PATH=.venv/bin:$PATH .venv/bin/python benchmarks/notes_relations_cv.py \
        --corpus tests/fixtures/mtsamples/dev.standoff.jsonl --notes ../shared/data/mtsamples/mtsamples_notes.csv

Use it on the dev split only. The corpus runs through the evaluation's gold-entity path (linking, then the
``trained`` extractor as checked out). Every asserted (Drug, Disease|Symptom) and (Disease, Symptom) pair of a
snippet is a candidate; its label is whether its document-level (head text, type, tail text) triple is gold.
A logistic regression over generic features (sentence distance and order, mentions between, cue words, the
sections of both mentions, nearest-mention flags, a "treatment clause after a condition" flag) is scored by
5-fold cross-validation grouped by note id (seed 0), alone and as additions to the extractor's own pairs;
the extractor's figure on the same candidates is in-sample (its patterns were written from this split).
The last line printed is the JSON report; a summary goes to the log.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.eval.relations import _gold_mention_states, _text_pipeline, _with_gold_labels  # noqa: E402
from kg.io.corpora import GoldDocument, read_corpus  # noqa: E402
from kg.metrics import prf  # noqa: E402
from kg.types import Mention  # noqa: E402

log = logging.getLogger("notes_relations_cv")
TYPES = {"TREATS": ({"Drug"}, {"Disease", "Symptom"}), "HAS_SYMPTOM": ({"Disease"}, {"Symptom"})}
_THERAPY = re.compile(
    r"\b(?:treated|treatments?|therapy|given|started|placed|put|failed|tried|unresponsive|refractory|received|"
    r"prescribed|courses?|trials?|taking|takes|took|using|used|on|relief|helps?|helped|controlled|continued?)\b"
)
_FOR = re.compile(r"\b(?:for|p\.?r\.?n\.?|prn|as needed)\b")
_HS_CUE = re.compile(
    r"\b(?:with|causing|caus\w+|secondary|due|from|associated|consistent|suggestive|related|resulting|manifest\w*)\b"
)
_HEADER = re.compile(r"\b([A-Z][A-Z/&]+(?: [A-Z/&]+){0,4}|[A-Z][a-z]+(?: [A-Za-z][a-z]+){0,3}):")
_SECTIONS = (
    ("allergy", "allerg"),
    ("meds", "medication|meds"),
    ("dx", "diagnos|assessment|impression|problem"),
    ("plan", "plan|recommend"),
    ("history", "history|hpi|present illness|complaint|subjective"),
)


@dataclass
class Candidate:
    """One candidate pair: its features, gold label, document, note, triple, and whether the extractor asserted it."""

    features: dict[str, float]
    label: int
    doc: str
    note: str
    triple: tuple[str, str, str]
    extractor: bool


def _section(text: str, pos: int) -> str:
    last = "none"
    for m in _HEADER.finditer(text):
        if m.end() > pos:
            break
        name = m.group(1).lower()
        last = next((k for k, rx in _SECTIONS if re.search(rx, name)), "other")
    return last


def _pair_features(text: str, sents: Sequence[tuple[int, int]], ms: Sequence[Mention], h: Mention, c: Mention, ty: str):
    """Generic features of a (head, tail) pair of type ``ty``; keys are prefixed with the type."""
    heads, tails = TYPES[ty]
    lo, hi = sorted((h, c), key=lambda m: m.start)
    between = text[lo.end : hi.start].lower()
    sd = abs(h.sentence_index - c.sentence_index)
    conds = [m for m in ms if m.label in tails and m.asserted]
    inner = [m for m in ms if lo.end <= m.start and m.end <= hi.start]
    prev = [m.sentence_index for m in conds if m.sentence_index < h.sentence_index]
    f = {
        "bias": 1.0,
        f"sd={min(sd, 3)}": 1.0,
        f"sd{min(sd, 2)}_{'tail_first' if c.start < h.start else 'head_first'}": 1.0,
        f"tails_between={min(2, sum(m.label in tails for m in inner))}": 1.0,
        f"heads_between={min(2, sum(m.label in heads for m in inner))}": 1.0,
        "log_chars": float(np.log1p(len(between)) / 5),
        f"tail={c.label}": 1.0,
        "head_sentence_has_tail": float(any(m.sentence_index == h.sentence_index for m in conds)),
        "tail_sentence_has_head": float(any(m.sentence_index == c.sentence_index and m.label in heads for m in ms)),
        "nearest_tail": float(min(conds, key=lambda m: abs(m.start - h.start)) is c),
        "first_tail": float(min(conds, key=lambda m: m.start) is c),
        f"head_section={_section(text, h.start)}": 1.0,
        f"tail_section={_section(text, c.start)}": 1.0,
        f"tails_in_doc={min(4, len(conds))}": 1.0,
    }
    pre = text[sents[h.sentence_index][0] : h.start].lower()
    if ty == "TREATS":
        f["therapy_before_head"] = float(bool(_THERAPY.search(pre)))
        f["for_between"] = float(sd == 0 and bool(_FOR.search(between)))
        f["treatment_clause_after_tail"] = float(
            not f["head_sentence_has_tail"]
            and bool(_THERAPY.search(pre))
            and bool(prev)
            and c.sentence_index == max(prev)
            and sd == 1
        )
    else:
        f["cue_between"] = float(sd == 0 and bool(_HS_CUE.search(between)))
    return {f"{ty}:{k}": v for k, v in f.items()}


def candidates(corpus: str, notes: str) -> tuple[list[Candidate], set[tuple[str, str, str, str]]]:
    """Every candidate pair of the corpus and the gold (doc, head, type, tail) triples of TREATS and HAS_SYMPTOM."""
    docs: list[GoldDocument] = read_corpus(corpus, "standoff", notes=notes)
    text_stages = _text_pipeline("accurate", "candidates")
    states = _gold_mention_states(docs)
    labels = [{(m.start, m.end): m.label for m in s.mentions} for s in states]
    linked = [_with_gold_labels(s, g) for s, g in zip(text_stages.stage("linking")(states), labels, strict=True)]
    related = text_stages.stage("relations")(linked)
    out: list[Candidate] = []
    gold_all: set[tuple[str, str, str, str]] = set()
    for g, state in zip(docs, related, strict=True):
        gold = {
            (g.entities[int(h)].text.lower(), t, g.entities[int(tl)].text.lower())
            for t, h, tl in g.relations
            if t in TYPES
        }
        gold_all |= {(g.document.id, *x) for x in gold}
        found = {(r.head.text.lower(), r.type, r.tail.text.lower()) for r in state.relations if r.asserted}
        text, ms = state.analyzed.document.text, state.mentions
        sents = [(s.start, s.end) for s in state.analyzed.sentences]
        for ty, (heads, tails) in TYPES.items():
            for h in (m for m in ms if m.label in heads and m.asserted):
                for c in (m for m in ms if m.label in tails and m.asserted and m is not h):
                    if h.text.lower() == c.text.lower():
                        continue
                    triple = (h.text.lower(), ty, c.text.lower())
                    feats = _pair_features(text, sents, ms, h, c, ty)
                    note = g.document.id.rsplit("-s", 1)[0]
                    out.append(Candidate(feats, int(triple in gold), g.document.id, note, triple, triple in found))
    return out, gold_all


def cross_validated(rows: Sequence[Candidate], folds: int, c: float, seed: int) -> np.ndarray:
    """Out-of-fold P(related) of each candidate, folds grouped by note id; shape (len(rows),)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    notes = sorted({r.note for r in rows})
    order = np.random.RandomState(seed).permutation(len(notes))
    fold_of = {notes[i]: k % folds for k, i in enumerate(order)}
    probs = np.zeros(len(rows))
    for k in range(folds):
        train = [r for r in rows if fold_of[r.note] != k]
        test = [i for i, r in enumerate(rows) if fold_of[r.note] == k]
        vec = DictVectorizer()
        x = vec.fit_transform([r.features for r in train])
        model = LogisticRegression(C=c, max_iter=2000).fit(x, [r.label for r in train])
        probs[test] = model.predict_proba(vec.transform([rows[i].features for i in test]))[:, 1]
    return probs


def _scores(pred: set[tuple[str, str, str, str]], gold: set[tuple[str, str, str, str]]) -> dict[str, Any]:
    out = {}
    for ty in TYPES:
        g, p = {x for x in gold if x[2] == ty}, {x for x in pred if x[2] == ty}
        out[ty] = {k: round(v, 3) for k, v in prf(len(g & p), len(p - g), len(g - p)).items()}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--notes", required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows, gold = candidates(args.corpus, args.notes)
    key = [(r.doc, *r.triple) for r in rows]
    report: dict[str, Any] = {
        "candidates": len(rows),
        "positives": sum(r.label for r in rows),
        "gold_covered": len({k for k, r in zip(key, rows, strict=True) if r.label}),
        "gold": len(gold),
        "extractor_in_sample": _scores({k for k, r in zip(key, rows, strict=True) if r.extractor}, gold),
    }
    for c in (0.3, 1.0):
        probs = cross_validated(rows, args.folds, c, args.seed)
        for thr in (0.3, 0.4, 0.5, 0.6):
            alone = {k for k, p in zip(key, probs, strict=True) if p >= thr}
            added = alone | {k for k, r in zip(key, rows, strict=True) if r.extractor}
            report[f"classifier C={c} t={thr}"] = _scores(alone, gold)
            report[f"extractor + classifier C={c} t={thr}"] = _scores(added, gold)
    for name, value in report.items():
        log.info("%s: %s", name, value)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
