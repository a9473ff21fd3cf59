"""The default link-prediction model: ``medkg train linkpred`` trains it, ``medkg predict score`` uses it.

Training (:func:`train_default`): a target of ``cfg.stacked`` is the calibrated stacked model
(:mod:`kg.gnn.stacked`; ``TARGET.json`` + ``TARGET.safetensors``, :mod:`kg.gnn.stacked_serving`). Any other
target is a GNN: a validation split (``val_ratio`` of the target pairs) picks the number of epochs by
early stopping; the model is then retrained with that many epochs on *every* target pair of the seed
graph, written as one ``TARGET.pt`` (the node embeddings of the two end labels, the DistMult relation
vector, the pair head and the degree-weighted adjacency its metapath features need). ``meta.json`` holds
the config, data hashes, graph sizes, validation metrics, version and timings; targets of the folder
that are not retrained keep their files and entry.

Scoring (:func:`load_default`, :meth:`DefaultModel.score`) needs no graph: a (head, tail) pair is
scored by the target whose end labels hold the two ids.
"""

from __future__ import annotations

import json
import pickle
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch

import kg
from kg.artifacts import default_cache_dir, linkpred_fingerprint
from kg.config import GnnConfig
from kg.hashing import file_sha256
from kg.logs import get_logger
from kg.schema import GraphSchema, load_schema
from kg.seed.hpo import hpo_version

from .configs import DEFAULT_MODEL_DIR, TrainLinkPredConfig, gnn_config, load_graph
from .data import GraphIndex
from .ensemble import combine_members
from .metapaths import MetapathFeaturizer, PairFeatures, pair_features
from .model import LinkPredictor, PairHead
from .options import link_params, resolve_fold_by
from .prepare import PreparedTarget, message_graph, prepare_target, train_target
from .scoring import embed
from .stacked import KIND
from .stacked_serving import StackedTarget, load_stacked, save_stacked, train_stacked
from .train import TrainResult, input_features, model_metapaths, train_link_predictor

log = get_logger(__name__)


class NoModelError(FileNotFoundError):
    """No trained default model in the folder; the message says how to train one."""


def _csr_state(m: sp.csr_matrix) -> dict[str, Any]:
    m = m.tocsr()
    return {
        "indptr": torch.from_numpy(m.indptr.astype(np.int64)),
        "indices": torch.from_numpy(m.indices.astype(np.int32)),
        "data": torch.from_numpy(m.data.astype(np.float32)),
        "shape": list(m.shape),
    }


def _csr_load(s: dict[str, Any]) -> sp.csr_matrix:
    return sp.csr_matrix(
        (s["data"].double().numpy(), s["indices"].numpy(), s["indptr"].numpy()), shape=tuple(s["shape"])
    )


@dataclass
class TargetModel:
    """One target's scoring parts, independent of the graph.

    Attributes:
        target: (head label, relation, tail label).
        head_ids, tail_ids: node ids of the head and tail label, in index order.
        z_head, z_tail: float [H, d], [T, d] final node embeddings.
        rel: float [d] DistMult relation vector.
        pair_head: the pair head (None for a model without one).
        features: pair features from the head side (None without a pair head).
    """

    target: tuple[str, str, str]
    head_ids: list[str]
    tail_ids: list[str]
    z_head: torch.Tensor
    z_tail: torch.Tensor
    rel: torch.Tensor
    pair_head: PairHead | None
    features: PairFeatures | None

    def logits(self, heads: torch.Tensor, tails: torch.Tensor) -> torch.Tensor:
        """Logits of aligned (head, tail) index pairs long [B], [B] -> float [B]."""
        s = (self.z_head[heads].float() * self.rel.float() * self.z_tail[tails].float()).sum(-1)
        if self.pair_head is not None and self.features is not None:
            with torch.no_grad():
                s = s + self.pair_head(self.features.pairs(heads, tails))
        return s

    def state(self) -> dict[str, Any]:
        st: dict[str, Any] = {
            "target": list(self.target),
            "head_ids": self.head_ids,
            "tail_ids": self.tail_ids,
            "z_head": self.z_head.half(),
            "z_tail": self.z_tail.half(),
            "rel": self.rel.float(),
        }
        if self.pair_head is not None and self.features is not None:
            f = self.features.featurizer
            mats: list[dict[str, Any]] = []
            ids: dict[int, int] = {}
            chains: list[list[int]] = []
            for chain in f.chains:
                refs = []
                for m in chain:
                    if id(m) not in ids:
                        ids[id(m)] = len(mats)
                        mats.append(_csr_state(m))
                    refs.append(ids[id(m)])
                chains.append(refs)
            st["pair_head"] = {k: v.clone() for k, v in self.pair_head.state_dict().items()}
            st["num_pair_features"] = self.pair_head.num_features
            st["features"] = {
                "names": f.names,
                "matrices": mats,
                "chains": chains,
                "scales": torch.from_numpy(f.scales),
                "num_candidates": f.num_candidates,
                "deg_head": self.features.deg_head,
                "deg_tail": self.features.deg_tail,
            }
        return st

    @classmethod
    def from_state(cls, st: dict[str, Any]) -> TargetModel:
        head = features = None
        if "pair_head" in st:
            head = PairHead(int(st["num_pair_features"]))
            head.load_state_dict(st["pair_head"])
            head.eval()
            fs = st["features"]
            mats = [_csr_load(m) for m in fs["matrices"]]
            feat = MetapathFeaturizer(
                names=list(fs["names"]),
                chains=[[mats[i] for i in chain] for chain in fs["chains"]],
                scales=fs["scales"].double().numpy(),
                num_candidates=int(fs["num_candidates"]),
                query_side="head",
            )
            features = PairFeatures(feat, fs["deg_head"], fs["deg_tail"])
        return cls(
            target=tuple(st["target"]),  # type: ignore[arg-type]
            head_ids=list(st["head_ids"]),
            tail_ids=list(st["tail_ids"]),
            z_head=st["z_head"].float(),
            z_tail=st["z_tail"].float(),
            rel=st["rel"].float(),
            pair_head=head,
            features=features,
        )


