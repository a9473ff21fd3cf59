"""Fast relation mode: document-level drug–disease relations from a linear model over pair features.

The candidates and their features are those of :mod:`kg.relations.features` (with the knowledge
priors of :mod:`kg.relations.priors`). One multinomial logistic regression per *head* (a corpus's
label set, e.g. BC5CDR ``CID`` or BioRED ``Positive/Negative_Correlation, Association``). The
``none``-class bias is tuned on out-of-fold predictions of the training documents, and so is the
fallback that gives a document with no relation above threshold its best pair (most abstracts state
at least one). The document-level score of a pair is also its evidence: the mention pair whose own
sentence-level features score highest supplies the evidence sentence. Training lives in
:mod:`kg.train.doc_linear`.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from kg.artifacts import META_FILE, ModelArtifactError
from kg.logs import get_logger
from kg.relations.features import DRUG_DISEASE, Candidate, PairKind, candidates
from kg.relations.labels import CORPUS_TYPES
from kg.relations.priors import Priors
from kg.relations.reldoc import RelDoc

log = get_logger(__name__)

MODEL_FILE = "linear.json.gz"


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
        cands = _head_candidates(doc, h, max_sentence_distance)
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
        out_dir.mkdir(parents=True, exist_ok=True)
        with gzip.open(out_dir / MODEL_FILE, "wt", encoding="utf-8") as f:
            json.dump({"heads": [h.to_json() for h in self.heads]}, f)

    @classmethod
    def load(cls, directory: Path) -> DocLinearModel:
        path = directory / MODEL_FILE
        if not path.is_file():
            raise ModelArtifactError(
                f"model folder {directory} has no {MODEL_FILE}; train it with `medkg train relations`"
            )
        with gzip.open(path, "rt", encoding="utf-8") as f:
            obj = json.load(f)
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        return cls([Head.from_json(h) for h in obj["heads"]], meta)
