"""HPO disease -> phenotype seed: the pure core on tiny data, and the real hpo3 annotations."""

from __future__ import annotations

import pytest

from kg.seed.hpo import (
    HpoDisease,
    HpoTermInfo,
    build_hpo_graph,
    doid_name_index,
    hpo_terms,
    load_hpo_annotations,
    name_variants,
    normalize_disease_name,
)
from kg.types import Node


def test_normalize_and_variants() -> None:
    assert normalize_disease_name("Alzheimer's disease") == "alzheimer disease"
    assert normalize_disease_name("  Creutzfeldt-Jakob  DISEASE ") == "creutzfeldt jakob disease"
    assert name_variants("Dermatitis, atopic") == ["dermatitis atopic", "atopic dermatitis"]
    assert name_variants("Parkinson disease 4") == ["parkinson disease 4"]


def test_doid_name_index() -> None:
    nodes = [
        Node(id="DOID:10652", label="Disease", name="Alzheimer's disease"),
        Node(id="MESH:D000544", label="Disease", name="Alzheimer Disease"),
        Node(id="HP:0000822", label="Symptom", name="Hypertension"),
    ]
    assert doid_name_index(nodes) == {"alzheimer disease": "DOID:10652"}


def test_build_core(schema) -> None:
    terms = {
        "HP:0001166": HpoTermInfo("HP:0001166", "Arachnodactyly", phenotypic=True),
        "HP:0000006": HpoTermInfo("HP:0000006", "Autosomal dominant inheritance", phenotypic=False),
        "HP:0000100": HpoTermInfo("HP:0000100", "Old term", phenotypic=True, obsolete=True, replaced_by="HP:0001166"),
        "HP:0002099": HpoTermInfo("HP:0002099", "Asthma", phenotypic=True),
    }
    diseases = [
        HpoDisease("OMIM:154700", "Marfan syndrome", ("HP:0001166", "HP:0000006", "HP:0000100", "HP:9999999")),
        HpoDisease("OMIM:600807", "Asthma, susceptibility to", ("HP:0002099",)),
        HpoDisease("ORPHA:1", "Dermatitis, atopic", ("HP:0002099",)),
        HpoDisease("OMIM:603165", "Dermatitis, atopic", ("HP:0002099",)),
    ]
    g = build_hpo_graph(diseases, terms, schema, doid_names={"atopic dermatitis": "DOID:3310"})
    triples = {(e.head, e.type, e.tail) for e in g.edges}
    assert triples == {
        ("OMIM:154700", "HAS_SYMPTOM", "HP:0001166"),
        ("OMIM:600807", "HAS_SYMPTOM", "HP:0002099"),
        ("DOID:3310", "HAS_SYMPTOM", "HP:0002099"),
    }
    nodes = {n.id: n for n in g.nodes}
    assert nodes["DOID:3310"].xrefs == ("OMIM:603165", "ORPHA:1")
    assert "OMIM:603165" not in nodes and "HP:0000006" not in nodes
    assert nodes["HP:0001166"].label == "Symptom"
    assert g.stats["diseases_mapped_to_doid"] == 2
    assert g.stats["duplicate_annotations_merged"] == 2  # DOID:3310 twice, Marfan via replacement
    assert g.stats["annotations_non_phenotypic_skipped"] == 1
    assert g.stats["annotations_obsolete_replaced"] == 1
    assert [(q.location, q.reason) for q in g.quarantine] == [
        ("OMIM:154700/HP:9999999", "annotation to unknown HPO term 'HP:9999999'")
    ]


@pytest.fixture(scope="module")
def hpo_graph(schema):
    """The full HPO annotation seed from hpo3 (a few seconds, loaded once)."""
    return load_hpo_annotations(schema, {"rheumatoid arthritis": "DOID:7148"})


def test_real_hpo_annotations(hpo_graph) -> None:
    g = hpo_graph
    labels = {n.id: n.label for n in g.nodes}
    assert len(g.edges) > 100_000
    for e in g.edges[:: max(1, len(g.edges) // 5000)]:
        assert e.type == "HAS_SYMPTOM" and e.sources == ("hpo",)
        assert labels[e.head] == "Disease" and e.head.split(":")[0] in {"OMIM", "ORPHA", "DOID"}
        assert labels[e.tail] == "Symptom" and e.tail.startswith("HP:")
    triples = {(e.head, e.tail) for e in g.edges}
    # Marfan syndrome is annotated with Arachnodactyly (checked in HPO release 2025-11-24).
    assert ("OMIM:154700", "HP:0001166") in triples
    # Mode of inheritance is not a phenotypic abnormality.
    assert ("OMIM:154700", "HP:0000006") not in triples
    ra = next(n for n in g.nodes if n.id == "DOID:7148")
    assert "OMIM:180300" in ra.xrefs
    assert g.stats["hpo_release"] and g.stats["hpo3"]
    assert not g.quarantine


def test_hpo_terms_subtree() -> None:
    terms = {hp: name for hp, name, _ in hpo_terms()}
    assert terms["HP:0001166"] == "Arachnodactyly"
    assert "HP:0000118" not in terms  # the root itself
    assert "HP:0000006" not in terms  # inheritance sub-ontology
    assert len(terms) > 15_000
