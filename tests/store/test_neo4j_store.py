"""Neo4jStore against a real Neo4j server: constraints, idempotent loads, crash safety, predictions."""

from __future__ import annotations

import json
import logging

import pytest

from kg.config import Neo4jConfig
from kg.graph_rows import edge_props, evidence_id, evidence_props, hypothesis_props, node_index, node_props
from kg.schema import SchemaError, load_schema
from kg.store.neo4j import LOAD_RUN_FIELDS, Neo4jStore, Neo4jStoreError, SimulatedCrash, plan_load
from kg.store.neo4j_cypher import cypher_merge_edges, neo4j_props
from kg.store.neo4j_delta import _bucket
from kg.types import Edge, Evidence, GraphSnapshot, Hypothesis, Node, PathContribution

SCHEMA = load_schema()


# ---- snapshot builders ---------------------------------------------------------------------------


def _ev(head: str, rel: str, tail: str, doc: str, i: int, **kw) -> Evidence:
    base = dict(
        head=head,
        type=rel,
        tail=tail,
        doc_id=doc,
        sentence_index=i,
        head_start=0,
        head_end=5,
        tail_start=10,
        tail_end=15,
        sentence=f"sentence {doc}/{i} about {head} and {tail}",
        extractor="rules",
        extractor_version="1.0",
        confidence=0.8,
        assertion="present",
        asserted=True,
    )
    base.update(kw)
    return Evidence(**base)


def make_snapshot(n_drugs: int, n_diseases: int, n_symptoms: int, hyp_run: str = "gnn-1") -> GraphSnapshot:
    """A deterministic graph; a bigger call is a superset of a smaller one with identical properties.

    Needs at least 3 diseases and 3 symptoms.
    """
    drugs = [
        Node(id=f"DRUGBANK:DB{i:05d}", label="Drug", name=f"drug {i}", xrefs=(f"MESH:C{i:06d}",), sources=("hetionet",))
        for i in range(n_drugs)
    ]
    diseases = [Node(id=f"DOID:{1000 + i}", label="Disease", name=f"disease {i}") for i in range(n_diseases)]
    symptoms = [Node(id=f"HP:{2000 + i:07d}", label="Symptom", name=f"symptom {i}") for i in range(n_symptoms)]
    edges, evidence, hyps = [], [], []
    for i, d in enumerate(drugs):
        targets = [diseases[i % 3]] + ([diseases[i]] if 3 <= i < n_diseases else [])
        for dis in targets:
            edges.append(
                Edge(
                    head=d.id,
                    type="TREATS",
                    tail=dis.id,
                    sources=("doc", "hetionet"),
                    evidence_count=2,
                    doc_count=2,
                    confidence=0.5 + (i % 5) / 10,
                    best_confidence=0.95,
                    extractors=("rules",),
                    model_versions=("rules-1.0",),
                    first_seen="2024-01-01",
                    last_seen="2024-03-01",
                )
            )
            evidence.append(_ev(d.id, "TREATS", dis.id, f"doc-{i}", 0))
            evidence.append(_ev(d.id, "TREATS", dis.id, f"doc-{i}", 1, assertion="negated", asserted=False))
        if i + 1 < n_drugs:
            edges.append(Edge(head=d.id, type="INTERACTS_WITH", tail=drugs[i + 1].id, evidence_count=1))
        other = diseases[(i + 1) % 3]
        hyps.append(
            Hypothesis(
                head=d.id,
                type="PREDICTED_TREATS",
                tail=other.id,
                score=0.9 - i / 1000,
                rank=i + 1,
                model_version="rgcn-1",
                run_id=hyp_run,
                explanation=(
                    PathContribution(
                        nodes=(d.id, diseases[i % 3].id, other.id), relations=("TREATS", "RESEMBLES"), contribution=0.5
                    ),
                ),
            )
        )
    for j, dis in enumerate(diseases):
        targets = [symptoms[j % 3], symptoms[(j + 1) % 3]] + ([symptoms[j]] if 3 <= j < n_symptoms else [])
        for s in targets:
            edges.append(Edge(head=dis.id, type="HAS_SYMPTOM", tail=s.id, sources=("hpo",)))
    return GraphSnapshot(
        nodes=tuple(drugs + diseases + symptoms), edges=tuple(edges), evidence=tuple(evidence), hypotheses=tuple(hyps)
    )


