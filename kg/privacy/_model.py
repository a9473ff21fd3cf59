"""The trained PHI span detector (round eight): MiniLM-L6 fine-tuned to tag identifier tokens.

It runs beside the rules; :func:`kg.privacy.find_phi` takes the union of both. Each WordPiece gets a
softmax over tag groups (``O`` and :data:`GROUPS`: IO tagging, no B/I, since merged spans are all the
guard needs). A word is PHI when the mean probability of "not ``O``" over its pieces reaches the
threshold chosen on the development split (``meta.json``); neighbouring PHI words of one group joined
by at most a few spaces or punctuation marks form one span, and a word of lower probability (at least
the ``extend_threshold``, also chosen on development data) joins a span it touches (hysteresis). The word's case class is a learned input
feature (the vocabulary is lower-cased).

Artifacts follow the NER convention (:mod:`kg.ner.transformer`): ``model.safetensors`` holds the
fine-tuned weights in float16 without the frozen word embeddings (loaded from the base package),
``meta.json`` the labels, threshold, data and metrics. The int8 ONNX graph is derived at first use
into the cache (:func:`kg.artifacts.default_cache_dir`), keyed by the weights' SHA-256, so a stale
graph is never used. Training: :mod:`kg.train.phi`.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from kg.artifacts import MODELS_DIR, ModelArtifactError, default_cache_dir, read_meta
from kg.encoders import load_tokenizer
from kg.privacy._base import Candidate

#: The shipped model folder (``medkg train phi`` writes it).
PHI_MODEL_DIR = MODELS_DIR / "phi"
WEIGHTS_FILE = "model.safetensors"
#: Tag groups after ``O``; the kind a model span gets (:data:`kg.privacy.KINDS`) is the group's.
GROUPS: dict[str, str] = {"NAME": "NAME", "LOCATION": "GEO", "DATE": "DATE", "CONTACT": "PHONE", "ID": "ID"}
#: Gold kind -> tag group.
GROUP_OF: dict[str, str] = {
    "NAME": "NAME",
    **dict.fromkeys(("STREET", "CITY", "ZIP", "GEO"), "LOCATION"),
    **dict.fromkeys(("DATE", "AGE"), "DATE"),
    **dict.fromkeys(("PHONE", "FAX", "EMAIL", "URL", "IP"), "CONTACT"),
    **dict.fromkeys(("SSN", "MRN", "HEALTHPLAN", "ACCOUNT", "LICENSE", "VEHICLE", "DEVICE", "ID"), "ID"),
}
LABELS: tuple[str, ...] = ("O", *GROUPS)
#: Bump when the export changes: part of the graph's cache key.
EXPORT_VERSION = "1"
_JOIN = re.compile(r"[ \t'’.,/#-]{0,3}")


@dataclass
class Encoded:
    """A text as WordPiece tokens (no special tokens): ids, character offsets, case class, word index."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    case: list[int]
    word: list[int]


def _case_class(word: str) -> int:
    """1 lower, 2 Title, 3 UPPER, 4 digits, 5 other (0 is padding and special tokens)."""
    if word.isdigit():
        return 4
    if word.isalpha():
        if word.islower():
            return 1
        if word.isupper():
            return 3
        if word[0].isupper() and word[1:].islower():
            return 2
    return 5


def encode(text: str) -> Encoded:
    """Tokenize ``text``; a word is a first piece with its ``##`` continuations."""
    tok = load_tokenizer()
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(enc["input_ids"])
    offsets = [(int(s), int(e)) for s, e in enc["offset_mapping"]]
    pieces = tok.convert_ids_to_tokens(ids)
    word: list[int] = []
    for p in pieces:
        word.append(word[-1] if word and p.startswith("##") else (word[-1] + 1 if word else 0))
    spans: dict[int, tuple[int, int]] = {}
    for w, (s, e) in zip(word, offsets, strict=True):
        spans[w] = (spans[w][0], e) if w in spans else (s, e)
    case = [_case_class(text[spans[w][0] : spans[w][1]]) for w in word]
    return Encoded(ids, offsets, case, word)


def windows(n: int, max_tokens: int, context: int) -> list[tuple[int, int, int, int]]:
    """``n`` tokens cut into windows (ctx_start, core_start, core_end, ctx_end) of at most ``max_tokens``.

    The cores tile the text; each window adds up to ``context`` tokens either side.
    """
    if n <= max_tokens:
        return [(0, 0, n, n)] if n else []
    core = max(1, max_tokens - 2 * context)
    return [(max(0, s - context), s, min(n, s + core), min(n, s + core + context)) for s in range(0, n, core)]


