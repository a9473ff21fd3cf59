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


def test_a_bulk_write_without_triggers_still_gives_one_new_revision_and_a_rollback_keeps_the_triggers(tmp_path):
    store = seeded(tmp_path / "s")
    triggers = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_revision'"
    assert store.conn.execute(triggers).fetchone()[0] == 12
    before = store.graph_revision()
    with pytest.raises(RuntimeError, match="boom"), store.transaction(), store.untriggered():
        store.conn.execute("DELETE FROM edges")
        raise RuntimeError("boom")
    assert store.graph_revision() == before and store.conn.execute(triggers).fetchone()[0] == 12
    assert store.counts()["edges"] == {"TREATS": 1}
    with store.transaction(), store.untriggered():
        store.conn.execute("DELETE FROM edges")
    assert store.graph_revision() != before and store.conn.execute(triggers).fetchone()[0] == 12
    with pytest.raises(StoreError, match="transaction"), store.untriggered():
        pass


def test_a_store_restored_from_an_image_has_a_revision_of_its_own(tmp_path):
    image = save_image(seeded(tmp_path / "seeded"), tmp_path / "img" / "seed.sqlite", {})
    fresh = SqliteStore(tmp_path / "fresh")
    pristine = fresh.graph_revision()
    restore_image(fresh, image)
    assert fresh.graph_revision() not in {pristine, ""}
    revision = fresh.graph_revision()
    fresh.conn.execute("UPDATE nodes SET name = 'x' WHERE id = 'DOID:9352'")  # the triggers came along
    assert fresh.graph_revision() != revision


@pytest.mark.neo4j
def test_a_neo4j_load_of_an_unchanged_store_reads_nothing_and_a_changed_one_loads(tmp_path, neo4j_server, monkeypatch):
    neo = Neo4jConfig(
        uri=neo4j_server["uri"], user=neo4j_server["user"], password=neo4j_server["password"], bulk_import=False
    )
    config = MedkgConfig(neo4j=neo)
    with Neo4jStore.from_config(neo) as server:
        server.execute_write("MATCH (n) DETACH DELETE n")
    store = seeded(tmp_path / "s")
    first = load_neo4j(store, SCHEMA, config, "load-1")
    assert first["nodes"]["Drug"] == 2 and first["edges"]["TREATS"] == 1

    def no_read() -> None:
        raise AssertionError("an unchanged store's graph must not be read")

    monkeypatch.setattr(store, "snapshot", no_read)
    again = load_neo4j(store, SCHEMA, config, "load-2")
    assert again == first
    with Neo4jStore.from_config(neo) as server:  # nothing was written: no LoadRun of the skipped load
        assert [r["id"] for r in server.execute_read("MATCH (r:LoadRun) RETURN r.id AS id")] == ["load-1"]
    monkeypatch.undo()
    store.write_hypotheses([hypothesis(0.7)], ["PREDICTED_TREATS"], "r2")  # the graph changed: loaded
    third = load_neo4j(store, SCHEMA, config, "load-3")
    assert third["edges"]["PREDICTED_TREATS"] == 1
    # --full (neo4j.full_load) loads an unchanged store, for a graph changed in Neo4j by hand
    monkeypatch.setattr(store, "snapshot", no_read)
    with pytest.raises(AssertionError, match="must not be read"):
        load_neo4j(store, SCHEMA, config.model_copy(update={"neo4j": neo.model_copy(update={"full_load": True})}), "x")
    # another store of the same rows is another source: loaded
    other = seeded(tmp_path / "other")
    assert load_source(other.graph_revision(), SCHEMA) != load_source(store.graph_revision(), SCHEMA)
    with Neo4jStore.from_config(neo) as server:
        server.execute_write("MATCH (n) DETACH DELETE n")