# ---- helpers -------------------------------------------------------------------------------------


def dump(store: Neo4jStore) -> tuple[list, list]:
    """Every node (but LoadRun) and every relationship with all properties, sorted."""
    nodes = store.execute_read("MATCH (n) WHERE NOT n:LoadRun RETURN labels(n) AS labels, properties(n) AS props")
    rels = store.execute_read(
        "MATCH (a)-[r]->(b) RETURN a.id AS head, type(r) AS type, b.id AS tail, properties(r) AS props"
    )
    key_n = sorted((sorted(r["labels"]), r["props"]["id"], sorted(r["props"].items())) for r in nodes)
    key_r = sorted((r["head"], r["type"], r["tail"], sorted(r["props"].items())) for r in rels)
    return key_n, key_r


def expected_counts(snapshot: GraphSnapshot) -> dict[str, dict[str, int]]:
    nodes = {label: 0 for label in SCHEMA.nodes}
    for n in snapshot.nodes:
        nodes[n.label] += 1
    edges = {rel: 0 for rel in SCHEMA.relationships}
    for e in snapshot.edges:
        edges[e.type] += 1
    for h in snapshot.hypotheses:
        edges[h.type] += 1
    return {"nodes": nodes, "edges": edges}


@pytest.fixture()
def store(neo4j_server):
    s = Neo4jStore(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"], batch_size=3)
    s.execute_write("MATCH (n) DETACH DELETE n")
    yield s
    s.execute_write("MATCH (n) DETACH DELETE n")
    s.close()


# ---- configuration (no server needed) ------------------------------------------------------------


def test_missing_uri_or_password_is_a_clear_error():
    with pytest.raises(Neo4jStoreError, match="NEO4J_URI"):
        Neo4jStore.from_config(Neo4jConfig(uri="", password="x"))
    with pytest.raises(Neo4jStoreError, match="NEO4J_PASSWORD"):
        Neo4jStore.from_config(Neo4jConfig(uri="bolt://localhost:1", password=""))


def test_password_is_never_logged_or_shown(caplog):
    caplog.set_level(logging.DEBUG)
    with Neo4jStore("bolt://localhost:1", "neo4j", "s3cret-pw") as s:  # the driver connects lazily
        assert "s3cret-pw" not in repr(s)
    assert "s3cret-pw" not in caplog.text


def test_cypher_names_come_only_from_the_schema():
    with pytest.raises(SchemaError, match="unknown relationship type"):
        cypher_merge_edges(SCHEMA, "TREATS]->() DETACH DELETE (h) //", "Drug", "Disease")
    with pytest.raises(SchemaError, match="unknown node label"):
        cypher_merge_edges(SCHEMA, "TREATS", "Drug`) DELETE h //", "Disease")
    q = cypher_merge_edges(SCHEMA, "TREATS", "Drug", "Disease")
    assert "$rows" in q and "row.head" in q and "`TREATS`" in q


# ---- server tests --------------------------------------------------------------------------------


@pytest.mark.neo4j
def test_ensure_constraints(store):
    store.ensure_constraints(SCHEMA)
    store.ensure_constraints(SCHEMA)  # idempotent
    rows = store.execute_read(
        "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties RETURN name, type, labelsOrTypes, properties"
    )
    unique_id = {r["labelsOrTypes"][0] for r in rows if r["type"] == "UNIQUENESS" and r["properties"] == ["id"]}
    assert unique_id >= set(SCHEMA.nodes) | {"Evidence", "LoadRun"}
    # the constraint is enforced
    store.execute_write("CREATE (:Drug {id: 'DRUGBANK:DB1'})")
    with pytest.raises(Exception, match="already exists"):
        store.execute_write("CREATE (:Drug {id: 'DRUGBANK:DB1'})")


@pytest.mark.neo4j
def test_counts_shape_on_empty_database(store):
    counts = store.counts(SCHEMA)
    assert counts == {"nodes": {label: 0 for label in SCHEMA.nodes}, "edges": {rel: 0 for rel in SCHEMA.relationships}}


@pytest.mark.neo4j
def test_load_twice_gives_identical_counts_and_properties(store):
    store.ensure_constraints(SCHEMA)
    snap = make_snapshot(5, 3, 4)
    first = store.load(snap, SCHEMA, run_id="run-1")
    dump1 = dump(store)
    second = store.load(snap, SCHEMA, run_id="run-2")
    dump2 = dump(store)
    assert first["counts"] == second["counts"] == store.counts(SCHEMA) == expected_counts(snap)
    assert dump1 == dump2
    # stored properties are exactly the snapshot's
    nodes = node_index(snap.nodes, SCHEMA)
    props = store.execute_read("MATCH (n:Drug {id: $id}) RETURN properties(n) AS p", {"id": snap.nodes[0].id})
    assert props[0]["p"] == neo4j_props(node_props(snap.nodes[0]))
    e = snap.edges[0]
    props = store.execute_read(
        "MATCH (:Drug {id: $h})-[r:TREATS]->(:Disease {id: $t}) RETURN properties(r) AS p", {"h": e.head, "t": e.tail}
    )
    assert props == [{"p": neo4j_props(edge_props(e))}]
    h = snap.hypotheses[0]
    props = store.execute_read(
        "MATCH (:Drug {id: $h})-[r:PREDICTED_TREATS]->(:Disease {id: $t}) RETURN properties(r) AS p",
        {"h": h.head, "t": h.tail},
    )
    assert props == [{"p": neo4j_props(hypothesis_props(h, nodes))}]
    assert props[0]["p"]["support_paths"] == [
        "drug 0 [DRUGBANK:DB00000] -[TREATS]- disease 0 [DOID:1000] "
        "-[RESEMBLES]- disease 1 [DOID:1001] (contribution 0.5)"
    ]
    runs = store.execute_read("MATCH (r:LoadRun) RETURN r.id AS id, r.status AS status ORDER BY id")
    assert runs == [{"id": "run-1", "status": "complete"}, {"id": "run-2", "status": "complete"}]


@pytest.mark.neo4j
def test_evidence_nodes_link_subject_and_object(store):
    snap = make_snapshot(2, 3, 3)
    store.load(snap, SCHEMA, run_id="run-1")
    rows = store.execute_read(
        "MATCH (h)<-[:SUBJECT]-(e:Evidence)-[:OBJECT]->(t) RETURN e.id AS id, h.id AS head, t.id AS tail, "
        "properties(e) AS props ORDER BY id"
    )
    expected = sorted(snap.evidence, key=evidence_id)
    assert [r["id"] for r in rows] == [evidence_id(ev) for ev in expected]
    for row, ev in zip(rows, expected, strict=True):
        assert (row["head"], row["tail"]) == (ev.head, ev.tail)
        assert row["props"] == evidence_props(ev)
    assert rows[0]["props"]["rel_type"] == "TREATS" and {r["props"]["asserted"] for r in rows} == {True, False}


@pytest.mark.neo4j
def test_crash_mid_load_keeps_previous_graph_then_reload_completes(store):
    store.ensure_constraints(SCHEMA)
    small = make_snapshot(4, 3, 3)
    big = make_snapshot(12, 5, 6)
    # the big snapshot is a superset of the small one with the same properties
    assert set(small.nodes) <= set(big.nodes) and set(small.edges) <= set(big.edges)
    assert set(small.evidence) <= set(big.evidence) and set(small.hypotheses) <= set(big.hypotheses)
    store.load(small, SCHEMA, run_id="run-small")
    before_nodes, before_rels = dump(store)

    with pytest.raises(SimulatedCrash):
        store.load(big, SCHEMA, run_id="run-big", fail_after_batches=10)  # batch_size=3: 8 node batches, then edges
    after_nodes, after_rels = dump(store)
    assert set(map(repr, before_nodes)) <= set(map(repr, after_nodes))
    assert set(map(repr, before_rels)) <= set(map(repr, after_rels))
    assert len(after_nodes) + len(after_rels) > len(before_nodes) + len(before_rels)  # it did get part-way
    # no dangling or half-made elements: every node has the snapshot's full property set, every
    # relationship joins two such nodes, every evidence node has both ends
    bare = store.execute_read(
        "MATCH (n) WHERE NOT n:LoadRun AND (n.id IS NULL OR n.name IS NULL AND NOT n:Evidence) RETURN count(n) AS n"
    )
    assert bare == [{"n": 0}]
    half = store.execute_read(
        "MATCH (e:Evidence) WHERE NOT (e)-[:SUBJECT]->() OR NOT (e)-[:OBJECT]->() RETURN count(e) AS n"
    )
    assert half == [{"n": 0}]
    big_ids = {n.id for n in big.nodes}
    stray = store.execute_read(
        "MATCH (a)-[r]->(b) WHERE NOT a:Evidence AND NOT (a.id IN $ids AND b.id IN $ids) RETURN count(r) AS n",
        {"ids": sorted(big_ids)},
    )
    assert stray == [{"n": 0}]
    status = store.execute_read("MATCH (r:LoadRun) RETURN r.id AS id, r.status AS status ORDER BY id")
    assert status == [{"id": "run-big", "status": "running"}, {"id": "run-small", "status": "complete"}]

    result = store.load(big, SCHEMA, run_id="run-big-retry")
    assert result["counts"] == expected_counts(big)
    assert store.execute_read("MATCH (e:Evidence) RETURN count(e) AS n") == [{"n": len(big.evidence)}]
    final = store.execute_read("MATCH (r:LoadRun {id: 'run-big-retry'}) RETURN r.status AS s")
    assert final == [{"s": "complete"}]
    # and the result equals a fresh load of the big snapshot
    full = dump(store)
    store.execute_write("MATCH (n) DETACH DELETE n")
    store.load(big, SCHEMA, run_id="fresh")
    assert dump(store) == full


@pytest.mark.neo4j
def test_hypotheses_never_replace_asserted_edges_and_stale_ones_are_pruned(store):
    nodes = (
        Node(id="DRUGBANK:DB00331", label="Drug", name="Metformin"),
        Node(id="DRUGBANK:DB00945", label="Drug", name="Aspirin"),
        Node(id="DOID:9352", label="Disease", name="type 2 diabetes"),
        Node(id="DOID:10763", label="Disease", name="hypertension"),
        Node(id="HP:0000103", label="Symptom", name="Polyuria"),
    )
    treats = Edge(
        head="DRUGBANK:DB00331", type="TREATS", tail="DOID:9352", sources=("doc",), evidence_count=4, confidence=0.9
    )
    has_symptom = Edge(head="DOID:9352", type="HAS_SYMPTOM", tail="HP:0000103", evidence_count=1)

    def hyp(head, tail, score, rank, run, rel="PREDICTED_TREATS"):
        return Hypothesis(head=head, type=rel, tail=tail, score=score, rank=rank, model_version="m1", run_id=run)

    run1 = GraphSnapshot(
        nodes=nodes,
        edges=(treats, has_symptom),
        hypotheses=(
            hyp("DRUGBANK:DB00331", "DOID:9352", 0.8, 1, "gnn-1"),  # same pair as the asserted edge
            hyp("DRUGBANK:DB00945", "DOID:10763", 0.4, 2, "gnn-1"),
            hyp("DOID:10763", "HP:0000103", 0.3, 1, "gnn-1", rel="HAS_SYMPTOM"),  # given as the asserted type
        ),
    )
    store.load(run1, SCHEMA, run_id="load-1")
    pair = store.execute_read(
        "MATCH (:Drug {id: 'DRUGBANK:DB00331'})-[r]->(:Disease {id: 'DOID:9352'}) "
        "RETURN type(r) AS type, properties(r) AS p ORDER BY type"
    )
    assert [r["type"] for r in pair] == ["PREDICTED_TREATS", "TREATS"]
    assert pair[1]["p"] == neo4j_props(edge_props(treats))
    assert pair[0]["p"]["score"] == 0.8 and pair[0]["p"]["predicted"] is True
    assert store.counts(SCHEMA)["edges"]["PREDICTED_HAS_SYMPTOM"] == 1

    # a later run predicts only Aspirin -> T2D: earlier PREDICTED_TREATS pairs go, asserted ones stay,
    # predicted types absent from the new snapshot (PREDICTED_HAS_SYMPTOM) are left alone
    run2 = GraphSnapshot(
        nodes=nodes, edges=(treats, has_symptom), hypotheses=(hyp("DRUGBANK:DB00945", "DOID:9352", 0.7, 1, "gnn-2"),)
    )
    result = store.load(run2, SCHEMA, run_id="load-2")
    assert result["pruned"] == {"PREDICTED_TREATS": 2}
    rels = store.execute_read(
        "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS type, b.id AS b, r.run_id AS run ORDER BY a, type, b"
    )
    assert rels == [
        {"a": "DOID:10763", "type": "PREDICTED_HAS_SYMPTOM", "b": "HP:0000103", "run": "gnn-1"},
        {"a": "DOID:9352", "type": "HAS_SYMPTOM", "b": "HP:0000103", "run": None},
        {"a": "DRUGBANK:DB00331", "type": "TREATS", "b": "DOID:9352", "run": None},
        {"a": "DRUGBANK:DB00945", "type": "PREDICTED_TREATS", "b": "DOID:9352", "run": "gnn-2"},
    ]
    asserted = store.execute_read("MATCH (:Drug {id: 'DRUGBANK:DB00331'})-[r:TREATS]->() RETURN properties(r) AS p")
    assert asserted == [{"p": neo4j_props(edge_props(treats))}]


def test_plan_refuses_an_invalid_snapshot():
    bad = GraphSnapshot(
        nodes=(Node(id="DRUGBANK:DB1", label="Drug", name="x"),),
        edges=(Edge(head="DRUGBANK:DB1", type="TREATS", tail="DOID:404"),),
    )
    with pytest.raises(SchemaError, match="'DOID:404' is not in the snapshot"):
        plan_load(bad, SCHEMA)


@pytest.mark.neo4j
def test_an_invalid_row_is_skipped_and_counted_while_the_rest_loads(store):
    bad = GraphSnapshot(
        nodes=(
            Node(id="DRUGBANK:DB1", label="Drug", name="x"),
            Node(id="MESH:D007319", label="Symptom", name="sleep disorder"),
            Node(id="MESH:D003221", label="Symptom", name="fatigue"),
        ),
        edges=(
            Edge(head="DRUGBANK:DB1", type="TREATS", tail="DOID:404"),
            Edge(head="MESH:D007319", type="HAS_SYMPTOM", tail="MESH:D003221"),
        ),
    )
    result = store.load(bad, SCHEMA, run_id="bad")
    assert result["skipped"] == {"edge": 2}
    assert store.execute_read("MATCH (n) WHERE NOT n:LoadRun RETURN count(n) AS n") == [{"n": 3}]
    assert store.execute_read("MATCH ()-[r]->() RETURN count(r) AS n") == [{"n": 0}]
    run = store.execute_read("MATCH (r:LoadRun {id: 'bad'}) RETURN r.status AS status, r.skipped AS skipped")
    assert run == [{"status": "complete", "skipped": '{"edge": 2}'}]


def ddi_snapshot(subtype: str = "effect", evidence_subtype: str | None = "effect") -> GraphSnapshot:
    """Two drugs with one subtyped INTERACTS_WITH edge and its evidence, plus a plain TREATS edge."""
    warfarin, amiodarone = "DRUGBANK:DB00682", "DRUGBANK:DB01118"
    return GraphSnapshot(
        nodes=(
            Node(id=warfarin, label="Drug", name="Warfarin"),
            Node(id=amiodarone, label="Drug", name="Amiodarone"),
            Node(id="DOID:1000", label="Disease", name="disease 0"),
        ),
        edges=(
            Edge(
                head=warfarin,
                type="INTERACTS_WITH",
                tail=amiodarone,
                sources=("text",),
                evidence_count=2,
                subtype=subtype,
                subtypes=(subtype, "mechanism"),
            ),
            Edge(head=warfarin, type="TREATS", tail="DOID:1000", evidence_count=1),
        ),
        evidence=(
            _ev(warfarin, "INTERACTS_WITH", amiodarone, "doc-1", 0, extractor="trained", subtype=evidence_subtype),
            _ev(warfarin, "TREATS", "DOID:1000", "doc-1", 1),
        ),
    )


def test_plan_refuses_a_subtype_the_schema_does_not_allow():
    with pytest.raises(SchemaError, match="unknown INTERACTS_WITH subtype 'synergy'"):
        plan_load(ddi_snapshot(subtype="synergy"), SCHEMA)
    bad_evidence = ddi_snapshot().model_copy(
        update={"evidence": (_ev("DRUGBANK:DB00682", "TREATS", "DOID:1000", "doc-1", 1, subtype="effect"),)}
    )
    with pytest.raises(SchemaError, match="evidence in 'doc-1' for .*TREATS carries no subtype"):
        plan_load(bad_evidence, SCHEMA)


@pytest.mark.neo4j
def test_ddi_subtype_is_a_property_of_the_edge_and_its_evidence(store):
    snap = ddi_snapshot()
    store.load(snap, SCHEMA, run_id="run-ddi")
    rel = store.execute_read(
        "MATCH (:Drug {id: $h})-[r:INTERACTS_WITH]->(:Drug {id: $t}) RETURN properties(r) AS p",
        {"h": "DRUGBANK:DB00682", "t": "DRUGBANK:DB01118"},
    )
    assert rel == [{"p": neo4j_props(edge_props(snap.edges[0]))}]
    assert rel[0]["p"]["subtype"] == "effect" and rel[0]["p"]["subtypes"] == ["effect", "mechanism"]
    treats = store.execute_read("MATCH ()-[r:TREATS]->() RETURN properties(r) AS p")
    assert "subtype" not in treats[0]["p"] and "subtypes" not in treats[0]["p"]
    ev = store.execute_read(
        "MATCH (e:Evidence) RETURN e.rel_type AS rel, e.subtype AS subtype, properties(e) AS p ORDER BY rel"
    )
    assert [(r["rel"], r["subtype"]) for r in ev] == [("INTERACTS_WITH", "effect"), ("TREATS", None)]
    assert ev[0]["p"] == evidence_props(snap.evidence[0])
    # a re-load with another subtype replaces it (SET r = row.props), and dropping it removes it
    store.load(ddi_snapshot(subtype="advise", evidence_subtype=None), SCHEMA, run_id="run-ddi-2")
    rel = store.execute_read("MATCH ()-[r:INTERACTS_WITH]->() RETURN r.subtype AS s, r.subtypes AS ss")
    assert rel == [{"s": "advise", "ss": ["advise", "mechanism"]}]
    ev = store.execute_read("MATCH (e:Evidence {rel_type: 'INTERACTS_WITH'}) RETURN e.subtype AS s")
    assert ev == [{"s": None}]


@pytest.mark.neo4j
def test_a_bad_subtype_edge_is_skipped_and_the_rest_loads(store):
    result = store.load(ddi_snapshot(subtype="synergy"), SCHEMA, run_id="bad")
    assert result["skipped"] == {"edge": 1}
    assert store.execute_read("MATCH ()-[r:INTERACTS_WITH]->() RETURN count(r) AS n") == [{"n": 0}]
    assert store.execute_read("MATCH ()-[r:TREATS]->() RETURN count(r) AS n") == [{"n": 1}]
    assert store.execute_read("MATCH (e:Evidence) RETURN count(e) AS n") == [{"n": 2}]


def test_plan_is_deterministic():
    snap = make_snapshot(6, 3, 3)
    reversed_snap = GraphSnapshot(
        nodes=snap.nodes[::-1], edges=snap.edges[::-1], evidence=snap.evidence[::-1], hypotheses=snap.hypotheses[::-1]
    )
    assert plan_load(snap, SCHEMA) == plan_load(reversed_snap, SCHEMA)


def test_record_load_run_refuses_an_unknown_field():
    store = Neo4jStore("bolt://127.0.0.1:1", "neo4j", "unused")  # the check comes before any connection
    with pytest.raises(ValueError, match="unknown LoadRun fields"):
        store.record_load_run("r", status="complete", colour="red")
    assert "status" in LOAD_RUN_FIELDS and "id" not in LOAD_RUN_FIELDS


@pytest.mark.neo4j
def test_an_empty_list_is_no_property_and_the_load_run_is_one_record(store):
    """The graph's convention (kg.store.neo4j_cypher.neo4j_props): an empty list is stored as no property, by the
    online load as by the bulk import; readers coalesce it back to []."""
    base = make_snapshot(3, 3, 3)
    bare = Node(id="DOID:9998", label="Disease", name="bare")  # no xrefs, no sources
    edge = Edge(head=base.nodes[0].id, type="TREATS", tail=bare.id, sources=("text",), extractors=("rules",))
    snap = base.model_copy(update={"nodes": (*base.nodes, bare), "edges": (*base.edges, edge)})
    store.ensure_constraints(SCHEMA)
    store.load(snap, SCHEMA, run_id="run-1")
    node = store.execute_read("MATCH (n:Disease {id: 'DOID:9998'}) RETURN properties(n) AS p")[0]["p"]
    assert "xrefs" not in node and "sources" not in node and node["name"] == "bare"
    rel = store.execute_read(
        "MATCH (:Drug {id: $h})-[r:TREATS]->(:Disease {id: 'DOID:9998'}) "
        "RETURN properties(r) AS p, coalesce(r.model_versions, []) AS versions",
        {"h": edge.head},
    )[0]
    assert "model_versions" not in rel["p"] and rel["versions"] == [] and rel["p"]["extractors"] == ["rules"]
    empty = store.execute_read("MATCH ()-[r]->() WHERE any(k IN keys(r) WHERE r[k] = []) RETURN count(r) AS n")
    assert empty == [{"n": 0}]
    run = store.execute_read("MATCH (r:LoadRun {id: 'run-1'}) RETURN properties(r) AS p")[0]["p"]
    assert set(run) == {"id", *LOAD_RUN_FIELDS} - {"error", "source", "state"}  # error never set, no store state given
    assert run["status"] == "complete" and run["method"] == "online"
    assert json.loads(run["planned"])["nodes"]["Disease"] == 4


@pytest.mark.neo4j
def test_a_load_writes_only_the_groups_that_changed_and_ends_as_a_full_load(store):
    store.ensure_constraints(SCHEMA)
    snap = make_snapshot(5, 3, 4)
    first = store.load(snap, SCHEMA, run_id="run-1")
    assert first["rows_unchanged"] == 0 and first["rows_written"] > 0
    again = store.load(snap, SCHEMA, run_id="run-2")
    assert (again["rows_written"], again["rows_unchanged"]) == (0, first["rows_written"])
    # one edge's confidence changes: only the rows of its (TREATS, Drug, Disease) group are written
    edge = snap.edges[0]
    assert edge.type == "TREATS"
    changed = snap.model_copy(update={"edges": (edge.model_copy(update={"confidence": 0.11}), *snap.edges[1:])})
    treats = sum(1 for e in snap.edges if e.type == "TREATS")
    third = store.load(changed, SCHEMA, run_id="run-3")
    bucket = _bucket({"head": edge.head, "tail": edge.tail})  # only the changed row's digest bucket is written
    assert third["rows_written"] == sum(1 for e in snap.edges if e.type == "TREATS" and _bucket(vars(e)) == bucket)
    assert 1 <= third["rows_written"] < treats
    delta = dump(store)
    store.execute_write("MATCH (n) DETACH DELETE n")
    store.load(changed, SCHEMA, run_id="run-4")
    assert dump(store) == delta  # the same graph as a full load of the changed snapshot
    # a load that did not complete leaves no digests: the next one writes every group
    with pytest.raises(SimulatedCrash):
        store.load(snap, SCHEMA, run_id="run-5", fail_after_batches=1)
    after_crash = store.load(snap, SCHEMA, run_id="run-6")
    assert after_crash["rows_unchanged"] == 0
    assert store.load(snap, SCHEMA, run_id="run-7", full=True)["rows_unchanged"] == 0
    held = store.execute_read("MATCH (r:LoadRun) WHERE r.groups IS NOT NULL RETURN r.id AS id")
    assert held == [{"id": "run-7"}]
