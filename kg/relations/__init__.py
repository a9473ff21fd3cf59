"""Relation extraction: a registry of extractors from mentions to typed relations.

An extractor is any callable ``(AnalyzedDocument, mentions) -> list[RelationMention]`` whose
relations the schema allows. Built in:

- ``rules``: sentence-level trigger patterns kept as data (:mod:`kg.relations.rules`);
- ``trained``: the trained drug–disease, DDI and distant HAS_SYMPTOM models
  (:mod:`kg.relations.extractor`, models in :mod:`kg.relations.models`).

Each extractor's options (``relations.params`` of a run config) are a pydantic model validated when
the registry builds it (:func:`relation_options`): an unknown or mistyped key is a
:class:`~kg.config.ConfigError` that names it.

Their training and evaluation live on the floors above (``medkg train relations``, ``medkg eval
relations``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from kg.artifacts import ModelArtifactError
from kg.config import ConfigError
from kg.encoders import resolved_precision
from kg.hashing import file_sha256, folders_digest, json_digest
from kg.nlp import AnalyzedDocument
from kg.registry import Registry
from kg.relations.rules import PATTERNS_PATH, VERSION, Pattern, RuleOptions, RuleRelationExtractor
from kg.schema import GraphSchema
from kg.types import Mention, RelationMention

__all__ = [
    "PATTERNS_PATH",
    "RELATION_REGISTRY",
    "VERSION",
    "Pattern",
    "RelationExtractor",
    "RuleOptions",
    "RuleRelationExtractor",
    "relation_options",
]

RelationExtractor = Callable[[AnalyzedDocument, list[Mention]], list[RelationMention]]
RELATION_REGISTRY: Registry[RelationExtractor] = Registry("relation extractor")


def relation_options(model: type[BaseModel], name: str, params: dict[str, Any]) -> Any:
    """``params`` validated against a relation extractor's options ``model``.

    Raises:
        ConfigError: An unknown option (named, with the known ones) or a value of the wrong type.
    """
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(x) for x in err["loc"])
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown option {key!r} (known: {', '.join(model.model_fields)})")
            else:
                problems.append(f"option {key!r}: {err['msg']}")
        raise ConfigError(f"relation extractor {name!r}: {'; '.join(problems)}") from None


@RELATION_REGISTRY.register("rules")
def _rules(schema: GraphSchema, **params: Any) -> RuleRelationExtractor:
    options = relation_options(RuleOptions, "rules", params)
    return RuleRelationExtractor(schema, options.patterns_path)


def relation_fingerprint(name: str, params: dict[str, Any]) -> str | None:
    """A digest of the ``trained`` extractor's code version, its clinical patterns file and every file of its
    model folders, read without loading them (so a run over unchanged documents loads no relation model); None
    for other extractors or where a model folder is missing (loading the extractor then says why, or falls back
    to the rules)."""
    if name != "trained":
        return None
    from kg.relations import clinical
    from kg.relations.extractor import VERSION as TRAINED_VERSION
    from kg.relations.extractor import TrainedRelationOptions
    from kg.relations.models import model_dir

    opts = relation_options(TrainedRelationOptions, "trained", params)
    try:
        folders = [model_dir(n) for n in (opts.drug_disease, opts.ddi, opts.has_symptom) if n]
    except ModelArtifactError:
        return None
    # The clinical patterns are data beside the code: a changed patterns file is a changed extractor.
    patterns = file_sha256(clinical.CLINICAL_PATTERNS_PATH) if opts.clinical_patterns else ""
    precision = resolved_precision(opts.precision)  # what ``auto`` runs as here
    return json_digest(
        TRAINED_VERSION,
        opts.model_dump(mode="json", exclude={"precision"}),
        folders_digest(folders),
        patterns,
        precision,
    )


@RELATION_REGISTRY.register("trained")
def _trained(schema: GraphSchema, **params: Any) -> RelationExtractor:
    """The trained drug–disease, DDI and HAS_SYMPTOM models (see :mod:`kg.relations.extractor`)."""
    # Imported on choice: the trained extractor loads torch and the model code, which a run with the
    # rules (and the CLI's start-up) does not need.
    from kg.relations.extractor import TrainedRelationExtractor, TrainedRelationOptions

    return TrainedRelationExtractor(schema, relation_options(TrainedRelationOptions, "trained", params))
