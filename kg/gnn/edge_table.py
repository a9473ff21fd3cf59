"""The build's asserted edges with column arrays of their types and endpoints, for selections in numpy.

Serving a target selects, among ~1M edges, the pairs of some relation types between two labels (the
known pairs a hypothesis must not repeat, the pairs that decide which groups are served). Done edge by
edge in Python, each selection read every edge; :class:`EdgeTable` reads the edges' types once into an
array, selects by type with array comparisons, reads the endpoints of one type's edges once for every later
selection and looks up only those, in the edges' order (duplicates kept), so the result equals the
edge-by-edge one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from itertools import repeat
from operator import attrgetter
from typing import overload

import numpy as np
import torch

from kg.types import Edge


class EdgeTable(Sequence[Edge]):
    """The edges (still a sequence of :class:`Edge`) plus ``types``, int32 [E]: each edge's type as a code of
    ``type_codes``. The endpoints of the edges of one type are read on first request and kept."""

    def __init__(self, edges: Sequence[Edge]) -> None:
        self._edges = edges
        names = list(map(attrgetter("type"), edges))
        self.type_codes = {name: code for code, name in enumerate(dict.fromkeys(names))}
        self.types = np.fromiter(map(self.type_codes.__getitem__, names), dtype=np.int32, count=len(names))
        self._ends: dict[str, tuple[np.ndarray, list[str], list[str]]] = {}

    @classmethod
    def of(cls, edges: Sequence[Edge]) -> EdgeTable:
        """``edges`` as a table (itself if it is one already)."""
        return edges if isinstance(edges, EdgeTable) else cls(edges)

    def __len__(self) -> int:
        return len(self._edges)

    @overload
    def __getitem__(self, i: int) -> Edge: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Edge]: ...
    def __getitem__(self, i: int | slice) -> Edge | Sequence[Edge]:
        return self._edges[i]

    def __iter__(self) -> Iterator[Edge]:
        return iter(self._edges)

    def of_type(self, rel: str) -> tuple[np.ndarray, list[str], list[str]]:
        """The edges of type ``rel``: their positions in the table (int64 [k], ascending), heads and tails."""
        if rel not in self._ends:
            code = self.type_codes.get(rel)
            where = np.flatnonzero(self.types == code) if code is not None else np.empty(0, dtype=np.int64)
            chosen = [self._edges[i] for i in where.tolist()]
            self._ends[rel] = (where, [e.head for e in chosen], [e.tail for e in chosen])
        return self._ends[rel]

    def pairs(
        self, positions: Mapping[str, tuple[str, int]], head: str, tail: str, relations: Collection[str]
    ) -> torch.Tensor:
        """long [2, K]: (head index, tail index) in ``positions`` (node id -> (label, index)) of every edge whose
        type is in ``relations``, whose head is a ``head`` node and whose tail a ``tail`` node of ``positions``;
        in edge order, duplicates kept."""
        parts = [self.of_type(rel) for rel in sorted(set(relations))]
        where = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, dtype=np.int64)
        head_index = {node: k for node, (label, k) in positions.items() if label == head}
        tail_index = {node: k for node, (label, k) in positions.items() if label == tail}
        h = np.fromiter(
            (k for p in parts for k in map(head_index.get, p[1], repeat(-1))), dtype=np.int64, count=len(where)
        )
        t = np.fromiter(
            (k for p in parts for k in map(tail_index.get, p[2], repeat(-1))), dtype=np.int64, count=len(where)
        )
        order = np.argsort(where, kind="stable")  # back to edge order across the types
        h, t = h[order], t[order]
        keep = (h >= 0) & (t >= 0)
        return torch.from_numpy(np.stack([h[keep], t[keep]]))
