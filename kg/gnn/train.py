"""Full-batch training of a link predictor on one target edge type, with early stopping.

The loop (:func:`train_link_predictor`) puts together the parts, each with its options next to it: the
fold and negative samplers (:mod:`kg.gnn.sampling`), the loss (:mod:`kg.gnn.losses`) and validation with
early stopping (:mod:`kg.gnn.stoppers`). :func:`train_members` trains an ensemble (:mod:`kg.gnn.ensemble`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from torch import Tensor

from kg.config import GnnConfig
from kg.logs import get_logger
from kg.types import Node

from .data import EdgeType, GraphIndex
from .ensemble import combine_members
from .features import name_features
from .losses import link_loss
from .metapath_folds import query_subset_folds
from .metapaths import (
    DEFAULT_METAPATHS,
    FeatureRows,
    Metapath,
    PairFeatures,
    feature_rows,
    pair_features,
)
from .model import LinkPredictor, build_model
from .options import TrainOptions, link_params
from .sampling import FoldSampler, NegativeSampler
from .stoppers import EarlyStopper, Validator

log = get_logger(__name__)

#: Seed offset between ensemble members.
MEMBER_STRIDE = 7919


@dataclass(frozen=True)
class TrainResult:
    """A trained model and how training went.

    Attributes:
        model: the model with the weights of the best validation epoch.
        best_epoch: epoch of the best validation score (``params.select``; 0: the initial weights were
            never beaten).
        epochs_run: epochs actually run (early stopping may end before ``config.epochs``).
        best_val_mrr: filtered validation MRR at ``best_epoch``.
        history: per validation run: epoch, loss, val_mrr, val_score (the ``params.select`` value).
        seconds: wall-clock training time.
        members: an ensemble's per-member results (:func:`train_members`); empty for a single model.
    """

    model: LinkPredictor
    best_epoch: int
    epochs_run: int
    best_val_mrr: float
    history: tuple[dict[str, float], ...]
    seconds: float
    members: tuple[TrainResult, ...] = ()


def input_features(
    config: GnnConfig, graph: GraphIndex, nodes: Sequence[Node], cache_dir: Path | None = None
) -> dict[str, Tensor] | None:
    """The fixed input features ``params.name_features`` asks for (name embeddings per label), or None."""
    opts = link_params(config.params)
    if not opts.name_features:
        return None
    return name_features(graph, nodes, list(opts.name_features), cache_dir, str(opts.name_encoder))


def model_metapaths(options: TrainOptions, rel: str) -> dict[str, Metapath]:
    """The metapaths of the pair head: ``params.metapaths`` or the target's defaults (as edge-type tuples)."""
    if options.metapaths is None:
        return dict(DEFAULT_METAPATHS.get(rel, {}))
    return {name: tuple(tuple(et) for et in path) for name, path in options.metapaths.items()}  # type: ignore[misc]


def _init_pair_head(
    model: LinkPredictor,
    folds: list[tuple[Tensor, FeatureRows]],
    pos_q: Tensor,
    pos_c: Tensor,
    pool_c: Tensor,
    gen: torch.Generator,
    neg_ratio: int = 4,
) -> None:
    """Fit a logistic regression on the folds' features (train positives vs random candidates) and start the pair head from it."""
    assert model.pair_head is not None
    xs, ys = [], []
    for cols, rows in folds:
        q, c = pos_q[cols], pos_c[cols]
        nq = q.repeat(neg_ratio)
        nc = pool_c[torch.randint(pool_c.numel(), (nq.numel(),), generator=gen)]
        xs.append(torch.cat([rows.lookup(q, c), rows.lookup(nq, nc)]).double().numpy())
        ys.append(np.concatenate([np.ones(q.numel()), np.zeros(nq.numel())]))
    x, y = np.concatenate(xs), np.concatenate(ys)
    scaler = StandardScaler().fit(x)
    lr = LogisticRegression(max_iter=2000).fit(scaler.transform(x), y)
    model.pair_head.init_from(
        torch.from_numpy(scaler.mean_),
        torch.from_numpy(scaler.scale_),
        torch.from_numpy(lr.coef_[0]),
        float(lr.intercept_[0]),
    )


