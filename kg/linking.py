"""Entity linking: mentions get ontology CURIEs; unlinkable mentions stay NIL with a local id.

The ``lexicon`` linker looks up the mention (or the long form of an abbreviation) in the packaged
lexicon with one normalization shared with the dictionary NER. A trained linker registers under
another name in :data:`LINKER_REGISTRY`.
"""

from __future__ import annotations

import bisect
import hashlib
import json as _json
import logging
import math
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from kg.artifacts import default_cache_dir
from kg.chemnames import chemical_forms, formula_name
from kg.hashing import file_sha256
from kg.ids import normalize
from kg.lexicon import LexiconIndex, packaged_index, variants
from kg.registry import Registry
from kg.terminology import DEFAULT_TERMINOLOGY_PATH, LABEL_FAMILY, TermConcept, load_terminology
from kg.types import Mention

logger = logging.getLogger(__name__)

Linker = Callable[[list[Mention]], list[Mention]]
LINKER_REGISTRY: Registry[Linker] = Registry("linker")


class LexiconLinker:
    """Exact and normalized-variant lookup of each mention in the lexicon, label-constrained."""

    def __init__(self, index: LexiconIndex | None = None, min_score: float = 0.85) -> None:
        self.index = index if index is not None else packaged_index()
        self.min_score = min_score

    def __call__(self, mentions: list[Mention]) -> list[Mention]:
        out = []
        for m in mentions:
            hit = None
            for text in filter(None, (m.long_form, m.text)):
                hit = self.index.lookup(text, label=m.label)
                if hit:
                    break
            if hit and hit[1] >= self.min_score:
                concept, score = hit
                update = {
                    "curie": concept.curie,
                    "concept_name": concept.name,
                    "link_score": score,
                    "xrefs": concept.xrefs,
                }
                out.append(m.model_copy(update=update))
            else:
                out.append(m.model_copy(update={"curie": None, "concept_name": None, "link_score": None, "xrefs": ()}))
        return out


@LINKER_REGISTRY.register("lexicon")
def _lexicon_linker(**params: object) -> LexiconLinker:
    return LexiconLinker(**params)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- candidate linker
#
# Stages: exact / normalized-variant match over vocabulary names and training-corpus names,
# abbreviation expansion (the mention's long form), candidate generation by character 3-gram
# TF-IDF nearest neighbours over every name of the mention's family, a logistic-regression
# reranker over match features (trained on held-out mentions: ``kg.train.linker``) whose
# probability is the calibrated link score, composite-mention splitting, and NIL below a threshold.

DEFAULT_RERANKER_PATH = Path(__file__).resolve().parent / "resources" / "linker_reranker.json"
FEATURES = (
    "cosine",
    "exact",
    "corpus_exact",
    "log_pair_count",
    "pair_share",
    "log_popularity",
    "token_jaccard",
    "is_mesh",
    "is_supplementary",
    "cosine_gap",
    "abbrev_exact",
    "via_long_form",
    "label_match",
    "is_omim",
    "inv_rank",
    "short_form_only",
)
_TOKENS = re.compile(r"[a-z0-9]+")
_ABBREV_LIKE = re.compile(r"^[A-Z0-9][A-Za-z0-9\-]{0,7}$")
_CONJ = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,\s+|(?<!\d),(?!\d)\s*|\s+and/or\s+|\s+and\s+|\s+or\s+|\s*/\s*)", re.I)
_AND_OR = re.compile(r"\s(?:and|or)\s", re.I)


@dataclass(frozen=True)
class Candidate:
    """One ranked candidate concept for a mention text.

    Attributes:
        concept: The concept.
        score: Calibrated probability that the concept is right (reranker output, 0-1).
        features: The reranker's feature vector, in :data:`FEATURES` order.
        matched: The concept name the mention matched best.
    """

    concept: TermConcept
    score: float
    features: tuple[float, ...]
    matched: str


@dataclass(frozen=True)
class LinkResult:
    """The linking of one mention text: one ranked candidate list per part (two or more: composite)."""

    parts: tuple[tuple[str, tuple[Candidate, ...]], ...]

    @property
    def composite(self) -> bool:
        """Whether the mention was split into several concepts."""
        return len(self.parts) > 1


