"""Knowledge features from training labels, cross-fitted so a document never sees its own labels.

:class:`Priors` holds the positive (drug, disease) pairs and each concept's positive rate in labelled
documents; :func:`leave_fold_out_priors` gives, per cross-fitting fold (:func:`doc_fold`), the priors
of the documents outside that fold, so a training document's knowledge features never count its own
labels. The model's final priors (:func:`build_priors` over every training document) are saved with
its head and used at inference.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.relations.reldoc import DISEASE_LABELS, DRUG_LABELS, RelDoc


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
            # The best-attested id; ties on the count go to the higher positive count, so the result
            # never depends on the set's iteration order (which changes with PYTHONHASHSEED).
            pos, tot = max((table.get(i, (0, 0)) for i in ids), key=lambda x: (x[1], x[0]), default=(0, 0))
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
