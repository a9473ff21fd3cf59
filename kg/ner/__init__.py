"""Named-entity recognition: a registry of extractors that turn an analyzed document into mentions.

An extractor is any callable ``(AnalyzedDocument) -> list[Mention]``; mentions come back with
label, span and confidence, assertion ``present`` and no CURIE (assertion and linking are later
stages). Register a trained model under a new name and select it with ``ner.name`` in the config.
"""

from __future__ import annotations

from kg.ner.base import NER_REGISTRY, NerExtractor
from kg.nlp import make_mention

__all__ = ["NER_REGISTRY", "NerExtractor", "create_ner", "make_mention"]


def create_ner(name: str, **params: object) -> NerExtractor:
    """Build the NER extractor registered as ``name``, or the trained model in the folder ``name``."""
    from pathlib import Path

    from kg.ner import dictionary, trained  # noqa: F401  (registers the built-in extractors)

    if ("/" in name or name.startswith(".")) and Path(name, "meta.json").is_file():
        return NER_REGISTRY.create("trained", model=name, **params)
    return NER_REGISTRY.create(name, **params)
