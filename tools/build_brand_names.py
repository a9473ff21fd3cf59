"""Build kg/resources/brand_names.txt: drug brand names for the clinical-notes layer (issue 19, round four).

    .venv/bin/python tools/build_brand_names.py ../shared/data/ddi2013/Train

From the DDI corpus 2013 training documents (DrugBank and MedLine, ../shared/data/ddi2013; CC BY-NC 4.0,
Herrero-Zazo et al. 2013): the text of every entity of type ``brand`` (not ``drug``, ``group`` or ``drug_n``),
lower-cased, continuous spans only; kept when it has five characters or more, only letters, digits, spaces and
hyphens, and is no English stop word or NER stop-list term. The test documents are not read. The notes layer
matches these names case-insensitively, as whole words, in note documents only (kg/ner/notes_phrases.py).
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS

from kg.ner.dictionary import load_stoplist

OUT = Path(__file__).resolve().parents[1] / "kg" / "resources" / "brand_names.txt"


def brand_names(train: Path) -> list[str]:
    """The filtered, sorted brand names of the DDI training XML files under ``train``."""
    stop = load_stoplist() | set(STOP_WORDS)
    names = set()
    for path in sorted(train.glob("*/*.xml")):
        for entity in ET.parse(path).iter("entity"):
            if entity.get("type") != "brand" or ";" in (entity.get("charOffset") or ""):
                continue
            name = (entity.get("text") or "").strip().lower()
            if len(name) >= 5 and re.fullmatch(r"[a-z0-9][a-z0-9 -]*", name) and name not in stop:
                names.add(name)
    return sorted(names)


def main() -> None:
    train = Path(sys.argv[1])
    names = brand_names(train)
    header = (__doc__ or "").splitlines()[0]
    OUT.write_text(f"# {header}\n# Built by tools/build_brand_names.py from {train.name}.\n" + "\n".join(names) + "\n")
    print(f"{len(names)} brand names -> {OUT}")


if __name__ == "__main__":
    main()
