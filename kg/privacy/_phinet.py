"""The PHI tagger's network (PyTorch), its weights file and its ONNX export.

Imported only when a network is trained or a graph must be exported (first use of new weights):
the run-time path (:mod:`kg.privacy._model`) runs the cached ONNX graph without torch.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import nn

from kg.artifacts import ModelArtifactError
from kg.encoders import FROZEN_KEY, new_encoder

#: Case classes of a piece's word (:func:`kg.privacy._model.case_ids`): pad, lower, Title, UPPER, digit, other.
N_CASE = 6
WEIGHTS_FILE = "model.safetensors"
OPSET = 17
_INPUTS = ("ids", "case", "mask")


class PhiNet(nn.Module):
    """MiniLM encoder + a learned case embedding + one softmax over the tag groups per piece."""

    def __init__(self, encoder: Any, n_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.bert: Any = encoder
        hidden = int(encoder.config.hidden_size)
        self.case_emb = nn.Embedding(N_CASE, hidden)
        nn.init.zeros_(self.case_emb.weight)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, n_labels)

    def forward(self, ids: torch.Tensor, case: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits (batch, length, labels) for int64 inputs of shape (batch, length)."""
        embeds = self.bert.embeddings.word_embeddings(ids) + self.case_emb(case)
        hidden = self.bert(inputs_embeds=embeds, attention_mask=mask).last_hidden_state
        out: torch.Tensor = self.head(self.dropout(hidden))
        return out


def new_phi_net(n_labels: int) -> PhiNet:
    """A :class:`PhiNet` on the pretrained encoder, its word embeddings frozen (they are not stored)."""
    net = PhiNet(new_encoder(), n_labels)
    net.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return net


def load_phi_net(model_dir: str | Path, n_labels: int) -> PhiNet:
    """The fp32 network of a model folder: base word embeddings + the stored (float16) weights, eval mode."""
    net = PhiNet(new_encoder(), n_labels)
    state = {k: v.float() for k, v in load_file(str(Path(model_dir) / WEIGHTS_FILE)).items()}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {FROZEN_KEY}:
        raise ModelArtifactError(f"{model_dir}: weights do not match (missing {missing}, unexpected {unexpected})")
    return net.eval()


def export_onnx(net: PhiNet, path: Path) -> None:
    """Write ``net`` as an fp32 ONNX graph: ids, case, mask (batch, length) -> logits (batch, length, labels)."""
    ids = torch.ones(2, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "length"} for name in (*_INPUTS, "logits")}
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's constant mask-shape checks hold: the mask is always given
        torch.onnx.export(
            net.eval(),
            (ids, torch.zeros_like(ids), torch.ones_like(ids)),
            str(tmp),
            input_names=list(_INPUTS),
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    tmp.replace(path)


def export_int8(model_dir: str | Path, n_labels: int, path: Path) -> None:
    """The int8 graph of a model folder into ``path`` (ONNX Runtime dynamic quantization of the MatMuls)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = path.with_suffix(f".fp32.{os.getpid()}.onnx")
    export_onnx(load_phi_net(model_dir, n_labels), fp32)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        quantize_dynamic(fp32, tmp, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
        tmp.replace(path)
    finally:
        fp32.unlink(missing_ok=True)
