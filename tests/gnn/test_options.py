"""Typed ``gnn.params``: every key has one documented default, unknown keys are errors that name them."""

from __future__ import annotations

import pytest

from kg.config import REPO_ROOT, ConfigError, GnnConfig
from kg.gnn import configs
from kg.gnn.configs import load_eval_config, load_train_config
from kg.gnn.options import DEFAULT_PER_TARGET, LinkPredParams, link_params, target_config

# The defaults as they were read before the options were typed (kg.gnn.pipeline.PIPELINE_DEFAULTS and
# kg.gnn.train.TRAIN_DEFAULTS on main): a config that leaves a key out must mean the same as before.
OLD_DEFAULTS = {
    "val_ratio": 0.1,
    "test_ratio": 0.1,
    "min_edges": 10,
    "edge_types": None,
    "exclude_edge_types": [],
    "exclude_signatures": [["Gene", "*", "Gene"], ["Anatomy", "*", "Gene"]],
    "max_test_edges": 5000,
    "group_by": {"TREATS": "tail", "HAS_SYMPTOM": "head"},
    "exclude_known": {"TREATS": ["PALLIATES"]},
    "max_paths": 3,
    "max_explained": 50_000,
    # the served HAS_SYMPTOM rule (issue 20): no restriction unless per target (HAS_SYMPTOM: 3 / 5 / 3)
    "min_group_known": 0,
    "min_group_other": None,
    "min_candidate_known": 0,
    "num_threads": None,
    "target_sources": {},
    "per_target": {},
    "num_layers": 2,
    "dropout": 0.0,
    "neg_ratio": 1,
    "supervision_ratio": 0.25,
    "max_steps_per_epoch": 4,
    "max_supervision_edges": 50_000,
    "weight_decay": 0.0,
    "eval_every": 5,
    "patience": 4,
    "max_val_edges": 1000,
    "max_message_edges": None,
    "pair_features": False,
    "metapaths": None,
    "neg_mode": "random",
    "pair_lr_scale": 0.1,
    "max_feature_queries": 512,
    "keep": "best",
    "select": "mrr",
    "name_features": None,
    "fold_by": "edges",
    "name_encoder": "minilm",
    "feature_dropout": 0.0,
    "softmax_weight": 0.0,
    "softmax_queries": 128,
    "members": 1,
}


def test_defaults_keep_their_meaning_and_are_documented():
    assert LinkPredParams().model_dump() == OLD_DEFAULTS
    undocumented = [name for name, f in LinkPredParams.model_fields.items() if not f.description]
    assert not undocumented
    assert DEFAULT_PER_TARGET["HAS_SYMPTOM"]["lr"] == 0.05 and DEFAULT_PER_TARGET["HAS_SYMPTOM"]["num_layers"] == 1
    rule = {
        k: DEFAULT_PER_TARGET["HAS_SYMPTOM"][k] for k in ("min_group_known", "min_group_other", "min_candidate_known")
    }
    assert rule == {"min_group_known": 3, "min_group_other": 5, "min_candidate_known": 3}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"neg_ratoi": 2}, "params.neg_ratoi"),
        ({"select": "f1"}, "params.select"),
        ({"members": 0}, "params.members"),
        ({"per_target": {"TREATS": {"patiense": 3}}}, "per_target.TREATS"),
    ],
)
def test_unknown_keys_and_bad_values_name_the_key(params, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        link_params(params)


def test_config_fields_in_params_override_the_field_per_target():
    cfg = GnnConfig(lr=0.01, params={"per_target": {"TREATS": {"epochs": 7, "neg_ratio": 3}}})
    treats = target_config(cfg, "TREATS")
    assert (treats.epochs, treats.lr, treats.params["neg_ratio"]) == (7, 0.01, 3)
    symptom = target_config(cfg, "HAS_SYMPTOM")  # the default per-target lr of HAS_SYMPTOM
    assert (symptom.lr, symptom.epochs) == (0.05, cfg.epochs)
    assert "lr" not in symptom.params and link_params(symptom.params).num_layers == 1
    assert link_params({"lr": 0.5}).model_dump() == OLD_DEFAULTS  # a field key is left to target_config


@pytest.mark.parametrize("name", ["treats.yaml", "has_symptom.yaml"])
def test_recorded_eval_configs_load_with_their_params(name):
    cfg = load_eval_config(REPO_ROOT / "configs" / "linkpred" / name)
    assert cfg.primary in cfg.models
    for rel in cfg.targets:
        opts = configs.target_options(cfg, rel)
        assert opts.target_sources[rel] == (["hetionet"] if rel == "TREATS" else ["hpo"])
        for spec in cfg.models.values():
            link_params(configs.gnn_config(spec, cfg, rel, 1).params)


def test_default_train_config_loads_and_means_what_it_says():
    cfg = load_train_config(None)
    treats = link_params(configs.gnn_config(cfg.model, cfg, "TREATS", cfg.seed).params)
    assert (treats.members, treats.neg_mode, treats.select, treats.pair_lr_scale) == (3, "mix", "auroc_mean", 0.0)
    symptom = configs.gnn_config(cfg.model, cfg, "HAS_SYMPTOM", cfg.seed)
    assert (symptom.epochs, symptom.lr) == (40, 0.01)
    opts = link_params(symptom.params)
    assert (opts.members, opts.softmax_weight, opts.max_val_edges, opts.num_layers) == (1, 1.0, 300, 1)


def test_unknown_params_key_in_a_linkpred_config_is_an_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("models: {m: {encoder: rgcn, params: {neg_mod: mix}}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"params\.neg_mod"):
        load_eval_config(bad)


def test_missing_default_train_config_says_it_belongs_to_a_checkout(tmp_path, monkeypatch):
    monkeypatch.setattr(configs, "DEFAULT_TRAIN_CONFIG", tmp_path / "configs" / "linkpred" / "default.yaml")
    with pytest.raises(ConfigError, match="checkout.*--config"):
        load_train_config(None)
    with pytest.raises(ConfigError, match="not found"):
        load_train_config(tmp_path / "other.yaml")
