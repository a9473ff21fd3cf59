from __future__ import annotations

import pytest
import torch

from kg.gnn.data import build_graph
from kg.gnn.model import ENCODERS, DistMultDecoder, build_model
from kg.registry import UnknownComponentError


def test_unknown_encoder_lists_known_names():
    with pytest.raises(UnknownComponentError) as err:
        build_model("nope", {"Drug": 2}, [], ["TREATS"], 4)
    assert "rgcn" in str(err.value) and "embedding" in str(err.value)


@pytest.mark.parametrize("name", ENCODERS.names())
def test_every_encoder_gives_one_embedding_per_node_and_learns(name, graph, schema):
    nodes, edges = graph
    g = build_graph(nodes, edges, schema)
    torch.manual_seed(0)
    model = build_model(name, {k: g.num_nodes(k) for k in g.node_ids}, list(g.data.edge_types), ["TREATS"], 8)
    ei = {et: g.data[et].edge_index for et in g.data.edge_types}
    ew = {et: g.data[et].edge_weight for et in g.data.edge_types}
    z = model.encoder(ei, ew)
    assert set(z) == set(g.node_ids)
    for label, ids in g.node_ids.items():
        assert z[label].shape == (len(ids), 8)
    logits = model.decoder(z["Drug"][:3], z["Disease"][:3], "TREATS")
    assert logits.shape == (3,)
    logits.sum().backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.encoder.parameters())


def test_distmult_score_all_matches_pairwise():
    dec = DistMultDecoder(["TREATS", "HAS_SYMPTOM"], 4)
    with torch.no_grad():
        dec.rel[0] = torch.tensor([1.0, 2.0, 0.0, -1.0])
    h, t = torch.randn(3, 4), torch.randn(5, 4)
    full = dec.score_all(h, t, "TREATS")
    assert full.shape == (3, 5)
    assert torch.allclose(full[1, 4], dec(h[1:2], t[4:5], "TREATS")[0])
    assert torch.allclose(full[1, 4], (h[1] * dec.rel[0] * t[4]).sum())
