"""Link-prediction baselines measured on the same split as the GNNs: degree product, metapaths, Rephetio-style LR.

Pure core. Every baseline is built from the *training* graph only and returned as a
:class:`kg.gnn.protocols.QueryScorer`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from torch import Tensor

from kg.logs import get_logger
from kg.registry import Registry

from .data import EdgeType, GraphIndex
from .metapath_folds import query_subset_folds
from .metapaths import Metapath, MetapathFeaturizer, PairFeatures, feature_rows, pair_features
from .protocols import QueryScorer

log = get_logger(__name__)


def degree_baseline(features: PairFeatures) -> QueryScorer:
    """Preferential attachment: ``log(1 + deg h) + log(1 + deg t)`` over the train target edges (same order as the product)."""
    dh, dt = features.deg_head.double(), features.deg_tail.double()
    head_side = features.query_side == "head"
    dq, dc = (dh, dt) if head_side else (dt, dh)

    def rows(q: Tensor) -> Tensor:
        return dq[q][:, None] + dc[None, :]

    def pairs(q: Tensor, c: Tensor) -> Tensor:
        return dq[q] + dc[c]

    return QueryScorer(rows=rows, pairs=pairs)


def single_metapath(featurizer: MetapathFeaturizer, name: str) -> QueryScorer:
    """One metapath's transformed DWPC as the score (ties, e.g. all-zero rows, count half in the ranks)."""
    i = featurizer.names.index(name)

    def rows(q: Tensor) -> Tensor:
        return featurizer.rows(q)[:, :, i].double()

    def pairs(q: Tensor, c: Tensor) -> Tensor:
        return featurizer.pairs(q, c)[:, i].double()

    return QueryScorer(rows=rows, pairs=pairs)


def _fold_training_set(
    graph: GraphIndex,
    target: EdgeType,
    metapaths: Mapping[str, Metapath],
    features: PairFeatures,
    folds: int,
    neg_ratio: int,
    max_queries: int,
    gen: torch.Generator,
    by_query: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Features [N, F] and labels [N] for the LR: each fold's positives and random candidates of the same
    queries, featurized on the graph without that fold (so a positive never counts its own edge). With
    ``by_query`` a fold holds every positive of its query nodes (cold start, see :func:`query_subset_folds`)."""
    head, _, tail = target
    pos_all = graph.forward_edges(target)
    head_side = features.query_side == "head"
    pos_q, pos_c = (pos_all[0], pos_all[1]) if head_side else (pos_all[1], pos_all[0])
    deg = graph.degree()
    pool_c = (deg[tail if head_side else head] > 0).nonzero().view(-1)
    n_q = graph.num_nodes(head if head_side else tail)
    xs, ys = [], []
    for cols, qs in query_subset_folds(pos_q, folds, max_queries, gen, by_query=by_query):
        pf = pair_features(
            graph, target, metapaths, features.query_side, hidden=cols, scales=features.featurizer.scales
        )
        rows = feature_rows(pf, qs, n_q)
        q, c = pos_q[cols], pos_c[cols]
        nq = q.repeat(neg_ratio)
        nc = pool_c[torch.randint(pool_c.numel(), (nq.numel(),), generator=gen)]
        xs.append(torch.cat([rows.lookup(q, c), rows.lookup(nq, nc)]).double().numpy())
        ys.append(np.concatenate([np.ones(q.numel()), np.zeros(nq.numel())]))
    return np.concatenate(xs), np.concatenate(ys)


def metapath_lr(
    graph: GraphIndex,
    target: EdgeType,
    metapaths: Mapping[str, Metapath],
    features: PairFeatures,
    seed: int = 13,
    folds: int = 4,
    neg_ratio: int = 4,
    max_queries: int = 512,
    c: float = 1.0,
    by_query: bool = False,
) -> tuple[QueryScorer, dict[str, float]]:
    """Rephetio-style combined baseline: logistic regression on z-scored metapath DWPCs and log degrees.

    Trained on the train target edges (fold-featurized, see :func:`_fold_training_set`) against random
    candidates of the same queries (Rephetio: random non-edges); scores are the LR's decision function on the features of the whole training graph.
    ``by_query``: folds cut by query node, so a training positive's query has no target edge left, as a
    cold-start query at test time has none.

    Returns:
        The scorer and the LR coefficient of each feature (on z-scored features).
    """
    gen = torch.Generator().manual_seed(seed)
    x, y = _fold_training_set(graph, target, metapaths, features, folds, neg_ratio, max_queries, gen, by_query)
    scaler = StandardScaler().fit(x)
    lr = LogisticRegression(C=c, max_iter=2000).fit(scaler.transform(x), y)
    mean, scale = torch.from_numpy(scaler.mean_).double(), torch.from_numpy(scaler.scale_).double()
    w, b = torch.from_numpy(lr.coef_[0]).double(), float(lr.intercept_[0])
    head_side = features.query_side == "head"

    def rows(q: Tensor) -> Tensor:
        f = features.rows(q).double()  # [Q, C, F]
        return ((f - mean) / scale) @ w + b

    def pairs(q: Tensor, cand: Tensor) -> Tensor:
        h, t = (q, cand) if head_side else (cand, q)
        f = features.pairs(h, t).double()
        return ((f - mean) / scale) @ w + b

    coefs = {n: float(v) for n, v in zip(features.names, lr.coef_[0], strict=True)}
    log.info("%s metapath LR (%d training pairs): coefficients %s", target[1], len(y), coefs)
    return QueryScorer(rows=rows, pairs=pairs), coefs


#: Baseline name -> factory ``(graph, target, metapaths, features, seed) -> {scorer name: QueryScorer}``.
BASELINES: Registry[Callable[..., dict[str, QueryScorer]]] = Registry("link-prediction baseline")


@BASELINES.register("degree")
def _degree(**kw: object) -> Callable[..., dict[str, QueryScorer]]:
    def make(graph: GraphIndex, target: EdgeType, metapaths: Mapping[str, Metapath], features: PairFeatures, seed: int):
        return {"degree": degree_baseline(features)}

    return make


@BASELINES.register("metapaths")
def _metapaths(**kw: object) -> Callable[..., dict[str, QueryScorer]]:
    def make(graph: GraphIndex, target: EdgeType, metapaths: Mapping[str, Metapath], features: PairFeatures, seed: int):
        return {f"mp:{n}": single_metapath(features.featurizer, n) for n in features.featurizer.names}

    return make


@BASELINES.register("metapath_lr")
def _metapath_lr(**kw: object) -> Callable[..., dict[str, QueryScorer]]:
    def make(graph: GraphIndex, target: EdgeType, metapaths: Mapping[str, Metapath], features: PairFeatures, seed: int):
        scorer, _ = metapath_lr(graph, target, metapaths, features, seed=seed, **kw)  # type: ignore[arg-type]
        return {"metapath_lr": scorer}

    return make
