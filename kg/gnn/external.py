"""External-style TREATS protocols (issue 20): hypotheses scored outside the pairs a model was chosen on.

Pure core, no I/O. Every protocol is scored as in Rephetio (Himmelstein et al. 2017): its positives
name a set of compounds and a set of diseases; *every* compound x disease pair of those two sets is
scored, except the known training positives (every Hetionet CtD pair that is not itself a positive);
the pairs left that are not positives are the negatives (no sampled negatives). Protocols:

* ``literature``: BioRED chemical-disease ``Negative_Correlation`` relations mapped to the seed's
  compound and disease ids (:func:`map_literature`), minus every Hetionet CtD pair;
  ``literature_not_cpd``: the same minus every CpD pair too, CpD pairs left out of its grid (about half
  of the literature pairs are Hetionet CpD pairs, which the z-score sum's CpD count finds directly).
* ``cpd_palliates``: Hetionet CpD (palliates) pairs; every CpD edge is left out of the training graph and
  the CpD-based metapaths (CpD, CpDrD) are dropped.
* ``compound_cold_start`` / ``disease_cold_start``: every CtD edge of a seeded 20% of the compounds
  (diseases) with one is held out; the baselines are built on the rest.

The baselines are built from each protocol's training graph only; the shipped model is scored as it is
and marked not clean where its training graph held the protocol's positives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from torch import Tensor

from kg.io.corpora import GoldDocument
from kg.logs import get_logger
from kg.schema import GraphSchema
from kg.types import Edge, Node
from kg.vocab.terminology import TermConcept

from .baselines import metapath_lr
from .data import EdgeType, GraphIndex, build_graph
from .evaluate import auroc_interval, curve_points, precision_at
from .metapaths import DEFAULT_METAPATHS, Metapath, build_featurizer, pair_features, target_degrees
from .protocols import orient

log = get_logger(__name__)

TARGET: EdgeType = ("Drug", "TREATS", "Disease")
PALLIATES: EdgeType = ("Drug", "PALLIATES", "Disease")
#: Relations the baselines' metapaths use; the training graphs hold these only (Gene-Gene and
#: Anatomy-Gene types are never on a TREATS metapath).
GRAPH_RELATIONS = tuple(
    "TREATS PALLIATES BINDS UPREGULATES DOWNREGULATES RESEMBLES ASSOCIATED_WITH LOCALIZES_TO".split()
)
GRAPH_EXCLUDE = (("Gene", "*", "Gene"), ("Anatomy", "*", "Gene"), ("Gene", "*", "Anatomy"))
_MP = DEFAULT_METAPATHS["TREATS"]
#: The z-score sum's plain path counts (issue 20); a tuple of several metapaths is one summed count.
ZSUM_COUNTS: dict[str, tuple[str, ...]] = {
    "CrCtD": ("CrCtD",),
    "CtDrD": ("CtDrD",),
    "CbGaD": ("CbGaD",),
    "CuGdD+CdGuD": ("CuGdD", "CdGuD"),
    "CpD": ("CpD",),
}
ZSUM_PATHS: dict[str, Metapath] = {
    **{k: _MP[k] for k in ("CrCtD", "CtDrD", "CbGaD", "CuGdD", "CdGuD")},
    "CpD": (PALLIATES,),
}
#: The DWPC regression's metapaths: the default TREATS ones on curated relations.
LR_PATHS: dict[str, Metapath] = {k: v for k, v in _MP.items() if k not in ("CiCtD", "CcDrD")}
PRECISION_AT = (10, 50, 100)
#: Compound and disease graph indices long [N], [N] -> scores float [N] (higher = more likely to treat).
PairScorer = Callable[[Tensor, Tensor], Tensor]


@dataclass(frozen=True)
class Protocol:
    """One external-style protocol.

    Attributes:
        name: protocol name.
        positives: sorted unique (compound CURIE, disease CURIE) pairs.
        removed: (head, type, tail) edges left out of the training graph.
        drop_metapaths: metapath names no baseline may use.
        query_side: the side the regression's folds and rows are cut on (``head`` compound, ``tail`` disease).
        fold_by_query: the regression's folds hold every positive of their query nodes (cold start).
        model_leak: why the shipped model is not clean on this protocol ("" where it is).
        also_known: pairs left out of the grid besides the CtD pairs (neither positive nor negative).
    """

    name: str
    positives: tuple[tuple[str, str], ...]
    removed: frozenset[tuple[str, str, str]] = frozenset()
    drop_metapaths: frozenset[str] = frozenset()
    query_side: str = "head"
    fold_by_query: bool = False
    model_leak: str = ""
    also_known: frozenset[tuple[str, str]] = frozenset()

    @property
    def removed_types(self) -> set[EdgeType]:
        """The edge types of the removed edges (Drug -> Disease relations)."""
        return {("Drug", rel, "Disease") for _, rel, _ in self.removed}


@dataclass(frozen=True)
class LiteratureSet:
    """Literature positives mapped to the seed: unique pairs and what happened to every relation read."""

    pairs: tuple[tuple[str, str], ...]
    counts: dict[str, int] = field(default_factory=dict)


def seed_id_index(concepts: Iterable[TermConcept], nodes: Iterable[Node], label: str) -> dict[str, set[str]]:
    """Every id of a terminology concept whose canonical id is a seed node of ``label`` -> those node ids."""
    seed = {n.id for n in nodes if n.label == label}
    out: dict[str, set[str]] = {}
    for c in concepts:
        if c.canonical in seed and c.family == label:
            for i in c.ids:
                out.setdefault(i, set()).add(c.canonical)
    return out


def _curie(corpus_id: str) -> str:
    return corpus_id if ":" in corpus_id else f"MESH:{corpus_id}"


def _map_one(ident: str, index: Mapping[str, set[str]]) -> tuple[str | None, str]:
    hits = index.get(_curie(ident), set())
    if len(hits) > 1:
        return None, "ambiguous"
    return (next(iter(hits)), "") if hits else (None, "unmapped")


def map_literature(
    docs: Iterable[GoldDocument],
    concepts: Sequence[TermConcept],
    nodes: Sequence[Node],
    known: Iterable[tuple[str, str]],
    relation: str = "Negative_Correlation",
) -> LiteratureSet:
    """Chemical-disease ``relation`` pairs of PubTator documents (BioRED) mapped to seed compounds and diseases.

    A corpus MeSH id maps to a seed node when the packaged terminology joins it to a concept whose
    canonical id is that node (the linker's own mapping). Counts are per relation line (document level)
    except ``unique_mapped_pairs``, ``in_hetionet_ctd`` and ``kept``, which are per unique pair.

    Args:
        docs: documents with their entities (``corpus_type`` ChemicalEntity / DiseaseOrPhenotypicFeature).
        concepts: the terminology.
        nodes: the seed nodes (labels Drug and Disease).
        known: pairs removed from the set (every Hetionet CtD pair).
        relation: the corpus relation type read.
    """
    drugs, diseases = seed_id_index(concepts, nodes, "Drug"), seed_id_index(concepts, nodes, "Disease")
    counts: Counter[str] = Counter()
    mapped: set[tuple[str, str]] = set()
    for doc in docs:
        kind = {i: e.corpus_type for e in doc.entities for i in e.ids}
        for rel, a, b in doc.relations:
            if rel != relation:
                continue
            counts["relations"] += 1
            types = (kind.get(a), kind.get(b))
            if set(types) != {"ChemicalEntity", "DiseaseOrPhenotypicFeature"}:
                counts["dropped: not a chemical-disease pair"] += 1
                continue
            chem, dis = (a, b) if types[0] == "ChemicalEntity" else (b, a)
            (c, why_c), (d, why_d) = _map_one(chem, drugs), _map_one(dis, diseases)
            counts["chemical-disease relations"] += 1
            if c is None or d is None:
                side = "chemical and disease" if c is None and d is None else ("chemical" if c is None else "disease")
                why = why_c if c is None else why_d
                counts[f"dropped: {side} {why} (no Hetionet node)"] += 1
                continue
            counts["mapped relations"] += 1
            mapped.add((c, d))
    known_set = set(known)
    kept = sorted(mapped - known_set)
    counts["unique_mapped_pairs"] = len(mapped)
    counts["in_hetionet_ctd"] = len(mapped & known_set)
    counts["kept"] = len(kept)
    return LiteratureSet(tuple(kept), dict(counts))


def _pairs_of(edges: Iterable[Edge], rel: str, label_of: Mapping[str, str]) -> list[tuple[str, str]]:
    return sorted(
        {
            (e.head, e.tail)
            for e in edges
            if e.type == rel and label_of.get(e.head) == "Drug" and label_of.get(e.tail) == "Disease"
        }
    )


def cold_start_protocol(ctd: Sequence[tuple[str, str]], side: str, fraction: float, seed: int) -> Protocol:
    """Every CtD pair of a seeded ``fraction`` of the compounds (``side="compound"``) or diseases held out."""
    col = 0 if side == "compound" else 1
    ends = sorted({p[col] for p in ctd})
    rng = np.random.default_rng([seed, col])
    held = {ends[i] for i in rng.permutation(len(ends))[: max(1, round(fraction * len(ends)))]}
    pos = tuple(p for p in ctd if p[col] in held)
    return Protocol(
        name=f"{side}_cold_start",
        positives=pos,
        removed=frozenset((c, "TREATS", d) for c, d in pos),
        query_side="head" if side == "compound" else "tail",
        fold_by_query=True,
        model_leak="trained on every CtD pair, the held-out ones included",
    )


def make_protocols(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    literature: Sequence[tuple[str, str]],
    seed: int,
    fraction: float = 0.2,
) -> list[Protocol]:
    """The protocols over the seed's edges (literature pairs already mapped and minus CtD)."""
    label_of = {n.id: n.label for n in nodes}
    ctd, cpd = _pairs_of(edges, "TREATS", label_of), _pairs_of(edges, "PALLIATES", label_of)
    return [
        Protocol(name="literature", positives=tuple(sorted(set(literature) - set(ctd)))),
        Protocol(
            name="literature_not_cpd",
            positives=tuple(sorted(set(literature) - set(ctd) - set(cpd))),
            also_known=frozenset(cpd),
        ),
        Protocol(
            name="cpd_palliates",
            positives=tuple(cpd),
            removed=frozenset((c, "PALLIATES", d) for c, d in cpd),
            drop_metapaths=frozenset({"CpD", "CpDrD"}),
            model_leak="its training graph holds every CpD edge",
        ),
        cold_start_protocol(ctd, "compound", fraction, seed),
        cold_start_protocol(ctd, "disease", fraction, seed),
    ]


@dataclass(frozen=True)
class CandidateGrid:
    """Every compound x disease pair of a protocol's candidate sets, minus the known training positives.

    Attributes:
        compounds, diseases: long [Nc], [Nd] graph indices of the candidate sets.
        pairs: long [2, N] (compound index, disease index), row-major over compounds then diseases.
        labels: bool [N], the pair is a positive.
        excluded: known training positives left out of the grid.
    """

    compounds: Tensor
    diseases: Tensor
    pairs: Tensor
    labels: Tensor
    excluded: int


def candidate_grid(protocol: Protocol, graph: GraphIndex, known: Iterable[tuple[str, str]]) -> CandidateGrid:
    """The scored pairs of ``protocol`` on ``graph``: positives plus every non-known pair of their two sets.

    Raises:
        ValueError: a positive's compound or disease is not a node of the graph.
    """
    pos_c = {graph.positions.get(c, ("", -1)) for c, _ in protocol.positives}
    pos_d = {graph.positions.get(d, ("", -1)) for _, d in protocol.positives}
    if any(lab != "Drug" for lab, _ in pos_c) or any(lab != "Disease" for lab, _ in pos_d):
        raise ValueError(f"{protocol.name}: a positive's compound or disease is not a Drug/Disease node of the graph")
    comp = torch.tensor(sorted(i for _, i in pos_c), dtype=torch.long)
    dis = torch.tensor(sorted(i for _, i in pos_d), dtype=torch.long)
    cc, dd = torch.meshgrid(comp, dis, indexing="ij")
    pairs = torch.stack([cc.reshape(-1), dd.reshape(-1)])  # [2, Nc * Nd]
    n_d = graph.num_nodes("Disease")
    key = pairs[0] * n_d + pairs[1]

    def keys(ps: Iterable[tuple[str, str]]) -> Tensor:
        ks = [
            graph.positions[c][1] * n_d + graph.positions[d][1]
            for c, d in ps
            if c in graph.positions and d in graph.positions
        ]
        return torch.tensor(ks, dtype=torch.long)

    labels = torch.isin(key, keys(protocol.positives))
    drop = torch.isin(key, keys(known)) & ~labels
    return CandidateGrid(comp, dis, pairs[:, ~drop], labels[~drop], int(drop.sum()))


def grid_metrics(scores: Tensor, labels: Tensor, seed: int = 13) -> dict[str, float]:
    """AUROC (with its 95% stratified bootstrap interval), AUPRC, precision@10/50/100, positives and pairs of
    scores float [N] against labels bool [N]."""
    s, y = scores.double().numpy(), labels.numpy().astype(bool)
    if not np.isfinite(s).all():
        raise ValueError("a scorer returned a non-finite score")
    both = 0 < y.sum() < y.size
    lo, hi = auroc_interval(s[y], s[~y], seed) if both else (float("nan"), float("nan"))
    out = {
        "auroc": float(roc_auc_score(y, s)) if both else float("nan"),
        "auroc_lo": lo,
        "auroc_hi": hi,
        "auprc": float(average_precision_score(y, s)) if both else float("nan"),
    }
    out.update({f"p@{k}": precision_at(s, y, k) for k in PRECISION_AT})
    out.update({"n_pos": float(y.sum()), "n_pairs": float(y.size)})
    return out


def training_graph(nodes: Sequence[Node], edges: Sequence[Edge], schema: GraphSchema, protocol: Protocol) -> GraphIndex:
    """The protocol's training graph: the seed's metapath relations minus ``protocol.removed``."""
    kept = [e for e in edges if (e.head, e.type, e.tail) not in protocol.removed]
    return build_graph(nodes, kept, schema, edge_types=GRAPH_RELATIONS, exclude=GRAPH_EXCLUDE)


def degree_scorer(graph: GraphIndex) -> PairScorer:
    """Degree prior: ``log1p(CtD degree of the compound) + log1p(CtD degree of the disease)`` on the training graph."""
    dh, dt = target_degrees(graph, TARGET)
    return lambda c, d: dh[c].double() + dt[d].double()


def zsum_scorer(graph: GraphIndex, drop: Iterable[str] = ()) -> tuple[PairScorer, list[str]]:
    """Sum of z-scored plain path counts (:data:`ZSUM_COUNTS`), z over every compound x disease pair of the graph.

    Returns:
        The scorer and the counts it sums (a count whose edge types are absent is left out).
    """
    groups = {k: v for k, v in ZSUM_COUNTS.items() if k not in set(drop)}
    paths = {p: ZSUM_PATHS[p] for names in groups.values() for p in names}
    feat = build_featurizer(graph, TARGET, paths, "head", damping=0.0)
    raw = feat.raw_rows(np.arange(graph.num_nodes("Drug")))  # float64 [H, T, F] path counts
    total = np.zeros(raw.shape[:2])
    used = []
    for name, members in groups.items():
        cols = [feat.names.index(m) for m in members if m in feat.names]
        if not cols:
            continue
        count = raw[:, :, cols].sum(axis=2)
        sd = count.std()
        total += (count - count.mean()) / sd if sd > 0 else 0.0
        used.append(name)
    m = torch.from_numpy(total)
    return (lambda c, d: m[c, d]), used


def lr_scorer(graph: GraphIndex, protocol: Protocol, seed: int) -> tuple[PairScorer, dict[str, float]]:
    """Rephetio-style DWPC logistic regression trained on the protocol's training CtD edges only."""
    paths = {k: v for k, v in LR_PATHS.items() if k not in protocol.drop_metapaths}
    feats = pair_features(graph, TARGET, paths, protocol.query_side, seed=seed)
    scorer, coefs = metapath_lr(graph, TARGET, paths, feats, seed=seed, by_query=protocol.fold_by_query)

    def score(c: Tensor, d: Tensor) -> Tensor:
        q = orient(torch.stack([c, d]), protocol.query_side)
        return scorer.pairs(q[0], q[1]).double()

    return score, coefs


def model_scorer(graph: GraphIndex, head_ids: Sequence[str], tail_ids: Sequence[str], logits: PairScorer) -> PairScorer:
    """A model indexed by its own node ids (``logits`` over its head/tail indices) seen through ``graph``'s indices.

    Raises (when called):
        ValueError: a scored compound or disease is not a node of the model.
    """
    hpos = {n: i for i, n in enumerate(head_ids)}
    tpos = {n: i for i, n in enumerate(tail_ids)}
    hmap = torch.tensor([hpos.get(n, -1) for n in graph.node_ids["Drug"]], dtype=torch.long)
    tmap = torch.tensor([tpos.get(n, -1) for n in graph.node_ids["Disease"]], dtype=torch.long)

    def score(c: Tensor, d: Tensor) -> Tensor:
        h, t = hmap[c], tmap[d]
        if bool((h < 0).any() | (t < 0).any()):
            raise ValueError("a scored pair has a compound or disease the model does not know")
        with torch.no_grad():
            return logits(h, t).double()

    return score


@dataclass(frozen=True)
class ShippedModel:
    """The shipped model as the protocols see it: its ids, a logit function over them, and its name."""

    name: str
    head_ids: Sequence[str]
    tail_ids: Sequence[str]
    logits: PairScorer
    metapaths: Sequence[str] = ()


def _model_leak(protocol: Protocol, model: ShippedModel) -> str:
    """Why the shipped model is not clean on ``protocol``, with the evidence its own pair features give."""
    if not protocol.model_leak:
        return ""
    uses = [n for n in model.metapaths if any(et in protocol.removed_types for et in _MP.get(n, ()))]
    return protocol.model_leak + (f" (its pair features {', '.join(uses)} use them)" if uses else "")


def evaluate_protocol(
    protocol: Protocol,
    graph: GraphIndex,
    known: Iterable[tuple[str, str]],
    scorers: Mapping[str, PairScorer],
    unclean: Mapping[str, str] | None = None,
    seed: int = 13,
) -> dict[str, Any]:
    """Metrics of every scorer on the protocol's candidate grid.

    Returns:
        ``{"grid": {compounds, diseases, pairs, positives, excluded_known}, "scores": {scorer: metrics
        (grid_metrics) + "clean" + "note"}, "curves": {scorer: ROC and PR points (curve_points)}}``.
    """
    grid = candidate_grid(protocol, graph, known)
    out: dict[str, Any] = {
        "grid": {
            "compounds": int(grid.compounds.numel()),
            "diseases": int(grid.diseases.numel()),
            "pairs": int(grid.labels.numel()),
            "positives": int(grid.labels.sum()),
            "excluded_known": grid.excluded,
        },
        "scores": {},
    }
    out["curves"] = {}
    for name, scorer in scorers.items():
        scores = scorer(grid.pairs[0], grid.pairs[1])
        m: dict[str, Any] = grid_metrics(scores, grid.labels, seed)
        note = (unclean or {}).get(name, "")
        m.update({"clean": not note, "note": note})
        out["scores"][name] = m
        out["curves"][name] = curve_points(scores.double().numpy(), grid.labels.numpy())
    return out


def run_external(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    schema: GraphSchema,
    literature: Sequence[tuple[str, str]],
    models: Sequence[ShippedModel] = (),
    seed: int = 13,
    fraction: float = 0.2,
    candidates: Mapping[str, Callable[[GraphIndex], PairScorer]] | None = None,
) -> dict[str, Any]:
    """Every protocol x scorer (degree prior, z-score sum, DWPC regression, the shipped model).

    Args:
        nodes, edges: the seed graph (Hetionet; symmetric edges in canonical order).
        schema: the graph schema.
        literature: the literature positives (:func:`map_literature`).
        models: shipped models scored as they are (marked not clean where they saw the protocol's positives).
        seed: seed of the cold-start hold-outs and of the regressions.
        fraction: share of compounds (diseases) held out in the cold-start protocols.
        candidates: name -> a model trained on the protocol's training graph (clean on every protocol).

    Returns:
        ``{protocol: evaluate_protocol(...) + {"zsum_counts", "lr_coefficients", "held_out"}}``.
    """
    label_of = {n.id: n.label for n in nodes}
    ctd = _pairs_of(edges, "TREATS", label_of)
    used = [e for e in edges if e.type in GRAPH_RELATIONS]
    report: dict[str, Any] = {}
    for protocol in make_protocols(nodes, used, literature, seed, fraction):
        log.info("external protocol %s: %d positives", protocol.name, len(protocol.positives))
        if not protocol.positives:
            report[protocol.name] = {"skipped": "no positives"}
            continue
        graph = training_graph(nodes, used, schema, protocol)
        zsum, counts = zsum_scorer(graph, protocol.drop_metapaths)
        lr, coefs = lr_scorer(graph, protocol, seed)
        scorers: dict[str, PairScorer] = {"degree prior": degree_scorer(graph), "z-score sum": zsum, "DWPC LR": lr}
        scorers.update({name: fit(graph) for name, fit in (candidates or {}).items()})
        unclean: dict[str, str] = {}
        for model in models:
            scorers[model.name] = model_scorer(graph, model.head_ids, model.tail_ids, model.logits)
            if leak := _model_leak(protocol, model):
                unclean[model.name] = leak
        known = (set(ctd) | protocol.also_known) - set(protocol.positives)
        res = evaluate_protocol(protocol, graph, known, scorers, unclean, seed)
        res.update({"zsum_counts": counts, "lr_coefficients": coefs, "held_out_edges": len(protocol.removed)})
        report[protocol.name] = res
    return report


def format_table(report: Mapping[str, Any]) -> list[str]:
    """Markdown rows: protocol x scorer with AUROC (95% interval), AUPRC, precision@k, positives and pairs."""
    head = "| protocol | scorer | clean | AUROC (95% CI) | AUPRC | " + " | ".join(f"P@{k}" for k in PRECISION_AT)
    rows = [head + " | positives | candidate pairs |", "|---" * (7 + len(PRECISION_AT)) + "|"]
    for proto, res in report.items():
        for name, m in res.get("scores", {}).items():
            cells = [f"{m['auroc']:.3f} ({m['auroc_lo']:.2f}-{m['auroc_hi']:.2f})"]
            cells += [f"{m[k]:.3f}" for k in ("auprc", *(f"p@{k}" for k in PRECISION_AT))]
            clean = "yes" if m["clean"] else f"**no**: {m['note']}"
            rows.append(
                f"| {proto} | {name} | {clean} | " + " | ".join(cells) + f" | {int(m['n_pos'])} | {int(m['n_pairs'])} |"
            )
    return rows
