"""GNN link predictor = encoder (node embeddings) + decoder (edge scores).

Encoders are found by name in :data:`ENCODERS`. Every encoder factory takes
``(num_nodes: Mapping[label, int], edge_types: Sequence[EdgeType], dim: int, **params)`` and returns
a module whose ``forward(edge_index_dict, edge_weight_dict)`` gives ``{label: Tensor[num_nodes_label, dim]}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import torch
from pydantic import BaseModel, ConfigDict
from torch import Tensor, nn
from torch_geometric.nn import GraphConv, HeteroConv, SAGEConv

from kg.registry import Registry

from .data import EdgeType

ENCODERS: Registry[nn.Module] = Registry("GNN encoder")


class EncoderOptions(BaseModel):
    """Options of the message-passing encoders (keys of ``gnn.params``; ``rgcn`` and ``sage`` read the
    layers and dropout, every encoder the feature dropout)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    num_layers: int = 2
    """Message-passing layers of the rgcn / sage encoder."""
    dropout: float = 0.0
    """Dropout on each layer's messages while training."""
    feature_dropout: float = 0.0
    """Dropout on the projected name features while training (with ``name_features``)."""


class EmbeddingEncoder(nn.Module):
    """No message passing: one learnable embedding per node (shallow DistMult when decoded)."""

    def __init__(
        self,
        num_nodes: Mapping[str, int],
        edge_types: Sequence[EdgeType],
        dim: int,
        features: Mapping[str, Tensor] | None = None,
        feature_dropout: float = 0.0,
    ) -> None:
        """Args:
        features: fixed input features per label, float [num_nodes_label, F] (e.g. name embeddings,
            :mod:`kg.gnn.features`); a featured label's input is ``Linear(features)`` instead of a
            learnable per-node embedding, so a node never seen in training still has a real input.
        feature_dropout: dropout on the projected features during training.
        """
        super().__init__()
        self.dim = dim
        features = dict(features or {})
        for label, x in features.items():
            if x.size(0) != num_nodes.get(label, 0):
                raise ValueError(f"features of {label}: {x.size(0)} rows for {num_nodes.get(label, 0)} nodes")
        self.feature_labels = sorted(features)
        self.feature_dropout = feature_dropout
        for label in self.feature_labels:
            self.register_buffer(f"x_{label}", features[label].float(), persistent=False)
        self.proj = nn.ModuleDict({label: nn.Linear(features[label].size(1), dim) for label in self.feature_labels})
        self.emb = nn.ModuleDict(
            {label: nn.Embedding(max(n, 1), dim) for label, n in num_nodes.items() if label not in features}
        )
        for e in self.emb.values():
            nn.init.normal_(cast(nn.Embedding, e).weight, std=0.1)

    def initial(self) -> dict[str, Tensor]:
        """The input embeddings ``{label: Tensor[num_nodes_label, dim]}``."""
        out = {label: cast(nn.Embedding, e).weight for label, e in self.emb.items()}
        for label in self.feature_labels:
            h = self.proj[label](getattr(self, f"x_{label}"))
            out[label] = nn.functional.dropout(h, p=self.feature_dropout, training=self.training)
        return out

    def forward(
        self, edge_index_dict: Mapping[EdgeType, Tensor], edge_weight_dict: Mapping[EdgeType, Tensor] | None = None
    ) -> dict[str, Tensor]:
        """Return ``{label: Tensor[num_nodes_label, dim]}`` (the edges are ignored)."""
        return self.initial()


