"""Training the accurate NER tagger (:class:`kg.ner.transformer.TaggerNet`) and writing its folder.

The encoder is fine-tuned with AdamW (weight decay on matrices only), a linear warm-up then
linear decay, gradient clipping at 1.0 and a fixed seed. The word-embedding matrix stays frozen
and is not saved; the rest is written in float16 with ``meta.json`` and the gazetteer names.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from safetensors.torch import save_file
from torch import nn

from kg.artifacts import META_FILE
from kg.encoders import FROZEN_KEY, load_tokenizer, new_encoder
from kg.logs import get_logger
from kg.ner.features import Gazetteer
from kg.ner.transformer import HEAD_LABELS, WEIGHTS_FILE, Encoded, TaggerNet, encode, head_label, windows
from kg.train.ner_data import TrainDoc, write_names

log = get_logger(__name__)

#: Label id that the loss ignores (padding, special tokens, heads a corpus does not annotate).
IGNORE = -100
#: One training window: WordPiece ids, case ids, gazetteer ids, per-token per-head tags, heads annotated.
Window = tuple[list[int], list[int], list[int], list[list[int]], list[bool]]


class TransformerTrainOptions(BaseModel):
    """The ``params`` of a ``kind: transformer`` training config (``configs/ner/accurate.yaml``)."""

    model_config = ConfigDict(extra="forbid")
    #: Passes over the training windows (fractional allowed).
    epochs: float = Field(default=3.0, gt=0)
    #: Windows per optimizer step.
    batch_size: int = Field(default=16, ge=1)
    #: Learning rate of the pretrained encoder.
    lr: float = 5e-5
    #: Learning rate of the new parts (case and gazetteer embeddings, BIO heads).
    lr_new: float = 1e-3
    #: Share of the steps spent warming the learning rates up linearly from 0.
    warmup: float = Field(default=0.06, ge=0, le=1)
    #: WordPiece tokens per window (without [CLS]/[SEP]), in training and at inference.
    max_tokens: int = Field(default=254, ge=8)
    #: Tokens of context on each side of an inference window (stored in ``meta.json``; training uses none).
    context: int = Field(default=32, ge=0)
    #: Share of training documents featurized without gazetteer hits (robustness).
    gaz_dropout: float = Field(default=0.0, ge=0, le=1)


def gold_tags(enc: Encoded, entities: Iterable[tuple[int, int, str]], heads: Sequence[str]) -> list[list[int]]:
    """Per token, per head: 0 = O, 1 = B, 2 = I (``X@conv`` heads tag X).

    Symptom counts as Disease unless the model has a head of its own for Symptom (the notes tagger).
    """
    tags = [[0] * len(heads) for _ in enc.offsets]
    symptom_head = any(head_label(h) == "Symptom" for h in heads)
    for start, end, label in entities:
        label = "Disease" if label == "Symptom" and not symptom_head else label
        for h, head in enumerate(heads):
            if head_label(head) != label:
                continue
            first = True
            for t, (s, e) in enumerate(enc.offsets):
                if e > start and s < end and e > s:
                    tags[t][h] = 1 if first else 2
                    first = False
    return tags


def training_windows(
    docs: Sequence[TrainDoc],
    gazetteer_for: Callable[[str], Gazetteer],
    heads: Sequence[str],
    max_tokens: int,
    gaz_dropout: float,
    rng: random.Random,
) -> list[Window]:
    """Every document encoded with its fold gazetteer and cut into windows of at most ``max_tokens``."""
    items: list[Window] = []
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
    return items


def batches_by_length(items: list[Any], batch_size: int, rng: random.Random, key: Any) -> list[list[Any]]:
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


def collate(batch: Sequence[Window], n_heads: int) -> tuple[torch.Tensor, ...]:
    """Padded tensors of a batch: ids, case, gaz, mask (batch, length) and labels (batch, length, heads).

    ``length`` is the longest window plus [CLS] and [SEP]; labels are :data:`IGNORE` on padding,
    special tokens and the heads a window's corpus does not annotate.
    """
    tok = load_tokenizer()
    length = max(len(it[0]) for it in batch) + 2
    ids = torch.zeros(len(batch), length, dtype=torch.long)
    case = torch.zeros_like(ids)
    gaz = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    labels = torch.full((len(batch), length, n_heads), IGNORE, dtype=torch.long)
    for i, (t_ids, t_case, t_gaz, t_tags, hmask) in enumerate(batch):
        n = len(t_ids)
        ids[i, 0] = tok.cls_token_id
        ids[i, 1 : n + 1] = torch.tensor(t_ids)
        ids[i, n + 1] = tok.sep_token_id
        case[i, 1 : n + 1] = torch.tensor(t_case)
        gaz[i, 1 : n + 1] = torch.tensor(t_gaz)
        mask[i, : n + 2] = 1
        tag_t = torch.tensor(t_tags, dtype=torch.long).view(n, n_heads)
        for h, on in enumerate(hmask):
            if on:
                labels[i, 1 : n + 1, h] = tag_t[:, h]
    return ids, case, gaz, mask, labels


def new_tagger_net(n_heads: int) -> TaggerNet:
    """A :class:`TaggerNet` on the pretrained encoder, its word embeddings frozen."""
    net = TaggerNet(new_encoder(), n_heads=n_heads)
    net.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return net


def optimizer_and_schedule(
    net: TaggerNet, options: TransformerTrainOptions, total: int
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW (decay on the encoder's matrices, ``lr_new`` on the new parts), linear warm-up then decay."""
    new_params = [*net.case_emb.parameters(), *net.gaz_emb.parameters(), *net.heads.parameters()]
    new_ids = {id(p) for p in new_params}
    enc_params = [p for p in net.parameters() if p.requires_grad and id(p) not in new_ids]
    no_decay = [p for p in enc_params if p.ndim == 1]
    decay = [p for p in enc_params if p.ndim > 1]
    opt = torch.optim.AdamW(
        [
            {"params": decay, "lr": options.lr, "weight_decay": 0.01},
            {"params": no_decay, "lr": options.lr, "weight_decay": 0.0},
            {"params": new_params, "lr": options.lr_new, "weight_decay": 0.0},
        ]
    )
    warm = max(1, int(total * options.warmup))

    def schedule(step: int) -> float:
        return step / warm if step < warm else max(0.0, (total - step) / max(1, total - warm))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, schedule)


