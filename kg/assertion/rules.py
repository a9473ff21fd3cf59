"""The ConText rule file: triggers, pseudo-triggers, terminators and section defaults, validated at load."""

from __future__ import annotations

import re
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

    ``literal`` is matched case-insensitively on word boundaries, any run of whitespace matching
    any other; ``pattern`` (a regular expression, case-insensitive) replaces it where set.
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
            source = self.pattern
        else:
            words = [re.escape(w) for w in self.literal.split()]
            source = r"\s+".join(words)
            if self.literal[:1].isalnum():
                source = r"(?<![\w/])" + source
            if self.literal[-1:].isalnum():
                source += r"(?![\w/])"
        object.__setattr__(self, "regex", re.compile(source, re.IGNORECASE))


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
