"""Phrase-level steps of the clinical-notes layer that act on documents of kind ``note`` only (issue 19, round
four).

The steps of :mod:`kg.ner.notes` run on every document and were held to the abstracts' figures one entry at a
time. These are broader, so :func:`kg.ner.notes.notes_layer` runs them only where the document says it is a
clinical note (``Document.metadata["document_kind"] == "note"``, or ``ner.params.document_kind: note``):

* :func:`drop_headers`: a span that is a section header or form label ("ESTIMATED BLOOD LOSS:", "HEMOSTASIS:"),
  a date placeholder ("MM/DD/YYYY") or the object of a procedure or device word ("carpal tunnel release", "pain
  catheter");
* :func:`split_known_coordinations`: "depression and reflux disease", "nausea, vomiting" -> one span per item
  when every item is a name on its own (the lexicon's curated names, the clinical terms); a coordination that
  shares a head stays one span ("kidney and heart failure": "kidney" names nothing), as the guideline wants;
* :func:`trim_sites`: a disease head leaves out the site that follows it ("Morton neuroma of her feet" ->
  "Morton neuroma", "dislocation left proximal humerus" -> "dislocation", "Cervical spondylosis C5"), as the
  annotated notes do (docs/annotation.md); lesion heads (``pp-head``: tear, fracture, injury ...) keep an "of the
  <site>" phrase, which the annotations keep about as often as they leave it out.

The word lists are kinds of the curated terms (``pp-head``, ``note-modifier``, ``note-never``; see
``kg/resources/clinical_terms.tsv``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from functools import lru_cache

from kg.ner.postprocess import TaggedSpan
from kg.vocab.lexicon import load_lexicon

#: A header or form label: the span in capitals, then an optional "(S)" and a colon.
_HEADER_AFTER = re.compile(r"\s*(?:\(S\))?\s*:")
#: A date placeholder ("MM/DD/YYYY") or a slash-joined number.
_SLASH_AFTER = re.compile(r"/(?:[A-Z]{2}|\d)")
#: Procedure and device words that make the span before them their object, not a finding of the patient.
_OBJECT_OF = re.compile(r"\s+(?:release|catheter|buster|pump|clinic|management|program)\b", re.IGNORECASE)
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
        if name.isupper() and _HEADER_AFTER.match(text, s.end):
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