def _retrain_full(
    prep: PreparedTarget,
    firsts: tuple[TrainResult, ...],
    nodes: Sequence[Any],
    edges: Sequence[Any],
    schema: GraphSchema,
    cfg: TrainLinkPredConfig,
    gcfg: GnnConfig,
    node_features: dict[str, torch.Tensor] | None,
) -> tuple[GraphIndex, LinkPredictor, PairFeatures | None]:
    """Each member retrained on every target pair (graph of every edge) for its best number of epochs."""
    rel, target = prep.target[1], prep.target
    options = link_params(gcfg.params)
    full_graph = message_graph(nodes, list(edges), schema, options, target, {rel, *cfg.targets})
    # both graphs index the same nodes (sorted ids), so the name features and the pair indices carry over
    assert full_graph.node_ids == prep.graph.node_ids
    feats_full = None
    if options.pair_features:
        feats_full = pair_features(full_graph, target, model_metapaths(options, rel), prep.query_side, seed=cfg.seed)
    finals = []
    for m, run in enumerate(firsts):
        full_cfg = gcfg.model_copy(
            update={"epochs": run.best_epoch, "params": {**gcfg.params, "patience": 10**6, "keep": "last"}}
        )
        # the validation pairs are now inside the graph: only used to log the (optimistic) fit, not to stop
        finals.append(
            train_link_predictor(
                full_graph, target, prep.val, prep.known, full_cfg, prep.query_side, feats_full, node_features, m
            )
        )
    return full_graph, combine_members([f.model for f in finals]), feats_full


