"""`kg.gnn.prepare`: the one per-target recipe (split -> graph -> features -> train) and its parts."""

from __future__ import annotations

import pytest
import torch

from kg.config import GnnConfig
from kg.gnn.options import link_params
from kg.gnn.prepare import prepare_target, train_target
from kg.gnn.sampling import FoldSampler, NegativeSampler, SamplingOptions
from kg.gnn.split import TargetUnavailable
from kg.gnn.stoppers import EarlyStopper, StopperOptions


def _prep(graph, schema, **kw):  # type: ignore[no-untyped-def]
    nodes, edges = graph
    opts = link_params({"val_ratio": 0.2, "test_ratio": 0.2})
    return prepare_target(nodes, edges, schema, "TREATS", opts, 3, **kw)


def test_held_out_pairs_never_reach_the_graph_and_are_all_known(graph, schema):
    prep = _prep(graph, schema, holdout="tail", with_features=True)
    g, split = prep.graph, prep.split
    ids = {(g.node_ids["Drug"][h], g.node_ids["Disease"][t]) for h, t in g.forward_edges(prep.target).t().tolist()}
    assert ids == set(split.train)
    assert not ids & (set(split.val) | set(split.test))
    assert prep.query_side == "tail" and prep.holdout == "tail"  # group_by of TREATS
    assert prep.known.sum() == len(split.all_pairs)
    assert prep.val.shape == (2, len(split.val)) and prep.test.shape == (2, len(split.test))
    assert prep.features is not None and _prep(graph, schema).features is None


def test_blocked_adds_the_excluded_relations_pairs(graph, schema):
    _, edges = graph
    prep = _prep(graph, schema)
    palliates = [(e.head, e.tail) for e in edges if e.type == "PALLIATES"]
    blocked = prep.blocked(edges, {"TREATS", "PALLIATES"})
    pos = prep.graph.positions
    assert all(blocked[pos[h][1], pos[t][1]] for h, t in palliates)
    assert blocked.sum() == len(set(prep.split.all_pairs) | set(palliates))
    assert (prep.blocked(edges, {"TREATS"}) != prep.known).nnz == 0


def test_target_left_out_of_the_graph_is_unavailable(graph, schema):
    nodes, edges = graph
    opts = link_params({"edge_types": ["BINDS", "ASSOCIATED_WITH"]})
    with pytest.raises(TargetUnavailable, match="message-passing"):
        prepare_target(nodes, edges, schema, "TREATS", opts, 3)


def test_train_target_follows_the_split_for_fold_by_split(graph, schema, monkeypatch):
    import kg.gnn.prepare as prepare_module

    seen: list[str] = []
    real = prepare_module.train_members

    def spy(graph_, target, val, known, config, *args):  # type: ignore[no-untyped-def]
        seen.append(link_params(config.params).fold_by)
        return real(graph_, target, val, known, config, *args)

    monkeypatch.setattr(prepare_module, "train_members", spy)
    cfg = GnnConfig(hidden_dim=4, epochs=1, params={"fold_by": "split", "num_threads": 1})
    for holdout in ("edges", "tail"):
        res = train_target(_prep(graph, schema, holdout=holdout), cfg, graph[0])
        assert res.epochs_run == 1
    assert seen == ["edges", "query"]


def test_negative_sampler_modes(graph, schema):
    prep = _prep(graph, schema)
    g, target = prep.graph, prep.target
    pos = g.forward_edges(target)
    pool_h, pool_t = torch.arange(g.num_nodes("Drug")), torch.arange(g.num_nodes("Disease"))
    gen = torch.Generator().manual_seed(0)
    degree = NegativeSampler(SamplingOptions(neg_mode="degree", neg_ratio=2), pool_h, pool_t, "head", False, gen)
    neg = degree.sample(pos)
    assert neg.shape == (2, 2 * pos.size(1))
    assert torch.equal(neg[0], pos[0].repeat(2))  # queries kept, candidates permuted among the positives'
    assert sorted(neg[1].tolist()) == sorted(pos[1].repeat(2).tolist())
    tails_only = NegativeSampler(SamplingOptions(neg_ratio=3), pool_h, pool_t, "head", True, gen)
    assert torch.equal(tails_only.sample(pos)[0], pos[0].repeat(3))  # the pair head's query rows stay


def test_fold_sampler_hides_each_fold_from_its_message_graph(graph, schema):
    prep = _prep(graph, schema)
    gen = torch.Generator().manual_seed(0)
    sampler = FoldSampler(prep.graph, prep.target, "head", SamplingOptions(supervision_ratio=0.5), gen, gen)
    folds = list(sampler.epoch())
    assert len(folds) == sampler.steps == 2
    cols = torch.cat([sup for _, sup in folds])
    assert sorted(cols.tolist()) == list(range(sampler.num_edges))  # disjoint folds covering the edges
    for _, sup in folds:
        ei, _ = sampler.message_graph(sup)
        kept = {tuple(p) for p in ei[prep.target].t().tolist()}
        assert not kept & {tuple(p) for p in sampler.pos_all[:, sup].t().tolist()}
    with pytest.raises(ValueError, match="fold_by"):
        FoldSampler(prep.graph, prep.target, "head", SamplingOptions(fold_by="split"), gen, gen)


class _Model(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(()))


@pytest.mark.parametrize(("keep", "kept"), [("best", 2.0), ("last", 5.0)])
def test_early_stopper_keeps_the_best_weights_and_stops_on_patience(keep, kept):
    model = _Model()
    scores = iter([0.1, 0.3, 0.5, 0.4, 0.4, 0.2])

    def validate(m):  # type: ignore[no-untyped-def]
        s = next(scores)
        return s, s

    stopper = EarlyStopper(model, validate, StopperOptions(eval_every=1, patience=3, keep=keep), 10, "T")  # type: ignore[arg-type]
    stopped = 0
    for epoch in range(1, 11):
        with torch.no_grad():
            model.w.fill_(float(epoch))
        if stopper.step(epoch, 0.0):
            stopped = epoch
            break
    assert stopped == 5  # epochs 3, 4, 5 without improvement on epoch 2's 0.5
    assert stopper.finish(stopped) == int(kept)
    assert model.w.item() == kept and stopper.best_mrr == 0.5
    assert [h["epoch"] for h in stopper.history] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
