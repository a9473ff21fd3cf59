"""The graph schema, loaded from schemas/*.yaml and validated.

Neo4j constraints, RDF classes and predicates, PyG edge types and relation signatures are all
derived from one :class:`GraphSchema`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kg.packaged import SCHEMAS_PACKAGE, packaged_dir

_PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
_SUBTYPE = re.compile(r"^[a-z][a-z0-9_]*$")

#: ``schemas/medkg.yaml``, shipped in the package as ``kg._schemas`` (see :mod:`kg.packaged`).
DEFAULT_SCHEMA_PATH = packaged_dir(SCHEMAS_PACKAGE) / "medkg.yaml"


class SchemaError(ValueError):
    """The schema file is invalid, or data does not fit the schema."""


class NodeType(BaseModel):
    """A node label with its allowed identifier namespaces."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    description: str = ""
    id_prefixes: tuple[str, ...]
    biolink: str


class RelationType(BaseModel):
    """A relationship type with its allowed (head label, tail label) signatures.

    ``subtypes`` lists the values its edges and evidence may carry as ``subtype`` (e.g. the DDI 2013
    classes of ``INTERACTS_WITH``); a type without them carries no subtype.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    signatures: tuple[tuple[str, str], ...]
    biolink: str
    symmetric: bool = False
    predicted: bool = False
    subtypes: tuple[str, ...] = ()


class GraphSchema(BaseModel):
    """The validated graph schema."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str
    biolink_version: str
    local_prefix: str
    nodes: dict[str, NodeType]
    relationships: dict[str, RelationType]
    extracted_relationships: tuple[str, ...] = Field(default=())
    prediction_targets: dict[str, str] = Field(default_factory=dict)
    #: When an id's namespace allows several labels (MeSH: Drug, Disease, Symptom) and its mentions
    #: carry more than one, the node takes the first of them in this order; the nodes' order when empty.
    label_precedence: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _validate(self) -> GraphSchema:
        for label, node in self.nodes.items():
            if not _PASCAL.match(label):
                raise SchemaError(f"node label {label!r} must be PascalCase")
            for prefix in node.id_prefixes:
                if not _PREFIX.match(prefix):
                    raise SchemaError(f"node label {label!r}: bad id prefix {prefix!r}")
        for rel, spec in self.relationships.items():
            if not _UPPER_SNAKE.match(rel):
                raise SchemaError(f"relationship type {rel!r} must be UPPER_SNAKE_CASE")
            for head, tail in spec.signatures:
                for label in (head, tail):
                    if label not in self.nodes:
                        raise SchemaError(f"relationship {rel!r} uses unknown node label {label!r}")
            for subtype in spec.subtypes:
                if not _SUBTYPE.match(subtype):
                    raise SchemaError(f"relationship {rel!r}: subtype {subtype!r} must be lower_snake_case")
            if len(set(spec.subtypes)) != len(spec.subtypes):
                raise SchemaError(f"relationship {rel!r} lists a subtype twice")
            if spec.subtypes and spec.predicted:
                raise SchemaError(f"predicted relationship {rel!r} cannot have subtypes")
        for label in self.label_precedence:
            if label not in self.nodes:
                raise SchemaError(f"label_precedence names unknown node label {label!r}")
        for rel in self.extracted_relationships:
            if rel not in self.relationships:
                raise SchemaError(f"extracted relationship {rel!r} is not declared")
        for asserted, predicted in self.prediction_targets.items():
            if asserted not in self.relationships or predicted not in self.relationships:
                raise SchemaError(f"prediction target {asserted!r}->{predicted!r} is not declared")
            if not self.relationships[predicted].predicted:
                raise SchemaError(f"{predicted!r} must be marked predicted: true")
        return self

    def allows(self, head_label: str, rel: str, tail_label: str) -> bool:
        """Whether (head_label)-[rel]->(tail_label) is an allowed signature."""
        spec = self.relationships.get(rel)
        if spec is None:
            return False
        return (head_label, tail_label) in spec.signatures

    def signature_error(self, head_label: str, rel: str, tail_label: str) -> str | None:
        """Why ``(head_label)-[rel]->(tail_label)`` is not allowed, or None when it is."""
        if self.allows(head_label, rel, tail_label):
            return None
        spec = self.relationships.get(rel)
        allowed = ", ".join(f"({h})-[{rel}]->({t})" for h, t in spec.signatures) if spec else "none: unknown type"
        return f"({head_label})-[{rel}]->({tail_label}) is not an allowed signature (allowed: {allowed})"

    def check_subtype(self, rel: str, subtype: str | None, where: str = "") -> None:
        """Raise :class:`SchemaError` unless ``subtype`` is None or one of the subtypes of ``rel``.

        Args:
            rel: The relationship type.
            subtype: The subtype to check.
            where: What carries it (an edge, an evidence row, a document), for the message.
        """
        if subtype is None:
            return
        spec = self.relationships.get(rel)
        allowed = spec.subtypes if spec is not None else ()
        prefix = f"{where}: " if where else ""
        if not allowed:
            with_subtypes = sorted(r for r, s in self.relationships.items() if s.subtypes)
            raise SchemaError(
                f"{prefix}{rel} carries no subtype, got {subtype!r} (types with subtypes: {', '.join(with_subtypes)})"
            )
        if subtype not in allowed:
            raise SchemaError(f"{prefix}unknown {rel} subtype {subtype!r}; known: {', '.join(allowed)}")

    def labels_for_id(self, curie: str) -> tuple[str, ...]:
        """The labels a node with id ``curie`` may have: those whose namespaces hold its prefix.

        A local id (``MEDKG:Drug-...``) names its own label.
        """
        prefix, sep, local = curie.partition(":")
        if not sep:
            return ()
        if prefix == self.local_prefix:
            label = local.split("-", 1)[0]
            return (label,) if label in self.nodes and prefix in self.nodes[label].id_prefixes else ()
        return tuple(label for label, node in self.nodes.items() if prefix in node.id_prefixes)

    def resolve_label(self, curie: str, seen: Iterable[str]) -> str:
        """The one label of node ``curie``, whose mentions carry the labels ``seen``.

        The id's namespace decides when it allows one label (``DOID`` -> Disease, whatever a
        mention said); otherwise the first of the allowed labels ``seen`` in
        :attr:`label_precedence`, so the answer never depends on the order of the mentions.

        Raises:
            SchemaError: No label allows the id's prefix.
        """
        allowed = self.labels_for_id(curie)
        if not allowed:
            raise SchemaError(f"id {curie!r} is not a CURIE with a prefix any node label allows")
        if len(allowed) == 1:
            return allowed[0]
        order = self.label_precedence or tuple(self.nodes)
        rank = {label: i for i, label in enumerate(order)}
        candidates = [label for label in set(seen) if label in allowed] or list(allowed)
        return min(candidates, key=lambda label: (rank.get(label, len(rank)), label))

    def check_node_id(self, label: str, curie: str) -> None:
        """Raise :class:`SchemaError` unless ``curie`` has a prefix allowed for ``label``."""
        if label not in self.nodes:
            raise SchemaError(f"unknown node label {label!r}; known: {sorted(self.nodes)}")
        prefix = curie.split(":", 1)[0]
        if ":" not in curie or prefix not in self.nodes[label].id_prefixes:
            raise SchemaError(
                f"id {curie!r} is not a CURIE with a prefix allowed for {label} "
                f"({', '.join(self.nodes[label].id_prefixes)})"
            )

    def edge_types(self, include_predicted: bool = False) -> list[tuple[str, str, str]]:
        """All (head label, relation, tail label) triples, as PyG-style edge types."""
        out: list[tuple[str, str, str]] = []
        for rel, spec in self.relationships.items():
            if spec.predicted and not include_predicted:
                continue
            out.extend((h, rel, t) for h, t in spec.signatures)
        return out

    def predicted_type(self, rel: str) -> str:
        """The relationship type that holds predictions for asserted type ``rel``."""
        try:
            return self.prediction_targets[rel]
        except KeyError:
            raise SchemaError(f"{rel!r} is not a prediction target; known: {sorted(self.prediction_targets)}") from None


def load_schema(path: str | Path | None = None) -> GraphSchema:
    """Load and validate a schema file (default: the packaged ``schemas/medkg.yaml``)."""
    return _load_schema(str(Path(path) if path else DEFAULT_SCHEMA_PATH))


@lru_cache(maxsize=8)
def _load_schema(path: str) -> GraphSchema:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SchemaError(f"schema file not found: {path}") from None
    if not isinstance(raw, dict):
        raise SchemaError(f"schema file {path} must hold a mapping")
    try:
        return GraphSchema.model_validate(raw)
    except SchemaError:
        raise
    except Exception as exc:  # pydantic ValidationError -> one clear error type
        raise SchemaError(f"invalid schema {path}: {exc}") from exc
