"""The candidate index: concepts with exact-name lookup, training-corpus pair counts and a TF-IDF per family."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

from kg.artifacts import default_cache_dir
from kg.hashing import file_sha256
from kg.ids import normalize
from kg.linking.names import COMPACT_SEPARATORS, coordination_key, lookup_keys
from kg.linking.tfidf import FamilyIndex
from kg.vocab.terminology import DEFAULT_TERMINOLOGY_PATH, TermConcept, load_terminology


class CandidateIndex:
    """Concepts with exact-name lookup, corpus pair counts and a TF-IDF index per family.

    Args:
        concepts: The linkable concepts.
        cache_dir: Folder where each family's fitted TF-IDF is cached, keyed by
            :func:`tfidf_cache_key` (the names, settings and sklearn version), so a changed
            terminology never reuses a stale index; None: no cache.
        version: A digest of the terminology (e.g. its file's sha256), for provenance.
    """

    def __init__(self, concepts: list[TermConcept], cache_dir: str | Path | None = None, version: str = "") -> None:
        self.concepts = concepts
        #: Identifies the terminology (the packaged file's sha256); part of :attr:`CandidateLinker.version`.
        self.version = version
        #: Folder of the fitted TF-IDF cache (None: fit in memory every time).
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.exact: dict[tuple[str, str], set[int]] = {}
        self.pair_counts: dict[tuple[str, str], Counter[int]] = {}
        #: (family, normalized text or coordination key) -> times annotated as a composite mention.
        self.composite_counts: Counter[tuple[str, str]] = Counter()
        #: (family, normalized text or coordination key) -> part concept -> composite annotations with it.
        self.composite_parts: dict[tuple[str, str], Counter[int]] = {}
        self.popularity: list[int] = [sum(c.corpus_names.values()) for c in concepts]
        names: dict[str, dict[str, set[int]]] = {f: {} for f in ("Disease", "Drug")}
        composite_texts: dict[tuple[str, str], int] = {}
        for i, c in enumerate(concepts):
            fam = c.family
            for n in (*c.names, *c.corpus_names):
                key = normalize(n)
                if not key:
                    continue
                self.exact.setdefault((fam, key), set()).add(i)
                compact = COMPACT_SEPARATORS.sub("", key)
                if compact != key:  # the separator-free key of a name with hyphens or spaces
                    self.exact.setdefault((fam, f"~{compact}"), set()).add(i)
                names[fam].setdefault(key, set()).add(i)
                ckey = coordination_key(key)
                if ckey and ckey != key:
                    self.exact.setdefault((fam, ckey), set()).add(i)
            for n, count in c.composite_names.items():
                key = normalize(n)  # every part concept holds the count: keep the largest
                composite_texts[(fam, key)] = max(composite_texts.get((fam, key), 0), count)
                self.composite_parts.setdefault((fam, key), Counter())[i] += count
                ckey = coordination_key(key)
                if ckey and ckey != key:
                    self.composite_parts.setdefault((fam, ckey), Counter())[i] += count
            for n, count in c.corpus_names.items():
                key = normalize(n)
                self.pair_counts.setdefault((fam, key), Counter())[i] += count
                ckey = coordination_key(key)
                if ckey and ckey != key:
                    self.pair_counts.setdefault((fam, ckey), Counter())[i] += count
        for (fam, key), count in composite_texts.items():
            self.composite_counts[(fam, key)] += count
            ckey = coordination_key(key)
            if ckey and ckey != key:
                self.composite_counts[(fam, ckey)] += count
        # Sorted names: the same terminology gives the same TF-IDF rows (and cache key) in every process.
        self._names = {f: sorted(d) for f, d in names.items()}
        self._name_concepts = {f: [d[n] for n in self._names[f]] for f, d in names.items()}
        self._tfidf: dict[str, FamilyIndex] = {}

    def annotation_counts(self, query: str, family: str) -> tuple[int, int]:
        """``(as one concept, as a composite)``: training annotations of a normalized mention text.

        The exact text counts where it was seen; else its coordination key (other orders and
        spellings of the same coordination).
        """
        single = sum(self.pair_counts.get((family, query), Counter()).values())
        composite = self.composite_counts[(family, query)]
        ckey = coordination_key(query)
        if not single and not composite and ckey:
            single = sum(self.pair_counts.get((family, ckey), Counter()).values())
            composite = self.composite_counts[(family, ckey)]
        return single, composite

    def composite_reading(self, query: str, family: str) -> list[int]:
        """The part concepts training annotators gave a normalized text as a composite mention.

        Concepts that took part in at least half as many of the text's composite annotations as
        the most frequent part, in key order; empty when the text was never annotated as one.
        """
        parts = self.composite_parts.get((family, query))
        if not parts:
            return []
        top = max(parts.values())
        return sorted((ci for ci, n in parts.items() if 2 * n >= top), key=lambda ci: self.concepts[ci].key)

    def family_index(self, family: str) -> FamilyIndex:
        """The TF-IDF index of a family, built on first use."""
        if family not in self._tfidf:
            self._tfidf[family] = FamilyIndex.cached(self._names[family], family, self.cache_dir)
        return self._tfidf[family]

    def generate(self, query: str, family: str, k: int = 30) -> dict[int, tuple[float, str]]:
        """Candidate concepts for a normalized query: concept index -> (best cosine, matched name)."""
        out: dict[int, tuple[float, str]] = {}
        for i, v in enumerate(lookup_keys(query, family)):
            for ci in self.exact.get((family, v), ()):
                out.setdefault(ci, (1.0 if i == 0 else 0.95, v.lstrip("~")))
        if not query:
            return out
        fam = self.family_index(family)
        for name_i, cos in fam.nearest([query], k)[0]:
            for ci in self._name_concepts[family][name_i]:
                if ci not in out or out[ci][0] < cos:
                    out[ci] = (cos, fam.names[name_i])
        return out


@lru_cache(maxsize=2)
def packaged_candidate_index(path: str | None = None) -> CandidateIndex:
    """The candidate index over the packaged terminology, built once per process.

    Its TF-IDF indexes are cached in :func:`default_cache_dir`, so later processes load them.
    """
    p = Path(path) if path is not None else DEFAULT_TERMINOLOGY_PATH
    return CandidateIndex(load_terminology(p), cache_dir=default_cache_dir(), version=file_sha256(p))
