"""Shared types for curated seed loaders (Hetionet, HPO, ...).

A seed loader turns a curated resource into graph nodes and edges. It never drops a record
silently: a record it cannot use goes to ``quarantine`` with its reason and location, and
records skipped by design (for example node kinds outside the schema) are counted in ``stats``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
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
