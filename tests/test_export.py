"""Exports of a tiny snapshot: Turtle, GraphML and neo4j-admin CSV (no Neo4j needed)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from rdflib import RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef

from kg.export import (
    FORMAT_WRITERS,
    FORMATS,
    check_snapshot,
    evidence_id,
    expand_curie,
    export_checked,
    export_snapshot,
    neo4j_csv_tables,
    to_networkx,
    to_rdf,
    write_graphml,
    write_neo4j_csv,
    write_turtle,
)
from kg.schema import SchemaError, load_schema
from kg.types import Edge, Evidence, GraphSnapshot, Hypothesis, Node, PathContribution

BL = Namespace("https://w3id.org/biolink/vocab/")
MK = Namespace("https://w3id.org/medkg/vocab/")
METFORMIN = URIRef("http://identifiers.org/drugbank/DB00331")
ASPIRIN = URIRef("http://identifiers.org/drugbank/DB00945")
T2D = URIRef("http://purl.obolibrary.org/obo/DOID_9352")
FEVER = URIRef("http://purl.obolibrary.org/obo/HP_0001945")


@pytest.fixture(scope="module")
def schema():
    return load_schema()


def _evidence(**kw) -> Evidence:
    base = dict(
        head="DRUGBANK:DB00331",
        type="TREATS",
        tail="DOID:9352",
        doc_id="doc-1",
        sentence_index=0,
        head_start=0,
        head_end=9,
        tail_start=17,
        tail_end=32,
        sentence='Metformin treats type 2 diabetes, "first line".',
        extractor="rules",
        extractor_version="1.0",
        confidence=0.9,
        assertion="present",
        asserted=True,
    )
    base.update(kw)
    return Evidence(**base)


@pytest.fixture()
def snapshot() -> GraphSnapshot:
    return GraphSnapshot(
        nodes=(
            Node(
                id="DRUGBANK:DB00331",
                label="Drug",
                name="Metformin",
                xrefs=("MESH:D008687", "CHEBI:6801"),
                sources=("hetionet",),
            ),
            Node(id="DRUGBANK:DB00945", label="Drug", name="Aspirin"),
            Node(id="DOID:9352", label="Disease", name='type 2 diabetes, "T2D"'),
            Node(id="HP:0001945", label="Symptom", name="Fever"),
            Node(id="MEDKG:abc123", label="Symptom", name="funny feeling", unlinked=True),
        ),
        edges=(
            Edge(
                head="DRUGBANK:DB00331",
                type="TREATS",
                tail="DOID:9352",
                sources=("doc", "hetionet"),
                evidence_count=2,
                doc_count=1,
                confidence=0.85,
                best_confidence=0.9,
                extractors=("rules",),
                model_versions=("rules-1.0",),
                first_seen="2024-01-01",
                last_seen="2024-02-01",
            ),
            Edge(head="DOID:9352", type="HAS_SYMPTOM", tail="HP:0001945", sources=("hpo",)),
            Edge(head="DRUGBANK:DB00945", type="CAUSES", tail="MEDKG:abc123", evidence_count=1),
        ),
        evidence=(
            _evidence(),
            _evidence(
                sentence_index=3,
                head_start=40,
                head_end=49,
                tail_start=60,
                tail_end=63,
                sentence="Patients on metformin for T2D.",
                confidence=0.8,
            ),
        ),
        hypotheses=(
            Hypothesis(
                head="DRUGBANK:DB00945",
                type="PREDICTED_TREATS",
                tail="DOID:9352",
                score=0.73,
                rank=1,
                model_version="rgcn-0.1",
                run_id="gnn-1",
                note="no known cause",
                explanation=(
                    PathContribution(
                        nodes=("DRUGBANK:DB00945", "DRUGBANK:DB00331", "DOID:9352"),
                        relations=("RESEMBLES", "TREATS"),
                        contribution=0.6,
                    ),
                ),
            ),
        ),
    )


# ---- Turtle ----------------------------------------------------------------------------------------


def test_turtle_round_trip_has_biolink_classes_and_predicates(snapshot, schema, tmp_path):
    out = write_turtle(snapshot, schema, tmp_path / "g.ttl")
    g = Graph().parse(out, format="turtle")
    assert (METFORMIN, RDF.type, BL.Drug) in g
    assert (T2D, RDF.type, BL.Disease) in g
    assert (FEVER, RDF.type, BL.PhenotypicFeature) in g
    assert (METFORMIN, RDFS.label, Literal("Metformin")) in g
    assert (METFORMIN, SKOS.exactMatch, URIRef("http://id.nlm.nih.gov/mesh/D008687")) in g
    assert (METFORMIN, SKOS.exactMatch, URIRef("http://purl.obolibrary.org/obo/CHEBI_6801")) in g
    assert (URIRef("https://w3id.org/medkg/local/abc123"), RDF.type, BL.PhenotypicFeature) in g
    # direct asserted triples
    assert (METFORMIN, BL.treats, T2D) in g
    assert (T2D, BL.has_phenotype, FEVER) in g
    # reified association for the asserted edge
    assocs = list(g.subjects(BL.subject, METFORMIN))
    assert len(assocs) == 1
    a = assocs[0]
    assert (a, RDF.type, BL.Association) in g
    assert (a, BL.predicate, BL.treats) in g
    assert (a, BL.object, T2D) in g
    assert int(g.value(a, BL.evidence_count)) == 2
    assert float(g.value(a, MK.confidence)) == pytest.approx(0.85)
    assert {str(s) for s in g.objects(a, BL.primary_knowledge_source)} == {"doc", "hetionet"}
    assert str(g.value(a, BL.knowledge_level)) == "knowledge_assertion"


def test_turtle_prediction_is_only_a_flagged_association(snapshot, schema, tmp_path):
    g = Graph().parse(write_turtle(snapshot, schema, tmp_path / "g.ttl"), format="turtle")
    # never a direct triple for the predicted pair, under any predicate
    assert list(g.predicates(ASPIRIN, T2D)) == []
    assocs = [a for a in g.subjects(BL.subject, ASPIRIN) if (a, BL.object, T2D) in g]
    assert len(assocs) == 1
    a = assocs[0]
    assert (a, RDF.type, BL.Association) in g
    assert (a, BL.predicate, BL.treats) in g
    assert str(g.value(a, BL.knowledge_level)) == "prediction"
    assert g.value(a, MK.predicted).toPython() is True
    assert float(g.value(a, MK.score)) == pytest.approx(0.73)
    assert int(g.value(a, MK.rank)) == 1
    assert str(g.value(a, MK.model_version)) == "rgcn-0.1"
    assert json.loads(str(g.value(a, MK.explanation)))[0]["relations"] == ["RESEMBLES", "TREATS"]
    assert str(g.value(a, MK.note)) == "no known cause"


def test_turtle_unknown_prefix_is_a_clear_error(snapshot, schema, tmp_path):
    bad = snapshot.model_copy(
        update={"nodes": snapshot.nodes + (Node(id="DRUGBANK:DB1", label="Drug", name="x", xrefs=("NOPE:1",)),)}
    )
    with pytest.raises(ValueError, match="xref of node DRUGBANK:DB1: unknown CURIE prefix 'NOPE'"):
        write_turtle(bad, schema, tmp_path / "g.ttl")
    with pytest.raises(ValueError, match="not a CURIE"):
        expand_curie("justtext")
    assert expand_curie("ORPHA:558") == "http://www.orpha.net/ORDO/Orphanet_558"
    assert expand_curie("NCBIGene:1017") == "http://identifiers.org/ncbigene/1017"
    assert expand_curie("OMIM:125853") == "https://omim.org/entry/125853"
    assert expand_curie("MEDKG:a b") == "https://w3id.org/medkg/local/a%20b"


# ---- GraphML / networkx ----------------------------------------------------------------------------


def test_networkx_attributes(snapshot, schema):
    g = to_networkx(snapshot, schema)
    assert g.number_of_nodes() == 5
    assert g.number_of_edges() == 4
    assert g.nodes["DRUGBANK:DB00331"] == {
        "label": "Drug",
        "name": "Metformin",
        "xrefs": "MESH:D008687|CHEBI:6801",
        "sources": "hetionet",
        "unlinked": False,
    }
    assert g.nodes["MEDKG:abc123"]["unlinked"] is True
    e = g.edges["DRUGBANK:DB00331", "DOID:9352", "TREATS"]
    assert e["type"] == "TREATS" and e["predicted"] is False
    assert e["sources"] == "doc|hetionet" and e["evidence_count"] == 2 and e["first_seen"] == "2024-01-01"
    h = g.edges["DRUGBANK:DB00945", "DOID:9352", "PREDICTED_TREATS"]
    assert h["predicted"] is True and h["score"] == 0.73 and h["rank"] == 1
    assert json.loads(h["explanation"])[0]["contribution"] == 0.6
    assert h["support_paths"].startswith("Aspirin [DRUGBANK:DB00945] -[RESEMBLES]- Metformin")


def test_graphml_round_trip(snapshot, schema, tmp_path):
    path = write_graphml(snapshot, schema, tmp_path / "g.graphml")
    g = nx.read_graphml(path, force_multigraph=True)
    assert isinstance(g, nx.MultiDiGraph)
    assert g.number_of_nodes() == 5 and g.number_of_edges() == 4
    assert g.nodes["DOID:9352"]["name"] == 'type 2 diabetes, "T2D"'
    assert g.nodes["DOID:9352"]["label"] == "Disease"
    assert sorted(k for _, _, k in g.edges(keys=True)) == ["CAUSES", "HAS_SYMPTOM", "PREDICTED_TREATS", "TREATS"]
    treats = g.edges["DRUGBANK:DB00331", "DOID:9352", "TREATS"]
    assert treats["confidence"] == pytest.approx(0.85) and treats["evidence_count"] == 2
    assert treats["predicted"] is False
    pred = g.edges["DRUGBANK:DB00945", "DOID:9352", "PREDICTED_TREATS"]
    assert pred["predicted"] is True and pred["model_version"] == "rgcn-0.1"


def test_hypothesis_given_as_asserted_type_maps_to_predicted_type(snapshot, schema):
    hyp = snapshot.hypotheses[0].model_copy(update={"type": "TREATS"})
    g = to_networkx(snapshot.model_copy(update={"hypotheses": (hyp,)}), schema)
    assert g.has_edge("DRUGBANK:DB00945", "DOID:9352", key="PREDICTED_TREATS")
    assert not g.has_edge("DRUGBANK:DB00945", "DOID:9352", key="TREATS")


def test_schema_violations_raise(snapshot, schema):
    bad_sig = snapshot.model_copy(update={"edges": (Edge(head="DOID:9352", type="TREATS", tail="DRUGBANK:DB00331"),)})
    with pytest.raises(SchemaError, match="not an allowed signature"):
        to_networkx(bad_sig, schema)
    dangling = snapshot.model_copy(update={"edges": (Edge(head="DRUGBANK:DB00331", type="TREATS", tail="DOID:1"),)})
    with pytest.raises(SchemaError, match="'DOID:1' is not in the snapshot"):
        to_networkx(dangling, schema)
    asserted_prediction = snapshot.model_copy(
        update={"edges": (Edge(head="DRUGBANK:DB00331", type="PREDICTED_TREATS", tail="DOID:9352"),)}
    )
    with pytest.raises(SchemaError, match="predicted type"):
        to_networkx(asserted_prediction, schema)
    dup = snapshot.model_copy(update={"nodes": snapshot.nodes + (snapshot.nodes[0],)})
    with pytest.raises(SchemaError, match="appears twice"):
        to_networkx(dup, schema)


# ---- neo4j-admin CSV -------------------------------------------------------------------------------


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_neo4j_csv_files_headers_and_rows(snapshot, schema, tmp_path):
    files = write_neo4j_csv(snapshot, schema, tmp_path / "csv")
    names = sorted(p.name for p in files)
    assert names == sorted(
        [
            "Disease.nodes.csv",
            "Drug.nodes.csv",
            "Symptom.nodes.csv",
            "Evidence.nodes.csv",
            "TREATS.relationships.csv",
            "HAS_SYMPTOM.relationships.csv",
            "CAUSES.relationships.csv",
            "PREDICTED_TREATS.relationships.csv",
            "SUBJECT.relationships.csv",
            "OBJECT.relationships.csv",
            "import.sh",
        ]
    )
    out = tmp_path / "csv"
    drugs = _read(out / "Drug.nodes.csv")
    assert drugs[0] == ["id:ID", "name", "xrefs:string[]", "sources:string[]", "unlinked:boolean", ":LABEL"]
    assert drugs[1:] == [
        ["DRUGBANK:DB00331", "Metformin", "MESH:D008687;CHEBI:6801", "hetionet", "false", "Drug"],
        ["DRUGBANK:DB00945", "Aspirin", "", "", "false", "Drug"],
    ]
    symptoms = _read(out / "Symptom.nodes.csv")
    assert ["MEDKG:abc123", "funny feeling", "", "", "true", "Symptom"] in symptoms
    treats = _read(out / "TREATS.relationships.csv")
    assert treats[0][:3] == [":START_ID", ":END_ID", ":TYPE"]
    row = dict(zip(treats[0], treats[1], strict=True))
    assert row[":START_ID"] == "DRUGBANK:DB00331" and row[":END_ID"] == "DOID:9352" and row[":TYPE"] == "TREATS"
    assert row["sources:string[]"] == "doc;hetionet"
    assert row["evidence_count:long"] == "2" and row["confidence:double"] == "0.85"
    assert row["first_seen"] == "2024-01-01" and row["predicted:boolean"] == "false"
    pred = _read(out / "PREDICTED_TREATS.relationships.csv")
    prow = dict(zip(pred[0], pred[1], strict=True))
    assert prow["score:double"] == "0.73" and prow["rank:long"] == "1" and prow["predicted:boolean"] == "true"
    assert json.loads(prow["explanation"])[0]["nodes"][0] == "DRUGBANK:DB00945"
    assert prow["note"] == "no known cause"
    ev = _read(out / "Evidence.nodes.csv")
    assert len(ev) == 3 and ev[0][0] == "id:ID" and ev[0][-1] == ":LABEL"
    assert {r[0] for r in ev[1:]} == {evidence_id(e) for e in snapshot.evidence}
    subj = _read(out / "SUBJECT.relationships.csv")
    assert subj[0] == [":START_ID", ":END_ID", ":TYPE"]
    assert sorted(r[1] for r in subj[1:]) == ["DRUGBANK:DB00331", "DRUGBANK:DB00331"]


def test_neo4j_csv_quoting(snapshot, schema, tmp_path):
    write_neo4j_csv(snapshot, schema, tmp_path)
    raw = (tmp_path / "Disease.nodes.csv").read_text(encoding="utf-8")
    assert '"type 2 diabetes, ""T2D"""' in raw
    assert _read(tmp_path / "Disease.nodes.csv")[1][1] == 'type 2 diabetes, "T2D"'
    ev_raw = (tmp_path / "Evidence.nodes.csv").read_text(encoding="utf-8")
    assert '"Metformin treats type 2 diabetes, ""first line""."' in ev_raw


