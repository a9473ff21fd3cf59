"""The calibrated stacked TREATS model (`kg.gnn.stacked`, `kg.gnn.stacked_serving`) on a real Hetionet sample.

The sample (tests/fixtures/hetionet_sample): the 12 diseases with the most CtD + CpD edges, their compounds,
150 genes and the edges between them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from typer.testing import CliRunner

from kg.assemble import canonical_edges
from kg.cli import app
from kg.gnn.data import GraphIndex
from kg.gnn.serving import load_default
from kg.gnn.stacked import (
    KIND,
    TARGET,
    StackedModel,
    StackedSpec,
    build_design,
    calibration_report,
    fit_stacked,
    stacked_scorer,
)
from kg.gnn.stacked_serving import StackedTarget, load_stacked, save_stacked, stacked_graph
from kg.schema import GraphSchema
from kg.seed.hetionet import load_hetionet

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "hetionet_sample"


@pytest.fixture(scope="module")
def graph(schema: GraphSchema) -> GraphIndex:
    het = load_hetionet(SAMPLE, schema)
    return stacked_graph(het.nodes, canonical_edges(het.edges, schema), schema)


@pytest.fixture(scope="module")
def model(graph: GraphIndex) -> StackedModel:
    return fit_stacked(graph, StackedSpec())


def test_design_is_every_untested_pair_of_the_ctd_compounds_and_diseases(graph: GraphIndex) -> None:
    d = build_design(graph, StackedSpec())
    pos = graph.forward_edges(TARGET)
    n_c, n_d = torch.unique(pos[0]).numel(), torch.unique(pos[1]).numel()
    assert d.y.sum() == pos.size(1) and d.y.size == n_c * n_d
    assert d.base_rate == pytest.approx(pos.size(1) / (n_c * n_d))
    assert sorted(np.unique(d.fold).tolist()) == [0, 1, 2, 3, 4]
    # a positive's features never count its own edge: its CtD degrees are at least one lower than the graph's
    deg_h = torch.bincount(pos[0], minlength=graph.num_nodes("Drug")).numpy()
    deg_t = torch.bincount(pos[1], minlength=graph.num_nodes("Disease")).numpy()
    p = d.y == 1
    assert np.all(np.expm1(d.x[p, d.names.index("deg_head")]) <= deg_h[d.pairs[0, p]] - 1 + 1e-4)
    assert np.all(np.expm1(d.x[p, d.names.index("deg_tail")]) <= deg_t[d.pairs[1, p]] - 1 + 1e-4)
    # an untested pair keeps every edge but those of its fold's positives
    n = d.y == 0
    assert np.any(np.isclose(np.expm1(d.x[n, d.names.index("deg_tail")]), deg_t[d.pairs[1, n]], atol=1e-3))


def test_training_is_reproducible_and_the_seed_matters(graph: GraphIndex, model: StackedModel) -> None:
    again = fit_stacked(graph, StackedSpec())
    assert json.dumps(again.to_json(), sort_keys=True) == json.dumps(model.to_json(), sort_keys=True)
    other = fit_stacked(graph, StackedSpec(seed=14))
    assert other.metrics["auroc"] != model.metrics["auroc"]  # other folds


def test_scores_are_calibrated_probabilities_and_not_saturated(graph: GraphIndex, model: StackedModel) -> None:
    m = model.metrics
    assert m["auroc"] > 0.75  # the sample's CtD pairs are predictable out of fold
    cal = m["calibrated"]
    # better than the constant base rate, and the mean probability near the held-out fold's base rate
    assert cal["brier"] < cal["base_rate"] * (1 - cal["base_rate"])
    assert abs(cal["mean_p"] - cal["base_rate"]) < 0.5 * cal["base_rate"]
    assert cal["ece"] < 0.05 and len(cal["bins"]) == 10
    per_fold = m["calibrated_per_fold"]  # every fold held out of its own Platt fit in turn
    assert [f["fold"] for f in per_fold] == [0, 1, 2, 3, 4]
    assert all(f["brier"] < f["base_rate"] * (1 - f["base_rate"]) for f in per_fold)
    assert m["isotonic"]["brier"] > 0
    scorer = stacked_scorer(model, graph, "head")
    rows = torch.sigmoid(scorer.rows(torch.arange(graph.num_nodes("Drug"))))  # every compound x disease pair
    known = torch.zeros_like(rows, dtype=torch.bool)
    pos = graph.forward_edges(TARGET)
    known[pos[0], pos[1]] = True
    assert bool(((rows > 0) & (rows < 1)).all())
    untested = rows[~known]
    assert untested.max() < 0.999 and (untested >= 0.9).float().mean() < 0.01  # the issue saw 1.000


def test_the_score_rises_with_the_treatment_evidence(model: StackedModel) -> None:
    coefs = model.coefficients()
    assert model.platt[0] > 0  # Platt keeps the order of the regression
    for name in ("CbGaD", "CrCtD", "CtDrD"):  # shared targets, similar drugs, similar diseases: for TREATS
        assert coefs[name] > 0, coefs
        x = np.zeros((5, len(model.names)))
        x[:, model.names.index(name)] = np.linspace(0.0, 3.0, 5)
        assert np.all(np.diff(model.logit(x)) > 0)


def test_calibration_report_on_known_cases() -> None:
    p = np.array([0.1] * 10 + [0.9] * 10)
    y = np.array([0] * 9 + [1] + [1] * 9 + [0])
    r = calibration_report(p, y, bins=2)
    assert r["ece"] == pytest.approx(0.0) and r["brier"] == pytest.approx(0.09)
    assert calibration_report(np.full(4, 0.5), np.array([0, 0, 0, 0]), bins=2)["ece"] == pytest.approx(0.5)


def test_files_round_trip_without_pickle_and_score_like_the_graph(
    graph: GraphIndex, model: StackedModel, tmp_path: Path
) -> None:
    from kg.gnn.stacked import graph_features

    st = StackedTarget(
        model, list(graph.node_ids["Drug"]), list(graph.node_ids["Disease"]), graph_features(model, graph)
    )
    size = save_stacked(st, tmp_path, "TREATS")
    assert size < 2_000_000 and not list(tmp_path.glob("*.pt"))
    back = load_stacked(tmp_path, "TREATS")
    h, t = torch.tensor([0, 3, 5, 7]), torch.tensor([0, 1, 2, 3])
    direct = stacked_scorer(model, graph, "head").pairs(h, t).float()
    assert torch.allclose(back.logits(h, t), direct, atol=1e-5)
    doc = json.loads((tmp_path / "TREATS.json").read_text())
    doc["kind"] = "something-else"
    with pytest.raises(ValueError, match=KIND):
        StackedModel.from_json(doc)


def test_train_linkpred_reproduces_the_stacked_target_and_keeps_the_others(tmp_path: Path) -> None:
    """`medkg train linkpred` with a stacked TREATS on the sample, twice: identical files; a target not
    retrained stays in the folder (its meta entry too)."""
    cfg = {
        "graph": {"hetionet_dir": str(SAMPLE), "hpo_annotations": False},
        "targets": ["TREATS"],
        "stacked": {"TREATS": {}},
        "seed": 13,
        "version": "9.9.9",
        "params": {"num_threads": 1},
    }
    outs = []
    for run in ("a", "b"):
        out = tmp_path / run
        out.mkdir()
        (out / "meta.json").write_text(json.dumps({"version": "1.0.0", "targets": {"OTHER": {"x": 1}}}))
        (out / "OTHER.pt").write_bytes(b"kept")
        path = tmp_path / f"{run}.yaml"
        path.write_text(yaml.safe_dump({**cfg, "out": str(out)}), encoding="utf-8")
        result = CliRunner().invoke(app, ["train", "linkpred", "--config", str(path)])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        assert summary["targets"]["TREATS"]["kind"] == KIND and 0 < summary["targets"]["TREATS"]["brier"] < 0.25
        outs.append(out)
    for name in ("TREATS.json", "TREATS.safetensors"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes()
    meta = json.loads((outs[0] / "meta.json").read_text())
    assert meta["targets"]["OTHER"] == {"x": 1, "trained_version": "1.0.0"}
    assert meta["targets"]["TREATS"]["trained_version"] == "9.9.9"
    (outs[0] / "OTHER.pt").unlink()
    meta["targets"].pop("OTHER")
    (outs[0] / "meta.json").write_text(json.dumps(meta))
    loaded = load_default(outs[0]).targets["TREATS"]
    assert isinstance(loaded, StackedTarget) and loaded.head_ids == sorted(loaded.head_ids)


def test_logit_is_platt_over_the_z_scored_linear_function_and_leaves_its_input_alone(model: StackedModel) -> None:
    """The one affine map equals Platt's map over the z-scored regression of the clipped features; the
    caller's array is clipped in place only when it says so."""
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 3.0, size=(64, len(model.names)))
    clipped = x if model.bounds is None else np.clip(x, model.bounds[0], model.bounds[1])
    expected = model.platt[0] * model.linear(clipped) + model.platt[1]
    before = x.copy()
    np.testing.assert_allclose(model.logit(x), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(model.logit(x.copy(), inplace=True), expected, rtol=1e-12, atol=1e-12)


def test_the_clipped_has_symptom_model_too() -> None:
    from kg.gnn.serving import DEFAULT_MODEL_DIR
    from kg.gnn.stacked_serving import load_stacked

    model = load_stacked(Path(DEFAULT_MODEL_DIR), "HAS_SYMPTOM").model
    assert model.bounds is not None
    test_logit_is_platt_over_the_z_scored_linear_function_and_leaves_its_input_alone(model)
