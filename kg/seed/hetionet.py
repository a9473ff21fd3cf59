"""Hetionet v1.0 as a curated seed graph.

Pure core: :func:`hetionet_curie`, :func:`parse_nodes` and :func:`parse_edges` take lines and
return nodes, edges, quarantined records and counts. Thin shell: :func:`load_hetionet` finds
and opens the files in a Hetionet directory (``hetionet-v1.0-nodes.tsv`` with the header
``id name kind``, and ``hetionet-v1.0-edges*.sif.gz`` with the header ``source metaedge target``).

Node kinds outside the medkg schema (Side Effect, Pathway, Biological Process, Molecular
Function, Cellular Component, Pharmacologic Class) are skipped by design and counted in
``stats["skipped_kinds"]``. Every edge row that cannot be used (malformed, unknown metaedge,
unknown or out-of-schema endpoint, endpoint kinds that do not fit the metaedge, a signature the
schema does not allow, a duplicate) is quarantined with its reason and ``file:line``.
"""

from __future__ import annotations

import gzip
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from kg.logs import get_logger
from kg.schema import GraphSchema, SchemaError
from kg.seed.base import MissingSeedFileError, SeedError, SeedGraph, gc_paused
from kg.types import Edge, Node, QuarantineRecord

logger = get_logger(__name__)

SOURCE = "hetionet"
NODES_FILE = "hetionet-v1.0-nodes.tsv"
EDGES_GLOB = "hetionet-v1.0-edges*.sif.gz"
NODES_HEADER = ("id", "name", "kind")
EDGES_HEADER = ("source", "metaedge", "target")

#: Hetionet metaedge abbreviation -> (medkg relationship type, reversed?). ``reversed`` means the
#: medkg edge points from the Hetionet target to the Hetionet source.
METAEDGE_MAP: dict[str, tuple[str, bool]] = {
    "CtD": ("TREATS", False),
    "CpD": ("PALLIATES", False),
    "CbG": ("BINDS", False),
    "CuG": ("UPREGULATES", False),
    "CdG": ("DOWNREGULATES", False),
    "CrC": ("RESEMBLES", False),
    "DaG": ("ASSOCIATED_WITH", False),
    "DuG": ("UPREGULATES", False),
    "DdG": ("DOWNREGULATES", False),
    "DrD": ("RESEMBLES", False),
    "DlA": ("LOCALIZES_TO", False),
    "AuG": ("UPREGULATES", False),
    "AdG": ("DOWNREGULATES", False),
    "GiG": ("INTERACTS_WITH", False),
    "GcG": ("COVARIES_WITH", False),
    "Gr>G": ("REGULATES", False),
}

#: Hetionet metaedge abbreviation -> (source kind, target kind), as in Hetionet's metagraph.
METAEDGE_KINDS: dict[str, tuple[str, str]] = {
    "CtD": ("Compound", "Disease"),
    "CpD": ("Compound", "Disease"),
    "CbG": ("Compound", "Gene"),
    "CuG": ("Compound", "Gene"),
    "CdG": ("Compound", "Gene"),
    "CrC": ("Compound", "Compound"),
    "DaG": ("Disease", "Gene"),
    "DuG": ("Disease", "Gene"),
    "DdG": ("Disease", "Gene"),
    "DrD": ("Disease", "Disease"),
    "DlA": ("Disease", "Anatomy"),
    "AuG": ("Anatomy", "Gene"),
    "AdG": ("Anatomy", "Gene"),
    "GiG": ("Gene", "Gene"),
    "GcG": ("Gene", "Gene"),
    "Gr>G": ("Gene", "Gene"),
}

#: Hetionet node kind -> medkg node label. Kinds not listed are outside the schema.
KIND_TO_LABEL: dict[str, str] = {
    "Compound": "Drug",
    "Disease": "Disease",
    "Gene": "Gene",
    "Anatomy": "Anatomy",
    "Symptom": "Symptom",
}

