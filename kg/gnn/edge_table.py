"""The build's asserted edges with column arrays of their types and endpoints, for selections in numpy.

Serving a target selects, among ~1M edges, the pairs of some relation types between two labels (the
known pairs a hypothesis must not repeat, the pairs that decide which groups are served). Done edge by
edge in Python, each selection took about a second; :class:`EdgeTable` reads the edges once into integer
columns and answers each selection with array operations, in the edges' order (duplicates kept), so the
result equals the edge-by-edge one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import overload

import numpy as np
import torch

from kg.types import Edge


class EdgeTable(Sequence[Edge]):
    """The edges (still a sequence of :class:`Edge`) plus their columns, each an int array of shape [E]:
    ``types`` (codes of :attr:`type_codes`), ``heads`` and ``tails`` (codes of :attr:`node_codes`)."""

    def __init__(self, edges: Sequence[Edge]) -> None:
        self._edges = edges
        self.type_codes: dict[str, int] = {}
        self.node_codes: dict[str, int] = {}
        types, nodes = self.type_codes, self.node_codes
        n = len(edges)
        self.types = np.fromiter((types.setdefault(e.type, len(types)) for e in edges), dtype=np.int64, count=n)
        self.heads = np.fromiter((nodes.setdefault(e.head, len(nodes)) for e in edges), dtype=np.int64, count=n)
        self.tails = np.fromiter((nodes.setdefault(e.tail, len(nodes)) for e in edges), dtype=np.int64, count=n)

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

    def pairs(
        self, positions: Mapping[str, tuple[str, int]], head: str, tail: str, relations: Collection[str]
    ) -> torch.Tensor:
        """long [2, K]: (head index, tail index) in ``positions`` (node id -> (label, index)) of every edge whose
        type is in ``relations``, whose head is a ``head`` node and whose tail a ``tail`` node of ``positions``;
        in edge order, duplicates kept."""
        n = len(self.node_codes)
        index = np.zeros(n, dtype=np.int64)
        is_head = np.zeros(n, dtype=bool)
        is_tail = np.zeros(n, dtype=bool)
        for node, (label, k) in positions.items():
            code = self.node_codes.get(node)
            if code is not None:
                index[code], is_head[code], is_tail[code] = k, label == head, label == tail
        wanted = [self.type_codes[r] for r in relations if r in self.type_codes]
        keep = np.isin(self.types, wanted) & is_head[self.heads] & is_tail[self.tails]
        return torch.from_numpy(np.stack([index[self.heads[keep]], index[self.tails[keep]]]))
