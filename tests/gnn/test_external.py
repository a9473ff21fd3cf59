"""External-style TREATS protocols (`kg.gnn.external`) on a real Hetionet sample (tests/fixtures/hetionet_sample).

The sample: the 12 diseases with the most CtD + CpD edges, their 341 compounds, 150 genes, 4,305 edges
(make_sample.py in the fixture folder rebuilds it from the full seed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from kg.assemble import canonical_edges
from kg.gnn.data import GraphIndex
from kg.gnn.evaluate import auroc_interval, precision_at
from kg.gnn.external import (
    CandidateGrid,
    Protocol,
    ShippedModel,
    candidate_grid,
    cold_start_protocol,
    evaluate_protocol,
    grid_metrics,
    make_protocols,
    map_literature,
    run_external,
    training_graph,
    zsum_scorer,
)
from kg.gnn.stacked import StackedSpec, fit_stacked, stacked_scorer
from kg.io.corpora import read_pubtator
from kg.schema import GraphSchema
from kg.seed.hetionet import load_hetionet
from kg.types import Edge, Node
from kg.vocab.terminology import TermConcept

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "hetionet_sample"
Seed = tuple[list[Node], list[Edge]]


@pytest.fixture(scope="module")
def seed(schema: GraphSchema) -> Seed:
    het = load_hetionet(SAMPLE, schema)
    return het.nodes, canonical_edges(het.edges, schema)


def _pairs(edges: list[Edge], rel: str) -> set[tuple[str, str]]:
    return {(e.head, e.tail) for e in edges if e.type == rel}


def _grid_ids(grid: CandidateGrid, graph: GraphIndex) -> set[tuple[str, str]]:
    drugs, dis = graph.node_ids["Drug"], graph.node_ids["Disease"]
    return {(drugs[c], dis[d]) for c, d in grid.pairs.t().tolist()}


def test_literature_grid_is_every_pair_of_the_candidate_sets_minus_known(seed: Seed, schema: GraphSchema) -> None:
    nodes, edges = seed
    ctd, cpd = _pairs(edges, "TREATS"), _pairs(edges, "PALLIATES")
    lit = sorted(cpd)[:40]  # real non-CtD compound-disease pairs standing in for a literature set
    proto = make_protocols(nodes, edges, lit, seed=13)[0]
    assert proto.name == "literature" and set(proto.positives) == set(lit) and not proto.removed
    graph = training_graph(nodes, edges, schema, proto)
    grid = candidate_grid(proto, graph, ctd)
    comps, diss = {c for c, _ in lit}, {d for _, d in lit}
    full = {(c, d) for c in comps for d in diss}
    got = _grid_ids(grid, graph)
    assert got == full - ctd  # every pair of the two sets, known training positives excluded
    assert grid.excluded == len(full & ctd) > 0
    assert len(got) == grid.labels.numel()  # no pair twice
    drugs, dis = graph.node_ids["Drug"], graph.node_ids["Disease"]
    labelled = {
        (drugs[c], dis[d]) for (c, d), y in zip(grid.pairs.t().tolist(), grid.labels.tolist(), strict=True) if y
    }
    assert labelled == set(lit)
    assert not labelled & ctd


def test_cold_start_compounds_have_no_training_ctd_edge(seed: Seed, schema: GraphSchema) -> None:
    nodes, edges = seed
    ctd = sorted(_pairs(edges, "TREATS"))
    proto = cold_start_protocol(ctd, "compound", 0.2, seed=13)
    held = {c for c, _ in proto.positives}
    with_ctd = {c for c, _ in ctd}
    assert len(held) == round(0.2 * len(with_ctd))
    assert set(proto.positives) == {p for p in ctd if p[0] in held}  # every CtD pair of a held-out compound
    graph = training_graph(nodes, edges, schema, proto)
    ei = graph.forward_edges(("Drug", "TREATS", "Disease"))
    train_heads = {graph.node_ids["Drug"][i] for i in ei[0].tolist()}
    assert not train_heads & held
    assert ei.size(1) == len(ctd) - len(proto.positives)
    grid = candidate_grid(proto, graph, set(ctd) - set(proto.positives))
    assert {graph.node_ids["Drug"][i] for i in grid.compounds.tolist()} == held
    assert int(grid.labels.sum()) == len(proto.positives)
    assert cold_start_protocol(ctd, "compound", 0.2, seed=13) == proto  # seeded
    assert cold_start_protocol(ctd, "compound", 0.2, seed=14) != proto
    dis = cold_start_protocol(ctd, "disease", 0.2, seed=13)
    assert dis.query_side == "tail" and dis.fold_by_query
    assert {d for _, d in dis.positives} and all(
        p in dis.positives for p in ctd if p[1] in {d for _, d in dis.positives}
    )


def test_cpd_protocol_trains_without_any_palliates_edge(seed: Seed, schema: GraphSchema) -> None:
    nodes, edges = seed
    proto = next(p for p in make_protocols(nodes, edges, [], seed=13) if p.name == "cpd_palliates")
    assert set(proto.positives) == _pairs(edges, "PALLIATES")
    graph = training_graph(nodes, edges, schema, proto)
    assert not any(et[1] == "PALLIATES" for et in graph.forward_types)
    _, used = zsum_scorer(graph, proto.drop_metapaths)
    assert "CpD" not in used and "CrCtD" in used
    full = training_graph(nodes, edges, schema, Protocol("x", ()))
    assert "CpD" in zsum_scorer(full)[1]


def test_an_oracle_gets_auroc_1_and_a_random_scorer_about_half(seed: Seed, schema: GraphSchema) -> None:
    nodes, edges = seed
    ctd = _pairs(edges, "TREATS")
    proto = next(p for p in make_protocols(nodes, edges, [], seed=13) if p.name == "cpd_palliates")
    graph = training_graph(nodes, edges, schema, proto)
    n_d = graph.num_nodes("Disease")
    truth = set()
    for c, d in proto.positives:
        truth.add(graph.positions[c][1] * n_d + graph.positions[d][1])
    pos = torch.tensor(sorted(truth))
    gen = torch.Generator().manual_seed(0)

    def oracle(c: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        return torch.isin(c * n_d + d, pos).double()

    def rand(c: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        return torch.rand(c.numel(), generator=gen, dtype=torch.double)

    res = evaluate_protocol(proto, graph, ctd, {"oracle": oracle, "random": rand}, {"random": "made up"})
    o, r = res["scores"]["oracle"], res["scores"]["random"]
    assert o["auroc"] == 1.0 and o["auprc"] == 1.0 and o["p@10"] == 1.0 and o["p@100"] == 1.0
    assert abs(r["auroc"] - 0.5) < 0.06
    assert o["auroc_lo"] == o["auroc_hi"] == 1.0 and r["auroc_lo"] < 0.5 < r["auroc_hi"] < r["auroc_lo"] + 0.1
    prevalence = res["grid"]["positives"] / res["grid"]["pairs"]
    assert abs(r["auprc"] - prevalence) < 0.05
    assert o["clean"] and not r["clean"] and r["note"] == "made up"
    assert res["grid"]["positives"] == len(proto.positives) == o["n_pos"]


def test_precision_at_k_shares_ties_and_metrics_refuse_nan() -> None:
    y = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 1], dtype=bool)
    assert precision_at(np.zeros(10), y, 5) == pytest.approx(0.3)  # constant: the prevalence, whatever the order
    assert precision_at(np.arange(10.0), y, 1) == 1.0
    assert precision_at(np.arange(10.0), y, 20) == pytest.approx(0.3)
    rng = np.random.default_rng(0)
    small = auroc_interval(rng.normal(1, 1, 20), rng.normal(0, 1, 200), seed=1)
    large = auroc_interval(rng.normal(1, 1, 2000), rng.normal(0, 1, 2000), seed=1)
    assert small[0] < 0.76 < small[1] and large[0] < 0.76 < large[1]  # true AUROC Phi(1 / sqrt 2) = 0.760
    assert large[1] - large[0] < (small[1] - small[0]) / 3
    assert auroc_interval(np.ones(5), np.zeros(5), seed=1) == (1.0, 1.0)
    with pytest.raises(ValueError, match="non-finite"):
        grid_metrics(torch.tensor([0.1, float("nan")]), torch.tensor([True, False]))


PUBTATOR = """\
1|t|Metformin and aspirin in diabetes.
1|a|Gefitinib lowered risk; BRCA1 was studied; cisplatin in gout.
1\t0\t9\tMetformin\tChemicalEntity\tD008687
1\t14\t21\taspirin\tChemicalEntity\tD001241
1\t25\t33\tdiabetes\tDiseaseOrPhenotypicFeature\tD003924
1\t35\t44\tGefitinib\tChemicalEntity\tD000077156
1\t59\t64\tBRCA1\tGeneOrGeneProduct\t672
1\t78\t87\tcisplatin\tChemicalEntity\tD002945
1\t91\t95\tgout\tDiseaseOrPhenotypicFeature\tD006073
1\tNegative_Correlation\tD008687\tD003924\tNovel
1\tNegative_Correlation\tD003924\tD001241\tNovel
1\tNegative_Correlation\tD000077156\tD003924\tNovel
1\tNegative_Correlation\tD002945\tD006073\tNovel
1\tNegative_Correlation\tD008687\t672\tNo
1\tPositive_Correlation\tD001241\tD003924\tNo

