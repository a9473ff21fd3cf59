"""The ConText annotator: trigger scopes over coordinated lists, terminators, pseudo-triggers and sections.

A trigger's scope runs from the trigger in its direction over up to ``window`` words, and stops at
the end of the sentence, at a section header and at any terminator in between ("but", "however",
"except", ";", a new clause such as "and has"). So "denies cough, wheezing, chest pain, ... or TIA"
negates every item, while "No fever, but she reports a cough" leaves the cough present. A mention
no trigger reaches takes its section's default (FAMILY HISTORY -> family), else ``present``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from kg.assertion.rules import ContextRule, ContextRules, load_rules
from kg.assertion.sections import Section, find_sections, section_at
from kg.nlp import AnalyzedDocument
from kg.types import Mention

#: When several triggers reach a mention, the first category in this order wins.
PRIORITY = ("negated", "family", "hypothetical", "possible", "historical")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Trigger:
    """A rule matched in the text at ``[start, end)``."""

    start: int
    end: int
    rule: ContextRule


def _closes_parenthesis(text: str, t: Trigger, lo: int, hi: int) -> bool:
    """``t`` sits inside a parenthesis that closes between ``lo`` and ``hi``: its scope ends there."""
    opened = text.rfind("(", max(0, t.start - 200), t.start)
    if opened == -1 or ")" in text[opened : t.start]:
        return False
    return ")" in text[lo:hi] if lo >= t.end else "(" in text[lo:hi]


def _within(found: list[Trigger], lo: int, hi: int) -> list[Trigger]:
    """The matches of ``found`` (sorted by start) that start in ``[lo, hi)``."""
    return found[bisect_left(found, lo, key=lambda t: t.start) : bisect_left(found, hi, key=lambda t: t.start)]


def _inside(t: Trigger, p: Trigger) -> bool:
    """``t`` lies inside pseudo-trigger ``p`` and is not the same phrase (a rule may be both)."""
    return p.start <= t.start and t.end <= p.end and (p.start, p.end) != (t.start, t.end)


def _find(rules: ContextRules, text: str) -> tuple[list[Trigger], list[Trigger]]:
    """The triggers and the terminators found in ``text`` (each sorted by start), less those inside a pseudo-trigger."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lower-cased; keep offsets exact
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    matches = [Trigger(start, end, r) for r in rules.rules for start, end in r.spans(text, lowered)]
    pseudo = [t for t in matches if t.rule.category == "pseudo"]
    kept = [t for t in matches if t.rule.category != "pseudo" and not any(_inside(t, p) for p in pseudo)]
    kept.sort(key=lambda t: t.start)
    triggers = [t for t in kept if t.rule.category != "terminate"]
    return triggers, [t for t in kept if t.rule.category == "terminate"]


class ContextAnnotator:
    """Assigns an assertion status to each mention from triggers in its sentence and its section."""

    def __init__(self, rules: ContextRules | None = None) -> None:
        self.rules = rules or load_rules()

    def section_default(self, section: Section | None) -> str | None:
        """The default status of mentions in ``section`` (None: no default)."""
        if section is None:
            return None
        status = self.rules.sections.get(section.name)
        if status is None and "family" in section.name.split():
            status = "family"
        return None if status == "present" else status

    def _reaches(self, t: Trigger, m: Mention, text: str, terms: list[Trigger]) -> bool:
        rule = t.rule
        if t.end <= m.start and rule.direction in ("forward", "bidirectional"):
            lo, hi = t.end, m.start
        elif t.start >= m.end and rule.direction in ("backward", "bidirectional"):
            lo, hi = m.end, t.start
        else:
            return False
        if len(_WORD.findall(text, lo, hi)) >= rule.window or _closes_parenthesis(text, t, lo, hi):
            return False
        return not any(lo <= x.start and x.end <= hi for x in terms)

    def status(self, m: Mention, text: str, bounds: tuple[int, int], found: tuple[list[Trigger], list[Trigger]]) -> str:
        """The status of one mention whose scope segment (sentence within section) is ``bounds``."""
        lo, hi = bounds
        triggers, terms = (_within(ts, lo, hi) for ts in found)
        cats = {
            t.rule.category
            for t in triggers
            if lo <= t.start
            and t.end <= hi
            and not (t.start < m.end and m.start < t.end)
            and self._reaches(t, m, text, terms)
        }
        return next((c for c in PRIORITY if c in cats), "")

    def __call__(self, analyzed: AnalyzedDocument, mentions: list[Mention]) -> list[Mention]:
        """Return the mentions with their ``assertion`` set."""
        text = analyzed.document.text
        found = _find(self.rules, text)
        sections = find_sections(text)
        out = []
        for m in mentions:
            sent = analyzed.sentence_of(m.start)
            section = section_at(sections, m.start)
            lo, hi = sent.start, max(sent.end, m.end)
            if section is not None:
                lo = max(lo, section.start)
                hi = min(hi, max(section.end, m.end))
            status = self.status(m, text, (lo, hi), found) or self.section_default(section) or "present"
            out.append(m.model_copy(update={"assertion": status}))
        return out


@lru_cache(maxsize=1)
def default_annotator() -> ContextAnnotator:
    """The annotator over the packaged rules, built once per process."""
    return ContextAnnotator()