def test_neo4j_csv_import_script_names_every_file(snapshot, schema, tmp_path):
    files = write_neo4j_csv(snapshot, schema, tmp_path)
    script = (tmp_path / "import.sh").read_text(encoding="utf-8")
    assert "neo4j-admin database import full" in script.replace(" \\\n  ", " ")
    assert "--array-delimiter=;" in script and "--id-type=string" in script
    for p in files:
        if p.suffix == ".csv":
            flag = "--nodes=" if p.name.endswith(".nodes.csv") else "--relationships="
            assert f"{flag}{p.name}" in script


def test_neo4j_csv_rejects_array_delimiter_in_values(snapshot, schema):
    bad = snapshot.model_copy(
        update={
            "nodes": (Node(id="DRUGBANK:DB1", label="Drug", name="x", xrefs=("a;b",)),),
            "edges": (),
            "evidence": (),
            "hypotheses": (),
        }
    )
    with pytest.raises(ValueError, match="array delimiter"):
        neo4j_csv_tables(bad, schema)


# ---- dispatch and privacy --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_snapshot_dispatch(snapshot, schema, tmp_path, fmt):
    target = tmp_path / ("out" if fmt == "neo4j-csv" else f"g.{fmt}")
    files = export_snapshot(snapshot, schema, fmt, target)
    assert files and all(p.exists() for p in files)


