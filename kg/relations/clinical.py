"""Relations as clinical notes state them: patterns over the text between two mentions (issue 19).

The trained drug–disease model learned from PubMed abstracts ("X-induced Y", "X in the treatment of
Y"); notes say "Vicodin for pain", "pain being controlled on methadone", "4. Depression and anxiety,
Paxil 40 mg daily", "ALLERGIC TO RELAFEN (ITCHING)", "paresthesias ... secondary to spinal stenosis".
:class:`ClinicalPatterns` reads those shapes from ``kg/resources/clinical_relation_patterns.yaml``
(its header documents the format) and is run by the ``trained`` extractor beside the models.

Pairs are taken inside one sentence and one numbered list item ("1. ... 2. ..."), so a pattern never
joins a drug of one plan item to the problem of the next. Between the two mentions every other
mention is a placeholder (``<drug>``, ``<cond>``), so a pattern can allow a coordinated run ("Levaquin
and Cipro cause rashes") without matching through an unrelated mention. Assertion is not decided
here: a relation whose argument is negated, hypothetical or a relative's is kept with that status
and never asserts an edge (:attr:`kg.types.RelationMention.asserted`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import yaml

from kg.nlp import AnalyzedDocument
from kg.schema import GraphSchema
from kg.types import Mention

#: The patterns, package data of ``kg`` (``kg/resources/``).
CLINICAL_PATTERNS_PATH = Path(str(files("kg").joinpath("resources", "clinical_relation_patterns.yaml")))
#: Placeholders of other mentions in the text between a pair.
PLACEHOLDER = {"Drug": "<drug>", "Disease": "<cond>", "Symptom": "<cond>"}
#: A numbered list item starts here ("1. ", "12) ") at a line start or after a space.
_ITEM = re.compile(r"(?:(?<=\s)|^)\d{1,2}[.)]\s+(?=[A-Za-z])")
_SPACE = re.compile(r"\s+")
#: How much text after the second mention a pattern's ``after`` regex sees.
_AFTER_CHARS = 60
#: A sentence break the splitter made after a dosing abbreviation ("q.6h. p.r.n. | pain", "Tylenol No. | 3"),
#: not a real sentence end, when the next sentence starts in lower case or with a digit.
_FALSE_END = re.compile(
    r"(?:\b[a-z](?:\.\s?[a-z0-9-]{1,4}){1,3}\.|\b(?:prn|qhs|qd|bid|tid|qid|no|mg|mcg|tabs?|caps?|sig|approx|subcu|subq)\.),?\s*[(\[]?\s*$",
    re.IGNORECASE,
)
_LOWER_START = re.compile(r"^\s*[(\[]?\s*[a-z0-9]")
#: A section header ("ALLERGIES:", "Past Medical History:"): upper-case words, or up to four capitalized words,
#: then a colon.
_HEADER = re.compile(r"\b([A-Z][A-Z/&]+(?: [A-Z/&]+){0,4}|[A-Z][a-z]+(?: [A-Za-z][a-z]+){0,3}):")


@dataclass(frozen=True)
class NotePattern:
    """One pattern of ``clinical_relation_patterns.yaml``."""

    name: str
    rel: str
    first: frozenset[str]
    second: frozenset[str]
    head_is_first: bool
    regex: re.Pattern[str]
    confidence: float
    deny: re.Pattern[str] | None = None
    before: re.Pattern[str] | None = None
    before_deny: re.Pattern[str] | None = None
    list_item: bool = False
    first_text: re.Pattern[str] | None = None
    section: re.Pattern[str] | None = None
    section_deny: re.Pattern[str] | None = None
    after: re.Pattern[str] | None = None


@dataclass(frozen=True)
class PatternHit:
    """A pattern that fired for a (head, tail) pair."""

    head: Mention
    tail: Mention
    rel: str
    confidence: float
    pattern: str


def load_patterns(path: str | Path, schema: GraphSchema) -> tuple[int, list[NotePattern]]:
    """(max gap in characters, the patterns) of a patterns file.

    Raises:
        ValueError: a pattern names a relation the schema does not extract, an unknown order, or a
            regex that does not compile.
    """
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    macros: dict[str, str] = raw.get("macros", {})

    def expand(rx: str | None) -> re.Pattern[str] | None:
        if rx is None:
            return None
        for name, value in macros.items():
            rx = rx.replace("{{" + name + "}}", value)
        if "{{" in rx:
            raise ValueError(f"{path}: unknown macro in {rx!r}")
        return re.compile(rx)

    out = []
    for item in raw["patterns"]:
        name, rel = item["name"], item["rel"]
        if rel not in schema.extracted_relationships:
            raise ValueError(f"{path}: pattern {name}: {rel!r} is not an extracted relationship of the schema")
        if item["order"] not in ("first_is_head", "second_is_head"):
            raise ValueError(f"{path}: pattern {name}: order must be first_is_head or second_is_head")
        regex = expand(item["regex"])
        assert regex is not None
        out.append(
            NotePattern(
                name=name,
                rel=rel,
                first=frozenset(item["first"]),
                second=frozenset(item["second"]),
                head_is_first=item["order"] == "first_is_head",
                regex=regex,
                confidence=float(item["confidence"]),
                deny=expand(item.get("deny")),
                before=expand(item.get("before")),
                before_deny=expand(item.get("before_deny")),
                list_item=bool(item.get("list_item", False)),
                first_text=expand(item.get("first_text")),
                section=expand(item.get("section")),
                section_deny=expand(item.get("section_deny")),
                after=expand(item.get("after")),
            )
        )
    return int(raw.get("max_gap", 140)), out


def _normalized(text: str, start: int, end: int, inner: Sequence[Mention]) -> str:
    """``text[start:end]`` lower-cased, whitespace runs as one space, ``inner`` mentions as placeholders."""
    parts, pos = [], start
    for m in inner:
        parts.append(text[pos : m.start].lower())
        parts.append(PLACEHOLDER[m.label])
        pos = m.end
    parts.append(text[pos:end].lower())
    return _SPACE.sub(" ", "".join(parts))


class ClinicalPatterns:
    """The clinical-note patterns as a relation source: :meth:`hits` over a document's mentions."""

    def __init__(self, schema: GraphSchema, path: str | Path = CLINICAL_PATTERNS_PATH) -> None:
        self.schema = schema
        self.max_gap, self.patterns = load_patterns(path, schema)

    def hits(self, analyzed: AnalyzedDocument, mentions: Sequence[Mention]) -> list[PatternHit]:
        """Every (head, tail, type) a pattern supports, best confidence per pair and type."""
        text = analyzed.document.text
        items = [m.start() for m in _ITEM.finditer(text)]
        clauses = _clauses(analyzed)
        groups: dict[tuple[int, int], list[Mention]] = {}
        for m in mentions:
            if m.label in PLACEHOLDER:
                groups.setdefault((clauses[m.sentence_index], bisect.bisect_right(items, m.start)), []).append(m)
        found: dict[tuple[int, int, int, int, str], PatternHit] = {}
        headers = _Headers(text)
        for (clause, item), group in groups.items():
            group.sort(key=lambda m: (m.start, m.end))
            clause_start = max(analyzed.sentences[clause].start, items[item - 1] if item else 0)
            for hit in self._group_hits(text, group, clause_start, item > 0, headers):
                key = (hit.head.start, hit.head.end, hit.tail.start, hit.tail.end, hit.rel)
                if key not in found or found[key].confidence < hit.confidence:
                    found[key] = hit
        for hit in self._carried_over(text, clauses, groups):
            found.setdefault((hit.head.start, hit.head.end, hit.tail.start, hit.tail.end, hit.rel), hit)
        resolved = [_with_antecedents(text, h, mentions) for h in found.values()]
        return sorted(resolved, key=lambda h: (h.head.start, h.tail.start, h.rel))

    def _carried_over(
        self, text: str, clauses: list[int], groups: dict[tuple[int, int], list[Mention]]
    ) -> list[PatternHit]:
        """ "... consistent with demyelinating disease. She was treated with Decadron and Cytoxan.": a
        clause that gives drugs ("treated with", "was given", "placed on") and names no condition treats
        the condition of the clause before it, when that clause names exactly one mention, a condition."""
        by_clause: dict[int, list[Mention]] = {}
        for (clause, _), group in groups.items():
            by_clause.setdefault(clause, []).extend(group)
        order = sorted(by_clause)
        every = sorted(set(clauses))
        following = dict(zip(every, every[1:], strict=False))  # each clause -> the one right after it
        out = []
        for prev, cur in zip(order, order[1:], strict=False):
            if cur != following.get(prev):
                continue
            conditions = [m for m in by_clause[prev] if m.label != "Drug"]
            here = by_clause[cur]
            if len(conditions) != 1 or len(by_clause[prev]) != 1 or any(m.label != "Drug" for m in here):
                continue
            if not self.schema.allows("Drug", "TREATS", conditions[0].label):
                continue
            start = min(m.start for m in here)
            clause_text = text[max(0, start - 60) : start].lower()
            if _GIVEN.search(clause_text) is None:
                continue
            out += [PatternHit(m, conditions[0], "TREATS", 0.6, "given-next-clause") for m in here]
        return out

    def _group_hits(
        self, text: str, group: list[Mention], clause_start: int, in_item: bool, headers: _Headers
    ) -> list[PatternHit]:
        out = []
        head_conditions = _item_head(text, group, clause_start) if in_item else []
        for i, first in enumerate(group):
            before = text[clause_start : first.start].lower()
            section = headers.at(first.start)
            for j in range(i + 1, len(group)):
                second = group[j]
                if second.start - first.end > self.max_gap:
                    break
                if second.start < first.end:
                    continue
                between = _normalized(text, first.end, second.start, group[i + 1 : j])
                after = _SPACE.sub(" ", text[second.end : second.end + _AFTER_CHARS].lower())
                for p in self.patterns:
                    if p.list_item:
                        continue
                    if p.after is not None and p.after.match(after) is None:
                        continue
                    if self._fires(p, first, second, between, before, section):
                        out.append(self._hit(p, first, second))
        for p in (p for p in self.patterns if p.list_item):
            out.extend(self._list_hits(p, text, group, head_conditions))
        return out

    def _fires(self, p: NotePattern, first: Mention, second: Mention, between: str, before: str, section: str) -> bool:
        if first.label not in p.first or second.label not in p.second:
            return False
        if p.section is not None and p.section.search(section) is None:
            return False
        if p.section_deny is not None and p.section_deny.search(section):
            return False
        if p.first_text is not None and p.first_text.fullmatch(first.text.lower()) is None:
            return False
        head, tail = (first, second) if p.head_is_first else (second, first)
        if not self.schema.allows(head.label, p.rel, tail.label):
            return False
        if p.regex.match(between) is None:
            return False
        if p.deny is not None and p.deny.search(between):
            return False
        if p.before is not None and p.before.search(before) is None:
            return False
        return not (p.before_deny is not None and p.before_deny.search(before))

    def _list_hits(self, p: NotePattern, text: str, group: list[Mention], heads: list[Mention]) -> list[PatternHit]:
        """A numbered item's problems (its head) paired with each drug after them that ``p.regex`` reaches."""
        if not heads:
            return []
        last = heads[-1]
        drugs = []
        for k, m in enumerate(group):
            if m.start < last.end or m.label not in p.second:
                continue
            between = _normalized(text, last.end, m.start, [x for x in group[:k] if x.start >= last.end])
            if p.regex.match(between) is not None:
                drugs.append(m)
        # As many problems as drugs ("Depression and anxiety, Paxil ..., Klonopin ..."): respectively.
        pairs = (
            list(zip(heads, drugs, strict=True))
            if len(heads) == len(drugs) > 1
            else [(c, m) for m in drugs for c in heads]
        )
        return [
            self._hit(p, c, m) for c, m in pairs if c.label in p.first and self.schema.allows(m.label, p.rel, c.label)
        ]

    @staticmethod
    def _hit(p: NotePattern, first: Mention, second: Mention) -> PatternHit:
        head, tail = (first, second) if p.head_is_first else (second, first)
        return PatternHit(head, tail, p.rel, p.confidence, p.name)


