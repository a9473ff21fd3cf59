"""The clinical-notes layer applied after the trained tagger (issue 19).

The taggers were trained on PubMed abstracts; on transcribed clinical notes they miss shorthand
(CHF, HTN, LBP), brand names (Lasix, ReQuip), symptoms written as findings ("knee pain",
"instability") and type many symptoms as diseases. The steps, in the order :func:`notes_layer` runs
them, driven by the curated resource ``kg/resources/clinical_terms.tsv`` (provenance in its header):

* :func:`drop_never`: spans that are section headers or procedures ("ALLERGIES", "kyphoplasty");
* :func:`split_lists`: a span across a list-item break is cut ("TriCor. 2. Vytorin");
* :func:`recall`: curated terms and "<site> pain" phrases where the tagger found nothing; a phrase
  that contains the tagger's spans replaces them ("chronic back pain" over "back pain");
* :func:`extend_heads`: a disease head noun takes its modifiers ("lateral malleolus fracture", "distal radius
  fracture"); a word ending in -itis, -oma, -osis or -pathy is a head too ("chronic osteomyelitis");
* :func:`repair_boundaries`: leading laterality words off ("left knee pain" -> "knee pain"),
  drug release forms on ("oxycodone SR");
* :func:`join_coordination`: "bowel or bladder dysfunction" is one span;
* :func:`type_by_head`: a span's last word decides Symptom versus Disease where it is decisive
  ("bleeding", "anxiety" -> Symptom; "rotator cuff tear", "neuroma", "cervical spondylosis" -> Disease; a
  disease suffix yields to a listed sign such as "ecchymosis").

The corpus benchmarks score Symptom as Disease, so typing changes only the notes' figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from kg.ner.notes_phrases import (
    drop_headers,
    lexicon_names,
    recall_brands,
    recall_findings,
    split_known_coordinations,
    trim_leading,
    trim_sites,
)
from kg.ner.postprocess import TaggedSpan
from kg.types import ENTITY_LABELS

#: The curated terms, package data of ``kg`` (``kg/resources/``).
CLINICAL_TERMS_PATH = Path(str(files("kg").joinpath("resources", "clinical_terms.tsv")))
KINDS = (
    *ENTITY_LABELS,
    "site",
    "modifier",
    "symptom-head",
    "disease-head",
    "never",
    "pp-head",
    "note-modifier",
    "note-never",
    "finding-Disease",
    "finding-Symptom",
    "finding-modifier",
)
#: Confidence given to a span the recall layer adds.
RECALL_CONFIDENCE = 0.6

_DISEASE_SUFFIX = re.compile(r"(?:itis|oma|omas|osis|pathy|pathies)$")
_PROCEDURE = re.compile(r"(?:plasty|ectomy|otomy|ostomy|oscopy)$", re.IGNORECASE)
_LATERAL = re.compile(r"^(?:left|right|bilateral)\s+(?!ventric|atri|bundle|heart|main|sided|side)", re.IGNORECASE)
#: Modifiers that belong to a condition's name (docs/annotation.md keeps modifiers that name the condition).
_COURSE_BEFORE = re.compile(r"(?<![A-Za-z-])(?:non-healing|end-stage)\s+\Z", re.IGNORECASE)
_RELEASE = re.compile(r"^\s+(?:IR|SR|XR|XL|CR|ER|LA|DS|ODT|N\d{2,3}|No\.\s?\d)(?![A-Za-z0-9])")
_DEFINED = re.compile(r"\(([A-Za-z][A-Za-z0-9-]{1,6})\)")
_ADJECTIVE_BEFORE = re.compile(r"([A-Za-z]{3,}(?:ic|al))\s+$")
#: Adjectives of time course, which do not name a different condition ("chronic SOB", "occasional nausea").
_COURSE = frozenset({"chronic", "occasional", "periodic", "episodic", "intermittent", "typical", "usual"})
_PREVIOUS = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]*)[ \t]+\Z")
_LEVEL = re.compile(r"[CTLS]\d{1,2}(?:-[CTLS]?\d{1,2})?")
_ADJECTIVE = re.compile(r"[a-z]{3,}(?:al|ar|ic|ous|ary|eal)$")
#: Adjectives that do not name the kind of lesion ("several", "additional" ...).
_NOT_MODIFIERS = frozenset(
    "several usual total additional potential general typical clinical initial medical surgical physical "
    "critical special actual eventual original particular similar regular familiar minimal symptomatic".split()
)
_BREAK = re.compile(r"\.\s+(?:\d+\.\s+)?(?=[A-Z0-9])")
_COORDINATED = re.compile(r"(?<![A-Za-z0-9-])([A-Za-z][A-Za-z-]+),?\s+(?:or|and)\s+\Z")
_SERVICE_AFTER = re.compile(r"\s+(?:clinic|management|service|specialist|score|scale|center|centre)\b", re.IGNORECASE)
_WORD = r"(?<![A-Za-z0-9])(?:{})(?![A-Za-z0-9])"


class ClinicalTermsError(ValueError):
    """The clinical terms file is malformed (the message names file and line)."""


@dataclass(frozen=True, eq=False)
class ClinicalTerms:
    """The parsed resource: terms per kind, and the compiled matchers built from them."""

    labels: dict[str, str]
    exact: dict[str, str]
    sites: tuple[str, ...]
    symptom_heads: frozenset[str]
    disease_heads: frozenset[str]
    never: frozenset[str]
    modifiers: frozenset[str] = frozenset()
    #: Note documents only (:mod:`kg.ner.notes_phrases`): heads that take their "of the <site>" phrase, further
    #: modifiers of a multi-word disease head, and spans never kept (sutures, instruments).
    pp_heads: frozenset[str] = frozenset()
    note_modifiers: frozenset[str] = frozenset()
    note_never: frozenset[str] = frozenset()
    #: Note documents only: finding heads (lower-cased head -> label) and the anatomy words before them.
    finding_heads: dict[str, str] = field(default_factory=dict)
    finding_modifiers: frozenset[str] = frozenset()

    def patterns(self) -> list[tuple[re.Pattern[str], dict[str, str]]]:
        """The term matchers: case-sensitive short forms, then case-insensitive names (plural ``s`` optional)."""
        short = sorted(self.exact, key=len, reverse=True)
        names = sorted(self.labels, key=len, reverse=True)
        out: list[tuple[re.Pattern[str], dict[str, str]]] = []
        if short:
            out.append((re.compile(_WORD.format("|".join(map(re.escape, short)))), self.exact))
        if names:
            alt = "|".join(re.escape(n) + ("s?" if n[-1].isalpha() and n[-1] != "s" else "") for n in names)
            out.append((re.compile(_WORD.format(alt), re.IGNORECASE), self.labels))
        return out

    def site_pattern(self) -> re.Pattern[str]:
        """``(chronic) <site>(, <site>)* (and|or) <site> <head>`` for the symptom heads that name a site's
        complaint, and ``pain in the <site>``."""
        site = "(?:" + "|".join(re.escape(s) for s in sorted(self.sites, key=len, reverse=True)) + ")"
        heads = "(?:pain|discomfort|swelling|weakness|numbness|stiffness|tightness|tenderness|instability)"
        sites = rf"{site}(?:,\s+{site})*(?:,?\s+(?:and|or)\s+{site})?"
        located = rf"pain\s+in\s+(?:the|her|his|my)\s+(?:upper\s+|lower\s+)?{site}"
        return re.compile(_WORD.format(rf"(?:chronic\s+)?{sites}\s+{heads}|{located}"), re.IGNORECASE)


def parse_clinical_terms(lines: Iterable[str], location: str) -> ClinicalTerms:
    """Parse ``term<TAB>kind`` lines (``#`` comments) into :class:`ClinicalTerms`.

    Raises:
        ClinicalTermsError: A line without two tab-separated fields or with an unknown kind.
    """
    by_kind: dict[str, dict[str, str]] = {k: {} for k in KINDS}
    exact: dict[str, str] = {}
    for n, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 2 or parts[1] not in KINDS or not parts[0].strip():
            raise ClinicalTermsError(f"{location}:{n}: expected 'term<TAB>kind' with kind in {KINDS}, got {line!r}")
        term, kind = parts[0].strip(), parts[1]
        if kind in ENTITY_LABELS and len(term) <= 5 and term != term.lower():
            exact[term] = exact[term.upper()] = kind  # "Lasix" and "LASIX", never "lasix"
        elif kind in ENTITY_LABELS:
            by_kind[kind][term.lower()] = kind
        else:
            by_kind[kind][term.lower()] = kind
    labels = {t: k for lab in ENTITY_LABELS for t, k in by_kind[lab].items()}
    return ClinicalTerms(
        labels=labels,
        exact=exact,
        sites=tuple(by_kind["site"]),
        symptom_heads=frozenset(by_kind["symptom-head"]),
        disease_heads=frozenset(by_kind["disease-head"]),
        never=frozenset(by_kind["never"]),
        modifiers=frozenset(by_kind["modifier"]),
        pp_heads=frozenset(by_kind["pp-head"]),
        note_modifiers=frozenset(by_kind["note-modifier"]),
        note_never=frozenset(by_kind["note-never"]),
        finding_heads={t: k.split("-")[1] for k in ("finding-Disease", "finding-Symptom") for t in by_kind[k]},
        finding_modifiers=frozenset(by_kind["finding-modifier"]),
    )


@lru_cache(maxsize=2)
def load_clinical_terms(path: str | None = None) -> ClinicalTerms:
    """The clinical terms file (default: the packaged one), parsed once per process."""
    p = Path(path) if path else CLINICAL_TERMS_PATH
    return parse_clinical_terms(p.read_text(encoding="utf-8").splitlines(), str(p))


@lru_cache(maxsize=2)
def _matchers(terms: ClinicalTerms) -> tuple[list[tuple[re.Pattern[str], dict[str, str]]], re.Pattern[str]]:
    return terms.patterns(), terms.site_pattern()


def drop_never(spans: Sequence[TaggedSpan], text: str, terms: ClinicalTerms) -> list[TaggedSpan]:
    """Drop spans whose text is a ``never`` term (section headers, abbreviations of roles) or a procedure."""
    return [
        s
        for s in spans
        if text[s.start : s.end].lower() not in terms.never and not _PROCEDURE.search(text[s.start : s.end])
    ]


def repair_boundaries(spans: Sequence[TaggedSpan], text: str) -> list[TaggedSpan]:
    """Leading ``left``/``right``/``bilateral`` off a Disease or Symptom, ``non-healing``/``end-stage`` onto it;
    a release form onto a Drug."""
    out = []
    for s in spans:
        if s.label != "Drug":
            m = _LATERAL.match(text[s.start : s.end])
            if m and s.start + m.end() < s.end:
                s = replace(s, start=s.start + m.end())
            m = _COURSE_BEFORE.search(text, max(0, s.start - 20), s.start)
            if m:
                s = replace(s, start=m.start())
        else:
            m = _RELEASE.match(text[s.end : s.end + 12])
            if m:
                s = replace(s, end=s.end + m.end())
        out.append(s)
    return out


def _candidates(text: str, terms: ClinicalTerms) -> list[TaggedSpan]:
    patterns, site = _matchers(terms)
    found = [TaggedSpan(m.start(), m.end(), "Symptom", RECALL_CONFIDENCE) for m in site.finditer(text)]
    for pattern, table in patterns:
        for m in pattern.finditer(text):
            name = m.group(0)
            label = table.get(name) or table.get(name.lower()) or table.get(name.lower()[:-1])
            if label is not None:
                found.append(TaggedSpan(m.start(), m.end(), label, RECALL_CONFIDENCE))
    return sorted(found, key=lambda s: (-(s.end - s.start), s.start))


def _guarded(c: TaggedSpan, text: str, defined: set[str], terms: ClinicalTerms) -> bool:
    """A candidate the context rules out: a short form the document defines itself ("myotonic dystrophy
    (DM)": the abbreviation step's business), part of a hyphenated word ("insulin-dependent"), a word that
    names a service ("pain clinic"), or a single word after an adjective ("genomic instability"); a disease head
    after an adjective is kept, for :func:`extend_heads` to take the adjective."""
    name = text[c.start : c.end]
    if name in defined or text[c.end : c.end + 1] == "-" or text[max(0, c.start - 1) : c.start] == "-":
        return True
    if _SERVICE_AFTER.match(text, c.end):
        return True
    before = _ADJECTIVE_BEFORE.search(text[max(0, c.start - 30) : c.start])
    if c.label == "Disease" and _is_disease_head(name, terms):
        return False  # "vertebral osteophytes": extend_heads takes the adjective
    return " " not in name and c.label != "Drug" and before is not None and before.group(1).lower() not in _COURSE


def recall(spans: Sequence[TaggedSpan], text: str, terms: ClinicalTerms) -> list[TaggedSpan]:
    """Add curated terms where no span overlaps; a longer term replaces the tagger's spans it contains."""
    out = list(spans)
    defined = set(_DEFINED.findall(text))
    for c in _candidates(text, terms):
        if _guarded(c, text, defined, terms):
            continue
        hit = [s for s in out if s.start < c.end and c.start < s.end]
        if not hit:
            out.append(c)
        elif c.label == "Drug" and [(s.start, s.end) for s in hit] == [(c.start, c.end)]:
            out = [replace(s, label="Drug") if s in hit else s for s in out]  # a brand name is a drug
        elif all(c.start <= s.start and s.end <= c.end for s in hit) and any(
            (s.start, s.end) != (c.start, c.end) for s in hit
        ):
            label = c.label if len(hit) > 1 or hit[0].label != "Drug" or c.label == "Drug" else hit[0].label
            out = [s for s in out if s not in hit]
            out.append(replace(c, label=label, confidence=min(s.confidence for s in hit)))
    return sorted(out, key=lambda s: s.start)


def split_lists(spans: Sequence[TaggedSpan], text: str) -> list[TaggedSpan]:
    """Split a span across a sentence or list-item break ("TriCor. 2. Vytorin" -> "TriCor", "Vytorin")."""
    out = []
    for s in spans:
        name = text[s.start : s.end]
        cuts = [(m.start(), m.end()) for m in _BREAK.finditer(name)]
        if not cuts:
            out.append(s)
            continue
        bounds = [0] + [b for cut in cuts for b in cut] + [len(name)]
        for a, b in zip(bounds[::2], bounds[1::2], strict=True):
            if any(c.isalpha() for c in name[a:b]):
                out.append(replace(s, start=s.start + a, end=s.start + b))
    return out


def join_coordination(spans: Sequence[TaggedSpan], text: str, terms: ClinicalTerms) -> list[TaggedSpan]:
    """A two-word-or-longer span takes a coordinated modifier on its left that shares its head
    ("bowel or bladder dysfunction", "heat or cold intolerance"; docs/annotation.md: one span)."""
    out = []
    taken = [(s.start, s.end) for s in spans]
    for s in spans:
        m = _COORDINATED.search(text, max(0, s.start - 40), s.start)
        if (
            m is not None
            and s.label != "Drug"
            and " " in text[s.start : s.end].strip()
            and _modifies(m.group(1), terms)
            and not any(a < s.start and m.start(1) < b for a, b in taken)
        ):
            s = replace(s, start=m.start(1))
        out.append(s)
    return out


def extend_heads(spans: Sequence[TaggedSpan], text: str, terms: ClinicalTerms, note: bool = False) -> list[TaggedSpan]:
    """A Disease ending in a head noun ("fracture") takes up to three modifiers on its left: a one-word one
    body sites, ``modifier`` terms, spine levels and adjectives ("lateral malleolus fracture"), a longer one
    ``modifier`` terms ("ligament avulsion" -> "femoropatellar ligament avulsion" stays out); never laterality ("left"), which the
    guideline leaves out. In a note (``note``) a Symptom span with a disease head ("rotator cuff tear", typed
    Disease later) is extended too, and ``note-modifier`` terms count as modifiers ("complex tear")."""
    out = []
    taken = [(s.start, s.end) for s in spans]
    labels = ("Disease", "Symptom") if note else ("Disease",)
    for s in spans:
        words = text[s.start : s.end].lower().split()
        head = words[-1] if words else ""
        if s.label in labels and _is_disease_head(head, terms):
            start = s.start
            for _ in range(3):
                m = _PREVIOUS.search(text, 0, start)
                if m is None or any(a < start and m.start(1) < b for a, b in taken):
                    break
                word = m.group(1)
                if not (_modifies(word, terms, note) if len(words) == 1 else _names_part(word, terms, note)):
                    break
                start = m.start(1)
            s = replace(s, start=start)
        out.append(s)
    return out


def _is_disease_head(word: str, terms: ClinicalTerms) -> bool:
    """A head noun that takes modifiers: a ``disease-head`` term (or its plural) or a disease suffix
    ("chronic osteomyelitis", "acoustic neuroma", "cervical spondylosis")."""
    low = word.lower()
    return low in terms.disease_heads or low[:-1] in terms.disease_heads or bool(_DISEASE_SUFFIX.search(low))


@lru_cache(maxsize=2)
def _short_forms(terms: ClinicalTerms) -> frozenset[str]:
    return frozenset(t.lower() for t in terms.exact)


def is_condition_name(item: str, terms: ClinicalTerms) -> bool:
    """A lower-cased item of a coordination that names a condition on its own: a lexicon name, a curated term,
    or two or more words ending in a disease or symptom head ("reflux disease", "leg pain")."""
    words = item.split()
    if item in lexicon_names() or item in terms.labels or item in _short_forms(terms):
        return True
    return len(words) >= 2 and (words[-1] in terms.symptom_heads or _is_disease_head(words[-1], terms))


def _names_part(word: str, terms: ClinicalTerms, note: bool = False) -> bool:
    return word.lower() in terms.modifiers or (note and word.lower() in terms.note_modifiers)


def _modifies(word: str, terms: ClinicalTerms, note: bool = False) -> bool:
    low = word.lower()
    if low in terms.sites or _names_part(word, terms, note) or _LEVEL.fullmatch(word):
        return True
    return low not in _NOT_MODIFIERS and bool(_ADJECTIVE.search(low))


def type_by_head(spans: Sequence[TaggedSpan], text: str, terms: ClinicalTerms) -> list[TaggedSpan]:
    """Disease -> Symptom when the last word is a symptom head; Symptom -> Disease for a disease head or suffix."""
    out = []
    for s in spans:
        words = (s.long_form or text[s.start : s.end]).lower().split()
        head = words[-1] if words else ""
        if s.label == "Disease" and head in terms.symptom_heads:
            s = replace(s, label="Symptom")
        elif (
            s.label == "Symptom"
            and (head in terms.disease_heads or _DISEASE_SUFFIX.search(head))
            and (head not in terms.symptom_heads)
        ):
            s = replace(s, label="Disease")
        out.append(s)
    return out


def notes_layer(
    spans: Sequence[TaggedSpan], text: str, terms: ClinicalTerms | None = None, note: bool = False
) -> list[TaggedSpan]:
    """Every step, in order: drop, list splits, recall, head extension, boundaries, coordination, typing.

    ``note`` (the document is a clinical note) adds the steps of :mod:`kg.ner.notes_phrases`: headers and
    procedure objects dropped, coordinations of known names split, site phrases attached or trimmed."""
    terms = terms or load_clinical_terms()
    out = split_lists(drop_never(spans, text, terms), text)
    if note:
        out = split_known_coordinations(
            drop_headers(out, text, terms.note_never), text, lambda n: is_condition_name(n, terms)
        )
    out = recall(out, text, terms)
    if note:
        out = recall_brands(recall_findings(out, text, terms.finding_heads, terms.finding_modifiers), text)
        out = drop_headers(out, text, terms.note_never)  # what recall added back: "carpal tunnel release"
    out = repair_boundaries(extend_heads(out, text, terms, note), text)
    out = join_coordination(out, text, terms)
    if note:  # a coordination joined on the left may take a further modifier ("central canal or ... stenosis")
        out = extend_heads(out, text, terms, note)
    out = type_by_head(out, text, terms)
    if note:
        out = trim_sites(out, text, terms.pp_heads, lambda w: _is_disease_head(w, terms))
        out = trim_leading(out, text, lambda n: n in lexicon_names() or n in terms.labels)
    return out