def test_formats_are_the_registry_names_in_order():
    assert FORMATS == tuple(FORMAT_WRITERS) == ("ttl", "graphml", "neo4j-csv")


def test_export_snapshot_unknown_format(snapshot, schema, tmp_path):
    with pytest.raises(ValueError, match="unknown export format 'json'.*ttl, graphml, neo4j-csv"):
        export_snapshot(snapshot, schema, "json", tmp_path / "x")


def test_evidence_sentences_only_in_the_evidence_table(snapshot, schema, tmp_path):
    """Scrubbed evidence sentences go only to the Evidence node file; Turtle and GraphML carry none."""
    for fmt in FORMATS:
        target = tmp_path / fmt
        for p in export_snapshot(snapshot, schema, fmt, target if fmt == "neo4j-csv" else target.with_suffix(".x")):
            text = p.read_text(encoding="utf-8")
            assert "Patients on metformin" not in text or p.name == "Evidence.nodes.csv"


def test_evidence_id_is_stable_and_distinct(snapshot):
    a, b = snapshot.evidence
    assert evidence_id(a) == evidence_id(_evidence())
    assert evidence_id(a) != evidence_id(b)
    assert evidence_id(a) != evidence_id(_evidence(extractor="ml"))
    assert evidence_id(a).startswith("EV:") and len(evidence_id(a)) == 35


