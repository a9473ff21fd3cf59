"""Full-batch training of a link predictor on one target edge type, with early stopping."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor, nn

from kg.config import GnnConfig
from kg.types import Node

from .data import EdgeType, GraphIndex
from .evaluate import rank_pairs, ranking_metrics
from .metapaths import (
    DEFAULT_METAPATHS,
    FeatureRows,
    Metapath,
    PairFeatures,
    feature_rows,
    pair_features,
    query_folds,
    query_subset_folds,
)
from .model import DistMultDecoder, LinkPredictor, build_model
from .protocols import QueryScorer, evaluate_queries, orient, orient_matrix

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
    # edges per edge type (DropEdge; bounds the step cost on big types); evaluation uses every edge
    "pair_features": False,  # add a PairHead over metapath DWPC + log degrees (computed on the training graph)
    "metapaths": None,  # name -> list of edge types (None: kg.gnn.metapaths.DEFAULT_METAPATHS of the target)
    "neg_mode": "random",  # random | degree (permuted positives: degree-matched) | mix (half each)
    "pair_lr_scale": 0.1,  # learning rate of the pair head relative to lr
    "max_feature_queries": 512,  # pair head: query nodes per fold whose feature rows are computed
    "keep": "best",  # best (weights of the best validation score) | last (the last epoch's; retraining on all edges)
    "select": "mrr",  # validation score that picks the epoch: mrr (filtered) | auroc | auroc_dm (degree-matched
    # negatives) | auroc_mean (mean of the two AUROCs)
    "name_features": None,  # labels whose input is their name embedding (kg.gnn.features) instead of a free one
    "fold_by": "edges",  # edges (folds of random train edges) | query (folds of whole query nodes: each hidden
    # query loses every target edge, as in the disease hold-out) | split (query on a hold-out split, else edges;
    # resolved by the caller that knows the split)
    "name_encoder": "minilm",  # minilm | chars | minilm+chars (kg.gnn.features.NAME_ENCODERS)
    "feature_dropout": 0.0,  # dropout on the projected name features while training
    "softmax_weight": 0.0,  # weight of a ranking loss added to the BCE: cross-entropy of each positive against
    # every candidate of its query (other train positives of the query masked), as filtered MRR ranks
    "softmax_queries": 128,  # query nodes per step whose positives enter the ranking loss
    "members": 1,  # ensemble size (train_members): models differing in initial weights and negatives, averaged
}

#: Seed offset between ensemble members.
MEMBER_STRIDE = 7919
#: Validation scores ``params.select`` may name.
SELECT_METRICS = ("mrr", "auroc", "auroc_dm", "auroc_mean")


def param(config: GnnConfig, key: str, defaults: dict[str, Any] = TRAIN_DEFAULTS) -> Any:
    """``config.params[key]`` or the module default."""
    return config.params.get(key, defaults[key])


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
    labels = param(config, "name_features")
    if not labels:
        return None
    from .features import name_features

    return name_features(graph, nodes, list(labels), cache_dir, str(param(config, "name_encoder")))


def resolve_fold_by(config: GnnConfig, holdout: str) -> GnnConfig:
    """``params.fold_by: split`` made concrete for a split that holds out ``holdout`` (edges, head or tail):
    folds of whole query nodes on a hold-out split (cold start), folds of edges otherwise."""
    if param(config, "fold_by") != "split":
        return config
    fold_by = "edges" if holdout == "edges" else "query"
    return config.model_copy(update={"params": {**config.params, "fold_by": fold_by}})


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


def model_metapaths(config: GnnConfig, rel: str) -> dict[str, Metapath]:
    """The metapaths of the pair head: ``params.metapaths`` or the target's defaults (as edge-type tuples)."""
    given = param(config, "metapaths")
    if given is None:
        return dict(DEFAULT_METAPATHS.get(rel, {}))
    return {name: tuple(tuple(et) for et in path) for name, path in given.items()}  # type: ignore[misc]


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


