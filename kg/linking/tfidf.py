"""The candidate generator's TF-IDF: character 3-grams over one family's names, cached on disk."""

from __future__ import annotations

import hashlib
import json as _json
import os
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from kg.logs import get_logger

logger = get_logger(__name__)


class TfidfOptions(BaseModel):
    """Settings of the candidate generator's TF-IDF (scikit-learn ``TfidfVectorizer`` arguments); part of the cache key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    analyzer: str = "char_wb"
    """Character n-grams taken within word boundaries."""
    ngram_range: tuple[int, int] = (3, 3)
    """Smallest and largest n-gram length."""
    sublinear_tf: bool = True
    """``1 + log(tf)`` instead of raw counts."""
    max_df: float = Field(default=0.2, gt=0.0, le=1.0)
    """Drop n-grams found in more than this share of the names (a family with fewer than
    ``1 / max_df`` names keeps every n-gram)."""


#: The TF-IDF settings of the candidate generator.
TFIDF = TfidfOptions()
#: Layout version of the cached TF-IDF files; bump when :class:`FamilyIndex` changes what it stores.
TFIDF_CACHE_VERSION = 1


def tfidf_cache_key(names: list[str]) -> str:
    """Hex SHA-256 over the TF-IDF settings, the cache layout, the sklearn version and the names (in order)."""
    import sklearn

    h = hashlib.sha256()
    h.update(_json.dumps([TFIDF_CACHE_VERSION, sklearn.__version__, repr(sorted(TFIDF.model_dump().items()))]).encode())
    for n in names:
        h.update(n.encode())
        h.update(b"\n")
    return h.hexdigest()


class FamilyIndex:
    """TF-IDF (character 3-grams within word boundaries) over the normalized names of one family.

    ``matrix_t`` is (n_features x n_names) float32 CSR, the transpose of the name matrix whose
    rows are L2-normalized, so a query row times ``matrix_t`` gives cosines.
    """

    def __init__(self, names: list[str], vectorizer: Any, matrix_t: Any) -> None:
        self.names = names
        self.vectorizer = vectorizer
        self.matrix_t = matrix_t

    @classmethod
    def fit(cls, names: list[str]) -> FamilyIndex:
        """Fit the vectorizer and the name matrix."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        options = TFIDF
        if len(names) * options.max_df < 1:  # fewer than 1 / max_df names: keep every n-gram
            options = options.model_copy(update={"max_df": 1.0})
        vectorizer = TfidfVectorizer(**options.model_dump(), dtype=np.float32)
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
    def load(cls, names: list[str], path: Path) -> FamilyIndex:
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
            **TFIDF.model_dump(), dtype=np.float32, vocabulary={str(t): i for i, t in enumerate(terms)}
        )
        vectorizer.idf_ = idf
        return cls(names, vectorizer, matrix_t)

    @classmethod
    def cached(cls, names: list[str], family: str, cache_dir: Path | None, key: str | None = None) -> FamilyIndex:
        """Load the index from ``cache_dir`` when a file for exactly these names exists, else fit and save it.

        ``key``: :func:`tfidf_cache_key` of ``names`` where the caller already knows it (a cached
        candidate index stores it), else it is computed.
        """
        if cache_dir is None:
            return cls.fit(names)
        key = key or tfidf_cache_key(names)
        path = Path(cache_dir) / f"linker-tfidf-{family.lower()}-{key[:24]}.npz"
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
