"""Named Cypher queries: header parsing and parameter handling, then every query against a real server."""

from __future__ import annotations

import json

import pytest

from kg.queries import (
    QueryError,
    bind_params,
    get_query,
    graph_stats,
    list_queries,
    parse_params,
    parse_query_file,
    run_query,
    stats_from_rows,
)
from kg.schema import load_schema
from kg.store.neo4j import Neo4jStore
from kg.types import Edge, Evidence, GraphSnapshot, Hypothesis, Node, PathContribution

SCHEMA = load_schema()

METFORMIN, INSULIN, ASPIRIN, WARFARIN, IBUPROFEN = (
    "DRUGBANK:DB00331",
    "DRUGBANK:DB00047",
    "DRUGBANK:DB00945",
    "DRUGBANK:DB00682",
    "DRUGBANK:DB01050",
)
T2D, HTN, FLU, ULCER = "DOID:9352", "DOID:10763", "DOID:8469", "DOID:750"
POLYURIA, POLYDIPSIA, FATIGUE, FEVER, HEADACHE, GI_BLEED = (
    "HP:0000103",
    "HP:0001959",
    "HP:0012378",
    "HP:0001945",
    "HP:0002315",
    "HP:0002239",
)


def _ev(head, rel, tail, doc, idx, sentence, confidence, assertion="present", subtype=None):
    return Evidence(
        head=head,
        type=rel,
        tail=tail,
        doc_id=doc,
        sentence_index=idx,
        head_start=0,
        head_end=4,
        tail_start=10,
        tail_end=14,
        sentence=sentence,
        extractor="rules",
        extractor_version="1.0",
        confidence=confidence,
        assertion=assertion,
        asserted=assertion in ("present", "historical"),
        subtype=subtype,
    )


def _edge(head, rel, tail, n=0, conf=1.0, sources=("doc",), subtypes=()):
    return Edge(
        head=head,
        type=rel,
        tail=tail,
        evidence_count=n,
        doc_count=n,
        confidence=conf,
        sources=sources,
        subtype=subtypes[0] if subtypes else None,
        subtypes=subtypes,
    )


