"""TREATS candidates chosen on external-style selection protocols, reported on others (issue 20).

PYTHONPATH=. python benchmarks/linkpred_treats_selection.py [--data DIR] [--seeds 13 14 15 16] [--out FILE.json]

Selection and report are apart (fixed before any candidate was scored):

* selection: the literature set built from BioRED **Train** only (``literature_train``), and the compound and
  disease cold starts of the **first** seed;
* report: the literature set from BioRED **Dev** (``literature_dev``; ``literature_dev_new`` without the pairs
  Train also holds), ``cpd_palliates``, and the cold starts of the other seeds.

Candidates (each trained on the protocol's training graph only; scores are the stacked log-odds):

* ``3.0.0``: the shipped recipe (:class:`kg.gnn.stacked.StackedSpec` defaults);
* ``unlabelled CpD``: Hetionet's CpD pairs left out of the negatives, CpD added as a feature (hypothesis 1;
  with no CpD pair in the design its weight is 0);
* ``... + w z-sum``: the stacked log-odds plus ``w`` times a z-score sum (hypothesis 3): ``plain`` is the
  baseline's sum of plain path counts; ``dwpc`` sums the model's own arcsinh-DWPC features of the same paths
  (CrCtD, CtDrD, CbGaD, CuGdD + CdGuD, CpD), each z-scored over the design grid of the training graph;
* ``... + learned z-sum``: ``w`` fit on the internal out-of-fold design instead (hypothesis 2, the z-sum stacked as
  one feature);
* ``3.0.0 + w count prior``: the shippable form of ``3.0.0 + w plain z-sum`` (:mod:`kg.gnn.stacked_prior`, the
  model ``fit_stacked`` writes): the same plain counts, z-scored over the design grid instead of every compound x
  disease pair, added before the Platt map (a rank is the same with or without Platt, so one fit serves every ``w``).

The rule: the candidate with the highest mean AUROC over the selection protocols is chosen. The script prints
both tables and the choice; ``--out`` writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _provenance import provenance  # benchmarks/ is the script folder on sys.path
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

from kg.assemble import canonical_edges
from kg.gnn.data import GraphIndex
from kg.gnn.evaluate import precision_at
from kg.gnn.external import (
    Protocol,
    candidate_grid,
    degree_scorer,
    make_protocols,
    map_literature,
    training_graph,
    zsum_scorer,
)
from kg.gnn.stacked import (
    STACKED_METAPATHS,
    StackedSpec,
    aligned,
    build_design,
    fit_stacked,
    graph_features,
    out_of_fold,
)
from kg.gnn.stacked_prior import Prior
from kg.io.corpora import read_pubtator
from kg.schema import load_schema
from kg.seed.hetionet import load_hetionet
from kg.vocab.terminology import load_terminology

WEIGHTS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
#: the z-sum's groups over the model's features (CuGdD + CdGuD is one count, as in the baseline)
GROUPS = (("CrCtD",), ("CtDrD",), ("CbGaD",), ("CuGdD", "CdGuD"), ("CpD",))
SPECS = {
    "3.0.0": StackedSpec(),
    "unlabelled CpD": StackedSpec(metapaths=[*STACKED_METAPATHS, "CpD"], unlabelled=["PALLIATES"]),
}
#: the z-score sum's plain counts as the stacked prior's groups (shipped in TREATS 4.0.0)
PRIOR_COUNTS = [list(g) for g in GROUPS]
Scores = Callable[[torch.Tensor, torch.Tensor], np.ndarray]


def _zterm(names: Sequence[str], x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """float64 [N]: sum over :data:`GROUPS` of the group's feature sum, z-scored over ``ref`` [M, F]."""
    total = np.zeros(x.shape[0])
    for g in GROUPS:
        cols = [names.index(n) for n in g if n in names]
        if not cols:
            continue
        r = ref[:, cols].sum(axis=1)
        sd = r.std()
        if sd > 0:
            total += (x[:, cols].sum(axis=1) - r.mean()) / sd
    return total