def _train_target(
    nodes: Sequence[Any], edges: Sequence[Any], schema: GraphSchema, cfg: TrainLinkPredConfig, rel: str
) -> tuple[TargetModel, dict[str, Any]]:
    t0 = time.perf_counter()
    gcfg = resolve_fold_by(gnn_config(cfg.model, cfg, rel, cfg.seed), "edges")  # epochs chosen on random pairs
    options = link_params(gcfg.params)
    # 1. the number of epochs, by early stopping on a validation split (no test split)
    split_opts = options.model_copy(update={"test_ratio": 0.0, "min_edges": 3})
    prep = prepare_target(
        nodes, edges, schema, rel, split_opts, cfg.seed, targets=cfg.targets, with_features=options.pair_features
    )
    node_feats = input_features(gcfg, prep.graph, nodes, default_cache_dir())
    first = train_target(prep, gcfg, nodes, node_features=node_feats)
    firsts = first.members or (first,)
    # 2. retrain on every target pair for that many epochs (no held-out pair left to stop on), per member
    full_graph, final_model, feats_full = _retrain_full(prep, firsts, nodes, edges, schema, cfg, gcfg, node_feats)
    z = embed(final_model, full_graph)
    head, _, tail = target = prep.target
    head_feats = None
    if feats_full is not None:
        metapaths = model_metapaths(options, rel)
        head_feats = pair_features(full_graph, target, metapaths, "head", scales=feats_full.featurizer.scales)
    tm = TargetModel(
        target=target,
        head_ids=list(full_graph.node_ids[head]),
        tail_ids=list(full_graph.node_ids[tail]),
        z_head=z[head],
        z_tail=z[tail],
        rel=final_model.decoder.rel[0].detach(),
        pair_head=final_model.pair_head,
        features=head_feats,
    )
    stats = {
        "target_pairs": len(prep.split.all_pairs),
        "val_pairs_for_epochs": len(prep.split.val),
        "best_epoch": first.best_epoch,
        "member_best_epochs": [r.best_epoch for r in firsts],
        "best_val_mrr": first.best_val_mrr,
        "val_history": list(first.history),
        "graph_edges": int(sum(full_graph.forward_count.values())),
        "pair_features": head_feats.names if head_feats is not None else [],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return tm, stats


def _kept_targets(out: Path, retrained: Sequence[str]) -> dict[str, Any]:
    """The ``meta.json`` entries of targets already in ``out`` that are not retrained now (files present)."""
    meta_path = out / "meta.json"
    if not meta_path.is_file():
        return {}
    old = json.loads(meta_path.read_text(encoding="utf-8"))
    kept = {}
    for rel, stats in old.get("targets", {}).items():
        files = [f"{rel}.json", f"{rel}.safetensors"] if stats.get("kind") == KIND else [f"{rel}.pt"]
        if rel not in retrained and all((out / f).is_file() for f in files):
            stats.setdefault("trained_version", old.get("version"))
            kept[rel] = stats
            log.info("train linkpred: %s kept as it is in %s (version %s)", rel, out, stats["trained_version"])
    return kept


def train_default(cfg: TrainLinkPredConfig, schema: GraphSchema | None = None) -> dict[str, Any]:
    """Train the default model of every target of ``cfg`` and write it to ``cfg.out``.

    Returns:
        The ``meta.json`` content.
    """
    t0 = time.perf_counter()
    schema = schema or load_schema()
    threads = link_params(cfg.params).num_threads
    if threads:
        torch.set_num_threads(int(threads))
    torch.manual_seed(cfg.seed)
    nodes, edges, info = load_graph(cfg.graph, schema)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    targets = _kept_targets(out, cfg.targets)
    for rel in cfg.targets:
        log.info("train linkpred: %s", rel)
        if rel in cfg.stacked:
            spec = cfg.stacked[rel].model_copy(update={"seed": cfg.seed})
            sources = link_params(cfg.params).target_sources.get(rel)
            st, stats = train_stacked(nodes, edges, schema, spec, sources, rel)
            stats["file_bytes"] = save_stacked(st, out, rel)
        else:
            tm, stats = _train_target(nodes, edges, schema, cfg, rel)
            torch.save(tm.state(), out / f"{rel}.pt")
            stats["file_bytes"] = (out / f"{rel}.pt").stat().st_size
        stats["trained_version"] = cfg.version
        stale = [f"{rel}.pt"] if rel in cfg.stacked else [f"{rel}.json", f"{rel}.safetensors"]
        for name in stale:  # the other kind's files of this target, from an earlier run
            (out / name).unlink(missing_ok=True)
        targets[rel] = stats
    data: dict[str, Any] = {"graph": info}
    if cfg.graph.hetionet_dir and not cfg.graph.store and Path(cfg.graph.hetionet_dir).is_dir():
        data["hetionet_files"] = {
            p.name: file_sha256(p)
            for p in sorted(Path(cfg.graph.hetionet_dir).iterdir())
            if p.suffix in (".tsv", ".gz")
        }
    if cfg.graph.hpo_annotations and not cfg.graph.store:
        data["hpo"] = hpo_version()
    meta = {
        "name": "linkpred-default",
        "version": cfg.version,
        "medkg_version": kg.__version__,
        "model": cfg.model.model_dump(),
        "params": cfg.params,
        "seed": cfg.seed,
        "targets": targets,
        "data": data,
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
    log.info("train linkpred: wrote %s in %.0f s", out, meta["seconds"])
    return meta


@dataclass
class DefaultModel:
    """The loaded default model: one :class:`TargetModel` (GNN) or :class:`StackedTarget` per target."""

    targets: dict[str, TargetModel | StackedTarget]
    meta: dict[str, Any]

    @property
    def version(self) -> str:
        return f"linkpred-{self.meta.get('version', '?')}"

    def score(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str, float | None, str]]:
        """Score (head id, tail id) pairs.

        Returns:
            Per input pair: (head, tail, probability or None, message); the message says why a pair
            has no score (an unknown id, or no target joins the two ids' labels), else the target name.
        """
        index = {
            rel: ({n: i for i, n in enumerate(tm.head_ids)}, {n: i for i, n in enumerate(tm.tail_ids)})
            for rel, tm in self.targets.items()
        }
        known_ids = {i for hi, ti in index.values() for i in (*hi, *ti)}
        out: list[tuple[str, str, float | None, str]] = []
        todo: dict[str, list[tuple[int, int, int]]] = {}
        for k, (h, t) in enumerate(pairs):
            out.append((h, t, None, ""))
            hit = next((rel for rel, (hi, ti) in index.items() if h in hi and t in ti), None)
            if hit is not None:
                todo.setdefault(hit, []).append((k, index[hit][0][h], index[hit][1][t]))
                continue
            unknown = [x for x in (h, t) if x not in known_ids]
            if unknown:
                msg = f"unknown id(s) {', '.join(unknown)}: not a node of the model's graph"
            else:
                msg = (
                    "no target relation joins these ids ("
                    + ", ".join(f"{rel}: {tm.target[0]} -> {tm.target[2]}" for rel, tm in self.targets.items())
                    + ")"
                )
            out[k] = (h, t, None, msg)
        for rel, rows in todo.items():
            tm = self.targets[rel]
            hs = torch.tensor([r[1] for r in rows], dtype=torch.long)
            ts = torch.tensor([r[2] for r in rows], dtype=torch.long)
            probs = torch.sigmoid(tm.logits(hs, ts)).tolist()
            for (k, _, _), p in zip(rows, probs, strict=True):
                out[k] = (out[k][0], out[k][1], float(p), rel)
        return out


def load_default(model_dir: str | Path | None = None) -> DefaultModel:
    """Load the default model.

    Raises:
        NoModelError: the folder has no ``meta.json`` or target file (the message says to run ``medkg train linkpred``).
    """
    d = Path(model_dir) if model_dir else DEFAULT_MODEL_DIR
    meta_path = d / "meta.json"
    if not meta_path.is_file():
        raise NoModelError(
            f"no trained link-prediction model in {d}: run `medkg train linkpred` first "
            "(config configs/linkpred/default.yaml of a checkout, a few minutes on CPU)"
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    targets = {rel: _load_target(d, rel, stats) for rel, stats in meta.get("targets", {}).items()}
    return DefaultModel(targets=targets, meta=meta)


def _load_target(d: Path, rel: str, stats: dict[str, Any]) -> TargetModel | StackedTarget:
    """One target of the folder: a stacked model (``kind`` in its meta entry) or a GNN ``.pt``.

    Raises:
        NoModelError: a file is missing or is not a medkg model file.
    """
    if stats.get("kind") == KIND:
        try:
            return load_stacked(d, rel)
        except (FileNotFoundError, ValueError, KeyError) as exc:
            raise NoModelError(f"{d / rel}: not a readable stacked model ({exc}); run `medkg train linkpred`") from exc
    p = d / f"{rel}.pt"
    if not p.is_file():
        raise NoModelError(f"{p} is missing: run `medkg train linkpred` again")
    try:
        # Tensors, numbers, strings and containers only: a pickle that would run code is refused.
        state = torch.load(p, weights_only=True)
    except pickle.UnpicklingError as exc:
        raise NoModelError(f"{p} is not a medkg model file (refused to unpickle anything but tensors): {exc}") from exc
    return TargetModel.from_state(state)


def model_fingerprint(model_dir: str | Path | None = None) -> str:
    """A digest that changes whenever the model in ``model_dir`` (default: the shipped one) is retrained.

    Raises:
        NoModelError: the folder has no ``meta.json``.
    """
    fingerprint = linkpred_fingerprint(model_dir)
    if fingerprint is None:
        load_default(model_dir)  # raises with the message that says how to train one
        raise NoModelError(f"{model_dir or DEFAULT_MODEL_DIR}: no meta.json; run `medkg train linkpred`")
    return fingerprint


def read_pairs(path: str | Path) -> list[tuple[str, str]]:
    """Read a TSV with a header holding the columns ``head`` and ``tail`` (other columns are ignored).

    Raises:
        ValueError: the file is missing, has no such header, or a row lacks a column (message names the line).
    """
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"pairs file not found: {p}")
    lines = p.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise ValueError(f"{p}: empty file, expected a header with the columns head and tail")
    header = [c.strip() for c in lines[0].split("\t")]
    if "head" not in header or "tail" not in header:
        raise ValueError(f"{p}:1: expected a tab-separated header with the columns head and tail, got {header}")
    hi, ti = header.index("head"), header.index("tail")
    out = []
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) <= max(hi, ti) or not cols[hi] or not cols[ti]:
            raise ValueError(f"{p}:{n}: expected a head and a tail column, got {line!r}")
        out.append((cols[hi], cols[ti]))
    return out


__all__ = [
    "DefaultModel",
    "NoModelError",
    "TargetModel",
    "load_default",
    "model_fingerprint",
    "read_pairs",
    "train_default",
]