# ---- DDI subtype -----------------------------------------------------------------------------------

WARFARIN = URIRef("http://identifiers.org/drugbank/DB00682")


@pytest.fixture()
def ddi_snapshot(snapshot) -> GraphSnapshot:
    """The tiny snapshot plus Aspirin -[INTERACTS_WITH {subtype: effect}]- Warfarin with its evidence."""
    return snapshot.model_copy(
        update={
            "nodes": snapshot.nodes + (Node(id="DRUGBANK:DB00682", label="Drug", name="Warfarin"),),
            "edges": snapshot.edges
            + (
                Edge(
                    head="DRUGBANK:DB00682",
                    type="INTERACTS_WITH",
                    tail="DRUGBANK:DB00945",
                    sources=("text",),
                    evidence_count=2,
                    doc_count=2,
                    confidence=0.9,
                    best_confidence=0.8,
                    subtype="effect",
                    subtypes=("effect", "mechanism"),
                ),
            ),
            "evidence": snapshot.evidence
            + (
                _evidence(
                    head="DRUGBANK:DB00682",
                    type="INTERACTS_WITH",
                    tail="DRUGBANK:DB00945",
                    doc_id="doc-7",
                    sentence="Aspirin increases the anticoagulant effect of warfarin.",
                    extractor="trained",
                    subtype="effect",
                ),
            ),
        }
    )


