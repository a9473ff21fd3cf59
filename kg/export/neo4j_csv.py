"""neo4j-admin bulk-import CSV export of a :class:`~kg.types.GraphSnapshot`, with the ``import.sh`` that loads it.

The rows are the Neo4j store's own (:mod:`kg.graph_rows`), so an admin import and a driver load give
the same graph.
"""

from __future__ import annotations

import csv
import shlex
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kg.graph_rows import (
    EVIDENCE_LABEL,
    OBJECT_REL,
    SUBJECT_REL,
    edge_labels,
    edge_props,
    evidence_labels,
    evidence_props,
    hypothesis_labels,
    hypothesis_props,
    node_index,
    node_props,
)
from kg.logs import get_logger
from kg.schema import GraphSchema
from kg.types import GraphSnapshot

log = get_logger(__name__)

#: Array delimiter in neo4j-admin CSV files.
CSV_ARRAY_DELIMITER = ";"

_NODE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id:ID"),
    ("name", "name"),
    ("xrefs", "xrefs:string[]"),
    ("sources", "sources:string[]"),
    ("unlinked", "unlinked:boolean"),
)
_EDGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("sources", "sources:string[]"),
    ("evidence_count", "evidence_count:long"),
    ("doc_count", "doc_count:long"),
    ("confidence", "confidence:double"),
    ("best_confidence", "best_confidence:double"),
    ("extractors", "extractors:string[]"),
    ("model_versions", "model_versions:string[]"),
    ("non_asserted_count", "non_asserted_count:long"),
    ("first_seen", "first_seen"),
    ("last_seen", "last_seen"),
    ("subtype", "subtype"),
    ("subtypes", "subtypes:string[]"),
    ("predicted", "predicted:boolean"),
)
_HYPOTHESIS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("score", "score:double"),
    ("rank", "rank:long"),
    ("model_version", "model_version"),
    ("run_id", "run_id"),
    ("explanation", "explanation"),
    ("note", "note"),
    ("support_paths", "support_paths:string[]"),
    ("predicted", "predicted:boolean"),
)
_EVIDENCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id:ID"),
    ("rel_type", "rel_type"),
    ("head", "head"),
    ("tail", "tail"),
    ("doc_id", "doc_id"),
    ("sentence_index", "sentence_index:long"),
    ("head_start", "head_start:long"),
    ("head_end", "head_end:long"),
    ("tail_start", "tail_start:long"),
    ("tail_end", "tail_end:long"),
    ("sentence", "sentence"),
    ("extractor", "extractor"),
    ("extractor_version", "extractor_version"),
    ("confidence", "confidence:double"),
    ("assertion", "assertion"),
    ("asserted", "asserted:boolean"),
    ("subtype", "subtype"),
)


