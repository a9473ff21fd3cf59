"""The calibrated stacked HAS_SYMPTOM model (3.1.0): the sampled, weighted design on the real HPO annotations,
calibration on a held fold, files, serving on a graph with nodes it never saw, schema-consistent explanations."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from kg.config import GnnConfig
from kg.gnn.data import GraphIndex
from kg.gnn.paths import EXPLANATION_RULES
from kg.gnn.serve import serve_linkprediction
from kg.gnn.serving import DEFAULT_MODEL_DIR
from kg.gnn.stacked import StackedModel, StackedSpec, build_design, fit_stacked, stacked_scorer
from kg.gnn.stacked_paths import SYMPTOM_STACKED_METAPATHS, SYMPTOM_TARGET
from kg.gnn.stacked_serving import StackedTarget, load_stacked, save_stacked, stacked_graph
from kg.gnn.symptom_protocols import hold_out, protocol_grid
from kg.schema import GraphSchema
from kg.seed.hpo import load_hpo_annotations
from kg.types import Edge, Node

SPEC = StackedSpec(
    metapaths=list(SYMPTOM_STACKED_METAPATHS), min_head_known=3, min_tail_known=3, max_heads=300, negative_rate=0.05
)


@pytest.fixture(scope="module")
def hpo(schema: GraphSchema) -> tuple[list[Node], list[Edge]]:
    seed = load_hpo_annotations(schema)
    return list(seed.nodes), list(seed.edges)


@pytest.fixture(scope="module")
def graph(hpo, schema: GraphSchema) -> GraphIndex:
    return stacked_graph(*hpo, schema, "HAS_SYMPTOM", SPEC.metapaths)


@pytest.fixture(scope="module")
def model(graph: GraphIndex) -> StackedModel:
    return fit_stacked(graph, SPEC, SYMPTOM_TARGET)


def test_the_design_is_the_rules_grid_sampled_and_weighted(graph: GraphIndex) -> None:
    d = build_design(graph, SPEC, SYMPTOM_TARGET)
    pos = graph.forward_edges(SYMPTOM_TARGET)
    deg_h = np.bincount(pos[0].numpy(), minlength=graph.num_nodes("Disease"))
    deg_t = np.bincount(pos[1].numpy(), minlength=graph.num_nodes("Symptom"))
    # every pair is a disease with >= 3 known phenotypes x a phenotype of >= 3 diseases, of 300 sampled diseases
    assert (deg_h[d.pairs[0]] >= 3).all() and (deg_t[d.pairs[1]] >= 3).all()
    assert np.unique(d.pairs[0]).size == 300
    # positives weigh 1, the kept 5% of the untested pairs 20 each: the weighted base rate is the grid's
    assert set(d.weight[d.y == 1]) == {1.0} and set(d.weight[d.y == 0]) == {20.0}
    grid = 300 * int((deg_t >= 3).sum())
    assert d.weight.sum() == pytest.approx(grid, rel=0.02)
    assert d.base_rate == pytest.approx(d.y.sum() / grid, rel=0.02)
    # a positive never counts its own edge: its disease's degree is at least one lower than on the graph
    p = d.y == 1
    assert np.all(np.expm1(d.x[p, d.names.index("deg_head")]) <= deg_h[d.pairs[0, p]] - 1 + 1e-3)


def test_probabilities_are_calibrated_on_a_held_fold(model: StackedModel) -> None:
    m = model.metrics
    assert m["auroc"] > 0.9  # phenotypes of diseases sharing phenotypes are predictable out of fold
    cal = m["calibrated"]
    # fold 0, Platt map fit on the other folds: the mean probability near the fold's (weighted) base rate, and
    # better than the constant base rate
    assert cal["mean_p"] == pytest.approx(cal["base_rate"], rel=0.25)
    assert cal["brier"] < cal["base_rate"] * (1 - cal["base_rate"])
    assert cal["ece"] < 0.5 * cal["base_rate"]
    for fold in m["calibrated_per_fold"]:
        assert fold["mean_p"] == pytest.approx(fold["base_rate"], rel=0.3)
    # the score rises with shared-phenotype evidence
    assert model.coefficients()["DpSpDpS"] > 0


def test_files_round_trip_store_a_reverse_matrix_once_and_score_like_the_graph(
    model: StackedModel, graph: GraphIndex, tmp_path: Path
) -> None:
    from kg.gnn.stacked import graph_features

    st = StackedTarget(
        model, list(graph.node_ids["Disease"]), list(graph.node_ids["Symptom"]), graph_features(model, graph)
    )
    save_stacked(st, tmp_path, "HAS_SYMPTOM")
    doc = json.loads((tmp_path / "HAS_SYMPTOM.json").read_text(encoding="utf-8"))
    assert doc["target"] == list(SYMPTOM_TARGET)
    chains = doc["stored"]["chains"]
    assert any(r < 0 for chain in chains for r in chain)  # DpSpDpS: rev_HAS_SYMPTOM is HAS_SYMPTOM transposed
    back = load_stacked(tmp_path, "HAS_SYMPTOM")
    assert back.target == SYMPTOM_TARGET
    h, t = torch.tensor([0, 5, 40, 41, 900]), torch.tensor([3, 10, 2, 100, 7])
    direct = stacked_scorer(model, graph, "head").pairs(h, t).float()
    assert torch.allclose(back.logits(h, t), direct, atol=1e-4)


def test_the_shipped_model_is_stacked_calibrated_and_small() -> None:
    meta = json.loads((DEFAULT_MODEL_DIR / "meta.json").read_text(encoding="utf-8"))
    entry = meta["targets"]["HAS_SYMPTOM"]
    # trained at 3.1.0, kept as it was when TREATS 4.0.0 was retrained alone
    assert entry["kind"] == "stacked-dwpc-lr" and entry["trained_version"] == "3.1.0" and meta["version"] == "4.0.0"
    assert not (DEFAULT_MODEL_DIR / "HAS_SYMPTOM.pt").exists()
    size = sum((DEFAULT_MODEL_DIR / f"HAS_SYMPTOM.{x}").stat().st_size for x in ("json", "safetensors"))
    assert size < 5_000_000
    cal = entry["internal"]["calibrated"]
    assert cal["mean_p"] == pytest.approx(cal["base_rate"], rel=0.25) and cal["max_p"] < 1.0 + 1e-9
    # the model's metapaths are the schema's explanation rules for HAS_SYMPTOM (none of the excluded ones)
    rules = {r.name for r in EXPLANATION_RULES["HAS_SYMPTOM"].support}
    assert set(entry["spec"]["metapaths"]) <= rules


def _served_graph(shipped_model) -> tuple[list[Node], list[Edge], str, str]:
    """Diseases and phenotypes the shipped model knows, random HAS_SYMPTOM edges, genes, anatomy, resembling
    diseases, and a new disease and phenotype (ids its training graph lacks)."""
    rng = random.Random(3)
    st = shipped_model.targets["HAS_SYMPTOM"]
    dis, sym = st.head_ids[:30] + ["MESH:D999998"], st.tail_ids[:40] + ["HP:9999998"]
    genes, anat = [f"NCBIGene:{i}" for i in range(1, 9)], [f"UBERON:{i:07d}" for i in range(1, 5)]
    nodes = (
        [Node(id=x, label="Disease", name=x) for x in dis]
        + [Node(id=x, label="Symptom", name=x) for x in sym]
        + [Node(id=x, label="Gene", name=x) for x in genes]
        + [Node(id=x, label="Anatomy", name=x) for x in anat]
    )
    triples = {(d, "HAS_SYMPTOM", s) for d in dis for s in sym if rng.random() < (0.5 if s in sym[:5] else 0.1)}
    triples |= {(d, "ASSOCIATED_WITH", g) for d in dis for g in genes if rng.random() < 0.15}
    triples |= {(d, "LOCALIZES_TO", a) for d in dis for a in anat if rng.random() < 0.2}
    triples |= {(a, "RESEMBLES", b) for a in dis for b in dis if a < b and rng.random() < 0.05}
    edges = [Edge(head=h, type=r, tail=t, confidence=0.9) for h, r, t in sorted(triples)]
    return nodes, edges, dis[-1], sym[-1]


def test_served_has_symptom_scores_new_nodes_and_explains_by_the_schema(shipped_model, schema: GraphSchema) -> None:
    nodes, edges, new_d, new_s = _served_graph(shipped_model)
    result = serve_linkprediction(nodes, edges, schema, GnnConfig(targets=["HAS_SYMPTOM"], top_k=5), "r", shipped_model)
    hyps = result.hypotheses
    stats = result.stats["HAS_SYMPTOM"]
    assert (stats["unseen_heads"], stats["unseen_tails"]) == (0, 0)
    assert stats["feature_scored_heads"] + stats["feature_scored_tails"] >= 1
    assert new_d in {h.head for h in hyps} or new_s in {h.tail for h in hyps}
    # probabilities, not all saturated (this random graph is far denser than the seed, so some are)
    assert hyps and all(0.0 < h.score <= 1.0 for h in hyps) and not all(h.score >= 0.99 for h in hyps)
    # explanations: real edges of this graph, in the order and labels of an allowed HAS_SYMPTOM metapath
    label = {n.id: n.label for n in nodes}
    asserted = {(e.head, e.type, e.tail) for e in edges}
    rules = {r.name: r for r in EXPLANATION_RULES["HAS_SYMPTOM"].support}
    explained = 0
    for h in hyps:
        total = 0.0
        for p in h.explanation:
            assert p.metapath in rules and not p.against
            assert p.nodes[0] == h.head and p.nodes[-1] == h.tail
            rule = rules[p.metapath]
            assert tuple(label[n] for n in p.nodes) == rule.labels and p.relations == rule.relations
            for a, rel, b in zip(p.nodes, p.relations, p.nodes[1:], strict=False):
                assert (a, rel, b) in asserted or (b, rel, a) in asserted
            total += p.contribution
        assert total <= 1.0 + 1e-6
        explained += bool(h.explanation)
        assert h.note == "" or h.note.startswith(("no supporting path", "not explained"))
    assert explained > len(hyps) // 2


def test_a_held_out_disease_has_no_known_pair_left_and_its_pairs_are_the_positives(hpo, schema) -> None:
    nodes, edges = hpo
    pairs = [(e.head, e.tail) for e in edges if e.type == "HAS_SYMPTOM"]
    ho = hold_out(pairs, "disease_cold_start", 5, seed=13)
    held = set(ho.held)
    assert {d for d, _ in held} == set(ho.groups) and len(ho.groups) == 5
    kept = [e for e in edges if (e.head, e.tail) not in held]
    graph = stacked_graph(nodes, kept, schema, "HAS_SYMPTOM", SPEC.metapaths)
    grid = protocol_grid(graph, ho)
    assert int(grid.labels.sum()) + grid.dropped == len(held)
    assert grid.scored.all()  # nothing of a held-out disease is left in the graph
    partial = hold_out(pairs, "disease_partial", 5, seed=13)
    left = {(d, s) for d, s in pairs if d in partial.groups} - set(partial.held)
    assert left and len(left) >= len(partial.held)  # half held out, half kept as known
