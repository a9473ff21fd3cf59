"""Named, parameterized Cypher queries from ``queries/*.cypher``.

Each file holds one read query and starts with a header comment::

    // name: drugs_treating_disease
    // purpose: Drugs asserted to treat a disease ...
    // params:
    //   $disease (string): disease id or name
    //   $limit (int, default 25): maximum number of drugs
    // returns: disease_id, drug_id, ...
    // example: disease=hypertension

Parameter types: ``string``, ``int``, ``float``, ``bool`` and ``list<...>`` of those. A parameter
with a default is optional. ``params: none`` declares no parameters. The parameters declared must be
exactly those the query text uses. ``example`` gives parameters in the command line's ``key=value``
form, separated by ``;`` (``none`` for a query without parameters): the documented call that returns
rows on the demo graph (``medkg query --list`` shows it; the README-flow tests run it).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.logs import get_logger
from kg.packaged import QUERIES_PACKAGE, packaged_dir

log = get_logger(__name__)

#: ``queries/``, shipped in the package as ``kg._queries`` (see :mod:`kg.packaged`).
QUERIES_DIR = packaged_dir(QUERIES_PACKAGE)
SCALAR_TYPES: tuple[str, ...] = ("string", "int", "float", "bool")
_HEADER_KEYS = ("name", "purpose", "params", "returns", "example")
_FIELD = re.compile(r"^//\s*(name|purpose|params|returns|example)\s*:\s*(.*)$")
_PARAM = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*([^,)]+?)\s*(?:,\s*default\s+([^)]*?)\s*)?\)\s*:?\s*(.*)$")
_USED = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_LIST = re.compile(r"^list<(string|int|float|bool)>$")


class QueryError(ValueError):
    """A query file is malformed, a query name is unknown, or parameters do not match."""


@dataclass(frozen=True)
class QueryParam:
    """One declared query parameter.

    Attributes:
        name: Parameter name without ``$``.
        type: ``string``, ``int``, ``float``, ``bool`` or ``list<scalar>``.
        description: What the value means.
        default: Value used when the parameter is not given (only if ``required`` is False).
        required: Whether the caller must give it.
    """

    name: str
    type: str
    description: str = ""
    default: Any = None
    required: bool = True


@dataclass(frozen=True)
class QuerySpec:
    """A named query parsed from its file.

    Attributes:
        name: The query name (equal to the file stem).
        purpose: One-line description.
        params: Declared parameters, in file order.
        returns: Returned column names.
        text: The full file text (header comments included; Cypher ignores them).
        path: The file.
        example: The documented example call as ``key=value`` strings (empty: no parameters).
    """

    name: str
    purpose: str
    params: tuple[QueryParam, ...]
    returns: tuple[str, ...]
    text: str
    path: Path
    example: tuple[str, ...] = ()

    def example_command(self) -> str:
        """The example as a ``medkg query`` command line."""
        return " ".join(["medkg query", self.name, *(f"--param {shlex.quote(e)}" for e in self.example)])

    def param(self, name: str) -> QueryParam:
        """The declared parameter ``name``."""
        for p in self.params:
            if p.name == name:
                return p
        raise QueryError(f"query {self.name!r} has no parameter {name!r}; declared: {self.param_names() or '(none)'}")

    def param_names(self) -> list[str]:
        """Declared parameter names."""
        return [p.name for p in self.params]


# --------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------


def _check_type(type_: str, where: str) -> str:
    if type_ in SCALAR_TYPES or _LIST.match(type_):
        return type_
    raise QueryError(f"{where}: unknown parameter type {type_!r} (use string, int, float, bool or list<...>)")


def _convert_scalar(raw: str, type_: str, where: str) -> Any:
    try:
        if type_ == "int":
            return int(raw)
        if type_ == "float":
            return float(raw)
        if type_ == "bool":
            low = raw.strip().lower()
            if low in ("true", "1", "yes"):
                return True
            if low in ("false", "0", "no"):
                return False
            raise ValueError(raw)
    except ValueError:
        raise QueryError(f"{where}: {raw!r} is not a valid {type_}") from None
    return raw


def convert_value(raw: str, type_: str, where: str = "value") -> Any:
    """Convert a command-line string to a parameter of type ``type_`` (lists split on commas)."""
    m = _LIST.match(type_)
    if m:
        return [_convert_scalar(item.strip(), m.group(1), where) for item in raw.split(",") if item.strip()]
    return _convert_scalar(raw, type_, where)


def parse_query_file(path: str | Path) -> QuerySpec:
    """Parse one ``.cypher`` file with its header.

    Raises:
        QueryError: Missing header fields, a name that differs from the file stem, a bad parameter
            declaration, or declared parameters that differ from those the text uses.
    """
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {}
    current: str | None = None
    body_lines = []
    in_header = True
    for line in text.splitlines():
        stripped = line.strip()
        if in_header and stripped.startswith("//"):
            m = _FIELD.match(stripped)
            if m:
                current = m.group(1)
                fields.setdefault(current, []).append(m.group(2).strip())
            elif current is not None:
                fields[current].append(stripped[2:].strip())
            continue
        if stripped:
            in_header = False
        if not stripped.startswith("//"):
            body_lines.append(line)
    where = str(p)
    for key in _HEADER_KEYS:
        if key not in fields:
            raise QueryError(f"{where}: header lacks '// {key}: ...'")
    name = " ".join(fields["name"]).strip()
    if name != p.stem:
        raise QueryError(f"{where}: header name {name!r} differs from the file name {p.stem!r}")
    purpose = " ".join(x for x in fields["purpose"] if x)
    if not purpose:
        raise QueryError(f"{where}: empty purpose")
    params = []
    entries = [e.strip() for line in fields["params"] for e in line.split(";") if e.strip()]
    if entries != ["none"]:
        for entry in entries:
            m = _PARAM.match(entry)
            if not m:
                raise QueryError(f"{where}: cannot read parameter declaration {entry!r} (want '$name (type): text')")
            pname, ptype, default, desc = m.group(1), m.group(2).strip(), m.group(3), m.group(4).strip()
            _check_type(ptype, f"{where} ${pname}")
            params.append(
                QueryParam(
                    name=pname,
                    type=ptype,
                    description=desc,
                    default=convert_value(default, ptype, f"{where} ${pname} default") if default is not None else None,
                    required=default is None,
                )
            )
    returns = tuple(c.strip() for c in " ".join(fields["returns"]).split(",") if c.strip())
    if not returns:
        raise QueryError(f"{where}: empty returns")
    declared = {q.name for q in params}
    if len(declared) != len(params):
        raise QueryError(f"{where}: a parameter is declared twice")
    used = set(_USED.findall("\n".join(body_lines)))
    if used != declared:
        raise QueryError(f"{where}: declared parameters {sorted(declared)} differ from those used {sorted(used)}")
    example = tuple(e.strip() for line in fields["example"] for e in line.split(";") if e.strip())
    example = () if example == ("none",) else example
    spec = QuerySpec(
        name=name, purpose=purpose, params=tuple(params), returns=returns, text=text, path=p, example=example
    )
    try:
        bind_params(spec, parse_params(example, spec))
    except QueryError as exc:
        raise QueryError(f"{where}: bad example: {exc}") from None
    return spec


@lru_cache(maxsize=4)
def _load_dir(directory: str) -> tuple[QuerySpec, ...]:
    paths = sorted(Path(directory).glob("*.cypher"))
    if not paths:
        raise QueryError(f"no named queries (*.cypher) found in {directory}: is medkg installed with its queries?")
    return tuple(parse_query_file(p) for p in paths)


def list_queries(directory: str | Path | None = None) -> list[QuerySpec]:
    """All queries in ``directory`` (default: the packaged ``queries/``), sorted by name."""
    return list(_load_dir(str(Path(directory) if directory else QUERIES_DIR)))


def get_query(name: str, directory: str | Path | None = None) -> QuerySpec:
    """The query called ``name``.

    Raises:
        QueryError: Unknown name (the message lists the known names).
    """
    specs = list_queries(directory)
    for spec in specs:
        if spec.name == name:
            return spec
    raise QueryError(f"unknown query {name!r}; known: {', '.join(s.name for s in specs)}")


# --------------------------------------------------------------------------------------------------
# Parameters and execution
# --------------------------------------------------------------------------------------------------


def parse_params(pairs: Iterable[str], spec: QuerySpec) -> dict[str, Any]:
    """Turn command-line ``key=value`` strings into typed parameters for ``spec``.

    ``list<...>`` values are split on commas (``a,b,c`` -> ``["a", "b", "c"]``); ``int``, ``float``
    and ``bool`` values are converted. Defaults are not filled in here (see :func:`bind_params`).

    Raises:
        QueryError: A pair without ``=``, an undeclared or repeated key, or a value of the wrong type.
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise QueryError(f"parameter {pair!r} must look like key=value")
        key, raw = pair.split("=", 1)
        key = key.strip().lstrip("$")
        param = spec.param(key)
        if key in out:
            raise QueryError(f"parameter {key!r} given twice")
        out[key] = convert_value(raw, param.type, f"query {spec.name} ${key}")
    return out