def _components(graph: GraphIndex, spec: StackedSpec) -> dict[str, Any]:
    """The fitted model's log-odds, its dwpc z-term and the internally learned z-term weight."""
    model = fit_stacked(graph, spec)
    feats = graph_features(model, graph, "head")
    d = build_design(graph, spec)
    ref = aligned(model, feats, feats.pairs(torch.from_numpy(d.pairs[0]), torch.from_numpy(d.pairs[1])))
    oof = out_of_fold(d, spec.c)
    # the design's fold features (fit_stacked keeps the design's feature order)
    z_design = _zterm(d.names, d.x, ref)
    lr = LogisticRegression(C=1e6, max_iter=5000).fit(np.c_[oof, z_design], d.y)
    w_learned = float(lr.coef_[0, 1] / lr.coef_[0, 0])

    def logit(c: torch.Tensor, t: torch.Tensor) -> np.ndarray:
        return model.logit(aligned(model, feats, feats.pairs(c, t)), inplace=True)

    def zdwpc(c: torch.Tensor, t: torch.Tensor) -> np.ndarray:
        return _zterm(model.names, aligned(model, feats, feats.pairs(c, t)), ref)

    return {"logit": logit, "zdwpc": zdwpc, "w_learned": w_learned, "coef": model.coefficients()}


def _count_prior(graph: GraphIndex) -> tuple[Scores, Scores]:
    """The 3.0.0 regression's decision value and the unit-weight count prior, as ``fit_stacked`` builds them."""
    model = fit_stacked(graph, StackedSpec(prior_counts=PRIOR_COUNTS, prior_weight=0.0))
    feats = graph_features(model, graph, "head")
    assert model.prior is not None
    unit = Prior(model.prior.groups, model.prior.mean, model.prior.sd, 1.0)

    def x(c: torch.Tensor, t: torch.Tensor) -> np.ndarray:
        return aligned(model, feats, feats.pairs(c, t))

    return (lambda c, t: model.linear(x(c, t))), (lambda c, t: unit(model.names, x(c, t)))


def _metrics(s: np.ndarray, y: np.ndarray) -> dict[str, float]:
    return {
        "auroc": float(roc_auc_score(y, s)),
        "auprc": float(average_precision_score(y, s)),
        "p@100": precision_at(s, y, 100),
        "p@10": precision_at(s, y, 10),
    }


def score_protocol(protocol: Protocol, graph: GraphIndex, known: set[tuple[str, str]]) -> dict[str, Any]:
    """Every candidate's metrics on the protocol's grid."""
    grid = candidate_grid(protocol, graph, known)
    c, t, y = grid.pairs[0], grid.pairs[1], grid.labels.numpy()
    zsum, _ = zsum_scorer(graph, protocol.drop_metapaths)
    zp = zsum(c, t).numpy()
    rows: dict[str, dict[str, float]] = {
        "degree prior": _metrics(degree_scorer(graph)(c, t).numpy(), y),
        "z-score sum": _metrics(zp, y),
    }
    learned: dict[str, Any] = {}
    for name, spec in SPECS.items():
        comp = _components(graph, spec)
        base, zd = comp["logit"](c, t), comp["zdwpc"](c, t)
        rows[name] = _metrics(base, y)
        for w in WEIGHTS:
            rows[f"{name} + {w} plain z-sum"] = _metrics(base + w * zp, y)
            rows[f"{name} + {w} dwpc z-sum"] = _metrics(base + w * zd, y)
        rows[f"{name} + learned dwpc z-sum"] = _metrics(base + comp["w_learned"] * zd, y)
        learned[name] = {"w_learned": comp["w_learned"], "coefficients": comp["coef"]}
    base, unit = _count_prior(graph)
    b, u = base(c, t), unit(c, t)
    for w in WEIGHTS:
        rows[f"3.0.0 + {w} count prior"] = _metrics(b + w * u, y)
    return {"positives": int(y.sum()), "pairs": int(y.size), "scores": rows, "fits": learned}