def _whole_queries(pos_q: Tensor, cols: Tensor, cap: int, gen: torch.Generator) -> Tensor:
    """The positive columns ``cols`` cut to at most ``cap`` by whole query nodes (at least one, drawn at random),
    so that hiding them leaves each of their query nodes without any target edge (cold start)."""
    if cols.numel() <= cap:
        return cols
    qs = torch.unique(pos_q[cols])
    qs = qs[torch.randperm(qs.numel(), generator=gen)]
    counts = torch.bincount(pos_q[cols])[qs]
    keep = torch.cumsum(counts, 0) <= cap
    keep[0] = True
    return cols[torch.isin(pos_q[cols], qs[keep])]


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
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

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


def _softmax_loss(
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

    Each epoch shuffles the train target edges into folds of ``supervision_ratio`` (at most
    ``max_supervision_edges`` each); each optimizer step hides one fold from message passing (with its
    reverse edges) and uses it as positives, so the model cannot score an edge by seeing it. With
    ``pair_features`` the folds are fixed for the run and each fold's pair features are computed on the
    graph without that fold, so a positive's features never count its own edge (as for a test edge).
    Negatives (``neg_mode``): ``random`` corrupts the head or the tail with a random node that has an
    edge; ``degree`` pairs the fold's heads with a permutation of its tails (degree-matched); ``mix``
    half each. Validation every ``eval_every`` epochs on the ``val`` pairs (ranked from ``query_side``):
    ``params.select`` names the score (filtered MRR, or AUROC against random, degree-matched or both
    kinds of negatives, drawn with the config seed); the best weights are kept; training stops after
    ``patience`` validation runs without improvement.

    Args:
        graph: the message-passing graph; its ``target`` forward edges are the train positives.
        target: (head label, relation, tail label).
        val: long [2, V] validation (head, tail) index pairs (not in ``graph``).
        known: bool [H, C] sparse matrix of every known target pair, to filter validation ranks.
        config: hidden_dim, epochs, lr, seed, encoder and ``params`` (see :data:`TRAIN_DEFAULTS`).
        query_side: ``"head"`` or ``"tail"``: the side whose candidates validation ranks.
        features: pair features on the whole ``graph`` (required with ``pair_features``; its scales are
            reused for the folds).
        node_features: fixed input features per label (required with ``params.name_features``; see
            :func:`input_features`).
        member: ensemble member (:func:`train_members`): changes the seed of the initial weights and of the
            negatives; the folds and the pair head's starting regression stay those of ``config.seed``.

    Returns:
        The trained model and its training record.
    """
    start = time.perf_counter()
    torch.manual_seed(config.seed + MEMBER_STRIDE * member)
    gen = torch.Generator().manual_seed(config.seed)  # folds and the pair head's starting regression
    sgen = gen if member == 0 else torch.Generator().manual_seed(config.seed + MEMBER_STRIDE * member)
    head, rel, tail = target
    num_nodes = {label: graph.num_nodes(label) for label in graph.node_ids}
    enc_params: dict[str, Any] = (
        {"num_layers": param(config, "num_layers"), "dropout": param(config, "dropout")}
        if config.encoder in ("rgcn", "sage")
        else {}
    )
    use_pairs = bool(param(config, "pair_features"))
    if use_pairs and features is None:
        raise ValueError("params.pair_features needs the pair features of the training graph")
    if param(config, "name_features"):
        if node_features is None:
            raise ValueError("params.name_features needs the node features (kg.gnn.train.input_features)")
        enc_params.update(features=node_features, feature_dropout=float(param(config, "feature_dropout")))
    softmax_weight = float(param(config, "softmax_weight"))
    fold_by = str(param(config, "fold_by"))
    if fold_by not in ("edges", "query"):
        raise ValueError(f"params.fold_by must be edges or query here, got {fold_by!r}")
    by_query = fold_by == "query"
    select = str(param(config, "select"))
    if select not in SELECT_METRICS:
        raise ValueError(f"params.select must be one of {', '.join(SELECT_METRICS)}, got {select!r}")
    model = build_model(
        config.encoder,
        num_nodes,
        list(graph.data.edge_types),
        [rel],
        config.hidden_dim,
        pair_features=features.num_features if use_pairs and features is not None else 0,
        pair_seed=config.seed,  # the same starting head for every ensemble member
        **enc_params,
    )
    # the pair head starts from a fitted regression: it moves with a smaller step (params.pair_lr_scale)
    head_params = list(model.pair_head.parameters()) if model.pair_head is not None else []
    head_ids = {id(p) for p in head_params}
    groups: list[dict[str, Any]] = [{"params": [p for p in model.parameters() if id(p) not in head_ids]}]
    if head_params:
        groups.append({"params": head_params, "lr": config.lr * float(param(config, "pair_lr_scale"))})
    opt = torch.optim.Adam(groups, lr=config.lr, weight_decay=param(config, "weight_decay"))
    ei_all, ew_all = _edge_dicts(graph)
    pos_all = graph.forward_edges(target)  # [2, E]
    e = pos_all.size(1)
    n_sup = max(1, min(int(e * param(config, "supervision_ratio")), param(config, "max_supervision_edges")))
    # an epoch is ceil(1 / supervision_ratio) steps over disjoint folds of the train edges (each fold
    # hidden in turn), capped at max_steps_per_epoch; a fold is at most max_supervision_edges edges
    steps = min(int(param(config, "max_steps_per_epoch")), -(-e // n_sup))
    neg_ratio = int(param(config, "neg_ratio"))
    neg_mode = str(param(config, "neg_mode"))
    if neg_mode not in ("random", "degree", "mix"):
        raise ValueError(f"params.neg_mode must be random, degree or mix, got {neg_mode!r}")
    max_msg = param(config, "max_message_edges")
    val_gen = torch.Generator().manual_seed(config.seed)
    max_val = int(param(config, "max_val_edges"))
    if val.size(1) > max_val:
        val = val[:, torch.randperm(val.size(1), generator=val_gen)[:max_val]]
    val_q = orient(val, query_side)
    known_q = orient_matrix(known, query_side)
    eval_every, patience = int(param(config, "eval_every")), int(param(config, "patience"))
    deg = graph.degree()
    cand = deg[tail if query_side == "head" else head] > 0  # [C] validation ranks against nodes with an edge
    # negatives are drawn from nodes with an edge too (isolated nodes would be trivially negative)
    pool_h, pool_t = (deg[head] > 0).nonzero().view(-1), (deg[tail] > 0).nonzero().view(-1)
    # featurized training (pair head): fixed folds, each bounded to max_feature_queries query nodes whose
    # feature rows (every candidate) are computed once on the graph without that fold
    pos_q, pos_c = (pos_all[0], pos_all[1]) if query_side == "head" else (pos_all[1], pos_all[0])
    pool_c = pool_t if query_side == "head" else pool_h
    folds: list[tuple[Tensor, FeatureRows]] = []
    if use_pairs and features is not None:
        n_q = graph.num_nodes(head if query_side == "head" else tail)
        for cols, qs in query_subset_folds(
            pos_q, steps, int(param(config, "max_feature_queries")), gen, by_query=by_query
        ):
            pf = pair_features(
                graph, target, model_metapaths(config, rel), query_side, hidden=cols, scales=features.featurizer.scales
            )
            folds.append((cols, feature_rows(pf, qs, n_q)))
        log.info(
            "%s: pair features of %d folds (%s positives) computed (%s)",
            rel,
            len(folds),
            [int(c.numel()) for c, _ in folds],
            features.names,
        )
        _init_pair_head(model, folds, pos_q, pos_c, pool_c, gen)

    def validate() -> tuple[float, float]:
        """(filtered val MRR, the ``select`` score)."""
        scorer = gnn_scorers(model, embed(model, graph), target, query_side, features)
        with torch.no_grad():
            if select == "mrr":
                mrr = ranking_metrics(rank_pairs(scorer.rows, val_q, known_q, cand))["mrr"]
                return mrr, mrr
            m = evaluate_queries(scorer, val_q, known_q, cand, config.seed)
        score = (m["auroc"] + m["auroc_dm"]) / 2 if select == "auroc_mean" else m[select]
        return m["mrr"], score

    # epoch 0 is a candidate too: with an initialized pair head, training must beat its starting point
    best_mrr, best_score = validate()
    best_epoch, best_state, bad = 0, copy.deepcopy(model.state_dict()), 0
    history: list[dict[str, float]] = [
        {"epoch": 0.0, "loss": float("nan"), "val_mrr": best_mrr, "val_score": best_score}
    ]
    shown = "" if select == "mrr" else f", val {select} %.4f"  # the select score, unless it is the MRR
    log.info("%s epoch 0: val filtered MRR %.4f" + shown, rel, best_mrr, *([best_score] if shown else []))
    epoch = 0
    loss = torch.zeros(())
    for epoch in range(1, config.epochs + 1):
        model.train()
        perm = torch.randperm(e, generator=sgen)
        qfolds = query_folds(pos_q, steps, gen) if by_query and not use_pairs else []
        for step in range(len(folds) if use_pairs else steps):
            # this step's positives, hidden from message passing
            if use_pairs:
                sup = folds[step][0]
            elif by_query:
                sup = _whole_queries(pos_q, qfolds[step], n_sup, gen)
            else:
                sup = perm[step * n_sup : (step + 1) * n_sup]
            if sup.numel() == 0:
                break
            ei, ew = _without(graph, target, sup, ei_all, ew_all)
            if max_msg:
                for et in list(ei):
                    if ei[et].size(1) > max_msg:
                        keep = torch.randperm(ei[et].size(1), generator=sgen)[:max_msg]
                        ei[et], ew[et] = ei[et][:, keep], ew[et][keep]
            z = model.encoder(ei, ew)
            pos = pos_all[:, sup]  # [2, P]
            neg = pos.repeat(1, neg_ratio)  # [2, P * neg_ratio]
            n_neg = neg.size(1)
            if neg_mode == "random":
                rand = torch.ones(n_neg, dtype=torch.bool)
            elif neg_mode == "degree":
                rand = torch.zeros(n_neg, dtype=torch.bool)
            else:
                rand = torch.rand(n_neg, generator=sgen) < 0.5
            if use_pairs:  # only the candidate side is corrupted (the fold's query rows hold the features)
                cside = 1 if query_side == "head" else 0
                half = torch.full((n_neg,), cside == 0)
            else:
                half = torch.rand(n_neg, generator=sgen) < 0.5
            hh, tt = rand & half, rand & ~half
            neg[0, hh] = pool_h[torch.randint(pool_h.numel(), (int(hh.sum()),), generator=sgen)]
            neg[1, tt] = pool_t[torch.randint(pool_t.numel(), (int(tt.sum()),), generator=sgen)]
            dm = (~rand).nonzero().view(-1)
            if dm.numel():  # degree-matched: the fold's candidates permuted against its queries
                side = (1 if query_side == "head" else 0) if use_pairs else 1
                neg[side, dm] = neg[side, dm[torch.randperm(dm.numel(), generator=sgen)]]
            logits = torch.cat(
                [
                    model.decoder(z[head][pos[0]], z[tail][pos[1]], rel),
                    model.decoder(z[head][neg[0]], z[tail][neg[1]], rel),
                ]
            )  # [P + N]
            if model.pair_head is not None:
                rows = folds[step][1]
                both = torch.cat([pos, neg], dim=1)
                bq, bc = (both[0], both[1]) if query_side == "head" else (both[1], both[0])
                logits = logits + model.pair_head(rows.lookup(bq, bc))
            labels = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
            if softmax_weight > 0:
                ranking = _softmax_loss(
                    model,
                    z,
                    target,
                    query_side,
                    pos,
                    pos_q,
                    pos_c,
                    pool_c,
                    folds[step][1] if use_pairs else None,
                    int(param(config, "softmax_queries")),
                    sgen,
                )
                loss = loss + softmax_weight * ranking
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch % eval_every == 0 or epoch == config.epochs:
            mrr, score = validate()
            history.append({"epoch": float(epoch), "loss": loss.item(), "val_mrr": mrr, "val_score": score})
            log.info(
                "%s epoch %d: loss %.4f, val filtered MRR %.4f" + shown,
                rel,
                epoch,
                loss.item(),
                mrr,
                *([score] if shown else []),
            )
            if score > best_score:
                best_mrr, best_score, best_epoch = mrr, score, epoch
                best_state, bad = copy.deepcopy(model.state_dict()), 0
            else:
                bad += 1
                if bad >= patience:
                    log.info("%s: early stop at epoch %d (best %d)", rel, epoch, best_epoch)
                    break
    if param(config, "keep") == "last":
        best_epoch = epoch
    else:
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
    k = int(param(config, "members"))
    if k < 1:
        raise ValueError(f"params.members must be >= 1, got {k}")
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