def _csv_cell(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        for item in value:
            if CSV_ARRAY_DELIMITER in str(item):
                raise ValueError(f"{where}: array value {item!r} contains the array delimiter {CSV_ARRAY_DELIMITER!r}")
        return CSV_ARRAY_DELIMITER.join(str(v) for v in value)
    return str(value)


def _csv_row(props: Mapping[str, Any], columns: Sequence[tuple[str, str]], where: str) -> list[str]:
    return [_csv_cell(props.get(key), f"{where} {key}") for key, _ in columns]


def neo4j_csv_tables(snapshot: GraphSnapshot, schema: GraphSchema) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Build the neo4j-admin import tables, keyed by file name.

    Nodes: ``<Label>.nodes.csv`` per schema label present, plus ``Evidence.nodes.csv``.
    Relationships: ``<TYPE>.relationships.csv`` per type present (asserted and predicted), plus
    ``SUBJECT``/``OBJECT`` files linking evidence to its head and tail. Rows are sorted for
    reproducible files.

    Returns:
        ``{file name: (header, rows)}`` with every cell a string.
    """
    nodes = node_index(snapshot.nodes, schema)
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    by_label: dict[str, list[list[str]]] = defaultdict(list)
    for node in nodes.values():
        by_label[node.label].append(_csv_row(node_props(node), _NODE_COLUMNS, f"node {node.id}") + [node.label])
    for label in sorted(by_label):
        tables[f"{label}.nodes.csv"] = ([h for _, h in _NODE_COLUMNS] + [":LABEL"], sorted(by_label[label]))

    by_type: dict[str, list[list[str]]] = defaultdict(list)
    headers: dict[str, list[str]] = {}
    for edge in snapshot.edges:
        edge_labels(edge, nodes, schema)
        where = f"edge {edge.head}-[{edge.type}]->{edge.tail}"
        by_type[edge.type].append([edge.head, edge.tail, edge.type] + _csv_row(edge_props(edge), _EDGE_COLUMNS, where))
        headers[edge.type] = [":START_ID", ":END_ID", ":TYPE"] + [h for _, h in _EDGE_COLUMNS]
    for hyp in snapshot.hypotheses:
        rel, _, _ = hypothesis_labels(hyp, nodes, schema)
        where = f"hypothesis {hyp.head}-[{rel}]->{hyp.tail}"
        props = hypothesis_props(hyp, nodes)
        by_type[rel].append([hyp.head, hyp.tail, rel] + _csv_row(props, _HYPOTHESIS_COLUMNS, where))
        headers[rel] = [":START_ID", ":END_ID", ":TYPE"] + [h for _, h in _HYPOTHESIS_COLUMNS]

    ev_rows: dict[str, list[str]] = {}
    for ev in snapshot.evidence:
        evidence_labels(ev, nodes, schema)
        props = evidence_props(ev)
        ev_rows[props["id"]] = _csv_row(props, _EVIDENCE_COLUMNS, f"evidence {props['id']}") + [EVIDENCE_LABEL]
        by_type[SUBJECT_REL].append([props["id"], ev.head, SUBJECT_REL])
        by_type[OBJECT_REL].append([props["id"], ev.tail, OBJECT_REL])
        headers[SUBJECT_REL] = headers[OBJECT_REL] = [":START_ID", ":END_ID", ":TYPE"]
    if ev_rows:
        tables[f"{EVIDENCE_LABEL}.nodes.csv"] = (
            [h for _, h in _EVIDENCE_COLUMNS] + [":LABEL"],
            [ev_rows[k] for k in sorted(ev_rows)],
        )
    for rel in sorted(by_type):
        rows = sorted({tuple(r): r for r in by_type[rel]}.values())  # duplicate evidence rows collapse
        tables[f"{rel}.relationships.csv"] = (headers[rel], rows)
    return tables


def neo4j_import_command(files: Iterable[str], database: str = "neo4j") -> list[str]:
    """The ``neo4j-admin database import full`` argument list for the given CSV file names."""
    names = sorted(files)
    # The database name goes right after "full": --nodes/--relationships take a variable number of
    # files, so a trailing positional argument would be read as one more file.
    cmd = [
        "neo4j-admin",
        "database",
        "import",
        "full",
        database,
        f"--array-delimiter={CSV_ARRAY_DELIMITER}",
        "--delimiter=,",
        '--quote="',
        "--id-type=string",
        "--multiline-fields=true",
        "--overwrite-destination=true",
    ]
    cmd += [f"--nodes={n}" for n in names if n.endswith(".nodes.csv")]
    cmd += [f"--relationships={n}" for n in names if n.endswith(".relationships.csv")]
    return cmd


def write_neo4j_csv(snapshot: GraphSnapshot, schema: GraphSchema, out_dir: str | Path) -> list[Path]:
    """Write CSV files for ``neo4j-admin database import full`` and an ``import.sh`` that runs it.

    The script must be run from anywhere with neo4j-admin on PATH and the database stopped; it
    changes into its own directory, so the CSV paths are relative. ``NEO4J_DATABASE`` picks the
    target database (default ``neo4j``).

    Returns:
        The files written (CSV files, then ``import.sh``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = neo4j_csv_tables(snapshot, schema)
    written = []
    for name, (header, rows) in tables.items():
        path = out / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=",", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)
    cmd = neo4j_import_command(tables, database="__DATABASE__")
    args = " \\\n  ".join('"${NEO4J_DATABASE:-neo4j}"' if a == "__DATABASE__" else shlex.quote(a) for a in cmd)
    script = out / "import.sh"
    script.write_text(
        "#!/bin/sh\n"
        "# Bulk-import this medkg export into an empty, stopped Neo4j 5 database.\n"
        "# Generated by kg.export.write_neo4j_csv; the CSV files sit next to this script.\n"
        "set -eu\n"
        'cd "$(dirname "$0")"\n'
        f"{args}\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    written.append(script)
    log.info("wrote %d neo4j-admin CSV files to %s", len(tables), out)
    return written
