"""Training of the MiniLM pair classifier (``kind: relations-pair-transformer``, the DDI model).

Fine-tunes :class:`kg.relations.transformer.PairNet` from the shared MiniLM base, tunes the
``none`` bias on held-out pairs and saves what :func:`kg.relations.transformer.load_pair_classifier`
reads at run time.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict
from safetensors.torch import save_file
from torch import nn

from kg.artifacts import META_FILE
from kg.encoders import FROZEN_KEY, new_encoder
from kg.logs import get_logger
from kg.relations.transformer import WEIGHTS_FILE, PairInput, PairNet, collate, encode_pair

log = get_logger(__name__)


def tune_none_bias(logits: np.ndarray, gold: Sequence[int], grid: Sequence[float] | None = None) -> tuple[float, float]:
    """The offset added to the ``none`` logit (class 0) that maximizes micro F1 on held-out pairs.

    Returns:
        (offset, micro F1 over the non-none classes at that offset).
    """
    grid = grid if grid is not None else [x / 4 for x in range(-12, 13)]
    gold_arr = np.asarray(gold)
    best = (0.0, -1.0)
    for off in grid:
        z = logits.copy()
        z[:, 0] += off
        pred = z.argmax(axis=1)
        tp = int(((pred == gold_arr) & (gold_arr != 0)).sum())
        fp = int(((pred != 0) & (pred != gold_arr)).sum())
        fn = int(((gold_arr != 0) & (pred != gold_arr)).sum())
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best[1] + 1e-9 or (abs(f1 - best[1]) <= 1e-9 and abs(off) < abs(best[0])):
            best = (off, f1)
    return best


class PairTransformerParams(BaseModel):
    """Options of a ``kind: pair-transformer`` training run (the config's ``params``)."""

    model_config = ConfigDict(extra="forbid")
    #: Replace the two arguments' words by their role (``drug``), so the model reads the context only.
    blind: bool = True
    #: Word pieces per pair (longer sentences are cut around the arguments).
    max_tokens: int = 128
    #: Passes over the training pairs (fractions allowed).
    epochs: float = 2.0
    #: Pairs per optimizer step.
    batch_size: int = 16
    #: Learning rate of the MiniLM encoder.
    lr: float = 5e-5
    #: Learning rate of the new layers (role embeddings, classification head).
    lr_new: float = 1e-3
    #: Share of the steps with a linear learning-rate warm-up.
    warmup: float = 0.06


def train_pair_classifier(
    pairs: Sequence[PairInput],
    labels: Sequence[int],
    n_classes: int,
    options: PairTransformerParams,
    seed: int = 13,
) -> PairNet:
    """Fine-tune a :class:`PairNet` on labelled pairs (class 0 = none); logs progress and ETA."""
    blind, max_tokens, batch_size = options.blind, options.max_tokens, options.batch_size
    epochs, lr, lr_new, warmup = options.epochs, options.lr, options.lr_new, options.warmup
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    items = [(encode_pair(p, blind, max_tokens), y) for p, y in zip(pairs, labels, strict=True)]
    log.info("training pairs: %d (%s per class)", len(items), np.bincount(labels, minlength=n_classes).tolist())
    net = PairNet(new_encoder(), n_classes)
    net.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    new_params = [*net.role_emb.parameters(), *net.head.parameters()]
    new_ids = {id(p) for p in new_params}
    enc_params = [p for p in net.parameters() if p.requires_grad and id(p) not in new_ids]
    opt = torch.optim.AdamW(
        [
            {"params": [p for p in enc_params if p.ndim > 1], "lr": lr, "weight_decay": 0.01},
            {"params": [p for p in enc_params if p.ndim == 1], "lr": lr, "weight_decay": 0.0},
            {"params": new_params, "lr": lr_new, "weight_decay": 0.0},
        ]
    )
    steps_per_epoch = math.ceil(len(items) / batch_size)
    total = max(1, int(round(steps_per_epoch * epochs)))
    warm = max(1, int(total * warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: s / warm if s < warm else max(0.0, (total - s) / max(1, total - warm))
    )
    loss_fn = nn.CrossEntropyLoss()
    net.train()
    step = 0
    t0 = time.monotonic()
    while step < total:
        order = list(range(len(items)))
        rng.shuffle(order)
        pool = batch_size * 50
        batches: list[list[int]] = []
        for p in range(0, len(order), pool):
            chunk = sorted(order[p : p + pool], key=lambda i: len(items[i][0].ids))
            batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
        rng.shuffle(batches)
        for batch in batches:
            if step >= total:
                break
            x = collate([items[i][0] for i in batch])
            y = torch.tensor([items[i][1] for i in batch], dtype=torch.long)
            loss = loss_fn(net(*x), y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 50 == 0 or step == total:
                elapsed = time.monotonic() - t0
                log.info(
                    "step %d/%d loss %.4f  %.1f pairs/s  eta %.1f min",
                    step,
                    total,
                    loss.item(),
                    step * batch_size / elapsed,
                    (total - step) * elapsed / step / 60,
                )
    net.eval()
    return net


def save_pair_classifier(net: PairNet, meta: dict[str, Any], out_dir: Path) -> None:
    """Write float16 weights (without the frozen word embeddings) and ``meta.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in net.state_dict().items() if k != FROZEN_KEY}
    save_file(state, str(out_dir / WEIGHTS_FILE))
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
