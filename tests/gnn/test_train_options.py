"""Name-embedding input features and validation-score selection of the GNN."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kg.config import GnnConfig
from kg.gnn.data import build_graph
from kg.gnn.ensemble import combine_members
from kg.gnn.evaluate import known_matrix
from kg.gnn.features import NAME_DIM, char_features, encode_texts, name_features
from kg.gnn.losses import ranking_loss
from kg.gnn.metapath_folds import query_folds, query_subset_folds
from kg.gnn.metapaths import pair_features
from kg.gnn.model import DistMultDecoder, EmbeddingEncoder, LinkPredictor, build_model
from kg.gnn.options import link_params
from kg.gnn.scoring import embed
from kg.gnn.split import split_target
from kg.gnn.train import input_features, model_metapaths, train_link_predictor, train_members
from kg.types import Node

NAMED = {
    "DRUGBANK:DB00000": "ramipril",
    "DRUGBANK:DB00001": "enalapril",
    "DRUGBANK:DB00002": "ramipril",
    "DOID:0": "breast carcinoma",
    "DOID:1": "",  # no name: the id's local part is encoded
}


def _named(nodes: list[Node]) -> list[Node]:
    return [n.model_copy(update={"name": NAMED.get(n.id, n.name)}) for n in nodes]


def test_encode_texts_is_normalised_cached_and_order_preserving(tmp_path):
    texts = ["ramipril", "breast carcinoma", "ramipril"]
    first = encode_texts(texts, tmp_path)
    assert first.shape == (3, NAME_DIM) and first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(first[0], first[2])
    assert not np.allclose(first[0], first[1])
    (cached,) = tmp_path.glob("name-embeddings-*.npy")
    # the second call reads the cache: a tampered cache file shows through
    table = np.load(cached)
    np.save(cached, table * 0 + 0.5)
    again = encode_texts(["breast carcinoma", "ramipril"], tmp_path)
    assert np.allclose(again, 0.5)


def test_name_features_follow_graph_index_order(graph, schema, tmp_path):
    nodes, edges = graph
    nodes = _named(nodes)
    g = build_graph(nodes, edges, schema)
    feats = name_features(g, nodes, ["Drug", "Disease", "Nope"], tmp_path)
    assert set(feats) == {"Drug", "Disease"}
    assert feats["Drug"].shape == (g.num_nodes("Drug"), NAME_DIM)
    drugs = g.node_ids["Drug"]
    a, b, c = (drugs.index(i) for i in ("DRUGBANK:DB00000", "DRUGBANK:DB00001", "DRUGBANK:DB00002"))
    assert torch.equal(feats["Drug"][a], feats["Drug"][c])  # same name, same vector
    assert not torch.equal(feats["Drug"][a], feats["Drug"][b])
    unnamed = encode_texts(["1"], tmp_path)[0]
    assert np.allclose(feats["Disease"][g.node_ids["Disease"].index("DOID:1")].numpy(), unnamed, atol=1e-5)


def test_featured_labels_take_projected_features_instead_of_free_embeddings(graph, schema):
    nodes, edges = graph
    g = build_graph(nodes, edges, schema)
    num = {k: g.num_nodes(k) for k in g.node_ids}
    x = torch.randn(num["Drug"], 5)
    model = build_model("rgcn", num, list(g.data.edge_types), ["TREATS"], 8, features={"Drug": x})
    enc = model.encoder
    assert "Drug" not in enc.emb and "Disease" in enc.emb
    start = enc.initial()
    assert torch.allclose(start["Drug"], enc.proj["Drug"](x))
    ei = {et: g.data[et].edge_index for et in g.data.edge_types}
    z = enc(ei)
    model.decoder(z["Drug"][:2], z["Disease"][:2], "TREATS").sum().backward()
    assert enc.proj["Drug"].weight.grad is not None and enc.proj["Drug"].weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="3 rows"):
        build_model("rgcn", num, list(g.data.edge_types), ["TREATS"], 8, features={"Drug": torch.randn(3, 5)})


def _train_inputs(graph, schema):
    nodes, edges = graph
    split = split_target(nodes, edges, schema, "TREATS", 0.2, 0.2, 0, 5)
    g = build_graph(nodes, split.message_edges, schema)
    pos = g.positions
    val = torch.tensor([[pos[h][1], pos[t][1]] for h, t in split.val]).t()
    every = torch.tensor([[pos[h][1], pos[t][1]] for h, t in split.all_pairs]).t()
    return nodes, g, split.target, val, known_matrix(every, g.num_nodes("Drug"), g.num_nodes("Disease"))


def test_training_with_name_features_selects_on_validation_auroc(graph, schema, tmp_path):
    nodes, g, target, val, known = _train_inputs(graph, schema)
    cfg = GnnConfig(
        hidden_dim=8,
        epochs=4,
        params={"eval_every": 2, "num_threads": 1, "select": "auroc_mean", "name_features": ["Drug", "Disease"]},
    )
    feats = input_features(cfg, g, _named(nodes), tmp_path)
    assert feats is not None and set(feats) == {"Drug", "Disease"}
    res = train_link_predictor(g, target, val, known, cfg, node_features=feats)
    assert [h["epoch"] for h in res.history] == [0.0, 2.0, 4.0]
    scores = [h["val_score"] for h in res.history]
    assert all(0.0 <= s <= 1.0 for s in scores)
    # the kept epoch is the one with the best validation AUROC, and its MRR is the one recorded with it
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    assert res.best_epoch == res.history[best]["epoch"]
    assert res.best_val_mrr == res.history[best]["val_mrr"]


def test_training_config_errors(graph, schema):
    _, g, target, val, known = _train_inputs(graph, schema)
    with pytest.raises(ValueError, match="params.select"):
        train_link_predictor(g, target, val, known, GnnConfig(hidden_dim=4, epochs=1, params={"select": "f1"}))
    with pytest.raises(ValueError, match="node features"):
        train_link_predictor(
            g, target, val, known, GnnConfig(hidden_dim=4, epochs=1, params={"name_features": ["Drug"]})
        )
    assert input_features(GnnConfig(), g, []) is None


def test_query_folds_keep_every_edge_of_a_query_together():
    gen = torch.Generator().manual_seed(0)
    pos_q = torch.tensor([0, 1, 1, 2, 3, 3, 3, 4, 5, 5])
    folds = query_folds(pos_q, 3, gen)
    cols = torch.cat(folds)
    assert sorted(cols.tolist()) == list(range(10))  # a partition of the positives
    owner = {}
    for k, f in enumerate(folds):
        for q in pos_q[f].tolist():
            assert owner.setdefault(q, k) == k  # a query's positives never span two folds
    bounded = query_subset_folds(pos_q, 2, 1, gen, by_query=True)
    for f, qs in bounded:
        assert qs.numel() == 1 and set(pos_q[f].tolist()) == set(qs.tolist())
        assert f.numel() == int((pos_q == qs[0]).sum())  # every positive of the kept query


@pytest.mark.parametrize("pairs", [False, True], ids=["free", "pair_features"])
def test_cold_start_folds_hide_every_target_edge_of_their_diseases(graph, schema, monkeypatch, pairs):
    import kg.gnn.sampling as sampling_module

    _, g, target, val, known = _train_inputs(graph, schema)
    # record every training step's message-passing graph (the real fold-making, the real hiding)
    steps: list[tuple[torch.Tensor, dict]] = []
    real_without = sampling_module.without

    def recording_without(graph_, target_, hidden, ei, ew):  # type: ignore[no-untyped-def]
        out = real_without(graph_, target_, hidden, ei, ew)
        steps.append((hidden.clone(), out[0]))
        return out

    monkeypatch.setattr(sampling_module, "without", recording_without)
    params = {"eval_every": 1, "num_threads": 1, "fold_by": "query", "pair_features": pairs}
    cfg = GnnConfig(hidden_dim=4, epochs=2, params=params)
    feats = (
        pair_features(g, target, model_metapaths(link_params(cfg.params), "TREATS"), "tail", seed=0) if pairs else None
    )
    res = train_link_predictor(g, target, val, known, cfg, query_side="tail", features=feats)
    assert res.epochs_run == 2
    pos = g.forward_edges(target)  # [2, E] (drug, disease) training target edges
    rev = g.reverse_of[target]
    assert steps, "no training step ran"
    supervised: set[int] = set()
    for hidden, ei in steps:
        diseases = set(pos[1, hidden].tolist())  # the fold's held-out diseases (query side: tail)
        assert diseases
        supervised |= diseases
        # every training target edge of those diseases is hidden and scored ...
        assert set(hidden.tolist()) == {c for c in range(pos.size(1)) if int(pos[1, c]) in diseases}
        # ... and the training graph of the step keeps none of them, in either direction
        assert not set(ei[target][1].tolist()) & diseases
        assert not set(ei[rev][0].tolist()) & diseases
        # while every other disease keeps its target edges
        others = {c for c in range(pos.size(1)) if int(pos[1, c]) not in diseases}
        assert ei[target].size(1) == len(others)
    assert len(supervised) > 1  # the folds cover several diseases
    with pytest.raises(ValueError, match="fold_by"):
        train_link_predictor(g, target, val, known, GnnConfig(hidden_dim=4, epochs=1, params={"fold_by": "split"}))


def test_char_features_separate_drug_stems():
    x = char_features(["ramipril", "enalapril", "lisinopril", "losartan", "valsartan", "candesartan"], dim=4)
    assert x.shape[0] == 6 and x.shape[1] <= 4
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    sim = x @ x.T
    assert sim[0, 1] > sim[0, 3] and sim[3, 4] > sim[3, 0]  # -pril with -pril, -sartan with -sartan


def test_name_features_reject_unknown_encoder(graph, schema):
    nodes, edges = graph
    g = build_graph(nodes, edges, schema)
    with pytest.raises(ValueError, match="name encoder"):
        name_features(g, nodes, ["Drug"], None, "glove")
    both = name_features(g, _named(nodes), ["Drug"], None, "chars")
    assert both["Drug"].shape[0] == g.num_nodes("Drug")


def test_ensemble_logit_is_the_mean_of_its_members(graph, schema):
    _, g, target, val, known = _train_inputs(graph, schema)
    cfg = GnnConfig(hidden_dim=4, epochs=2, params={"eval_every": 1, "num_threads": 1, "members": 3})
    res = train_members(g, target, val, known, cfg)
    assert {h["member"] for h in res.history} == {0.0, 1.0, 2.0}
    members = [train_link_predictor(g, target, val, known, cfg, member=m).model for m in range(3)]
    # member 0 is the single model; the others start from other weights
    z0 = embed(members[0], g)
    assert not torch.allclose(z0["Drug"], embed(members[1], g)["Drug"])
    zs = [embed(m, g) for m in members]
    mean = sum(m.decoder.score_all(z["Drug"], z["Disease"], "TREATS") for m, z in zip(members, zs, strict=True)) / 3
    ze = embed(res.model, g)
    assert ze["Drug"].shape[1] == 12
    assert torch.allclose(res.model.decoder.score_all(ze["Drug"], ze["Disease"], "TREATS"), mean, atol=1e-5)


def test_ensemble_needs_a_shared_pair_head(graph, schema):
    _, g, target, val, known = _train_inputs(graph, schema)
    a = build_model("rgcn", {k: g.num_nodes(k) for k in g.node_ids}, list(g.data.edge_types), ["TREATS"], 4, 3)
    b = build_model("rgcn", {k: g.num_nodes(k) for k in g.node_ids}, list(g.data.edge_types), ["TREATS"], 4, 3)
    with torch.no_grad():
        b.pair_head.linear.weight.add_(1.0)
    with pytest.raises(ValueError, match="pair head"):
        combine_members([a, b])
    assert combine_members([a]) is a


def test_members_with_a_frozen_pair_head_combine(graph, schema):
    _, g, target, val, known = _train_inputs(graph, schema)
    base = {"eval_every": 1, "num_threads": 1, "pair_features": True, "members": 2, "softmax_weight": 1.0}
    cfg = GnnConfig(hidden_dim=4, epochs=2, params={**base, "pair_lr_scale": 0.0})
    feats = pair_features(g, target, model_metapaths(link_params(cfg.params), "TREATS"), "head", seed=0)
    res = train_members(g, target, val, known, cfg, features=feats)
    assert res.model.pair_head is not None and len(res.model.encoder.members) == 2
    moving = GnnConfig(hidden_dim=4, epochs=2, params={**base, "pair_lr_scale": 1.0, "keep": "last"})
    with pytest.raises(ValueError, match="pair head"):
        train_members(g, target, val, known, moving, features=feats)


def test_ranking_loss_masks_the_querys_other_positives_and_non_candidates():
    enc = EmbeddingEncoder({"Disease": 1, "Symptom": 4}, [], 1)
    model = LinkPredictor(enc, DistMultDecoder(["HAS_SYMPTOM"], 1, init=1.0))
    z = {"Disease": torch.tensor([[1.0]]), "Symptom": torch.tensor([[0.0], [1.0], [2.0], [3.0]])}
    target = ("Disease", "HAS_SYMPTOM", "Symptom")
    # the disease has symptoms 1 and 2; symptom 3 has no edge (not a candidate); scores = symptom index
    pos_q, pos_c = torch.tensor([0, 0]), torch.tensor([1, 2])
    step = torch.tensor([[0], [1]])  # this step scores (disease 0, symptom 1)
    loss = ranking_loss(
        model, z, target, "head", step, pos_q, pos_c, torch.tensor([0, 1, 2]), None, 8, torch.Generator()
    )
    # competitors: symptom 0 (score 0) only; symptom 2 is another positive, symptom 3 no candidate
    expected = -torch.log_softmax(torch.tensor([0.0, 1.0]), 0)[1]
    assert loss.item() == pytest.approx(expected.item(), abs=1e-6)
