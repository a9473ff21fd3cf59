"""Readers for annotated corpora in their original public formats (PubTator, DDI 2013 XML, annotated JSONL)
and standoff annotations over a notes CSV (the MTSamples dev/test set).

They turn gold annotations into documents plus gold entities in medkg's labels, for evaluation
and training. Relations keep the corpus's own type names (``CID``, BioRED's ``Positive_Correlation``,
DDI's ``mechanism``...); :mod:`kg.relations.labels` maps them to medkg relationship types.
"""

from __future__ import annotations

import csv
import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.logs import get_logger
from kg.types import ASSERTIONS, KIND_KEY, Document

log = get_logger(__name__)

#: Corpus entity types -> medkg labels (types not listed are not medkg entities and are skipped).
#: The kinds the readers mark their documents with (:data:`kg.types.KIND_KEY`): PubTator and DDI 2013 hold
#: abstracts and DrugBank texts; the annotated JSONL and standoff formats hold clinical notes.
ABSTRACT = {KIND_KEY: "abstract"}
NOTE = {KIND_KEY: "note"}

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
                    Document(id=pmid, text=f"{title[pmid]} {text}", source=f"{path}:{lineno}", metadata=ABSTRACT),
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
                doc = Document(id=str(obj["id"]), text=obj["text"], source=f"{path}:{lineno}", metadata=NOTE)
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


#: Entity labels and relation types of the standoff clinical-note annotations (docs/annotation.md).
STANDOFF_LABELS = frozenset({"Drug", "Disease", "Symptom"})
STANDOFF_RELATIONS = frozenset({"TREATS", "CAUSES", "HAS_SYMPTOM"})


def read_notes_csv(path: str | Path) -> dict[str, str]:
    """A notes CSV with ``note_id`` and ``transcription`` columns, as ``{note_id: text}``."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the notes file ({exc})") from exc
    if not rows or not {"note_id", "transcription"} <= set(rows[0]):
        raise CorpusError(f"{path}: expected a CSV with note_id and transcription columns")
    return {r["note_id"]: r["transcription"] for r in rows}


def _standoff_document(obj: dict[str, Any], notes: dict[str, str], where: str) -> GoldDocument:
    """One standoff record as a document: the snippet checked against its hash, entities against their text."""
    note = notes.get(obj["note_id"])
    if note is None:
        raise CorpusError(f"{where}: note {obj['note_id']!r} is not in the notes file")
    start, end = int(obj["start"]), int(obj["end"])
    if not 0 <= start < end <= len(note):
        raise CorpusError(f"{where}: snippet {start}-{end} outside note {obj['note_id']} ({len(note)} characters)")
    text = note[start:end]
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != obj["sha256"]:
        raise CorpusError(
            f"{where}: the text of {obj['note_id']} {start}-{end} does not match its sha256 (changed notes?)"
        )
    ents = []
    for e in obj["entities"]:
        if e["label"] not in STANDOFF_LABELS or e["assertion"] not in ASSERTIONS:
            raise CorpusError(f"{where}: entity {e['text']!r} has label {e['label']!r} / assertion {e['assertion']!r}")
        if text[e["start"] : e["end"]] != e["text"]:
            raise CorpusError(f"{where}: offsets {e['start']}-{e['end']} do not match {e['text']!r}")
        ents.append(GoldEntity(e["start"], e["end"], e["text"], e["label"], (), e["assertion"]))
    rels = []
    for r in obj["relations"]:
        if r["type"] not in STANDOFF_RELATIONS or not all(0 <= r[k] < len(ents) for k in ("head", "tail")):
            raise CorpusError(f"{where}: bad relation {r}")
        rels.append((r["type"], str(r["head"]), str(r["tail"])))
    # a snippet of a clinical note: the NER routes it to the notes tagger (kg.ner.trained.document_kind)
    doc = Document(id=str(obj["id"]), text=text, source=where, metadata=NOTE)
    return GoldDocument(doc, ents, rels)


def read_standoff_notes(annotations: str | Path, notes_csv: str | Path) -> Iterator[GoldDocument]:
    """Standoff annotations over a notes CSV, materialized as annotated documents (one per snippet).

    Each JSONL record names a note (``note_id``), the snippet's span in its ``transcription``
    (``start``, ``end``) and the snippet's ``sha256``; entities (``start``, ``end`` relative to the
    snippet, ``text``, ``label``, ``assertion``) and relations (``head``, ``tail`` entity indices,
    ``type``) as in annotated JSONL. The note text itself stays outside the repository.

    Raises:
        CorpusError: A record names a missing note, its snippet no longer hashes to ``sha256``,
            an entity's text does not match its offsets, or a label, assertion or relation is unknown.
    """
    annotations = Path(annotations)
    notes = read_notes_csv(notes_csv)
    with open(annotations, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{annotations}:{lineno}"
            try:
                obj = json.loads(line)
                yield _standoff_document(obj, notes, where)
            except (KeyError, TypeError, ValueError) as exc:
                if isinstance(exc, CorpusError):
                    raise
                raise CorpusError(f"{where}: not a standoff record ({exc})") from exc


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
        Document(id=root.get("id", path.stem), text=full, source=str(path), metadata=ABSTRACT),
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
#: Formats whose annotations point into a separate notes file (``notes`` of :func:`read_corpus`).
STANDOFF_READERS = {"standoff": read_standoff_notes}


def read_corpus(path: str | Path, fmt: str, notes: str | Path | None = None) -> list[GoldDocument]:
    """Read a corpus in ``fmt`` (pubtator | ddi | jsonl | standoff); ``standoff`` needs the ``notes`` CSV."""
    if fmt in STANDOFF_READERS:
        if notes is None:
            raise CorpusError(f"{path}: the {fmt} format needs the notes file its annotations point into (--notes)")
        return list(STANDOFF_READERS[fmt](path, notes))
    try:
        reader = READERS[fmt]
    except KeyError:
        known = ", ".join([*READERS, *STANDOFF_READERS])
        raise CorpusError(f"unknown corpus format {fmt!r}; known: {known}") from None
    if notes is not None:
        raise CorpusError(f"{path}: --notes is only for the standoff format, not {fmt!r}")
    return list(reader(path))
