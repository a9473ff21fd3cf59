"""Shared spaCy processing: tokenization, sentences (line-aware) and scispaCy abbreviations.

Every extractor works on one :class:`AnalyzedDocument`, so a document is tokenized once.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.logs import get_logger
from kg.types import Document, EntityLabel, Mention, Sentence

log = get_logger(__name__)
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


def windows(text: str, limit: int) -> list[tuple[int, int]]:
    """Character spans ``[start, end)`` that cover ``text`` in order, each at most ``limit`` long.

    A window ends after the last paragraph break before the limit, else the last line break, else
    the last sentence end (". "), else the last space; only text without any of these is cut hard.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > limit:
        cut = start + limit
        for sep in ("\n\n", "\n", ". ", " "):
            k = text.rfind(sep, start + 1, start + limit)
            if k != -1:
                cut = k + len(sep)
                break
        spans.append((start, cut))
        start = cut
    spans.append((start, len(text)))
    return spans


def _parse_in_windows(nlp: Language, text: str) -> Doc:
    """One :class:`Doc` of ``text`` parsed window by window under ``nlp.max_length``.

    The windows' docs are joined without added whitespace, so the joined text is ``text`` and every
    offset is an offset into it; abbreviation pairs are moved onto the joined doc.
    """
    parts = [(start, nlp(text[start:end])) for start, end in windows(text, nlp.max_length)]
    # user_data holds the windows' abbreviation spans, which cannot be copied; they are moved below.
    # (spaCy's stub lacks ``exclude``, which Doc.from_docs has had since v3.3.)
    doc = Doc.from_docs([d for _, d in parts], ensure_whitespace=False, exclude=["user_data"])  # type: ignore[call-arg]
    if Doc.has_extension("abbreviations"):
        pairs = []
        for base, part in parts:
            for short in part._.abbreviations:
                span = doc.char_span(base + short.start_char, base + short.end_char)
                long = short._.long_form
                if span is None or long is None:
                    continue
                span._.long_form = doc.char_span(base + long.start_char, base + long.end_char)
                pairs.append(span)
        doc._.abbreviations = pairs
    return doc


def analyze(document: Document) -> AnalyzedDocument:
    """Tokenize, split sentences and detect abbreviations in one document.

    A document longer than spaCy's ``max_length`` is parsed in windows (see :func:`windows`), with
    offsets into the whole document.
    """
    nlp = base_pipeline()
    text = document.text
    doc = nlp(text) if len(text) <= nlp.max_length else _parse_in_windows(nlp, text)
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
