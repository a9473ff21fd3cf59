"""The ConText rule file: triggers, pseudo-triggers, terminators and section defaults, validated at load."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import yaml

from kg.types import ASSERTIONS

RULES_PATH = Path(str(files("kg").joinpath("resources", "context_rules.yaml")))
#: Categories a rule may carry besides the assertion classes other than ``present``.
SPECIAL = ("pseudo", "terminate")
DIRECTIONS = ("forward", "backward", "bidirectional")


class RuleError(ValueError):
    """The ConText rule file is invalid."""


@dataclass(frozen=True)
class ContextRule:
    """One phrase: its category, its direction and how many words its scope reaches.

    ``literal`` is matched case-insensitively on word boundaries (a word character, "_" or "/" next
    to it is no boundary), any run of whitespace matching any other; ``pattern`` (a regular
    expression, case-insensitive) replaces it where set.
    ``pseudo`` rules are phrases that contain a trigger but are not one ("no increase", "gram
    negative"): a trigger inside a pseudo match is dropped. ``terminate`` rules end a scope.
    """

    literal: str
    category: str
    direction: str = "forward"
    window: int = 30
    pattern: str | None = None
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.pattern is not None:
            regex = re.compile(self.pattern, re.IGNORECASE)
        else:  # searched in the lower-cased text, literal first (fast); the left boundary is checked in spans()
            source = r"\s+".join(re.escape(w) for w in self.literal.lower().split())
            if self.literal[-1:].isalnum():
                source += r"(?![\w/])"
            regex = re.compile(source)
        object.__setattr__(self, "regex", regex)

    def spans(self, text: str, lowered: str) -> Iterator[tuple[int, int]]:
        """Where the rule matches ``text`` (``lowered`` is ``text.lower()``, same length), as ``(start, end)``."""
        if self.pattern is not None:
            yield from (m.span() for m in self.regex.finditer(text) if m.end() > m.start())
            return
        check_left = self.literal[:1].isalnum()
        for m in self.regex.finditer(lowered):
            start = m.start()
            if check_left and start and (lowered[start - 1].isalnum() or lowered[start - 1] in "_/"):
                continue
            yield start, m.end()


@dataclass(frozen=True)
class ContextRules:
    """All rules plus the section map (lower-cased header -> default assertion, ``present`` for none)."""

    rules: tuple[ContextRule, ...]
    sections: dict[str, str]


def _rule(path: Path, i: int, raw: dict[str, object]) -> ContextRule:
    try:
        rule = ContextRule(**raw)  # type: ignore[arg-type]
    except (TypeError, re.error) as exc:
        raise RuleError(f"{path} rule {i}: {exc}") from None
    if rule.category not in set(ASSERTIONS) | set(SPECIAL) or rule.category == "present":
        raise RuleError(f"{path} rule {i}: unknown category {rule.category!r}")
    if rule.direction not in DIRECTIONS:
        raise RuleError(f"{path} rule {i}: unknown direction {rule.direction!r}")
    return rule


def load_rules(path: Path = RULES_PATH) -> ContextRules:
    """Load and validate ConText rules from YAML.

    Raises:
        RuleError: A rule has an unknown category or direction, a bad pattern or unknown keys, or a
            section maps to an unknown assertion.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rules = tuple(_rule(path, i, r) for i, r in enumerate(raw.get("rules") or []))
    sections = {" ".join(str(k).lower().split()): str(v) for k, v in (raw.get("sections") or {}).items()}
    for name, cat in sections.items():
        if cat not in ASSERTIONS:
            raise RuleError(f"{path} section {name!r}: unknown category {cat!r}")
    return ContextRules(rules, sections)
