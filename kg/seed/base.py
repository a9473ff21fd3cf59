"""Shared types for curated seed loaders (Hetionet, HPO, ...).

A seed loader turns a curated resource into graph nodes and edges. It never drops a record
silently: a record it cannot use goes to ``quarantine`` with its reason and location, and
records skipped by design (for example node kinds outside the schema) are counted in ``stats``.
"""

from __future__ import annotations

import gc
import hashlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kg.types import Edge, Node, QuarantineRecord


class SeedError(RuntimeError):
    """A seed resource is missing or unreadable as a whole (as opposed to one bad record)."""


class MissingSeedFileError(SeedError, FileNotFoundError):
    """A file that a seed loader needs does not exist. The message names the file."""


@dataclass(frozen=True)
class SeedGraph:
    """Nodes, edges and quarantined records produced by one seed loader.

    Attributes:
        nodes: Graph nodes, one per CURIE.
        edges: Graph edges, one per (head, type, tail).
        quarantine: Input records that were not used, each with its reason and location.
        stats: Counts and metadata about the load (per-type counts, versions, timings).
    """

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    quarantine: list[QuarantineRecord] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a loader builds many small acyclic objects.

    Creating hundreds of thousands of frozen models triggers repeated full collections that
    roughly double the load time; the objects form no cycles, so pausing loses nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def cap_edges_per_type(
    edges: Sequence[Edge], max_per_type: int | None, salt: str = "medkg-seed-sample-1"
) -> list[Edge]:
    """A deterministic sample of a seed: at most ``max_per_type`` edges of each relationship type.

    Types with at most ``max_per_type`` edges are kept whole (in Hetionet: every TREATS, PALLIATES,
    RESEMBLES and drug-disease edge); of a larger type, the edges with the smallest
    ``sha256(salt, head, type, tail)`` are kept, so the same seed files and cap always give the same
    sample whatever the input order. Nodes are not sampled. For quick trials and CI, not for
    production graphs.

    Args:
        edges: The seed's edges.
        max_per_type: The cap; None keeps everything.
        salt: Changes which edges a cap keeps.

    Returns:
        The kept edges, in their input order.
    """
    if max_per_type is None:
        return list(edges)
    if max_per_type < 0:
        raise ValueError(f"max_per_type must be >= 0, got {max_per_type}")
    by_type: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for i, e in enumerate(edges):
        by_type[e.type].append((hashlib.sha256(f"{salt}\t{e.head}\t{e.type}\t{e.tail}".encode()).hexdigest(), i))
    keep: set[int] = set()
    for rows in by_type.values():
        keep.update(i for _, i in sorted(rows)[:max_per_type])
    return [e for i, e in enumerate(edges) if i in keep]
