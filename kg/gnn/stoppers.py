"""Validation during training and early stopping on it (the best weights are kept)."""

from __future__ import annotations

import copy
from typing import Literal

import scipy.sparse as sp
import torch
from pydantic import BaseModel, ConfigDict
from torch import Tensor

from kg.logs import get_logger

from .data import EdgeType, GraphIndex
from .evaluate import rank_pairs, ranking_metrics
from .metapaths import PairFeatures
from .model import LinkPredictor
from .protocols import evaluate_queries, orient, orient_matrix
from .scoring import embed, gnn_scorers

log = get_logger(__name__)

#: Validation scores ``params.select`` may name.
SELECT_METRICS = ("mrr", "auroc", "auroc_dm", "auroc_mean")


class StopperOptions(BaseModel):
    """Options of validation and early stopping (keys of ``gnn.params``)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    eval_every: int = 5
    """Epochs between validation runs."""
    patience: int = 4
    """Validation runs without improvement before stopping."""
    max_val_edges: int = 1000
    """Validation pairs scored (a seeded subset)."""
    select: Literal["mrr", "auroc", "auroc_dm", "auroc_mean"] = "mrr"
    """Validation score that picks the epoch: ``mrr`` (filtered), ``auroc``, ``auroc_dm`` (degree-matched
    negatives) or ``auroc_mean`` (mean of the two AUROCs)."""
    keep: Literal["best", "last"] = "best"
    """``best``: the weights of the best validation score; ``last``: the last epoch's (retraining on all edges)."""


class Validator:
    """The validation score of a model: filtered MRR and the ``select`` score on the validation pairs.

    Args:
        val: long [2, V] validation (head, tail) pairs; at most ``max_val_edges`` of them are kept
            (drawn with ``seed``).
        known: bool [H, T] sparse matrix of every known target pair, to filter the ranks.
        query_side: the side whose candidates are ranked; candidates are nodes with an edge.
    """

    def __init__(
        self,
        graph: GraphIndex,
        target: EdgeType,
        val: Tensor,
        known: sp.csr_matrix,
        query_side: str,
        features: PairFeatures | None,
        options: StopperOptions,
        seed: int,
    ) -> None:
        val_gen = torch.Generator().manual_seed(seed)
        if val.size(1) > options.max_val_edges:
            val = val[:, torch.randperm(val.size(1), generator=val_gen)[: options.max_val_edges]]
        head, _, tail = target
        self.graph, self.target, self.query_side, self.features = graph, target, query_side, features
        self.val_q = orient(val, query_side)
        self.known_q = orient_matrix(known, query_side)
        self.cand = graph.degree()[tail if query_side == "head" else head] > 0  # [C]
        self.select, self.seed = options.select, seed

    def __call__(self, model: LinkPredictor) -> tuple[float, float]:
        """(filtered validation MRR, the ``select`` score)."""
        scorer = gnn_scorers(model, embed(model, self.graph), self.target, self.query_side, self.features)
        with torch.no_grad():
            if self.select == "mrr":
                mrr = ranking_metrics(rank_pairs(scorer.rows, self.val_q, self.known_q, self.cand))["mrr"]
                return mrr, mrr
            m = evaluate_queries(scorer, self.val_q, self.known_q, self.cand, self.seed)
        score = (m["auroc"] + m["auroc_dm"]) / 2 if self.select == "auroc_mean" else m[self.select]
        return m["mrr"], score


class EarlyStopper:
    """Validates every ``eval_every`` epochs (and after the last), keeps the best weights, stops after
    ``patience`` validation runs without improvement. Epoch 0 (the initial weights) is a candidate too:
    with an initialized pair head, training must beat its starting point.
    """

    def __init__(
        self, model: LinkPredictor, validate: Validator, options: StopperOptions, epochs: int, name: str
    ) -> None:
        self.model, self.validate, self.options, self.epochs, self.name = model, validate, options, epochs, name
        self.best_mrr, self.best_score = validate(model)
        self.best_epoch, self.bad = 0, 0
        self.best_state = copy.deepcopy(model.state_dict())
        self.history: list[dict[str, float]] = [
            {"epoch": 0.0, "loss": float("nan"), "val_mrr": self.best_mrr, "val_score": self.best_score}
        ]
        sel = options.select
        self.shown = "" if sel == "mrr" else f", val {sel} %.4f"  # the select score, unless it is the MRR
        log.info(
            "%s epoch 0: val filtered MRR %.4f" + self.shown,
            name,
            self.best_mrr,
            *([self.best_score] if self.shown else []),
        )

    def step(self, epoch: int, loss: float) -> bool:
        """After ``epoch`` (with its last ``loss``): validate if due; True when training should stop."""
        if not (epoch % self.options.eval_every == 0 or epoch == self.epochs):
            return False
        mrr, score = self.validate(self.model)
        self.history.append({"epoch": float(epoch), "loss": loss, "val_mrr": mrr, "val_score": score})
        log.info(
            "%s epoch %d: loss %.4f, val filtered MRR %.4f" + self.shown,
            self.name,
            epoch,
            loss,
            mrr,
            *([score] if self.shown else []),
        )
        if score > self.best_score:
            self.best_mrr, self.best_score, self.best_epoch = mrr, score, epoch
            self.best_state, self.bad = copy.deepcopy(self.model.state_dict()), 0
            return False
        self.bad += 1
        if self.bad >= self.options.patience:
            log.info("%s: early stop at epoch %d (best %d)", self.name, epoch, self.best_epoch)
            return True
        return False

    def finish(self, last_epoch: int) -> int:
        """Set the kept weights (``keep``) on the model; returns the kept epoch."""
        if self.options.keep == "last":
            self.best_epoch = last_epoch
        else:
            self.model.load_state_dict(self.best_state)
        return self.best_epoch
