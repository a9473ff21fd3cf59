"""The ``candidates`` linker: exact, abbreviation and TF-IDF candidates, reranked, composite split, calibrated NIL.

Stages: exact / normalized-variant match over vocabulary names and training-corpus names,
abbreviation expansion (the mention's long form), candidate generation by character 3-gram
TF-IDF nearest neighbours over every name of the mention's family (:mod:`kg.linking.tfidf`), a
logistic-regression reranker over match features (:mod:`kg.linking.reranker`, trained on held-out
mentions by :mod:`kg.train.linker`) whose probability is the calibrated link score,
composite-mention splitting, and NIL below a threshold.
"""

from __future__ import annotations

import hashlib
import json as _json
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from kg.ids import normalize
from kg.linking.abbreviations import is_abbreviation
from kg.linking.candidates import CandidateIndex, packaged_candidate_index
from kg.linking.names import coordination_key, split_composite
from kg.linking.reranker import Reranker, candidate_features
from kg.types import Mention
from kg.vocab.chemnames import formula_name
from kg.vocab.terminology import LABEL_FAMILY, TermConcept


class CandidateLinkerOptions(BaseModel):
    """The ``candidates`` linker's options (``linker.params`` in a run config)."""

    model_config = ConfigDict(extra="forbid")

    terminology: str | None = None
    """A terminology file (``.jsonl.gz``) to rank over; None: the packaged one."""
    reranker: str | None = None
    """A reranker weights file (JSON); None: the packaged ``kg/resources/linker_reranker.json``."""
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    """Minimum calibrated score to link (below it the mention stays NIL); None: the reranker's own."""
    k: int = Field(default=10, ge=1)
    """Candidates kept per mention."""
    split_composites: bool = True
    """Emit one mention per concept of a composite mention (same span)."""


@dataclass(frozen=True)
class Candidate:
    """One ranked candidate concept for a mention text.

    Attributes:
        concept: The concept.
        score: Calibrated probability that the concept is right (reranker output, 0-1).
        features: The reranker's feature vector, in :data:`FEATURES` order.
        matched: The concept name the mention matched best.
    """

    concept: TermConcept
    score: float
    features: tuple[float, ...]
    matched: str


@dataclass(frozen=True)
class LinkResult:
    """The linking of one mention text: one ranked candidate list per part (two or more: composite)."""

    parts: tuple[tuple[str, tuple[Candidate, ...]], ...]

    @property
    def composite(self) -> bool:
        """Whether the mention was split into several concepts."""
        return len(self.parts) > 1