FIXTURE = GraphSnapshot(
    nodes=(
        Node(id=METFORMIN, label="Drug", name="Metformin"),
        Node(id=INSULIN, label="Drug", name="Insulin glargine"),
        Node(id=ASPIRIN, label="Drug", name="Aspirin"),
        Node(id=WARFARIN, label="Drug", name="Warfarin"),
        Node(id=IBUPROFEN, label="Drug", name="Ibuprofen"),
        Node(id=T2D, label="Disease", name="type 2 diabetes mellitus"),
        Node(id=HTN, label="Disease", name="hypertension"),
        Node(id=FLU, label="Disease", name="influenza"),
        Node(id=ULCER, label="Disease", name="peptic ulcer disease"),
        Node(id=POLYURIA, label="Symptom", name="Polyuria"),
        Node(id=POLYDIPSIA, label="Symptom", name="Polydipsia"),
        Node(id=FATIGUE, label="Symptom", name="Fatigue"),
        Node(id=FEVER, label="Symptom", name="Fever"),
        Node(id=HEADACHE, label="Symptom", name="Headache"),
        Node(id=GI_BLEED, label="Symptom", name="Gastrointestinal hemorrhage"),
    ),
    edges=(
        _edge(METFORMIN, "TREATS", T2D, 3, 0.9, ("doc", "hetionet")),
        _edge(INSULIN, "TREATS", T2D, 1, 0.8),
        _edge(ASPIRIN, "TREATS", FLU, 0, 1.0, ("hetionet",)),
        _edge(T2D, "HAS_SYMPTOM", POLYURIA, 2, 0.9),
        _edge(T2D, "HAS_SYMPTOM", POLYDIPSIA, 1, 0.8),
        _edge(T2D, "HAS_SYMPTOM", FATIGUE, 0, 1.0, ("hpo",)),
        _edge(FLU, "HAS_SYMPTOM", FEVER, 0, 1.0, ("hpo",)),
        _edge(FLU, "HAS_SYMPTOM", HEADACHE, 0, 1.0, ("hpo",)),
        _edge(FLU, "HAS_SYMPTOM", FATIGUE, 0, 1.0, ("hpo",)),
        _edge(HTN, "HAS_SYMPTOM", HEADACHE, 0, 1.0, ("hpo",)),
        _edge(ASPIRIN, "CAUSES", GI_BLEED, 2, 0.85),
        _edge(IBUPROFEN, "CAUSES", GI_BLEED, 1, 0.7),
        _edge(IBUPROFEN, "CAUSES", ULCER, 1, 0.6),
        _edge(ASPIRIN, "INTERACTS_WITH", WARFARIN, 1, 0.9, subtypes=("effect", "mechanism")),
        _edge(WARFARIN, "INTERACTS_WITH", IBUPROFEN, 0, 1.0, ("drugbank",)),
        _edge(METFORMIN, "INTERACTS_WITH", INSULIN, 0, 1.0, ("drugbank",)),
    ),
    evidence=(
        _ev(METFORMIN, "TREATS", T2D, "note-1", 0, "Started metformin for type 2 diabetes.", 0.95),
        _ev(METFORMIN, "TREATS", T2D, "note-2", 4, "Metformin continued for T2DM.", 0.7),
        _ev(METFORMIN, "TREATS", T2D, "note-3", 1, "Metformin was not given for diabetes.", 0.99, "negated"),
        _ev(INSULIN, "TREATS", T2D, "note-4", 2, "Insulin glargine for poorly controlled T2DM.", 0.8),
        _ev(ASPIRIN, "CAUSES", GI_BLEED, "note-5", 0, "GI bleed attributed to aspirin.", 0.85),
        _ev(ASPIRIN, "CAUSES", GI_BLEED, "note-6", 3, "Aspirin-induced hematemesis.", 0.6),
        _ev(ASPIRIN, "INTERACTS_WITH", WARFARIN, "note-7", 0, "Aspirin potentiates warfarin.", 0.9, subtype="effect"),
    ),
    hypotheses=(
        Hypothesis(
            head=WARFARIN,
            type="PREDICTED_TREATS",
            tail=T2D,
            score=0.7,
            rank=1,
            model_version="rgcn-1",
            run_id="gnn-1",
            explanation=(PathContribution(nodes=(WARFARIN, ASPIRIN), relations=("INTERACTS_WITH",), contribution=0.7),),
        ),
        Hypothesis(
            head=ASPIRIN, type="PREDICTED_TREATS", tail=T2D, score=0.6, rank=2, model_version="rgcn-1", run_id="gnn-1"
        ),
        Hypothesis(
            head=INSULIN, type="PREDICTED_TREATS", tail=T2D, score=0.5, rank=3, model_version="rgcn-1", run_id="gnn-1"
        ),
    ),
)


