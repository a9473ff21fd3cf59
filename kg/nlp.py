"""Shared spaCy processing: tokenization, sentences (line-aware) and scispaCy abbreviations.

Every extractor works on one :class:`AnalyzedDocument`, so a document is tokenized once.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.types import Document, EntityLabel, Mention, Sentence

log = logging.getLogger(__name__)
# scispaCy's abbreviation detector warns on every document whose global matcher is empty.
warnings.filterwarnings("ignore", message=r"\[W036\]")


@Language.component("medkg_line_sentences")
def line_sentences(doc: Doc) -> Doc:
    """Start a new sentence after every line break, so headers and list items stand alone."""
    for i, token in enumerate(doc[:-1]):
        if "\n" in token.text or "\n" in token.whitespace_:
            nxt = doc[i + 1]
            nxt.is_sent_start = True
    return doc


@dataclass(frozen=True)
class AnalyzedDocument:
    """A document with its spaCy parse, sentences and abbreviation pairs (short -> long form)."""

    document: Document
    doc: Doc
    sentences: tuple[Sentence, ...]

    def sentence_of(self, start: int) -> Sentence:
        """The sentence that holds character offset ``start``."""
        for sent in self.sentences:
            if sent.start <= start < sent.end:
                return sent
        return self.sentences[-1]


@lru_cache(maxsize=1)
def base_pipeline() -> Language:
    """A blank English pipeline with line-aware sentences and scispaCy's abbreviation detector."""
    import scispacy.abbreviation  # noqa: F401  (registers "abbreviation_detector")

    nlp = spacy.blank("en")
    nlp.add_pipe("medkg_line_sentences")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("abbreviation_detector")
    return nlp


def analyze(document: Document) -> AnalyzedDocument:
    """Tokenize, split sentences and detect abbreviations in one document."""
    doc = base_pipeline()(document.text)
    sentences = []
    for i, sent in enumerate(doc.sents):
        start = sent.start_char
        end = sent.end_char
        sentences.append(Sentence(doc_id=document.id, index=i, start=start, end=max(end, start)))
    return AnalyzedDocument(document=document, doc=doc, sentences=tuple(sentences))


def make_mention(
    analyzed: AnalyzedDocument,
    start: int,
    end: int,
    label: str,
    confidence: float,
    extractor: str,
    version: str,
    long_form: str | None = None,
) -> Mention:
    """A :class:`Mention` for the character span ``[start, end)`` of an analyzed document."""
    return Mention(
        doc_id=analyzed.document.id,
        sentence_index=analyzed.sentence_of(start).index,
        start=start,
        end=end,
        text=analyzed.doc.text[start:end],
        label=cast(EntityLabel, label),
        confidence=min(1.0, max(0.0, confidence)),
        extractor=extractor,
        extractor_version=version,
        long_form=long_form,
    )
