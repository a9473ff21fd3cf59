"""Named-entity recognition: a registry of extractors that turn an analyzed document into mentions.

An extractor is any callable ``(AnalyzedDocument) -> list[Mention]``; mentions come back with
label, span and confidence, assertion ``present`` and no CURIE (assertion and linking are later
stages). Register a trained model under a new name (:func:`kg.ner.base.register_ner`, with a
pydantic model of its options) and select it with ``ner.name`` in the config; ``ner.params`` are
validated against that model when the extractor is created.
"""

from __future__ import annotations

from pathlib import Path

from kg.ner import dictionary, trained  # noqa: F401  (registers the built-in extractors)
from kg.ner.base import NER_OPTIONS, NER_REGISTRY, NerExtractor, ner_options, register_ner
from kg.nlp import make_mention

__all__ = ["NER_OPTIONS", "NER_REGISTRY", "NerExtractor", "create_ner", "make_mention", "ner_options", "register_ner"]


def create_ner(name: str, **params: object) -> NerExtractor:
    """Build the NER extractor registered as ``name``, or the trained model in the folder ``name``.

    Raises:
        UnknownComponentError: ``name`` is neither registered nor a model folder.
        ConfigError: ``params`` do not fit the extractor's options model (the message names the key).
    """
    if ("/" in name or name.startswith(".")) and Path(name, "meta.json").is_file():
        name, params = "trained", {"model": name, **params}
    return NER_REGISTRY.get(name)(ner_options(name, params))
