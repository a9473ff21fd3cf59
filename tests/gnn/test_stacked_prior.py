"""The count prior of the stacked TREATS model (`kg.gnn.stacked_prior`, 4.0.0) and unlabelled pairs, on the
real Hetionet sample (tests/fixtures/hetionet_sample)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from kg.assemble import canonical_edges
from kg.gnn.data import GraphIndex
from kg.gnn.external import zsum_scorer
from kg.gnn.stacked import (
    TARGET,
    StackedModel,
    StackedSpec,
    aligned,
    build_design,
    fit_stacked,
    graph_features,
    stacked_scorer,
)
from kg.gnn.stacked_prior import Prior, count_name
from kg.gnn.stacked_serving import StackedTarget, load_stacked, save_stacked, stacked_graph
from kg.schema import GraphSchema
from kg.seed.hetionet import load_hetionet

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "hetionet_sample"
COUNTS = [["CrCtD"], ["CtDrD"], ["CbGaD"], ["CuGdD", "CdGuD"], ["CpD"]]
PALLIATES = ("Drug", "PALLIATES", "Disease")


@pytest.fixture(scope="module")
def graph(schema: GraphSchema) -> GraphIndex:
    het = load_hetionet(SAMPLE, schema)
    return stacked_graph(het.nodes, canonical_edges(het.edges, schema), schema)


@pytest.fixture(scope="module")
def model(graph: GraphIndex) -> StackedModel:
    return fit_stacked(graph, StackedSpec(prior_counts=COUNTS, prior_weight=0.5))


def _pairs(graph: GraphIndex) -> tuple[torch.Tensor, torch.Tensor]:
    n_c, n_d = graph.num_nodes("Drug"), graph.num_nodes("Disease")
    cc, dd = torch.meshgrid(torch.arange(n_c), torch.arange(n_d), indexing="ij")
    return cc.reshape(-1), dd.reshape(-1)


def test_counts_are_the_plain_path_counts_of_the_z_score_sum(graph: GraphIndex, model: StackedModel) -> None:
    """The count features are linear (no arcsinh), and their z-score sum ranks the pairs as the baseline's does."""
    feats = graph_features(model, graph)
    assert feats.featurizer.linear is not None
    assert [n for n, lin in zip(feats.featurizer.names, feats.featurizer.linear, strict=True) if lin] == [
        count_name(n) for g in COUNTS for n in g
    ]
    c, d = _pairs(graph)
    x = aligned(model, feats, feats.pairs(c, d))
    # DWPCs keep Rephetio's arcsinh(DWPC / scale), counts are count / 1
    f = feats.featurizer
    raw = f.raw_rows(np.arange(graph.num_nodes("Drug")))[c.numpy(), d.numpy()]  # float64 [N, F]
    lin = f.linear
    np.testing.assert_allclose(x[:, : len(f.names)][:, ~lin], np.arcsinh(raw[:, ~lin] / f.scales[~lin]), rtol=1e-5)
    np.testing.assert_allclose(x[:, : len(f.names)][:, lin], raw[:, lin], rtol=1e-5)
    plain = fit_stacked(graph, StackedSpec()).names
    assert (
        graph_features(fit_stacked(graph, StackedSpec()), graph).featurizer.linear is None and "CpD_count" not in plain
    )
    assert model.prior is not None
    unit = Prior(model.prior.groups, model.prior.mean, model.prior.sd, 1.0)(model.names, x)
    base, _ = zsum_scorer(graph)
    # the same counts, z-scored over another set of pairs: the same order up to each group's scale
    assert np.corrcoef(unit, base(c, d).numpy())[0, 1] > 0.9
    assert x[:, model.names.index("CpD_count")].max() == 1.0  # the palliates edge itself, counted once


