"""bfloat16 inference of the accurate tagger against the fp32 PyTorch reference (issue 22).

``precision="auto"`` (the default) runs the network in bfloat16 on CPUs with native bf16 units; the
fp32 network stays the reference. These tests hold the two to the same spans on real abstracts.
"""

from __future__ import annotations

import pytest
import torch

from kg.io.corpora import read_corpus
from kg.ner.trained import DEFAULT_MODELS, DEFAULT_PRECISION, TrainedOptions, effective_precision, model_fingerprint
from kg.ner.transformer import TransformerTagger, bf16_supported, load_tagger
from tests.conftest import SHARED_DATA
from tests.ner.test_onnx import _log_probs

BC5CDR_TEST = SHARED_DATA / "bc5cdr" / "CDR_TestSet.PubTator.txt"
MODEL = DEFAULT_MODELS["accurate"]


@pytest.fixture(scope="module")
def abstracts() -> list[str]:
    if not BC5CDR_TEST.is_file():
        pytest.skip(f"BC5CDR test set not found at {BC5CDR_TEST}")
    return [g.document.text for g in read_corpus(BC5CDR_TEST, "pubtator")][:12]


@pytest.fixture(scope="module")
def reference() -> TransformerTagger:
    return load_tagger(MODEL, precision="fp32")


@pytest.fixture(scope="module")
def bf16(reference: TransformerTagger) -> TransformerTagger:
    return TransformerTagger(reference.net, reference.gazetteer, reference.meta, precision="bf16")


def test_bf16_tagger_runs_a_bfloat16_copy_and_leaves_the_reference_fp32(
    reference: TransformerTagger, bf16: TransformerTagger
) -> None:
    assert bf16.bf16 and not reference.bf16
    assert bf16.net is not reference.net
    assert {p.dtype for p in bf16.net.parameters()} == {torch.bfloat16}  # type: ignore[union-attr]
    assert {p.dtype for p in reference.net.parameters()} == {torch.float32}  # type: ignore[union-attr]


def test_bf16_log_probabilities_agree_with_fp32(
    reference: TransformerTagger, bf16: TransformerTagger, abstracts: list[str]
) -> None:
    same = total = 0
    worst = 0.0
    for (r, mask), (g, _) in zip(_log_probs(reference, abstracts), _log_probs(bf16, abstracts), strict=True):
        same += int((g.argmax(-1) == r.argmax(-1))[mask].sum())
        total += int(mask.sum()) * r.shape[2]
        worst = max(worst, float((g[mask].exp() - r[mask].exp()).abs().max()))
    assert total > 5000
    assert same / total > 0.999, same / total
    assert worst < 0.2, worst  # probabilities, not log-probabilities: a near-zero class may differ in log space


def test_bf16_finds_the_same_spans_as_fp32(
    reference: TransformerTagger, bf16: TransformerTagger, abstracts: list[str]
) -> None:
    ref = {(d, s.start, s.end, s.label) for d, doc in enumerate(reference.tag(abstracts)) for s in doc}
    got = {(d, s.start, s.end, s.label) for d, doc in enumerate(bf16.tag(abstracts)) for s in doc}
    assert len(ref) > 150
    assert len(ref ^ got) <= 2, sorted(ref ^ got)  # measured: {}


def test_auto_follows_the_cpu_and_quantize_stays_fp32(reference: TransformerTagger) -> None:
    assert DEFAULT_PRECISION == "auto" and TrainedOptions().precision == "auto"
    auto = TransformerTagger(reference.net, reference.gazetteer, reference.meta, precision="auto")
    assert auto.bf16 == bf16_supported()
    assert effective_precision("auto", {}) == ("bf16" if bf16_supported() else "fp32")
    assert effective_precision("auto", {"runtime": "onnx"}) == "fp32"
    assert effective_precision("auto", {"quantize": True}) == "fp32"
    assert effective_precision("bf16", {}) == "bf16"
    with pytest.raises(ValueError, match="cannot be combined with precision 'bf16'"):
        load_tagger(MODEL, quantize=True, precision="bf16")
    assert not load_tagger(MODEL, quantize=True, precision="auto").bf16


def test_the_pipeline_key_names_the_precision_that_runs() -> None:
    fp32 = model_fingerprint("accurate", {"precision": "fp32"})
    bf16 = model_fingerprint("accurate", {"precision": "bf16"})
    assert fp32 and bf16 and fp32 != bf16
    assert model_fingerprint("accurate", {}) == (bf16 if bf16_supported() else fp32)
    assert model_fingerprint("fast", {"precision": "bf16"}) == model_fingerprint("fast", {"precision": "fp32"})
