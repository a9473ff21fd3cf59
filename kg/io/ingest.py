"""Ingest: plain-text files, folders of them, JSONL and CSV (gzipped or not) into :class:`~kg.types.Document`.

Every record's text is kept byte-exact (newlines inside quoted CSV fields, U+2028 in JSON strings,
``\\r\\n``), or the record becomes a :class:`~kg.types.QuarantineRecord` with its reason: an unreadable
file, bytes that are not UTF-8 (UTF-16 is read when it starts with a byte-order mark; a UTF-8 BOM is
dropped), a file type medkg does not read, a malformed JSON line, a CSV record with an unterminated
quote or the wrong number of fields, a CSV without the text column, an empty text, or a text longer
than ``ingest.max_chars``, or a file over ``ingest.max_file_bytes`` (decompressed: a gzip bomb is
stopped at the cap). Quarantine records name the file and line (or byte), never the text, and with a
keyed :class:`~kg.privacy.pseudonyms.Pseudonymizer` they (and the log) name the file by its pseudonym.
Hidden files (names starting with ``.``) in a folder are skipped and counted in the log.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.logs import get_logger
from kg.privacy.pseudonyms import IDENTITY, Pseudonymizer
from kg.types import DOCUMENT_KINDS, KIND_KEY, Document, QuarantineRecord

log = get_logger(__name__)

TEXT_SUFFIXES = (".txt", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv", ".tsv")
#: The default of ``ingest.max_chars``: longer texts are quarantined with their length.
MAX_CHARS = 1_000_000
#: The default of ``ingest.max_file_bytes``: the most bytes one input file may hold, once decompressed.
MAX_FILE_BYTES = 2_000_000_000


class IngestError(ValueError):
    """The input cannot be read at all (a missing path, an empty folder, an unsupported file named directly)."""


def content_id(text: str) -> str:
    """A stable document id from the content: ``sha256:`` plus the first 16 hex digits."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ReadOptions:
    """How files are read: the pseudonyms of ids and paths, and the size cap of one file."""

    pseudonym: Pseudonymizer = IDENTITY
    max_file_bytes: int = MAX_FILE_BYTES
    #: The kind every document read is marked with (``metadata["document_kind"]``: ``note`` or ``abstract``),
    #: unless a JSONL record's own ``metadata`` names one. The stages route by it (the NER's notes layer, the
    #: relations' note structure); ``ingest.document_kind`` of a run config.
    document_kind: str = "note"


@dataclass
class IngestResult:
    """Documents read, and the records quarantined with their reasons."""

    options: ReadOptions = field(default_factory=ReadOptions)

    documents: list[Document] = field(default_factory=list)
    quarantine: list[QuarantineRecord] = field(default_factory=list)

    def extend(self, other: IngestResult) -> None:
        """Append another result's documents and quarantine records."""
        self.documents.extend(other.documents)
        self.quarantine.extend(other.quarantine)


def _quarantine(result: IngestResult, source: Path | str, location: str, reason: str) -> None:
    """Record (and log) a quarantined file or record; the file is named by its pseudonym."""
    _quarantine_as(result, result.options.pseudonym.path(source), location, reason)


def _quarantine_as(result: IngestResult, name: str, location: str, reason: str) -> None:
    """Record (and log) a quarantined record whose source ``name`` is already safe to store."""
    log.warning("quarantined %s %s: %s", name, location, reason)
    result.quarantine.append(QuarantineRecord(source=name, location=location, reason=reason))


def _document(result: IngestResult, doc_id: str, text: str, path: Path, line: int | None, meta=None) -> None:
    """Add a document read from ``path`` (at ``line``), under the pseudonyms of its id and path."""
    names = result.options.pseudonym
    metadata = {KIND_KEY: result.options.document_kind, **(meta or {})}
    if metadata[KIND_KEY] not in DOCUMENT_KINDS:  # a CSV column or JSONL metadata named document_kind
        where = "file" if line is None else f"line {line}"
        _quarantine(result, path, where, f"'{KIND_KEY}' must be one of {', '.join(DOCUMENT_KINDS)}")
        return
    result.documents.append(
        Document(id=names.doc_id(doc_id), text=text, source=names.source(path, line), metadata=metadata)
    )


