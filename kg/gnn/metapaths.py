"""Metapath features (degree-weighted path counts, Rephetio-style) with scipy sparse matrices.

Pure core, no I/O. Features are always computed from a *training* graph (a :class:`GraphIndex` built
from ``LinkSplit.message_edges``, optionally with some train target edges hidden), never from the
held-out edges.

A metapath is a sequence of PyG edge types of the graph (reverse types ``rev_*`` included), e.g.
``CbGaD = [(Drug, BINDS, Gene), (Gene, rev_ASSOCIATED_WITH, Disease)]``. Its degree-weighted path count
(DWPC, Himmelstein et al. 2017) between ``a`` and ``b`` is ``sum over paths prod_edges w_e (deg_r(u)
deg_r(v))^-damping``, computed as the product of the per-type matrices ``D_out^-d A_r D_in^-d`` with
``A_r`` the edge-confidence-weighted adjacency and ``deg_r`` the per-type degree. Paths with a repeated
node are not removed (unlike Hetionet's DWPC); a path that would use the scored pair's own target edge
cannot occur because that edge is absent from the graph the features are computed on (held-out edges
by the split; train edges by the fold hiding of :func:`fold_featurizers`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from kg.logs import get_logger

from .data import REV_PREFIX, EdgeType, GraphIndex

log = get_logger(__name__)

Metapath = tuple[EdgeType, ...]


def _et(a: str, rel: str, b: str) -> EdgeType:
    return (a, rel, b)


#: Default metapaths per target, oriented head -> tail of the target signature. Abbreviations follow
#: Hetionet (C compound/drug, D disease, G gene, A anatomy, S symptom; b binds, a associates, u/d up/down,
#: r resembles, t treats, p presents/has symptom, l localizes, i interacts, c causes).
DEFAULT_METAPATHS: dict[str, dict[str, Metapath]] = {
    "TREATS": {
        "CbGaD": (_et("Drug", "BINDS", "Gene"), _et("Gene", "rev_ASSOCIATED_WITH", "Disease")),
        "CuGdD": (_et("Drug", "UPREGULATES", "Gene"), _et("Gene", "rev_DOWNREGULATES", "Disease")),
        "CdGuD": (_et("Drug", "DOWNREGULATES", "Gene"), _et("Gene", "rev_UPREGULATES", "Disease")),
        "CrCtD": (_et("Drug", "RESEMBLES", "Drug"), _et("Drug", "TREATS", "Disease")),
        "CtDrD": (_et("Drug", "TREATS", "Disease"), _et("Disease", "RESEMBLES", "Disease")),
        "CpDrD": (_et("Drug", "PALLIATES", "Disease"), _et("Disease", "RESEMBLES", "Disease")),
        "CbGbCtD": (
            _et("Drug", "BINDS", "Gene"),
            _et("Gene", "rev_BINDS", "Drug"),
            _et("Drug", "TREATS", "Disease"),
        ),
        "CtDaGaD": (
            _et("Drug", "TREATS", "Disease"),
            _et("Disease", "ASSOCIATED_WITH", "Gene"),
            _et("Gene", "rev_ASSOCIATED_WITH", "Disease"),
        ),
        "CtDlAlD": (
            _et("Drug", "TREATS", "Disease"),
            _et("Disease", "LOCALIZES_TO", "Anatomy"),
            _et("Anatomy", "rev_LOCALIZES_TO", "Disease"),
        ),
        # text-mined relations (present only when the graph has text-mined edges)
        "CiCtD": (_et("Drug", "INTERACTS_WITH", "Drug"), _et("Drug", "TREATS", "Disease")),
        "CcDrD": (_et("Drug", "CAUSES", "Disease"), _et("Disease", "RESEMBLES", "Disease")),
    },
    "HAS_SYMPTOM": {
        "DpSpDpS": (
            _et("Disease", "HAS_SYMPTOM", "Symptom"),
            _et("Symptom", "rev_HAS_SYMPTOM", "Disease"),
            _et("Disease", "HAS_SYMPTOM", "Symptom"),
        ),
        "DrDpS": (_et("Disease", "RESEMBLES", "Disease"), _et("Disease", "HAS_SYMPTOM", "Symptom")),
        "DaGaDpS": (
            _et("Disease", "ASSOCIATED_WITH", "Gene"),
            _et("Gene", "rev_ASSOCIATED_WITH", "Disease"),
            _et("Disease", "HAS_SYMPTOM", "Symptom"),
        ),
        "DtCtDpS": (
            _et("Disease", "rev_TREATS", "Drug"),
            _et("Drug", "TREATS", "Disease"),
            _et("Disease", "HAS_SYMPTOM", "Symptom"),
        ),
        "DtCcS": (_et("Disease", "rev_TREATS", "Drug"), _et("Drug", "CAUSES", "Symptom")),
    },
}


def reverse_type(et: EdgeType) -> EdgeType:
    """The edge type traversed backwards: ``(a, r, b) -> (b, rev_r, a)``; ``rev_r`` -> ``r``; symmetric same-label types map to themselves when the caller looks them up."""
    a, rel, b = et
    if rel.startswith(REV_PREFIX):
        return (b, rel[len(REV_PREFIX) :], a)
    return (b, REV_PREFIX + rel, a)


def adjacency(graph: GraphIndex, hidden: Mapping[EdgeType, Tensor] | None = None) -> dict[EdgeType, sp.csr_matrix]:
    """Confidence-weighted adjacency of every edge type of ``graph`` (reverse types included).

    Args:
        graph: the training graph.
        hidden: forward edge type -> long [K] column indices of forward edges to leave out (their
            reverses are left out too).

    Returns:
        edge type -> csr float64 [num_nodes(head label), num_nodes(tail label)].
    """
    out: dict[EdgeType, sp.csr_matrix] = {}
    for et in graph.forward_types:
        h, _, t = et
        e = graph.forward_count[et]
        ei = graph.forward_edges(et).numpy()
        w = graph.data[et].edge_weight[:e].double().numpy()
        keep = np.ones(e, dtype=bool)
        if hidden and et in hidden:
            keep[hidden[et].numpy()] = False
        m = sp.csr_matrix((w[keep], (ei[0, keep], ei[1, keep])), shape=(graph.num_nodes(h), graph.num_nodes(t)))
        rev = graph.reverse_of[et]
        if rev == et:  # symmetric same-label type: both directions in one matrix
            m = (m + m.T).tocsr()
            out[et] = m
        else:
            out[et] = m
            out[rev] = m.T.tocsr()
    return out


def _dw(m: sp.csr_matrix, damping: float) -> sp.csr_matrix:
    """``D_out^-d M D_in^-d`` with degrees counted on the binary pattern of ``m``."""
    b = m.copy()
    b.data = np.ones_like(b.data)
    dr = np.asarray(b.sum(1)).ravel()
    dc = np.asarray(b.sum(0)).ravel()
    with np.errstate(divide="ignore"):
        sr = np.where(dr > 0, dr ** (-damping), 0.0)
        sc = np.where(dc > 0, dc ** (-damping), 0.0)
    return sp.diags(sr) @ m @ sp.diags(sc)


@dataclass
class MetapathFeaturizer:
    """DWPC features of (query, candidate) pairs for one target, from one training graph.

    The query side is the target's head (``query_side="head"``) or tail (``"tail"``): rows are query
    nodes, columns candidate nodes. Features: one per metapath, ``arcsinh(DWPC / scale)`` with ``scale``
    the mean non-zero DWPC of that metapath on the graph (Rephetio's transform), in float32; a feature marked
    ``linear`` (a plain path count, damping 0) is ``count / scale`` instead.

    Attributes:
        names: metapath names, in feature order (metapaths whose edge types are absent are dropped).
        chains: per metapath, the degree-weighted matrices oriented query -> candidate.
        scales: float64 [F], per-metapath scale.
        linear: bool [F], features scaled without arcsinh (None: none).
    """

    names: list[str]
    chains: list[list[sp.csr_matrix]]
    scales: np.ndarray
    num_candidates: int
    query_side: str = "head"
    linear: np.ndarray | None = None

    def transform(self, raw: np.ndarray) -> np.ndarray:
        """Raw path values float64 [..., F] -> features float64 [..., F] (arcsinh, or linear, of ``raw / scales``)."""
        v = raw / self.scales
        return np.arcsinh(v) if self.linear is None else np.where(self.linear, v, np.arcsinh(v))

    @property
    def num_features(self) -> int:
        return len(self.names)

    def raw_rows(self, queries: np.ndarray) -> np.ndarray:
        """DWPC of every candidate for each query: int [Q] -> float64 [Q, C, F] (the last few results are cached)."""
        key = np.asarray(queries, dtype=np.int64).tobytes()
        cache = self.__dict__.setdefault("_cache", {})
        if key in cache:
            return cache[key]
        out = self._raw_rows(queries)
        if out.nbytes <= 400 * 2**20:
            if len(cache) >= 3:
                cache.pop(next(iter(cache)))
            cache[key] = out
        return out

    def _raw_rows(self, queries: np.ndarray) -> np.ndarray:
        out = np.zeros((len(queries), self.num_candidates, len(self.chains)), dtype=np.float64)
        for f, chain in enumerate(self.chains):
            m: Any = chain[0][queries]
            for nxt in chain[1:]:
                if sp.issparse(m) and m.nnz > 0.05 * m.shape[0] * m.shape[1]:
                    m = m.toarray()  # dense-ish intermediate (hub nodes): dense @ sparse is faster
                m = (nxt.T @ m.T).T if isinstance(m, np.ndarray) else m @ nxt
            out[:, :, f] = m if isinstance(m, np.ndarray) else m.toarray()
        return out

    def _cut_chains(self, cols: np.ndarray) -> list[list[sp.csr_matrix]]:
        """The chains with their last matrix cut to the candidate columns ``cols`` (the last cut is kept)."""
        key = cols.tobytes()
        kept = self.__dict__.get("_cut")
        if kept is None or kept[0] != key:
            kept = (key, [[*chain[:-1], chain[-1][:, cols].tocsr()] for chain in self.chains])
            self.__dict__["_cut"] = kept
        return kept[1]

    def column_rows(
        self, queries: np.ndarray, cols: np.ndarray, out: Tensor, standardize: tuple[Tensor, Tensor] | None = None
    ) -> None:
        """``rows(queries)[:, cols]`` (queries long [Q], cols long [C']) written to ``out[:, :, :F]`` (float32
        [Q, C', >= F]), or ``(x - mean) / std`` with ``standardize`` = float32 (mean, std) [>= F]; no float64
        [Q, C, F] array: the chains' last matrices are cut to ``cols``, arcsinh runs plane by plane."""
        for f, chain in enumerate(self._cut_chains(np.asarray(cols, dtype=np.int64))):
            m: Any = chain[0][np.asarray(queries, dtype=np.int64)]
            for nxt in chain[1:]:  # the products of _raw_rows, in the same order
                m = m.toarray() if sp.issparse(m) and m.nnz > 0.05 * m.shape[0] * m.shape[1] else m
                m = (nxt.T @ m.T).T if isinstance(m, np.ndarray) else m @ nxt
            lin = self.linear is not None and bool(self.linear[f])
            if isinstance(m, np.ndarray):
                plane = m / self.scales[f] if lin else np.arcsinh(m / self.scales[f])
            else:
                m = m.tocsr()
                m.data = m.data / self.scales[f] if lin else np.arcsinh(m.data / self.scales[f])  # 0 stays 0
                plane = m.toarray()
            x = torch.from_numpy(plane.astype(np.float32))
            out[:, :, f] = x if standardize is None else (x - standardize[0][f]) / standardize[1][f]

    def rows(self, queries: Tensor | np.ndarray, chunk: int = 512) -> Tensor:
        """Transformed features of every candidate: long [Q] -> float32 [Q, C, F]."""
        q = np.asarray(queries, dtype=np.int64)
        parts = [self.raw_rows(q[s : s + chunk]) for s in range(0, len(q), chunk)]
        raw = np.concatenate(parts) if parts else np.zeros((0, self.num_candidates, self.num_features))
        return torch.from_numpy(self.transform(raw).astype(np.float32))

    def pairs(self, queries: Tensor | np.ndarray, candidates: Tensor | np.ndarray, chunk: int = 512) -> Tensor:
        """Transformed features of aligned pairs: long [B], long [B] -> float32 [B, F]."""
        q = np.asarray(queries, dtype=np.int64)
        c = np.asarray(candidates, dtype=np.int64)
        out = np.zeros((len(q), self.num_features), dtype=np.float64)
        uq, inv = np.unique(q, return_inverse=True)
        for s in range(0, len(uq), chunk):
            block = self.raw_rows(uq[s : s + chunk])  # [b, C, F]
            sel = (inv >= s) & (inv < s + chunk)
            out[sel] = block[inv[sel] - s, c[sel]]
        return torch.from_numpy(self.transform(out).astype(np.float32))

    def pairs_ht(self, heads: Tensor, tails: Tensor) -> Tensor:
        """Features of aligned (head, tail) target pairs, whatever the query side: [B], [B] -> float32 [B, F]."""
        if self.query_side == "head":
            return self.pairs(heads, tails)
        return self.pairs(tails, heads)


def build_featurizer(
    graph: GraphIndex,
    target: EdgeType,
    metapaths: Mapping[str, Metapath],
    query_side: str = "head",
    damping: float = 0.4,
    hidden: Mapping[EdgeType, Tensor] | None = None,
    scales: np.ndarray | None = None,
    scale_sample: int = 256,
    seed: int = 0,
) -> MetapathFeaturizer:
    """Build the DWPC featurizer of ``target`` on ``graph`` (minus ``hidden`` edges).

    Args:
        graph: the training graph.
        target: (head label, relation, tail label); metapaths run head -> tail.
        metapaths: name -> edge types; a metapath with an edge type absent from ``graph`` is dropped
            (logged), one that does not chain from head to tail label raises ``ValueError``.
        query_side: ``"head"`` or ``"tail"``: which side the rows of :meth:`MetapathFeaturizer.rows` are.
        damping: DWPC damping exponent (Rephetio: 0.4).
        hidden: forward target edges to leave out (see :func:`adjacency`).
        scales: reuse these per-metapath scales (so features of several folds share one transform).
        scale_sample: queries sampled to estimate the scales.
        seed: seed of that sample.

    Returns:
        The featurizer.
    """
    if query_side not in ("head", "tail"):
        raise ValueError(f"query_side must be 'head' or 'tail', got {query_side!r}")
    head, _, tail = target
    adj = adjacency(graph, hidden)
    dw = {et: _dw(m, damping) for et, m in adj.items()}
    names: list[str] = []
    chains: list[list[sp.csr_matrix]] = []
    for name, path in metapaths.items():
        if not path or path[0][0] != head or path[-1][2] != tail:
            raise ValueError(f"metapath {name} does not run from {head} to {tail}: {path}")
        for a, b in zip(path, path[1:], strict=False):
            if a[2] != b[0]:
                raise ValueError(f"metapath {name} does not chain: {a} then {b}")
        missing = [et for et in path if et not in dw]
        if missing:
            log.info("metapath %s left out: edge types %s not in the graph", name, missing)
            continue
        chain = [dw[et] for et in path]
        if query_side == "tail":
            chain = [m.T.tocsr() for m in reversed(chain)]
        names.append(name)
        chains.append(chain)
    n_q = graph.num_nodes(head if query_side == "head" else tail)
    n_c = graph.num_nodes(tail if query_side == "head" else head)
    feat = MetapathFeaturizer(
        names=names, chains=chains, scales=np.ones(len(names)), num_candidates=n_c, query_side=query_side
    )
    if scales is not None:
        if len(scales) != len(names):
            raise ValueError(f"got {len(scales)} scales for {len(names)} metapaths")
        feat.scales = np.asarray(scales, dtype=np.float64)
    elif names and n_q:
        rng = np.random.default_rng(seed)
        sample = rng.choice(n_q, size=min(scale_sample, n_q), replace=False)
        raw = feat.raw_rows(np.sort(sample))
        sc = np.ones(len(names))
        for f in range(len(names)):
            nz = raw[:, :, f][raw[:, :, f] > 0]
            sc[f] = float(nz.mean()) if nz.size else 1.0
        feat.scales = sc
    return feat


def target_degrees(graph: GraphIndex, target: EdgeType, hidden: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Target-relation degrees on the training graph: (float [H], float [C]) ``log1p(degree)``.

    ``hidden``: long [K] forward target edge columns left out (fold hiding).
    """
    head, _, tail = target
    ei = graph.forward_edges(target)
    if hidden is not None and hidden.numel():
        keep = torch.ones(ei.size(1), dtype=torch.bool)
        keep[hidden] = False
        ei = ei[:, keep]
    dh = torch.bincount(ei[0], minlength=graph.num_nodes(head)).double()
    dt = torch.bincount(ei[1], minlength=graph.num_nodes(tail)).double()
    if graph.reverse_of.get(target) == target:  # symmetric: both ends count
        both = dh + dt
        dh = dt = both
    return torch.log1p(dh).float(), torch.log1p(dt).float()


def metapath_names(target: str, metapaths: Mapping[str, Sequence[Sequence[str]]] | None = None) -> list[str]:
    """The configured (or default) metapath names of a target."""
    return list((metapaths or DEFAULT_METAPATHS.get(target, {})).keys())


@dataclass
class PairFeatures:
    """Pair features of one target on one training graph: metapath DWPCs plus log target degrees.

    Feature order: ``featurizer.names``, then ``log1p(target degree of head)``, ``log1p(target degree
    of tail)``.
    """

    featurizer: MetapathFeaturizer
    deg_head: Tensor  # float [H]
    deg_tail: Tensor  # float [T]

    @property
    def names(self) -> list[str]:
        return [*self.featurizer.names, "deg_head", "deg_tail"]

    @property
    def num_features(self) -> int:
        return self.featurizer.num_features + 2

    @property
    def query_side(self) -> str:
        return self.featurizer.query_side

    def pairs(self, heads: Tensor, tails: Tensor) -> Tensor:
        """Aligned (head, tail) pairs long [B], [B] -> float32 [B, F + 2]."""
        mp = self.featurizer.pairs_ht(heads, tails)
        return torch.cat([mp, self.deg_head[heads][:, None], self.deg_tail[tails][:, None]], dim=1)

    def rows(self, queries: Tensor) -> Tensor:
        """Every candidate of each query (query side of the featurizer): long [Q] -> float32 [Q, C, F + 2]."""
        mp = self.featurizer.rows(queries)  # [Q, C, F]
        q, c = mp.shape[0], mp.shape[1]
        if self.query_side == "head":
            dh = self.deg_head[queries][:, None].expand(q, c)
            dt = self.deg_tail[None, :].expand(q, c)
        else:
            dh = self.deg_head[None, :].expand(q, c)
            dt = self.deg_tail[queries][:, None].expand(q, c)
        return torch.cat([mp, dh[..., None], dt[..., None]], dim=2)

    def column_rows(self, queries: Tensor, cols: Tensor, standardize: tuple[Tensor, Tensor] | None = None) -> Tensor:
        """The candidates ``cols`` long [C'] of each head ``queries`` long [Q] -> float32 [Q, C', F + 2]: equal to
        ``rows(queries)[:, cols]``, computed for those columns only (head-side features only); ``standardize``:
        float32 (mean [F + 2], std [F + 2]), the features come back ``(x - mean) / std``.

        Raises:
            ValueError: the features are from the tail side.
        """
        if self.query_side != "head":
            raise ValueError("column_rows needs head-side pair features")
        out = torch.empty(queries.numel(), cols.numel(), self.num_features)
        self.featurizer.column_rows(queries.numpy(), cols.numpy(), out, standardize)
        dh, dt = self.deg_head[queries], self.deg_tail[cols]
        if standardize is not None:
            (m_h, m_t), (s_h, s_t) = standardize[0][-2:], standardize[1][-2:]
            dh, dt = (dh - m_h) / s_h, (dt - m_t) / s_t
        out[:, :, -2] = dh[:, None]
        out[:, :, -1] = dt[None, :]
        return out


def pair_features(
    graph: GraphIndex,
    target: EdgeType,
    metapaths: Mapping[str, Metapath],
    query_side: str = "head",
    hidden: Tensor | None = None,
    scales: np.ndarray | None = None,
    damping: float = 0.4,
    seed: int = 0,
) -> PairFeatures:
    """:class:`PairFeatures` of ``target`` on ``graph`` with the forward target edges ``hidden`` [K] left out."""
    hid = {target: hidden} if hidden is not None else None
    feat = build_featurizer(graph, target, metapaths, query_side, damping, hid, scales=scales, seed=seed)
    dh, dt = target_degrees(graph, target, hidden)
    return PairFeatures(feat, dh, dt)


@dataclass
class FeatureRows:
    """Pair features of *every* candidate of a set of query nodes, computed once and looked up.

    Attributes:
        queries: long [Q] query node indices.
        row_of: long [num query-side nodes], the row of each query node in ``rows`` (-1: not computed).
        rows: float32 [Q, C, F] (see :meth:`PairFeatures.rows`).
    """

    queries: Tensor
    row_of: Tensor
    rows: Tensor

    def lookup(self, q: Tensor, c: Tensor) -> Tensor:
        """Features of (query, candidate) pairs long [B], [B] -> float32 [B, F]; every query must be computed."""
        r = self.row_of[q]
        if bool((r < 0).any()):
            raise ValueError("a query node of the batch has no precomputed feature row")
        return self.rows[r, c]


def feature_rows(features: PairFeatures, queries: Tensor, num_query_nodes: int) -> FeatureRows:
    """Compute :class:`FeatureRows` for ``queries`` (long [Q], unique)."""
    row_of = torch.full((num_query_nodes,), -1, dtype=torch.long)
    row_of[queries] = torch.arange(queries.numel())
    return FeatureRows(queries=queries, row_of=row_of, rows=features.rows(queries))
