"""Named-entity recognition: a registry of extractors that turn an analyzed document into mentions.

An extractor is any callable ``(AnalyzedDocument) -> list[Mention]``; mentions come back with
label, span and confidence, assertion ``present`` and no CURIE (assertion and linking are later
stages). Register a trained model under a new name and select it with ``ner.name`` in the config.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from kg.nlp import AnalyzedDocument
from kg.registry import Registry
from kg.types import EntityLabel, Mention

NerExtractor = Callable[[AnalyzedDocument], list[Mention]]


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


NER_REGISTRY: Registry[NerExtractor] = Registry("NER extractor")


def create_ner(name: str, **params: object) -> NerExtractor:
    """Build the NER extractor registered as ``name``, or the trained model in the folder ``name``."""
    from pathlib import Path

    from kg.ner import dictionary, trained  # noqa: F401  (registers the built-in extractors)

    if ("/" in name or name.startswith(".")) and Path(name, "meta.json").is_file():
        return NER_REGISTRY.create("trained", model=name, **params)
    return NER_REGISTRY.create(name, **params)