#: Hetionet node kind -> CURIE prefix put before the local id (None: the local id is a CURIE).
_KIND_PREFIX: dict[str, str | None] = {
    "Compound": "DRUGBANK",
    "Disease": None,  # Disease::DOID:363 -> DOID:363
    "Gene": "NCBIGene",
    "Anatomy": None,  # Anatomy::UBERON:0000002 -> UBERON:0000002
    "Symptom": "MESH",
}


def hetionet_curie(hetionet_id: str) -> tuple[str, str]:
    """Map a Hetionet node id to its medkg (label, CURIE).

    Args:
        hetionet_id: A Hetionet id such as ``Compound::DB00997`` or ``Disease::DOID:363``.

    Returns:
        The medkg node label and CURIE, e.g. ``("Drug", "DRUGBANK:DB00997")``.

    Raises:
        ValueError: The id has no ``Kind::`` part, an empty local id, or a kind outside the schema.
    """
    kind, sep, local = hetionet_id.partition("::")
    if not sep or not local:
        raise ValueError(f"not a Hetionet id (expected 'Kind::local'): {hetionet_id!r}")
    if kind not in KIND_TO_LABEL:
        raise ValueError(f"Hetionet kind {kind!r} is not in the medkg schema")
    prefix = _KIND_PREFIX[kind]
    curie = f"{prefix}:{local}" if prefix else local
    return KIND_TO_LABEL[kind], curie


def resolve_edge_types(edge_types: Iterable[str] | None) -> frozenset[str] | None:
    """Turn a selection of edge types into a set of Hetionet metaedge abbreviations.

    Args:
        edge_types: Hetionet abbreviations (``CtD``) and/or medkg relationship types
            (``TREATS``); None selects all.

    Returns:
        The selected abbreviations, or None for all.

    Raises:
        ValueError: A name is neither a known abbreviation nor a mapped relationship type.
    """
    if edge_types is None:
        return None
    selected: set[str] = set()
    for name in edge_types:
        if name in METAEDGE_MAP:
            selected.add(name)
            continue
        matches = {abbr for abbr, (rel, _) in METAEDGE_MAP.items() if rel == name}
        if not matches:
            known = sorted(METAEDGE_MAP) + sorted({rel for rel, _ in METAEDGE_MAP.values()})
            raise ValueError(f"unknown Hetionet edge type {name!r}; known: {', '.join(known)}")
        selected |= matches
    return frozenset(selected)


