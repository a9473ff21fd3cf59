"""bfloat16 inference of the DDI pair transformer against the fp32 reference (issue 22).

The ``trained`` extractor's ``precision: auto`` (the default) runs a bfloat16 copy of the pair
transformer on CPUs with native bf16 units; fp32 stays the reference. These tests hold the two to the
same decisions on real DDI 2013 test sentences, and the pipeline key to the precision that ran.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kg.encoders import resolved_precision
from kg.io.corpora import read_corpus
from kg.relations import relation_fingerprint
from kg.relations.candidates import ddi_pairs
from kg.relations.models import load_relation_model
from tests.conftest import SHARED_DATA

DDI_TEST = SHARED_DATA / "ddi2013" / "Test" / "DDIExtraction" / "MedLine"


@pytest.fixture(scope="module")
def pairs() -> list:
    if not DDI_TEST.is_dir():
        pytest.skip(f"DDI 2013 test set not found at {DDI_TEST}")
    docs = read_corpus(DDI_TEST, "ddi")[:15]
    out = [p.pair for d in docs for p in ddi_pairs(d) if p.filtered is None]
    assert len(out) >= 30
    return out


def test_bf16_pair_classifier_agrees_with_the_fp32_reference(pairs: list) -> None:
    fp32 = load_relation_model("relations-ddi", "fp32")
    bf16 = load_relation_model("relations-ddi", "bf16")
    assert fp32.precision == "fp32" and bf16.precision == "bf16"
    assert next(fp32.net.parameters()).dtype == torch.float32  # the reference is not cast
    assert next(bf16.net.parameters()).dtype == torch.bfloat16
    p32, p16 = fp32.predict_proba(pairs), bf16.predict_proba(pairs)
    agree = float(np.mean(p32.argmax(1) == p16.argmax(1)))
    assert agree >= 0.97, agree
    assert float(np.abs(p32 - p16).mean()) < 0.02


def test_the_pipeline_key_records_the_precision_that_runs() -> None:
    keys = {p: relation_fingerprint("trained", {"precision": p}) for p in ("fp32", "bf16", "auto")}
    assert keys["fp32"] != keys["bf16"]
    assert keys["auto"] == keys[resolved_precision("auto")]
    with pytest.raises(ValueError, match="unknown precision"):
        resolved_precision("fp8")