@pytest.fixture()
def graph(neo4j_server):
    store = Neo4jStore(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"])
    store.execute_write("MATCH (n) DETACH DELETE n")
    store.ensure_constraints(SCHEMA)
    store.load(FIXTURE, SCHEMA, run_id="fixture-load")
    yield store
    store.execute_write("MATCH (n) DETACH DELETE n")
    store.close()


# ---- parsing and parameters (no server) ----------------------------------------------------------

REQUIRED = {
    "drugs_treating_disease",
    "symptoms_of_disease",
    "diseases_for_symptoms",
    "drugs_causing_adverse_event",
    "interactions_among_drugs",
    "edge_provenance",
    "top_hypotheses_for_disease",
    "graph_stats",
}


def test_all_required_queries_exist_with_headers():
    specs = {s.name: s for s in list_queries()}
    assert REQUIRED <= set(specs)
    assert len(specs) >= 8
    for spec in specs.values():
        assert spec.purpose and spec.returns
        assert spec.path.name == f"{spec.name}.cypher"
        for p in spec.params:
            assert p.description, f"{spec.name}: ${p.name} has no description"


def test_get_query_unknown_lists_names():
    with pytest.raises(QueryError, match="unknown query 'nope'; known: .*drugs_treating_disease"):
        get_query("nope")


def test_parse_params_converts_lists_and_ints():
    spec = get_query("diseases_for_symptoms")
    assert parse_params(["symptoms=HP:0001945, Fatigue ,", "limit=5"], spec) == {
        "symptoms": ["HP:0001945", "Fatigue"],
        "limit": 5,
    }
    with pytest.raises(QueryError, match="not a valid int"):
        parse_params(["limit=five"], spec)
    with pytest.raises(QueryError, match="has no parameter 'disease'"):
        parse_params(["disease=x"], spec)
    with pytest.raises(QueryError, match="key=value"):
        parse_params(["symptoms"], spec)
    with pytest.raises(QueryError, match="given twice"):
        parse_params(["limit=1", "limit=2"], spec)


def test_bind_params_checks_missing_unexpected_and_types():
    spec = get_query("drugs_treating_disease")
    assert bind_params(spec, {"disease": "DOID:9352"}) == {"disease": "DOID:9352", "limit": 25, "examples": 3}
    with pytest.raises(QueryError, match=r"missing parameters \['disease'\]"):
        bind_params(spec, {})
    with pytest.raises(QueryError, match=r"unexpected parameters \['drug'\]"):
        bind_params(spec, {"disease": "x", "drug": "y"})
    with pytest.raises(QueryError, match=r"\$limit must be int"):
        bind_params(spec, {"disease": "x", "limit": "10"})
    with pytest.raises(QueryError, match="unexpected"):
        run_query(object(), "graph_stats", {"x": 1})


def test_header_must_declare_exactly_the_parameters_used(tmp_path):
    path = tmp_path / "bad.cypher"
    path.write_text(
        "// name: bad\n// purpose: p\n// params: $a (string): a\n// returns: x\n// example: a=1\nRETURN $b AS x\n"
    )
    with pytest.raises(QueryError, match="differ from those used"):
        parse_query_file(path)
    path.write_text("// name: other\n// purpose: p\n// params: none\n// returns: x\n// example: none\nRETURN 1 AS x\n")
    with pytest.raises(QueryError, match="differs from the file name"):
        parse_query_file(path)


def test_every_query_documents_an_example_that_fits_its_parameters(tmp_path):
    path = tmp_path / "q.cypher"
    header = "// name: q\n// purpose: p\n// params: $n (int): n\n// returns: x\n"
    path.write_text(header + "RETURN $n AS x\n")
    with pytest.raises(QueryError, match="header lacks '// example"):
        parse_query_file(path)
    path.write_text(header + "// example: n=many\nRETURN $n AS x\n")
    with pytest.raises(QueryError, match="bad example: .*'many' is not a valid int"):
        parse_query_file(path)
    path.write_text(header + "// example: none\nRETURN $n AS x\n")
    with pytest.raises(QueryError, match=r"bad example: .*missing parameters \['n'\]"):
        parse_query_file(path)
    path.write_text(header + "// example: n=3\nRETURN $n AS x\n")
    spec = parse_query_file(path)
    assert spec.example == ("n=3",) and spec.example_command() == "medkg query q --param n=3"
    shipped = list_queries()
    assert len(shipped) >= 11 and all(s.example or not s.params for s in shipped)


def test_a_folder_without_queries_is_an_error_not_an_empty_list(tmp_path):
    with pytest.raises(QueryError, match="no named queries"):
        list_queries(tmp_path)


def test_stats_from_rows():
    rows = [{"kind": "node", "name": "Drug", "count": 2}, {"kind": "edge", "name": "TREATS", "count": 1}]
    assert stats_from_rows(rows) == {"nodes": {"Drug": 2}, "edges": {"TREATS": 1}}


# ---- every query against the fixture graph -------------------------------------------------------


@pytest.mark.neo4j
def test_drugs_treating_disease(graph):
    rows = run_query(graph, "drugs_treating_disease", {"disease": "Type 2 Diabetes Mellitus"})
    assert rows == [
        {
            "disease_id": T2D,
            "disease_name": "type 2 diabetes mellitus",
            "drug_id": METFORMIN,
            "drug_name": "Metformin",
            "evidence_count": 3,
            "doc_count": 3,
            "confidence": 0.9,
            "sources": ["doc", "hetionet"],
            # the negated mention (confidence 0.99) is not an example; best first
            "example_sentences": ["Started metformin for type 2 diabetes.", "Metformin continued for T2DM."],
        },
        {
            "disease_id": T2D,
            "disease_name": "type 2 diabetes mellitus",
            "drug_id": INSULIN,
            "drug_name": "Insulin glargine",
            "evidence_count": 1,
            "doc_count": 1,
            "confidence": 0.8,
            "sources": ["doc"],
            "example_sentences": ["Insulin glargine for poorly controlled T2DM."],
        },
    ]
    by_id = run_query(graph, "drugs_treating_disease", {"disease": T2D, "limit": 1, "examples": 1})
    assert [(r["drug_id"], r["example_sentences"]) for r in by_id] == [
        (METFORMIN, ["Started metformin for type 2 diabetes."])
    ]
    assert run_query(graph, "drugs_treating_disease", {"disease": "no such disease"}) == []


@pytest.mark.neo4j
def test_symptoms_of_disease(graph):
    rows = run_query(graph, "symptoms_of_disease", {"disease": T2D})
    assert [(r["symptom_id"], r["symptom_name"], r["evidence_count"]) for r in rows] == [
        (POLYURIA, "Polyuria", 2),
        (POLYDIPSIA, "Polydipsia", 1),
        (FATIGUE, "Fatigue", 0),
    ]
    assert rows[0]["disease_name"] == "type 2 diabetes mellitus" and rows[2]["sources"] == ["hpo"]


@pytest.mark.neo4j
def test_diseases_for_symptoms(graph):
    rows = run_query(graph, "diseases_for_symptoms", {"symptoms": ["fatigue", FEVER]})
    assert rows == [
        {
            "disease_id": FLU,
            "disease_name": "influenza",
            "matched_count": 2,
            "query_count": 2,
            "matched_symptoms": ["Fatigue", "Fever"],
            "disease_symptom_count": 3,
            "specificity": 0.667,
        },
        {
            "disease_id": T2D,
            "disease_name": "type 2 diabetes mellitus",
            "matched_count": 1,
            "query_count": 2,
            "matched_symptoms": ["Fatigue"],
            "disease_symptom_count": 3,
            "specificity": 0.333,
        },
    ]
    headache = run_query(graph, "diseases_for_symptoms", {"symptoms": ["Headache"]})
    assert [(r["disease_id"], r["specificity"]) for r in headache] == [(HTN, 1.0), (FLU, 0.333)]


@pytest.mark.neo4j
def test_drugs_causing_adverse_event(graph):
    rows = run_query(graph, "drugs_causing_adverse_event", {"event": "gastrointestinal hemorrhage"})
    assert rows == [
        {
            "event_id": GI_BLEED,
            "event_name": "Gastrointestinal hemorrhage",
            "event_label": "Symptom",
            "drug_id": ASPIRIN,
            "drug_name": "Aspirin",
            "evidence_count": 2,
            "confidence": 0.85,
            "sources": ["doc"],
            "example_sentences": ["GI bleed attributed to aspirin.", "Aspirin-induced hematemesis."],
        },
        {
            "event_id": GI_BLEED,
            "event_name": "Gastrointestinal hemorrhage",
            "event_label": "Symptom",
            "drug_id": IBUPROFEN,
            "drug_name": "Ibuprofen",
            "evidence_count": 1,
            "confidence": 0.7,
            "sources": ["doc"],
            "example_sentences": [],
        },
    ]
    ulcer = run_query(graph, "drugs_causing_adverse_event", {"event": ULCER})
    assert [(r["drug_id"], r["event_label"]) for r in ulcer] == [(IBUPROFEN, "Disease")]


@pytest.mark.neo4j
def test_interactions_among_drugs(graph):
    rows = run_query(graph, "interactions_among_drugs", {"drugs": ["Aspirin", WARFARIN, "ibuprofen", "Metformin"]})
    assert rows == [
        {
            "drug_a_id": WARFARIN,
            "drug_a_name": "Warfarin",
            "drug_b_id": ASPIRIN,
            "drug_b_name": "Aspirin",
            "evidence_count": 1,
            "confidence": 0.9,
            "sources": ["doc"],
            "subtype": "effect",
            "subtypes": ["effect", "mechanism"],
        },
        {
            "drug_a_id": WARFARIN,
            "drug_a_name": "Warfarin",
            "drug_b_id": IBUPROFEN,
            "drug_b_name": "Ibuprofen",
            "evidence_count": 0,
            "confidence": 1.0,
            "sources": ["drugbank"],
            "subtype": None,
            "subtypes": [],
        },
    ]
    assert run_query(graph, "interactions_among_drugs", {"drugs": ["Aspirin"]}) == []


@pytest.mark.neo4j
def test_edge_provenance(graph):
    rows = run_query(graph, "edge_provenance", {"head": "metformin", "type": "TREATS", "tail": T2D})
    assert [(r["doc_id"], r["sentence_index"], r["sentence"], r["assertion"], r["asserted"]) for r in rows] == [
        ("note-1", 0, "Started metformin for type 2 diabetes.", "present", True),
        ("note-2", 4, "Metformin continued for T2DM.", "present", True),
        ("note-3", 1, "Metformin was not given for diabetes.", "negated", False),
    ]
    first = rows[0]
    assert (first["head_id"], first["type"], first["tail_id"]) == (METFORMIN, "TREATS", T2D)
    assert (first["head_start"], first["head_end"], first["tail_start"], first["tail_end"]) == (0, 4, 10, 14)
    assert first["extractor"] == "rules" and first["extractor_version"] == "1.0" and first["confidence"] == 0.95
    assert first["evidence_id"].startswith("EV:") and first["subtype"] is None
    ddi = run_query(graph, "edge_provenance", {"head": ASPIRIN, "type": "INTERACTS_WITH", "tail": "warfarin"})
    assert [(r["doc_id"], r["sentence"], r["subtype"]) for r in ddi] == [
        ("note-7", "Aspirin potentiates warfarin.", "effect")
    ]
    assert run_query(graph, "edge_provenance", {"head": METFORMIN, "type": "CAUSES", "tail": T2D}) == []


@pytest.mark.neo4j
def test_top_hypotheses_for_disease(graph):
    rows = run_query(graph, "top_hypotheses_for_disease", {"disease": T2D})
    assert [(r["drug_id"], r["score"], r["rank"], r["already_asserted"]) for r in rows] == [
        (WARFARIN, 0.7, 1, False),
        (ASPIRIN, 0.6, 2, False),
        (INSULIN, 0.5, 3, True),
    ]
    top = rows[0]
    assert top["model_version"] == "rgcn-1" and top["run_id"] == "gnn-1"
    assert json.loads(top["explanation"]) == [
        {"nodes": [WARFARIN, ASPIRIN], "relations": ["INTERACTS_WITH"], "contribution": 0.7}
    ]
    assert top["support_paths"] == [
        "Warfarin [DRUGBANK:DB00682] -[INTERACTS_WITH]- Aspirin [DRUGBANK:DB00945] (contribution 0.7)"
    ]
    assert len(run_query(graph, "top_hypotheses_for_disease", {"disease": T2D, "limit": 2})) == 2


@pytest.mark.neo4j
def test_hypotheses_query_walks_explanation_paths_over_real_relationships(graph):
    rows = run_query(graph, "hypotheses", {"node": T2D})
    assert [(r["type"], r["head_id"], r["score"]) for r in rows][:3] == [
        ("PREDICTED_TREATS", WARFARIN, 0.7),
        ("PREDICTED_TREATS", ASPIRIN, 0.6),
        ("PREDICTED_TREATS", INSULIN, 0.5),
    ]
    top = rows[0]
    assert top["model_version"] == "rgcn-1" and top["already_asserted"] is False
    (path,) = top["paths"]
    assert path["contribution"] == 0.7 and path["real"] is True
    assert [(h["from"], h["rel"], h["to"], h["in_graph"]) for h in path["hops"]] == [
        (WARFARIN, "INTERACTS_WITH", ASPIRIN, True)
    ]
    assert path["hops"][0]["from_name"] == "Warfarin"
    assert rows[2]["already_asserted"] is True  # insulin is asserted to treat T2D in the fixture
    assert len(run_query(graph, "hypotheses", {"node": T2D, "limit": 1})) == 1


@pytest.mark.neo4j
def test_disease_neighbourhood(graph):
    rows = run_query(graph, "disease_neighbourhood", {"disease": "influenza"})
    assert [(r["relation"], r["direction"], r["neighbour_id"], r["neighbour_label"]) for r in rows] == [
        ("HAS_SYMPTOM", "out", FATIGUE, "Symptom"),
        ("HAS_SYMPTOM", "out", FEVER, "Symptom"),
        ("HAS_SYMPTOM", "out", HEADACHE, "Symptom"),
        ("TREATS", "in", ASPIRIN, "Drug"),
    ]
    # predictions and evidence nodes are not neighbours
    t2d = run_query(graph, "disease_neighbourhood", {"disease": T2D})
    assert {r["relation"] for r in t2d} == {"HAS_SYMPTOM", "TREATS"}
    assert len(t2d) == 5


@pytest.mark.neo4j
def test_load_runs(graph):
    rows = run_query(graph, "load_runs", {})
    assert len(rows) == 1
    assert rows[0]["run_id"] == "fixture-load" and rows[0]["status"] == "complete"
    assert rows[0]["schema_version"] == SCHEMA.version
    assert json.loads(rows[0]["counts"])["edges"]["TREATS"] == 3


@pytest.mark.neo4j
def test_graph_stats(graph):
    stats = graph_stats(graph)
    assert set(stats) == {"nodes", "edges"}
    assert stats["nodes"] == {"Drug": 5, "Disease": 4, "Symptom": 6, "Evidence": 7, "LoadRun": 1}
    assert stats["edges"] == {
        "TREATS": 3,
        "HAS_SYMPTOM": 7,
        "CAUSES": 3,
        "INTERACTS_WITH": 3,
        "PREDICTED_TREATS": 3,
        "SUBJECT": 7,
        "OBJECT": 7,
    }
    counts = graph.counts(SCHEMA)
    for label, n in counts["nodes"].items():
        assert stats["nodes"].get(label, 0) == n
    for rel, n in counts["edges"].items():
        assert stats["edges"].get(rel, 0) == n


@pytest.mark.neo4j
def test_run_query_accepts_a_bare_driver(graph):
    rows = run_query(graph.driver, "symptoms_of_disease", {"disease": HTN})
    assert [r["symptom_id"] for r in rows] == [HEADACHE]


@pytest.mark.neo4j
def test_every_query_runs_and_returns_its_declared_columns(graph):
    """Generic contract over all files in queries/: runs with sample values, columns match `returns`."""
    samples = {
        "disease": T2D,
        "symptoms": [FATIGUE],
        "event": GI_BLEED,
        "drugs": [ASPIRIN, WARFARIN],
        "head": METFORMIN,
        "type": "TREATS",
        "tail": T2D,
        "node": T2D,
    }
    for spec in list_queries():
        params = {p.name: samples[p.name] for p in spec.params if p.required}
        rows = run_query(graph, spec.name, params)
        assert rows, f"{spec.name} returned no rows on the fixture graph"
        assert list(rows[0]) == list(spec.returns), spec.name
