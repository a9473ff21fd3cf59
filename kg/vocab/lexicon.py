"""The run-time lexicon: the packaged file (surface form -> label + CURIE) and its in-memory index.

The lexicon is built once by ``medkg vocab build`` (:mod:`kg.train.vocab`, rules in
:mod:`kg.train.lexicon_assembly`) from curated vocabularies and the *training* splits of annotated
corpora, and shipped as ``kg/resources/lexicon.tsv.gz`` plus ``lexicon.meta.json``. Here: its file
format (:class:`LexEntry`, :func:`parse_tsv`, :func:`to_tsv`, :func:`load_lexicon`) and
:class:`LexiconIndex`, normalized term -> best concept per label, shared by the dictionary NER
(which terms exist) and the lexicon linker (which CURIE a mention gets), so both agree on one
normalization.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from kg.ids import normalize
from kg.types import EntityLabel

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
DEFAULT_LEXICON_PATH = RESOURCES / "lexicon.tsv.gz"
HEADER = ("term", "label", "curie", "concept_name", "source", "xrefs")
#: The curated sources of lexicon entries (the others are training corpora).
CURATED_SOURCES = frozenset({"hetionet", "hpo"})

_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class LexiconError(RuntimeError):
    """The lexicon or one of its inputs is missing or unreadable."""


class LexiconNotFoundError(LexiconError, FileNotFoundError):
    """A lexicon file or a build input does not exist."""


class LexEntry(BaseModel):
    """One lexicon entry: a surface form with its label and concept.

    Attributes:
        term: The surface form to match (original casing of the preferred source).
        label: Drug, Disease or Symptom.
        curie: The concept's CURIE (curated ids preferred over corpus MeSH/OMIM ids).
        concept_name: The concept's preferred name (for corpus-only ids: its most frequent
            mention text).
        source: The source the entry's CURIE came from (hetionet, hpo, bc5cdr, ncbi_disease).
        xrefs: Other CURIEs for the same term and concept (``|``-separated in the file).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    term: str
    label: EntityLabel
    curie: str
    concept_name: str
    source: str
    xrefs: tuple[str, ...] = ()


def term_key(term: str) -> str:
    """The matching key of a term: casefolded, whitespace collapsed.

    Args:
        term: A surface form.

    Returns:
        The key.
    """
    return _WS.sub(" ", term.strip()).casefold()


def to_tsv(entries: Iterable[LexEntry]) -> str:
    """Serialize entries as TSV text with the header ``term label curie concept_name source xrefs``.

    Args:
        entries: Lexicon entries.

    Returns:
        The TSV text (xrefs ``|``-separated; tabs and newlines in names become spaces).
    """
    buf = io.StringIO()
    buf.write("\t".join(HEADER) + "\n")
    for e in entries:
        row = (e.term, e.label, e.curie, _CONTROL.sub(" ", e.concept_name), e.source, "|".join(e.xrefs))
        buf.write("\t".join(row) + "\n")
    return buf.getvalue()


def parse_tsv(lines: Iterable[str], location: str) -> list[LexEntry]:
    """Parse lexicon TSV lines (header first) into entries.

    Args:
        lines: The file's lines.
        location: File name for error messages.

    Returns:
        The entries.

    Raises:
        LexiconError: The header or a row is malformed (the message names the line).
    """
    it = iter(lines)
    header = next(it, "").rstrip("\r\n")
    if tuple(header.split("\t")) != HEADER:
        raise LexiconError(f"{location}: expected header {' '.join(HEADER)!r}, got {header!r}")
    out: list[LexEntry] = []
    for lineno, raw in enumerate(it, start=2):
        line = raw.rstrip("\r\n")
        if not line:
            continue
        parts = line.split("\t")
        if len(parts) != len(HEADER):
            raise LexiconError(f"{location}:{lineno}: expected {len(HEADER)} columns, got {len(parts)}")
        term, label, curie, name, source, xs = parts
        try:
            out.append(
                LexEntry.model_validate(
                    {
                        "term": term,
                        "label": label,
                        "curie": curie,
                        "concept_name": name,
                        "source": source,
                        "xrefs": tuple(x for x in xs.split("|") if x),
                    }
                )
            )
        except ValueError as exc:
            raise LexiconError(f"{location}:{lineno}: {exc}") from exc
    return out


def load_lexicon(path: str | Path | None = None) -> list[LexEntry]:
    """Load a lexicon file (default: the packaged ``kg/resources/lexicon.tsv.gz``).

    Args:
        path: A gzipped (``.gz``) or plain TSV lexicon; None for the packaged one.

    Returns:
        The entries, in file order.

    Raises:
        LexiconNotFoundError: The file does not exist (run ``medkg vocab build``).
        LexiconError: The file is malformed.
    """
    p = Path(path) if path is not None else DEFAULT_LEXICON_PATH
    if not p.is_file():
        raise LexiconNotFoundError(f"lexicon not found: {p}; build it with `medkg vocab build`")
    try:
        if p.name.endswith(".gz"):
            with gzip.open(p, "rt", encoding="utf-8") as f:
                return parse_tsv(f, p.name)
        with p.open(encoding="utf-8") as f:
            return parse_tsv(f, p.name)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise LexiconError(f"cannot read lexicon {p}: {exc}") from exc


