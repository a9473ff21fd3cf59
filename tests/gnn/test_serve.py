"""Serving the shipped model in a build: no training; the stacked targets (TREATS 4.0.0, HAS_SYMPTOM 3.1.0) score
nodes they never saw through their features on the build's graph; a GNN target (``gnn_model`` of conftest, the
HAS_SYMPTOM kind up to 2.0.0) leaves them out and counts them."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from kg.build import TOP_PER_TYPE, run_linkprediction_step, top_hypotheses
from kg.cli import app
from kg.config import GnnConfig, load_config
from kg.gnn.data import build_graph
from kg.gnn.serve import predict_links, serve_linkprediction
from kg.gnn.serving import NoModelError
from kg.gnn.stacked import stacked_scorer
from kg.store.sqlite import SqliteStore
from kg.types import Edge, Node

NEW_DRUG, NEW_DISEASE, NEW_SYMPTOM, GENE = "DRUGBANK:DBNEW01", "MESH:D999999", "HP:9999999", "NCBIGene:1636"


@pytest.fixture(scope="module")
def model(shipped_model):
    return shipped_model


@pytest.fixture(scope="module")
def graph(model):
    """Real ids of the model's graph, plus one new drug, disease and symptom (as text mining adds them)."""
    treats, has_symptom = model.targets["TREATS"], model.targets["HAS_SYMPTOM"]
    drugs, diseases = treats.head_ids[:6], treats.tail_ids[:4]
    symptoms = has_symptom.tail_ids[:5]
    nodes = (
        [Node(id=d, label="Drug", name=f"drug {i}") for i, d in enumerate([*drugs, NEW_DRUG])]
        + [Node(id=d, label="Disease", name=f"disease {i}") for i, d in enumerate([*diseases, NEW_DISEASE])]
        + [Node(id=s, label="Symptom", name=f"symptom {i}") for i, s in enumerate([*symptoms, NEW_SYMPTOM])]
        + [Node(id=GENE, label="Gene", name="ACE")]
    )
    triples = [
        (drugs[0], "TREATS", diseases[0]),
        (drugs[1], "TREATS", diseases[1]),
        (drugs[2], "PALLIATES", diseases[0]),
        (drugs[3], "TREATS", diseases[2]),
        (NEW_DRUG, "TREATS", diseases[0]),
        (drugs[4], "TREATS", NEW_DISEASE),
        (drugs[5], "BINDS", GENE),
        (diseases[3], "ASSOCIATED_WITH", GENE),
        (diseases[0], "HAS_SYMPTOM", symptoms[0]),
        (diseases[1], "HAS_SYMPTOM", symptoms[1]),
        (diseases[3], "HAS_SYMPTOM", symptoms[2]),
        (diseases[2], "HAS_SYMPTOM", symptoms[3]),
        (diseases[2], "HAS_SYMPTOM", NEW_SYMPTOM),
        (NEW_DISEASE, "HAS_SYMPTOM", symptoms[4]),
    ]
    edges = [Edge(head=h, type=r, tail=t, confidence=1.0) for h, r, t in triples]
    return nodes, edges


def test_a_gnn_target_leaves_nodes_it_never_saw_out_and_counts_them(graph, gnn_model, schema):
    nodes, edges = graph
    every = {"min_group_known": 0, "min_candidate_known": 0}
    result = serve_linkprediction(nodes, edges, schema, GnnConfig(top_k=6, params=every), "run-g", gnn_model)
    sym_hyps = [h for h in result.hypotheses if h.type == "PREDICTED_HAS_SYMPTOM"]
    assert sym_hyps and not {NEW_DISEASE, NEW_SYMPTOM} & {x for h in sym_hyps for x in (h.head, h.tail)}
    assert (result.stats["HAS_SYMPTOM"]["unseen_heads"], result.stats["HAS_SYMPTOM"]["unseen_tails"]) == (1, 1)
    # the score is the model's own (what `medkg predict score` gives for the pair)
    for h, (_, _, score, _) in zip(sym_hyps, gnn_model.score([(h.head, h.tail) for h in sym_hyps]), strict=True):
        assert score == pytest.approx(h.score, abs=1e-5)


