"""Pair features of the document-level relation model (:mod:`kg.relations.linear`).

A *candidate* is a (head concept, tail concept) pair of one document (drug, disease by default);
every mention of both concepts contributes. Features (sparse, binary unless noted):

* sentence level, for each pair of mentions in one sentence: the words between them (with and
  without the argument order), the two words before and after the pair, the word right after
  the drug and right before the disease (``-induced``, ``for``...), the token distance, other
  entities in between, a negation cue in the gap, the ``rules`` extractor's trigger patterns
  (read from its patterns file, a package resource); aggregated over the mention pairs by max;
* cross-sentence: no co-occurring sentence, the sentence distance of the closest pair;
* document level: either concept in the title, mention-count buckets, whether each is its
  label's most frequent concept, the numbers of drugs and diseases;
* knowledge: the :class:`~kg.relations.priors.Priors` features of the pair, when priors are given.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from kg.relations.priors import Priors
from kg.relations.reldoc import DISEASE_LABELS, DRUG_LABELS, Ent, RelDoc
from kg.relations.rules import PATTERNS_PATH

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[^\sa-z0-9]", re.IGNORECASE)
_NEG = re.compile(r"\b(not|no|without|neither|nor|unrelated|rather than|instead of|despite)\b", re.IGNORECASE)
RULE_TYPES = ("TREATS", "CAUSES")


@lru_cache(maxsize=4)
def _rule_patterns(
    types: tuple[str, ...] = RULE_TYPES,
) -> tuple[re.Pattern[str], list[tuple[str, str, re.Pattern[str]]]]:
    """The trigger patterns of the ``rules`` extractor for ``types`` (kept as data), used here as features."""
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
