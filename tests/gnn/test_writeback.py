"""Hypothesis write-back from the GNN with a pair head: asserted edges untouched, explanations are real paths."""

from __future__ import annotations

from kg.build import TOP_PER_TYPE, run_linkprediction_step, top_hypotheses
from kg.config import load_config
from kg.store.sqlite import SqliteStore
from tests.gnn.conftest import tiny_graph


def test_writeback_never_touches_asserted_edges_and_paths_are_real(tmp_path, schema):
    nodes, edges = tiny_graph()
    cfg = load_config(
        None,
        [
            "gnn.mode=train",
            "gnn.hidden_dim=8",
            "gnn.epochs=4",
            "gnn.top_k=3",
            "gnn.params={eval_every: 2, num_threads: 1, pair_features: true}",
        ],
    )
    with SqliteStore(tmp_path / "store") as store:
        store.load_seed("hetionet", nodes, edges, "tiny-1")
        before = sorted(e.model_dump_json() for e in store.edges())
        top = run_linkprediction_step(store, schema, cfg, run_id="wb-1")
        hyps = store.hypotheses()
        assert top == top_hypotheses(hyps, per_type=TOP_PER_TYPE)  # what the build report names
        after = sorted(e.model_dump_json() for e in store.edges())
        assert before == after  # asserted edges: same rows, same properties
        assert store.counts()["hypotheses"] == {
            t: sum(h.type == t for h in hyps) for t in ("PREDICTED_HAS_SYMPTOM", "PREDICTED_TREATS")
        }
        asserted = {(e.head, e.type, e.tail) for e in store.edges()}
        adj = {(e.head, e.tail, e.type) for e in store.edges()} | {(e.tail, e.head, e.type) for e in store.edges()}
        assert {h.type for h in hyps} == {"PREDICTED_TREATS", "PREDICTED_HAS_SYMPTOM"}
        explained = 0
        for h in hyps:
            assert h.type not in {e.type for e in store.edges()}
            assert (h.head, h.type.removeprefix("PREDICTED_"), h.tail) not in asserted
            assert not (h.type == "PREDICTED_TREATS" and (h.head, "PALLIATES", h.tail) in asserted)
            assert h.run_id == "wb-1" and h.model_version.startswith("rgcn-")
            for p in h.explanation:
                explained += 1
                assert p.nodes[0] == h.head and p.nodes[-1] == h.tail
                for a, b, r in zip(p.nodes, p.nodes[1:], p.relations, strict=False):
                    assert (a, b, r) in adj, (a, r, b)
        assert explained > 0