#: Lower rank wins when one term has entries under several (label, source) pairs. Corpus Disease
#: names (BC5CDR, NCBI-disease) beat HPO phenotype names, because HPO also lists diseases
#: (pneumonia, atrial fibrillation) as phenotypes; corpus names whose MeSH id is a sign or symptom
#: are relabelled Symptom first (see :class:`LexiconIndex`).
SOURCE_RANK: dict[tuple[str, str], int] = {
    ("Disease", "hetionet"): 0,
    ("Drug", "hetionet"): 0,
    ("Disease", "ncbi_disease"): 1,
    ("Disease", "bc5cdr"): 1,
    ("Symptom", "hetionet"): 1,
    ("Symptom", "bc5cdr"): 1,
    ("Symptom", "ncbi_disease"): 1,
    ("Symptom", "hpo"): 2,
    ("Disease", "hpo"): 2,
    ("Drug", "bc5cdr"): 3,
}
DEFAULT_RANK = 9


def variants(norm: str) -> list[str]:
    """Simple inflectional variants of a normalized term (plural and hyphen spacing)."""
    out = [norm]
    if norm.endswith("ies") and len(norm) > 4:
        out.append(norm[:-3] + "y")
    elif norm.endswith("es") and len(norm) > 4:
        out.extend([norm[:-2], norm[:-1]])
    elif norm.endswith("s") and not norm.endswith("ss") and len(norm) > 3:
        out.append(norm[:-1])
    if "-" in norm:
        out.append(norm.replace("-", " "))
    return out


@dataclass(frozen=True)
class Concept:
    """One lexicon concept for a term: label, CURIE, preferred name, source and cross-references."""

    label: str
    curie: str
    name: str
    source: str
    xrefs: tuple[str, ...] = ()

    @property
    def rank(self) -> int:
        """Priority of this entry's (label, source) pair; lower wins."""
        return SOURCE_RANK.get((self.label, self.source), DEFAULT_RANK)


class LexiconIndex:
    """Normalized term -> concepts, best first."""

    def __init__(self, entries: Iterable[Any]) -> None:
        self._by_term: dict[str, list[Concept]] = {}
        self.surface_forms: dict[str, str] = {}
        rows = [
            (
                e.term,
                Concept(
                    label=e.label,
                    curie=e.curie,
                    name=e.concept_name or e.term,
                    source=e.source,
                    xrefs=tuple(getattr(e, "xrefs", ()) or ()),
                ),
            )
            for e in entries
        ]
        # MeSH ids that curated vocabularies call a sign or symptom (Hetionet Symptom = MeSH C23),
        # and the HPO id that shares each one.
        symptom_mesh: set[str] = set()
        mesh_to_hp: dict[str, Concept] = {}
        for _, c in rows:
            if c.label != "Symptom" or c.source not in ("hetionet", "hpo"):
                continue
            for ref in (c.curie, *c.xrefs):
                if ref.startswith("MESH:"):
                    symptom_mesh.add(ref)
                    if c.curie.startswith("HP:"):
                        mesh_to_hp.setdefault(ref, c)
        for term, concept in rows:
            if (
                concept.label == "Disease"
                and concept.source in ("bc5cdr", "ncbi_disease")
                and concept.curie in symptom_mesh
            ):
                hp = mesh_to_hp.get(concept.curie)
                concept = Concept(
                    label="Symptom",
                    curie=hp.curie if hp else concept.curie,
                    name=hp.name if hp else concept.name,
                    source=concept.source,
                    xrefs=tuple(sorted({*concept.xrefs, concept.curie} - {hp.curie if hp else concept.curie})),
                )
            key = normalize(term)
            if not key:
                continue
            bucket = self._by_term.setdefault(key, [])
            if all(c.curie != concept.curie or c.label != concept.label for c in bucket):
                bucket.append(concept)
            self.surface_forms.setdefault(term, key)
        for bucket in self._by_term.values():
            bucket.sort(key=lambda c: (c.rank, c.curie))

    def __len__(self) -> int:
        return len(self._by_term)

    def terms(self) -> list[str]:
        """Every surface form in the lexicon."""
        return list(self.surface_forms)

    def lookup(self, text: str, label: str | None = None) -> tuple[Concept, float] | None:
        """Best concept for ``text`` (optionally of ``label``) and a match score (1.0 exact, 0.9 variant)."""
        norm = normalize(text)
        for i, key in enumerate(variants(norm)):
            for concept in self._by_term.get(key, ()):
                if label is None or concept.label == label:
                    return concept, 1.0 if i == 0 else 0.9
        return None

    def best_label(self, text: str) -> str | None:
        """The label of the best concept for ``text``, if any."""
        hit = self.lookup(text)
        return hit[0].label if hit else None


@lru_cache(maxsize=4)
def packaged_index(path: str | None = None) -> LexiconIndex:
    """The index over the packaged lexicon (``kg/resources/lexicon.tsv.gz``), built once per process."""
    return LexiconIndex(load_lexicon(Path(path) if path else None))