#: A clause that gives drugs, right before its first drug ("She was treated with", "He was given", "placed on").
_GIVEN = re.compile(
    r"(?:^|[.:;]\s*)(?:he|she|they|the patient|patient)\s+(?:was|were|is|has been|had been)\s+(?:\w+\s+)?"
    r"(?:treated\s+(?:\w+\s+)?with|started\s+on|placed\s+on|put\s+on|given|prescribed)\s+(?:\w+\s+)?$"
)


#: A possessive right before a mention that names a condition the note has already named in full ("his neuropathy").
_POSSESSIVE = re.compile(r"\b(?:his|her|their)\s+$", re.IGNORECASE)


def _antecedent(text: str, m: Mention, mentions: Sequence[Mention]) -> Mention:
    """The fuller earlier mention a possessive short Disease mention refers back to, else ``m``.

    "peripheral vascular disease ... and peripheral neuropathy ... paraesthesias related to his neuropathy": the
    relation belongs to "peripheral neuropathy". The antecedent is the nearest earlier Disease mention of an
    earlier sentence whose text is longer and ends with the mention's text (case-insensitive).
    """
    if m.label != "Disease" or not _POSSESSIVE.search(text[max(0, m.start - 8) : m.start]):
        return m
    short = m.text.lower()
    earlier = [
        a
        for a in mentions
        if a.label == m.label
        and a.end <= m.start
        and a.sentence_index < m.sentence_index
        and len(a.text) > len(m.text)
        and a.text.lower().endswith(" " + short)
    ]
    return max(earlier, key=lambda a: a.start) if earlier else m