class RGCNEncoder(EmbeddingEncoder):
    """Relational GCN over the heterogeneous graph.

    Layer: ``h_v' = h_v + act(mean_r (W_r^root h_v + W_r mean_{u in N_r(v)} c_uv h_u))`` with one
    ``GraphConv(aggr="mean")`` per edge type ``r`` (reverse types have their own weights), ``c_uv`` the
    edge confidence, and relations combined by ``HeteroConv(aggr="mean")``. This is R-GCN with
    per-relation neighbour normalisation 1/|N_r(v)|, per-relation root weights and a residual link.
    Input features are learnable per-node embeddings, or a projection of fixed features (``features``).
    """

    def __init__(
        self,
        num_nodes: Mapping[str, int],
        edge_types: Sequence[EdgeType],
        dim: int,
        num_layers: int = 2,
        dropout: float = 0.0,
        features: Mapping[str, Tensor] | None = None,
        feature_dropout: float = 0.0,
    ) -> None:
        super().__init__(num_nodes, edge_types, dim, features, feature_dropout)
        self.edge_types = list(edge_types)
        self.dropout = dropout
        self.convs = nn.ModuleList(
            HeteroConv({et: GraphConv(dim, dim, aggr="mean") for et in self.edge_types}, aggr="mean")
            for _ in range(num_layers)
        )
        self.norms = nn.ModuleList(
            nn.ModuleDict({label: nn.LayerNorm(dim) for label in num_nodes}) for _ in range(num_layers)
        )

    def forward(
        self, edge_index_dict: Mapping[EdgeType, Tensor], edge_weight_dict: Mapping[EdgeType, Tensor] | None = None
    ) -> dict[str, Tensor]:
        """Return ``{label: Tensor[num_nodes_label, dim]}``.

        Args:
            edge_index_dict: edge type -> long [2, E] (head index, tail index); messages flow head -> tail.
            edge_weight_dict: edge type -> float [E], optional.
        """
        x = self.initial()
        eis = {et: ei for et, ei in edge_index_dict.items() if et in set(self.edge_types)}
        ews = {et: edge_weight_dict[et] for et in eis} if edge_weight_dict is not None else None
        for conv, norms in zip(self.convs, self.norms, strict=True):
            out = conv(x, eis, edge_weight_dict=ews) if ews is not None else conv(x, eis)
            new: dict[str, Tensor] = {}
            for label, h in x.items():
                if label in out:
                    m = torch.relu(cast(nn.ModuleDict, norms)[label](out[label]))
                    m = nn.functional.dropout(m, p=self.dropout, training=self.training)
                    new[label] = h + m
                else:
                    new[label] = h
            x = new
        return x


@ENCODERS.register("rgcn")
def _rgcn(num_nodes: Mapping[str, int], edge_types: Sequence[EdgeType], dim: int, **params: object) -> nn.Module:
    return RGCNEncoder(num_nodes, edge_types, dim, **params)  # type: ignore[arg-type]


class SAGEEncoder(RGCNEncoder):
    """Heterogeneous GraphSAGE: one ``SAGEConv(aggr="mean")`` per edge type, relations summed.

    Layer: ``h_v' = h_v + act(LayerNorm(sum_r (W_r^root h_v + W_r mean_{u in N_r(v)} h_u)))`` (GraphSAGE
    ignores edge weights), residual link, learnable node embeddings (or projected fixed features) as input.
    """

    def __init__(
        self,
        num_nodes: Mapping[str, int],
        edge_types: Sequence[EdgeType],
        dim: int,
        num_layers: int = 2,
        dropout: float = 0.0,
        features: Mapping[str, Tensor] | None = None,
        feature_dropout: float = 0.0,
    ) -> None:
        super().__init__(
            num_nodes,
            edge_types,
            dim,
            num_layers=0,
            dropout=dropout,
            features=features,
            feature_dropout=feature_dropout,
        )
        self.convs = nn.ModuleList(
            HeteroConv({et: SAGEConv(dim, dim, aggr="mean") for et in self.edge_types}, aggr="sum")
            for _ in range(num_layers)
        )
        self.norms = nn.ModuleList(
            nn.ModuleDict({label: nn.LayerNorm(dim) for label in num_nodes}) for _ in range(num_layers)
        )

    def forward(
        self, edge_index_dict: Mapping[EdgeType, Tensor], edge_weight_dict: Mapping[EdgeType, Tensor] | None = None
    ) -> dict[str, Tensor]:
        """Return ``{label: Tensor[num_nodes_label, dim]}`` (edge weights are not used by SAGEConv)."""
        return super().forward(edge_index_dict, None)


@ENCODERS.register("sage")
def _sage(num_nodes: Mapping[str, int], edge_types: Sequence[EdgeType], dim: int, **params: object) -> nn.Module:
    return SAGEEncoder(num_nodes, edge_types, dim, **params)  # type: ignore[arg-type]


@ENCODERS.register("embedding")
def _embedding(
    num_nodes: Mapping[str, int],
    edge_types: Sequence[EdgeType],
    dim: int,
    features: Mapping[str, Tensor] | None = None,
    feature_dropout: float = 0.0,
) -> nn.Module:
    return EmbeddingEncoder(num_nodes, edge_types, dim, features=features, feature_dropout=float(feature_dropout))