def _type_ok(value: Any, type_: str) -> bool:
    m = _LIST.match(type_)
    if m:
        return isinstance(value, (list, tuple)) and all(_type_ok(v, m.group(1)) for v in value)
    if type_ == "string":
        return isinstance(value, str)
    if type_ == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_ == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, bool)


def bind_params(spec: QuerySpec, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check ``params`` against the declaration and fill in defaults.

    Raises:
        QueryError: Missing required or unexpected parameters, or a value of the wrong type.
    """
    given = dict(params or {})
    declared = spec.param_names()
    unexpected = sorted(set(given) - set(declared))
    if unexpected:
        raise QueryError(f"query {spec.name!r}: unexpected parameters {unexpected}; declared: {declared or '(none)'}")
    missing = [p.name for p in spec.params if p.required and p.name not in given]
    if missing:
        raise QueryError(f"query {spec.name!r}: missing parameters {missing}; declared: {declared}")
    out = {}
    for p in spec.params:
        value = given.get(p.name, p.default)
        if not _type_ok(value, p.type):
            raise QueryError(f"query {spec.name!r}: ${p.name} must be {p.type}, got {value!r}")
        out[p.name] = list(value) if isinstance(value, tuple) else value
    return out


def run_query(
    store_or_driver: Any,
    name: str,
    params: Mapping[str, Any] | None = None,
    database: str | None = None,
) -> list[dict[str, Any]]:
    """Run the named query and return its rows as dicts (columns as declared under ``returns``).

    Args:
        store_or_driver: A :class:`~kg.store.neo4j.Neo4jStore` (anything with ``execute_read``) or a
            ``neo4j.Driver``.
        name: Query name.
        params: Parameter values (already typed; see :func:`parse_params` for CLI strings).
        database: Database for a bare driver (a store uses its own).

    Raises:
        QueryError: Unknown query or parameters that do not match its declaration.
    """
    spec = get_query(name)
    bound = bind_params(spec, params)
    log.debug("running query %s with parameters %s", name, sorted(bound))
    if hasattr(store_or_driver, "execute_read"):
        return store_or_driver.execute_read(spec.text, bound)
    import neo4j

    records, _, _ = store_or_driver.execute_query(
        spec.text, bound, database_=database, routing_=neo4j.RoutingControl.READ
    )
    return [record.data() for record in records]


def stats_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Turn ``graph_stats`` rows (kind, name, count) into ``{"nodes": {...}, "edges": {...}}``."""
    out: dict[str, dict[str, int]] = {"nodes": {}, "edges": {}}
    for row in rows:
        bucket = {"node": "nodes", "edge": "edges"}.get(row["kind"])
        if bucket is None:
            raise QueryError(f"graph_stats returned an unknown kind {row['kind']!r}")
        out[bucket][row["name"]] = int(row["count"])
    return out


def graph_stats(store_or_driver: Any, database: str | None = None) -> dict[str, dict[str, int]]:
    """Node counts per label and relationship counts per type, as ``{"nodes": {...}, "edges": {...}}``."""
    return stats_from_rows(run_query(store_or_driver, "graph_stats", {}, database=database))