"""


def test_map_literature_counts_every_relation_and_removes_ctd(tmp_path: Path) -> None:
    (tmp_path / "t.PubTator").write_text(PUBTATOR, encoding="utf-8")
    docs = list(read_pubtator(tmp_path / "t.PubTator"))
    nodes = [
        Node(id="DRUGBANK:DB00331", label="Drug", name="Metformin"),
        Node(id="DRUGBANK:DB00945", label="Drug", name="Aspirin"),
        Node(id="DRUGBANK:DB00515", label="Drug", name="Cisplatin"),
        Node(id="DOID:9352", label="Disease", name="type 2 diabetes mellitus"),
    ]
    concepts = [
        TermConcept("MESH:D008687", "Drug", "Metformin", canonical="DRUGBANK:DB00331"),
        TermConcept("MESH:D001241", "Drug", "Aspirin", canonical="DRUGBANK:DB00945"),
        TermConcept("MESH:D002945", "Drug", "Cisplatin", canonical="DRUGBANK:DB00515"),
        TermConcept("MESH:D003924", "Disease", "Diabetes Mellitus, Type 2", canonical="DOID:9352"),
        TermConcept("MESH:D006073", "Disease", "Gout"),  # no Hetionet disease
    ]
    lit = map_literature(docs, concepts, nodes, known=[("DRUGBANK:DB00331", "DOID:9352")])
    assert lit.pairs == (("DRUGBANK:DB00945", "DOID:9352"),)  # aspirin (either order); metformin is CtD
    assert lit.counts == {
        "relations": 5,
        "dropped: not a chemical-disease pair": 1,  # metformin - BRCA1
        "chemical-disease relations": 4,
        "dropped: chemical unmapped (no Hetionet node)": 1,  # gefitinib
        "dropped: disease unmapped (no Hetionet node)": 1,  # gout
        "mapped relations": 2,
        "unique_mapped_pairs": 2,
        "in_hetionet_ctd": 1,
        "kept": 1,
    }


def test_run_external_scores_every_protocol_and_marks_the_model(seed: Seed, schema: GraphSchema) -> None:
    nodes, edges = seed
    drugs = sorted(n.id for n in nodes if n.label == "Drug")
    dis = sorted(n.id for n in nodes if n.label == "Disease")
    ctd, cpd = _pairs(edges, "TREATS"), _pairs(edges, "PALLIATES")
    others = sorted({(c, d) for c, _ in cpd for _, d in ctd} - ctd - cpd)
    extra = others[:: len(others) // 15][:15]  # real compounds and diseases, no known pair
    lit = sorted(cpd)[:25] + extra
    model = ShippedModel("fake", drugs, dis, lambda h, t: ((h * 7 + t * 3) % 11).double(), ["CpDrD", "CbGaD"])
    stacked = {"stacked": lambda g: stacked_scorer(fit_stacked(g, StackedSpec()), g, "head").pairs}
    report = run_external(nodes, edges, schema, lit, [model], seed=13, candidates=stacked)
    assert list(report) == [
        "literature",
        "literature_not_cpd",
        "cpd_palliates",
        "compound_cold_start",
        "disease_cold_start",
    ]
    for name, res in report.items():
        assert set(res["scores"]) == {"degree prior", "z-score sum", "DWPC LR", "stacked", "fake"}
        for scorer, m in res["scores"].items():
            assert 0.0 <= m["auroc"] <= 1.0, (name, scorer)
            assert m["clean"] == (scorer != "fake" or name.startswith("literature")), (name, scorer)
    assert "CpDrD" in report["cpd_palliates"]["scores"]["fake"]["note"]
    assert report["literature"]["grid"]["positives"] == 40
    assert report["literature_not_cpd"]["grid"]["positives"] == 15
    grid = report["literature_not_cpd"]["grid"]
    excluded = {p for p in ctd | cpd if p[0] in {c for c, _ in extra} and p[1] in {d for _, d in extra}}
    assert grid["excluded_known"] == len(excluded) and grid["pairs"] == grid["compounds"] * grid["diseases"] - len(
        excluded
    )
    # a candidate is trained on each protocol's training graph: clean everywhere, and never a CpD metapath on CpD
    assert all(res["scores"]["stacked"]["clean"] for res in report.values())
    assert run_external(nodes, edges, schema, [])["literature"] == {"skipped": "no positives"}
    assert "CpDrD" not in report["cpd_palliates"]["lr_coefficients"]
    # cold start: the regression's folds hide every CtD edge of their compounds (diseases), as at test time,
    # so what a held-out node cannot have (its own CtD degree, paths through its own CtD edges) gets no weight
    comp, dis_c = report["compound_cold_start"]["lr_coefficients"], report["disease_cold_start"]["lr_coefficients"]
    assert comp["deg_head"] == 0.0 and comp["CtDrD"] == 0.0 and comp["CrCtD"] != 0.0
    assert dis_c["deg_tail"] == 0.0 and dis_c["CrCtD"] == 0.0 and dis_c["CbGaD"] != 0.0
    assert "CpDrD" in report["literature"]["lr_coefficients"]
    again = run_external(nodes, edges, schema, lit, [model], seed=13, candidates=stacked)
    assert again["compound_cold_start"]["scores"] == report["compound_cold_start"]["scores"]  # deterministic
    lr = report["compound_cold_start"]["scores"]["DWPC LR"]["auroc"]
    assert lr > report["compound_cold_start"]["scores"]["degree prior"]["auroc"]
