"""The reranker: match features of each candidate and the logistic regression whose probability is the link score."""

from __future__ import annotations

import bisect
import json as _json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg.linking.candidates import CandidateIndex
from kg.linking.names import coordination_key, lookup_keys
from kg.vocab.terminology import LABEL_FAMILY

DEFAULT_RERANKER_PATH = Path(__file__).resolve().parent.parent / "resources" / "linker_reranker.json"
FEATURES = (
    "cosine",
    "exact",
    "corpus_exact",
    "log_pair_count",
    "pair_share",
    "log_popularity",
    "token_jaccard",
    "is_mesh",
    "is_supplementary",
    "cosine_gap",
    "abbrev_exact",
    "via_long_form",
    "label_match",
    "is_omim",
    "inv_rank",
    "short_form_only",
)
_TOKENS = re.compile(r"[a-z0-9]+")


def _tokens(text: str) -> set[str]:
    return set(_TOKENS.findall(text))


def candidate_features(
    index: CandidateIndex,
    query: str,
    label: str,
    cands: dict[int, tuple[float, str]],
    via_long_form: bool,
    abbrev: bool = False,
) -> dict[int, list[float]]:
    """The per-query reranker features (:data:`FEATURES` order, all but the last) of each candidate of one query.

    The last feature, ``short_form_only``, needs both queries of an abbreviation and is appended by
    :meth:`CandidateLinker.rank`.
    """
    fam = LABEL_FAMILY[label]
    counts = index.pair_counts.get((fam, query), Counter())
    if not counts:
        ckey = coordination_key(query)
        counts = index.pair_counts.get((fam, ckey), Counter()) if ckey else counts
    total = sum(counts.values())
    best = max((c for c, _ in cands.values()), default=0.0)
    # Rank by cosine with ties sharing a rank (candidates with a strictly higher cosine), so the
    # order of equally matching concepts (an id order) never changes their features.
    neg_cosines = sorted(-c for c, _ in cands.values())
    qtok = _tokens(query)
    keys = lookup_keys(query, fam)
    out: dict[int, list[float]] = {}
    for ci in cands:
        cos, matched = cands[ci]
        rank = bisect.bisect_left(neg_cosines, -cos)
        c = index.concepts[ci]
        exact = next(
            (1.0 if i == 0 else 0.9 for i, v in enumerate(keys) if ci in index.exact.get((fam, v), ())),
            0.0,
        )
        mtok = _tokens(matched)
        out[ci] = [
            cos,
            exact,
            float(counts[ci] > 0),
            math.log1p(counts[ci]),
            counts[ci] / total if total else 0.0,
            math.log1p(index.popularity[ci]),
            len(qtok & mtok) / len(qtok | mtok) if qtok | mtok else 0.0,
            float(c.key.startswith("MESH:")),
            float(c.key.startswith("MESH:C")),
            cos - best,
            float(abbrev and exact > 0),
            float(via_long_form),
            float(c.label == label),
            float(c.key.startswith("OMIM:")),
            1.0 / (1 + rank),
        ]
    return out


@dataclass
class Reranker:
    """Logistic regression over :data:`FEATURES`; its probability is the link score."""

    coef: list[float]
    intercept: float
    threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, features: list[list[float]]) -> np.ndarray:
        """Probabilities, shape (n_candidates,)."""
        if not features:
            return np.zeros(0)
        x = np.asarray(features, dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-(x @ np.asarray(self.coef) + self.intercept)))

    @classmethod
    def load(cls, path: str | Path | None = None) -> Reranker:
        """Load reranker weights (default: the packaged ``kg/resources/linker_reranker.json``)."""
        p = Path(path) if path else DEFAULT_RERANKER_PATH
        if not p.is_file():
            raise FileNotFoundError(f"linker reranker not found: {p}; train it with `medkg train linker`")
        obj = _json.loads(p.read_text(encoding="utf-8"))
        if tuple(obj.get("features", ())) != FEATURES:
            raise ValueError(f"{p}: reranker features {obj.get('features')} differ from {FEATURES}; retrain it")
        return cls(coef=obj["coef"], intercept=obj["intercept"], threshold=obj.get("threshold", 0.5), meta=obj)
