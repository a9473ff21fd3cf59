"""Bulk import (neo4j-admin) against the online MERGE load: the same graph, crash-safe, strict about values."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import neo4j_launcher, neo4j_load
from kg import neo4j_server as server
from kg.config import Neo4jConfig
from kg.graph_rows import node_index
from kg.neo4j_load import PENDING, load_graph
from kg.schema import SchemaError
from kg.store.neo4j import Neo4jStore, SimulatedCrash, plan_load
from kg.store.neo4j_bulk import ABSENT, BulkImportUnsupported, bulk_tables, import_args
from kg.types import Edge, GraphSnapshot, Node
from tests.neo4j_fixture import TEST_PASSWORD
from tests.store.test_neo4j_store import SCHEMA, _ev, make_snapshot


def tricky_snapshot() -> GraphSnapshot:
    """:func:`make_snapshot` plus values a CSV file gets wrong easily: quotes, commas, line breaks, an
    empty name, unicode, a list with one item, and empty lists on nodes and edges."""
    base = make_snapshot(7, 5, 4)
    odd = Node(
        id="DOID:9999", label="Disease", name='Crohn\'s "disease", type 1;\nsecond line', xrefs=("MESH:D1", "ICD:K50")
    )
    blank = Node(id="DOID:9998", label="Disease", name="", sources=("text",))
    drug = base.nodes[0].id
    edges = (
        Edge(head=drug, type="TREATS", tail=odd.id, sources=("text",), confidence=0.1 + 0.2, evidence_count=1),
        Edge(head=drug, type="TREATS", tail=blank.id, subtype=None, extractors=("rules",), model_versions=()),
    )
    ev = _ev(drug, "TREATS", odd.id, "doc-odd", 0, sentence='He said "take it",\r\nthen stopped — ünïcode')
    return GraphSnapshot(
        nodes=(*base.nodes, odd, blank),
        edges=(*base.edges, *edges),
        evidence=(*base.evidence, ev),
        hypotheses=base.hypotheses,
    )


def dump(store: Neo4jStore) -> tuple[list, list]:
    """Every node (but LoadRun) and relationship with all properties and their types, sorted."""
    nodes = store.execute_read("MATCH (n) WHERE NOT n:LoadRun RETURN labels(n) AS labels, properties(n) AS props")
    rels = store.execute_read(
        "MATCH (a)-[r]->(b) RETURN a.id AS head, type(r) AS type, b.id AS tail, properties(r) AS props"
    )

    def typed(props: dict) -> list:
        return sorted((k, type(v).__name__, v) for k, v in props.items())

    return (
        sorted((sorted(r["labels"]), r["props"]["id"], typed(r["props"])) for r in nodes),
        sorted((r["head"], r["type"], r["tail"], typed(r["props"])) for r in rels),
    )


# ---- pure core -----------------------------------------------------------------------------------


def test_tables_hold_the_online_rows_typed_and_empty_lists_are_no_property():
    snapshot = tricky_snapshot()
    plan = plan_load(snapshot, SCHEMA)
    bulk = bulk_tables(plan, SCHEMA)
    by_name = {t.name: t for t in bulk.tables}
    disease = by_name["Disease.nodes.csv"]
    assert disease.header[0] == "id:ID(medkg)"
    assert set(disease.header[1:]) == {"name:string", "xrefs:string[]", "sources:string[]", "unlinked:boolean"}
    col = {h.split(":")[0]: i for i, h in enumerate(disease.header)}
    row = next(r for r in disease.rows if r[0] == "DOID:9999")
    assert row[col["xrefs"]] == "MESH:D1\x1fICD:K50" and row[col["unlinked"]] == "false"
    blank = next(r for r in disease.rows if r[0] == "DOID:9998")
    # an empty string stays a string; an empty list is no property
    assert blank[col["name"]] == "" and blank[col["xrefs"]] is ABSENT
    # the plan (both loads' rows) holds no empty list: nothing is left for a server-side pass
    rows = [r for part in (plan.nodes, plan.edges, plan.hypotheses) for group in part.values() for r in group]
    assert not [k for r in rows for k, v in r["props"].items() if v == []]
    treats = next(r for r in plan.edges[("TREATS", "Drug", "Disease")] if r["tail"] == "DOID:9998")["props"]
    assert treats["extractors"] == ["rules"] and "model_versions" not in treats and "sources" not in treats
    assert bulk.multiline
    assert sum(len(t.rows) for t in bulk.tables if t.kind == "relationships") == (
        len(snapshot.edges) + len(snapshot.hypotheses) + 2 * len({r["id"] for g in plan.evidence.values() for r in g})
    )
    plan_dir = Path("/x")
    args = import_args(bulk, plan_dir)
    assert args[:4] == ["database", "import", "full", "neo4j"]
    assert {"--bad-tolerance=0", "--strict=true", "--skip-bad-relationships=false", "--multiline-fields=true"} <= set(
        args
    )
    assert f"--relationships=TREATS={plan_dir / 'TREATS.Drug.Disease.edges.csv'}" in args


def test_values_the_csv_cannot_carry_are_refused_before_anything_is_touched():
    base = make_snapshot(3, 3, 3)
    delim = base.nodes[0].model_copy(update={"xrefs": ("MESH:\x1fD1",)})
    with pytest.raises(BulkImportUnsupported, match="delimiter"):
        bulk_tables(plan_load(base.model_copy(update={"nodes": (delim, *base.nodes[1:])}), SCHEMA), SCHEMA)
    plan = plan_load(base, SCHEMA)
    plan.nodes["Drug"][1]["props"]["name"] = 7  # a property with two types (str and int)
    with pytest.raises(BulkImportUnsupported, match="values of"):
        bulk_tables(plan, SCHEMA)
    plan = plan_load(base, SCHEMA)
    plan.nodes["Disease"][0]["props"]["xrefs"] = []  # the CSV would read it back as absent
    with pytest.raises(BulkImportUnsupported, match="empty list"):
        bulk_tables(plan, SCHEMA)
    plan = plan_load(base, SCHEMA)
    plan.nodes["Bogus"] = plan.nodes.pop("Drug")
    with pytest.raises(SchemaError):
        bulk_tables(plan, SCHEMA)
    assert node_index(base.nodes, SCHEMA)


# ---- against real servers ------------------------------------------------------------------------


@pytest.fixture()
def online_dump(neo4j_server):
    """The graph the online load makes of :func:`tricky_snapshot` (session server, emptied before and after)."""
    with Neo4jStore(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"], batch_size=4) as s:
        s.execute_write("MATCH (n) DETACH DELETE n")
        s.ensure_constraints(SCHEMA)
        s.load(tricky_snapshot(), SCHEMA, "online-1")
        got = dump(s), s.counts(SCHEMA)
        s.execute_write("MATCH (n) DETACH DELETE n")
    return got


def _own_server(neo4j_home) -> Neo4jConfig:
    home, port = neo4j_home
    server.start(home, port=port, password=TEST_PASSWORD, timeout=300.0, fast_start=True)
    return Neo4jConfig(uri=server.bolt_uri(port), user=server.USER, password=TEST_PASSWORD, home=str(home))


def _runs(cfg: Neo4jConfig) -> list[tuple[str, str, str]]:
    with Neo4jStore.from_config(cfg) as s:
        rows = s.execute_read(
            "MATCH (r:LoadRun) RETURN r.id AS id, r.status AS status, r.method AS method ORDER BY r.started, r.id"
        )
    return [(r["id"], r["status"], r["method"]) for r in rows]


@pytest.mark.neo4j
def test_bulk_import_gives_the_graph_of_the_online_load_then_reloads_online(online_dump, neo4j_home, neo4j_server):
    cfg = _own_server(neo4j_home)
    result = load_graph(tricky_snapshot(), SCHEMA, cfg, "bulk-1")
    assert result["method"] == "bulk-import"
    assert not (neo4j_home[0] / PENDING).exists() and not (neo4j_home[0] / neo4j_load.IMPORT_DIR).exists()
    with Neo4jStore.from_config(cfg) as s:
        assert (dump(s), s.counts(SCHEMA)) == online_dump
        constraints = s.execute_read("SHOW CONSTRAINTS YIELD name RETURN count(*) AS n")[0]["n"]
        assert constraints == len(SCHEMA.nodes) + 2
    # the database is no longer empty: the next load is the online MERGE one, and changes nothing
    again = load_graph(tricky_snapshot(), SCHEMA, cfg, "online-2")
    assert again["method"] == "online"
    assert (again["rows_written"], again["rows_unchanged"] > 0) == (0, True)  # the import recorded its groups
    with Neo4jStore.from_config(cfg) as s:
        assert (dump(s), s.counts(SCHEMA)) == online_dump
    full = load_graph(tricky_snapshot(), SCHEMA, cfg.model_copy(update={"full_load": True}), "online-3")
    assert (full["rows_unchanged"], full["rows_written"]) == (0, again["rows_unchanged"])  # neo4j.full_load
    assert _runs(cfg) == [
        ("bulk-1", "complete", "bulk-import"),
        ("online-2", "complete", "online"),
        ("online-3", "complete", "online"),
    ]


@pytest.mark.neo4j
def test_a_bulk_import_killed_anywhere_is_redone_by_the_next_load(online_dump, neo4j_home, neo4j_server, monkeypatch):
    cfg = _own_server(neo4j_home)
    home = neo4j_home[0]
    # 1. killed in the admin tool: the server is down, the store files are whatever the tool left
    real_admin = neo4j_launcher.run_admin

    def dies_in_import(*args, **kwargs):
        (home / "data" / "databases" / "neo4j" / "neostore").write_bytes(b"half-written")
        raise SimulatedCrash("killed during neo4j-admin")

    monkeypatch.setattr(neo4j_load, "run_admin", dies_in_import)
    with pytest.raises(SimulatedCrash):
        load_graph(tricky_snapshot(), SCHEMA, cfg, "bulk-1")
    assert (home / PENDING).is_file() and not server.status(home)["running"]
    # 2. killed after the restart, before the LoadRun is complete: the graph is there, the marker too
    monkeypatch.setattr(neo4j_load, "run_admin", real_admin)
    real_finish = neo4j_load.finish_bulk

    def dies_in_finish(store, *args, **kwargs):
        store.execute_write("CREATE (:Drug {id: 'DRUGBANK:DB99999', name: 'written after the import'})")
        raise SimulatedCrash("killed before the LoadRun")

    monkeypatch.setattr(neo4j_load, "finish_bulk", dies_in_finish)
    with pytest.raises(SimulatedCrash):
        load_graph(tricky_snapshot(), SCHEMA, cfg, "bulk-2")
    assert (home / PENDING).is_file() and server.status(home)["ready"]
    # 3. the next load sees the marker and imports again, into the same graph as the online load
    monkeypatch.setattr(neo4j_load, "finish_bulk", real_finish)
    result = load_graph(tricky_snapshot(), SCHEMA, cfg, "bulk-3")
    assert result["method"] == "bulk-import" and not (home / PENDING).exists()
    with Neo4jStore.from_config(cfg) as s:
        assert (dump(s), s.counts(SCHEMA)) == online_dump
    assert _runs(cfg) == [("bulk-3", "complete", "bulk-import")]


@pytest.mark.neo4j
def test_only_an_empty_database_of_a_local_server_medkg_runs_is_bulk_imported(neo4j_server, tmp_path):
    cfg = Neo4jConfig(uri=neo4j_server["uri"], user=neo4j_server["user"], password=neo4j_server["password"])
    with Neo4jStore.from_config(cfg) as s:
        s.execute_write("MATCH (n) DETACH DELETE n")
        # a home where no server runs on the URI's port: online
        assert neo4j_load.bulk_home(cfg.model_copy(update={"home": str(tmp_path)}), s) is None
        if "home" in neo4j_server:  # the session server is one medkg started (no external NEO4J_URI)
            own = cfg.model_copy(update={"home": neo4j_server["home"]})
            assert neo4j_load.bulk_home(own, s) == Path(neo4j_server["home"]).resolve()
            assert neo4j_load.bulk_home(own.model_copy(update={"bulk_import": False}), s) is None
            assert neo4j_load.bulk_home(own.model_copy(update={"database": "other"}), s) is None
            s.execute_write("CREATE (:Drug {id: 'DRUGBANK:DB00001'})")
            assert neo4j_load.bulk_home(own, s) is None  # not empty: MERGE batches
        s.execute_write("MATCH (n) DETACH DELETE n")
