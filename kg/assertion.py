"""Assertion status (ConText-style): present, negated, possible, family, historical, hypothetical.

Rules are data (``kg/resources/context_rules.yaml``): a trigger phrase, its category, its direction
and how many tokens its scope reaches; terminators end a scope. Section headers ("Family History:")
set the status of mentions in their section unless a rule in the sentence says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from spacy.matcher import PhraseMatcher

from kg.nlp import AnalyzedDocument, base_pipeline
from kg.types import ASSERTIONS, Mention

RULES_PATH = Path(__file__).resolve().parent / "resources" / "context_rules.yaml"
#: When several triggers reach a mention, the first category in this order wins.
PRIORITY = ("negated", "family", "hypothetical", "possible", "historical")
_HEADER = re.compile(r"^[ \t]*([A-Za-z][A-Za-z /&]{0,40}?)[ \t]*:", re.MULTILINE)


class RuleError(ValueError):
    """The ConText rule file is invalid."""


@dataclass(frozen=True)
class ContextRule:
    """One trigger: phrase, category, direction and scope in tokens."""

    literal: str
    category: str
    direction: str
    window: int = 6


@dataclass(frozen=True)
class ContextRules:
    """All triggers plus the section-header map."""

    rules: tuple[ContextRule, ...]
    sections: dict[str, str]


def load_rules(path: Path = RULES_PATH) -> ContextRules:
    """Load and validate ConText rules from YAML."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules = []
    for i, r in enumerate(raw.get("rules", [])):
        rule = ContextRule(**r)
        if rule.category not in set(ASSERTIONS) | {"terminate"} or rule.category == "present":
            raise RuleError(f"{path} rule {i}: unknown category {rule.category!r}")
        if rule.direction not in ("forward", "backward", "bidirectional"):
            raise RuleError(f"{path} rule {i}: unknown direction {rule.direction!r}")
        rules.append(rule)
    sections = {str(k).lower(): str(v) for k, v in (raw.get("sections") or {}).items()}
    for name, cat in sections.items():
        if cat not in ASSERTIONS:
            raise RuleError(f"{path} section {name!r}: unknown category {cat!r}")
    return ContextRules(tuple(rules), sections)


class ContextAnnotator:
    """Assigns an assertion status to each mention from triggers in its sentence and its section."""

    def __init__(self, rules: ContextRules | None = None) -> None:
        self.rules = rules or load_rules()
        nlp = base_pipeline()
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._by_key: dict[str, ContextRule] = {}
        for i, rule in enumerate(self.rules.rules):
            key = f"R{i}"
            self._by_key[key] = rule
            self.matcher.add(key, [nlp.make_doc(rule.literal)])

    def _section_status(self, text: str, offset: int) -> str | None:
        status = None
        for m in _HEADER.finditer(text, 0, offset + 1):
            if m.start() > offset:
                break
            status = self.rules.sections.get(m.group(1).strip().lower())
        return status

    def __call__(self, analyzed: AnalyzedDocument, mentions: list[Mention]) -> list[Mention]:
        """Return the mentions with their ``assertion`` set."""
        doc = analyzed.doc
        triggers = []
        for match_id, start, end in self.matcher(doc):
            rule = self._by_key[doc.vocab.strings[match_id]]
            triggers.append((start, end, rule))
        out = []
        for m in mentions:
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None:
                out.append(m)
                continue
            sent = span.sent
            found: set[str] = set()
            terms = [
                (s, e, r) for s, e, r in triggers if s >= sent.start and e <= sent.end and r.category == "terminate"
            ]
            for s, e, rule in triggers:
                if rule.category == "terminate" or s < sent.start or e > sent.end:
                    continue
                if s < span.end and span.start < e:
                    continue  # a trigger inside the mention is part of its name
                if e <= span.start and rule.direction in ("forward", "bidirectional"):
                    if span.start - e < rule.window and not any(e <= ts and te <= span.start for ts, te, _ in terms):
                        found.add(rule.category)
                elif s >= span.end and rule.direction in ("backward", "bidirectional"):
                    if s - span.end < rule.window and not any(span.end <= ts and te <= s for ts, te, _ in terms):
                        found.add(rule.category)
            status = next((c for c in PRIORITY if c in found), None)
            if status is None:
                status = self._section_status(doc.text, m.start) or "present"
            out.append(m.model_copy(update={"assertion": status}))
        return out


@lru_cache(maxsize=1)
def default_annotator() -> ContextAnnotator:
    """The annotator over the packaged rules, built once per process."""
    return ContextAnnotator()
