"""The store's graph revision, and the Neo4j step that skips a load of an unchanged store (issue 21)."""

from __future__ import annotations

import pytest

from kg.build import load_neo4j
from kg.config import MedkgConfig, Neo4jConfig
from kg.neo4j_load import load_source
from kg.schema import load_schema
from kg.store.neo4j import Neo4jStore
from kg.store.sqlite import SqliteStore, StoreError
from kg.store.sqlite_image import restore_image, save_image
from kg.types import Edge, Hypothesis, Node

SCHEMA = load_schema()
NODES = [
    Node(id="MESH:D008687", label="Drug", name="Metformin", sources=("seed",)),
    Node(id="DOID:9352", label="Disease", name="type 2 diabetes mellitus", sources=("seed",)),
    Node(id="MESH:D000068877", label="Drug", name="Sitagliptin", sources=("seed",)),
]
EDGES = [Edge(head="MESH:D008687", type="TREATS", tail="DOID:9352", sources=("seed",))]


def seeded(path) -> SqliteStore:
    store = SqliteStore(path)
    store.load_seed("seed", NODES, EDGES, fingerprint="f1")
    return store


def hypothesis(score: float) -> Hypothesis:
    return Hypothesis(
        head="MESH:D000068877",
        type="PREDICTED_TREATS",
        tail="DOID:9352",
        score=score,
        rank=1,
        model_version="t",
        run_id="r",
    )


def test_every_graph_write_gives_a_new_revision_and_nothing_else_does(tmp_path):
    store = seeded(tmp_path / "s")
    seen = {store.graph_revision()}
    store.write_hypotheses([hypothesis(0.4)], ["PREDICTED_TREATS"], "r1")
    seen.add(store.graph_revision())
    for stmt in (
        "UPDATE nodes SET name = 'metformin' WHERE id = 'MESH:D008687'",
        "INSERT INTO nodes(id, label, name) VALUES ('HP:0002315', 'Symptom', 'Headache')",
        "DELETE FROM nodes WHERE id = 'HP:0002315'",
        "UPDATE edges SET confidence = 0.5",
        "DELETE FROM hypotheses",
    ):
        store.conn.execute(stmt)
        assert store.graph_revision() not in seen, stmt
        seen.add(store.graph_revision())
    before = store.graph_revision()
    store.set_meta("note", "x")  # run records, quarantine and meta are not the graph
    store.conn.execute("INSERT INTO runs(run_id, kind, started, status) VALUES ('r9', 'build', 't', 'complete')")
    store.conn.execute("INSERT INTO quarantine VALUES ('r9', 'a.txt', '1', 'empty')")
    assert store.graph_revision() == before
    store.close()
    assert SqliteStore(tmp_path / "s").graph_revision() == before  # kept on disk


def test_a_write_moves_its_own_group_only(tmp_path):
    store = seeded(tmp_path / "s")
    before = store.graph_state()
    assert set(before) >= {"*:*"}
    store.conn.execute("UPDATE nodes SET name = 'metformin' WHERE id = 'MESH:D008687'")
    after = store.graph_state()
    assert {k for k in set(before) | set(after) if before.get(k) != after.get(k)} == {"nodes:Drug", "names:*"}
    store.conn.execute("INSERT INTO nodes(id, label, name, sources) VALUES ('X:2', 'Drug', 'foo', '[\"text\"]')")
    after = store.graph_state()
    with store.transaction():  # a text node's row replaced by a curated one with another name: the names move
        store._upsert_nodes([Node(id="X:2", label="Drug", name="bar", sources=("hpo",))])
    assert store.graph_state()["names:*"] != after["names:*"]
    store.conn.execute("DELETE FROM nodes WHERE id = 'X:2'")
    after = store.graph_state()
    store.conn.execute("UPDATE nodes SET label = 'Symptom' WHERE id = 'DOID:9352'")  # a relabel: a new epoch
    moved = store.graph_state()
    assert {k for k in set(after) | set(moved) if after.get(k) != moved.get(k)} == {
        "nodes:Disease",
        "nodes:Symptom",
        "*:*",
    }
    # a node row replaced with another label (the upsert of a text node by a curated one) moves the epoch too
    store.conn.execute("INSERT INTO nodes(id, label, name, sources) VALUES ('X:1', 'Symptom', 'foo', '[\"text\"]')")
    moved = store.graph_state()
    with store.transaction():
        store._upsert_nodes([Node(id="X:1", label="Disease", name="foo", sources=("hpo",))])
    assert store.conn.execute("SELECT label FROM nodes WHERE id = 'X:1'").fetchone() == ("Disease",)
    assert store.graph_state()["*:*"] != moved["*:*"]
    moved = store.graph_state()
    # an unchanged node written again is not written: its label keeps its token
    store.load_seed("other", [NODES[0].model_copy(update={"name": "metformin"})], [], fingerprint="f2")
    assert store.graph_state()["nodes:Drug"] == moved["nodes:Drug"]


