"""Full-batch training of a link predictor on one target edge type, with early stopping."""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass
from typing import Any

import scipy.sparse as sp
import torch
from torch import Tensor

from kg.config import GnnConfig

from .data import EdgeType, GraphIndex
from .evaluate import PairScorer, RowScorer, rank_pairs, ranking_metrics
from .model import LinkPredictor, build_model

log = logging.getLogger(__name__)

#: Defaults of the ``GnnConfig.params`` keys read here.
TRAIN_DEFAULTS: dict[str, Any] = {
    "num_layers": 2,  # message-passing layers of the rgcn encoder
    "dropout": 0.0,
    "neg_ratio": 1,  # negatives per positive (half corrupt the head, half the tail)
    "supervision_ratio": 0.25,  # share of train target edges hidden from message passing and scored per step
    "max_steps_per_epoch": 4,  # optimizer steps per epoch (folds of the train edges)
    "max_supervision_edges": 50_000,  # cap on positives per epoch
    "weight_decay": 0.0,
    "eval_every": 5,  # epochs between validation runs
    "patience": 4,  # validation runs without improvement before stopping
    "max_val_edges": 1000,
    "max_message_edges": None,  # training steps pass messages over a random subset of at most this many
    # edges per edge type (DropEdge; bounds the step cost on big types); evaluation uses every edge  # validation pairs ranked per evaluation (seeded subset)
}


def param(config: GnnConfig, key: str, defaults: dict[str, Any] = TRAIN_DEFAULTS) -> Any:
    """``config.params[key]`` or the module default."""
    return config.params.get(key, defaults[key])


@dataclass(frozen=True)
class TrainResult:
    """A trained model and how training went.

    Attributes:
        model: the model with the weights of the best validation epoch.
        best_epoch: epoch (1-based) of the best validation MRR.
        epochs_run: epochs actually run (early stopping may end before ``config.epochs``).
        best_val_mrr: filtered validation MRR at ``best_epoch``.
        history: per validation run: epoch, loss, val_mrr.
        seconds: wall-clock training time.
    """

    model: LinkPredictor
    best_epoch: int
    epochs_run: int
    best_val_mrr: float
    history: tuple[dict[str, float], ...]
    seconds: float


def _edge_dicts(graph: GraphIndex) -> tuple[dict[EdgeType, Tensor], dict[EdgeType, Tensor]]:
    ei = {et: graph.data[et].edge_index for et in graph.data.edge_types}
    ew = {et: graph.data[et].edge_weight for et in graph.data.edge_types}
    return ei, ew


def embed(model: LinkPredictor, graph: GraphIndex) -> dict[str, Tensor]:
    """Node embeddings over the whole graph in eval mode: ``{label: Tensor[num_nodes_label, dim]}``."""
    model.eval()
    ei, ew = _edge_dicts(graph)
    with torch.no_grad():
        return model.encoder(ei, ew)


def gnn_scorers(model: LinkPredictor, z: dict[str, Tensor], target: EdgeType) -> tuple[RowScorer, PairScorer]:
    """Row and pair scorers (logits) for ``target`` from embeddings ``z``."""
    head, rel, tail = target

    def rows(heads: Tensor) -> Tensor:
        return model.decoder.score_all(z[head][heads], z[tail], rel)  # [Q, C]

    def pairs(heads: Tensor, tails: Tensor) -> Tensor:
        return model.decoder(z[head][heads], z[tail][tails], rel)  # [B]

    return rows, pairs


def _without(graph: GraphIndex, target: EdgeType, hidden: Tensor, ei: dict, ew: dict) -> tuple[dict, dict]:
    """Edge dicts with the forward target edges at columns ``hidden`` (and their reverses) removed."""
    e = graph.forward_count[target]
    keep = torch.ones(e, dtype=torch.bool)
    keep[hidden] = False
    ei, ew = dict(ei), dict(ew)
    rev = graph.reverse_of[target]
    if rev == target:  # symmetric: columns [:E] forward, [E:] the same flipped
        both = torch.cat([keep, keep])
        ei[target], ew[target] = ei[target][:, both], ew[target][both]
    else:
        ei[target], ew[target] = ei[target][:, keep], ew[target][keep]
        ei[rev], ew[rev] = ei[rev][:, keep], ew[rev][keep]
    return ei, ew


