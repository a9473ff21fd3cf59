"""Relation extraction: a registry of extractors from mentions to typed relations.

An extractor is any callable ``(AnalyzedDocument, mentions) -> list[RelationMention]`` whose
relations the schema allows. Built in:

- ``rules``: sentence-level trigger patterns kept as data (:mod:`kg.relations.rules`);
- ``trained``: the trained drug–disease, DDI and distant HAS_SYMPTOM models
  (:mod:`kg.relations.extractor`, models in :mod:`kg.relations.models`).

Their training and evaluation live on the floors above (``medkg train relations``, ``medkg eval
relations``).
"""

from __future__ import annotations

from collections.abc import Callable

from kg.nlp import AnalyzedDocument
from kg.registry import Registry
from kg.relations.rules import PATTERNS_PATH, VERSION, Pattern, RuleRelationExtractor
from kg.schema import GraphSchema
from kg.types import Mention, RelationMention

__all__ = [
    "PATTERNS_PATH",
    "RELATION_REGISTRY",
    "VERSION",
    "Pattern",
    "RelationExtractor",
    "RuleRelationExtractor",
]

RelationExtractor = Callable[[AnalyzedDocument, list[Mention]], list[RelationMention]]
RELATION_REGISTRY: Registry[RelationExtractor] = Registry("relation extractor")


@RELATION_REGISTRY.register("rules")
def _rules(schema: GraphSchema, **params: object) -> RuleRelationExtractor:
    return RuleRelationExtractor(schema, **params)  # type: ignore[arg-type]


@RELATION_REGISTRY.register("trained")
def _trained(schema: GraphSchema, **params: object) -> RelationExtractor:
    """The trained drug–disease and DDI models (see :mod:`kg.relations.extractor`)."""
    from kg.relations.extractor import TrainedRelationExtractor

    return TrainedRelationExtractor(schema, **params)  # type: ignore[arg-type]