def test_turtle_carries_the_interaction_subtype(ddi_snapshot, schema, tmp_path):
    g = Graph().parse(write_turtle(ddi_snapshot, schema, tmp_path / "g.ttl"), format="turtle")
    assert (WARFARIN, BL.interacts_with, ASPIRIN) in g
    (a,) = [a for a in g.subjects(BL.subject, WARFARIN) if (a, BL.object, ASPIRIN) in g]
    assert str(g.value(a, MK.subtype)) == "effect"
    assert {str(s) for s in g.objects(a, MK.subtypes)} == {"effect", "mechanism"}
    # an edge without a subtype has none
    (treats,) = list(g.subjects(BL.subject, METFORMIN))
    assert g.value(treats, MK.subtype) is None


def test_graphml_carries_the_interaction_subtype(ddi_snapshot, schema, tmp_path):
    g = nx.read_graphml(write_graphml(ddi_snapshot, schema, tmp_path / "g.graphml"), force_multigraph=True)
    e = g.edges["DRUGBANK:DB00682", "DRUGBANK:DB00945", "INTERACTS_WITH"]
    assert e["subtype"] == "effect" and e["subtypes"] == "effect|mechanism"
    assert "subtype" not in g.edges["DRUGBANK:DB00331", "DOID:9352", "TREATS"]