def test_served_hypotheses_score_new_nodes_through_features(graph, model, schema):
    nodes, edges = graph
    every = {"min_group_known": 0, "min_candidate_known": 0}  # this tiny graph knows every node too little
    result = serve_linkprediction(nodes, edges, schema, GnnConfig(top_k=6, params=every), "run-1", model)
    hyps = result.hypotheses
    assert {h.type for h in hyps} == {"PREDICTED_TREATS", "PREDICTED_HAS_SYMPTOM"}
    assert result.model_version == model.version == "linkpred-4.0.0"
    assert all(h.model_version == model.version and h.run_id == "run-1" for h in hyps)
    treats, symptoms = result.stats["TREATS"], result.stats["HAS_SYMPTOM"]
    # both targets are stacked: the new nodes are scored through their edges on this graph, and counted
    sym_hyps = [h for h in hyps if h.type == "PREDICTED_HAS_SYMPTOM"]
    assert NEW_DISEASE in {h.head for h in sym_hyps} and NEW_SYMPTOM in {h.tail for h in sym_hyps}
    assert (symptoms["unseen_heads"], symptoms["unseen_tails"]) == (0, 0)
    assert (symptoms["feature_scored_heads"], symptoms["feature_scored_tails"]) == (1, 1)
    assert (treats["unseen_heads"], treats["unseen_tails"]) == (0, 0)
    assert (treats["feature_scored_heads"], treats["feature_scored_tails"]) == (1, 1)
    treats_hyps = [h for h in hyps if h.type == "PREDICTED_TREATS"]
    assert NEW_DRUG in {h.head for h in treats_hyps} and NEW_DISEASE in {h.tail for h in treats_hyps}
    assert result.metrics["TREATS"]["served"]["unseen_heads"] == 0
    # asserted pairs (and PALLIATES, for TREATS) are never proposed
    asserted = {(e.head, e.tail) for e in edges}
    assert not asserted & {(h.head, h.tail) for h in hyps}
    # HAS_SYMPTOM: the calibrated probability of its stacked model on this graph's features
    g = build_graph(nodes, edges, schema)
    sym = stacked_scorer(model.targets["HAS_SYMPTOM"].model, g, "head")
    hi = [g.positions[h.head][1] for h in sym_hyps]
    ti = [g.positions[h.tail][1] for h in sym_hyps]
    expected_sym = torch.sigmoid(sym.pairs(torch.tensor(hi), torch.tensor(ti))).tolist()
    assert [h.score for h in sym_hyps] == pytest.approx(expected_sym, abs=1e-5)
    assert all(0.0 < h.score < 0.99 for h in sym_hyps)
    # TREATS: the calibrated probability of the stacked model on this graph's features, never saturated
    scorer = stacked_scorer(model.targets["TREATS"].model, g, "head")
    hi = [g.positions[h.head][1] for h in treats_hyps]
    ti = [g.positions[h.tail][1] for h in treats_hyps]
    expected = torch.sigmoid(scorer.pairs(torch.tensor(hi), torch.tensor(ti))).tolist()
    assert [h.score for h in treats_hyps] == pytest.approx(expected, abs=1e-5)
    assert all(0.0 < h.score < 0.99 for h in treats_hyps)
    # per group (disease for both targets): ranks 1..k in score order, at most top_k (6: every candidate)
    groups: dict[tuple[str, str], list] = {}
    for h in hyps:
        groups.setdefault((h.type, h.tail if h.type == "PREDICTED_TREATS" else h.head), []).append(h)
    for members in groups.values():
        assert [h.rank for h in members] == list(range(1, len(members) + 1)) and len(members) <= 6
        assert [h.score for h in members] == sorted((h.score for h in members), reverse=True)
    # explanations are paths of the build's graph (kg.gnn.paths)
    via_gene = [h for h in hyps if h.head == nodes[5].id and h.tail == nodes[10].id]
    assert via_gene and via_gene[0].explanation[0].nodes == (nodes[5].id, GENE, nodes[10].id)


@pytest.mark.parametrize("kind", ["stacked", "gnn"])
def test_has_symptom_is_served_only_for_diseases_and_symptoms_the_graph_knows_well_enough(
    kind, shipped_model, gnn_model, schema
):
    """Defaults: a disease needs 3 known symptoms or 5 edges of other types, a symptom 3 known diseases."""
    model = shipped_model if kind == "stacked" else gnn_model
    has_symptom = model.targets["HAS_SYMPTOM"]
    dis, sym = has_symptom.head_ids[:5], has_symptom.tail_ids[:6]
    nodes = [Node(id=d, label="Disease", name=d) for d in dis] + [Node(id=s, label="Symptom", name=s) for s in sym]
    # d0..d3 each have three of s0..s3 (d_i lacks s_i): every one 3 known pairs; d4 has s0 and the rare s5
    pairs = [(dis[i], sym[j]) for i in range(4) for j in range(4) if i != j] + [(dis[4], sym[0]), (dis[4], sym[5])]
    edges = [Edge(head=h, type="HAS_SYMPTOM", tail=t, confidence=1.0) for h, t in pairs]
    # d5 has no known symptom but 5 genes: the graph knows it through them (a Hetionet disease, not an HPO-only one)
    d5, genes = model.targets["HAS_SYMPTOM"].head_ids[5], [f"NCBIGene:{i}" for i in range(1, 6)]
    nodes += [Node(id=d5, label="Disease", name=d5)] + [Node(id=g, label="Gene", name=g) for g in genes]
    edges += [Edge(head=d5, type="ASSOCIATED_WITH", tail=g, confidence=1.0) for g in genes]
    # d4 also has 2 genes: 2 symptoms + 2 other edges, still too few
    edges += [Edge(head=dis[4], type="ASSOCIATED_WITH", tail=g, confidence=1.0) for g in genes[:2]]
    cfg = GnnConfig(targets=["HAS_SYMPTOM"], top_k=10)
    served = serve_linkprediction(nodes, edges, schema, cfg, "run-3", model)
    assert {h.head for h in served.hypotheses} == {*dis[:4], d5}  # d4: 2 known symptoms, 2 genes: left out
    assert sym[5] not in {h.tail for h in served.hypotheses}  # s5: 1 known disease, never proposed
    assert {(h.head, h.tail) for h in served.hypotheses if h.head != d5} == {(dis[i], sym[i]) for i in range(4)}
    assert {h.tail for h in served.hypotheses if h.head == d5} == set(sym[:4])
    stats = served.stats["HAS_SYMPTOM"]
    assert (stats["rule_heads_left_out"], stats["rule_tails_left_out"]) == (1, 1)
    assert (stats["rule_min_head_known"], stats["rule_min_tail_known"]) == (3, 3)
    # the rule is an option: without it the under-connected disease and the rare symptom are served
    loose = cfg.model_copy(update={"params": {"min_group_known": 0, "min_candidate_known": 0}})
    every = serve_linkprediction(nodes, edges, schema, loose, "run-4", model).hypotheses
    assert dis[4] in {h.head for h in every} and sym[5] in {h.tail for h in every}