def split_composite(text: str) -> list[str]:
    """Parts of a coordinated mention: ``breast and ovarian cancer`` -> ``breast cancer``, ``ovarian cancer``.

    The shared head (the words after the last conjunct's first word) is copied onto the earlier
    conjuncts; ``hepatitis B and C`` shares the first conjunct's leading words instead. A text
    without a coordination gives ``[text]``.
    """
    if "," not in text and "/" not in text and not _AND_OR.search(text):  # fast path: no coordination
        return [text]
    pieces = [p for p in _CONJ.split(text.strip()) if p]
    if len(pieces) < 2:
        return [text]
    first, last = pieces[0].split(), pieces[-1].split()
    if all(len(p.split()) == 1 for p in pieces[:-1]) and len(last) > 1:
        head = " ".join(last[1:])
        return [f"{p} {head}" for p in pieces[:-1]] + [pieces[-1]]
    if len(first) > 1 and all(len(p.split()) == 1 for p in pieces[1:]):
        stem = " ".join(first[:-1])
        return [pieces[0]] + [f"{stem} {p}" for p in pieces[1:]]
    return pieces


def coordination_key(norm: str) -> str | None:
    """One key for the orderings and spellings of a coordinated name, None for a plain name.

    ``breast and ovarian cancer``, ``breast/ovarian cancer``, ``ovarian and breast cancer`` and
    ``breast and/or ovarian cancer`` all give ``breast cancer and ovarian cancer``: a name that a
    vocabulary or corpus uses for *one* concept (NCBI-disease's ``D061325``, hereditary breast and
    ovarian cancer syndrome) is then found whatever the coordination's order and spelling.
    """
    parts = split_composite(norm)
    if len(parts) < 2:
        return None
    return " and ".join(sorted(" ".join(p.split()) for p in parts))


#: Spelling and head-word variants tried after a query's own forms: British -> American spelling
#: (``tumour``, ``haemorrhage``, ``anaemia``, ``oedema``, ``diarrhoea``, ``foetal``, ``sulphate``,
#: ``aluminium``) and
#: ``carcinoma`` -> ``cancer`` (MeSH names ``X Neoplasms`` with entry term ``X Cancer``).
_WORD_VARIANTS = (
    (re.compile(r"\btumour"), "tumor"),
    (re.compile(r"haem"), "hem"),
    (re.compile(r"aemi"), "emi"),
    (re.compile(r"\boe(?=dem|soph|stro)"), "e"),
    (re.compile(r"rrhoea"), "rrhea"),
    (re.compile(r"\bfoet"), "fet"),
    (re.compile(r"sulph"), "sulf"),
    (re.compile(r"\baluminium"), "aluminum"),
    (re.compile(r"\bcarcinoma(s?)\b"), r"cancer\1"),
)


def query_keys(norm: str) -> list[str]:
    """Exact-lookup keys of a normalized query: its variants, its coordination key's, then spelling variants."""
    out = variants(norm)
    ckey = coordination_key(norm)
    if ckey and ckey != norm:
        out += [v for v in variants(ckey) if v not in out]
    spelled = norm
    for pattern, repl in _WORD_VARIANTS:
        spelled = pattern.sub(repl, spelled)
    if spelled != norm:
        out += [v for v in variants(spelled) if v not in out]
    return out


_COMPACT = re.compile(r"[\s\-()\[\]]+")


def lookup_keys(norm: str, family: str) -> list[str]:
    """Exact-lookup keys of a normalized query of one family, most literal first.

    :func:`query_keys`, then for Drug queries the chemical forms of :func:`kg.chemnames.chemical_forms`
    (counter-ion stripped, ``-ate`` -> ``-ic acid``) with their variants, then the compact key
    (hyphens and spaces removed, as a plain key and as the ``~``-prefixed key under which
    :class:`CandidateIndex` files names that have separators: ``tri-iodo-thyronine`` finds
    ``triiodothyronine``, ``AP7`` finds ``AP-7``).
    """
    out = query_keys(norm)
    forms = [norm]
    if family == "Drug":
        forms += chemical_forms(norm)
        for form in forms[1:]:
            out += [v for v in variants(form) if v not in out]
    for form in forms:  # names spelled without separators, then names spelled with them
        ckey = _COMPACT.sub("", form)
        if ckey:
            out += [k for k in (ckey, f"~{ckey}") if k not in out]
    return out