class CandidateLinker:
    """Exact, abbreviation, TF-IDF candidates, trained reranker, composite split, calibrated NIL.

    Args:
        index: The candidate index (default: over the packaged terminology).
        reranker: The reranker (default: the packaged weights).
        threshold: Minimum calibrated score to link; below it the mention stays NIL (default:
            the reranker's own threshold).
        k: Candidates kept per mention.
        split_composites: Emit one mention per concept of a composite mention (same span).
    """

    def __init__(
        self,
        index: CandidateIndex | None = None,
        reranker: Reranker | None = None,
        threshold: float | None = None,
        k: int = 10,
        split_composites: bool = True,
    ) -> None:
        self.index = index if index is not None else packaged_candidate_index()
        self.reranker = reranker if reranker is not None else Reranker.load()
        self.threshold = self.reranker.threshold if threshold is None else threshold
        self.k = k
        self.split_composites = split_composites
        self._cache: dict[tuple[str, str, str | None], tuple[Candidate, ...]] = {}

    @property
    def version(self) -> str:
        """Terminology digest, reranker weights digest and settings: changes whenever the output may change."""
        weights = _json.dumps([self.reranker.coef, self.reranker.intercept], sort_keys=True).encode()
        return "|".join(
            (
                "candidates",
                self.index.version[:16],
                hashlib.sha256(weights).hexdigest()[:16],
                f"t={self.threshold}",
                f"k={self.k}",
                f"split={self.split_composites}",
            )
        )

    def rank(self, text: str, label: str, long_form: str | None = None) -> tuple[Candidate, ...]:
        """Candidates for one mention text, best first (scores are calibrated probabilities)."""
        key = (text, label, long_form)
        if key in self._cache:
            return self._cache[key]
        feats: dict[int, list[float]] = {}
        matched: dict[int, str] = {}
        fam = LABEL_FAMILY[label]
        if long_form is None and fam == "Drug":  # a formula reads as an abbreviation of its name
            long_form = formula_name(text)
        abbrev = is_abbreviation(text)
        generated = [
            (query, via, self.index.generate(query, fam))
            for query, via in ((normalize(text), False), (normalize(long_form or ""), True))
            if query and not (via and query == normalize(text))
        ]
        # A candidate of the short form alone, where the document defines a long form that does not
        # lead to it (``PG`` -> Penicillin G where ``PG`` was defined as ``prostaglandin``).
        long_form_cands = {ci for _, via, cands in generated if via for ci in cands}
        has_long_form = any(via for _, via, _ in generated)
        for query, via, cands in generated:
            for ci, f in candidate_features(self.index, query, label, cands, via, abbrev and not via).items():
                f.append(float(has_long_form and ci not in long_form_cands))
                if ci not in feats or self.reranker.score([f])[0] > self.reranker.score([feats[ci]])[0]:
                    feats[ci], matched[ci] = f, cands[ci][1]
        order = list(feats)
        scores = self.reranker.score([feats[ci] for ci in order])
        ranked = sorted(zip(order, scores, strict=True), key=lambda t: (-t[1], self.index.concepts[t[0]].key))
        out = tuple(
            Candidate(self.index.concepts[ci], float(s), tuple(feats[ci]), matched[ci]) for ci, s in ranked[: self.k]
        )
        self._cache[key] = out
        return out

    def link_text(self, text: str, label: str, long_form: str | None = None) -> LinkResult:
        """Link one mention text; a composite mention is one concept or split into its parts.

        First the training corpora's reading: a text (its long form where it has one) annotated
        more often as a composite than as one concept (BC5CDR's ``hemorrhagic cystitis`` ->
        Hemorrhage + Cystitis; ``breast or ovarian cancer``) gets those part concepts, each with the
        smoothed share of its composite annotations, ``composite / (single + composite + 1)``, as
        score. Else a coordinated mention is tried as one concept: it is kept when a concept name
        matches it exactly (in any coordination order or spelling, :func:`coordination_key`),
        scores above the threshold and the corpora annotated the text (else its coordination key)
        more often as one concept than as a composite. Otherwise it is split when every part links
        above the threshold and either the corpora favour the composite reading or every part
        scores above the whole.
        """
        fam = LABEL_FAMILY[label]
        reading = self._corpus_composite(long_form or text, fam)
        if reading is not None:
            return reading
        whole = self.rank(text, label, long_form)
        parts = split_composite(text) if not long_form else [text]
        if len(parts) > 1:
            single, composite = self.index.annotation_counts(normalize(text), fam)
            if single > composite and whole and whole[0].score >= self.threshold and whole[0].features[1] > 0:
                return LinkResult(((text, whole),))
            ranked = [self.rank(p, label) for p in parts]
            best_whole = whole[0].score if whole else 0.0
            if all(r and r[0].score >= self.threshold for r in ranked) and (
                composite > single or min(r[0].score for r in ranked) > best_whole
            ):
                keys = {r[0].concept.key for r in ranked}
                if len(keys) > 1:
                    return LinkResult(tuple(zip(parts, ranked, strict=True)))
        return LinkResult(((text, whole),))

    def _corpus_composite(self, text: str, family: str) -> LinkResult | None:
        """The training corpora's composite reading of a text; None when they favour one concept or never saw it."""
        query = normalize(text)
        single, composite = self.index.annotation_counts(query, family)
        if composite <= single:
            return None
        concepts = self.index.composite_reading(query, family)
        if not concepts:
            ckey = coordination_key(query)
            concepts = self.index.composite_reading(ckey, family) if ckey else []
        if len(concepts) < 2:
            return None
        score = composite / (single + composite + 1)
        return LinkResult(
            tuple(
                (self.index.concepts[ci].name, (Candidate(self.index.concepts[ci], score, (), text),))
                for ci in concepts
            )
        )

    def __call__(self, mentions: list[Mention]) -> list[Mention]:
        out: list[Mention] = []
        for m in mentions:
            result = self.link_text(m.text, m.label, m.long_form)
            parts = result.parts if self.split_composites else result.parts[:1]
            for part_text, cands in parts:
                top = cands[0] if cands else None
                if top is None or top.score < self.threshold:
                    out.append(
                        m.model_copy(
                            update={
                                "curie": None,
                                "concept_name": None,
                                "link_score": round(top.score, 4) if top else None,
                                "xrefs": (),
                                "long_form": m.long_form if len(parts) == 1 else part_text,
                            }
                        )
                    )
                    continue
                c = top.concept
                canonical = c.canonical or c.key
                label = c.label if m.label in ("Disease", "Symptom") else m.label
                out.append(
                    m.model_copy(
                        update={
                            "label": label,
                            "curie": canonical,
                            "concept_name": c.name,
                            "link_score": round(top.score, 4),
                            "xrefs": tuple(sorted(c.ids - {canonical})),
                            "long_form": m.long_form if len(parts) == 1 else part_text,
                        }
                    )
                )
        return out
