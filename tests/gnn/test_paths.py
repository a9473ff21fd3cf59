"""Explanations follow the schema's meaning: allowed metapaths per target, CAUSES never a reason for TREATS."""

from __future__ import annotations

import torch

from kg.gnn.data import build_graph
from kg.gnn.evaluate import known_matrix
from kg.gnn.hypotheses import top_k_hypotheses
from kg.gnn.paths import EXPLANATION_RULES, NO_SUPPORT, build_path_index, explain
from kg.gnn.protocols import QueryScorer
from kg.types import Edge, Node

from .conftest import tiny_graph

TREATS, HAS_SYMPTOM = EXPLANATION_RULES["TREATS"], EXPLANATION_RULES["HAS_SYMPTOM"]


def _index(schema, triples, labels):
    nodes = [Node(id=i, label=lab, name=i) for i, lab in labels.items()]
    edges = [Edge(head=h, type=r, tail=t) for h, r, t in triples]
    return build_path_index(build_graph(nodes, edges, schema))


def _at(idx, node_id):
    return idx.ids.index(node_id)


LABELS = {
    "DRUGBANK:DB1": "Drug",
    "DRUGBANK:DB2": "Drug",
    "DRUGBANK:DB3": "Drug",
    "DOID:1": "Disease",
    "DOID:2": "Disease",
    "DOID:3": "Disease",
    "NCBIGene:1": "Gene",
    "NCBIGene:2": "Gene",
    "HP:0000001": "Symptom",
    "HP:0000002": "Symptom",
}


def test_a_drug_that_causes_the_disease_is_evidence_against_never_an_explanation(schema):
    idx = _index(
        schema,
        [
            ("DRUGBANK:DB1", "CAUSES", "DOID:1"),  # direct: contra-indication
            ("DRUGBANK:DB1", "CAUSES", "DOID:2"),  # CcDrD: causes a resembling disease, no reason either
            ("DOID:2", "RESEMBLES", "DOID:1"),
            ("DRUGBANK:DB1", "RESEMBLES", "DRUGBANK:DB2"),  # CrCtD: the one allowed reason
            ("DRUGBANK:DB2", "TREATS", "DOID:1"),
            ("DOID:2", "RESEMBLES", "DOID:3"),
        ],
        LABELS,
    )
    paths = explain(idx, _at(idx, "DRUGBANK:DB1"), _at(idx, "DOID:1"), TREATS, max_paths=5)
    support = [p for p in paths if not p.against]
    assert [(p.metapath, p.nodes) for p in support] == [("CrCtD", ("DRUGBANK:DB1", "DRUGBANK:DB2", "DOID:1"))]
    assert support[0].contribution == 1.0
    assert not any("CAUSES" in p.relations for p in support)
    (against,) = [p for p in paths if p.against]
    assert (against.metapath, against.nodes, against.relations, against.contribution) == (
        "CcD",
        ("DRUGBANK:DB1", "DOID:1"),
        ("CAUSES",),
        0.0,
    )
    # causing a resembling disease only: no support at all, and no contrary direct edge either
    assert explain(idx, _at(idx, "DRUGBANK:DB1"), _at(idx, "DOID:3"), TREATS) == []


def test_gene_paths_need_binding_or_opposite_regulation(schema):
    idx = _index(
        schema,
        [
            ("DRUGBANK:DB1", "UPREGULATES", "NCBIGene:1"),
            ("DOID:1", "ASSOCIATED_WITH", "NCBIGene:1"),  # up-regulating an associated gene: no reason
            ("DOID:2", "DOWNREGULATES", "NCBIGene:1"),  # the disease down-regulates it: CuGdD
            ("DRUGBANK:DB1", "BINDS", "NCBIGene:2"),  # CbGbCtD: a drug with the same target treats DOID:3
            ("DRUGBANK:DB3", "BINDS", "NCBIGene:2"),
            ("DRUGBANK:DB3", "TREATS", "DOID:3"),
        ],
        LABELS,
    )
    drug = _at(idx, "DRUGBANK:DB1")
    assert explain(idx, drug, _at(idx, "DOID:1"), TREATS) == []
    assert [p.metapath for p in explain(idx, drug, _at(idx, "DOID:2"), TREATS)] == ["CuGdD"]
    (shared,) = explain(idx, drug, _at(idx, "DOID:3"), TREATS)
    assert shared.metapath == "CbGbCtD" and shared.nodes == ("DRUGBANK:DB1", "NCBIGene:2", "DRUGBANK:DB3", "DOID:3")


