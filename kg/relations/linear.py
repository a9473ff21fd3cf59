"""Fast relation mode: document-level drug–disease relations from a linear model over pair features.

A *candidate* is a (drug concept, disease concept) pair of one document; every mention of both
concepts contributes. Features (sparse, binary unless noted):

* sentence level, for each pair of mentions in one sentence: the words between them (with and
  without the argument order), the two words before and after the pair, the word right after
  the drug and right before the disease (``-induced``, ``for``...), the token distance, other
  entities in between, a negation cue in the gap; aggregated over the mention pairs by max;
* cross-sentence: no co-occurring sentence, the sentence distance of the closest pair;
* document level: either concept in the title, mention-count buckets, whether each is its
  label's most frequent concept, the numbers of drugs and diseases;
* knowledge (from the *training* labels only, cross-fitted over folds so a training document
  never sees its own labels): the pair was a positive of another training document, and the
  drug's and the disease's positive rates.

One multinomial logistic regression per *head* (a corpus's label set, e.g. BC5CDR ``CID`` or
BioRED ``Positive/Negative_Correlation, Association``). The ``none``-class bias is tuned on
out-of-fold predictions of the training documents, and so is the fallback that gives a document
with no relation above threshold its best pair (most abstracts state at least one).
The document-level score of a pair is also its evidence: the mention pair whose own sentence-level
features score highest supplies the evidence sentence.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from kg.corpora import GoldDocument
from kg.relations.labels import CORPUS_TYPES

log = logging.getLogger(__name__)

MODEL_FILE = "linear.json.gz"
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[^\sa-z0-9]", re.IGNORECASE)
_NEG = re.compile(r"\b(not|no|without|neither|nor|unrelated|rather than|instead of|despite)\b", re.IGNORECASE)
DRUG_LABELS = frozenset({"Drug"})
RULE_TYPES = ("TREATS", "CAUSES")
DISEASE_LABELS = frozenset({"Disease", "Symptom"})


@dataclass(frozen=True)
class Ent:
    """An entity mention for relation extraction: span, label, concept keys, sentence index."""

    start: int
    end: int
    label: str
    concepts: tuple[str, ...]
    sentence: int
    index: int = -1


@dataclass
class RelDoc:
    """A document as the relation model sees it: text, sentence spans, mentions, title end."""

    id: str
    text: str
    sentences: list[tuple[int, int]]
    ents: list[Ent]
    title_end: int | None = None
    #: concept key -> equivalent ids (for matching priors and gold ids); defaults to the key.
    ids: dict[str, frozenset[str]] = field(default_factory=dict)

    def concept_ids(self, key: str) -> frozenset[str]:
        """Equivalent ids of a concept key (at least the key itself)."""
        return self.ids.get(key, frozenset({key}))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` from medkg's shared spaCy pipeline (line-aware sentencizer)."""
    from kg.nlp import base_pipeline

    nlp = base_pipeline()
    with nlp.select_pipes(enable=["medkg_line_sentences", "sentencizer"]):
        doc = nlp(text)
    return [(s.start_char, s.end_char) for s in doc.sents] or [(0, len(text))]


def _sentence_of(spans: Sequence[tuple[int, int]], start: int) -> int:
    for i, (a, b) in enumerate(spans):
        if a <= start < b:
            return i
    return len(spans) - 1


def reldoc_from_gold(gold: GoldDocument) -> RelDoc:
    """A :class:`RelDoc` over the gold entities; concepts are the gold ids as CURIEs (``-1`` dropped)."""
    from kg.ids import corpus_curie

    text = gold.document.text
    spans = gold.sentences or sentence_spans(text)
    ents = []
    for i, e in enumerate(gold.entities):
        concepts = tuple(dict.fromkeys(corpus_curie(x) for x in e.ids if x != "-1"))
        if concepts:
            ents.append(Ent(e.start, e.end, e.label, concepts, _sentence_of(spans, e.start), i))
    return RelDoc(gold.document.id, text, list(spans), ents, gold.title_end)