def train_link_predictor(
    graph: GraphIndex,
    target: EdgeType,
    val: Tensor,
    known: sp.csr_matrix,
    config: GnnConfig,
) -> TrainResult:
    """Train encoder + DistMult on the train target edges of ``graph`` with BCE against sampled negatives.

    Each epoch shuffles the train target edges into folds of ``supervision_ratio`` (at most
    ``max_supervision_edges`` each); each optimizer step hides one fold from message passing (with its
    reverse edges) and uses it as positives, so the model cannot score an edge by seeing it. Validation: filtered MRR of ``val`` pairs every ``eval_every`` epochs; the best
    weights are kept; training stops after ``patience`` validation runs without improvement.

    Args:
        graph: the message-passing graph; its ``target`` forward edges are the train positives.
        target: (head label, relation, tail label).
        val: long [2, V] validation (head, tail) index pairs (not in ``graph``).
        known: bool [H, C] sparse matrix of every known target pair, to filter validation ranks.
        config: hidden_dim, epochs, lr, seed, encoder and ``params`` (see :data:`TRAIN_DEFAULTS`).

    Returns:
        The trained model and its training record.
    """
    start = time.perf_counter()
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    head, rel, tail = target
    num_nodes = {label: graph.num_nodes(label) for label in graph.node_ids}
    enc_params = {"num_layers": param(config, "num_layers"), "dropout": param(config, "dropout")}
    model = build_model(
        config.encoder,
        num_nodes,
        list(graph.data.edge_types),
        [rel],
        config.hidden_dim,
        **(enc_params if config.encoder == "rgcn" else {}),
    )
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=param(config, "weight_decay"))
    ei_all, ew_all = _edge_dicts(graph)
    pos_all = graph.forward_edges(target)  # [2, E]
    e = pos_all.size(1)
    n_sup = max(1, min(int(e * param(config, "supervision_ratio")), param(config, "max_supervision_edges")))
    # an epoch is ceil(1 / supervision_ratio) steps over disjoint folds of the train edges (each fold
    # hidden in turn), capped at max_steps_per_epoch; a fold is at most max_supervision_edges edges
    steps = min(int(param(config, "max_steps_per_epoch")), -(-e // n_sup))
    neg_ratio = int(param(config, "neg_ratio"))
    max_msg = param(config, "max_message_edges")
    val_gen = torch.Generator().manual_seed(config.seed)
    max_val = int(param(config, "max_val_edges"))
    if val.size(1) > max_val:
        val = val[:, torch.randperm(val.size(1), generator=val_gen)[:max_val]]
    eval_every, patience = int(param(config, "eval_every")), int(param(config, "patience"))
    deg = graph.degree()
    cand = deg[tail] > 0  # [C] validation ranks against tails that have an edge
    # negatives are drawn from nodes with an edge too (isolated nodes would be trivially negative)
    pool_h, pool_t = (deg[head] > 0).nonzero().view(-1), cand.nonzero().view(-1)

    best_mrr, best_epoch, best_state, bad = -1.0, 0, copy.deepcopy(model.state_dict()), 0
    history: list[dict[str, float]] = []
    epoch = 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        perm = torch.randperm(e, generator=gen)
        for step in range(steps):
            sup = perm[step * n_sup : (step + 1) * n_sup]  # this step's positives, hidden from message passing
            if sup.numel() == 0:
                break
            ei, ew = _without(graph, target, sup, ei_all, ew_all)
            if max_msg:
                for et in list(ei):
                    if ei[et].size(1) > max_msg:
                        keep = torch.randperm(ei[et].size(1), generator=gen)[:max_msg]
                        ei[et], ew[et] = ei[et][:, keep], ew[et][keep]
            z = model.encoder(ei, ew)
            pos = pos_all[:, sup]  # [2, P]
            neg = pos.repeat(1, neg_ratio)  # [2, P * neg_ratio]
            half = torch.rand(neg.size(1), generator=gen) < 0.5
            neg[0, half] = pool_h[torch.randint(pool_h.numel(), (int(half.sum()),), generator=gen)]
            neg[1, ~half] = pool_t[torch.randint(pool_t.numel(), (int((~half).sum()),), generator=gen)]
            logits = torch.cat(
                [
                    model.decoder(z[head][pos[0]], z[tail][pos[1]], rel),
                    model.decoder(z[head][neg[0]], z[tail][neg[1]], rel),
                ]
            )  # [P + N]
            labels = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch % eval_every == 0 or epoch == config.epochs:
            rows, _ = gnn_scorers(model, embed(model, graph), target)
            with torch.no_grad():
                mrr = ranking_metrics(rank_pairs(rows, val, known, cand))["mrr"]
            history.append({"epoch": float(epoch), "loss": loss.item(), "val_mrr": mrr})
            log.info("%s epoch %d: loss %.4f, val filtered MRR %.4f", rel, epoch, loss.item(), mrr)
            if mrr > best_mrr:
                best_mrr, best_epoch, best_state, bad = mrr, epoch, copy.deepcopy(model.state_dict()), 0
            else:
                bad += 1
                if bad >= patience:
                    log.info("%s: early stop at epoch %d (best %d)", rel, epoch, best_epoch)
                    break
    model.load_state_dict(best_state)
    model.eval()
    seconds = time.perf_counter() - start
    log.info("%s: trained %d epochs in %.1fs, best epoch %d, val MRR %.4f", rel, epoch, seconds, best_epoch, best_mrr)
    return TrainResult(
        model=model,
        best_epoch=best_epoch,
        epochs_run=epoch,
        best_val_mrr=best_mrr,
        history=tuple(history),
        seconds=seconds,
    )