def test_neo4j_csv_carries_the_interaction_subtype(ddi_snapshot, schema, tmp_path):
    write_neo4j_csv(ddi_snapshot, schema, tmp_path)
    rows = _read(tmp_path / "INTERACTS_WITH.relationships.csv")
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["subtype"] == "effect" and row["subtypes:string[]"] == "effect;mechanism"
    treats = _read(tmp_path / "TREATS.relationships.csv")
    trow = dict(zip(treats[0], treats[1], strict=True))
    assert trow["subtype"] == "" and trow["subtypes:string[]"] == ""
    ev = _read(tmp_path / "Evidence.nodes.csv")
    by_rel = {r[ev[0].index("rel_type")]: dict(zip(ev[0], r, strict=True)) for r in ev[1:]}
    assert by_rel["INTERACTS_WITH"]["subtype"] == "effect" and by_rel["TREATS"]["subtype"] == ""


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {
                "edges": (
                    Edge(
                        head="DRUGBANK:DB00331", type="TREATS", tail="DOID:9352", subtype="effect", subtypes=("effect",)
                    ),
                )
            },
            "edge DRUGBANK:DB00331 -\\[TREATS\\]-> DOID:9352: TREATS carries no subtype, got 'effect'",
        ),
        (
            {
                "edges": (
                    Edge(
                        head="DRUGBANK:DB00682",
                        type="INTERACTS_WITH",
                        tail="DRUGBANK:DB00945",
                        subtype="synergy",
                        subtypes=("synergy",),
                    ),
                )
            },
            "unknown INTERACTS_WITH subtype 'synergy'; known: mechanism, effect, advise, int",
        ),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_subtype_the_schema_does_not_allow_is_skipped_and_reported_by_every_export(
    ddi_snapshot, schema, tmp_path, change, message, fmt
):
    """One bad row never makes the graph unreadable: it is left out, counted and named; the rest is written."""
    bad = ddi_snapshot.model_copy(update={"edges": ddi_snapshot.edges + change["edges"]})
    with pytest.raises(SchemaError, match=message):  # the format writers alone stay strict
        {"ttl": to_rdf, "graphml": to_networkx, "neo4j-csv": neo4j_csv_tables}[fmt](bad, schema)
    paths, checked = export_checked(bad, schema, fmt, tmp_path / "out")
    assert [r.kind for r in checked.skipped] == ["edge"]
    assert re.search(message, checked.skipped[0].reason)
    assert checked.snapshot.edges == ddi_snapshot.edges
    assert paths and all(p.stat().st_size > 0 for p in paths)
    clean_paths, clean = export_checked(ddi_snapshot, schema, fmt, tmp_path / "clean")
    assert clean.skipped == ()
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in clean_paths]


def test_evidence_with_a_subtype_its_type_lacks_is_refused_by_the_evidence_export(ddi_snapshot, schema):
    """Turtle and GraphML carry no evidence; the neo4j-admin CSV (and the Neo4j load) check it."""
    bad = ddi_snapshot.model_copy(update={"evidence": (_evidence(subtype="advise"),)})
    with pytest.raises(SchemaError, match=r"evidence in 'doc-1' for DRUGBANK:DB00331 -\[TREATS\]-> DOID:9352: TREATS"):
        neo4j_csv_tables(bad, schema)


