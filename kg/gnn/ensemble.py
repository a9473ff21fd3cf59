"""An ensemble of link predictors served as one: the mean of the members' DistMult logits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn

from .data import EdgeType
from .model import DistMultDecoder, LinkPredictor


class ConcatEncoder(nn.Module):
    """Several encoders side by side: ``{label: cat_k z_k[label]}`` (dimension K x dim)."""

    def __init__(self, encoders: Sequence[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(encoders)

    def forward(
        self, edge_index_dict: Mapping[EdgeType, Tensor], edge_weight_dict: Mapping[EdgeType, Tensor] | None = None
    ) -> dict[str, Tensor]:
        outs = [m(edge_index_dict, edge_weight_dict) for m in self.members]
        return {label: torch.cat([o[label] for o in outs], dim=-1) for label in outs[0]}


def combine_members(models: Sequence[LinkPredictor]) -> LinkPredictor:
    """One :class:`LinkPredictor` whose logit is the mean of the members' logits.

    The mean of K DistMult scores is one DistMult over the concatenated embeddings with the concatenated
    relation vectors divided by K, so the ensemble is again an encoder plus a DistMult decoder (and can be
    served like one model). The members must share their pair head (frozen: ``pair_lr_scale: 0``), which is
    added once.

    Raises:
        ValueError: the members' pair heads differ.
    """
    first = models[0]
    if len(models) == 1:
        return first
    heads = [m.pair_head for m in models]
    if first.pair_head is not None:
        ref = first.pair_head.state_dict()
        for h in heads[1:]:
            assert h is not None
            if any(not torch.equal(ref[k], v) for k, v in h.state_dict().items()):
                raise ValueError("ensemble members need the same (frozen) pair head: set params.pair_lr_scale to 0")
    elif any(h is not None for h in heads):
        raise ValueError("ensemble members mix models with and without a pair head")
    k = len(models)
    rels = first.decoder.relations
    decoder = DistMultDecoder(rels, first.decoder.rel.size(1) * k)
    with torch.no_grad():
        decoder.rel.copy_(torch.cat([m.decoder.rel for m in models], dim=-1) / k)
    out = LinkPredictor(ConcatEncoder([m.encoder for m in models]), decoder, first.pair_head)
    out.eval()
    return out
