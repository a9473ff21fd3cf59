"""ONNX Runtime inference for the accurate tagger (:class:`kg.ner.transformer.TaggerNet`).

The ONNX graph is derived, never committed: at load time the network (committed fine-tuned weights
plus the base package's frozen word embeddings) is exported with the TorchScript exporter (opset
17, dynamic batch and length axes) into the cache dir (:func:`kg.artifacts.default_cache_dir`,
``onnx/``), under a file name keyed by the SHA-256 of the weights file, the base weights' hash
recorded in ``meta.json``, the exporter version and the runtime. Changed weights get a new key, so
a stale graph is never used; ``medkg``'s cache may be deleted at any time. ``onnx-int8`` is the
fp32 graph with ONNX Runtime's dynamic int8 quantization of its matrix products (weights int8 per
channel, activations quantized per batch at run time).

Runtimes (``ner.params.runtime``): ``torch`` (the fp32 PyTorch reference), ``onnx`` (same
arithmetic in ONNX Runtime with all graph optimizations: fused attention, GELU and layer norm),
``onnx-int8``. The windows, batching, Viterbi decoding and post-processing are shared with the
torch path; only :meth:`OnnxTagger.logits` differs.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import torch

from kg.artifacts import default_cache_dir
from kg.ner.artifacts import NAMES_FILE, model_gazetteer, read_model_meta
from kg.ner.features import Gazetteer
from kg.ner.transformer import WEIGHTS_FILE, TaggerNet, TransformerTagger, load_net

RUNTIMES = ("torch", "onnx", "onnx-int8")
#: Bump when the export (opset, names, axes, quantization settings) changes: it is part of the cache key.
EXPORT_VERSION = "1"
OPSET = 17
_INPUTS = ("ids", "case", "gaz", "mask")


def check_runtime(runtime: str) -> str:
    """``runtime`` if known.

    Raises:
        ValueError: an unknown runtime (the message lists the known ones).
    """
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown NER runtime {runtime!r}; known runtimes: {list(RUNTIMES)}")
    return runtime


def weights_key(model_dir: str | Path, meta: dict[str, Any], runtime: str) -> str:
    """Cache key of the ONNX graph for ``runtime``: hash of the weights, base weights, exporter and runtime."""
    digest = hashlib.sha256()
    with open(Path(model_dir) / WEIGHTS_FILE, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    base = str((meta.get("base_model") or {}).get("weights_sha256", ""))
    digest.update(f"|{base}|{EXPORT_VERSION}|{OPSET}|{runtime}|torch{torch.__version__}".encode())
    return digest.hexdigest()[:24]


def onnx_cache_path(model_dir: str | Path, meta: dict[str, Any], runtime: str, cache_dir: Path | None = None) -> Path:
    """Where the graph for ``runtime`` is cached (a temporary folder when the cache is off)."""
    base = cache_dir or default_cache_dir() or Path(tempfile.gettempdir()) / f"medkg-onnx-{os.getpid()}"
    return base / "onnx" / f"{Path(model_dir).name}-{runtime}-{weights_key(model_dir, meta, runtime)}.onnx"


def export_onnx(net: TaggerNet, path: Path) -> None:
    """Write ``net`` as an fp32 ONNX graph: int64 inputs (batch, length) -> logits (batch, length, heads, 3)."""
    ids = torch.ones(2, 8, dtype=torch.long)
    zeros = torch.zeros_like(ids)
    axes = {name: {0: "batch", 1: "length"} for name in (*_INPUTS, "logits")}
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        # The tracer warns that mask-shape checks become constants: they hold for every shape here
        # (the mask is always given), and tests/ner/test_onnx.py checks padded batches of many lengths.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net.eval(),
            (ids, zeros, zeros, torch.ones_like(ids)),
            str(tmp),
            input_names=list(_INPUTS),
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    tmp.replace(path)  # atomic: a concurrent reader never sees half a file


def quantize_onnx(source: Path, path: Path) -> None:
    """Dynamic int8 quantization of the matrix products of the graph ``source`` into ``path``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    quantize_dynamic(source, tmp, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
    tmp.replace(path)


def ensure_onnx(model_dir: str | Path, meta: dict[str, Any], runtime: str, load_net: Any) -> Path:
    """The cached graph for ``runtime`` (``onnx`` | ``onnx-int8``), exported from ``load_net()`` if missing."""
    path = onnx_cache_path(model_dir, meta, runtime)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if runtime == "onnx":
        export_onnx(load_net(), path)
    else:
        quantize_onnx(ensure_onnx(model_dir, meta, "onnx", load_net), path)
    return path


def new_session(path: Path, threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session: all graph optimizations, ``threads`` intra-op threads (default: cores)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = threads or os.cpu_count() or 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


class OnnxTagger(TransformerTagger):
    """A :class:`TransformerTagger` whose network runs in ONNX Runtime (same windows and decoding)."""

    def __init__(
        self, session: Any, gazetteer: Gazetteer, meta: dict[str, Any], runtime: str, batch_size: int = 16
    ) -> None:
        super().__init__(None, gazetteer, meta, batch_size=batch_size)
        self.session = session
        self.runtime = runtime

    def logits(self, ids: torch.Tensor, case: torch.Tensor, gaz: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits (batch, length, heads, 3) float32 from the ONNX session."""
        feeds = {name: t.numpy() for name, t in zip(_INPUTS, (ids, case, gaz, mask), strict=True)}
        return torch.from_numpy(self.session.run(["logits"], feeds)[0])


def load_onnx_tagger(model_dir: str | Path, runtime: str = "onnx", lexicon_path: str | None = None) -> OnnxTagger:
    """Load a transformer tagger folder for ONNX Runtime ``runtime`` (``onnx`` | ``onnx-int8``).

    The PyTorch network is built only when the cached graph is missing (first use, or new weights).

    Raises:
        ValueError: ``runtime`` is not an ONNX runtime.
    """
    if check_runtime(runtime) == "torch":
        raise ValueError("runtime 'torch' is loaded by kg.ner.transformer.load_tagger")
    model_dir = Path(model_dir)
    meta = read_model_meta(model_dir, "transformer", (WEIGHTS_FILE, NAMES_FILE))
    path = ensure_onnx(model_dir, meta, runtime, lambda: load_net(model_dir, meta))
    return OnnxTagger(new_session(path), model_gazetteer(model_dir, lexicon_path), meta, runtime)