def _with_antecedents(text: str, hit: PatternHit, mentions: Sequence[Mention]) -> PatternHit:
    head, tail = _antecedent(text, hit.head, mentions), _antecedent(text, hit.tail, mentions)
    if head is hit.head and tail is hit.tail:
        return hit
    return PatternHit(head, tail, hit.rel, hit.confidence, hit.pattern)


class _Headers:
    """The section headers of a text ("ALLERGIES:"), to ask which section a position lies in."""

    def __init__(self, text: str) -> None:
        found = list(_HEADER.finditer(text))
        self.ends = [m.end() for m in found]
        self.names = [m.group(1).lower() for m in found]

    def at(self, pos: int) -> str:
        """The lower-cased name of the last header that ends at or before ``pos``; "" before the first."""
        k = bisect.bisect_right(self.ends, pos)
        return self.names[k - 1] if k else ""

    def end_before(self, pos: int) -> int:
        """Where the last header that ends at or before ``pos`` ends (its section's text starts); 0 before the first."""
        k = bisect.bisect_right(self.ends, pos)
        return self.ends[k - 1] if k else 0


def _clauses(analyzed: AnalyzedDocument) -> list[int]:
    """For each sentence, the first sentence of its clause: a break after a dosing abbreviation is no end."""
    text, sents = analyzed.document.text, analyzed.sentences
    out: list[int] = []
    for i, s in enumerate(sents):
        prev = sents[i - 1] if i else None
        joined = (
            prev is not None
            and _FALSE_END.search(text[prev.start : prev.end])
            and _LOWER_START.match(text[s.start : s.end])
        )
        out.append(out[-1] if joined else i)
    return out


_HEAD_PREFIX = re.compile(r"^[\s\d.)]*(?:[A-Za-z-]+\s+){0,3}$")
_HEAD_JOIN = re.compile(r"^\s*(?:,|and|or|/|, and|with)?\s*$", re.IGNORECASE)


def _item_head(text: str, group: list[Mention], item_start: int) -> list[Mention]:
    """The conditions a numbered item opens with ("4. Depression and anxiety, Paxil ..."), else []."""
    heads: list[Mention] = []
    for m in group:
        if m.label == "Drug":
            break
        gap = text[heads[-1].end : m.start] if heads else text[item_start : m.start]
        if not (_HEAD_JOIN if heads else _HEAD_PREFIX).match(gap):
            break
        heads.append(m)
    return heads
