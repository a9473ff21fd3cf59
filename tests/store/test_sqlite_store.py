import pytest

from kg.store.sqlite import STORE_VERSION, DocumentWrite, SqliteStore, StoreError
from kg.types import Edge, Evidence, Hypothesis, Node, PathContribution


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


# ---- DDI subtype ---------------------------------------------------------------------------------

WARFARIN, AMIODARONE = "DRUGBANK:DB00682", "DRUGBANK:DB01118"


def _ddi_evidence(doc: str, subtype: str | None, confidence: float) -> Evidence:
    return Evidence(
        head=WARFARIN,
        type="INTERACTS_WITH",
        tail=AMIODARONE,
        doc_id=doc,
        sentence_index=0,
        head_start=0,
        head_end=8,
        tail_start=20,
        tail_end=30,
        sentence="Warfarin interacts with amiodarone.",
        extractor="trained",
        extractor_version="1.1.0",
        confidence=confidence,
        assertion="present",
        asserted=True,
        subtype=subtype,
    )


def _build(s: SqliteStore, run: str, evidence: list[Evidence]) -> None:
    nodes = [Node(id=WARFARIN, label="Drug", name="Warfarin"), Node(id=AMIODARONE, label="Drug", name="Amiodarone")]
    writes = [DocumentWrite(e.doc_id, f"hash-{e.doc_id}", [], [e]) for e in evidence]
    s.apply_build(run, "key", writes, nodes, [], {})


def test_ddi_subtype_is_stored_on_evidence_and_aggregated_onto_the_edge(store):
    _build(
        store,
        "r1",
        [_ddi_evidence("n1", "mechanism", 0.9), _ddi_evidence("n2", "effect", 0.6), _ddi_evidence("n3", "effect", 0.5)],
    )
    (edge,) = store.edges(["INTERACTS_WITH"])
    assert edge.subtype == "effect" and edge.subtypes == ("effect", "mechanism") and edge.evidence_count == 3
    assert {e.doc_id: e.subtype for e in store.evidence()} == {"n1": "mechanism", "n2": "effect", "n3": "effect"}
    # re-extracting one document re-aggregates the edge
    _build(store, "r2", [_ddi_evidence("n2", "mechanism", 0.6)])
    (edge,) = store.edges(["INTERACTS_WITH"])
    assert edge.subtype == "mechanism" and edge.subtypes == ("mechanism", "effect")
    # other edges carry none, and the snapshot holds what the store holds
    treats = next(iter(store.edges(["TREATS"])))
    assert treats.subtype is None and treats.subtypes == ()
    snap = store.snapshot()
    assert edge in snap.edges and {e.subtype for e in snap.evidence} == {"mechanism", "effect"}


def test_a_version_1_store_is_migrated_in_place(tmp_path):
    path = tmp_path / "old"
    s = SqliteStore(path)
    s.load_seed(
        "hetionet",
        [Node(id="DRUGBANK:DB1", label="Drug", name="A"), Node(id="DOID:1", label="Disease", name="X")],
        [Edge(head="DRUGBANK:DB1", type="TREATS", tail="DOID:1")],
        "fp1",
    )
    _build(s, "r1", [_ddi_evidence("n1", None, 0.8)])
    # turn it into a version-1 store: the same tables without the subtype columns
    for table, column in (("evidence", "subtype"), ("edges", "subtype"), ("edges", "subtypes"), ("hypotheses", "note")):
        s.conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # test-only SQL over known names
    s.set_meta("store_version", "1")
    s.close()

    with SqliteStore(path) as migrated:
        assert migrated.get_meta("store_version") == STORE_VERSION == "3"
        edges = {(e.head, e.type, e.tail): e for e in migrated.edges()}
        assert set(edges) == {("DRUGBANK:DB1", "TREATS", "DOID:1"), (WARFARIN, "INTERACTS_WITH", AMIODARONE)}
        assert all(e.subtype is None and e.subtypes == () for e in edges.values())
        assert [e.subtype for e in migrated.evidence()] == [None]
        # the next build writes subtypes into the migrated tables
        _build(migrated, "r2", [_ddi_evidence("n1", "advise", 0.8)])
        (edge,) = migrated.edges(["INTERACTS_WITH"])
        assert edge.subtype == "advise" and edge.subtypes == ("advise",)
    with SqliteStore(path) as again:  # opening a current store changes nothing
        assert again.get_meta("store_version") == "3"
        assert [e.subtype for e in again.evidence()] == ["advise"]


def test_the_link_prediction_step_is_its_own_run_and_keeps_the_builds_record(store):
    store.apply_build("r1", "key", [], [], [], {"documents": 3, "mentions_dropped_as_phi": 2})
    store.write_hypotheses([_hyp("DOID:2", 0.5, 1)], ["PREDICTED_TREATS"], "r1")
    runs = {r[0]: (r[1], r[2]) for r in store.conn.execute("SELECT run_id, kind, details FROM runs")}
    assert runs["r1"][0] == "build" and '"mentions_dropped_as_phi": 2' in runs["r1"][1]
    assert runs["r1/linkpred"][0] == "linkpred"


def test_a_version_2_store_gets_hypothesis_notes(tmp_path):
    """Version 3 added the hypotheses' note: a stored hypothesis without paths says so after the migration."""
    path = tmp_path / "v2"
    path_ = PathContribution(nodes=("DRUGBANK:DB1", "DOID:1"), relations=("TREATS",), contribution=1.0)
    with SqliteStore(path) as s:
        explained = _hyp("DOID:1", 0.9, 1).model_copy(update={"explanation": (path_,)})
        pathless = _hyp("DOID:2", 0.5, 2).model_copy(update={"explanation": ()})
        s.write_hypotheses([explained, pathless], ["PREDICTED_TREATS"], "r1")
        s.conn.execute("ALTER TABLE hypotheses DROP COLUMN note")  # test-only SQL over a known name
        s.set_meta("store_version", "2")
    with SqliteStore(path) as migrated:
        assert migrated.get_meta("store_version") == "3"
        notes = {h.tail: (h.note, h.explanation) for h in migrated.hypotheses("PREDICTED_TREATS")}
    assert notes == {"DOID:1": ("", (path_,)), "DOID:2": ("no supporting path", ())}


def test_an_edge_read_back_without_validation_equals_the_validated_one_written():
    from kg.store.sqlite_tables import edge_from_row, edge_row

    edges = [
        Edge(head="MESH:D1", type="TREATS", tail="DOID:1", sources=("hetionet",)),
        Edge(
            head="DB:1",
            type="INTERACTS_WITH",
            tail="DB:2",
            sources=("seed", "text"),
            evidence_count=3,
            doc_count=2,
            confidence=0.25,
            best_confidence=0.5,
            extractors=("ddi",),
            model_versions=("ddi@1.0.0",),
            non_asserted_count=1,
            first_seen="2026-12-07T00:00:00",
            last_seen="2026-12-07T01:00:00",
            subtype="mechanism",
            subtypes=("mechanism", "effect"),
        ),
    ]
    for edge in edges:
        back = edge_from_row(edge_row(edge))
        assert back == edge and back.model_dump() == edge.model_dump() and hash(back) == hash(edge)
