"""The training loss of a step: BCE of positives against negatives, plus an optional ranking loss."""

from __future__ import annotations

import torch
from pydantic import BaseModel, ConfigDict
from torch import Tensor

from .data import EdgeType
from .metapaths import FeatureRows
from .model import LinkPredictor


class LossOptions(BaseModel):
    """Options of the loss (keys of ``gnn.params``)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    softmax_weight: float = 0.0
    """Weight of a ranking loss added to the BCE: cross-entropy of each positive against every candidate of
    its query (other train positives of the query masked), as filtered MRR ranks."""
    softmax_queries: int = 128
    """Query nodes per step whose positives enter the ranking loss."""


def ranking_loss(
    model: LinkPredictor,
    z: dict[str, Tensor],
    target: EdgeType,
    query_side: str,
    pos: Tensor,
    pos_q: Tensor,
    pos_c: Tensor,
    pool_c: Tensor,
    rows: FeatureRows | None,
    max_queries: int,
    gen: torch.Generator,
) -> Tensor:
    """Cross-entropy of each positive (q, c) of a step against every candidate of q: the ranking loss.

    ``pos`` long [2, P] the step's (head, tail) positives; ``pos_q``, ``pos_c`` long [E] every train
    positive as (query, candidate), so the query's *other* positives are masked out of the softmax (as
    the filtered ranking does); ``pool_c`` the candidates (nodes with an edge). At most ``max_queries``
    query nodes of the step (and all of their step positives) enter the loss.
    """
    head, rel, tail = target
    q, c = (pos[0], pos[1]) if query_side == "head" else (pos[1], pos[0])
    uq = torch.unique(q)
    if uq.numel() > max_queries:
        uq = uq[torch.randperm(uq.numel(), generator=gen)[:max_queries]]
        keep = torch.isin(q, uq)
        q, c = q[keep], c[keep]
        uq = torch.unique(q)
    qlab, clab = (head, tail) if query_side == "head" else (tail, head)
    n_q, n_c = z[qlab].size(0), z[clab].size(0)
    row = torch.full((n_q,), -1, dtype=torch.long)
    row[uq] = torch.arange(uq.numel())
    inv = row[q]  # [P] row of each positive's query
    if query_side == "head":
        s = model.decoder.score_all(z[head][uq], z[tail], rel)  # [U, C]
    else:
        s = model.decoder.score_all(z[head], z[tail][uq], rel).t()  # [U, C]
    if rows is not None and model.pair_head is not None:
        s = s + model.pair_head(rows.rows[rows.row_of[uq]])
    masked = torch.ones(uq.numel(), n_c, dtype=torch.bool)
    masked[:, pool_c] = False  # only candidates with an edge compete
    own = row[pos_q] >= 0
    masked[row[pos_q[own]], pos_c[own]] = True  # every train positive of the query ...
    m = masked[inv]  # [P, C]
    m[torch.arange(q.numel()), c] = False  # ... except the one scored
    logits = s[inv].masked_fill(m, float("-inf"))
    return torch.nn.functional.cross_entropy(logits, c)


def link_loss(
    model: LinkPredictor,
    z: dict[str, Tensor],
    target: EdgeType,
    query_side: str,
    pos: Tensor,
    neg: Tensor,
    rows: FeatureRows | None,
    options: LossOptions,
    ranking: tuple[Tensor, Tensor, Tensor, torch.Generator],
) -> Tensor:
    """The loss of one step: BCE of the positives ``pos`` long [2, P] against the negatives ``neg`` long [2, N]
    (logits of the decoder, plus the pair head on the fold's feature ``rows``), plus ``softmax_weight`` times
    :func:`ranking_loss`. ``ranking``: (pos_q, pos_c, pool_c, generator) of :func:`ranking_loss`.
    """
    head, rel, tail = target
    logits = torch.cat(
        [
            model.decoder(z[head][pos[0]], z[tail][pos[1]], rel),
            model.decoder(z[head][neg[0]], z[tail][neg[1]], rel),
        ]
    )  # [P + N]
    if model.pair_head is not None:
        assert rows is not None
        both = torch.cat([pos, neg], dim=1)
        bq, bc = (both[0], both[1]) if query_side == "head" else (both[1], both[0])
        logits = logits + model.pair_head(rows.lookup(bq, bc))
    labels = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
    if options.softmax_weight > 0:
        pos_q, pos_c, pool_c, gen = ranking
        rank = ranking_loss(
            model, z, target, query_side, pos, pos_q, pos_c, pool_c, rows, int(options.softmax_queries), gen
        )
        loss = loss + float(options.softmax_weight) * rank
    return loss
