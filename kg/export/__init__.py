"""Export a :class:`~kg.types.GraphSnapshot` to RDF Turtle, GraphML or Neo4j bulk-import CSV.

The pure, format-independent part (schema checks and property rows, shared with the Neo4j store)
is :mod:`kg.graph_rows`; each format is one module with a thin ``write_*`` shell:

* :mod:`kg.export.turtle`: ``ttl`` (:func:`to_rdf`, :func:`write_turtle`);
* :mod:`kg.export.graphml`: ``graphml`` (:func:`to_networkx`, :func:`write_graphml`);
* :mod:`kg.export.neo4j_csv`: ``neo4j-csv`` (:func:`neo4j_csv_tables`, :func:`write_neo4j_csv`).

:data:`FORMAT_WRITERS` maps each format name to its folder writer; :func:`export_snapshot` and
:func:`export_checked` dispatch through it. The public names of all these modules are re-exported
here, so ``from kg.export import ...`` keeps working.

Exports carry only what is in the snapshot. ``Evidence.sentence`` is scrubbed upstream; no document
text is ever added here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from kg.export.graphml import GRAPHML_FILE, LIST_JOIN, export_graphml, to_networkx, write_graphml
from kg.export.neo4j_csv import CSV_ARRAY_DELIMITER, neo4j_csv_tables, neo4j_import_command, write_neo4j_csv
from kg.export.turtle import (
    BIOLINK_NS,
    MEDKG_ASSOCIATION_NS,
    MEDKG_VOCAB_NS,
    PREFIX_MAP,
    TURTLE_FILE,
    expand_curie,
    export_turtle,
    to_rdf,
    write_turtle,
)
from kg.files import private_dir, private_files
from kg.graph_rows import (
    EVIDENCE_LABEL,
    OBJECT_REL,
    SUBJECT_REL,
    CheckedSnapshot,
    SkippedRow,
    check_snapshot,
    edge_labels,
    edge_props,
    evidence_id,
    evidence_labels,
    evidence_props,
    explanation_json,
    hypothesis_labels,
    hypothesis_props,
    hypothesis_type,
    node_index,
    node_props,
    support_paths,
)
from kg.schema import GraphSchema
from kg.types import GraphSnapshot

#: A format's folder writer: ``(snapshot, schema, output folder) -> files written``.
FolderWriter = Callable[[GraphSnapshot, GraphSchema, str | Path], list[Path]]

#: Export format name -> folder writer, in the order formats are listed (help texts, error messages).
#: Read-only, so :data:`FORMATS` always matches it.
FORMAT_WRITERS: Mapping[str, FolderWriter] = MappingProxyType(
    {
        "ttl": export_turtle,
        "graphml": export_graphml,
        "neo4j-csv": write_neo4j_csv,
    }
)

#: The export format names.
FORMATS: tuple[str, ...] = tuple(FORMAT_WRITERS)


def format_writer(fmt: str) -> FolderWriter:
    """The folder writer of format ``fmt``.

    Raises:
        ValueError: ``fmt`` is not one of :data:`FORMATS` (the message lists them).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    return FORMAT_WRITERS[fmt]


def export_snapshot(snapshot: GraphSnapshot, schema: GraphSchema, fmt: str, out: str | Path) -> list[Path]:
    """Export ``snapshot`` in format ``fmt`` into the folder ``out`` (``medkg.ttl``, ``medkg.graphml``, or CSVs).

    Rows that do not fit the schema are skipped and logged (:func:`check_snapshot`); use
    :func:`export_checked` to get their count.

    Returns:
        The files written.

    Raises:
        ValueError: ``fmt`` is not one of :data:`FORMATS`.
    """
    return export_checked(snapshot, schema, fmt, out)[0]


def export_checked(
    snapshot: GraphSnapshot, schema: GraphSchema, fmt: str, out: str | Path
) -> tuple[list[Path], CheckedSnapshot]:
    """As :func:`export_snapshot`, also returning the checked snapshot (what was skipped, and why).

    Raises:
        ValueError: ``fmt`` is not one of :data:`FORMATS` (checked before anything is read or written).
    """
    writer = format_writer(fmt)
    checked = check_snapshot(snapshot, schema, what=f"export {fmt}")
    private_dir(out)
    paths = writer(checked.snapshot, schema, out)
    private_files(paths)
    return paths, checked


__all__ = [
    "BIOLINK_NS",
    "CSV_ARRAY_DELIMITER",
    "EVIDENCE_LABEL",
    "FORMATS",
    "FORMAT_WRITERS",
    "GRAPHML_FILE",
    "LIST_JOIN",
    "MEDKG_ASSOCIATION_NS",
    "MEDKG_VOCAB_NS",
    "OBJECT_REL",
    "PREFIX_MAP",
    "SUBJECT_REL",
    "TURTLE_FILE",
    "CheckedSnapshot",
    "FolderWriter",
    "SkippedRow",
    "check_snapshot",
    "edge_labels",
    "edge_props",
    "evidence_id",
    "evidence_labels",
    "evidence_props",
    "explanation_json",
    "export_checked",
    "export_graphml",
    "export_snapshot",
    "export_turtle",
    "expand_curie",
    "format_writer",
    "hypothesis_labels",
    "hypothesis_props",
    "hypothesis_type",
    "neo4j_csv_tables",
    "neo4j_import_command",
    "node_index",
    "node_props",
    "support_paths",
    "to_networkx",
    "to_rdf",
    "write_graphml",
    "write_neo4j_csv",
    "write_turtle",
]
