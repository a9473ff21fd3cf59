"""Training the fast NER model: a spaCy CNN with the gazetteer tag as a token feature, from scratch.

Training uses fold gazetteers (no leakage, see :mod:`kg.train.ner_data`) and a plain
``nlp.update`` loop with a fixed seed. NCBI-disease annotates diseases only: in its documents,
spans the gazetteer calls Drug are marked *missing* (not "outside") so the model is not taught
that those chemicals are not drugs. :func:`kg.ner.fast.load_fast` reads the folder back.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import spacy
from pydantic import BaseModel, ConfigDict, Field
from spacy.language import Language
from spacy.training import Example
from spacy.util import filter_spans, minibatch
from thinc.api import fix_random_seed

from kg.logs import get_logger
from kg.ner.fast import DEFAULT_CONFIDENCE, SPACY_DIR, set_gazetteer_tags
from kg.ner.features import Gazetteer
from kg.train.ner_data import TrainDoc, write_names

log = get_logger(__name__)


class FastTrainOptions(BaseModel):
    """The ``params`` of a ``kind: spacy`` training config (``configs/ner/fast.yaml``)."""

    model_config = ConfigDict(extra="forbid")
    #: Passes over the training documents.
    epochs: int = Field(default=10, ge=1)
    #: Dropout rate of ``nlp.update``.
    dropout: float = Field(default=0.1, ge=0, lt=1)
    #: Width of the hash embeddings and of the maxout window encoder.
    width: int = Field(default=96, ge=1)
    #: Layers of the maxout window encoder.
    depth: int = Field(default=4, ge=1)
    #: Hidden width of the transition-based parser's state layer.
    hidden: int = Field(default=64, ge=1)
    #: Documents per ``nlp.update`` batch.
    batch_size: int = Field(default=16, ge=1)


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


def make_example(nlp: Language, doc_rec: TrainDoc, gazetteer: Gazetteer) -> Example:
    """A spaCy example: the text with its gazetteer tags, and the gold entities (Symptom as Disease)."""
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
    docs: Sequence[TrainDoc],
    gazetteer_for: Callable[[str], Gazetteer],
    options: FastTrainOptions,
    *,
    seed: int,
    out: Path,
    meta: dict[str, Any],
    names: Iterable[tuple[str, str]],
) -> None:
    """Train the spaCy CNN NER and write ``out`` (spaCy pipeline, gazetteer names); adds to ``meta``."""
    fix_random_seed(seed)
    rng = random.Random(seed)
    nlp = spacy.blank("en")
    nlp.add_pipe("medkg_gazetteer_tags")
    nlp.add_pipe("ner", config={"model": ner_model_config(options.width, options.depth, options.hidden)})
    examples = [make_example(nlp, d, gazetteer_for(d.id)) for d in docs]
    log.info("fast NER: %d training examples", len(examples))
    optimizer = nlp.initialize(lambda: examples)
    started = time.monotonic()
    for epoch in range(1, options.epochs + 1):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        words = 0
        t0 = time.monotonic()
        for batch in minibatch(examples, size=options.batch_size):
            nlp.update(batch, drop=options.dropout, sgd=optimizer, losses=losses)
            words += sum(len(eg.predicted) for eg in batch)
        log.info(
            "epoch %d/%d: loss %.1f, %.0f words/s, %.1f min so far",
            epoch,
            options.epochs,
            losses.get("ner", 0.0),
            words / max(1e-9, time.monotonic() - t0),
            (time.monotonic() - started) / 60,
        )
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out / SPACY_DIR)
    write_names(names, out)
    meta.update({"spacy_version": spacy.__version__, "confidence": DEFAULT_CONFIDENCE})
