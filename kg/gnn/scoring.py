"""A trained link predictor as scores: node embeddings over a graph and per-query scorers."""

from __future__ import annotations

import torch
from torch import Tensor

from .data import EdgeType, GraphIndex
from .metapaths import PairFeatures
from .model import LinkPredictor
from .protocols import QueryScorer


def edge_dicts(graph: GraphIndex) -> tuple[dict[EdgeType, Tensor], dict[EdgeType, Tensor]]:
    """Every edge type's ``edge_index`` long [2, E] and ``edge_weight`` float [E] of ``graph``."""
    ei = {et: graph.data[et].edge_index for et in graph.data.edge_types}
    ew = {et: graph.data[et].edge_weight for et in graph.data.edge_types}
    return ei, ew


def embed(model: LinkPredictor, graph: GraphIndex) -> dict[str, Tensor]:
    """Node embeddings over the whole graph in eval mode: ``{label: Tensor[num_nodes_label, dim]}``."""
    model.eval()
    ei, ew = edge_dicts(graph)
    with torch.no_grad():
        return model.encoder(ei, ew)


def gnn_scorers(
    model: LinkPredictor,
    z: dict[str, Tensor],
    target: EdgeType,
    query_side: str = "head",
    features: PairFeatures | None = None,
) -> QueryScorer:
    """The model's logits for ``target`` from embeddings ``z``, seen from ``query_side``.

    ``features``: pair features on the evaluation graph; required when the model has a pair head.
    """
    head, rel, tail = target
    if model.pair_head is not None and features is None:
        raise ValueError("the model has a pair head: pass the pair features of the evaluation graph")
    pair_head = model.pair_head

    def rows(q: Tensor) -> Tensor:
        if query_side == "head":
            s = model.decoder.score_all(z[head][q], z[tail], rel)  # [Q, T]
        else:
            s = model.decoder.score_all(z[head], z[tail][q], rel).t()  # [Q, H]
        if pair_head is not None and features is not None:
            s = s + pair_head(features.rows(q))
        return s

    def pairs(q: Tensor, c: Tensor) -> Tensor:
        h, t = (q, c) if query_side == "head" else (c, q)
        s = model.decoder(z[head][h], z[tail][t], rel)  # [B]
        if pair_head is not None and features is not None:
            s = s + pair_head(features.pairs(h, t))
        return s

    return QueryScorer(rows=rows, pairs=pairs)
