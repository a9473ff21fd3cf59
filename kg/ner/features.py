"""Token features shared by the trained NER models: a gazetteer tagger and character case classes.

The gazetteer does a longest match of known names over a simple word tokenization and returns
character spans with a label. It feeds the trained models a *feature* (never the final answer).

Leakage rule: a model must not see, on a training document, gazetteer hits that exist only
because that very document's mentions were put into the gazetteer; at test time those names
would be unknown. Training therefore featurizes each document with a fold gazetteer that lacks
its own fold's corpus names (:func:`kg.train.ner_data.fold_gazetteers`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kg.ner.dictionary import load_stoplist

#: Gazetteer feature values (index = feature id; 0 = outside every known name).
GAZ_TAGS = ("O", "B-Drug", "I-Drug", "B-Disease", "I-Disease", "B-Symptom", "I-Symptom", "B-Gene", "I-Gene")
#: Gene symbols are a feature only (a gene symbol is usually *not* a disease or drug mention).
GAZ_LABELS = ("Drug", "Disease", "Symptom", "Gene")
#: Case classes of a token's original characters (index = feature id; 0 = padding / special).
CASE_CLASSES = ("pad", "lower", "title", "upper", "mixed", "digit", "other")

_WORD = re.compile(r"[A-Za-z]+|[0-9]+|[^\sA-Za-z0-9]")
_ABBREV = re.compile(r"^[A-Z0-9][A-Za-z0-9\-]{0,6}$")
_LETTER = re.compile(r"[A-Za-z]")


def case_class(text: str) -> int:
    """The :data:`CASE_CLASSES` index of a token's surface form."""
    letters = [c for c in text if c.isalpha()]
    if any(c.isdigit() for c in text):
        return 5
    if not letters:
        return 6
    if all(c.islower() for c in letters):
        return 1
    if all(c.isupper() for c in letters):
        return 3 if len(letters) > 1 else 2
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return 2
    return 4


def words(text: str) -> list[tuple[int, int]]:
    """Word character spans (letters, digits and single punctuation marks)."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


@dataclass(frozen=True)
class GazetteerSpan:
    """A gazetteer hit: character span (end exclusive) and label."""

    start: int
    end: int
    label: str


class Gazetteer:
    """Longest-match tagger over (name, label) pairs; short all-caps names match case-sensitively.

    A name also matches its simple plural (``+s`` / ``y -> ies``). Names in the NER stoplist,
    names without letters and one-character names are not used.
    """

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        stop = load_stoplist()
        self._terms: dict[tuple[str, ...], tuple[str, str | None]] = {}
        self._prefixes: set[tuple[str, ...]] | None = None
        self.max_len = 1
        for name, label in names:
            if label not in GAZ_LABELS or len(name) < 2 or not _LETTER.search(name):
                continue
            if name.lower() in stop:
                continue
            exact = name if _ABBREV.match(name) and sum(c.isupper() for c in name) >= 2 else None
            forms = [name]
            if exact is None:
                last = name.rsplit(" ", 1)[-1]
                if last.isalpha() and len(last) > 3 and not name.endswith("s"):
                    forms.append(name[:-1] + "ies" if name.endswith("y") else name + "s")
            for form in forms:
                key = tuple(form[s:e].lower() for s, e in words(form))
                # First name wins, except that a gene symbol yields to a drug/disease/symptom name.
                if key and (key not in self._terms or (self._terms[key][0] == "Gene" and label != "Gene")):
                    self._terms[key] = (label, exact)
                    self.max_len = max(self.max_len, len(key))

    def __len__(self) -> int:
        return len(self._terms)

    def _prefix_set(self) -> set[tuple[str, ...]]:
        if self._prefixes is None:
            self._prefixes = {key[:i] for key in self._terms for i in range(1, len(key) + 1)}
        return self._prefixes

    def tag(self, text: str) -> list[GazetteerSpan]:
        """Non-overlapping longest matches in ``text``, left to right."""
        spans = words(text)
        lowered = [text[s:e].lower() for s, e in spans]
        prefixes = self._prefix_set()
        out: list[GazetteerSpan] = []
        i = 0
        while i < len(spans):
            # Walk forward while the words so far begin some name; remember the longest valid match.
            best: tuple[int, GazetteerSpan] | None = None
            n = 1
            while i + n <= len(spans) and tuple(lowered[i : i + n]) in prefixes:
                entry = self._terms.get(tuple(lowered[i : i + n]))
                if entry is not None:
                    start, end = spans[i][0], spans[i + n - 1][1]
                    exact_ok = entry[1] is None or text[start:end] == entry[1]
                    # Only whole words: the match must not continue into letters or digits.
                    bounded = not (start > 0 and text[start - 1].isalnum()) and not (
                        end < len(text) and text[end].isalnum()
                    )
                    if exact_ok and bounded:
                        best = (n, GazetteerSpan(start, end, entry[0]))
                n += 1
            if best is None:
                i += 1
            else:
                out.append(best[1])
                i += best[0]
        return out


def token_gazetteer_ids(offsets: Sequence[tuple[int, int]], spans: Sequence[GazetteerSpan]) -> list[int]:
    """:data:`GAZ_TAGS` ids for tokens given by character ``offsets`` (B on a span's first token)."""
    ids = [0] * len(offsets)
    j = 0
    ordered = sorted(spans, key=lambda s: s.start)
    for t, (s, e) in enumerate(offsets):
        if e <= s:
            continue
        while j < len(ordered) and ordered[j].end <= s:
            j += 1
        if j < len(ordered) and ordered[j].start <= s and e <= ordered[j].end:
            span = ordered[j]
            base = 1 + 2 * GAZ_LABELS.index(span.label)
            first = t == 0 or offsets[t - 1][1] <= span.start or offsets[t - 1][0] < span.start
            ids[t] = base if first else base + 1
    return ids