def parse_nodes(
    lines: Iterable[str], schema: GraphSchema, location: str = NODES_FILE
) -> tuple[dict[str, Node], list[QuarantineRecord], dict[str, object]]:
    """Parse the Hetionet nodes TSV (header ``id name kind``) into medkg nodes.

    Args:
        lines: The file's lines, header first (trailing newlines allowed).
        schema: The graph schema; every CURIE is checked with ``schema.check_node_id``.
        location: File name used in quarantine locations.

    Returns:
        ``(nodes, quarantine, stats)`` where ``nodes`` maps the Hetionet id to its Node, and
        ``stats`` holds ``nodes_by_label``, ``skipped_kinds`` (kind -> count) and ``rows``.

    Raises:
        SeedError: The header is missing or not ``id name kind``.
    """
    it = iter(lines)
    header = next(it, None)
    if header is None or tuple(header.rstrip("\r\n").split("\t")) != NODES_HEADER:
        raise SeedError(f"{location}: expected header {'<TAB>'.join(NODES_HEADER)!r}, got {header!r}")
    nodes: dict[str, Node] = {}
    first_line: dict[str, int] = {}
    quarantine: list[QuarantineRecord] = []
    skipped: Counter[str] = Counter()
    rows = 0
    for lineno, raw in enumerate(it, start=2):
        line = raw.rstrip("\r\n")
        if not line:
            continue
        rows += 1
        parts = line.split("\t")
        where = f"{location}:{lineno}"
        if len(parts) != 3 or not all(p.strip() for p in parts):
            quarantine.append(
                QuarantineRecord(
                    source=SOURCE,
                    location=where,
                    reason=f"malformed node row: expected 3 non-empty tab-separated columns, got {len(parts)}",
                )
            )
            continue
        hid, name, kind = parts
        if kind not in KIND_TO_LABEL:
            skipped[kind] += 1
            continue
        id_kind = hid.partition("::")[0]
        if id_kind != kind:
            quarantine.append(
                QuarantineRecord(
                    source=SOURCE,
                    location=where,
                    reason=f"node id kind {id_kind!r} does not match kind column {kind!r}",
                )
            )
            continue
        try:
            label, curie = hetionet_curie(hid)
            schema.check_node_id(label, curie)
        except (ValueError, SchemaError) as exc:
            quarantine.append(QuarantineRecord(source=SOURCE, location=where, reason=str(exc)))
            continue
        if hid in nodes:
            quarantine.append(
                QuarantineRecord(
                    source=SOURCE,
                    location=where,
                    reason=f"duplicate node id {hid!r} (first at line {first_line[hid]})",
                )
            )
            continue
        nodes[hid] = Node(id=curie, label=label, name=name.strip(), sources=(SOURCE,))
        first_line[hid] = lineno
    stats: dict[str, object] = {
        "rows": rows,
        "nodes_by_label": dict(sorted(Counter(n.label for n in nodes.values()).items())),
        "skipped_kinds": dict(sorted(skipped.items())),
    }
    return nodes, quarantine, stats


@dataclass
class _EdgeRows:
    """The state of one edge-file parse: kept edges, quarantine, counts and the signature verdicts."""

    nodes: dict[str, Node]
    schema: GraphSchema
    edge_types: frozenset[str] | None
    edges: list[Edge] = field(default_factory=list)
    seen: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (head, type, tail) -> first line
    quarantine: list[QuarantineRecord] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    by_metaedge: Counter[str] = field(default_factory=Counter)
    filtered_out: int = 0
    # Signature checks are per (metaedge, source kind, target kind): the verdicts are cached.
    verdicts: dict[tuple[str, str, str], str | None] = field(default_factory=dict)

    def bad(self, where: str, kind: str, reason: str) -> None:
        self.reasons[kind] += 1
        self.quarantine.append(QuarantineRecord(source=SOURCE, location=where, reason=reason))

    def verdict(self, metaedge: str, src: str, dst: str, head: Node, rel: str, tail: Node) -> str | None:
        """Why an edge of this metaedge between these endpoint kinds is refused, or None if it fits."""
        src_kind = src.partition("::")[0]
        dst_kind = dst.partition("::")[0]
        key = (metaedge, src_kind, dst_kind)
        if key not in self.verdicts:
            exp_src, exp_dst = METAEDGE_KINDS[metaedge]
            if (src_kind, dst_kind) != (exp_src, exp_dst):
                self.verdicts[key] = (
                    f"endpoint kinds {src_kind}->{dst_kind} do not fit metaedge {metaedge} ({exp_src}->{exp_dst})"
                )
            elif not self.schema.allows(head.label, rel, tail.label):
                self.verdicts[key] = f"signature ({head.label})-[{rel}]->({tail.label}) is not allowed by the schema"
            else:
                self.verdicts[key] = None
        return self.verdicts[key]

    def add(self, parts: list[str], lineno: int, where: str) -> None:
        """Keep, filter out or quarantine one data row (its tab-separated columns)."""
        if len(parts) != 3 or not all(parts):
            self.bad(
                where, "malformed", f"malformed edge row: expected 3 non-empty tab-separated columns, got {len(parts)}"
            )
            return
        src, metaedge, dst = parts
        mapped = METAEDGE_MAP.get(metaedge)
        if mapped is None:
            self.bad(where, "unknown metaedge", f"unknown metaedge {metaedge!r}")
            return
        if self.edge_types is not None and metaedge not in self.edge_types:
            self.filtered_out += 1
            return
        head_node = self.nodes.get(src)
        tail_node = self.nodes.get(dst)
        if head_node is None or tail_node is None:
            missing = src if head_node is None else dst
            self.bad(where, "unknown node", f"unknown node {missing!r} (absent from nodes file or kind outside schema)")
            return
        rel, reverse = mapped
        if reverse:
            head_node, tail_node = tail_node, head_node
        verdict = self.verdict(metaedge, src, dst, head_node, rel, tail_node)
        if verdict is not None:
            self.bad(where, "disallowed signature", verdict)
            return
        triple = (head_node.id, rel, tail_node.id)
        if triple in self.seen:
            self.bad(where, "duplicate", f"duplicate edge {metaedge} (first at line {self.seen[triple]})")
            return
        self.seen[triple] = lineno
        self.by_metaedge[metaedge] += 1
        self.edges.append(
            Edge(
                head=head_node.id,
                type=rel,
                tail=tail_node.id,
                sources=(SOURCE,),
                evidence_count=0,
                confidence=1.0,
                best_confidence=1.0,
            )
        )


