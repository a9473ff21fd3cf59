"""Ingest: plain-text files, folders of them, JSONL and CSV into :class:`~kg.types.Document`.

Bad input never disappears: an unreadable file, non-UTF-8 bytes, an empty text, a malformed JSON
line or a CSV row without text becomes a :class:`~kg.types.QuarantineRecord` with its reason, and
is counted in the build report. Quarantine records name the file and line, never the text.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.types import Document, QuarantineRecord

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv", ".tsv")


class IngestError(ValueError):
    """The input cannot be read at all (missing path, unsupported type, missing column)."""


def content_id(text: str) -> str:
    """A stable document id from the content: ``sha256:`` plus the first 16 hex digits."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class IngestResult:
    """Documents read, and the records quarantined with their reasons."""

    documents: list[Document] = field(default_factory=list)
    quarantine: list[QuarantineRecord] = field(default_factory=list)

    def extend(self, other: IngestResult) -> None:
        """Append another result's documents and quarantine records."""
        self.documents.extend(other.documents)
        self.quarantine.extend(other.quarantine)


def _quarantine(result: IngestResult, source: Path | str, location: str, reason: str) -> None:
    log.warning("quarantined %s %s: %s", source, location, reason)
    result.quarantine.append(QuarantineRecord(source=str(source), location=location, reason=reason))


def _read_text(path: Path, result: IngestResult) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        _quarantine(result, path, "file", f"unreadable: {exc.strerror or exc}")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _quarantine(result, path, f"byte {exc.start}", "not valid UTF-8")
        return None


def read_text_file(path: Path) -> IngestResult:
    """One document per plain-text file; its id is the file stem."""
    result = IngestResult()
    text = _read_text(path, result)
    if text is None:
        return result
    if not text.strip():
        _quarantine(result, path, "file", "empty text")
        return result
    result.documents.append(Document(id=path.stem, text=text, source=str(path)))
    return result


def read_jsonl(path: Path) -> IngestResult:
    """One document per line: ``{"id", "text", "metadata"?}``; a line without id gets a content hash."""
    result = IngestResult()
    content = _read_text(path, result)
    if content is None:
        return result
    seen: set[str] = set()
    for lineno, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        loc = f"line {lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            _quarantine(result, path, loc, f"malformed JSON: {exc.msg}")
            continue
        if not isinstance(obj, dict):
            _quarantine(result, path, loc, "expected a JSON object")
            continue
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            _quarantine(result, path, loc, "missing or empty 'text'")
            continue
        doc_id = obj.get("id")
        if doc_id is None:
            doc_id = content_id(text)
        elif not isinstance(doc_id, (str, int)) or str(doc_id).strip() == "":
            _quarantine(result, path, loc, "'id' must be a non-empty string or integer")
            continue
        doc_id = str(doc_id)
        if doc_id in seen:
            _quarantine(result, path, loc, f"duplicate id {doc_id!r}")
            continue
        meta = obj.get("metadata") or {}
        if not isinstance(meta, dict):
            _quarantine(result, path, loc, "'metadata' must be an object")
            continue
        seen.add(doc_id)
        result.documents.append(
            Document(
                id=doc_id,
                text=text,
                source=f"{path}:{lineno}",
                metadata={str(k): str(v) for k, v in meta.items()},
            )
        )
    return result


def read_csv(path: Path, text_column: str = "text", id_column: str | None = None) -> IngestResult:
    """One document per row of a CSV (or TSV) file with a header; the text comes from ``text_column``."""
    result = IngestResult()
    content = _read_text(path, result)
    if content is None:
        return result
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(content.splitlines(), delimiter=delimiter)
    header = reader.fieldnames or []
    if text_column not in header:
        raise IngestError(f"{path}: no column {text_column!r} (columns: {', '.join(header) or 'none'})")
    if id_column is not None and id_column not in header:
        raise IngestError(f"{path}: no id column {id_column!r} (columns: {', '.join(header)})")
    seen: set[str] = set()
    for rowno, row in enumerate(reader, start=2):
        loc = f"line {rowno}"
        if None in row:
            _quarantine(result, path, loc, "more fields than the header")
            continue
        text = row.get(text_column)
        if text is None or not text.strip():
            _quarantine(result, path, loc, f"empty {text_column!r}")
            continue
        doc_id = (row.get(id_column) or "").strip() if id_column else content_id(text)
        if not doc_id:
            _quarantine(result, path, loc, f"empty id column {id_column!r}")
            continue
        if doc_id in seen:
            _quarantine(result, path, loc, f"duplicate id {doc_id!r}")
            continue
        seen.add(doc_id)
        meta = {k: v for k, v in row.items() if k not in (text_column, id_column) and v}
        result.documents.append(Document(id=doc_id, text=text, source=f"{path}:{rowno}", metadata=meta))
    return result


def _iter_files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.suffix.lower() in TEXT_SUFFIXES + JSONL_SUFFIXES + CSV_SUFFIXES:
                yield child
    else:
        yield path


def read_inputs(inputs: Iterable[str | Path], text_column: str = "text", id_column: str | None = None) -> IngestResult:
    """Read files and folders of .txt, .jsonl and .csv/.tsv into documents, quarantining bad records.

    Raises:
        IngestError: a path does not exist, has an unsupported suffix, or lacks the text column.
    """
    result = IngestResult()
    for raw in inputs:
        path = Path(raw)
        if not path.exists():
            raise IngestError(f"input not found: {path}")
        files = list(_iter_files(path))
        if path.is_dir() and not files:
            raise IngestError(f"folder {path} holds no .txt, .jsonl or .csv files")
        for f in files:
            suffix = f.suffix.lower()
            if suffix in TEXT_SUFFIXES:
                result.extend(read_text_file(f))
            elif suffix in JSONL_SUFFIXES:
                result.extend(read_jsonl(f))
            elif suffix in CSV_SUFFIXES:
                result.extend(read_csv(f, text_column=text_column, id_column=id_column))
            else:
                raise IngestError(f"unsupported input {f}: expected .txt, .jsonl or .csv/.tsv")
    ids: dict[str, str] = {}
    unique: list[Document] = []
    for doc in result.documents:
        if doc.id in ids:
            _quarantine(result, doc.source, "document", f"duplicate id {doc.id!r} (first in {ids[doc.id]})")
            continue
        ids[doc.id] = doc.source
        unique.append(doc)
    result.documents = unique
    log.info("ingested %d documents, quarantined %d records", len(unique), len(result.quarantine))
    return result