def _literature(data: Path, het: Any, ctd: list[tuple[str, str]], split: str) -> list[tuple[str, str]]:
    docs = read_pubtator(data / "biored" / f"{split}.PubTator")
    return list(map_literature(docs, load_terminology(), het.nodes, ctd).pairs)


def protocols_of(het: Any, edges: list[Any], data: Path, seeds: Sequence[int]) -> list[tuple[str, Protocol]]:
    """(role, protocol) of every selection and report protocol (names carry the seed of the cold starts)."""
    ctd = [(e.head, e.tail) for e in edges if e.type == "TREATS"]
    train, dev = _literature(data, het, ctd, "Train"), _literature(data, het, ctd, "Dev")
    out: list[tuple[str, Protocol]] = []
    first = make_protocols(het.nodes, edges, train, seeds[0])
    out.append(("select", _renamed(first[0], "literature_train")))
    out.append(("select", _renamed(first[1], "literature_train_not_cpd")))
    dev_ps = make_protocols(het.nodes, edges, dev, seeds[0])
    out.append(("report", _renamed(dev_ps[0], "literature_dev")))
    new = make_protocols(het.nodes, edges, sorted(set(dev) - set(train)), seeds[0])
    out.append(("report", _renamed(new[0], "literature_dev_new")))
    out.append(("report", first[2]))
    for seed in seeds:
        role = "select" if seed == seeds[0] else "report"
        for p in make_protocols(het.nodes, edges, train, seed)[3:]:
            out.append((role, _renamed(p, f"{p.name}@{seed}")))
    return out


def _renamed(p: Protocol, name: str) -> Protocol:
    return replace(p, name=name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("MEDKG_DATA_DIR", "../shared/data"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[13, 14, 15, 16])
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    load_start, t0 = os.getloadavg(), time.perf_counter()
    schema = load_schema()
    data = Path(args.data)
    het = load_hetionet(data / "hetionet", schema)
    edges = canonical_edges(het.edges, schema)
    ctd = {(e.head, e.tail) for e in edges if e.type == "TREATS"}
    report: dict[str, Any] = {}
    for role, p in protocols_of(het, edges, data, args.seeds):
        graph = training_graph(het.nodes, edges, schema, p)
        known = (ctd | p.also_known) - set(p.positives)
        report[p.name] = {"role": role, **score_protocol(p, graph, known)}
        print(p.name, role, report[p.name]["positives"], report[p.name]["pairs"], flush=True)
    choice = _choose(report)
    _print(report, choice)
    if args.out:
        out = {**provenance("linkpred_treats_selection.py", load_start), "seeds": args.seeds, "choice": choice}
        out.update({"report": report, "seconds": round(time.perf_counter() - t0, 1)})
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


def _choose(report: dict[str, Any]) -> dict[str, Any]:
    sel = [p for p, r in report.items() if r["role"] == "select" and not p.endswith("_not_cpd")]
    names = list(report[sel[0]]["scores"])
    mean = {n: float(np.mean([report[p]["scores"][n]["auroc"] for p in sel])) for n in names}
    best = max(mean, key=lambda n: mean[n])
    return {"protocols": sel, "mean_auroc": mean, "chosen": best}


def _print(report: dict[str, Any], choice: dict[str, Any]) -> None:
    ranked = sorted(choice["mean_auroc"], key=lambda n: -choice["mean_auroc"][n])
    protos = list(report)
    print("| scorer | selection mean | " + " | ".join(protos) + " |")
    for n in ranked:
        cells = [f"{report[p]['scores'][n]['auroc']:.3f}" for p in protos]
        print(f"| {n} | {choice['mean_auroc'][n]:.3f} | " + " | ".join(cells) + " |")
    print("chosen:", choice["chosen"], "on", choice["protocols"])


if __name__ == "__main__":
    main()
