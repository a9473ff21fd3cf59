"""Dictionary NER: longest-match lookup of lexicon terms, plus scispaCy abbreviation resolution.

Usable as a spaCy component (``nlp.add_pipe("medkg_dictionary_ner")`` after scispaCy's
``abbreviation_detector``) and through medkg's NER registry as ``dictionary``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.logs import get_logger
from kg.ner.base import register_ner
from kg.nlp import AnalyzedDocument, base_pipeline, make_mention
from kg.types import ENTITY_LABELS, Mention
from kg.vocab.lexicon import LexiconIndex, packaged_index

log = get_logger(__name__)

VERSION = "0.1.0"
_ABBREV = re.compile(r"^[A-Z0-9][A-Z0-9\-]{1,5}s?$")
STOPLIST_PATH = Path(__file__).resolve().parent.parent / "resources" / "ner_stoplist.txt"

if not Span.has_extension("medkg_long_form"):
    Span.set_extension("medkg_long_form", default=None)


def load_stoplist(path: Path = STOPLIST_PATH) -> frozenset[str]:
    """Lower-cased terms never tagged by the dictionary (ambiguous common words)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip().lower() for s in lines if s.strip() and not s.startswith("#"))


class DictionaryNer:
    """A spaCy component that tags lexicon terms as entities (longest match wins)."""

    def __init__(self, nlp: Language, index: LexiconIndex, confidence: float = 0.85) -> None:
        self.index = index
        self.confidence = confidence
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        stop = load_stoplist()
        lower_terms: list[str] = []
        orth_terms: list[str] = []
        for term in index.terms():
            if len(term) < 2:
                continue
            if _ABBREV.match(term):
                orth_terms.append(term)
            elif term.lower() not in stop:
                lower_terms.append(term)
                last = term.rsplit(" ", 1)[-1]
                if last.isalpha() and len(last) > 3 and not term.endswith("s"):
                    lower_terms.append(term[:-1] + "ies" if term.endswith("y") else term + "s")
        tok: Any = nlp.tokenizer
        for matcher, terms in ((self.lower, lower_terms), (self.orth, orth_terms)):
            for i in range(0, len(terms), 5000):
                matcher.add("TERM", list(tok.pipe(terms[i : i + 5000])))
        log.info(
            "dictionary NER ready: %d patterns (%d case-sensitive)", len(lower_terms) + len(orth_terms), len(orth_terms)
        )

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        for matcher in (self.lower, self.orth):
            for _, start, end in matcher(doc):
                span = doc[start:end]
                label = self.index.best_label(span.text)
                if label in ENTITY_LABELS:
                    spans.append(Span(doc, start, end, label=label))
        spans = self._resolve_abbreviations(doc, filter_spans(spans))
        doc.ents = filter_spans(spans)
        return doc

    def _resolve_abbreviations(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """Give short forms the label of their long form (scispaCy pairs), in the same document."""
        if not Doc.has_extension("abbreviations"):
            return spans
        by_range = {(s.start_char, s.end_char): s for s in spans}
        out = list(spans)
        for short in doc._.abbreviations:
            long_form = short._.long_form
            label = None
            for s in spans:
                if (
                    s.start_char >= long_form.start_char
                    and s.end_char <= long_form.end_char
                    and (s.end_char - s.start_char >= 0.6 * (long_form.end_char - long_form.start_char))
                ):
                    label = s.label_
                    break
            if label is None:
                label = self.index.best_label(long_form.text)
            if label not in ENTITY_LABELS:
                continue
            # The defining occurrence "long form (SF)" is not a second mention.
            before = doc.text[max(0, short.start_char - 2) : short.start_char]
            if "(" in before and 0 <= short.start_char - long_form.end_char <= 3:
                out = [s for s in out if (s.start_char, s.end_char) != (short.start_char, short.end_char)]
                continue
            existing = by_range.get((short.start_char, short.end_char))
            if existing is not None:
                out.remove(existing)
            span = Span(doc, short.start, short.end, label=label)
            span._.medkg_long_form = long_form.text
            out.append(span)
        return out


@Language.factory(
    "medkg_dictionary_ner",
    default_config={"lexicon_path": None, "confidence": 0.85},
)
def make_dictionary_ner(nlp: Language, name: str, lexicon_path: str | None, confidence: float) -> DictionaryNer:
    """spaCy factory for :class:`DictionaryNer` over the packaged (or a given) lexicon."""
    return DictionaryNer(nlp, packaged_index(lexicon_path), confidence=confidence)


@lru_cache(maxsize=2)
def _component(lexicon_path: str | None, confidence: float) -> DictionaryNer:
    return DictionaryNer(base_pipeline(), packaged_index(lexicon_path), confidence=confidence)


class DictionaryExtractor:
    """medkg NER extractor over :class:`DictionaryNer`."""

    name = "dictionary"
    version = VERSION

    def __init__(self, lexicon_path: str | None = None, confidence: float = 0.85) -> None:
        self.component = _component(lexicon_path, confidence)

    def __call__(self, analyzed: AnalyzedDocument) -> list[Mention]:
        doc = self.component(analyzed.doc)
        return [
            make_mention(
                analyzed,
                ent.start_char,
                ent.end_char,
                ent.label_,
                self.component.confidence,
                self.name,
                self.version,
                ent._.medkg_long_form,
            )
            for ent in doc.ents
        ]


class DictionaryOptions(BaseModel):
    """``ner.params`` of the ``dictionary`` extractor."""

    model_config = ConfigDict(extra="forbid")
    #: Lexicon file (gzipped TSV); ``None``: the packaged lexicon.
    lexicon_path: str | None = None
    #: Confidence given to every dictionary match.
    confidence: float = 0.85


@register_ner("dictionary", DictionaryOptions)
def _dictionary(options: DictionaryOptions) -> DictionaryExtractor:
    return DictionaryExtractor(options.lexicon_path, options.confidence)