def _decompress(raw: bytes, cap: int) -> bytes | None:
    """The bytes of gzip data, or None when they would exceed ``cap`` (read no further than the cap)."""
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as g:
        out = g.read(cap + 1)
    return None if len(out) > cap else out


def file_kind(path: Path) -> str | None:
    """``"text"``, ``"jsonl"`` or ``"csv"`` for a file medkg reads (``.gz`` included), else None."""
    name = path.name.lower()
    base = name[:-3] if name.endswith(".gz") else name
    suffix = Path(base).suffix
    for kind, suffixes in (("text", TEXT_SUFFIXES), ("jsonl", JSONL_SUFFIXES), ("csv", CSV_SUFFIXES)):
        if suffix in suffixes:
            return kind
    return None


def decode(raw: bytes) -> tuple[str | None, str]:
    """Decode a file's bytes: UTF-8 (its BOM dropped), or UTF-16 when it starts with a UTF-16 BOM.

    Returns:
        (text, "") or (None, location of the first bad byte).
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), ""
        except UnicodeDecodeError as exc:
            return None, f"byte {exc.start}"
    try:
        return raw.decode("utf-8-sig"), ""
    except UnicodeDecodeError as exc:
        return None, f"byte {exc.start}"


def _read_text(path: Path, result: IngestResult) -> str | None:
    cap = result.options.max_file_bytes
    try:
        if (size := path.stat().st_size) > cap:
            _quarantine(result, path, "file", f"{size} bytes, over ingest.max_file_bytes={cap}")
            return None
        raw = path.read_bytes()
    except OSError as exc:
        _quarantine(result, path, "file", f"unreadable: {type(exc).__name__} ({exc.strerror or 'no detail'})")
        return None
    if path.name.lower().endswith(".gz"):
        try:
            unpacked = _decompress(raw, cap)
        except (OSError, EOFError, zlib.error) as exc:
            _quarantine(result, path, "file", f"not a valid gzip file ({type(exc).__name__})")
            return None
        if unpacked is None:
            _quarantine(result, path, "file", f"decompresses to over ingest.max_file_bytes={cap} bytes")
            return None
        raw = unpacked
    text, location = decode(raw)
    if text is None:
        _quarantine(result, path, location, "not valid UTF-8 (nor UTF-16 with a byte-order mark)")
    return text


def _stem(path: Path) -> str:
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    return Path(name).stem


def read_text_file(path: Path, options: ReadOptions = ReadOptions()) -> IngestResult:
    """One document per plain-text file; its id is the file stem."""
    result = IngestResult(options)
    text = _read_text(path, result)
    if text is None:
        return result
    if not text.strip():
        _quarantine(result, path, "file", "empty text")
        return result
    _document(result, _stem(path), text, path, None)
    return result


def _jsonl_record(obj: object, loc: str) -> tuple[str, str, dict[str, str]] | str:
    """(id, text, metadata) of one JSONL record, or the reason it is quarantined."""
    if not isinstance(obj, dict):
        return "expected a JSON object"
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return "missing or empty 'text'"
    doc_id = obj.get("id")
    if doc_id is None:
        doc_id = content_id(text)
    elif isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)) or str(doc_id).strip() == "":
        return "'id' must be a non-empty string or integer"
    meta = obj.get("metadata") or {}
    if not isinstance(meta, dict):
        return "'metadata' must be an object"
    return str(doc_id), text, {str(k): str(v) for k, v in meta.items()}


def read_jsonl(path: Path, options: ReadOptions = ReadOptions()) -> IngestResult:
    """One document per line: ``{"id", "text", "metadata"?}``; a line without id gets a content hash.

    Lines are split on ``\\n`` only, so U+2028, U+2029 and other Unicode line breaks inside a JSON
    string stay in the text.
    """
    result = IngestResult(options)
    content = _read_text(path, result)
    if content is None:
        return result
    if not content.strip():
        _quarantine(result, path, "file", "empty file")
        return result
    seen: dict[str, int] = {}
    for lineno, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        loc = f"line {lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            _quarantine(result, path, loc, f"malformed JSON: {exc.msg} at column {exc.colno}")
            continue
        except RecursionError:
            _quarantine(result, path, loc, "malformed JSON: nested too deeply")
            continue
        record = _jsonl_record(obj, loc)
        if isinstance(record, str):
            _quarantine(result, path, loc, record)
            continue
        doc_id, text, meta = record
        if doc_id in seen:
            _quarantine(result, path, loc, f"duplicate id (first at line {seen[doc_id]})")
            continue
        seen[doc_id] = lineno
        _document(result, doc_id, text, path, lineno, meta)
    return result


def csv_records(content: str, delimiter: str, width: int | None = None) -> Iterator[tuple[int, list[str] | str]]:
    """The records of CSV text: (first line number, fields), or (line number, reason) for a bad record.

    Quoted fields keep their line breaks byte-exact. A record whose quote is never closed (it runs
    to the end of the file, or the quote closes in the middle of a later row) is reported at the
    line where it starts, and reading goes on at the next line, so the rows it would have swallowed
    are read as rows. With ``width`` (the header's field count), a record that spans several lines
    and has another number of fields is reported the same way.
    """
    lines = io.StringIO(content, newline="").readlines()
    # No field can be longer than the file; texts over ``ingest.max_chars`` are quarantined later.
    csv.field_size_limit(max(csv.field_size_limit(), len(content) + 1))
    i = 0
    while i < len(lines):
        reader = csv.reader((lines[j] for j in range(i, len(lines))), delimiter=delimiter, strict=True)
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield i + 1, f"malformed CSV record starting here ({exc}): an unterminated quote?"
            i += 1
            continue
        span = reader.line_num
        if span > 1 and width is not None and len(row) != width:
            yield (
                i + 1,
                f"CSV record spans {span} lines with {len(row)} fields, expected {width}: an unterminated quote?",
            )
            i += 1
            continue
        yield i + 1, row
        i += span


def read_csv(
    path: Path, text_column: str = "text", id_column: str | None = None, options: ReadOptions = ReadOptions()
) -> IngestResult:
    """One document per record of a CSV (or TSV) file with a header; the text comes from ``text_column``.

    A file without ``text_column`` (or the id column) is quarantined with the columns it has.
    """
    result = IngestResult(options)
    content = _read_text(path, result)
    if content is None:
        return result
    delimiter = "\t" if path.name.lower().removesuffix(".gz").endswith(".tsv") else ","
    records = csv_records(content, delimiter)
    first = next(records, None)
    header = first[1] if first is not None and isinstance(first[1], list) else None
    if header is None:
        _quarantine(result, path, "line 1", "no CSV header row")
        return result
    for column in (text_column, id_column):
        if column is not None and column not in header:
            _quarantine(result, path, "file", f"no column {column!r} (columns: {', '.join(header) or 'none'})")
            return result
    records = csv_records(content, delimiter, width=len(header))
    next(records)
    seen: dict[str, int] = {}
    for lineno, fields in records:
        loc = f"line {lineno}"
        if isinstance(fields, str):
            _quarantine(result, path, loc, fields)
            continue
        if not fields or fields == [""]:
            continue
        if len(fields) != len(header):
            _quarantine(result, path, loc, f"{len(fields)} fields, expected {len(header)} (the header's)")
            continue
        row = dict(zip(header, fields, strict=True))
        text = row[text_column]
        if not text.strip():
            _quarantine(result, path, loc, f"empty {text_column!r}")
            continue
        doc_id = row[id_column].strip() if id_column else content_id(text)
        if not doc_id:
            _quarantine(result, path, loc, f"empty id column {id_column!r}")
            continue
        if doc_id in seen:
            _quarantine(result, path, loc, f"duplicate id (first at line {seen[doc_id]})")
            continue
        seen[doc_id] = lineno
        meta = {k: v for k, v in row.items() if k not in (text_column, id_column) and v}
        _document(result, doc_id, text, path, lineno, meta)
    if not result.documents and not result.quarantine:
        _quarantine(result, path, "file", "no records below the header")
    return result


def _iter_files(path: Path) -> Iterator[Path]:
    """Every entry of a folder tree but folders: files, links, special files, and the folders it cannot list."""
    if not path.is_dir():
        yield path
        return
    found: list[Path] = []
    hidden = 0
    for root, dirs, names in os.walk(path, onerror=lambda err: found.append(Path(str(err.filename)))):
        hidden += sum(n.startswith(".") for n in (*dirs, *names))
        found.extend(Path(root) / d for d in dirs if not d.startswith(".") and (Path(root) / d).is_symlink())
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(root) / n for n in names if not n.startswith("."))
    if hidden:
        log.info("skipped %d hidden files and folders", hidden)
    yield from sorted(found)


def iter_input_files(inputs: Iterable[str | Path]) -> Iterator[Path]:
    """Every file (and unreadable entry) :func:`read_inputs` would look at, in its order."""
    for raw in inputs:
        yield from _iter_files(Path(raw))


def _read_file(f: Path, text_column: str, id_column: str | None, options: ReadOptions) -> IngestResult:
    result = IngestResult(options)
    if f.is_dir():
        why = "a link to a folder (not followed)" if f.is_symlink() else "a folder that cannot be listed"
        _quarantine(result, f, "folder", why)
        return result
    if not f.is_file():
        _quarantine(result, f, "file", "not a regular file (a broken link, a pipe or a device)")
        return result
    kind = file_kind(f)
    if kind == "text":
        return read_text_file(f, options)
    if kind == "jsonl":
        return read_jsonl(f, options)
    if kind == "csv":
        return read_csv(f, text_column=text_column, id_column=id_column, options=options)
    _quarantine(result, f, "file", "unsupported file type (medkg reads .txt, .jsonl, .csv/.tsv, and .gz of each)")
    return result


def read_inputs(
    inputs: Iterable[str | Path],
    text_column: str = "text",
    id_column: str | None = None,
    max_chars: int = MAX_CHARS,
    options: ReadOptions = ReadOptions(),
) -> IngestResult:
    """Read files and folders of .txt, .jsonl and .csv/.tsv (or .gz of each), quarantining bad records.

    A file of another type inside a folder is quarantined as "unsupported file type"; a text longer
    than ``max_chars`` is quarantined with its length. ``options`` name ids and paths (pseudonyms)
    and cap the size of a file.

    Raises:
        IngestError: a path does not exist, a folder holds no files, or a file named directly has
            an unsupported type.
    """
    result = IngestResult(options)
    for raw in inputs:
        path = Path(raw)
        if not path.exists():
            raise IngestError(f"input not found: {path}")
        if not path.is_dir() and file_kind(path) is None:
            raise IngestError(f"unsupported input {path}: expected .txt, .jsonl or .csv/.tsv (or .gz of each)")
        files = list(_iter_files(path))
        if path.is_dir() and not files:
            raise IngestError(f"folder {path} holds no .txt, .jsonl or .csv files")
        for f in files:
            result.extend(_read_file(f, text_column, id_column, options))
    ids: dict[str, str] = {}
    unique: list[Document] = []
    for doc in result.documents:
        if len(doc.text) > max_chars:
            reason = f"{len(doc.text)} characters, over ingest.max_chars={max_chars}"
            _quarantine_as(result, doc.source, "document", reason)
            continue
        if doc.id in ids:
            _quarantine_as(result, doc.source, "document", f"duplicate id {doc.id!r} (first in {ids[doc.id]})")
            continue
        ids[doc.id] = doc.source
        unique.append(doc)
    result.documents = unique
    log.info("ingested %d documents, quarantined %d records", len(unique), len(result.quarantine))
    return result
