"""The NER registry and the extractor type, apart from the package so its extractors can register."""

from __future__ import annotations

from collections.abc import Callable

from kg.nlp import AnalyzedDocument
from kg.registry import Registry
from kg.types import Mention

NerExtractor = Callable[[AnalyzedDocument], list[Mention]]
NER_REGISTRY: Registry[NerExtractor] = Registry("NER extractor")
