import pytest

from kg.store.sqlite import SqliteStore, StoreError
from kg.types import Edge, Hypothesis, Node, PathContribution


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "store")
    nodes = [
        Node(id="DRUGBANK:DB1", label="Drug", name="A"),
        Node(id="DOID:1", label="Disease", name="X"),
        Node(id="DOID:2", label="Disease", name="Y"),
    ]
    s.load_seed("hetionet", nodes, [Edge(head="DRUGBANK:DB1", type="TREATS", tail="DOID:1")], "fp1")
    yield s
    s.close()


def _hyp(tail, score, rank, run="r1"):
    return Hypothesis(
        head="DRUGBANK:DB1",
        type="PREDICTED_TREATS",
        tail=tail,
        score=score,
        rank=rank,
        model_version="m",
        run_id=run,
        explanation=(
            PathContribution(
                nodes=("DRUGBANK:DB1", "DOID:1", tail), relations=("TREATS", "RESEMBLES"), contribution=1.0
            ),
        ),
    )


def test_hypotheses_never_touch_asserted_edges_and_replace_per_type(store):
    before = list(store.edges())
    store.write_hypotheses([_hyp("DOID:1", 0.9, 1), _hyp("DOID:2", 0.5, 2)], ["PREDICTED_TREATS"], "r1")
    assert list(store.edges()) == before
    store.write_hypotheses([_hyp("DOID:2", 0.7, 1, run="r2")], ["PREDICTED_TREATS"], "r2")
    hyps = store.hypotheses()
    assert [(h.tail, h.run_id) for h in hyps] == [("DOID:2", "r2")]
    assert hyps[0].explanation[0].relations == ("TREATS", "RESEMBLES")
    assert store.counts()["hypotheses"] == {"PREDICTED_TREATS": 1}


def test_seed_reload_skips_when_unchanged_and_replaces_when_changed(store):
    assert store.load_seed("hetionet", [], [Edge(head="DRUGBANK:DB1", type="TREATS", tail="DOID:1")], "fp1") is False
    assert store.load_seed("hetionet", [], [Edge(head="DRUGBANK:DB1", type="TREATS", tail="DOID:2")], "fp2") is True
    assert [(e.head, e.tail) for e in store.edges()] == [("DRUGBANK:DB1", "DOID:2")]
    assert store.node_names(["DOID:2", "nope"]) == {"DOID:2": "Y"}


def test_incompatible_store_version(tmp_path):
    s = SqliteStore(tmp_path / "s")
    s.set_meta("store_version", "999")
    s.close()
    with pytest.raises(StoreError, match="store version 999"):
        SqliteStore(tmp_path / "s")