def test_build_step_serves_records_unseen_counts_and_hypotheses_reads_them(graph, schema, tmp_path):
    nodes, edges = graph
    cfg = load_config(None, ["gnn.top_k=2"])
    assert cfg.gnn.mode == "serve"
    d = tmp_path / "store"
    with SqliteStore(d) as store:
        store.load_seed("hetionet", nodes, edges, "serve-1")
        hyps = run_linkprediction_step(store, schema, cfg, run_id="b-1")
        # the report's top hypotheses, read by SQL, are the top of every stored hypothesis
        assert hyps == top_hypotheses(store.hypotheses(), per_type=TOP_PER_TYPE)
        assert len(store.hypotheses()) > len(hyps)
        (details,) = store.conn.execute("SELECT details FROM runs WHERE run_id = 'b-1/linkpred'").fetchone()
        metrics = json.loads(store.get_meta("linkpred_metrics") or "{}")
    assert hyps and {h.model_version for h in hyps} == {"linkpred-4.0.0"}
    run = json.loads(details)
    assert run["mode"] == "serve" and run["model_version"] == "linkpred-4.0.0"
    assert run["stats"]["TREATS"]["feature_scored_heads"] == 1 and run["stats"]["HAS_SYMPTOM"]["unseen_tails"] == 0
    assert metrics["TREATS"]["served"]["unseen_tails"] == 0
    out = CliRunner().invoke(app, ["hypotheses", "--store", str(d), "--type", "TREATS", "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout.strip().splitlines()[-1])
    assert rows and {r["model_version"] for r in rows} == {"linkpred-4.0.0"}
    assert rows[0]["score"] == max(h.score for h in hyps if h.type == "PREDICTED_TREATS")
    assert all(0.0 < r["score"] < 0.99 for r in rows)  # calibrated probabilities, not saturated


def test_serve_without_a_model_says_how_to_train_one(graph, schema, tmp_path):
    nodes, edges = graph
    cfg = GnnConfig(model_dir=str(tmp_path / "no-model"))
    with pytest.raises(NoModelError, match="medkg train linkpred"):
        predict_links(nodes, edges, schema, cfg, "run-2")


def test_both_tail_side_strategies_give_the_same_logits(gnn_model):
    """Few groups: pair by pair; many: whole model rows kept. Same numbers, -inf where an end is unseen."""
    from kg.gnn.serve import ServedScorer

    tm = gnn_model.targets["HAS_SYMPTOM"]  # a GNN target
    map_h = torch.tensor([0, 5, -1, 7])  # graph diseases -> model diseases (graph disease 2 never seen)
    map_t = torch.tensor([3, -1, 1])  # graph symptoms -> model symptoms
    groups = torch.tensor([0, 1, 2])
    few = ServedScorer(tm, map_h, map_t, "tail", num_groups=1).rows(groups)
    many = ServedScorer(tm, map_h, map_t, "tail", num_groups=10**6).rows(groups)
    assert torch.allclose(few, many, atol=1e-4)
    assert torch.isinf(few[1]).all() and torch.isinf(few[:, 2]).all() and torch.isfinite(few[0, [0, 1, 3]]).all()
    expected = tm.logits(torch.tensor([0, 5, 7]), torch.tensor([3, 3, 3]))
    assert torch.allclose(few[0, [0, 1, 3]], expected.float(), atol=1e-4)