def test_the_prior_is_added_before_platt_and_folded_into_one_affine_map(graph: GraphIndex, model: StackedModel) -> None:
    zero = fit_stacked(graph, StackedSpec(prior_counts=COUNTS, prior_weight=0.0))
    feats = graph_features(model, graph)
    c, d = _pairs(graph)
    x = aligned(model, feats, feats.pairs(c, d))
    assert model.prior is not None and zero.prior is not None
    expected = model.platt[0] * (zero.linear(x) + model.prior(model.names, x)) + model.platt[1]
    np.testing.assert_allclose(model.logit(x), expected, rtol=1e-9, atol=1e-9)
    # the regression itself does not learn the counts: with weight 0 their coefficients are 0
    assert all(zero.coefficients()[count_name(n)] == 0.0 for g in COUNTS for n in g)
    # every count raises the score (the prior's weights are positive), a palliated pair above the same pair without
    for g in model.prior.groups:
        assert all(model.coefficients()[n] > 0 for n in g)
    y = x[:1].copy()
    y[0, model.names.index("CpD_count")] = 0.0
    z = y.copy()
    z[0, model.names.index("CpD_count")] = 1.0
    assert model.logit(z)[0] > model.logit(y)[0] + 1.0
    # calibrated on the design: the mean probability of the held-out fold near its base rate, no saturation
    cal = model.metrics["calibrated"]
    assert abs(cal["mean_p"] - cal["base_rate"]) < 0.5 * cal["base_rate"] and cal["max_p"] < 0.999


def test_files_round_trip_with_the_count_features(graph: GraphIndex, model: StackedModel, tmp_path: Path) -> None:
    st = StackedTarget(
        model, list(graph.node_ids["Drug"]), list(graph.node_ids["Disease"]), graph_features(model, graph)
    )
    save_stacked(st, tmp_path, "TREATS")
    back = load_stacked(tmp_path, "TREATS")
    assert back.model.counts == model.counts and back.model.prior is not None
    h, t = torch.tensor([0, 3, 5, 7, 2]), torch.tensor([0, 1, 2, 3, 4])
    direct = stacked_scorer(model, graph, "head").pairs(h, t).float()
    assert torch.allclose(back.logits(h, t), direct, atol=1e-5)
    rows = stacked_scorer(model, graph, "head").rows(h)
    assert torch.allclose(rows[torch.arange(5), t].float(), direct, atol=1e-5)


def test_unlabelled_pairs_are_neither_positive_nor_negative(graph: GraphIndex) -> None:
    full = build_design(graph, StackedSpec())
    part = build_design(graph, StackedSpec(unlabelled=["PALLIATES"]))
    n_t = graph.num_nodes("Disease")
    cpd = graph.forward_edges(PALLIATES)
    cpd_key = (cpd[0] * n_t + cpd[1]).numpy()
    key = lambda d: d.pairs[0] * n_t + d.pairs[1]  # noqa: E731
    in_grid = np.isin(cpd_key, key(full)).sum()
    assert in_grid > 0 and not np.isin(cpd_key, key(part)).any()
    assert part.y.sum() == full.y.sum() == graph.forward_edges(TARGET).size(1)
    assert part.y.size == full.y.size - in_grid


def test_the_shipped_treats_model_is_the_selected_spec_and_calibrated() -> None:
    """The shipped TREATS (4.0.0) is configs/linkpred/default.yaml's spec: the 3.0.0 regression plus the count prior
    of weight 0.3 chosen on the selection protocols (docs/gnn.md), calibrated on its internal held-out fold."""
    import json

    import yaml

    from kg.gnn.serving import DEFAULT_MODEL_DIR

    root = Path(__file__).resolve().parents[2]
    spec = StackedSpec(**yaml.safe_load((root / "configs/linkpred/default.yaml").read_text())["stacked"]["TREATS"])
    meta = json.loads((Path(DEFAULT_MODEL_DIR) / "meta.json").read_text(encoding="utf-8"))
    entry = meta["targets"]["TREATS"]
    assert entry["trained_version"] == meta["version"] == "4.0.0"
    assert StackedSpec(**entry["spec"]) == spec.model_copy(update={"seed": 13})
    model = load_stacked(Path(DEFAULT_MODEL_DIR), "TREATS").model
    assert model.prior is not None and model.prior.weight == spec.prior_weight == 0.3
    assert [list(g) for g in model.prior.groups] == [[count_name(n) for n in g] for g in spec.prior_counts]
    cal = model.metrics["calibrated"]
    assert cal["ece"] < 0.01 and abs(cal["mean_p"] - cal["base_rate"]) < 0.1 * cal["base_rate"]
