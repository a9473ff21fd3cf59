"""Relation training configs: typed options per training kind, one loader, paths read against the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.config import REPO_ROOT, ConfigError
from kg.train.doc_linear import DocLinearParams
from kg.train.has_symptom import DistantLinearParams
from kg.train.pair_classifier import PairTransformerParams
from kg.train.relations import load_rel_config
from tests.conftest import FIXTURES, SHARED_DATA

CONFIGS = REPO_ROOT / "configs" / "relations"
TINY = FIXTURES / "relations" / "tiny_linear.yaml"


def test_the_shipped_configs_load_unchanged_into_their_kinds_options():
    ddi = load_rel_config(CONFIGS / "ddi.yaml")
    assert isinstance(ddi.params, PairTransformerParams)
    assert (ddi.params.blind, ddi.params.max_tokens, ddi.params.epochs, ddi.params.batch_size) == (True, 96, 2.0, 16)
    assert (ddi.params.lr, ddi.params.lr_new, ddi.params.warmup) == (5.0e-5, 1.0e-3, 0.06)
    dd = load_rel_config(CONFIGS / "drug-disease.yaml")
    assert dd.params == DocLinearParams(
        C=[0.025, 0.05, 0.1, 0.25, 0.5], folds=5, min_feature_count=2, priors=True, mention_words=True
    )
    hs = load_rel_config(CONFIGS / "has-symptom.yaml")
    assert isinstance(hs.params, DistantLinearParams)
    assert (hs.params.heldout_pairs, hs.params.split_by, hs.params.hpo) == (0.3, "pair", True)
    assert hs.params.C == [0.05, 0.1, 0.25, 0.5, 1.0] and hs.params.drop_features == ["doc:", "cross:"]
    # the Hetionet folder (``${env:MEDKG_DATA_DIR:-../shared/data}/hetionet``) is an absolute path now
    assert hs.params.hetionet is not None and hs.params.hetionet.is_absolute()
    assert hs.params.hetionet.resolve() == (SHARED_DATA / "hetionet").resolve()
    for cfg in (ddi, dd, hs):
        assert cfg.out == REPO_ROOT / "kg" / "resources" / "models" / cfg.name
        assert all(spec.path.is_absolute() and spec.path.exists() for spec in cfg.data)


def test_defaults_of_the_options_are_those_documented_next_to_each_trainer():
    tiny = load_rel_config(TINY)
    # tiny_linear.yaml sets C, folds and min_feature_count; the rest are the model's defaults
    assert tiny.params == DocLinearParams(C=1.0, folds=2, min_feature_count=1)
    assert (tiny.params.priors, tiny.params.mention_words) == (True, False)
    assert PairTransformerParams() == PairTransformerParams(
        blind=True, max_tokens=128, epochs=2.0, batch_size=16, lr=5e-5, lr_new=1e-3, warmup=0.06
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("params.gamma=1", "unknown option.*'gamma'.*doc-linear"),
        ("params.blind=false", "unknown option.*'blind'"),  # a pair-transformer option on a doc-linear run
        ("params.folds=many", "folds"),
    ],
)
def test_a_bad_option_is_a_config_error_naming_it(override: str, message: str):
    with pytest.raises(ConfigError, match=message) as err:
        load_rel_config(TINY, [override])
    assert str(TINY) in str(err.value)


def test_relative_paths_are_read_against_the_project_not_the_working_directory(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_rel_config(TINY, ["out=models/x"])
    assert cfg.out == REPO_ROOT / "models" / "x"
    assert cfg.data[0].path == REPO_ROOT / "tests" / "fixtures" / "relations" / "cid_train.PubTator.txt"
    hs = load_rel_config(FIXTURES / "relations" / "tiny_has_symptom.yaml")
    assert isinstance(hs.params, DistantLinearParams)
    assert hs.params.knowledge_tsv == FIXTURES / "relations" / "symptom_knowledge.tsv"
    # a config outside any checkout reads its relative paths against its own folder
    (tmp_path / "data.txt").write_text((FIXTURES / "relations" / "cid_eval.PubTator.txt").read_text())
    (tmp_path / "c.yaml").write_text(
        "kind: doc-linear\ntask: drug-disease\nname: t\nout: m\ndata:\n  - path: data.txt\n", encoding="utf-8"
    )
    own = load_rel_config(tmp_path / "c.yaml")
    assert (own.out, own.data[0].path) == (tmp_path / "m", tmp_path / "data.txt")
    assert own.params == DocLinearParams()
