"""The ``rules`` relation extractor: sentence-level trigger patterns kept as data.

It pairs mentions within a sentence and fires trigger patterns from
``kg/resources/relation_patterns.yaml``; only pairs whose (head label, type, tail label) the schema
allows are considered. Registered as ``rules`` in :data:`kg.relations.RELATION_REGISTRY`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from kg.nlp import AnalyzedDocument
from kg.schema import GraphSchema
from kg.types import Mention, RelationMention

#: The trigger patterns, package data of ``kg`` (``kg/resources/``, shipped in the wheel; read by the
#: ``rules`` extractor and as features by :mod:`kg.relations.features`).
PATTERNS_PATH = Path(str(files("kg").joinpath("resources", "relation_patterns.yaml")))
VERSION = "0.1.0"


class RuleOptions(BaseModel):
    """Options of the ``rules`` extractor (``relations.params`` of a run config)."""

    model_config = ConfigDict(extra="forbid")
    #: The trigger patterns (YAML); default the packaged ``relation_patterns.yaml``.
    patterns_path: Path = PATTERNS_PATH


@dataclass(frozen=True)
class Pattern:
    """One trigger pattern for a relation type."""

    rel: str
    order: str
    regex: re.Pattern[str]
    confidence: float
    requires: re.Pattern[str] | None = None


class RuleRelationExtractor:
    """Sentence-level trigger patterns between mention pairs, constrained by the schema."""

    name = "rules"
    version = VERSION

    def __init__(self, schema: GraphSchema, patterns_path: str | Path = PATTERNS_PATH) -> None:
        raw = yaml.safe_load(Path(patterns_path).read_text(encoding="utf-8"))
        self.schema = schema
        self.max_gap = int(raw.get("max_gap", 70))
        self.blockers = re.compile(raw["blockers"])
        self.coordination = re.compile(raw["coordination"])
        self.patterns: list[Pattern] = []
        for rel, items in raw["patterns"].items():
            if rel not in schema.extracted_relationships:
                raise ValueError(f"{patterns_path}: {rel!r} is not an extracted relationship in the schema")
            for item in items:
                if item["order"] not in ("head_first", "tail_first"):
                    raise ValueError(f"{patterns_path}: {rel} order must be head_first or tail_first")
                self.patterns.append(
                    Pattern(
                        rel=rel,
                        order=item["order"],
                        regex=re.compile(item["regex"]),
                        confidence=float(item["confidence"]),
                        requires=re.compile(item["requires"]) if item.get("requires") else None,
                    )
                )

    def _match(
        self, first: Mention, second: Mention, between: str, sentence: str
    ) -> list[tuple[Mention, Mention, Pattern]]:
        hits: list[tuple[Mention, Mention, Pattern]] = []
        if len(between) > self.max_gap or self.blockers.search(between):
            return hits
        for p in self.patterns:
            head, tail = (first, second) if p.order == "head_first" else (second, first)
            if not self.schema.allows(head.label, p.rel, tail.label):
                continue
            if p.requires is not None and not p.requires.search(sentence):
                continue
            if p.regex.search(between):
                hits.append((head, tail, p))
        return hits

    def __call__(self, analyzed: AnalyzedDocument, mentions: list[Mention]) -> list[RelationMention]:
        text = analyzed.document.text
        by_sentence: dict[int, list[Mention]] = {}
        for m in mentions:
            by_sentence.setdefault(m.sentence_index, []).append(m)
        found: dict[tuple[int, int, int, int, str], RelationMention] = {}
        for idx, group in by_sentence.items():
            group.sort(key=lambda m: m.start)
            sent = analyzed.sentences[idx]
            sentence = text[sent.start : sent.end]
            lowered = sentence.lower()
            for i, first in enumerate(group):
                for j in range(i + 1, len(group)):
                    second = group[j]
                    between = text[first.end : second.start].lower()
                    # Only adjacent pairs, or pairs separated by a coordinated list of the same label.
                    inner = group[i + 1 : j]
                    if inner and not self._coordinated(text, inner, second):
                        break
                    for head, tail, p in self._match(first, second, between, lowered):
                        conf = p.confidence * (0.9 if inner else 1.0)
                        if head.curie is not None and head.curie == tail.curie:
                            continue
                        key = (head.start, head.end, tail.start, tail.end, p.rel)
                        if key not in found or found[key].confidence < conf:
                            found[key] = RelationMention(
                                head=head,
                                tail=tail,
                                type=p.rel,
                                confidence=round(conf, 4),
                                extractor=self.name,
                                extractor_version=self.version,
                                sentence=sentence.strip(),
                            )
        return sorted(found.values(), key=lambda r: (r.head.start, r.tail.start, r.type))

    def _coordinated(self, text: str, inner: list[Mention], last: Mention) -> bool:
        chain = inner + [last]
        if any(m.label != last.label for m in chain):
            return False
        return all(
            self.coordination.match(text[a.end : b.start].lower()) for a, b in zip(chain, chain[1:], strict=False)
        )
