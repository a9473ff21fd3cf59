"""Bulk import of a :class:`~kg.store.neo4j.LoadPlan` into an empty Neo4j database (``neo4j-admin``).

Why: the online load (``UNWIND … MERGE``, one managed transaction per batch) looks every endpoint up
in an index, takes locks and writes a transaction log for each of the ~1 M rows of the demo graph;
``neo4j-admin database import full`` writes the store files directly and is meant for exactly the
case of an empty database. It needs the database stopped, so only a server medkg manages locally
(:mod:`kg.neo4j_server`) can take it; :mod:`kg.neo4j_load` decides and runs the steps.

Pure core: :func:`bulk_tables` turns the plan's rows (the very rows the online load writes) into
typed CSV tables, and :func:`import_args` gives the admin tool's arguments. Thin shell:
:func:`write_bulk_csv` writes the files and :func:`finish_bulk` does on the restarted server what
the CSV format cannot: unique-id constraints and the ``LoadRun`` record. Empty lists need nothing: the
graph stores none (neo4j-admin cannot, neo4j/neo4j#13566), in either load (:func:`kg.store.neo4j_cypher.neo4j_props`).

Labels and relationship types come from the schema allow-list (:func:`node_label`, :func:`rel_type`);
every value in Cypher is a ``$parameter``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kg.graph_rows import EVIDENCE_LABEL, OBJECT_REL, SUBJECT_REL
from kg.logs import get_logger
from kg.schema import GraphSchema
from kg.store.neo4j_cypher import node_label, rel_type, safe_name

if TYPE_CHECKING:
    from kg.store.neo4j import LoadPlan, Neo4jStore

log = get_logger(__name__)

#: Array delimiter of the CSV files: U+001F (unit separator), which no id, name or path holds (checked).
ARRAY_DELIMITER = "\x1f"
#: ID spaces of the import: graph nodes by CURIE, evidence nodes by content hash.
NODE_GROUP = "medkg"
EVIDENCE_GROUP = "evidence"
#: Off-heap memory the importer may take (its default, 90 % of free memory, is a lot on a shared machine;
#: it estimates ~1 GiB for the demo graph).
IMPORT_OFF_HEAP = "2g"
Kind = Literal["nodes", "relationships"]


class BulkImportUnsupported(ValueError):
    """The plan holds a value that neo4j-admin CSV cannot carry the way the online load stores it."""


class _Absent(float):
    """A cell with no value: ``QUOTE_NONNUMERIC`` writes it unquoted and empty, which neo4j-admin reads as no
    property (a quoted ``""`` is an empty string)."""

    def __str__(self) -> str:
        return ""

    __repr__ = __str__


ABSENT = _Absent()
_SCALAR = {bool: "boolean", int: "long", float: "double", str: "string"}


@dataclass
class BulkTable:
    """One CSV file: nodes of one label or relationships of one type.

    Attributes:
        name: File name.
        kind: ``"nodes"`` or ``"relationships"``.
        token: The node label or relationship type (schema-checked).
        header: neo4j-admin header cells (``key:type``, ``:ID``/``:START_ID``/``:END_ID`` columns).
        rows: Cells, one list per row, ready for ``csv.writer(quoting=QUOTE_NONNUMERIC)``.
    """

    name: str
    kind: Kind
    token: str
    header: list[str]
    rows: list[list[Any]]


@dataclass
class BulkPlan:
    """The import's tables.

    Attributes:
        tables: The CSV tables.
        multiline: Some string holds a line break (the admin tool must then parse multi-line fields).
    """

    tables: list[BulkTable] = field(default_factory=list)
    multiline: bool = False

    @property
    def rows(self) -> int:
        """Rows in all tables (nodes and relationships, evidence links included)."""
        return sum(len(t.rows) for t in self.tables)


# --------------------------------------------------------------------------------------------------
# Pure core
# --------------------------------------------------------------------------------------------------


def _column(values: list[Any], where: str) -> tuple[str, list[Any]]:
    """Type and CSV cells of one property column (``None``: the row lacks the property).

    Column-wise on purpose: the type checks run once per column through C-level set and join
    operations, not once per cell (a million-row table takes seconds, not minutes).

    Returns:
        ``(neo4j-admin type, cells)``.
    """
    present = [v for v in values if v is not None]
    kinds = set(map(type, present))
    if kinds == {list}:
        if [] in present:  # the plan stores none (kg.store.neo4j_cypher.neo4j_props); the CSV would read it as absent
            raise BulkImportUnsupported(f"{where}: an empty list (the graph stores an empty list as no property)")
        items = [x for v in present for x in v]
        item_kinds = set(map(type, items))
        if len(item_kinds) > 1 or not item_kinds <= {str, int, float, bool}:
            raise BulkImportUnsupported(f"{where}: lists of {sorted(k.__name__ for k in item_kinds)}")
        item = item_kinds.pop() if item_kinds else str
        texts = items if item is str else [_scalar_text(x, where) for x in items]
        if ARRAY_DELIMITER in "".join(texts) or "" in set(texts):
            raise BulkImportUnsupported(f"{where}: a list item holds the array delimiter U+001F or is empty")
        join = ARRAY_DELIMITER.join
        if item is str:
            cells = [ABSENT if v is None else join(v) for v in values]
        else:
            cells = [ABSENT if v is None else join(_scalar_text(x, where) for x in v) for v in values]
        return f"{_SCALAR[item]}[]", cells
    if len(kinds) != 1 or not kinds <= {str, int, float, bool}:
        raise BulkImportUnsupported(f"{where}: values of {sorted(k.__name__ for k in kinds)} in one column")
    kind = kinds.pop()
    if kind is float and not all(map(math.isfinite, present)):
        raise BulkImportUnsupported(f"{where}: a value that is not a finite number")
    if kind is bool:
        return "boolean", [ABSENT if v is None else ("true" if v else "false") for v in values]
    return _SCALAR[kind], [ABSENT if v is None else v for v in values]


def _scalar_text(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        raise BulkImportUnsupported(f"{where}: a value that is not a finite number")
    return repr(value)


def _table(
    name: str, kind: Kind, token: str, id_cols: list[str], rows: list[tuple[list[str], dict[str, Any]]]
) -> tuple[BulkTable, bool]:
    """One table and whether a string cell holds a line break."""
    multiline = False
    keys = list(dict.fromkeys(k for _, props in rows for k, v in props.items() if v is not None))
    columns = [[ids[i] for ids, _ in rows] for i in range(len(id_cols))]
    header = list(id_cols)
    for key in keys:
        values = [props.get(key) for _, props in rows]
        col_type, cells = _column(values, f"{name} property {key!r}")
        header.append(f"{key}:{col_type}")
        columns.append(cells)
        if col_type == "string" and not multiline:
            text = "".join(v for v in cells if v is not ABSENT)
            multiline = "\n" in text or "\r" in text
    body = [list(r) for r in zip(*columns, strict=True)] if columns else []
    return BulkTable(name, kind, token, header, body), multiline


def bulk_tables(plan: LoadPlan, schema: GraphSchema) -> BulkPlan:
    """Turn a load plan into neo4j-admin CSV tables holding exactly the rows the online load writes.

    Nodes: one table per label (``id:ID(medkg)`` stores ``id`` as the online load does). Evidence: one
    node table plus ``SUBJECT``/``OBJECT`` link tables. Asserted edges and hypotheses: one table per
    (type, head label, tail label) group. Column types come from the Python values.

    Raises:
        BulkImportUnsupported: A value the CSV cannot carry as the online load stores it (a property with
            values of two types, a non-finite float, the array delimiter in a string, an empty list).
    """
    out = BulkPlan()

    def add(
        name: str, kind: Kind, token: str, id_cols: list[str], rows: list[tuple[list[str], dict[str, Any]]]
    ) -> None:
        if kind == "nodes":
            node_label(schema, token)
        elif token not in (SUBJECT_REL, OBJECT_REL):
            rel_type(schema, token)
        table, multiline = _table(name, kind, token, id_cols, rows)
        out.tables.append(table)
        out.multiline |= multiline

    for label, node_rows in plan.nodes.items():
        rows = [([r["id"]], {k: v for k, v in r["props"].items() if k != "id"}) for r in node_rows]
        add(f"{label}.nodes.csv", "nodes", label, [f"id:ID({NODE_GROUP})"], rows)
    for part, suffix in ((plan.edges, "edges"), (plan.hypotheses, "hypotheses")):
        for (rel, hl, tl), edge_rows in part.items():
            rows = [([r["head"], r["tail"]], r["props"]) for r in edge_rows]
            ends = [f":START_ID({NODE_GROUP})", f":END_ID({NODE_GROUP})"]
            add(f"{rel}.{hl}.{tl}.{suffix}.csv", "relationships", rel, ends, rows)
    evidence = {r["id"]: r for rows in plan.evidence.values() for r in rows}
    if evidence:
        ordered = [evidence[k] for k in sorted(evidence)]
        ev_rows = [([r["id"]], {k: v for k, v in r["props"].items() if k != "id"}) for r in ordered]
        add(f"{EVIDENCE_LABEL}.nodes.csv", "nodes", EVIDENCE_LABEL, [f"id:ID({EVIDENCE_GROUP})"], ev_rows)
        ends = [f":START_ID({EVIDENCE_GROUP})", f":END_ID({NODE_GROUP})"]
        add(
            f"{SUBJECT_REL}.relationships.csv",
            "relationships",
            SUBJECT_REL,
            ends,
            [([r["id"], r["head"]], {}) for r in ordered],
        )
        add(
            f"{OBJECT_REL}.relationships.csv",
            "relationships",
            OBJECT_REL,
            ends,
            [([r["id"], r["tail"]], {}) for r in ordered],
        )
    return out


def import_args(bulk: BulkPlan, csv_dir: Path, database: str = "neo4j") -> list[str]:
    """Arguments of ``neo4j-admin`` for ``database import full`` of ``bulk``'s tables in ``csv_dir``.

    Strict: one bad row, a duplicate id or a relationship to a missing node fails the import.
    """
    args = ["database", "import", "full", database]
    args += [
        "--id-type=string",
        "--array-delimiter=U+001F",
        "--delimiter=,",
        '--quote="',
        "--bad-tolerance=0",
        "--skip-bad-relationships=false",
        "--skip-duplicate-nodes=false",
        "--strict=true",
        "--overwrite-destination=true",
        f"--max-off-heap-memory={IMPORT_OFF_HEAP}",
        f"--multiline-fields={'true' if bulk.multiline else 'false'}",
        f"--report-file={csv_dir / 'import.report'}",
    ]
    for table in bulk.tables:
        flag = "--nodes" if table.kind == "nodes" else "--relationships"
        args.append(f"{flag}={safe_name(table.token).strip('`')}={csv_dir / table.name}")
    return args


# --------------------------------------------------------------------------------------------------
# Thin shell
# --------------------------------------------------------------------------------------------------


def write_bulk_csv(bulk: BulkPlan, out_dir: Path) -> list[Path]:
    """Write every table of ``bulk`` to ``out_dir`` (created) and return the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table in bulk.tables:
        path = out_dir / table.name
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
            writer.writerow(table.header)
            writer.writerows(table.rows)
        written.append(path)
    log.info("wrote %d bulk-import CSV files (%d rows) to %s", len(written), bulk.rows, out_dir)
    return written


def finish_bulk(store: Neo4jStore, schema: GraphSchema, bulk: BulkPlan, run: Mapping[str, Any]) -> dict[str, Any]:
    """After the import, on the restarted server: constraints, then the ``LoadRun`` record.

    Args:
        store: A store connected to the restarted server.
        schema: The graph schema.
        bulk: The imported tables.
        run: ``{"id", "started", "planned", "skipped"}`` of this load, and its row groups' digests
            (``"groups"``, :func:`kg.store.neo4j_delta.group_digests`) and its ``"source"`` when known.

    Returns:
        The server's :meth:`~kg.store.neo4j.Neo4jStore.counts` after the import.
    """
    store.ensure_constraints(schema)
    counts = store.counts(schema)
    store.record_load_run(
        run["id"],
        status="complete",
        method="bulk-import",
        started=run["started"],
        finished=run["finished"],
        schema_version=schema.version,
        planned=run["planned"],
        counts=counts,
        pruned={},
        skipped=run["skipped"],
        error=None,
        groups=run.get("groups"),
        source=run.get("source"),
        state=run.get("state"),
    )
    return counts
