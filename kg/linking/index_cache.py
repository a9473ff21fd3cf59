"""A built :class:`~kg.linking.candidates.CandidateIndex` saved as plain arrays, so a warm start skips its build.

Building the candidate index over the packaged terminology parses 219k JSON concepts and computes
the normalized, compact and coordination keys of about 535k names: 10-20 s on the 2-core machine.
This module writes what that build produces (the lookup maps, the sorted names per family, the
popularity counts and the TF-IDF cache keys) into one uncompressed ``.npz`` of numeric arrays and
UTF-8 blobs (no pickle: ``np.load(allow_pickle=False)``), and reads it back in about a second.
The concepts themselves are not rebuilt: :class:`LazyConcepts` keeps the terminology's raw lines
and parses a concept when the linker first touches it.

The file's key (:func:`index_cache_key`) covers the terminology file's sha256, this layout's
version, the sklearn version (the TF-IDF keys depend on it) and the source of every module whose
code shapes the maps (normalization, coordination keys, the index build), so an edited rule or a
new terminology never reads a stale index.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from kg.logs import get_logger
from kg.vocab.terminology import TermConcept, TerminologyError

logger = get_logger(__name__)

#: Layout version of the cached index; bump when :func:`pack_state` changes what it stores.
INDEX_CACHE_VERSION = 1
#: Families in the order of their one-byte codes in the file.
_FAMILIES = ("Disease", "Drug")
#: Modules (relative to the ``kg`` package) whose code decides the cached maps.
_CODE_FILES = ("ids.py", "linking/names.py", "linking/candidates.py", "linking/index_cache.py", "vocab/terminology.py")
_SEP = "\n"  # normalized keys never hold one: kg.ids.normalize squeezes whitespace to single spaces

#: A map key: (family, normalized text or derived key).
Key = tuple[str, str]


def index_cache_key(terminology_sha256: str) -> str:
    """Hex digest naming the cached index of a terminology file under the current code."""
    import sklearn

    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(json.dumps([INDEX_CACHE_VERSION, sklearn.__version__, terminology_sha256]).encode())
    for rel in _CODE_FILES:
        h.update(rel.encode())
        h.update((root / rel).read_bytes())
    return h.hexdigest()


class LazyConcepts(Sequence[TermConcept]):
    """The concepts of a terminology file, each parsed from its raw line on first access.

    Indexes are the file's line order, as :func:`kg.vocab.terminology.load_terminology` gives them.
    """

    def __init__(self, path: str | Path) -> None:
        p = Path(path)
        raw = gzip.decompress(p.read_bytes()) if p.name.endswith(".gz") else p.read_bytes()
        self._lines = raw.splitlines()
        if self._lines and not self._lines[-1].strip():
            self._lines.pop()
        self._path = p
        self._parsed: dict[int, TermConcept] = {}

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, i: int) -> TermConcept: ...
    @overload
    def __getitem__(self, i: slice) -> list[TermConcept]: ...
    def __getitem__(self, i: int | slice) -> TermConcept | list[TermConcept]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self._lines)
        concept = self._parsed.get(i)
        if concept is None:
            try:
                concept = TermConcept.from_json(json.loads(self._lines[i]))
            except (KeyError, ValueError) as exc:
                raise TerminologyError(f"{self._path.name}:{i + 1}: not a terminology concept ({exc})") from exc
            self._parsed[i] = concept
        return concept

    def __iter__(self) -> Iterator[TermConcept]:
        return (self[i] for i in range(len(self)))


def _keys(keys: list[Key]) -> dict[str, np.ndarray]:
    """Family codes and a UTF-8 blob of the texts of a list of map keys."""
    texts = [k for _, k in keys]
    if any(_SEP in k for k in texts):
        raise ValueError("a map key holds a newline")
    return {
        "fam": np.fromiter((_FAMILIES.index(f) for f, _ in keys), dtype=np.uint8, count=len(keys)),
        "text": np.frombuffer(_SEP.join(texts).encode(), dtype=np.uint8),
    }


def _read_keys(z: Any, name: str) -> list[Key]:
    texts = z[f"{name}.text"].tobytes().decode().split(_SEP)
    fams = z[f"{name}.fam"].tolist()
    if len(fams) != len(texts):
        if not fams and texts == [""]:
            return []
        raise ValueError(f"{name}: {len(fams)} families for {len(texts)} texts")
    return [(_FAMILIES[f], t) for f, t in zip(fams, texts, strict=True)]


def _ragged(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum([len(v) for v in lists], out=offsets[1:])
    flat = np.fromiter((x for v in lists for x in v), dtype=np.int32, count=int(offsets[-1]))
    return flat, offsets


def _read_ragged(flat: np.ndarray, offsets: np.ndarray) -> list[list[int]]:
    values, off = flat.tolist(), offsets.tolist()
    return [values[a:b] for a, b in zip(off[:-1], off[1:], strict=True)]


class RaggedRows(Sequence[tuple[int, ...]]):
    """Rows of integers stored flat with offsets; a row is sliced out when read (no per-row objects at load)."""

    def __init__(self, flat: np.ndarray, offsets: np.ndarray) -> None:
        self._flat, self._off = flat.tolist(), offsets.tolist()

    def __len__(self) -> int:
        return len(self._off) - 1

    @overload
    def __getitem__(self, i: int) -> tuple[int, ...]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[int, ...]]: ...
    def __getitem__(self, i: int | slice) -> tuple[int, ...] | list[tuple[int, ...]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return tuple(self._flat[self._off[i] : self._off[i + 1]])


class RaggedMap(Mapping[Key, tuple[int, ...]]):
    """A read-only map from keys to rows of :class:`RaggedRows` (the cached ``exact`` lookup)."""

    def __init__(self, keys: list[Key], rows: RaggedRows) -> None:
        if len(keys) != len(rows):
            raise ValueError(f"{len(keys)} keys for {len(rows)} rows")
        self._row = dict(zip(keys, range(len(keys)), strict=True))
        self._rows = rows

    def __getitem__(self, key: Key) -> tuple[int, ...]:
        return self._rows[self._row[key]]

    def __contains__(self, key: object) -> bool:
        return key in self._row

    def __iter__(self) -> Iterator[Key]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


def _counters(name: str, table: dict[Key, Counter[int]]) -> dict[str, np.ndarray]:
    keys = list(table)
    ids, counts = _ragged([list(table[k]) for k in keys]), _ragged([list(table[k].values()) for k in keys])
    return {
        **{f"{name}.{k}": v for k, v in _keys(keys).items()},
        f"{name}.ids": ids[0],
        f"{name}.counts": counts[0],
        f"{name}.offsets": ids[1],
    }


def _read_counters(z: Any, name: str) -> dict[Key, Counter[int]]:
    keys = _read_keys(z, name)
    ids = _read_ragged(z[f"{name}.ids"], z[f"{name}.offsets"])
    counts = _read_ragged(z[f"{name}.counts"], z[f"{name}.offsets"])
    return {k: Counter(dict(zip(i, c, strict=True))) for k, i, c in zip(keys, ids, counts, strict=True)}


def pack_state(state: dict[str, Any]) -> dict[str, np.ndarray]:
    """The arrays of an index state (the attributes :meth:`CandidateIndex.state` returns)."""
    exact_keys = list(state["exact"])
    exact_flat, exact_off = _ragged([sorted(state["exact"][k]) for k in exact_keys])
    composite_keys = list(state["composite_counts"])
    arrays: dict[str, np.ndarray] = {
        **{f"exact.{k}": v for k, v in _keys(exact_keys).items()},
        "exact.ids": exact_flat,
        "exact.offsets": exact_off,
        **_counters("pair_counts", state["pair_counts"]),
        **_counters("composite_parts", state["composite_parts"]),
        **{f"composite_counts.{k}": v for k, v in _keys(composite_keys).items()},
        "composite_counts.counts": np.asarray([state["composite_counts"][k] for k in composite_keys], dtype=np.int64),
        "popularity": np.asarray(state["popularity"], dtype=np.int64),
        "tfidf_keys": np.frombuffer(json.dumps(state["tfidf_keys"]).encode(), dtype=np.uint8),
    }
    for fam in _FAMILIES:
        names = state["names"][fam]
        arrays[f"names.{fam}"] = np.frombuffer(_SEP.join(names).encode(), dtype=np.uint8)
        flat, off = _ragged([sorted(s) for s in state["name_concepts"][fam]])
        arrays[f"name_concepts.{fam}.ids"], arrays[f"name_concepts.{fam}.offsets"] = flat, off
    return arrays


def unpack_state(z: Any) -> dict[str, Any]:
    """Inverse of :func:`pack_state` (``z``: an open ``np.load`` of the file)."""
    composite_keys = _read_keys(z, "composite_counts")
    names: dict[str, list[str]] = {}
    name_concepts: dict[str, RaggedRows] = {}
    for fam in _FAMILIES:
        blob = z[f"names.{fam}"].tobytes().decode()
        names[fam] = blob.split(_SEP) if blob else []
        ids = name_concepts[fam] = RaggedRows(z[f"name_concepts.{fam}.ids"], z[f"name_concepts.{fam}.offsets"])
        if len(ids) != len(names[fam]):
            raise ValueError(f"names.{fam}: {len(names[fam])} names for {len(ids)} concept sets")
    return {
        "exact": RaggedMap(_read_keys(z, "exact"), RaggedRows(z["exact.ids"], z["exact.offsets"])),
        "pair_counts": _read_counters(z, "pair_counts"),
        "composite_parts": _read_counters(z, "composite_parts"),
        "composite_counts": Counter(dict(zip(composite_keys, z["composite_counts.counts"].tolist(), strict=True))),
        "popularity": z["popularity"].tolist(),
        "names": names,
        "name_concepts": name_concepts,
        "tfidf_keys": json.loads(z["tfidf_keys"].tobytes().decode()),
    }


def cache_path(cache_dir: Path, terminology_sha256: str) -> Path:
    """The cached index file of a terminology under the current code."""
    key = index_cache_key(terminology_sha256)
    return Path(cache_dir) / f"linker-index-{terminology_sha256[:12]}-{key[:24]}.npz"


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write an index state as one uncompressed ``.npz`` (atomic rename).

    Files of the same terminology written by other code (``linker-index-<terminology>-*``) are
    removed, so the cache holds one index per terminology.
    """
    arrays = pack_state(state)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]
    os.replace(tmp, path)
    prefix = "-".join(path.name.split("-")[:3])
    for old in path.parent.glob(f"{prefix}-*.npz"):
        if old != path:
            old.unlink(missing_ok=True)


def load_state(path: Path, n_concepts: int) -> dict[str, Any]:
    """Read :func:`save_state`'s file; checks it fits a terminology of ``n_concepts`` concepts.

    Raises:
        ValueError: The file is malformed or does not fit.
        OSError: It cannot be read.
    """
    with np.load(path, allow_pickle=False) as z:
        state = unpack_state(z)
    if len(state["popularity"]) != n_concepts:
        raise ValueError(f"{path}: {len(state['popularity'])} concepts, the terminology has {n_concepts}")
    return state
