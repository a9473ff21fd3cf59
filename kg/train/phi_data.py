"""Training data of the PHI tagger: the development PHI corpora, surrogate copies of them, PHI-free text.

- JSONL PHI corpora (``{"id", "text", "phi": [{"start", "end", "kind"}]}``, docs/deid.md);
- standoff PHI corpora over the MTSamples notes (``*.standoff.jsonl``: edits over a note's
  ``transcription``; format in tests/fixtures/phi/standoff.py), less the notes that an excluded
  file (an NER test set) uses;
- surrogate copies: every PHI value of a note replaced, consistently within the note, by another
  value of the same kind from the training notes (names also from the name lists), in the original's
  case (``UPPER``, ``Title``), so the model learns the contexts and forms rather than the values;
- PHI-free negatives: PubTator abstracts (BC5CDR training set), every token ``O``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.io.corpora import read_pubtator
from kg.privacy._lists import first_names, surnames


class PhiDataError(ValueError):
    """A PHI corpus record that cannot be read: names the file, line and what was expected."""


@dataclass(frozen=True)
class PhiDoc:
    """A training text and its PHI spans (start, end, kind); offsets into ``text``, end exclusive."""

    id: str
    text: str
    phi: tuple[tuple[int, int, str], ...]


def read_phi_jsonl(path: Path) -> list[PhiDoc]:
    """The records of a JSONL PHI corpus."""
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            spans = tuple((int(p["start"]), int(p["end"]), str(p["kind"])) for p in rec["phi"])
            out.append(PhiDoc(str(rec["id"]), str(rec["text"]), spans))
        except (KeyError, TypeError, ValueError) as exc:
            raise PhiDataError(f"{path}:{lineno}: expected a PHI record with id, text and phi ({exc})") from exc
    return out


def note_ids(path: Path) -> set[str]:
    """The ``note_id`` of every record of a standoff file."""
    return {json.loads(line)["note_id"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def read_phi_standoff(path: Path, notes_csv: Path, exclude: set[str]) -> list[PhiDoc]:
    """The notes of a standoff PHI corpus with its edits applied, except notes in ``exclude``."""
    with open(notes_csv, encoding="utf-8", newline="") as f:
        notes = {r["note_id"]: r["transcription"] for r in csv.DictReader(f)}
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        rec = json.loads(line)
        if rec["note_id"] in exclude:
            continue
        source = notes.get(rec["note_id"])
        if source is None or hashlib.sha256(source.encode("utf-8")).hexdigest() != rec["sha256"]:
            raise PhiDataError(f"{path}:{lineno}: note {rec['note_id']} is missing from {notes_csv} or changed")
        parts: list[str] = []
        spans = []
        pos = size = 0
        for e in rec["edits"]:
            if e["start"] < pos:
                raise PhiDataError(f"{path}:{lineno}: edits out of order")
            parts.append(source[pos : e["start"]])
            size += e["start"] - pos
            if e["label"]:
                spans.append((size, size + len(e["text"]), str(e["label"])))
            parts.append(e["text"])
            size += len(e["text"])
            pos = e["end"]
        parts.append(source[pos:])
        out.append(PhiDoc(str(rec["id"]), "".join(parts), tuple(spans)))
    return out


def read_negatives(path: Path, n: int, seed: int) -> list[PhiDoc]:
    """``n`` PubTator documents (title and abstract), drawn with ``seed``, with no PHI."""
    docs = [PhiDoc(g.document.id, g.document.text, ()) for g in read_pubtator(path)]
    random.Random(seed).shuffle(docs)
    return docs[:n]


def _in_case_of(value: str, model: str) -> str:
    if model.isupper() and any(c.isalpha() for c in model):
        return value.upper()
    if model.islower():
        return value.lower()
    return value


def value_pools(docs: Iterable[PhiDoc]) -> dict[str, list[str]]:
    """Every distinct PHI value of ``docs`` per kind (sorted: reproducible draws)."""
    pools: dict[str, set[str]] = defaultdict(set)
    for d in docs:
        for s, e, k in d.phi:
            pools[k].add(d.text[s:e])
    return {k: sorted(v) for k, v in pools.items()}


def _surrogate(kind: str, original: str, pools: dict[str, list[str]], rng: random.Random) -> str:
    if kind == "NAME" and rng.random() < 0.5:
        given, family = sorted(first_names()), sorted(surnames())
        first, last = rng.choice(given).title(), rng.choice(family).title()
        words = len(original.split())
        value = last if words == 1 else (f"{last}, {first}" if "," in original else f"{first} {last}")
    else:
        value = rng.choice(pools[kind])
    return _in_case_of(value, original)


def surrogate_copy(doc: PhiDoc, pools: dict[str, list[str]], rng: random.Random, tag: str) -> PhiDoc:
    """``doc`` with each PHI value replaced by a surrogate of its kind (one surrogate per distinct value)."""
    chosen: dict[tuple[str, str], str] = {}
    parts: list[str] = []
    spans = []
    pos = size = 0
    for s, e, k in sorted(doc.phi):
        if s < pos:  # overlapping gold spans: keep the first
            continue
        original = doc.text[s:e]
        value = chosen.setdefault((k, original), _surrogate(k, original, pools, rng))
        parts.append(doc.text[pos:s])
        size += s - pos
        spans.append((size, size + len(value), k))
        parts.append(value)
        size += len(value)
        pos = e
    parts.append(doc.text[pos:])
    return PhiDoc(f"{doc.id}#{tag}", "".join(parts), tuple(spans))
