"""Assertion status (ConText-style): present, negated, possible, family, historical, hypothetical.

The rules are data (``kg/resources/context_rules.yaml``, loaded by :mod:`kg.assertion.rules`);
sections (headers on their own line and inline ``HEADER:``) come from :mod:`kg.assertion.sections`;
:class:`~kg.assertion.context.ContextAnnotator` applies both. The convention (i2b2/VA 2010) and the
figures are in ``docs/assertion.md``.
"""

from __future__ import annotations

from kg.assertion.context import PRIORITY, ContextAnnotator, default_annotator
from kg.assertion.rules import RULES_PATH, ContextRule, ContextRules, RuleError, load_rules
from kg.assertion.sections import Section, find_sections

__all__ = [
    "PRIORITY",
    "RULES_PATH",
    "ContextAnnotator",
    "ContextRule",
    "ContextRules",
    "RuleError",
    "Section",
    "default_annotator",
    "find_sections",
    "load_rules",
]
