"""A stacked model (TREATS, HAS_SYMPTOM) as a served target: training on the seed graph, files, graph-free scoring.

Files (no pickle): ``TARGET.json`` holds the model (:meth:`kg.gnn.stacked.StackedModel.to_json`), the ids
of the training graph's head and tail nodes and how the stored matrices chain into metapaths;
``TARGET.safetensors`` holds the degree-weighted adjacency matrices of those metapaths (CSR parts) and
the log target degrees (a matrix that is the transpose of an earlier one is stored once, as a negative
reference ``-(k + 1)``), so ``medkg predict score`` scores pairs of the training graph without reading
it. ``build`` / ``demo`` compute the features on the build's own graph instead
(:func:`kg.gnn.stacked.stacked_scorer`), so a node the training graph lacks is scored through its edges.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from safetensors.torch import load_file, save_file
from torch import Tensor

from kg.logs import get_logger
from kg.schema import GraphSchema
from kg.types import Edge, Node

from .data import GraphIndex, build_graph
from .external import GRAPH_EXCLUDE, GRAPH_RELATIONS
from .metapaths import MetapathFeaturizer, PairFeatures
from .stacked import KIND, StackedModel, StackedSpec, aligned, fit_stacked, graph_features
from .stacked_paths import METAPATHS, TARGETS
from .stacked_prior import COUNT_SUFFIX

log = get_logger(__name__)


@dataclass
class StackedTarget:
    """A served stacked target: the model, its training graph's ids and stored features (head side).

    Attributes:
        model: the fitted model.
        head_ids, tail_ids: Drug and Disease ids of the training graph, in index order.
        features: the training graph's features (``features.pairs(heads, tails)``).
    """

    model: StackedModel
    head_ids: list[str]
    tail_ids: list[str]
    features: PairFeatures

    @property
    def target(self) -> tuple[str, str, str]:
        """(head label, relation, tail label) of the model."""
        return self.model.target

    def logits(self, heads: Tensor, tails: Tensor) -> Tensor:
        """Calibrated log-odds of aligned training-graph (head, tail) indices long [B], [B] -> float [B]."""
        x = aligned(self.model, self.features, self.features.pairs(heads, tails))
        return torch.from_numpy(self.model.logit(x, inplace=True)).float()


def graph_relations(rel: str, metapaths: Sequence[str] | None = None) -> tuple[str, ...]:
    """The relations of a stacked ``rel`` model's graph: TREATS keeps the external protocols' relations
    (:data:`kg.gnn.external.GRAPH_RELATIONS`); another target, ``rel`` and those of its ``metapaths``."""
    if rel == "TREATS":
        return GRAPH_RELATIONS
    every = METAPATHS[rel]
    names = list(every) if metapaths is None else metapaths
    found = {et[1].removeprefix("rev_") for n in names for et in every[n]}
    return tuple(sorted(found | {rel}))


def stacked_graph(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    rel: str = "TREATS",
    metapaths: Sequence[str] | None = None,
) -> GraphIndex:
    """The graph the stacked model is trained on: the relations of its metapaths only."""
    return build_graph(nodes, edges, schema, edge_types=graph_relations(rel, metapaths), exclude=GRAPH_EXCLUDE)


def train_stacked(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    spec: StackedSpec,
    target_sources: Sequence[str] | None = None,
    rel: str = "TREATS",
) -> tuple[StackedTarget, dict[str, Any]]:
    """Fit the stacked ``rel`` model on the seed graph (``rel`` edges of ``target_sources`` only, when given).

    Returns:
        The target and its stats (internal metrics, coefficients, sizes, seconds) for ``meta.json``.

    Raises:
        ValueError: ``rel`` is not a target a stacked model can be trained for.
    """
    t0 = time.perf_counter()
    if rel not in TARGETS:
        raise ValueError(f"no stacked model for {rel} (known: {', '.join(TARGETS)})")
    target = TARGETS[rel]
    kept = [e for e in edges if e.type != rel or not target_sources or any(s in target_sources for s in e.sources)]
    graph = stacked_graph(nodes, kept, schema, rel, spec.metapaths)
    model = fit_stacked(graph, spec, target)
    st = StackedTarget(
        model=model,
        head_ids=list(graph.node_ids[target[0]]),
        tail_ids=list(graph.node_ids[target[2]]),
        features=graph_features(model, graph, "head"),
    )
    stats = {
        "kind": KIND,
        "spec": spec.model_dump(),
        "target_pairs": int(graph.forward_edges(target).size(1)),
        "internal": model.metrics,
        "coefficients": model.coefficients(),
        "platt": list(model.platt),
        "base_rate": model.base_rate,
        "graph_edges": int(sum(graph.forward_count.values())),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return st, stats


def save_stacked(st: StackedTarget, out: Path, rel: str) -> int:
    """Write ``rel.json`` and ``rel.safetensors`` into ``out``; returns their total size in bytes."""
    f = st.features.featurizer
    tensors: dict[str, Tensor] = {"deg_head": st.features.deg_head.float(), "deg_tail": st.features.deg_tail.float()}
    ids: dict[int, int] = {}
    chains: list[list[int]] = []
    shapes: list[list[int]] = []
    stored: list[sp.csr_matrix] = []
    for chain in f.chains:
        refs = []
        for m in chain:
            t = _transpose_of(m, stored)
            if id(m) not in ids and t is not None:
                ids[id(m)] = -(t + 1)
            if id(m) not in ids:
                ids[id(m)] = k = len(shapes)
                stored.append(m.tocsr())
                csr = m.tocsr()
                tensors[f"m{k}.indptr"] = torch.from_numpy(csr.indptr.astype(np.int64))
                tensors[f"m{k}.indices"] = torch.from_numpy(csr.indices.astype(np.int64))
                tensors[f"m{k}.data"] = torch.from_numpy(csr.data.astype(np.float32))
                shapes.append(list(csr.shape))
            refs.append(ids[id(m)])
        chains.append(refs)
    doc = {
        **st.model.to_json(),
        "head_ids": st.head_ids,
        "tail_ids": st.tail_ids,
        "stored": {"names": f.names, "chains": chains, "shapes": shapes, "num_candidates": f.num_candidates},
    }
    (out / f"{rel}.json").write_text(json.dumps(doc) + "\n", encoding="utf-8")
    save_file(tensors, str(out / f"{rel}.safetensors"))
    return (out / f"{rel}.json").stat().st_size + (out / f"{rel}.safetensors").stat().st_size


def _transpose_of(m: sp.spmatrix, stored: Sequence[sp.csr_matrix]) -> int | None:
    """The index of a stored matrix whose transpose equals ``m`` up to rounding (a reverse edge type), else None."""
    for k, s in enumerate(stored):
        if s.shape == m.shape[::-1] and s.nnz == m.nnz:
            diff = abs(s.T - m)
            if diff.nnz == 0 or diff.max() <= 1e-12 * abs(m).max():  # the same up to rounding
                return k
    return None


def load_stacked(folder: Path, rel: str) -> StackedTarget:
    """Read a target written by :func:`save_stacked`.

    Raises:
        FileNotFoundError: a file is missing.
        ValueError: the files do not hold a stacked model, or do not match each other.
    """
    doc = json.loads((folder / f"{rel}.json").read_text(encoding="utf-8"))
    model = StackedModel.from_json(doc)
    tensors = load_file(str(folder / f"{rel}.safetensors"))
    stored = doc["stored"]
    base = [
        sp.csr_matrix(
            (
                tensors[f"m{k}.data"].double().numpy(),
                tensors[f"m{k}.indices"].numpy(),
                tensors[f"m{k}.indptr"].numpy(),
            ),
            shape=tuple(shape),
        )
        for k, shape in enumerate(stored["shapes"])
    ]
    mats = dict(enumerate(base))
    refs = {r for chain in stored["chains"] for r in chain if r < 0}
    mats.update({r: base[-r - 1].T.tocsr() for r in refs})
    names = list(stored["names"])
    linear = np.array([n.endswith(COUNT_SUFFIX) for n in names], dtype=bool)
    feat = MetapathFeaturizer(
        names=names,
        chains=[[mats[i] for i in chain] for chain in stored["chains"]],
        scales=np.array([model.scales[n] for n in names]),
        num_candidates=int(stored["num_candidates"]),
        query_side="head",
        linear=linear if linear.any() else None,
    )
    head_ids, tail_ids = list(doc["head_ids"]), list(doc["tail_ids"])
    dh, dt = tensors["deg_head"], tensors["deg_tail"]
    if dh.numel() != len(head_ids) or dt.numel() != len(tail_ids) or feat.num_candidates != len(tail_ids):
        raise ValueError(f"{folder / rel}: the stored matrices do not match the model's node ids")
    return StackedTarget(model=model, head_ids=head_ids, tail_ids=tail_ids, features=PairFeatures(feat, dh, dt))