def train_tagger(
    docs: Sequence[TrainDoc],
    gazetteer_for: Callable[[str], Gazetteer],
    options: TransformerTrainOptions,
    *,
    heads: Sequence[str] = HEAD_LABELS,
    seed: int = 13,
    init: Callable[[], TaggerNet] | None = None,
) -> TaggerNet:
    """Fine-tune a :class:`TaggerNet` on ``docs``.

    Args:
        docs: Training documents.
        gazetteer_for: ``doc id -> Gazetteer`` (the doc's fold gazetteer; no leakage).
        options: Hyper-parameters (see :class:`TransformerTrainOptions`).
        heads: Entity labels with a BIO head each (``Label@convention`` for convention heads).
        seed: Seeds Python's, NumPy's and torch's generators.
        init: Builds the starting network (its word embeddings frozen, one head per entry of ``heads``);
            default: the pretrained encoder with new heads (:func:`new_tagger_net`).
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    heads = tuple(heads)
    started = time.monotonic()
    items = training_windows(docs, gazetteer_for, heads, options.max_tokens, options.gaz_dropout, rng)
    n_tokens = sum(len(it[0]) for it in items)
    log.info("training windows: %d (%d tokens) from %d documents", len(items), n_tokens, len(docs))
    net = init() if init is not None else new_tagger_net(len(heads))
    total = max(1, int(round(math.ceil(len(items) / options.batch_size) * options.epochs)))
    opt, sched = optimizer_and_schedule(net, options, total)
    loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE)
    net.train()
    step = seen_tokens = 0
    t0 = time.monotonic()
    while step < total:
        for batch in batches_by_length(items, options.batch_size, rng, key=lambda it: len(it[0])):
            if step >= total:
                break
            ids, case, gaz, mask, labels = collate(batch, len(heads))
            seen_tokens += sum(len(it[0]) for it in batch)
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


def save_tagger(net: TaggerNet, meta: dict[str, Any], names: Iterable[tuple[str, str]], out_dir: Path) -> None:
    """Write float16 weights (without the frozen word embeddings), metadata and gazetteer names.

    :func:`kg.ner.transformer.load_tagger` reads the folder back.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in net.state_dict().items() if k != FROZEN_KEY}
    save_file(state, str(out_dir / WEIGHTS_FILE))
    write_names(names, out_dir)
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