def parse_edges(
    lines: Iterable[str],
    nodes: dict[str, Node],
    schema: GraphSchema,
    edge_types: frozenset[str] | None = None,
    location: str = "edges.sif.gz",
) -> tuple[list[Edge], list[QuarantineRecord], dict[str, object]]:
    """Parse a Hetionet SIF edge list (header ``source metaedge target``) into medkg edges.

    Args:
        lines: The file's lines, header first.
        nodes: Hetionet id -> Node, from :func:`parse_nodes`.
        schema: The graph schema; every signature must satisfy ``schema.allows``.
        edge_types: Metaedge abbreviations to keep (see :func:`resolve_edge_types`); rows of
            other known metaedges are counted in ``stats["filtered_out"]``. None keeps all.
        location: File name used in quarantine locations.

    Returns:
        ``(edges, quarantine, stats)``; stats holds ``rows``, ``edges_by_type``,
        ``edges_by_metaedge``, ``filtered_out`` and ``quarantine_reasons`` (reason kind -> count).

    Raises:
        SeedError: The header is missing or not ``source metaedge target``.
    """
    it = iter(lines)
    header = next(it, None)
    if header is None or tuple(header.rstrip("\r\n").split("\t")) != EDGES_HEADER:
        raise SeedError(f"{location}: expected header {'<TAB>'.join(EDGES_HEADER)!r}, got {header!r}")
    parsed = _EdgeRows(nodes, schema, edge_types)
    rows = 0
    for lineno, raw in enumerate(it, start=2):
        line = raw.rstrip("\r\n")
        if not line:
            continue
        rows += 1
        if rows % 200_000 == 0:
            logger.debug("hetionet edges: %d rows read", rows)
        parsed.add(line.split("\t"), lineno, f"{location}:{lineno}")
    stats: dict[str, object] = {
        "rows": rows,
        "edges_by_type": dict(sorted(Counter(e.type for e in parsed.edges).items())),
        "edges_by_metaedge": dict(sorted(parsed.by_metaedge.items())),
        "filtered_out": parsed.filtered_out,
        "quarantine_reasons": dict(sorted(parsed.reasons.items())),
    }
    return parsed.edges, parsed.quarantine, stats


