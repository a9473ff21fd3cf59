"""The ONNX Runtime path of the accurate tagger against the fp32 PyTorch reference (kg.ner.onnx_tagger)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from pydantic import ValidationError
from safetensors.torch import load_file, save_file

from kg.encoders import load_tokenizer
from kg.io.corpora import read_corpus
from kg.ner.onnx_tagger import RUNTIMES, OnnxTagger, ensure_onnx, load_onnx_tagger, onnx_cache_path
from kg.ner.trained import DEFAULT_MODELS, TrainedOptions, load_model
from kg.ner.trained import RUNTIMES as OPTION_RUNTIMES
from kg.ner.transformer import WEIGHTS_FILE, TransformerTagger, batch_inputs, encode, load_net, load_tagger, windows
from tests.conftest import SHARED_DATA

BC5CDR_TEST = SHARED_DATA / "bc5cdr" / "CDR_TestSet.PubTator.txt"
MODEL = DEFAULT_MODELS["accurate"]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("medkg-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDKG_CACHE_DIR", str(path))
        yield path


@pytest.fixture(scope="module")
def abstracts() -> list[str]:
    if not BC5CDR_TEST.is_file():
        pytest.skip(f"BC5CDR test set not found at {BC5CDR_TEST}")
    return [g.document.text for g in read_corpus(BC5CDR_TEST, "pubtator")][:12]


@pytest.fixture(scope="module")
def reference() -> TransformerTagger:
    return load_tagger(MODEL)


@pytest.fixture(scope="module")
def onnx_tagger(cache_dir: Path) -> OnnxTagger:
    return load_onnx_tagger(MODEL, "onnx")


def _log_probs(tagger: TransformerTagger, texts: list[str]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(log-probabilities, mask) per batch of 8 windows of ``texts``, as :meth:`TransformerTagger.tag` builds them."""
    tok = load_tokenizer()
    encoded = [encode(t, tagger.gazetteer) for t in texts]
    jobs = [(e, w) for e in encoded for w in windows(len(e.ids), tagger.max_tokens, tagger.context)]
    out = []
    with torch.inference_mode():
        for b in range(0, len(jobs), 8):
            part = jobs[b : b + 8]
            ids, case, gaz, mask = batch_inputs(
                [e for e, _ in part], [w for _, w in part], tok.cls_token_id, tok.sep_token_id
            )
            out.append((torch.log_softmax(tagger.logits(ids, case, gaz, mask).float(), -1), mask.bool()))
    return out


def test_onnx_logits_agree_with_torch_on_bc5cdr(
    reference: TransformerTagger, onnx_tagger: OnnxTagger, abstracts: list[str]
) -> None:
    ref = _log_probs(reference, abstracts)
    got = _log_probs(onnx_tagger, abstracts)
    for (r, mask), (g, _) in zip(ref, got, strict=True):
        assert g.shape == r.shape
        assert torch.allclose(g[mask], r[mask], atol=1e-3), float((g[mask] - r[mask]).abs().max())


def test_int8_logits_mostly_agree_with_torch(
    reference: TransformerTagger, cache_dir: Path, abstracts: list[str]
) -> None:
    int8 = load_onnx_tagger(MODEL, "onnx-int8")
    assert int8.runtime == "onnx-int8"
    same = total = 0
    for (r, mask), (g, _) in zip(_log_probs(reference, abstracts[:6]), _log_probs(int8, abstracts[:6]), strict=True):
        same += int((g.argmax(-1) == r.argmax(-1))[mask].sum())
        total += int(mask.sum()) * r.shape[2]
    assert same / total > 0.99


def test_onnx_gives_the_same_spans_as_torch(
    reference: TransformerTagger, onnx_tagger: OnnxTagger, abstracts: list[str]
) -> None:
    ref = reference.tag(abstracts[:6])
    got = onnx_tagger.tag(abstracts[:6])
    assert [[(s.start, s.end, s.label) for s in doc] for doc in got] == [
        [(s.start, s.end, s.label) for s in doc] for doc in ref
    ]
    assert sum(len(doc) for doc in ref) > 20


def test_cache_is_rebuilt_when_the_weights_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDKG_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "model"
    shutil.copytree(MODEL, folder)
    meta = load_onnx_tagger(folder, "onnx").meta
    exports: list[Path] = []

    def net() -> torch.nn.Module:
        exports.append(folder)
        return load_net(folder, meta)

    first = ensure_onnx(folder, meta, "onnx", net)
    assert first.is_file() and exports == []  # made by the load above, reused here
    state = load_file(str(folder / WEIGHTS_FILE))
    state["heads.bias"] = state["heads.bias"] + 1
    save_file(state, str(folder / WEIGHTS_FILE))
    second = ensure_onnx(folder, meta, "onnx", net)
    assert second != first and second.is_file() and len(exports) == 1
    assert onnx_cache_path(folder, meta, "onnx") == second
    assert ensure_onnx(folder, meta, "onnx", net) == second and len(exports) == 1


def test_runtime_option_is_validated() -> None:
    assert OPTION_RUNTIMES == RUNTIMES
    with pytest.raises(ValueError, match=r"unknown NER runtime 'tensorrt'.*'onnx-int8'"):
        load_model("accurate", runtime="tensorrt")
    with pytest.raises(ValueError, match="torch"):
        load_onnx_tagger(MODEL, "torch")
    with pytest.raises(ValueError, match="runtime 'torch' only"):
        load_model("accurate", precision="bf16", runtime="onnx")
    with pytest.raises(ValidationError):
        TrainedOptions(runtime="onnx-fp16")  # type: ignore[arg-type]
    assert TrainedOptions().runtime in RUNTIMES