def _new_model(
    graph: GraphIndex,
    rel: str,
    config: GnnConfig,
    opts: TrainOptions,
    features: PairFeatures | None,
    node_features: dict[str, Tensor] | None,
) -> tuple[LinkPredictor, torch.optim.Optimizer]:
    """The model (encoder, DistMult, pair head with ``pair_features``) and its Adam optimizer."""
    enc_params: dict[str, Any] = (
        {"num_layers": opts.num_layers, "dropout": opts.dropout} if config.encoder in ("rgcn", "sage") else {}
    )
    if opts.pair_features and features is None:
        raise ValueError("params.pair_features needs the pair features of the training graph")
    if opts.name_features:
        if node_features is None:
            raise ValueError("params.name_features needs the node features (kg.gnn.train.input_features)")
        enc_params.update(features=node_features, feature_dropout=float(opts.feature_dropout))
    model = build_model(
        config.encoder,
        {label: graph.num_nodes(label) for label in graph.node_ids},
        list(graph.data.edge_types),
        [rel],
        config.hidden_dim,
        pair_features=features.num_features if opts.pair_features and features is not None else 0,
        pair_seed=config.seed,  # the same starting head for every ensemble member
        **enc_params,
    )
    # the pair head starts from a fitted regression: it moves with a smaller step (params.pair_lr_scale)
    head_params = list(model.pair_head.parameters()) if model.pair_head is not None else []
    head_ids = {id(p) for p in head_params}
    groups: list[dict[str, Any]] = [{"params": [p for p in model.parameters() if id(p) not in head_ids]}]
    if head_params:
        groups.append({"params": head_params, "lr": config.lr * float(opts.pair_lr_scale)})
    return model, torch.optim.Adam(groups, lr=config.lr, weight_decay=opts.weight_decay)


def _feature_folds(
    graph: GraphIndex,
    target: EdgeType,
    query_side: str,
    sampler: FoldSampler,
    opts: TrainOptions,
    features: PairFeatures,
) -> list[tuple[Tensor, FeatureRows]]:
    """Featurized training's fixed folds, each bounded to ``max_feature_queries`` query nodes whose feature rows
    (every candidate) are computed once on the graph without that fold."""
    head, rel, tail = target
    n_q = graph.num_nodes(head if query_side == "head" else tail)
    folds: list[tuple[Tensor, FeatureRows]] = []
    for cols, qs in query_subset_folds(
        sampler.pos_q, sampler.steps, int(opts.max_feature_queries), sampler.gen, by_query=sampler.by_query
    ):
        pf = pair_features(
            graph, target, model_metapaths(opts, rel), query_side, hidden=cols, scales=features.featurizer.scales
        )
        folds.append((cols, feature_rows(pf, qs, n_q)))
    log.info(
        "%s: pair features of %d folds (%s positives) computed (%s)",
        rel,
        len(folds),
        [int(c.numel()) for c, _ in folds],
        features.names,
    )
    return folds


def _fit(
    model: LinkPredictor,
    opt: torch.optim.Optimizer,
    target: EdgeType,
    query_side: str,
    sampler: FoldSampler,
    negatives: NegativeSampler,
    folds: list[tuple[Tensor, FeatureRows]] | None,
    loss_of: Callable[..., Tensor],
    stopper: EarlyStopper,
) -> int:
    """The epochs until ``stopper`` ends them (or ``stopper.epochs``); returns the last epoch run.

    ``folds``: featurized training's fixed folds and their feature rows (None: the sampler's folds).
    """
    epoch = 0
    loss = torch.zeros(())
    for epoch in range(1, stopper.epochs + 1):
        model.train()
        for step, sup in sampler.epoch([c for c, _ in folds] if folds is not None else None):
            ei, ew = sampler.message_graph(sup)  # this step's positives hidden from message passing
            z = model.encoder(ei, ew)
            pos = sampler.pos_all[:, sup]  # [2, P]
            neg = negatives.sample(pos)
            rows = folds[step][1] if folds is not None else None
            loss = loss_of(model, z, target, query_side, pos, neg, rows)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if stopper.step(epoch, loss.item()):
            break
    return epoch


