"""Readers for annotated corpora in their original public formats (PubTator, DDI 2013 XML, annotated JSONL).

They turn gold annotations into documents plus gold entities in medkg's labels, for evaluation
and training. Relations keep the corpus's own type names (``CID``, BioRED's ``Positive_Correlation``,
DDI's ``mechanism``...); :mod:`kg.relations.labels` maps them to medkg relationship types.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.logs import get_logger
from kg.types import Document

log = get_logger(__name__)

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
    #: The corpus's own mention id (DDI 2013 ``...s0.e1``), or "".
    id: str = ""
    #: The corpus's own entity type (``Chemical``, ``drug_n``...), or "".
    corpus_type: str = ""


@dataclass
class GoldDocument:
    """A document with its gold entities and relations.

    ``relations`` are ``(type, head, tail)``: concept ids for PubTator (document level), mention
    ids for DDI 2013, entity indices (as strings) for annotated JSONL. ``sentences`` are gold
    sentence spans ``(start, end)`` when the corpus has them (DDI 2013); ``title_end`` is the
    end offset of the title (PubTator). ``candidate_pairs`` lists every annotated pair of mention
    ids, positive or not (DDI 2013), with ``quarantined`` records of pairs left out and why.
    """

    document: Document
    entities: list[GoldEntity] = field(default_factory=list)
    relations: list[tuple[str, str, str]] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)
    title_end: int | None = None
    candidate_pairs: list[tuple[str, str]] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)


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
                current = GoldDocument(
                    Document(id=pmid, text=f"{title[pmid]} {text}", source=f"{path}:{lineno}"),
                    title_end=len(title[pmid]),
                )
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
                    current.entities.append(GoldEntity(start, end, cols[3], label, ids, corpus_type=cols[4]))
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


def _ddi_span(offset: str, where: str) -> tuple[int, int]:
    """A DDI ``charOffset`` (``a-b`` or ``a-b;c-d``, end inclusive) as one half-open span first..last."""
    try:
        parts = [tuple(int(x) for x in p.split("-")) for p in offset.split(";")]
        return min(p[0] for p in parts), max(p[1] for p in parts) + 1
    except (ValueError, IndexError) as exc:
        raise CorpusError(f"{where}: bad charOffset {offset!r}") from exc


def read_ddi_file(path: str | Path) -> GoldDocument:
    """One DDI 2013 XML document: sentences joined by a newline, entities as Drug, pairs kept.

    Every ``<pair>`` becomes a candidate pair; a ``ddi="true"`` pair becomes a relation of its
    ``type`` (mechanism | effect | advise | int). A true pair without a type is quarantined
    (reason recorded in ``quarantined``; it is then neither a candidate nor a relation).
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise CorpusError(f"{path}: not well-formed XML ({exc})") from exc
    if root.tag != "document" or not root.get("id"):
        raise CorpusError(f"{path}: expected a <document id=...> root, got <{root.tag}>")
    texts: list[str] = []
    sentences: list[tuple[int, int]] = []
    entities: list[GoldEntity] = []
    relations: list[tuple[str, str, str]] = []
    pairs: list[tuple[str, str]] = []
    quarantined: list[str] = []
    offset = 0
    for sent in root.iter("sentence"):
        text = sent.get("text")
        sid = sent.get("id", "?")
        if text is None:
            raise CorpusError(f"{path}: sentence {sid} has no text attribute")
        for ent in sent.iter("entity"):
            where = f"{path}: entity {ent.get('id')}"
            start, end = _ddi_span(ent.get("charOffset", ""), where)
            if not 0 <= start < end <= len(text):
                raise CorpusError(f"{where}: offsets {start}-{end} outside its sentence")
            entities.append(
                GoldEntity(
                    offset + start,
                    offset + end,
                    text[start:end],
                    "Drug",
                    (),
                    id=ent.get("id", ""),
                    corpus_type=ent.get("type", ""),
                )
            )
        for pair in sent.iter("pair"):
            e1, e2 = pair.get("e1", ""), pair.get("e2", "")
            if pair.get("ddi") == "true":
                rel = pair.get("type")
                if not rel:
                    quarantined.append(f"{path}: pair {pair.get('id')} is ddi=true without a type")
                    continue
                relations.append((rel, e1, e2))
            pairs.append((e1, e2))
        sentences.append((offset, offset + len(text)))
        texts.append(text)
        offset += len(text) + 1
    full = "\n".join(texts)
    if not full.strip():
        full = " "
    doc = GoldDocument(
        Document(id=root.get("id", path.stem), text=full, source=str(path)),
        entities,
        relations,
        sentences=sentences,
        candidate_pairs=pairs,
        quarantined=quarantined,
    )
    known = {e.id for e in entities}
    for e1, e2 in pairs:
        if e1 not in known or e2 not in known:
            raise CorpusError(f"{path}: pair ({e1}, {e2}) names an entity that is not in the document")
    return doc


def read_ddi(path: str | Path) -> Iterator[GoldDocument]:
    """DDI 2013: one XML file, or a folder searched recursively for ``*.xml`` (sorted)."""
    path = Path(path)
    files = sorted(path.rglob("*.xml")) if path.is_dir() else [path]
    if not files:
        raise CorpusError(f"{path}: no DDI 2013 XML files found")
    for f in files:
        doc = read_ddi_file(f)
        for reason in doc.quarantined:
            log.warning("quarantined: %s", reason)
        yield doc


READERS = {"pubtator": read_pubtator, "jsonl": read_annotated_jsonl, "ddi": read_ddi}


def read_corpus(path: str | Path, fmt: str) -> list[GoldDocument]:
    """Read a corpus in ``fmt`` (pubtator | ddi | jsonl)."""
    try:
        reader = READERS[fmt]
    except KeyError:
        raise CorpusError(f"unknown corpus format {fmt!r}; known: {', '.join(READERS)}") from None
    return list(reader(path))
