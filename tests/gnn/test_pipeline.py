from __future__ import annotations

import pytest

from kg.config import GnnConfig
from kg.gnn import LinkPredResult, run_linkprediction
from kg.gnn.options import target_params
from kg.registry import UnknownComponentError
from kg.schema import SchemaError
from tests.gnn.conftest import tiny_graph

METRICS = {"mrr", "hits@1", "hits@3", "hits@10", "mean_rank", "auroc", "auprc", "n_test"}


def test_end_to_end_metrics_and_hypotheses(graph, schema, fast_config):
    nodes, edges = graph
    res = run_linkprediction(nodes, edges, schema, fast_config, run_id="run-1")
    assert isinstance(res, LinkPredResult)
    assert set(res.metrics) == {"TREATS", "HAS_SYMPTOM"}
    for target in ("TREATS", "HAS_SYMPTOM"):
        assert set(res.metrics[target]) == {"rgcn", "degree"}
        for model in ("rgcn", "degree"):
            m = res.metrics[target][model]
            assert set(m) == METRICS
            assert 0 < m["mrr"] <= 1 and 0 <= m["hits@1"] <= m["hits@3"] <= m["hits@10"] <= 1
    assert res.model_version.startswith("rgcn-")
    assert {h.type for h in res.hypotheses} == {"PREDICTED_TREATS", "PREDICTED_HAS_SYMPTOM"}
    # deterministic for a seed
    again = run_linkprediction(nodes, edges, schema, fast_config, run_id="run-1")
    assert again.metrics == res.metrics
    assert [(h.head, h.tail, h.score) for h in again.hypotheses] == [(h.head, h.tail, h.score) for h in res.hypotheses]


def test_target_with_too_few_edges_is_skipped(schema, fast_config):
    nodes, edges = tiny_graph(n_symptom=4)
    res = run_linkprediction(nodes, edges, schema, fast_config, run_id="r")
    assert "skipped" in res.metrics["HAS_SYMPTOM"] and "only 4" in res.metrics["HAS_SYMPTOM"]["skipped"]
    assert "rgcn" in res.metrics["TREATS"]
    assert {h.type for h in res.hypotheses} == {"PREDICTED_TREATS"}


def test_missing_label_is_skipped(graph, schema, fast_config):
    nodes, edges = graph
    nodes = [n for n in nodes if n.label != "Symptom"]
    res = run_linkprediction(nodes, edges, schema, fast_config, run_id="r")
    assert "Symptom" in res.metrics["HAS_SYMPTOM"]["skipped"]


def test_unknown_encoder_and_target_raise(graph, schema):
    nodes, edges = graph
    with pytest.raises(UnknownComponentError, match="rgcn"):
        run_linkprediction(nodes, edges, schema, GnnConfig(encoder="transformerX"), run_id="r")
    with pytest.raises(SchemaError, match="TREATS"):
        run_linkprediction(nodes, edges, schema, GnnConfig(targets=["BINDS"]), run_id="r")


def test_embedding_encoder_runs_end_to_end(graph, schema):
    nodes, edges = graph
    cfg = GnnConfig(encoder="embedding", hidden_dim=8, epochs=4, targets=["TREATS"], params={"eval_every": 2})
    res = run_linkprediction(nodes, edges, schema, cfg, run_id="r")
    assert set(res.metrics["TREATS"]) == {"embedding", "degree"}
    assert res.model_version.startswith("embedding-")


def test_target_params_precedence():
    cfg = GnnConfig(params={"num_layers": 3, "per_target": {"HAS_SYMPTOM": {"neg_ratio": 7}}})
    p = target_params(cfg, "HAS_SYMPTOM")
    assert p["num_layers"] == 3  # the run's global value beats the default per-target value
    assert p["neg_ratio"] == 7 and p["max_steps_per_epoch"] == 2
    assert target_params(GnnConfig(), "TREATS")["exclude_signatures"][-1] == ["*", "HAS_SYMPTOM", "*"]
