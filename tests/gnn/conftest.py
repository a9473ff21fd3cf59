"""Tiny synthetic graphs for the GNN tests, built in code (no files needed)."""

from __future__ import annotations

import random

import pytest
import torch

from kg.config import GnnConfig
from kg.schema import GraphSchema, load_schema
from kg.types import Edge, Node


def tiny_graph(seed: int = 0, n_treats: int = 24, n_symptom: int = 30) -> tuple[list[Node], list[Edge]]:
    """Drugs, diseases, symptoms and genes in two communities, so there is something to learn.

    Drug i binds genes of community i % 2; disease j is associated with genes of community j % 2;
    TREATS and HAS_SYMPTOM edges mostly stay within a community.
    """
    rng = random.Random(seed)
    drugs = [f"DRUGBANK:DB{i:05d}" for i in range(12)]
    dis = [f"DOID:{i}" for i in range(8)]
    sym = [f"HP:{i:07d}" for i in range(10)]
    genes = [f"NCBIGene:{i}" for i in range(1, 9)]
    nodes = (
        [Node(id=i, label="Drug", name=i) for i in drugs]
        + [Node(id=i, label="Disease", name=i) for i in dis]
        + [Node(id=i, label="Symptom", name=i) for i in sym]
        + [Node(id=i, label="Gene", name=i) for i in genes]
    )
    edges: set[tuple[str, str, str]] = set()
    for i, d in enumerate(drugs):
        for g in genes[i % 2 :: 2][:2]:
            edges.add((d, "BINDS", g))
    for j, x in enumerate(dis):
        for g in genes[j % 2 :: 2][1:3]:
            edges.add((x, "ASSOCIATED_WITH", g))
    pairs = [(d, x) for i, d in enumerate(drugs) for j, x in enumerate(dis) if i % 2 == j % 2]
    rng.shuffle(pairs)
    edges |= {(d, "TREATS", x) for d, x in pairs[:n_treats]}
    edges |= {(d, "PALLIATES", x) for d, x in pairs[n_treats : n_treats + 3]}
    spairs = [(x, s) for j, x in enumerate(dis) for k, s in enumerate(sym) if j % 2 == k % 2]
    rng.shuffle(spairs)
    edges |= {(x, "HAS_SYMPTOM", s) for x, s in spairs[:n_symptom]}
    edges |= {(dis[0], "RESEMBLES", dis[2]), (dis[1], "RESEMBLES", dis[3])}
    edges |= {(genes[0], "INTERACTS_WITH", genes[2]), (genes[1], "INTERACTS_WITH", genes[3])}
    return nodes, [Edge(head=h, type=r, tail=t, confidence=0.9) for h, r, t in sorted(edges)]


@pytest.fixture(scope="session")
def schema() -> GraphSchema:
    return load_schema()


@pytest.fixture()
def graph() -> tuple[list[Node], list[Edge]]:
    return tiny_graph()


@pytest.fixture()
def fast_config() -> GnnConfig:
    return GnnConfig(hidden_dim=16, epochs=10, top_k=3, params={"eval_every": 2, "num_threads": 1})


@pytest.fixture(scope="session")
def shipped_model():
    """The shipped default model (TREATS 4.0.0 and HAS_SYMPTOM 3.1.0, both stacked)."""
    from kg.gnn.serving import load_default

    return load_default()


@pytest.fixture(scope="session")
def gnn_model(shipped_model):
    """The shipped model with a GNN-shaped HAS_SYMPTOM target (since 3.1.0 the shipped one is stacked): random
    DistMult embeddings of the shipped target's nodes and a random pair head over its stored pair features,
    so the GNN serving path (``gnn.model_dir`` pointing at a GNN, ``medkg train linkpred`` without ``stacked``)
    stays tested."""
    from kg.gnn.model import PairHead
    from kg.gnn.serving import DefaultModel, TargetModel

    st = shipped_model.targets["HAS_SYMPTOM"]
    gen = torch.Generator().manual_seed(5)
    head = PairHead(st.features.num_features)
    with torch.no_grad():
        for p in head.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    head.init_from(
        torch.zeros(head.num_features),
        torch.ones(head.num_features),
        torch.randn(head.num_features, generator=gen),
        -3.0,
    )
    head.eval()
    tm = TargetModel(
        target=st.target,
        head_ids=st.head_ids,
        tail_ids=st.tail_ids,
        z_head=torch.randn(len(st.head_ids), 8, generator=gen),
        z_tail=torch.randn(len(st.tail_ids), 8, generator=gen),
        rel=torch.randn(8, generator=gen),
        pair_head=head,
        features=st.features,
    )
    return DefaultModel(targets={"TREATS": shipped_model.targets["TREATS"], "HAS_SYMPTOM": tm}, meta=shipped_model.meta)