def test_has_symptom_paths_go_through_similar_diseases_not_drug_side_effects(schema):
    idx = _index(
        schema,
        [
            ("DOID:1", "RESEMBLES", "DOID:2"),
            ("DOID:2", "HAS_SYMPTOM", "HP:0000001"),  # DrDpS
            ("DOID:1", "HAS_SYMPTOM", "HP:0000002"),
            ("DOID:3", "HAS_SYMPTOM", "HP:0000002"),
            ("DOID:3", "HAS_SYMPTOM", "HP:0000001"),  # DpSpDpS through DOID:3
            ("DRUGBANK:DB1", "TREATS", "DOID:1"),
            ("DRUGBANK:DB1", "CAUSES", "HP:0000001"),  # DtCcS: a side effect of a treatment, never a reason
        ],
        LABELS,
    )
    paths = explain(idx, _at(idx, "DOID:1"), _at(idx, "HP:0000001"), HAS_SYMPTOM, max_paths=5)
    assert {p.metapath for p in paths} == {"DrDpS", "DpSpDpS"}
    assert not any("TREATS" in p.relations or "CAUSES" in p.relations for p in paths)


def test_served_hypotheses_carry_metapaths_contra_notes_and_no_support_notes(schema):
    nodes, edges = tiny_graph()
    drug, sick = "DRUGBANK:DB00000", "DOID:1"  # drug 0 binds community-0 genes; DOID:1 is community 1
    lonely = "DRUGBANK:DB99999"  # only a CAUSES edge: nothing can support it
    nodes = [*nodes, Node(id=lonely, label="Drug", name="lonely")]
    edges = [*edges, Edge(head=drug, type="CAUSES", tail=sick), Edge(head=lonely, type="CAUSES", tail="DOID:3")]
    graph = build_graph(nodes, edges, schema)
    target = ("Drug", "TREATS", "Disease")
    pos = graph.positions
    known_pairs = [(pos[e.head][1], pos[e.tail][1]) for e in edges if e.type in ("TREATS", "PALLIATES")]
    known = known_matrix(torch.tensor(known_pairs).t(), graph.num_nodes("Drug"), graph.num_nodes("Disease"))

    def rows(groups):  # every candidate scores the same: all unknown drugs are proposed
        return torch.zeros(groups.numel(), graph.num_nodes("Drug"))

    hyps = top_k_hypotheses(
        None,
        None,
        graph,
        target,
        known,
        "PREDICTED_TREATS",
        100,
        "m",
        "r",
        group_by="tail",
        path_index=build_path_index(graph),
        max_paths=5,
        scorer=QueryScorer(rows, lambda h, t: torch.zeros(h.numel())),
    )
    by_pair = {(h.head, h.tail): h for h in hyps}
    contra = by_pair[(drug, sick)]
    assert [p.metapath for p in contra.explanation if p.against] == ["CcD"]
    assert "evidence against (CcD)" in contra.note
    for h in hyps:
        for p in h.explanation:
            if p.against:
                continue
            rule = next(r for r in TREATS.support if r.name == p.metapath)
            assert p.relations == rule.relations and "CAUSES" not in p.relations
            assert p.nodes[0] == h.head and p.nodes[-1] == h.tail
    lonely_hyps = [h for h in hyps if h.head == lonely]
    assert lonely_hyps and all(h.note.startswith(NO_SUPPORT) for h in lonely_hyps)
    assert all(not h.explanation for h in lonely_hyps if h.tail != "DOID:3")
    assert all(h.note == "" for h in hyps if any(not p.against for p in h.explanation))