@lru_cache(maxsize=4)
def _rule_patterns(
    types: tuple[str, ...] = RULE_TYPES,
) -> tuple[re.Pattern[str], list[tuple[str, str, re.Pattern[str]]]]:
    """The trigger patterns of the ``rules`` extractor for ``types`` (kept as data), used here as features."""
    import yaml

    from kg.relations.rules import PATTERNS_PATH

    raw = yaml.safe_load(PATTERNS_PATH.read_text(encoding="utf-8"))
    pats = [
        (rel, item["order"], re.compile(item["regex"]))
        for rel, items in raw["patterns"].items()
        if rel in types
        for item in items
    ]
    return re.compile(raw["blockers"]), pats


def _rule_features(gap: str, drug_first: bool, types: tuple[str, ...] = RULE_TYPES) -> list[str]:
    """Which trigger patterns of the rules extractor fire on the gap between head (drug) and tail (disease)."""
    blockers, pats = _rule_patterns(types)
    gap = gap.lower()
    out = ["rule:blocked"] if blockers.search(gap) else []
    for rel, order, regex in pats:
        if (order == "head_first") == drug_first and regex.search(gap):
            out.append(f"rule:{rel}")
    return sorted(set(out))


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _bucket(n: float, edges: Sequence[float]) -> str:
    for e in edges:
        if n <= e:
            return str(e)
    return f">{edges[-1]}"


@dataclass
class Candidate:
    """One (drug concept, disease concept) pair of a document with its features."""

    doc_id: str
    drug: str
    disease: str
    features: dict[str, float]
    #: (drug mention index, disease mention index, sentence-level feature names) per mention pair.
    mention_pairs: list[tuple[int, int, list[str]]]


@dataclass
class Priors:
    """Knowledge features learned from training labels: positive pairs, per-concept positive rates."""

    pairs: set[tuple[str, str]] = field(default_factory=set)
    drug_rate: dict[str, tuple[int, int]] = field(default_factory=dict)
    disease_rate: dict[str, tuple[int, int]] = field(default_factory=dict)

    def features(self, drug_ids: frozenset[str], disease_ids: frozenset[str]) -> dict[str, float]:
        """Prior features of a pair given the equivalent ids of its two concepts."""
        out: dict[str, float] = {}
        if any((a, b) in self.pairs for a in drug_ids for b in disease_ids):
            out["prior:pair"] = 1.0
        for name, table, ids in (("drug", self.drug_rate, drug_ids), ("disease", self.disease_rate, disease_ids)):
            pos, tot = max((table.get(i, (0, 0)) for i in ids), key=lambda x: x[1], default=(0, 0))
            if tot:
                out[f"prior:{name}_rate"] = (pos + 0.5) / (tot + 1.0)
                out[f"prior:{name}_seen"] = 1.0
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "pairs": sorted(list(p) for p in self.pairs),
            "drug_rate": self.drug_rate,
            "disease_rate": self.disease_rate,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Priors:
        return cls(
            {(a, b) for a, b in obj["pairs"]},
            {k: (int(v[0]), int(v[1])) for k, v in obj["drug_rate"].items()},
            {k: (int(v[0]), int(v[1])) for k, v in obj["disease_rate"].items()},
        )


def build_priors(docs: Sequence[tuple[RelDoc, set[tuple[str, str]]]]) -> Priors:
    """Priors from labelled documents: (doc, its positive (drug, disease) concept pairs)."""
    pri = Priors()
    pos_d: Counter[str] = Counter()
    tot_d: Counter[str] = Counter()
    pos_s: Counter[str] = Counter()
    tot_s: Counter[str] = Counter()
    for doc, positives in docs:
        pri.pairs |= positives
        drugs = {c for e in doc.ents if e.label in DRUG_LABELS for c in e.concepts}
        diseases = {c for e in doc.ents if e.label in DISEASE_LABELS for c in e.concepts}
        tot_d.update(drugs)
        tot_s.update(diseases)
        pos_d.update({a for a, _ in positives})
        pos_s.update({b for _, b in positives})
    pri.drug_rate = {k: (pos_d[k], n) for k, n in tot_d.items()}
    pri.disease_rate = {k: (pos_s[k], n) for k, n in tot_s.items()}
    return pri


