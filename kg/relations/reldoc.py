"""The document as the relation models see it: mentions with concept keys and sentences.

A :class:`RelDoc` is built from a corpus document's gold entities (:func:`reldoc_from_gold`, training
and the gold-entity evaluations) or from linked mentions at run time
(:func:`kg.relations.extractor.reldoc_from_mentions`); :func:`gold_pairs` reads a corpus document's
Chemical–Disease relations as concept pairs of its :class:`RelDoc`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kg.ids import corpus_curie
from kg.io.corpora import GoldDocument
from kg.nlp import base_pipeline

DRUG_LABELS = frozenset({"Drug"})
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
    text = gold.document.text
    spans = gold.sentences or sentence_spans(text)
    ents = []
    for i, e in enumerate(gold.entities):
        concepts = tuple(dict.fromkeys(corpus_curie(x) for x in e.ids if x != "-1"))
        if concepts:
            ents.append(Ent(e.start, e.end, e.label, concepts, _sentence_of(spans, e.start), i))
    return RelDoc(gold.document.id, text, list(spans), ents, gold.title_end)


def gold_pairs(gold: GoldDocument, doc: RelDoc, classes: Sequence[str]) -> dict[tuple[str, str], str]:
    """(drug concept, disease concept) -> corpus class of a PubTator document's Chemical–Disease relations.

    Relations are undirected in BioRED: the order of the two ids is taken from the entities.
    """
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