def test_a_bulk_write_without_triggers_still_moves_its_groups_and_a_rollback_keeps_the_triggers(tmp_path):
    store = seeded(tmp_path / "s")
    triggers = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_revision'"
    assert store.conn.execute(triggers).fetchone()[0] == 14
    before = store.graph_state()
    with pytest.raises(RuntimeError, match="boom"), store.transaction(), store.untriggered():
        store.conn.execute("DELETE FROM edges")
        raise RuntimeError("boom")
    assert store.graph_state() == before and store.conn.execute(triggers).fetchone()[0] == 14
    assert store.counts()["edges"] == {"TREATS": 1}
    after = store.graph_state()
    with store.transaction(), store.untriggered():  # the rows it wrote are unknown: a new epoch
        store.conn.execute("DELETE FROM nodes WHERE id = 'DOID:9352'")
    now = store.graph_state()
    assert now["*:*"] != after["*:*"] and {k: v for k, v in now.items() if k != "*:*"} == {
        k: v for k, v in after.items() if k != "*:*"
    }
    assert store.conn.execute(triggers).fetchone()[0] == 14
    with pytest.raises(StoreError, match="transaction"), store.untriggered():
        pass


def test_a_store_restored_from_an_image_has_a_revision_of_its_own(tmp_path):
    image = save_image(seeded(tmp_path / "seeded"), tmp_path / "img" / "seed.sqlite", {})
    fresh = SqliteStore(tmp_path / "fresh")
    pristine = fresh.graph_revision()
    restore_image(fresh, image)
    assert fresh.graph_revision() not in {pristine, SqliteStore(tmp_path / "seeded").graph_revision()}
    revision = fresh.graph_revision()
    fresh.conn.execute("UPDATE nodes SET name = 'x' WHERE id = 'DOID:9352'")  # the triggers came along
    assert fresh.graph_revision() != revision


def _neo4j(neo4j_server, **kw):
    neo = Neo4jConfig(
        uri=neo4j_server["uri"], user=neo4j_server["user"], password=neo4j_server["password"], bulk_import=False, **kw
    )
    with Neo4jStore.from_config(neo) as server:
        server.execute_write("MATCH (n) DETACH DELETE n")
    return MedkgConfig(neo4j=neo)


@pytest.mark.neo4j
def test_a_neo4j_load_of_an_unchanged_store_reads_nothing_and_a_changed_one_loads(tmp_path, neo4j_server, monkeypatch):
    config = _neo4j(neo4j_server)
    store = seeded(tmp_path / "s")
    first = load_neo4j(store, SCHEMA, config, "load-1")
    assert first["nodes"]["Drug"] == 2 and first["edges"]["TREATS"] == 1

    def no_read(*args, **kwargs) -> None:
        raise AssertionError("an unchanged store's graph must not be read")

    monkeypatch.setattr(store, "snapshot", no_read)
    assert load_neo4j(store, SCHEMA, config, "load-2") == first
    with Neo4jStore.from_config(config.neo4j) as server:  # nothing was written: no LoadRun of the skipped load
        assert [r["id"] for r in server.execute_read("MATCH (r:LoadRun) RETURN r.id AS id")] == ["load-1"]
    monkeypatch.undo()
    store.write_hypotheses([hypothesis(0.7)], ["PREDICTED_TREATS"], "r2")  # the graph changed: loaded
    assert load_neo4j(store, SCHEMA, config, "load-3")["edges"]["PREDICTED_TREATS"] == 1
    # --full (neo4j.full_load) reads an unchanged store, for a graph changed in Neo4j by hand
    monkeypatch.setattr(store, "snapshot", no_read)
    full = config.model_copy(update={"neo4j": config.neo4j.model_copy(update={"full_load": True})})
    with pytest.raises(AssertionError, match="must not be read"):
        load_neo4j(store, SCHEMA, full, "x")
    # another store of the same rows is another source
    assert load_source(seeded(tmp_path / "other").graph_state(), SCHEMA) != load_source(store.graph_state(), SCHEMA)


def _text_edge(head: str, tail: str) -> tuple:
    return (head, "TREATS", tail, '["text"]', 1, 1, 0.8, 0.8, '["rules"]', '["rules@1"]', 0, "t0", "t0", None, "[]")


