"""Phrase-level steps of the clinical-notes layer that act on documents of kind ``note`` only (issue 19, round
four).

The steps of :mod:`kg.ner.notes` run on every document and were held to the abstracts' figures one entry at a
time. These are broader, so :func:`kg.ner.notes.notes_layer` runs them only where the document says it is a
clinical note (``Document.metadata["document_kind"] == "note"``, or ``ner.params.document_kind: note``):

In the order :func:`kg.ner.notes.notes_layer` runs them:

* :func:`drop_headers`: a span that is a section header or form label ("ESTIMATED BLOOD LOSS:", "HEMOSTASIS:";
  "MEDICATIONS FOR PAIN:" keeps "PAIN"), a date placeholder ("MM/DD/YYYY"), the object of a procedure or device
  word ("carpal tunnel release", "pain catheter") or a ``note-never`` term (suture brands, instruments); run
  again after the recall steps;
* :func:`split_known_coordinations`: "depression and reflux disease", "nausea, vomiting" -> one span per item
  when every item is a name on its own (the lexicon's names, the curated terms, or two or more words ending in a
  head); a coordination that shares a head stays one span ("kidney and heart failure": "kidney" names nothing),
  as the guideline wants;
* :func:`recall_findings`: radiology and operative findings written as "<modifiers> <finding head>"
  ("endplate degenerative changes", "annular disk bulging", "uncovertebral osteophytes");
* :func:`recall_brands`: drug brand names of the DDI 2013 training corpus (``brand_names.txt``);
* (:func:`kg.ner.notes.extend_heads` with ``note``: ``note-modifier`` words, and Symptom-typed spans with a
  disease head, once more after the coordination step: "Partial rotator cuff tear", "central canal or neural
  foraminal stenosis");
* :func:`trim_sites`: a disease head leaves out the site that follows it ("Morton neuroma of her feet" ->
  "Morton neuroma", "dislocation left proximal humerus" -> "dislocation", "Cervical spondylosis C5"), as the
  annotated notes do (docs/annotation.md); lesion heads (``pp-head``: tear, fracture, injury ...) keep an "of the
  <site>" phrase, which the annotations keep about as often as they leave it out;
* :func:`trim_leading`: place, time and grade words off the front ("generalized osteoporosis", "anterior
  spondylosis") when a known name is left.

The word lists are kinds of the curated terms (``pp-head``, ``note-modifier``, ``note-never``,
``finding-Disease``, ``finding-Symptom``, ``finding-modifier``; see ``kg/resources/clinical_terms.tsv``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from kg.ner.postprocess import TaggedSpan
from kg.vocab.lexicon import load_lexicon

#: Confidence given to a finding the recall step adds (as :data:`kg.ner.notes.RECALL_CONFIDENCE`).
RECALL_CONFIDENCE = 0.6
#: A header or form label: the span in capitals, then an optional "(S)" and a colon.
_HEADER_AFTER = re.compile(r"\s*(?:\(S\))?\s*:")
#: A date placeholder ("MM/DD/YYYY") or a slash-joined number.
_SLASH_AFTER = re.compile(r"/(?:[A-Z]{2}|\d)")
#: Procedure and device words that make the span before them their object, not a finding of the patient.
_OBJECT_OF = re.compile(r"\s+(?:release|catheter|buster|pump|clinic)\b", re.IGNORECASE)
#: "FOR <span>:" in a header names an indication ("IV MEDICATIONS FOR PAIN:"), which is kept.
_FOR_BEFORE = re.compile(r"\bFOR\s+\Z")
_SUFFIX = re.compile(r"(?:itis|oma|osis|pathy)$")
#: Items of a coordination: ", " / " and " / " or " / ", and " / ", or ".
_ITEM_SEP = re.compile(r",?\s+(?:and|or)\s+|,\s+")
#: Laterality and a site, or a spine level, after the head ("dislocation left proximal humerus", "spondylosis C5").
_TRAILING_SIDE = re.compile(
    r"(?:,?\s+(?:left|right|bilateral)\b.*|\s+[CTLS]\d{1,2}(?:-[CTLS]?\d{1,2})?)$", re.IGNORECASE
)
#: A prepositional site phrase after the head ("Morton neuroma of her feet").
_TRAILING_PP = re.compile(r"\s+(?:of|in|to)\s+(?:(?:the|his|her)\s+)?[A-Za-z0-9].*$", re.IGNORECASE)


def drop_headers(spans: Sequence[TaggedSpan], text: str, never: Collection[str] = ()) -> list[TaggedSpan]:
    """Drop section headers and form labels (a span in capitals followed by ``:``), date placeholders, the
    object of a procedure or device word and ``note-never`` terms (suture brands, instruments)."""
    out = []
    for s in spans:
        name = text[s.start : s.end]
        if (
            name.isupper()
            and _HEADER_AFTER.match(text, s.end)
            and not _FOR_BEFORE.search(text[max(0, s.start - 8) : s.start])
        ):
            continue
        if _SLASH_AFTER.match(text, s.end) or _OBJECT_OF.match(text, s.end) or name.lower() in never:
            continue
        out.append(s)
    return out


@lru_cache(maxsize=1)
def _lexicon_names() -> frozenset[str]:
    return frozenset(e.term.lower() for e in load_lexicon())


def split_known_coordinations(
    spans: Sequence[TaggedSpan], text: str, is_name: Callable[[str], bool]
) -> list[TaggedSpan]:
    """Split a Disease or Symptom span at ``and`` / ``or`` / commas when every item is a name on its own
    (``is_name``, given the lower-cased item)."""
    out: list[TaggedSpan] = []
    for s in spans:
        name = text[s.start : s.end]
        cuts = list(_ITEM_SEP.finditer(name))
        if s.label == "Drug" or not cuts:
            out.append(s)
            continue
        bounds = [0, *(b for m in cuts for b in (m.start(), m.end())), len(name)]
        items = list(zip(bounds[::2], bounds[1::2], strict=True))
        if all(is_name(name[a:b].lower()) for a, b in items):
            out.extend(replace(s, start=s.start + a, end=s.start + b) for a, b in items)
        else:
            out.append(s)
    return out


#: Words before a condition that only place, time or grade it (docs/annotation.md leaves them out).
_LEADING = frozenset(
    "anterior posterior postoperative generalized diffuse bony mild moderate severe significant marked minimal "
    "small large".split()
)


def trim_leading(spans: Sequence[TaggedSpan], text: str, is_name: Callable[[str], bool]) -> list[TaggedSpan]:
    """Leading place, time and grade words off a Disease or Symptom ("generalized osteoporosis", "anterior
    spondylosis", "Postoperative wound infection") when what is left is a name on its own (``is_name``: the
    lexicon and the curated terms) or one word with a disease suffix; "anterior cruciate ligament tear" stays."""
    out = []
    for s in spans:
        while s.label != "Drug":
            words = text[s.start : s.end].split()
            if len(words) < 2:
                break
            first, rest = words[0].lower(), " ".join(words[1:]).lower()
            named = is_name(rest) or (len(words) == 2 and _SUFFIX.search(rest) is not None)
            if first not in _LEADING or not named:
                break
            s = replace(s, start=text.index(words[1], s.start + len(words[0])))
        out.append(s)
    return out


#: A pathological adjective by its ending ("degenerative", "sclerotic", "annular").
_PATHOLOGIC = re.compile(r"[A-Za-z]{2,}(?:ive|ic|al|ar|ous)")
#: Words that end like such an adjective but do not name a finding, or only place or grade it.
_NOT_FINDING = frozenset(
    "normal minimal mild moderate severe marked significant noted used placed removed expected associated related "
    "based compared visualized identified seen additional several general surgical postsurgical postoperative "
    "usual typical other red bilateral multilevel lateral medial anterior posterior central peripheral "
    "symptomatic asymptomatic asymmetric".split()
)


def recall_findings(
    spans: Sequence[TaggedSpan], text: str, heads: dict[str, str], modifiers: Collection[str]
) -> list[TaggedSpan]:
    """Radiology and operative findings written as "<modifiers> <finding head>" ("degenerative changes",
    "annular disk bulging", "uncovertebral osteophytes", "loose bodies"): one to three modifiers (pathological
    adjectives or ``finding-modifier`` anatomy words, leading place and grade words left out) before a
    ``finding-Disease`` / ``finding-Symptom`` head (``heads``: lower-cased head -> label). Added where nothing
    overlaps, or in place of the spans it contains."""
    if not heads:
        return list(spans)
    out = list(spans)
    for m in _finding_pattern(tuple(sorted(heads)), tuple(sorted(modifiers))).finditer(text):
        words = m.group(1).split()
        while words and words[0].lower() in _NOT_FINDING:
            words = words[1:]
        if not words:
            continue
        start = text.rindex(words[0], m.start(1), m.start(2))
        hit = [x for x in out if x.start < m.end() and start < x.end]
        if any(x.start < start or x.end > m.end() or (x.start, x.end) == (start, m.end()) for x in hit):
            continue
        out = [x for x in out if x not in hit]
        out.append(TaggedSpan(start, m.end(), heads[m.group(2).lower()], RECALL_CONFIDENCE))
    return sorted(out, key=lambda x: x.start)


@lru_cache(maxsize=4)
def _finding_pattern(heads: tuple[str, ...], modifiers: tuple[str, ...]) -> re.Pattern[str]:
    mod = "|".join([_PATHOLOGIC.pattern, *map(re.escape, modifiers)])
    alt = "|".join(map(re.escape, sorted(heads, key=len, reverse=True)))
    return re.compile(rf"(?<![A-Za-z-])((?:(?:{mod})\s+){{1,3}})({alt})(?![A-Za-z])", re.IGNORECASE)


#: Drug brand names (``tools/build_brand_names.py``: the DDI 2013 training corpus's brand entities).
BRAND_NAMES_PATH = Path(str(files("kg").joinpath("resources", "brand_names.txt")))


@lru_cache(maxsize=1)
def _brand_pattern() -> re.Pattern[str]:
    lines = BRAND_NAMES_PATH.read_text(encoding="utf-8").splitlines()
    names = sorted((n.strip() for n in lines if n.strip() and not n.startswith("#")), key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z0-9-])(?:" + "|".join(map(re.escape, names)) + r")(?![A-Za-z0-9-])", re.IGNORECASE)


def recall_brands(spans: Sequence[TaggedSpan], text: str) -> list[TaggedSpan]:
    """Drug brand names (``brand_names.txt``) where no span overlaps; a span with exactly a brand name's text
    becomes a Drug."""
    out = list(spans)
    for m in _brand_pattern().finditer(text):
        hit = [x for x in out if x.start < m.end() and m.start() < x.end]
        if not hit:
            out.append(TaggedSpan(m.start(), m.end(), "Drug", RECALL_CONFIDENCE))
        elif [(x.start, x.end) for x in hit] == [(m.start(), m.end())]:
            out = [replace(x, label="Drug") if x in hit else x for x in out]
    return sorted(out, key=lambda x: x.start)


def lexicon_names() -> frozenset[str]:
    """The packaged lexicon's names (curated Hetionet and HPO names, the training corpora's mentions),
    lower-cased."""
    return _lexicon_names()


def trim_sites(
    spans: Sequence[TaggedSpan], text: str, pp_heads: Collection[str], is_head: Callable[[str], bool]
) -> list[TaggedSpan]:
    """A Disease or Symptom span that runs on past its disease head (``is_head``) into laterality and a site or a
    spine level loses them ("dislocation left proximal humerus", "Cervical spondylosis C5"); one that runs into a
    prepositional site phrase loses it unless the head is a ``pp_heads`` lesion head, whose site phrase the
    annotated notes sometimes keep ("Morton neuroma of her feet" -> "Morton neuroma"; "tear of the ...")."""
    out: list[TaggedSpan] = []
    for s in spans:
        if s.label in ("Disease", "Symptom"):
            s = _trim_site(s, text, pp_heads, is_head)
        out.append(s)
    return out


def _trim_site(s: TaggedSpan, text: str, pp_heads: Collection[str], is_head: Callable[[str], bool]) -> TaggedSpan:
    name = text[s.start : s.end]
    for pattern, any_head in ((_TRAILING_SIDE, True), (_TRAILING_PP, False)):
        m = pattern.search(name)
        if m is None or m.start() == 0:
            continue
        head = name[: m.start()].split()[-1].lower().rstrip(",")
        takes_pp = head in pp_heads or head.rstrip("s") in pp_heads
        if (takes_pp and any_head) or (not takes_pp and is_head(head)):
            return replace(s, end=s.start + len(name[: m.start()].rstrip(" ,")))
    return s