def doc_fold(doc_id: str, seed: int, folds: int) -> int:
    """The cross-fitting fold of a training document: a hash of the seed and its id, modulo ``folds``."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()[:4], "big") % folds


def leave_fold_out_priors(
    docs: Sequence[tuple[RelDoc, set[tuple[str, str]]]], fold: Sequence[int], folds: int
) -> list[Priors]:
    """Per fold k, the priors of the labelled ``docs`` outside fold k (``fold``: each document's fold).

    A document's candidates take the priors of its own fold, so its knowledge features never count its own labels.
    """
    return [build_priors([dl for dl, f in zip(docs, fold, strict=True) if f != k]) for k in range(folds)]


def _mention_pair_features(
    doc: RelDoc,
    a: Ent,
    b: Ent,
    others: int,
    mention_words: bool = False,
    rule_types: tuple[str, ...] = RULE_TYPES,
) -> list[str]:
    """Sentence-level features of a head (drug) mention ``a`` and a tail (disease) mention ``b`` in one sentence."""
    text = doc.text
    first, second = (a, b) if a.start <= b.start else (b, a)
    order = "dd" if first is a else "sd"  # drug first / disease (symptom) first
    gap = text[first.end : max(first.end, second.start)]
    words = _words(gap)
    feats = [f"sent:order={order}", f"sent:dist={_bucket(len(words), (0, 1, 2, 3, 5, 8, 12, 20))}"]
    if len(gap) <= 70:
        feats += _rule_features(gap, first is a, rule_types)
    if len(words) <= 12:
        for w in set(words):
            feats.append(f"sent:bw={w}")
            feats.append(f"sent:bw_{order}={w}")
        if words:
            feats.append(f"sent:bw_first_{order}={words[0]}")
            feats.append(f"sent:bw_last_{order}={words[-1]}")
        if len(words) <= 4:
            feats.append(f"sent:gap_{order}={'_'.join(words)}")
    s0, s1 = doc.sentences[a.sentence]
    before = _words(text[s0 : first.start])[-2:]
    after = _words(text[second.end : s1])[:2]
    feats += [f"sent:pre={w}" for w in before] + [f"sent:post={w}" for w in after]
    after_drug = _words(text[a.end : min(s1, a.end + 30)])[:2]
    before_dis = _words(text[max(s0, b.start - 30) : b.start])[-2:]
    feats += [f"sent:drug_next={w}" for w in after_drug] + [f"sent:dis_prev={w}" for w in before_dis]
    if mention_words:
        feats += [f"sent:dis_word={w}" for w in _words(text[b.start : b.end])]
    feats.append(f"sent:others={_bucket(others, (0, 1, 2, 4))}")
    if _NEG.search(gap):
        feats.append("sent:neg_gap")
    if _NEG.search(text[s0:s1]):
        feats.append("sent:neg_sentence")
    return feats


@dataclass(frozen=True)
class PairKind:
    """Which mentions a head pairs: head (``drug``) labels, tail (``disease``) labels, rule types as features."""

    head_labels: frozenset[str] = DRUG_LABELS
    tail_labels: frozenset[str] = DISEASE_LABELS
    rule_types: tuple[str, ...] = RULE_TYPES
    #: Labels of other mentions whose presence in the pair's sentence is a feature (``sent:ctx=Drug``).
    context_labels: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, Any]:
        return {
            "head_labels": sorted(self.head_labels),
            "tail_labels": sorted(self.tail_labels),
            "rule_types": list(self.rule_types),
            "context_labels": sorted(self.context_labels),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any] | None) -> PairKind:
        if not obj:
            return cls()
        return cls(
            frozenset(obj["head_labels"]),
            frozenset(obj["tail_labels"]),
            tuple(obj["rule_types"]),
            frozenset(obj.get("context_labels", ())),
        )


DRUG_DISEASE = PairKind()


def candidates(
    doc: RelDoc, priors: Priors | None = None, mention_words: bool = False, kind: PairKind = DRUG_DISEASE
) -> list[Candidate]:
    """Every (drug concept, disease concept) candidate of a document with its features.

    ``mention_words`` adds the words of the disease mention (``toxicity``, ``injury``...). ``kind``
    names the head and tail label sets (default Drug -> Disease/Symptom; the ``has_symptom`` head
    pairs Disease -> Symptom); the ``drug`` / ``disease`` names below stand for head and tail.
    """
    head_labels, tail_labels = kind.head_labels, kind.tail_labels
    by_concept: dict[str, list[Ent]] = defaultdict(list)
    for e in doc.ents:
        for c in e.concepts:
            by_concept[c].append(e)
    drugs = sorted({c for e in doc.ents if e.label in head_labels for c in e.concepts})
    diseases = sorted({c for e in doc.ents if e.label in tail_labels for c in e.concepts})
    drug_counts = {c: len([e for e in by_concept[c] if e.label in head_labels]) for c in drugs}
    dis_counts = {c: len([e for e in by_concept[c] if e.label in tail_labels]) for c in diseases}
    top_drug = max(drug_counts.values(), default=0)
    top_dis = max(dis_counts.values(), default=0)
    ents_by_sentence: dict[int, list[Ent]] = defaultdict(list)
    for e in doc.ents:
        ents_by_sentence[e.sentence].append(e)
    title_end = doc.title_end if doc.title_end is not None else (doc.sentences[0][1] if doc.sentences else 0)
    doc_feats = {
        f"doc:n_drugs={_bucket(len(drugs), (1, 2, 3, 5, 8))}": 1.0,
        f"doc:n_diseases={_bucket(len(diseases), (1, 2, 3, 5, 8))}": 1.0,
    }
    out = []
    for c in drugs:
        c_ments = [e for e in by_concept[c] if e.label in head_labels]
        for d in diseases:
            if c == d:
                continue
            d_ments = [e for e in by_concept[d] if e.label in tail_labels]
            feats: dict[str, float] = {"bias": 1.0, **doc_feats}
            pairs: list[tuple[int, int, list[str]]] = []
            min_sent = min(abs(a.sentence - b.sentence) for a in c_ments for b in d_ments)
            cooc = 0
            for a in c_ments:
                for b in d_ments:
                    if a.sentence != b.sentence:
                        continue
                    lo, hi = min(a.start, b.start), max(a.end, b.end)
                    others = sum(1 for e in ents_by_sentence[a.sentence] if lo <= e.start and e.end <= hi) - 2
                    f = _mention_pair_features(doc, a, b, max(0, others), mention_words, kind.rule_types)
                    for e in ents_by_sentence[a.sentence] if kind.context_labels else ():
                        if e.label in kind.context_labels:
                            f.append(f"sent:ctx={e.label}")
                            if lo <= e.start and e.end <= hi:
                                f.append(f"sent:ctx_between={e.label}")
                    pairs.append((a.index, b.index, f))
                    cooc += 1
                    for name in f:
                        feats[name] = 1.0
            if not pairs:
                a, b = min(((a, b) for a in c_ments for b in d_ments), key=lambda p: abs(p[0].sentence - p[1].sentence))
                pairs.append((a.index, b.index, []))
                feats["cross:no_cooc"] = 1.0
            feats[f"cross:min_sent={_bucket(min_sent, (0, 1, 2, 3, 5))}"] = 1.0
            feats[f"doc:cooc_sents={_bucket(cooc, (0, 1, 2, 3, 5))}"] = 1.0
            drug_title = any(e.start < title_end for e in c_ments)
            dis_title = any(e.start < title_end for e in d_ments)
            feats[f"doc:title={int(drug_title)}{int(dis_title)}"] = 1.0
            feats[f"doc:drug_count={_bucket(drug_counts[c], (1, 2, 3, 5))}"] = 1.0
            feats[f"doc:dis_count={_bucket(dis_counts[d], (1, 2, 3, 5))}"] = 1.0
            feats[f"doc:top={int(drug_counts[c] == top_drug)}{int(dis_counts[d] == top_dis)}"] = 1.0
            feats["doc:dis_is_symptom_label"] = float(all(e.label == "Symptom" for e in d_ments))
            if priors is not None:
                feats.update(priors.features(doc.concept_ids(c), doc.concept_ids(d)))
            out.append(Candidate(doc.id, c, d, feats, pairs))
    return out


# --------------------------------------------------------------------------------------------
# The model


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


@dataclass
class Head:
    """One multinomial head: classes (``none`` first), weights over the feature vocabulary."""

    name: str
    classes: list[str]
    vocab: dict[str, int]
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    none_bias: float = 0.0
    fallback: float | None = None  # min probability for a document's best pair when nothing fires
    priors: Priors | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    mention_words: bool = False
    kind: PairKind = DRUG_DISEASE

    def matrix(self, cands: Sequence[Candidate]) -> Any:
        """Sparse feature matrix (candidates, features) over the head's vocabulary."""
        from scipy.sparse import csr_matrix

        rows, cols, vals = [], [], []
        for i, c in enumerate(cands):
            for name, v in c.features.items():
                j = self.vocab.get(name)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
                    vals.append(v)
        return csr_matrix((vals, (rows, cols)), shape=(len(cands), len(self.vocab)))

    def logits(self, cands: Sequence[Candidate]) -> np.ndarray:
        """(candidates, classes) logits with the tuned none-class bias."""
        z = np.asarray(self.matrix(cands) @ self.coef.T) + self.intercept
        z[:, 0] += self.none_bias
        return z

    def local_score(self, feats: Sequence[str], cls: int) -> float:
        """The class-vs-none margin of one mention pair's own sentence-level features (evidence ranking)."""
        return float(sum(self.coef[cls, self.vocab[f]] - self.coef[0, self.vocab[f]] for f in feats if f in self.vocab))

    def to_json(self) -> dict[str, Any]:
        keep = np.flatnonzero(np.abs(self.coef).max(axis=0) > 1e-6)
        names = sorted(self.vocab, key=self.vocab.__getitem__)
        return {
            "name": self.name,
            "classes": self.classes,
            "features": [names[j] for j in keep],
            "coef": np.round(self.coef[:, keep], 5).tolist(),
            "intercept": np.round(self.intercept, 5).tolist(),
            "none_bias": self.none_bias,
            "fallback": self.fallback,
            "priors": self.priors.to_json() if self.priors else None,
            "metrics": self.metrics,
            "mention_words": self.mention_words,
            "kind": self.kind.to_json(),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Head:
        return cls(
            name=obj["name"],
            classes=list(obj["classes"]),
            vocab={f: j for j, f in enumerate(obj["features"])},
            coef=np.asarray(obj["coef"], dtype=np.float64).reshape(len(obj["classes"]), len(obj["features"])),
            intercept=np.asarray(obj["intercept"], dtype=np.float64),
            none_bias=float(obj["none_bias"]),
            fallback=obj["fallback"],
            priors=Priors.from_json(obj["priors"]) if obj.get("priors") else None,
            metrics=obj.get("metrics", {}),
            mention_words=bool(obj.get("mention_words", False)),
            kind=PairKind.from_json(obj.get("kind")),
        )


@dataclass(frozen=True)
class PairPrediction:
    """A document-level relation: concepts, corpus class, medkg type, probability, evidence mentions."""

    drug: str
    disease: str
    head: str
    corpus_type: str
    type: str
    probability: float
    drug_mention: int
    disease_mention: int


def decide(cands: Sequence[Candidate], probs: np.ndarray, fallback: float | None) -> list[tuple[int, int]]:
    """(candidate index, class) decisions: argmax classes other than none, plus each document's
    best pair when the document has no decision and that pair's best non-none probability >= ``fallback``."""
    out = []
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cands):
        by_doc[c.doc_id].append(i)
    for idxs in by_doc.values():
        fired = [(i, int(probs[i].argmax())) for i in idxs if int(probs[i].argmax()) != 0]
        if not fired and fallback is not None and idxs:
            best = max(idxs, key=lambda i: probs[i, 1:].max())
            if probs[best, 1:].max() >= fallback:
                fired = [(best, 1 + int(probs[best, 1:].argmax()))]
        out.extend(fired)
    return out


def _head_candidates(doc: RelDoc, head: Head, max_sentence_distance: int | None) -> list[Candidate]:
    """A head's candidate pairs of ``doc``, optionally only those with mentions at most that many sentences apart."""
    cands = candidates(doc, head.priors, head.mention_words, head.kind)
    if max_sentence_distance is None:
        return cands
    ents = {e.index: e for e in doc.ents}
    return [
        c
        for c in cands
        if min(abs(ents[a].sentence - ents[b].sentence) for a, b, _ in c.mention_pairs) <= max_sentence_distance
    ]


class DocLinearModel:
    """The trained heads with their medkg type mapping."""

    def __init__(self, heads: list[Head], meta: dict[str, Any]) -> None:
        self.heads = heads
        self.meta = meta
        self.version = str(meta.get("version", "0"))
        self.classes = [c for h in heads for c in h.classes[1:]]

    def head(self, name: str) -> Head:
        for h in self.heads:
            if h.name == name:
                return h
        raise KeyError(f"relation model has no head {name!r}; heads: {', '.join(h.name for h in self.heads)}")

    def predict(
        self,
        doc: RelDoc,
        heads: Sequence[str] | None = None,
        fallback: bool = True,
        max_sentence_distance: int | None = None,
    ) -> list[PairPrediction]:
        """Document-level relations of ``doc`` from the named heads (default all).

        Args:
            doc: The document.
            heads: Head names to use (default all).
            fallback: Give a document with no relation above threshold its best pair (tuned on
                abstracts, where nearly every document states one; off for clinical notes).
            max_sentence_distance: Only pairs with mentions at most this many sentences apart.
        """
        out: list[PairPrediction] = []
        for h in self.heads:
            if heads is not None and h.name not in heads:
                continue
            cands = _head_candidates(doc, h, max_sentence_distance)
            if not cands:
                continue
            probs = softmax(h.logits(cands))
            for i, k in decide(cands, probs, h.fallback if fallback else None):
                c = cands[i]
                best = max(c.mention_pairs, key=lambda mp: h.local_score(mp[2], k))
                corpus_type = h.classes[k]
                out.append(
                    PairPrediction(
                        c.drug,
                        c.disease,
                        h.name,
                        corpus_type,
                        CORPUS_TYPES[corpus_type],
                        round(float(probs[i, k]), 4),
                        best[0],
                        best[1],
                    )
                )
        return out

    def above(
        self, doc: RelDoc, head: str, min_probability: float, max_sentence_distance: int | None = 0
    ) -> list[PairPrediction]:
        """Pairs of a binary head whose probability (with the tuned bias) is at least ``min_probability``.

        The clinical decision of heads whose abstract-tuned decision does not carry over to notes
        (``has_symptom``); the evidence is the best-scoring mention pair, as in :meth:`predict`.
        """
        h = self.head(head)
        cands = candidates(doc, h.priors, h.mention_words, h.kind)
        if max_sentence_distance is not None:
            ents = {e.index: e for e in doc.ents}
            cands = [
                c
                for c in cands
                if min(abs(ents[a].sentence - ents[b].sentence) for a, b, _ in c.mention_pairs) <= max_sentence_distance
            ]
        if not cands:
            return []
        probs = softmax(h.logits(cands))
        out = []
        for c, row in zip(cands, probs, strict=True):
            if row[1] < min_probability:
                continue
            best = max(c.mention_pairs, key=lambda mp: h.local_score(mp[2], 1))
            out.append(
                PairPrediction(
                    c.drug,
                    c.disease,
                    h.name,
                    h.classes[1],
                    CORPUS_TYPES[h.classes[1]],
                    round(float(row[1]), 4),
                    *best[:2],
                )
            )
        return out

    def clinical(self, doc: RelDoc, max_sentence_distance: int | None = 0) -> list[PairPrediction]:
        """Relations for clinical notes (no abstract fallback, no thresholds tuned on abstracts).

        ``CAUSES`` comes from the ``cid`` head's tuned decision (P(CID) as confidence). ``TREATS`` comes from the
        ``biored`` head when a relation is more likely than not (P(none) < 0.5) and
        ``Negative_Correlation`` is its most likely type; confidence 1 - P(none). BioRED's
        ``Positive_Correlation`` (a correlation, not a cause) and ``Association`` assert nothing.
        """
        out: list[PairPrediction] = []
        for h in self.heads:
            cands = _head_candidates(doc, h, max_sentence_distance)
            if not cands:
                continue
            probs = softmax(h.logits(cands))
            for c, row in zip(cands, probs, strict=True):
                if h.name == "cid":
                    if row[1] < row[0]:
                        continue
                    k, conf = 1, float(row[1])
                elif "Negative_Correlation" in h.classes and row[0] < 0.5:
                    k = 1 + int(row[1:].argmax())
                    if h.classes[k] != "Negative_Correlation":
                        continue
                    conf = float(1.0 - row[0])
                else:
                    continue
                best = max(c.mention_pairs, key=lambda mp: h.local_score(mp[2], k))
                out.append(
                    PairPrediction(
                        c.drug,
                        c.disease,
                        h.name,
                        h.classes[k],
                        CORPUS_TYPES[h.classes[k]],
                        round(conf, 4),
                        best[0],
                        best[1],
                    )
                )
        return out

    def save(self, out_dir: Path) -> None:
        import gzip

        out_dir.mkdir(parents=True, exist_ok=True)
        with gzip.open(out_dir / MODEL_FILE, "wt", encoding="utf-8") as f:
            json.dump({"heads": [h.to_json() for h in self.heads]}, f)

    @classmethod
    def load(cls, directory: Path) -> DocLinearModel:
        import gzip

        from kg.artifacts import META_FILE, ModelArtifactError

        path = directory / MODEL_FILE
        if not path.is_file():
            raise ModelArtifactError(
                f"model folder {directory} has no {MODEL_FILE}; train it with `medkg train relations`"
            )
        with gzip.open(path, "rt", encoding="utf-8") as f:
            obj = json.load(f)
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        return cls([Head.from_json(h) for h in obj["heads"]], meta)


# --------------------------------------------------------------------------------------------
# Training


def gold_pairs(gold: GoldDocument, doc: RelDoc, classes: Sequence[str]) -> dict[tuple[str, str], str]:
    """(drug concept, disease concept) -> corpus class of a PubTator document's Chemical–Disease relations.

    Relations are undirected in BioRED: the order of the two ids is taken from the entities.
    """
    from kg.ids import corpus_curie

    drugs = {c for e in doc.ents if e.label in DRUG_LABELS for c in e.concepts}
    diseases = {c for e in doc.ents if e.label in DISEASE_LABELS for c in e.concepts}
    out = {}
    for t, a, b in gold.relations:
        if t not in classes:
            continue
        ca, cb = corpus_curie(a), corpus_curie(b)
        if ca in drugs and cb in diseases:
            out[(ca, cb)] = t
        elif cb in drugs and ca in diseases:
            out[(cb, ca)] = t
    return out
