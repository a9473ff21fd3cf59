"""The candidate index: concepts with exact-name lookup, training-corpus pair counts and a TF-IDF per family."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.artifacts import default_cache_dir
from kg.hashing import file_sha256
from kg.ids import normalize
from kg.linking import index_cache
from kg.linking.names import COMPACT_SEPARATORS, coordination_key, lookup_keys
from kg.linking.tfidf import FamilyIndex, tfidf_cache_key
from kg.logs import get_logger
from kg.vocab.terminology import DEFAULT_TERMINOLOGY_PATH, TermConcept, load_terminology

logger = get_logger(__name__)


class CandidateIndex:
    """Concepts with exact-name lookup, corpus pair counts and a TF-IDF index per family.

    Args:
        concepts: The linkable concepts.
        cache_dir: Folder where each family's fitted TF-IDF is cached, keyed by
            :func:`tfidf_cache_key` (the names, settings and sklearn version), so a changed
            terminology never reuses a stale index; None: no cache.
        version: A digest of the terminology (e.g. its file's sha256), for provenance.
    """

    def __init__(
        self,
        concepts: Sequence[TermConcept],
        cache_dir: str | Path | None = None,
        version: str = "",
        state: dict[str, Any] | None = None,
    ) -> None:
        self.concepts = concepts
        #: Identifies the terminology (the packaged file's sha256); part of :attr:`CandidateLinker.version`.
        self.version = version
        #: Folder of the fitted TF-IDF cache (None: fit in memory every time).
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        #: (family, key) -> concepts with that name: a dict of sets when built, a read-only map when cached.
        self.exact: Mapping[tuple[str, str], Collection[int]] = {}
        self.pair_counts: dict[tuple[str, str], Counter[int]] = {}
        #: (family, normalized text or coordination key) -> times annotated as a composite mention.
        self.composite_counts: Counter[tuple[str, str]] = Counter()
        #: (family, normalized text or coordination key) -> part concept -> composite annotations with it.
        self.composite_parts: dict[tuple[str, str], Counter[int]] = {}
        self.popularity: list[int] = []
        self._names: dict[str, list[str]] = {}
        self._name_concepts: dict[str, Sequence[Collection[int]]] = {}
        self._tfidf: dict[str, FamilyIndex] = {}
        #: Family -> TF-IDF cache key of its names, where already known (a cached index stores them).
        self._tfidf_keys: dict[str, str] = {}
        if state is not None:
            self._set_state(state)
        else:
            self._build(concepts)

    def _build(self, concepts: Sequence[TermConcept]) -> None:
        """Fill the lookup maps from the concepts' names, corpus names and composite names."""
        exact: dict[tuple[str, str], set[int]] = {}
        self.exact = exact
        self.popularity = [sum(c.corpus_names.values()) for c in concepts]
        names: dict[str, dict[str, set[int]]] = {f: {} for f in ("Disease", "Drug")}
        composite_texts: dict[tuple[str, str], int] = {}
        for i, c in enumerate(concepts):
            fam = c.family
            for n in (*c.names, *c.corpus_names):
                key = normalize(n)
                if not key:
                    continue
                exact.setdefault((fam, key), set()).add(i)
                compact = COMPACT_SEPARATORS.sub("", key)
                if compact != key:  # the separator-free key of a name with hyphens or spaces
                    exact.setdefault((fam, f"~{compact}"), set()).add(i)
                names[fam].setdefault(key, set()).add(i)
                ckey = coordination_key(key)
                if ckey and ckey != key:
                    exact.setdefault((fam, ckey), set()).add(i)
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

    @property
    def families(self) -> list[str]:
        """The entity families this index holds names of (``Disease``, ``Drug``)."""
        return list(self._names)

    def state(self) -> dict[str, Any]:
        """What the build computed, for :mod:`kg.linking.index_cache` (the TF-IDF keys computed here)."""
        keys = {f: self._tfidf_keys.get(f) or tfidf_cache_key(n) for f, n in self._names.items()}
        return {
            "exact": self.exact,
            "pair_counts": self.pair_counts,
            "composite_counts": self.composite_counts,
            "composite_parts": self.composite_parts,
            "popularity": self.popularity,
            "names": self._names,
            "name_concepts": self._name_concepts,
            "tfidf_keys": keys,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        self.exact, self.pair_counts = state["exact"], state["pair_counts"]
        self.composite_counts, self.composite_parts = state["composite_counts"], state["composite_parts"]
        self.popularity, self._names, self._name_concepts = state["popularity"], state["names"], state["name_concepts"]
        self._tfidf_keys = dict(state["tfidf_keys"])

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
            key = self._tfidf_keys.get(family)
            self._tfidf[family] = FamilyIndex.cached(self._names[family], family, self.cache_dir, key=key)
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

    The built index and its TF-IDF indexes are cached in :func:`default_cache_dir`
    (:mod:`kg.linking.index_cache`), so later processes load them instead of building.
    """
    p = Path(path) if path is not None else DEFAULT_TERMINOLOGY_PATH
    sha = file_sha256(p)
    cache_dir = default_cache_dir()
    if cache_dir is None:
        return CandidateIndex(load_terminology(p), cache_dir=None, version=sha)
    cached = index_cache.cache_path(cache_dir, sha)
    if cached.is_file():
        concepts = index_cache.LazyConcepts(p)
        try:
            state = index_cache.load_state(cached, len(concepts))
            logger.info("linker: candidate index over %d concepts loaded from %s", len(concepts), cached)
            return CandidateIndex(concepts, cache_dir=cache_dir, version=sha, state=state)
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("linker: ignoring unreadable index cache %s (%s); rebuilding", cached, exc)
    index = CandidateIndex(load_terminology(p), cache_dir=cache_dir, version=sha)
    try:
        index_cache.save_state(cached, index.state())
        logger.info("linker: candidate index cached at %s", cached)
    except (OSError, ValueError) as exc:
        logger.warning("linker: could not write the index cache %s (%s)", cached, exc)
    return index