def find_files(directory: str | Path) -> tuple[Path, Path]:
    """Locate the nodes TSV and the edges SIF in a Hetionet directory.

    Args:
        directory: A folder holding ``hetionet-v1.0-nodes.tsv`` and one
            ``hetionet-v1.0-edges*.sif.gz``.

    Returns:
        ``(nodes_path, edges_path)``.

    Raises:
        MissingSeedFileError: The directory or one of the files does not exist.
        SeedError: Several edge files match.
    """
    d = Path(directory)
    if not d.is_dir():
        raise MissingSeedFileError(f"Hetionet directory not found: {d}")
    nodes_path = d / NODES_FILE
    if not nodes_path.is_file():
        raise MissingSeedFileError(f"Hetionet nodes file not found: {nodes_path}")
    edge_files = sorted(d.glob(EDGES_GLOB))
    if not edge_files:
        raise MissingSeedFileError(f"Hetionet edges file not found: {d / EDGES_GLOB}")
    if len(edge_files) > 1:
        raise SeedError(f"several Hetionet edge files in {d}: {', '.join(p.name for p in edge_files)}; keep one")
    return nodes_path, edge_files[0]


def _lines(f: TextIO) -> Iterator[str]:
    yield from f


def load_hetionet(directory: str | Path, schema: GraphSchema, edge_types: Iterable[str] | None = None) -> SeedGraph:
    """Load Hetionet nodes and edges from ``directory`` as a medkg seed graph.

    Args:
        directory: Folder with ``hetionet-v1.0-nodes.tsv`` and ``hetionet-v1.0-edges*.sif.gz``.
        schema: The graph schema.
        edge_types: Hetionet abbreviations and/or medkg relationship types to keep; None keeps all.

    Returns:
        A SeedGraph whose nodes are all in-schema Hetionet nodes (with or without edges), whose
        edges carry ``sources=("hetionet",)``, confidence 1.0 and evidence_count 0, and whose
        stats hold per-label / per-type counts, skipped node kinds, quarantine counts and
        the load time in seconds.

    Raises:
        MissingSeedFileError: A required file is missing.
        SeedError: A file's header is wrong.
        ValueError: An unknown name in ``edge_types``.
    """
    t0 = time.perf_counter()
    selected = resolve_edge_types(edge_types)
    nodes_path, edges_path = find_files(directory)
    logger.info("hetionet: reading nodes from %s", nodes_path)
    with nodes_path.open(encoding="utf-8") as f:
        nodes, node_q, node_stats = parse_nodes(_lines(f), schema, location=nodes_path.name)
    logger.info(
        "hetionet: %d nodes kept, %d quarantined, kinds skipped (not in schema): %s",
        len(nodes),
        len(node_q),
        node_stats["skipped_kinds"],
    )
    logger.info("hetionet: reading edges from %s", edges_path)
    try:
        with gzip.open(edges_path, "rt", encoding="utf-8") as f, gc_paused():
            edges, edge_q, edge_stats = parse_edges(_lines(f), nodes, schema, selected, location=edges_path.name)
    except (OSError, EOFError) as exc:
        raise SeedError(f"cannot read Hetionet edges file {edges_path}: {exc}") from exc
    quarantine = node_q + edge_q
    elapsed = time.perf_counter() - t0
    logger.info(
        "hetionet: %d edges kept, %d rows quarantined (%s), %d filtered out, %.1f s",
        len(edges),
        len(edge_q),
        edge_stats["quarantine_reasons"],
        edge_stats["filtered_out"],
        elapsed,
    )
    stats: dict[str, object] = {
        "source": SOURCE,
        "nodes_file": nodes_path.name,
        "edges_file": edges_path.name,
        "nodes": len(nodes),
        "edges": len(edges),
        "quarantined": len(quarantine),
        "node_rows": node_stats["rows"],
        "nodes_by_label": node_stats["nodes_by_label"],
        "skipped_kinds": node_stats["skipped_kinds"],
        "edge_rows": edge_stats["rows"],
        "edges_by_type": edge_stats["edges_by_type"],
        "edges_by_metaedge": edge_stats["edges_by_metaedge"],
        "filtered_out": edge_stats["filtered_out"],
        "quarantine_reasons": edge_stats["quarantine_reasons"],
        "seconds": round(elapsed, 2),
    }
    return SeedGraph(nodes=list(nodes.values()), edges=edges, quarantine=quarantine, stats=stats)