@pytest.mark.neo4j
def test_a_load_of_what_changed_gives_the_graph_a_full_load_gives(tmp_path, neo4j_server, monkeypatch):
    """Each change is loaded reading only its groups; the server then holds exactly what a full load of the
    same store into an empty database holds."""
    from kg.store.sqlite_tables import INSERT_EDGE
    from tests.store.test_neo4j_store import dump

    config = _neo4j(neo4j_server)
    full = config.model_copy(update={"neo4j": config.neo4j.model_copy(update={"full_load": True})})
    store = seeded(tmp_path / "s")
    store.write_hypotheses([hypothesis(0.4)], ["PREDICTED_TREATS"], "r1")
    load_neo4j(store, SCHEMA, config, "load-0")
    reads: list[dict] = []
    snapshot = store.snapshot

    def spy(*args, **kwargs):
        reads.append(kwargs)
        return snapshot(*args, **kwargs)

    monkeypatch.setattr(store, "snapshot", spy)
    scopes: list[dict] = []
    changes = [
        (
            "a text edge",
            [
                ("INSERT INTO nodes(id, label, name, sources) VALUES ('DOID:1', 'Disease', 'gout', '[\"text\"]')",),
                ("edge", ("MESH:D008687", "DOID:1")),
            ],
        ),
        ("a changed edge", [("UPDATE edges SET confidence = 0.3 WHERE tail = 'DOID:1'",)]),
        (
            "a retracted text edge and node",
            [("DELETE FROM edges WHERE tail = 'DOID:1'",), ("DELETE FROM nodes WHERE id = 'DOID:1'",)],
        ),
        ("a renamed node", [("UPDATE nodes SET name = 'T2DM' WHERE id = 'DOID:9352'",)]),
    ]
    for i, (what, steps) in enumerate(changes):
        for step in steps:
            if step[0] == "edge":
                store.conn.execute(INSERT_EDGE, _text_edge(*step[1]))
            else:
                store.conn.execute(step[0])
        reads.clear()
        load_neo4j(store, SCHEMA, config, f"load-{i + 1}")
        assert reads and all(r.get("edge_types") is not None for r in reads), what  # only what changed
        scopes.append(reads[-1])
        with Neo4jStore.from_config(config.neo4j) as server:
            partial = dump(server)
            server.execute_write("MATCH (n) DETACH DELETE n")
        load_neo4j(store, SCHEMA, full, f"full-{i + 1}")
        with Neo4jStore.from_config(config.neo4j) as server:
            assert dump(server) == partial, what
    assert scopes == [
        {"edge_types": frozenset({"TREATS"}), "hypothesis_types": frozenset()},
        {"edge_types": frozenset({"TREATS"}), "hypothesis_types": frozenset()},
        {"edge_types": frozenset({"TREATS"}), "hypothesis_types": frozenset()},
        {"edge_types": frozenset(), "hypothesis_types": None},  # a renamed node: every hypothesis (path names)
    ]
    with Neo4jStore.from_config(config.neo4j) as server:
        server.execute_write("MATCH (n) DETACH DELETE n")


def test_a_changed_row_rewrites_its_bucket_not_its_group():
    from kg.store.neo4j_delta import BUCKETS, changed_groups, group_digests, kept_digests, rows_in
    from kg.store.neo4j_plan import LoadPlan, LoadScope

    rows = [{"head": f"MESH:D{i}", "tail": "DOID:1", "props": {"score": i / 1000}} for i in range(5000)]
    plan = LoadPlan(hypotheses={("PREDICTED_TREATS", "Drug", "Disease"): rows})
    before = group_digests(plan)
    assert len(before) == BUCKETS  # 5,000 rows fill every bucket
    moved = [dict(r) for r in rows]
    moved[7] = {**moved[7], "props": {"score": 0.9}}
    after = LoadPlan(hypotheses={("PREDICTED_TREATS", "Drug", "Disease"): moved})
    todo = changed_groups(after, group_digests(after), before)
    assert moved[7] in todo.hypotheses[("PREDICTED_TREATS", "Drug", "Disease")]
    assert 1 <= rows_in(todo) < 5000 / BUCKETS * 3  # about one bucket's rows
    assert rows_in(changed_groups(after, group_digests(after), {})) == 5000  # no record: everything
    # a partial load keeps the digests of what it did not read, and drops those of what it read
    previous = {"edges:TREATS:Drug:Disease#3": "a", "edges:INTERACTS_WITH:Gene:Gene#1": "b", "nodes:Drug#2": "c"}
    kept = kept_digests(previous, LoadScope(edge_types=frozenset({"TREATS"}), hypothesis_types=frozenset()).reads)
    assert kept == {"edges:INTERACTS_WITH:Gene:Gene#1": "b"}


@pytest.mark.neo4j
def test_bookkeeping_lookups_do_not_warn_about_keys_an_empty_database_lacks(neo4j_server, caplog):
    """The load's look-ups of its own LoadRun fields ask the server for no "unrecognized" notifications
    (which the driver logs as warnings on every first load into an empty database); other reads still get them."""
    config = _neo4j(neo4j_server)
    query = "MATCH (r:LoadRun) RETURN r.medkg_key_never_written AS v"
    with Neo4jStore.from_config(config.neo4j) as server, caplog.at_level("INFO", logger="neo4j.notifications"):
        assert server.execute_read(query, quiet_unrecognized=True) == []
        assert "medkg_key_never_written" not in caplog.text
        server.execute_read(query)
        assert "medkg_key_never_written" in caplog.text
