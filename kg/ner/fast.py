"""Fast NER: a spaCy CNN (hash embeddings + maxout window encoder + transition-based NER), from scratch.

The gazetteer feature reaches the CNN through the token ``TAG`` attribute: the
``medkg_gazetteer_tags`` component writes each token's gazetteer tag (``B-Drug``, ``I-Disease``,
``O``...) there, and the tok2vec layer embeds ``TAG`` beside NORM, PREFIX, SUFFIX and SHAPE
(this pipeline has no part-of-speech tagger, so TAG is free). Training lives in
:mod:`kg.train.ner_fast`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy
import spacy
from spacy.attrs import TAG
from spacy.language import Language
from spacy.tokens import Doc

from kg.ner.artifacts import NAMES_FILE, model_gazetteer, read_model_meta
from kg.ner.features import GAZ_TAGS, Gazetteer, token_gazetteer_ids
from kg.ner.postprocess import TaggedSpan

SPACY_DIR = "spacy"
DEFAULT_CONFIDENCE = 0.8


@Language.factory("medkg_gazetteer_tags", default_config={})
def make_gazetteer_tags(nlp: Language, name: str) -> GazetteerTags:
    """Writes gazetteer tags into ``token.tag_``; its gazetteer is set by the loader."""
    return GazetteerTags()


class GazetteerTags:
    """Sets ``token.tag_`` to the token's gazetteer tag (``O`` outside every known name)."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer

    def __call__(self, doc: Doc) -> Doc:
        if self.gazetteer is None:
            raise RuntimeError("medkg_gazetteer_tags has no gazetteer; load the pipeline with kg.ner.fast.load_fast")
        set_gazetteer_tags(doc, self.gazetteer)
        return doc


def set_gazetteer_tags(doc: Doc, gazetteer: Gazetteer) -> None:
    """Write the gazetteer tag of every token of ``doc`` into ``token.tag_``."""
    offsets = [(t.idx, t.idx + len(t.text)) for t in doc]
    hashes = [doc.vocab.strings.add(tag) for tag in GAZ_TAGS]
    ids = token_gazetteer_ids(offsets, gazetteer.tag(doc.text))
    if len(doc):
        doc.from_array([TAG], numpy.array([hashes[g] for g in ids], dtype="uint64").reshape(-1, 1))  # type: ignore[arg-type]


class FastTagger:
    """A trained fast pipeline with its gazetteer, ready to tag texts."""

    def __init__(self, nlp: Language, meta: dict[str, Any], batch_size: int = 64) -> None:
        self.nlp = nlp
        self.meta = meta
        self.version = str(meta.get("version", "0"))
        self.confidence = float(meta.get("confidence", DEFAULT_CONFIDENCE))
        self.batch_size = batch_size

    def tag(self, texts: Sequence[str], convention: str | None = None) -> list[list[TaggedSpan]]:
        """Entity spans per text (no document-level post-processing).

        Raises:
            ValueError: a ``convention`` is asked for (the fast model has one set of labels only).
        """
        if convention:
            raise ValueError(f"the fast (spaCy) model has no {convention!r} convention heads; known conventions: none")
        out = []
        for doc in self.nlp.pipe(texts, batch_size=self.batch_size):
            out.append([TaggedSpan(e.start_char, e.end_char, e.label_, self.confidence) for e in doc.ents])
        return out


def load_fast(model_dir: str | Path, lexicon_path: str | None = None) -> FastTagger:
    """Load a fast model folder written by ``medkg train ner`` (:func:`kg.train.ner_fast.train_fast`)."""
    model_dir = Path(model_dir)
    meta = read_model_meta(model_dir, "spacy", (NAMES_FILE, SPACY_DIR))
    nlp = spacy.load(model_dir / SPACY_DIR)
    comp = nlp.get_pipe("medkg_gazetteer_tags")
    comp.gazetteer = model_gazetteer(model_dir, lexicon_path)  # type: ignore[attr-defined]
    return FastTagger(nlp, meta)
