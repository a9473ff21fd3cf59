"""Fast NER: a spaCy CNN (hash embeddings + maxout window encoder + transition-based NER), from scratch.

The gazetteer feature reaches the CNN through the token ``TAG`` attribute: the
``medkg_gazetteer_tags`` component writes each token's gazetteer tag (``B-Drug``, ``I-Disease``,
``O``...) there, and the tok2vec layer embeds ``TAG`` beside NORM, PREFIX, SUFFIX and SHAPE
(this pipeline has no part-of-speech tagger, so TAG is free). Training uses fold gazetteers
(no leakage, see :mod:`kg.ner.features`) and a plain ``nlp.update`` loop with a fixed seed.

NCBI-disease annotates diseases only: in its documents, spans the gazetteer calls Drug are
marked *missing* (not "outside") so the model is not taught that those chemicals are not drugs.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy
import spacy
from spacy.attrs import TAG
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import filter_spans, minibatch

from kg.ner.features import GAZ_TAGS, Gazetteer, token_gazetteer_ids
from kg.ner.postprocess import TaggedSpan

log = logging.getLogger(__name__)

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


def ner_model_config(width: int = 96, depth: int = 4, hidden: int = 64) -> dict[str, Any]:
    """The thinc model config of the NER component (CNN tok2vec with the TAG feature)."""
    return {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": hidden,
        "maxout_pieces": 2,
        "use_upper": True,
        "nO": None,
        "tok2vec": {
            "@architectures": "spacy.Tok2Vec.v2",
            "embed": {
                "@architectures": "spacy.MultiHashEmbed.v2",
                "width": width,
                "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE", "TAG"],
                "rows": [5000, 1000, 2500, 2500, 50],
                "include_static_vectors": False,
            },
            "encode": {
                "@architectures": "spacy.MaxoutWindowEncoder.v2",
                "width": width,
                "depth": depth,
                "window_size": 1,
                "maxout_pieces": 3,
            },
        },
    }


def _example(nlp: Language, doc_rec: Any, gazetteer: Gazetteer) -> Example:
    predicted = nlp.make_doc(doc_rec.text)
    set_gazetteer_tags(predicted, gazetteer)
    reference = nlp.make_doc(doc_rec.text)
    spans = []
    for start, end, label in doc_rec.entities:
        label = "Disease" if label == "Symptom" else label
        span = reference.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    spans = filter_spans(spans)
    missing = []
    if "Drug" not in doc_rec.heads_annotated:
        for g in gazetteer.tag(doc_rec.text):
            if g.label == "Drug":
                span = reference.char_span(g.start, g.end, alignment_mode="expand")
                if span is not None and not any(s.start < span.end and span.start < s.end for s in spans):
                    missing.append(span)
    reference.set_ents(spans, missing=filter_spans(missing), default="outside")
    return Example(predicted, reference)


def train_fast(
    docs: Sequence[Any], gazetteer_for: Any, cfg: Any, meta: dict[str, Any], names: Iterable[tuple[str, str]]
) -> None:
    """Train the spaCy CNN NER and write ``cfg.out`` (spaCy pipeline, gazetteer names, metadata)."""
    from thinc.api import fix_random_seed

    from kg.ner.transformer import save_names

    params = dict(cfg.params)
    epochs = int(params.get("epochs", 10))
    dropout = float(params.get("dropout", 0.1))
    fix_random_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    nlp = spacy.blank("en")
    nlp.add_pipe("medkg_gazetteer_tags")
    nlp.add_pipe(
        "ner",
        config={
            "model": ner_model_config(
                int(params.get("width", 96)), int(params.get("depth", 4)), int(params.get("hidden", 64))
            )
        },
    )
    examples = [_example(nlp, d, gazetteer_for(d.id)) for d in docs]
    log.info("fast NER: %d training examples", len(examples))
    optimizer = nlp.initialize(lambda: examples)
    started = time.monotonic()
    for epoch in range(1, epochs + 1):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        words = 0
        t0 = time.monotonic()
        for batch in minibatch(examples, size=int(params.get("batch_size", 16))):
            nlp.update(batch, drop=dropout, sgd=optimizer, losses=losses)
            words += sum(len(eg.predicted) for eg in batch)
        log.info(
            "epoch %d/%d: loss %.1f, %.0f words/s, %.1f min so far",
            epoch,
            epochs,
            losses.get("ner", 0.0),
            words / max(1e-9, time.monotonic() - t0),
            (time.monotonic() - started) / 60,
        )
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out / SPACY_DIR)
    save_names(names, out)
    meta.update({"spacy_version": spacy.__version__, "confidence": DEFAULT_CONFIDENCE})


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
    """Load a fast model folder written by :func:`train_fast`."""
    from kg.ner.transformer import NAMES_FILE, curated_names, read_model_meta, read_names

    model_dir = Path(model_dir)
    meta = read_model_meta(model_dir, "spacy", (NAMES_FILE, SPACY_DIR))
    nlp = spacy.load(model_dir / SPACY_DIR)
    comp = nlp.get_pipe("medkg_gazetteer_tags")
    comp.gazetteer = Gazetteer([*curated_names(lexicon_path), *read_names(model_dir / NAMES_FILE)])  # type: ignore[attr-defined]
    return FastTagger(nlp, meta)