def test_check_snapshot_skips_each_kind_of_invalid_row_and_keeps_the_rest(schema, caplog):
    """The demo's failure: a HAS_SYMPTOM whose head is a seed Symptom node; plus every other kind of bad row."""
    sleep, fatigue, t2d, metformin = "MESH:D007319", "MESH:D003221", "DOID:9352", "DRUGBANK:DB00331"
    nodes = (
        Node(id=sleep, label="Symptom", name="Sleep Initiation and Maintenance Disorders"),
        Node(id=fatigue, label="Symptom", name="Fatigue"),
        Node(id=t2d, label="Disease", name="type 2 diabetes mellitus"),
        Node(id=metformin, label="Drug", name="Metformin"),
        Node(id=metformin, label="Disease", name="Metformin again"),  # the same id twice
        Node(id="X:1", label="Pathway", name="not a schema label"),
    )
    good_edges = (
        Edge(head=metformin, type="TREATS", tail=t2d, evidence_count=1),
        Edge(head=t2d, type="HAS_SYMPTOM", tail=fatigue),
    )
    bad_edges = (
        Edge(head=sleep, type="HAS_SYMPTOM", tail=fatigue, evidence_count=1),  # (Symptom)-[HAS_SYMPTOM]->(Symptom)
        Edge(head=metformin, type="TREATS", tail="DOID:404"),  # missing endpoint
        Edge(head=metformin, type="TREATS", tail=t2d),  # repeated key
    )
    good_ev = _evidence()
    bad_ev = good_ev.model_copy(update={"head": sleep, "type": "HAS_SYMPTOM", "tail": fatigue})
    hyp = Hypothesis(head=metformin, type="TREATS", tail=t2d, score=0.9, rank=1, model_version="m", run_id="r")
    bad_hyp = hyp.model_copy(update={"head": fatigue})
    snap = GraphSnapshot(
        nodes=nodes, edges=good_edges + bad_edges, evidence=(good_ev, bad_ev), hypotheses=(hyp, bad_hyp)
    )
    checked = check_snapshot(snap, schema, what="export test")
    assert checked.skipped_by_kind() == {"edge": 3, "evidence": 1, "hypothesis": 1, "node": 2}
    reasons = [r.reason for r in checked.skipped]
    assert any("(Symptom)-[HAS_SYMPTOM]->(Symptom) is not an allowed signature" in r for r in reasons)
    assert any("'DOID:404' is not in the snapshot" in r for r in reasons)
    assert any("appears twice" in r for r in reasons)
    assert checked.snapshot.nodes == nodes[:4]
    assert checked.snapshot.edges == good_edges
    assert checked.snapshot.evidence == (good_ev,)
    assert checked.snapshot.hypotheses == (hyp,)
    assert "export test: skipped 7 rows" in caplog.text
    # the clean part passes every strict writer
    to_rdf(checked.snapshot, schema)
    neo4j_csv_tables(checked.snapshot, schema)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_node_name_with_the_csv_array_delimiter_exports_in_every_format(schema, tmp_path, fmt):
    """OMIM titles list synonyms with ';' (the neo4j-admin array delimiter); found on the full-seed demo."""
    omim = "OMIM:612271"
    name = "SKIN/HAIR/EYE PIGMENTATION, VARIATION IN, 11; SHEP11;;MELANESIAN BLOND HAIR"
    nodes = (
        Node(id=omim, label="Disease", name=name),
        Node(id="HP:0001000", label="Symptom", name="Abnormality of skin pigmentation"),
        Node(id="ORPHA:84", label="Disease", name="Fanconi anemia"),
        Node(id="HP:0003220", label="Symptom", name="Abnormality of chromosome stability"),
    )
    path = PathContribution(
        nodes=(omim, "HP:0001000", "ORPHA:84", "HP:0003220"),
        relations=("HAS_SYMPTOM", "HAS_SYMPTOM", "HAS_SYMPTOM"),
        contribution=1.0,
    )
    hyp = Hypothesis(
        head=omim,
        type="HAS_SYMPTOM",
        tail="HP:0003220",
        score=0.9,
        rank=1,
        model_version="m",
        run_id="r",
        explanation=(path,),
    )
    snap = GraphSnapshot(
        nodes=nodes,
        edges=(
            Edge(head=omim, type="HAS_SYMPTOM", tail="HP:0001000"),
            Edge(head="ORPHA:84", type="HAS_SYMPTOM", tail="HP:0001000"),
            Edge(head="ORPHA:84", type="HAS_SYMPTOM", tail="HP:0003220"),
        ),
        hypotheses=(hyp,),
    )
    paths, checked = export_checked(snap, schema, fmt, tmp_path)
    assert checked.skipped == () and paths
    if fmt == "neo4j-csv":
        rows = _read(tmp_path / "PREDICTED_HAS_SYMPTOM.relationships.csv")
        row = dict(zip(rows[0], rows[1], strict=True))
        shown = [h for h in rows[0] if h.startswith("support_paths")][0]
        assert row[shown].startswith(
            "SKIN/HAIR/EYE PIGMENTATION, VARIATION IN, 11, SHEP11,,MELANESIAN BLOND HAIR [OMIM:612271]"
        )
        assert row[shown].count(";") == 0  # one path: one array element
    nodes_csv = (tmp_path / "Disease.nodes.csv").read_text() if fmt == "neo4j-csv" else ""
    assert fmt != "neo4j-csv" or name in nodes_csv  # the node's own name is kept exactly
