"""Build kg/privacy/data/extra_given.txt.gz and extra_surnames.txt.gz: Latin-script names of Faker's person
providers that philter-lite's lists lack (#18, round nine).

    pip download faker==40.54.0 --no-deps -d /tmp/faker && unzip -q /tmp/faker/*.whl -d /tmp/faker
    .venv/bin/python tools/build_name_supplement.py /tmp/faker

Faker (MIT, kg/privacy/data/NOTICE.md) ships given names and surnames for about 80 locales, among them West and
East African (``yo_NG``, ``ig_NG``, ``ha_NG``, ``tw_GH``, ``en_KE``, ``sw``, ``zu_ZA``), South Asian, Dutch, Nordic,
Baltic, Slavic, Turkish, Vietnamese and romanised Japanese names that philter-lite's US-centred lists miss. Only
words in Latin script are read (Cyrillic, Arabic, Han... cannot be matched by the folded look-ups anyway); a
multi-word entry (``van der Laar``, ``Mac Dubhghaill``) gives its words, particles left out. A word is kept when it
has three letters or more and is none of: a word of the common-word or clinical lists, a place of the gazetteer,
a country or US state, a lower-case word of real English text (BC5CDR abstracts and MTSamples notes under
../shared/data, read here and not shipped: ``hope``, ``will``, ``summer`` go), or already in philter-lite's lists.
Folded as the other lists (``kg.privacy._lists.fold``), sorted, gzip.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import unicodedata
from pathlib import Path

from kg.privacy._lists import clinical_words, common_words, first_names, fold, places, surnames
from kg.privacy._name_rules import NOT_NAMES, PARTICLES
from kg.privacy._places import COUNTRIES, STATE_NAMES
from tools.build_place_list import _write, english_vocabulary


def _latin(word: str) -> bool:
    return all(not c.isalpha() or unicodedata.name(c, "").startswith("LATIN") for c in word)


def faker_names(root: Path) -> tuple[set[str], set[str]]:
    """(given names, surnames) of every person provider of the unpacked Faker wheel at ``root``, folded words."""
    sys.path.insert(0, str(root))
    person = importlib.import_module("faker.providers.person")
    given: set[str] = set()
    family: set[str] = set()
    for info in pkgutil.iter_modules(person.__path__):
        provider = getattr(importlib.import_module(f"faker.providers.person.{info.name}"), "Provider", None)
        for attr in dir(provider) if provider else ():
            value = getattr(provider, attr)
            if not attr.startswith(("first_names", "last_names", "first_romanized", "last_romanized")):
                continue
            if not isinstance(value, (tuple, list, dict)):
                continue
            into = given if attr.startswith("first") else family
            for entry in value:
                if isinstance(entry, str) and _latin(entry):
                    words = [w for w in entry.replace("-", " ").split() if w.lower() not in PARTICLES]
                    # a letter the fold drops (``ð``, ``þ``, ``ø``) would leave a garbled word: skip those
                    into.update(fold(w) for w in words if len(fold(w)) == sum(c.isalpha() for c in w))
    return given, family


def main(root: Path) -> int:
    vocab = english_vocabulary()
    states = {fold(s) for s in STATE_NAMES.split("|")}
    out = common_words() | clinical_words() | places() | {fold(c) for c in COUNTRIES} | states | NOT_NAMES | set(vocab)
    given, family = faker_names(root)
    keep = lambda words, known: {w for w in words if w.isalpha() and len(w) > 2 and w not in out and w not in known}  # noqa: E731
    _write("extra_given.txt.gz", keep(given, first_names()))
    _write("extra_surnames.txt.gz", keep(family, surnames()))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