_DEFINITION = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9\-+]{0,9})\s*(?:\)|[:;,]\s)")
_CLAUSE_END = re.compile(r"[.;:()\[\]]")


def _sh_long_form(short: str, text: str) -> str | None:
    """Schwartz-Hearst: the shortest suffix of ``text`` whose characters spell ``short`` in order."""
    s, li = len(short) - 1, len(text) - 1
    while s >= 0:
        ch = short[s].lower()
        if not ch.isalnum():
            s -= 1
            continue
        while li >= 0 and (text[li].lower() != ch or (s == 0 and li > 0 and text[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        li -= 1
        s -= 1
    start = text.rfind(" ", 0, li + 1) + 1
    return text[start:].strip() or None


def text_long_forms(text: str) -> dict[str, str]:
    """Abbreviations defined in a text as ``long form (SF)``, ``(SF: ...)`` or ``(SF, ...)`` -> long form.

    A fallback for definitions scispaCy's detector misses (``nitroglycerin (NTG)-induced``,
    ``diethylnitrosamine (DEN: 10 mg/kg)``). The long form is the Schwartz-Hearst match within
    the preceding clause, at most ``min(len + 5, 2 * len)`` words: the shortest run of words whose
    initials spell the short form's letters (a plural short form's letters without its final ``s``:
    ``combined oral contraceptives (COCs)``), else the Schwartz-Hearst match; the first definition wins.
    """
    out: dict[str, str] = {}
    for m in _DEFINITION.finditer(text):
        short = m.group(1)
        if short in out or not any(ch.isalpha() for ch in short) or sum(ch.isupper() for ch in short) < 1:
            continue
        before = text[: m.start()].rstrip()
        cut = max((x.end() for x in _CLAUSE_END.finditer(before, max(0, len(before) - 300))), default=0)
        words = before[cut:].split()
        words = words[-min(len(short) + 5, 2 * len(short)) :]
        if not words:
            continue
        letters = [ch.lower() for ch in short if ch.isalpha()]
        spellings = [letters]
        if short.endswith("s") and sum(ch.isupper() for ch in short) >= 2:  # plural: COCs, NSAIDs
            spellings.append(letters[:-1])
        long_form = next(
            (
                " ".join(words[-k:])
                for spelled in spellings
                for k in range(1, len(words) + 1)
                if [w[0].lower() for w in " ".join(words[-k:]).replace("-", " ").split() if w[0].isalpha()] == spelled
            ),
            None,
        ) or _sh_long_form(short, " ".join(words))
        if long_form and len(long_form) > len(short) and long_form.lower() != short.lower():
            out[short] = long_form.strip(" ,")
    return out


def is_abbreviation(text: str) -> bool:
    """Whether a mention looks like an abbreviation (short, starts upper-case, has 2+ capitals)."""
    return bool(_ABBREV_LIKE.match(text)) and sum(ch.isupper() for ch in text) >= 2


def _tokens(text: str) -> set[str]:
    return set(_TOKENS.findall(text))


#: TF-IDF settings of the candidate generator; part of the cache key.
TFIDF_PARAMS: dict[str, Any] = {"analyzer": "char_wb", "ngram_range": (3, 3), "sublinear_tf": True, "max_df": 0.2}
#: Layout version of the cached TF-IDF files; bump when :class:`_FamilyIndex` changes what it stores.
TFIDF_CACHE_VERSION = 1


def tfidf_cache_key(names: list[str]) -> str:
    """Hex SHA-256 over the TF-IDF settings, the cache layout, the sklearn version and the names (in order)."""
    import sklearn

    h = hashlib.sha256()
    h.update(_json.dumps([TFIDF_CACHE_VERSION, sklearn.__version__, repr(sorted(TFIDF_PARAMS.items()))]).encode())
    for n in names:
        h.update(n.encode())
        h.update(b"\n")
    return h.hexdigest()


class _FamilyIndex:
    """TF-IDF (character 3-grams within word boundaries) over the normalized names of one family.

    ``matrix_t`` is (n_features x n_names) float32 CSR, the transpose of the name matrix whose
    rows are L2-normalized, so a query row times ``matrix_t`` gives cosines.
    """

    def __init__(self, names: list[str], vectorizer: Any, matrix_t: Any) -> None:
        self.names = names
        self.vectorizer = vectorizer
        self.matrix_t = matrix_t

    @classmethod
    def fit(cls, names: list[str]) -> _FamilyIndex:
        """Fit the vectorizer and the name matrix."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        params = dict(TFIDF_PARAMS)
        if len(names) * params["max_df"] < 1:  # fewer than 1 / max_df names: keep every n-gram
            params["max_df"] = 1.0
        vectorizer = TfidfVectorizer(**params, dtype=np.float32)
        matrix = vectorizer.fit_transform(names).tocsr()
        return cls(names, vectorizer, matrix.T.tocsr())

    def save(self, path: Path) -> None:
        """Write the fitted vocabulary, idf and ``matrix_t`` as one uncompressed ``.npz`` (atomic rename)."""
        vocab = self.vectorizer.vocabulary_
        terms = np.array(sorted(vocab, key=vocab.__getitem__))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            np.savez(
                f,
                terms=terms,
                idf=np.asarray(self.vectorizer.idf_, dtype=np.float64),
                data=self.matrix_t.data,
                indices=self.matrix_t.indices,
                indptr=self.matrix_t.indptr,
                shape=np.asarray(self.matrix_t.shape, dtype=np.int64),
            )
        os.replace(tmp, path)

    @classmethod
    def load(cls, names: list[str], path: Path) -> _FamilyIndex:
        """Rebuild a fitted index from :meth:`save`'s file (the vectorizer gets the saved vocabulary and idf).

        Raises:
            ValueError: The file does not match ``names`` (wrong shape) or is malformed.
        """
        from scipy.sparse import csr_matrix
        from sklearn.feature_extraction.text import TfidfVectorizer

        with np.load(path, allow_pickle=False) as z:
            terms, idf = z["terms"], z["idf"]
            shape = tuple(int(x) for x in z["shape"])
            if shape != (len(terms), len(names)) or len(idf) != len(terms):
                raise ValueError(f"{path}: shape {shape} does not fit {len(terms)} terms x {len(names)} names")
            matrix_t = csr_matrix((z["data"], z["indices"], z["indptr"]), shape=shape)
        vectorizer = TfidfVectorizer(
            **TFIDF_PARAMS, dtype=np.float32, vocabulary={str(t): i for i, t in enumerate(terms)}
        )
        vectorizer.idf_ = idf
        return cls(names, vectorizer, matrix_t)

    @classmethod
    def cached(cls, names: list[str], family: str, cache_dir: Path | None) -> _FamilyIndex:
        """Load the index from ``cache_dir`` when a file for exactly these names exists, else fit and save it."""
        if cache_dir is None:
            return cls.fit(names)
        path = Path(cache_dir) / f"linker-tfidf-{family.lower()}-{tfidf_cache_key(names)[:24]}.npz"
        if path.is_file():
            try:
                index = cls.load(names, path)
                logger.info("linker: TF-IDF over %d %s names loaded from %s", len(names), family, path)
                return index
            except (OSError, ValueError, KeyError) as exc:
                logger.warning("linker: ignoring unreadable TF-IDF cache %s (%s); rebuilding", path, exc)
        logger.info("linker: building TF-IDF over %d %s names", len(names), family)
        index = cls.fit(names)
        try:
            index.save(path)
            logger.info("linker: TF-IDF cached at %s", path)
        except OSError as exc:
            logger.warning("linker: could not write the TF-IDF cache %s (%s)", path, exc)
        return index

    def nearest(self, queries: list[str], k: int) -> list[list[tuple[int, float]]]:
        """Top-``k`` (name index, cosine) per query, best first."""
        out: list[list[tuple[int, float]]] = []
        q = self.vectorizer.transform(queries)
        for start in range(0, len(queries), 64):
            sims = (q[start : start + 64] @ self.matrix_t).tocsr()
            for i in range(sims.shape[0]):
                row = sims.getrow(i)
                if row.nnz == 0:
                    out.append([])
                    continue
                top = np.argsort(-row.data)[:k]
                out.append([(int(row.indices[j]), float(row.data[j])) for j in top])
        return out


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
                compact = _COMPACT.sub("", key)
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
        self._tfidf: dict[str, _FamilyIndex] = {}

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

    def family_index(self, family: str) -> _FamilyIndex:
        """The TF-IDF index of a family, built on first use."""
        if family not in self._tfidf:
            self._tfidf[family] = _FamilyIndex.cached(self._names[family], family, self.cache_dir)
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


def candidate_features(
    index: CandidateIndex,
    query: str,
    label: str,
    cands: dict[int, tuple[float, str]],
    via_long_form: bool,
    abbrev: bool = False,
) -> dict[int, list[float]]:
    """The per-query reranker features (:data:`FEATURES` order, all but the last) of each candidate of one query.

    The last feature, ``short_form_only``, needs both queries of an abbreviation and is appended by
    :meth:`CandidateLinker.rank`.
    """
    fam = LABEL_FAMILY[label]
    counts = index.pair_counts.get((fam, query), Counter())
    if not counts:
        ckey = coordination_key(query)
        counts = index.pair_counts.get((fam, ckey), Counter()) if ckey else counts
    total = sum(counts.values())
    best = max((c for c, _ in cands.values()), default=0.0)
    # Rank by cosine with ties sharing a rank (candidates with a strictly higher cosine), so the
    # order of equally matching concepts (an id order) never changes their features.
    neg_cosines = sorted(-c for c, _ in cands.values())
    qtok = _tokens(query)
    keys = lookup_keys(query, fam)
    out: dict[int, list[float]] = {}
    for ci in cands:
        cos, matched = cands[ci]
        rank = bisect.bisect_left(neg_cosines, -cos)
        c = index.concepts[ci]
        exact = next(
            (1.0 if i == 0 else 0.9 for i, v in enumerate(keys) if ci in index.exact.get((fam, v), ())),
            0.0,
        )
        mtok = _tokens(matched)
        out[ci] = [
            cos,
            exact,
            float(counts[ci] > 0),
            math.log1p(counts[ci]),
            counts[ci] / total if total else 0.0,
            math.log1p(index.popularity[ci]),
            len(qtok & mtok) / len(qtok | mtok) if qtok | mtok else 0.0,
            float(c.key.startswith("MESH:")),
            float(c.key.startswith("MESH:C")),
            cos - best,
            float(abbrev and exact > 0),
            float(via_long_form),
            float(c.label == label),
            float(c.key.startswith("OMIM:")),
            1.0 / (1 + rank),
        ]
    return out


@dataclass
class Reranker:
    """Logistic regression over :data:`FEATURES`; its probability is the link score."""

    coef: list[float]
    intercept: float
    threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, features: list[list[float]]) -> np.ndarray:
        """Probabilities, shape (n_candidates,)."""
        if not features:
            return np.zeros(0)
        x = np.asarray(features, dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-(x @ np.asarray(self.coef) + self.intercept)))

    @classmethod
    def load(cls, path: str | Path | None = None) -> Reranker:
        """Load reranker weights (default: the packaged ``kg/resources/linker_reranker.json``)."""
        p = Path(path) if path else DEFAULT_RERANKER_PATH
        if not p.is_file():
            raise FileNotFoundError(f"linker reranker not found: {p}; train it with `medkg train linker`")
        obj = _json.loads(p.read_text(encoding="utf-8"))
        if tuple(obj.get("features", ())) != FEATURES:
            raise ValueError(f"{p}: reranker features {obj.get('features')} differ from {FEATURES}; retrain it")
        return cls(coef=obj["coef"], intercept=obj["intercept"], threshold=obj.get("threshold", 0.5), meta=obj)


class CandidateLinker:
    """Exact, abbreviation, TF-IDF candidates, trained reranker, composite split, calibrated NIL.

    Args:
        index: The candidate index (default: over the packaged terminology).
        reranker: The reranker (default: the packaged weights).
        threshold: Minimum calibrated score to link; below it the mention stays NIL (default:
            the reranker's own threshold).
        k: Candidates kept per mention.
        split_composites: Emit one mention per concept of a composite mention (same span).
    """

    def __init__(
        self,
        index: CandidateIndex | None = None,
        reranker: Reranker | None = None,
        threshold: float | None = None,
        k: int = 10,
        split_composites: bool = True,
    ) -> None:
        self.index = index if index is not None else packaged_candidate_index()
        self.reranker = reranker if reranker is not None else Reranker.load()
        self.threshold = self.reranker.threshold if threshold is None else threshold
        self.k = k
        self.split_composites = split_composites
        self._cache: dict[tuple[str, str, str | None], tuple[Candidate, ...]] = {}

    @property
    def version(self) -> str:
        """Terminology digest, reranker weights digest and settings: changes whenever the output may change."""
        weights = _json.dumps([self.reranker.coef, self.reranker.intercept], sort_keys=True).encode()
        return "|".join(
            (
                "candidates",
                self.index.version[:16],
                hashlib.sha256(weights).hexdigest()[:16],
                f"t={self.threshold}",
                f"k={self.k}",
                f"split={self.split_composites}",
            )
        )

    def rank(self, text: str, label: str, long_form: str | None = None) -> tuple[Candidate, ...]:
        """Candidates for one mention text, best first (scores are calibrated probabilities)."""
        key = (text, label, long_form)
        if key in self._cache:
            return self._cache[key]
        feats: dict[int, list[float]] = {}
        matched: dict[int, str] = {}
        fam = LABEL_FAMILY[label]
        if long_form is None and fam == "Drug":  # a formula reads as an abbreviation of its name
            long_form = formula_name(text)
        abbrev = is_abbreviation(text)
        generated = [
            (query, via, self.index.generate(query, fam))
            for query, via in ((normalize(text), False), (normalize(long_form or ""), True))
            if query and not (via and query == normalize(text))
        ]
        # A candidate of the short form alone, where the document defines a long form that does not
        # lead to it (``PG`` -> Penicillin G where ``PG`` was defined as ``prostaglandin``).
        long_form_cands = {ci for _, via, cands in generated if via for ci in cands}
        has_long_form = any(via for _, via, _ in generated)
        for query, via, cands in generated:
            for ci, f in candidate_features(self.index, query, label, cands, via, abbrev and not via).items():
                f.append(float(has_long_form and ci not in long_form_cands))
                if ci not in feats or self.reranker.score([f])[0] > self.reranker.score([feats[ci]])[0]:
                    feats[ci], matched[ci] = f, cands[ci][1]
        order = list(feats)
        scores = self.reranker.score([feats[ci] for ci in order])
        ranked = sorted(zip(order, scores, strict=True), key=lambda t: (-t[1], self.index.concepts[t[0]].key))
        out = tuple(
            Candidate(self.index.concepts[ci], float(s), tuple(feats[ci]), matched[ci]) for ci, s in ranked[: self.k]
        )
        self._cache[key] = out
        return out

    def link_text(self, text: str, label: str, long_form: str | None = None) -> LinkResult:
        """Link one mention text; a composite mention is one concept or split into its parts.

        First the training corpora's reading: a text (its long form where it has one) annotated
        more often as a composite than as one concept (BC5CDR's ``hemorrhagic cystitis`` ->
        Hemorrhage + Cystitis; ``breast or ovarian cancer``) gets those part concepts, each with the
        smoothed share of its composite annotations, ``composite / (single + composite + 1)``, as
        score. Else a coordinated mention is tried as one concept: it is kept when a concept name
        matches it exactly (in any coordination order or spelling, :func:`coordination_key`),
        scores above the threshold and the corpora annotated the text (else its coordination key)
        more often as one concept than as a composite. Otherwise it is split when every part links
        above the threshold and either the corpora favour the composite reading or every part
        scores above the whole.
        """
        fam = LABEL_FAMILY[label]
        reading = self._corpus_composite(long_form or text, fam)
        if reading is not None:
            return reading
        whole = self.rank(text, label, long_form)
        parts = split_composite(text) if not long_form else [text]
        if len(parts) > 1:
            single, composite = self.index.annotation_counts(normalize(text), fam)
            if single > composite and whole and whole[0].score >= self.threshold and whole[0].features[1] > 0:
                return LinkResult(((text, whole),))
            ranked = [self.rank(p, label) for p in parts]
            best_whole = whole[0].score if whole else 0.0
            if all(r and r[0].score >= self.threshold for r in ranked) and (
                composite > single or min(r[0].score for r in ranked) > best_whole
            ):
                keys = {r[0].concept.key for r in ranked}
                if len(keys) > 1:
                    return LinkResult(tuple(zip(parts, ranked, strict=True)))
        return LinkResult(((text, whole),))

    def _corpus_composite(self, text: str, family: str) -> LinkResult | None:
        """The training corpora's composite reading of a text; None when they favour one concept or never saw it."""
        query = normalize(text)
        single, composite = self.index.annotation_counts(query, family)
        if composite <= single:
            return None
        concepts = self.index.composite_reading(query, family)
        if not concepts:
            ckey = coordination_key(query)
            concepts = self.index.composite_reading(ckey, family) if ckey else []
        if len(concepts) < 2:
            return None
        score = composite / (single + composite + 1)
        return LinkResult(
            tuple(
                (self.index.concepts[ci].name, (Candidate(self.index.concepts[ci], score, (), text),))
                for ci in concepts
            )
        )

    def __call__(self, mentions: list[Mention]) -> list[Mention]:
        out: list[Mention] = []
        for m in mentions:
            result = self.link_text(m.text, m.label, m.long_form)
            parts = result.parts if self.split_composites else result.parts[:1]
            for part_text, cands in parts:
                top = cands[0] if cands else None
                if top is None or top.score < self.threshold:
                    out.append(
                        m.model_copy(
                            update={
                                "curie": None,
                                "concept_name": None,
                                "link_score": round(top.score, 4) if top else None,
                                "xrefs": (),
                                "long_form": m.long_form if len(parts) == 1 else part_text,
                            }
                        )
                    )
                    continue
                c = top.concept
                canonical = c.canonical or c.key
                label = c.label if m.label in ("Disease", "Symptom") else m.label
                out.append(
                    m.model_copy(
                        update={
                            "label": label,
                            "curie": canonical,
                            "concept_name": c.name,
                            "link_score": round(top.score, 4),
                            "xrefs": tuple(sorted(c.ids - {canonical})),
                            "long_form": m.long_form if len(parts) == 1 else part_text,
                        }
                    )
                )
        return out


@lru_cache(maxsize=2)
def packaged_candidate_index(path: str | None = None) -> CandidateIndex:
    """The candidate index over the packaged terminology, built once per process.

    Its TF-IDF indexes are cached in :func:`default_cache_dir`, so later processes load them.
    """
    p = Path(path) if path is not None else DEFAULT_TERMINOLOGY_PATH
    return CandidateIndex(load_terminology(p), cache_dir=default_cache_dir(), version=file_sha256(p))


@LINKER_REGISTRY.register("candidates")
def _candidate_linker(**params: object) -> CandidateLinker:
    opts = dict(params)
    if "terminology" in opts:
        opts["index"] = packaged_candidate_index(str(opts.pop("terminology")))
    if "reranker" in opts and not isinstance(opts["reranker"], Reranker):
        opts["reranker"] = Reranker.load(str(opts["reranker"]))
    return CandidateLinker(**opts)  # type: ignore[arg-type]
