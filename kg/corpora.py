"""Readers for annotated corpora in their original public formats (PubTator, annotated JSONL).

They turn gold annotations into documents plus gold entities in medkg's labels, for evaluation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.types import Document

#: Corpus entity types -> medkg labels (types not listed are not medkg entities and are skipped).
PUBTATOR_LABELS = {
    "Chemical": "Drug",
    "ChemicalEntity": "Drug",
    "Disease": "Disease",
    "DiseaseOrPhenotypicFeature": "Disease",
    "SpecificDisease": "Disease",
    "DiseaseClass": "Disease",
    "Modifier": "Disease",
    "CompositeMention": "Disease",
}


class CorpusError(ValueError):
    """A corpus file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class GoldEntity:
    """A gold entity: offsets into the document text (end exclusive), medkg label, ids, assertion."""

    start: int
    end: int
    text: str
    label: str
    ids: tuple[str, ...] = ()
    assertion: str | None = None


@dataclass
class GoldDocument:
    """A document with its gold entities and relations (head/tail index into entities, or id pairs)."""

    document: Document
    entities: list[GoldEntity] = field(default_factory=list)
    relations: list[tuple[str, str, str]] = field(default_factory=list)


def read_pubtator(path: str | Path) -> Iterator[GoldDocument]:
    """PubTator: ``PMID|t|title``, ``PMID|a|abstract``, tab-separated mentions, relation lines."""
    path = Path(path)
    title: dict[str, str] = {}
    current: GoldDocument | None = None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, start=1):
            line = raw.rstrip("\n")
            if not line.strip():
                if current is not None:
                    yield current
                    current = None
                continue
            if "|t|" in line[:20] and line.split("|", 2)[1] == "t":
                pmid, _, text = line.split("|", 2)
                title = {pmid: text}
                continue
            if "|a|" in line[:20] and line.split("|", 2)[1] == "a":
                pmid, _, text = line.split("|", 2)
                if pmid not in title:
                    raise CorpusError(f"{path}:{lineno}: abstract of {pmid} without its title")
                current = GoldDocument(Document(id=pmid, text=f"{title[pmid]} {text}", source=f"{path}:{lineno}"))
                continue
            cols = line.split("\t")
            if current is None:
                raise CorpusError(f"{path}:{lineno}: annotation outside a document")
            if len(cols) >= 6 and cols[1].isdigit():
                label = PUBTATOR_LABELS.get(cols[4])
                start, end = int(cols[1]), int(cols[2])
                found = current.document.text[start:end]
                if found != cols[3]:
                    # A few released mentions differ from the text only in surrounding whitespace
                    # (NCBI-disease train, PMID 10923035); trim the span to the shared text.
                    if found.strip() != cols[3].strip() or not found.strip():
                        raise CorpusError(f"{path}:{lineno}: offsets {start}-{end} do not match {cols[3]!r}")
                    start += len(found) - len(found.lstrip())
                    end = start + len(found.strip())
                    cols[3] = found.strip()
                if label:
                    ids = tuple(i.strip() for i in cols[5].replace("+", "|").replace(",", "|").split("|") if i.strip())
                    current.entities.append(GoldEntity(start, end, cols[3], label, ids))
            elif len(cols) >= 4:
                current.relations.append((cols[1], cols[2], cols[3]))
            else:
                raise CorpusError(f"{path}:{lineno}: expected a mention or relation line, got {len(cols)} columns")
    if current is not None:
        yield current


def read_annotated_jsonl(path: str | Path) -> Iterator[GoldDocument]:
    """Annotated JSONL: ``{"id", "text", "entities": [{start, end, text, label, assertion}], "relations"}``."""
    path = Path(path)
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                doc = Document(id=str(obj["id"]), text=obj["text"], source=f"{path}:{lineno}")
                ents = [
                    GoldEntity(e["start"], e["end"], e["text"], e["label"], (), e.get("assertion"))
                    for e in obj.get("entities", [])
                ]
            except (KeyError, TypeError, json.JSONDecodeError) as exc:
                raise CorpusError(f"{path}:{lineno}: not an annotated document ({exc})") from exc
            for e in ents:
                if doc.text[e.start : e.end] != e.text:
                    raise CorpusError(f"{path}:{lineno}: offsets {e.start}-{e.end} do not match {e.text!r}")
            rels = [(r["type"], str(r["head"]), str(r["tail"])) for r in obj.get("relations", [])]
            yield GoldDocument(doc, ents, rels)


READERS = {"pubtator": read_pubtator, "jsonl": read_annotated_jsonl}


def read_corpus(path: str | Path, fmt: str) -> list[GoldDocument]:
    """Read a corpus in ``fmt`` (pubtator | jsonl)."""
    try:
        reader = READERS[fmt]
    except KeyError:
        raise CorpusError(f"unknown corpus format {fmt!r}; known: {', '.join(READERS)}") from None
    return list(reader(path))
