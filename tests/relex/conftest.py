"""Shared fixtures of the relation tests: a DDI pair classifier trained on the tiny fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.config import REPO_ROOT

REL = REPO_ROOT / "tests" / "fixtures" / "relations"


@pytest.fixture(scope="session")
def tiny_ddi(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    from kg.relex.training import load_rel_config, train_relations

    out = tmp_path_factory.mktemp("rel") / "ddi"
    meta = train_relations(load_rel_config(REL / "tiny_ddi.yaml", [f"out={out}"]))
    return out, meta