def train_link_predictor(
    graph: GraphIndex,
    target: EdgeType,
    val: Tensor,
    known: sp.csr_matrix,
    config: GnnConfig,
    query_side: str = "head",
    features: PairFeatures | None = None,
    node_features: dict[str, Tensor] | None = None,
    member: int = 0,
) -> TrainResult:
    """Train encoder + DistMult (+ pair head) on the train target edges of ``graph`` with BCE against negatives.

    Each step hides a fold of the train target edges from message passing and scores it
    (:class:`kg.gnn.sampling.FoldSampler`) against negatives (:class:`kg.gnn.sampling.NegativeSampler`) with
    :func:`kg.gnn.losses.link_loss`. With ``pair_features`` the folds are fixed for the run and each fold's
    pair features are computed on the graph without that fold, so a positive's features never count its own
    edge (as for a test edge). Validation on the ``val`` pairs (ranked from ``query_side``) picks the kept
    weights and stops early (:class:`kg.gnn.stoppers.EarlyStopper`).

    Args:
        graph: the message-passing graph; its ``target`` forward edges are the train positives.
        target: (head label, relation, tail label).
        val: long [2, V] validation (head, tail) index pairs (not in ``graph``).
        known: bool [H, C] sparse matrix of every known target pair, to filter validation ranks.
        config: hidden_dim, epochs, lr, seed, encoder and ``params`` (:class:`kg.gnn.options.TrainOptions`).
        query_side: ``"head"`` or ``"tail"``: the side whose candidates validation ranks.
        features: pair features on the whole ``graph`` (required with ``pair_features``; its scales are
            reused for the folds).
        node_features: fixed input features per label (required with ``params.name_features``; see
            :func:`input_features`).
        member: ensemble member (:func:`train_members`): changes the seed of the initial weights and of the
            negatives; the folds and the pair head's starting regression stay those of ``config.seed``.

    Returns:
        The trained model and its training record.

    Raises:
        kg.config.ConfigError: an unknown params key or a bad value (the message names the key).
    """
    opts = link_params(config.params)
    start = time.perf_counter()
    torch.manual_seed(config.seed + MEMBER_STRIDE * member)
    gen = torch.Generator().manual_seed(config.seed)  # folds and the pair head's starting regression
    sgen = gen if member == 0 else torch.Generator().manual_seed(config.seed + MEMBER_STRIDE * member)
    head, rel, tail = target
    model, opt = _new_model(graph, rel, config, opts, features, node_features)
    sampler = FoldSampler(graph, target, query_side, opts, gen, sgen)
    validate = Validator(graph, target, val, known, query_side, features, opts, config.seed)
    deg = graph.degree()
    # negatives are drawn from nodes with an edge too (isolated nodes would be trivially negative)
    pool_h, pool_t = (deg[head] > 0).nonzero().view(-1), (deg[tail] > 0).nonzero().view(-1)
    pool_c = pool_t if query_side == "head" else pool_h
    use_pairs = opts.pair_features and features is not None
    negatives = NegativeSampler(opts, pool_h, pool_t, query_side, use_pairs, sgen)
    folds: list[tuple[Tensor, FeatureRows]] = []
    if use_pairs and features is not None:
        folds = _feature_folds(graph, target, query_side, sampler, opts, features)
        _init_pair_head(model, folds, sampler.pos_q, sampler.pos_c, pool_c, gen)
    stopper = EarlyStopper(model, validate, opts, config.epochs, rel)
    loss_of = partial(link_loss, options=opts, ranking=(sampler.pos_q, sampler.pos_c, pool_c, sgen))
    epoch = _fit(model, opt, target, query_side, sampler, negatives, folds if use_pairs else None, loss_of, stopper)
    best_epoch = stopper.finish(epoch)
    model.eval()
    seconds = time.perf_counter() - start
    log.info(
        "%s: trained %d epochs in %.1fs, best epoch %d, val MRR %.4f", rel, epoch, seconds, best_epoch, stopper.best_mrr
    )
    return TrainResult(
        model=model,
        best_epoch=best_epoch,
        epochs_run=epoch,
        best_val_mrr=stopper.best_mrr,
        history=tuple(stopper.history),
        seconds=seconds,
    )


def train_members(
    graph: GraphIndex,
    target: EdgeType,
    val: Tensor,
    known: sp.csr_matrix,
    config: GnnConfig,
    query_side: str = "head",
    features: PairFeatures | None = None,
    node_features: dict[str, Tensor] | None = None,
) -> TrainResult:
    """:func:`train_link_predictor` ``params.members`` times (members 0..K-1) and :func:`combine_members`.

    Each member stops early on the validation pairs on its own. The result's ``best_epoch`` and
    ``best_val_mrr`` are member 0's; ``history`` lists every member's runs (``member`` key), ``seconds``
    is the total and ``members`` holds each member's result.
    """
    k = link_params(config.params).members
    runs = [
        train_link_predictor(graph, target, val, known, config, query_side, features, node_features, member=m)
        for m in range(k)
    ]
    if k == 1:
        return runs[0]
    history = tuple({**h, "member": float(m)} for m, r in enumerate(runs) for h in r.history)
    return TrainResult(
        model=combine_members([r.model for r in runs]),
        best_epoch=runs[0].best_epoch,
        epochs_run=runs[0].epochs_run,
        best_val_mrr=runs[0].best_val_mrr,
        history=history,
        seconds=sum(r.seconds for r in runs),
        members=tuple(runs),
    )