class DistMultDecoder(nn.Module):
    """DistMult: ``score(h, r, t) = sum_k h_k * r_k * t_k`` with a learnable diagonal per relation."""

    def __init__(self, relations: Sequence[str], dim: int, init: float = 1.0) -> None:
        super().__init__()
        self.relations = list(relations)
        self.rel = nn.Parameter(torch.full((len(self.relations), dim), float(init)))

    def _r(self, rel: str) -> Tensor:
        return self.rel[self.relations.index(rel)]  # [dim]

    def forward(self, h: Tensor, t: Tensor, rel: str) -> Tensor:
        """Logits for aligned pairs: ``h`` [B, dim], ``t`` [B, dim] -> [B]."""
        return (h * self._r(rel) * t).sum(-1)

    def score_all(self, h: Tensor, t: Tensor, rel: str) -> Tensor:
        """Logits for every combination: ``h`` [Q, dim], ``t`` [C, dim] -> [Q, C]."""
        return (h * self._r(rel)) @ t.t()


class PairHead(nn.Module):
    """Logits from pair features (metapath DWPC + log target degrees): float [..., F] -> [...].

    ``linear(x') + mlp(x')`` on standardized features ``x' = (x - mean) / std``. :meth:`init_from` sets the
    standardization and the linear part from a fitted logistic regression; the MLP's output layer starts
    at zero, so an initialized head scores exactly like that regression until training moves it.
    """

    def __init__(self, num_features: int, hidden: int = 16) -> None:
        super().__init__()
        self.num_features = num_features
        self.mean: Tensor
        self.std: Tensor
        self.register_buffer("mean", torch.zeros(num_features))
        self.register_buffer("std", torch.ones(num_features))
        self.linear = nn.Linear(num_features, 1)
        out = nn.Linear(hidden, 1)
        nn.init.zeros_(out.weight)
        nn.init.zeros_(out.bias)
        self.mlp = nn.Sequential(nn.Linear(num_features, hidden), nn.ReLU(), out)

    def init_from(self, mean: Tensor, std: Tensor, weight: Tensor, bias: float) -> None:
        """Standardization [F], [F] and logistic-regression weights [F] and bias (on standardized features)."""
        with torch.no_grad():
            self.mean.copy_(mean.float())
            self.std.copy_(std.float().clamp_min(1e-8))
            self.linear.weight.copy_(weight.float().view(1, -1))
            self.linear.bias.fill_(float(bias))

    def forward(self, x: Tensor) -> Tensor:
        xs = (x - self.mean) / self.std
        return (self.linear(xs) + self.mlp(xs)).squeeze(-1)

    def from_standardized(self, xs: Tensor) -> Tensor:
        """:meth:`forward` of features already standardized, ``(x - mean) / std`` float [..., F] -> [...], with
        the same operations (the ReLU in place: one [..., hidden] array less). For scoring, no gradient."""
        hidden = self.mlp[0](xs).relu_()
        return (self.linear(xs) + self.mlp[2](hidden)).squeeze(-1)


class LinkPredictor(nn.Module):
    """Encoder plus DistMult decoder, plus optionally a :class:`PairHead` whose logit is added.

    With a pair head the score of (h, t) is ``DistMult(z_h, r, z_t) + PairHead(f(h, t))``: the
    message-passing embeddings and the graph-structure features computed on the training graph are
    learned jointly.
    """

    def __init__(self, encoder: nn.Module, decoder: DistMultDecoder, pair_head: PairHead | None = None) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.pair_head = pair_head


def build_model(
    encoder: str,
    num_nodes: Mapping[str, int],
    edge_types: Sequence[EdgeType],
    relations: Sequence[str],
    dim: int,
    pair_features: int = 0,
    pair_seed: int = 0,
    **params: object,
) -> LinkPredictor:
    """Create the encoder registered as ``encoder`` and a DistMult decoder for ``relations``.

    Args:
        pair_features: number of pair features; > 0 adds a :class:`PairHead`.
        pair_seed: seed of the pair head's initial weights, drawn apart from the global generator, so
            models that differ only in their other weights (ensemble members) start from the same head.

    Raises:
        kg.registry.UnknownComponentError: ``encoder`` is not registered (the message lists known names).
    """
    enc = ENCODERS.create(encoder, num_nodes=num_nodes, edge_types=edge_types, dim=dim, **params)
    head = None
    if pair_features > 0:
        with torch.random.fork_rng():
            torch.manual_seed(pair_seed)
            head = PairHead(pair_features)
    # with a pair head the DistMult term starts near zero, so the model starts from the pair head's scores
    return LinkPredictor(enc, DistMultDecoder(relations, dim, init=0.01 if head is not None else 1.0), head)