def decode(
    text: str, enc: Encoded, probs: np.ndarray, threshold: float, extend: float | None = None
) -> list[Candidate]:
    """Spans from per-piece probabilities ``probs`` (pieces, labels): see the module docstring.

    ``extend`` (hysteresis): a word whose P(not O) reaches only ``extend`` joins a span it touches
    (through a gap :data:`_JOIN` allows); None: ``threshold``.
    """
    low = threshold if extend is None else min(extend, threshold)
    words: list[tuple[int, int, float, str]] = []  # start, end, P(not O), best group
    n = len(enc.ids)
    t = 0
    while t < n:
        u = t
        while u < n and enc.word[u] == enc.word[t]:
            u += 1
        p = probs[t:u].mean(axis=0)
        words.append((enc.offsets[t][0], enc.offsets[u - 1][1], 1.0 - float(p[0]), LABELS[1 + int(np.argmax(p[1:]))]))
        t = u
    joins = [bool(_JOIN.fullmatch(text[a[1] : b[0]])) for a, b in zip(words, words[1:], strict=False)]
    keep = [w[2] >= threshold for w in words]
    for i in [i for i, k in enumerate(keep) if k]:
        for step in (1, -1):
            j = i + step
            while 0 <= j < len(words) and not keep[j] and words[j][2] >= low and joins[min(j, j - step)]:
                keep[j] = True
                j += step
    out: list[list[Any]] = []  # start, end, group, P of the group's word
    for i, (start, end, pr, group) in enumerate(words):
        if not keep[i]:
            continue
        if out and keep[i - 1] and joins[i - 1]:
            out[-1][1] = end
            if pr > out[-1][3]:
                out[-1][2:] = [group, pr]
        else:
            out.append([start, end, group, pr])
    return [Candidate(s, e, GROUPS[g]) for s, e, g, _ in out]


class PhiModel:
    """A trained PHI tagger on ONNX Runtime: :meth:`spans` gives its candidate spans for a text."""

    def __init__(self, session: Any, meta: dict[str, Any], threshold: float | None = None) -> None:
        self.session = session
        self.meta = meta
        self.max_tokens = int(meta["max_tokens"])
        self.context = int(meta.get("context", 32))
        self.threshold = float(meta["threshold"] if threshold is None else threshold)
        self.extend = meta.get("extend_threshold")
        self.version = str(meta.get("version", "0"))

    def probs(self, enc: Encoded, batch_size: int = 8) -> np.ndarray:
        """Per-piece label probabilities, float32 of shape (pieces, labels)."""
        tok = load_tokenizer()
        n = len(enc.ids)
        out = np.zeros((n, len(LABELS)), dtype=np.float32)
        jobs = windows(n, self.max_tokens, self.context)
        for b in range(0, len(jobs), batch_size):
            batch = jobs[b : b + batch_size]
            length = max(c1 - c0 for c0, _, _, c1 in batch) + 2
            ids = np.zeros((len(batch), length), dtype=np.int64)
            case = np.zeros_like(ids)
            mask = np.zeros_like(ids)
            for i, (c0, _, _, c1) in enumerate(batch):
                m = c1 - c0
                ids[i, 0], ids[i, 1 : m + 1], ids[i, m + 1] = tok.cls_token_id, enc.ids[c0:c1], tok.sep_token_id
                case[i, 1 : m + 1] = enc.case[c0:c1]
                mask[i, : m + 2] = 1
            logits = self.session.run(["logits"], {"ids": ids, "case": case, "mask": mask})[0]
            z = np.exp(logits - logits.max(axis=-1, keepdims=True))
            p = z / z.sum(axis=-1, keepdims=True)
            for i, (c0, k0, k1, _) in enumerate(batch):
                out[k0:k1] = p[i, 1 + k0 - c0 : 1 + k1 - c0]
        return out

    def spans(self, text: str) -> list[Candidate]:
        """The model's PHI spans in ``text`` (kinds from :data:`GROUPS`)."""
        if not text.strip():
            return []
        enc = encode(text)
        return decode(text, enc, self.probs(enc), self.threshold, self.extend)


def _graph_path(model_dir: Path, meta: dict[str, Any]) -> Path:
    digest = hashlib.sha256((model_dir / WEIGHTS_FILE).read_bytes())
    base = str((meta.get("base_model") or {}).get("weights_sha256", ""))
    digest.update(f"|{base}|{EXPORT_VERSION}|int8".encode())
    root = default_cache_dir() or Path(tempfile.gettempdir()) / f"medkg-onnx-{os.getpid()}"
    return root / "onnx" / f"phi-int8-{digest.hexdigest()[:24]}.onnx"


def load_phi_model(model_dir: str | Path | None = None, threads: int | None = None) -> PhiModel:
    """The PHI tagger of ``model_dir`` (default: the shipped one) on ONNX Runtime, int8.

    Raises:
        ModelArtifactError: the folder lacks its weights or ``meta.json``, or they do not match.
    """
    import onnxruntime as ort

    model_dir = Path(model_dir) if model_dir else PHI_MODEL_DIR
    meta = read_meta(model_dir)
    if not (model_dir / WEIGHTS_FILE).is_file():
        raise ModelArtifactError(f"{model_dir}: no {WEIGHTS_FILE}; train it with `medkg train phi`")
    if tuple(meta.get("labels", ())) != LABELS:
        raise ModelArtifactError(f"{model_dir}: labels {meta.get('labels')} do not match this code's {LABELS}")
    path = _graph_path(model_dir, meta)
    if not path.is_file():
        from kg.privacy._phinet import export_int8

        path.parent.mkdir(parents=True, exist_ok=True)
        export_int8(model_dir, len(LABELS), path)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = threads or os.cpu_count() or 1
    opts.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
    return PhiModel(session, meta)


@lru_cache(maxsize=1)
def shipped_model() -> PhiModel:
    """The shipped PHI tagger, loaded once per process."""
    return load_phi_model()
