"""``medkg hypotheses``: the stored hypotheses, read back from the embedded store (no Neo4j)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kg.build import run_linkprediction_step
from kg.cli import app
from kg.config import load_config
from kg.store.hypotheses import HypothesisQueryError, top_hypotheses
from kg.store.sqlite import SqliteStore
from kg.types import Edge, Hypothesis, Node, PathContribution
from tests.gnn.conftest import tiny_graph

runner = CliRunner()

NODES = [
    Node(id="DRUGBANK:DB00722", label="Drug", name="Lisinopril"),
    Node(id="DRUGBANK:DB00331", label="Drug", name="Metformin"),
    Node(id="DRUGBANK:DB00682", label="Drug", name="Warfarin"),
    Node(id="DOID:10763", label="Disease", name="hypertension"),
    Node(id="DOID:9352", label="Disease", name="type 2 diabetes mellitus"),
    Node(id="HP:0002315", label="Symptom", name="Headache"),
    Node(id="HP:0000822", label="Symptom", name="Hypertension"),
    Node(id="NCBIGene:1636", label="Gene", name="ACE"),
]
EDGES = [
    Edge(head="DRUGBANK:DB00722", type="BINDS", tail="NCBIGene:1636", confidence=1.0),
    Edge(head="DOID:10763", type="ASSOCIATED_WITH", tail="NCBIGene:1636", confidence=1.0),
    Edge(head="DRUGBANK:DB00331", type="TREATS", tail="DOID:9352", confidence=1.0),
    Edge(head="DOID:9352", type="HAS_SYMPTOM", tail="HP:0002315", confidence=1.0),
]
PATH = PathContribution(
    nodes=("DRUGBANK:DB00722", "NCBIGene:1636", "DOID:10763"),
    relations=("BINDS", "ASSOCIATED_WITH"),
    contribution=0.75,
    metapath="CbGaD",
)
AGAINST = PathContribution(
    nodes=("DRUGBANK:DB00682", "DOID:9352"), relations=("CAUSES",), contribution=0.0, metapath="CcD", against=True
)
CONTRA_NOTE = "no supporting path; evidence against (CcD): the drug causes the disease (contra-indication)"


def _hyp(head: str, rel: str, tail: str, score: float, rank: int, paths=(), note="") -> Hypothesis:
    return Hypothesis(
        head=head,
        type=rel,
        tail=tail,
        score=score,
        rank=rank,
        model_version="m-1",
        run_id="r-1",
        explanation=paths,
        note=note,
    )


# scores chosen so that the listing order differs from insertion order and from the stored group rank
HYPS = [
    _hyp("DRUGBANK:DB00331", "PREDICTED_TREATS", "DOID:10763", 0.40, 1),
    _hyp("DRUGBANK:DB00722", "PREDICTED_TREATS", "DOID:10763", 0.90, 2, (PATH,)),
    _hyp("DRUGBANK:DB00682", "PREDICTED_TREATS", "DOID:9352", 0.65, 1, (AGAINST,), CONTRA_NOTE),
    _hyp("DRUGBANK:DB00722", "PREDICTED_TREATS", "DOID:9352", 0.65, 2, (), "no supporting path"),
    _hyp("DOID:10763", "PREDICTED_HAS_SYMPTOM", "HP:0002315", 0.70, 1),
    _hyp("DOID:9352", "PREDICTED_HAS_SYMPTOM", "HP:0000822", 0.20, 1),
]


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("hyp") / "store"
    with SqliteStore(d) as s:
        s.load_seed("hetionet", NODES, EDGES, "hyp-1")
        s.write_hypotheses(HYPS, ["PREDICTED_TREATS", "PREDICTED_HAS_SYMPTOM"], "r-1")
    return d


def _json_last(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def _run(*args: str):
    return runner.invoke(app, ["hypotheses", *args])


def _said(result) -> str:
    """A result's output as one line of words: click's error box wraps a message at the terminal width, so a
    longer temporary path moves its line breaks (the box drawing is dropped)."""
    return " ".join(result.output.translate({ord(c): " " for c in "│╭╮╰╯─"}).split())


def test_ranked_by_score_per_type_with_paths_and_json_keys(store_dir):
    rows = _json_last(_run("--store", str(store_dir), "--json"))
    assert [(r["type"], r["head"], r["tail"]) for r in rows] == [
        ("PREDICTED_HAS_SYMPTOM", "DOID:10763", "HP:0002315"),
        ("PREDICTED_HAS_SYMPTOM", "DOID:9352", "HP:0000822"),
        ("PREDICTED_TREATS", "DRUGBANK:DB00722", "DOID:10763"),
        ("PREDICTED_TREATS", "DRUGBANK:DB00682", "DOID:9352"),  # tie at 0.65: group rank 1 first
        ("PREDICTED_TREATS", "DRUGBANK:DB00722", "DOID:9352"),
        ("PREDICTED_TREATS", "DRUGBANK:DB00331", "DOID:10763"),
    ]
    assert [r["rank"] for r in rows] == [1, 2, 1, 2, 3, 4]
    required = {"type", "head", "tail", "head_name", "tail_name", "score", "rank", "group_rank", "model_version"}
    assert all(required | {"paths", "run_id"} <= set(r) for r in rows)
    best = rows[2]
    assert (best["head_name"], best["tail_name"], best["score"], best["group_rank"]) == (
        "Lisinopril",
        "hypertension",
        0.9,
        2,
    )
    assert best["model_version"] == "m-1"
    assert best["paths"] == [
        {
            "nodes": list(PATH.nodes),
            "names": ["Lisinopril", "ACE", "hypertension"],
            "labels": ["Drug", "Gene", "Disease"],
            "relations": ["BINDS", "ASSOCIATED_WITH"],
            "metapath": "Drug-BINDS-Gene-ASSOCIATED_WITH-Disease",
            "contribution": 0.75,
            "metapath_name": "CbGaD",
            "against": False,
        }
    ]
    assert best["note"] == ""
    assert rows[4]["paths"] == [] and rows[4]["note"] == "no supporting path"
    # a contrary edge is stored and read back flagged, never as support, and the note says so
    assert [(p["metapath_name"], p["against"], p["relations"]) for p in rows[3]["paths"]] == [("CcD", True, ["CAUSES"])]
    assert rows[3]["note"] == CONTRA_NOTE


def test_the_listing_shows_metapath_names_contrary_paths_and_notes(store_dir):
    out = _run("--store", str(store_dir), "--type", "TREATS")
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "CbGaD" in text and "AGAINST CcD" in text and "no supporting path" in text


def test_type_and_top(store_dir):
    rows = _json_last(_run("--store", str(store_dir), "--type", "TREATS", "--top", "2", "--json"))
    assert [(r["head"], r["tail"], r["rank"]) for r in rows] == [
        ("DRUGBANK:DB00722", "DOID:10763", 1),
        ("DRUGBANK:DB00682", "DOID:9352", 2),
    ]
    assert {r["type"] for r in rows} == {"PREDICTED_TREATS"}
    text = _run("--store", str(store_dir), "--type", "TREATS", "--top", "1")
    assert text.exit_code == 0, text.output
    assert "Lisinopril" in text.stdout and "Drug-BINDS-Gene-ASSOCIATED_WITH-Disease" in text.stdout
    assert "Warfarin" not in text.stdout


def test_node_by_curie_or_name_on_either_end(store_dir):
    by_id = _json_last(_run("--store", str(store_dir), "--node", "DOID:9352", "--json"))
    assert {(r["head"], r["tail"]) for r in by_id} == {
        ("DRUGBANK:DB00682", "DOID:9352"),
        ("DRUGBANK:DB00722", "DOID:9352"),
        ("DOID:9352", "HP:0000822"),  # the node at the head end
    }
    # a name, case-insensitively: "HYPERTENSION" is a Disease and a Symptom; both ends count
    by_name = _json_last(_run("--store", str(store_dir), "--node", "HYPERTENSION", "--json"))
    assert {(r["head"], r["tail"]) for r in by_name} == {
        ("DRUGBANK:DB00722", "DOID:10763"),
        ("DRUGBANK:DB00331", "DOID:10763"),
        ("DOID:10763", "HP:0002315"),
        ("DOID:9352", "HP:0000822"),
    }
    drug = _json_last(_run("--store", str(store_dir), "--node", "lisinopril", "--type", "TREATS", "--json"))
    assert [r["tail"] for r in drug] == ["DOID:10763", "DOID:9352"]
    # a CURIE is matched exactly, never as a name or a prefix
    assert _run("--store", str(store_dir), "--node", "doid:9352").exit_code == 2
    # a known node that no hypothesis touches: an empty list, not an error
    assert _json_last(_run("--store", str(store_dir), "--node", "ACE", "--json")) == []


def test_errors_exit_2_and_name_the_problem(store_dir, tmp_path):
    missing = _run("--store", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "no medkg store" in _said(missing)
    assert not (tmp_path / "nowhere").exists()  # reading never creates a store
    unknown = _run("--store", str(store_dir), "--node", "no such disease")
    assert unknown.exit_code == 2 and "no node with id or name" in _said(unknown)
    bad_type = _run("--store", str(store_dir), "--type", "CAUSES")
    assert bad_type.exit_code == 2 and "HAS_SYMPTOM" in _said(bad_type) and "TREATS" in _said(bad_type)
    assert _run("--store", str(store_dir), "--top", "0").exit_code == 2
    empty = tmp_path / "empty"
    with SqliteStore(empty) as s:
        s.load_seed("hetionet", NODES, EDGES, "hyp-1")
        s.write_hypotheses(HYPS[4:], ["PREDICTED_HAS_SYMPTOM"], "r-1")
    none = _run("--store", str(empty), "--type", "TREATS")
    assert none.exit_code == 2 and "no PREDICTED_TREATS hypotheses" in _said(none)
    assert _json_last(_run("--store", str(empty), "--json"))[0]["type"] == "PREDICTED_HAS_SYMPTOM"


def test_reads_what_the_link_prediction_step_wrote(tmp_path, schema):
    """On a store whose hypotheses come from the real step: best first per type, paths as stored."""
    nodes, edges = tiny_graph()
    overrides = ["gnn.mode=train", "gnn.hidden_dim=8", "gnn.epochs=2", "gnn.top_k=3", "gnn.params={num_threads: 1}"]
    cfg = load_config(None, overrides)
    d = tmp_path / "store"
    with SqliteStore(d) as s:
        s.load_seed("hetionet", nodes, edges, "tiny-1")
        run_linkprediction_step(s, schema, cfg, run_id="lp-1")
        stored = s.hypotheses("PREDICTED_TREATS")
    views = top_hypotheses(d, schema, "TREATS", top=5)
    assert len(views) == 5
    assert [v.score for v in views] == sorted((v.score for v in views), reverse=True)
    assert views[0].score == max(h.score for h in stored)
    by_pair = {(h.head, h.tail): h for h in stored}
    for v in views:
        h = by_pair[(v.head, v.tail)]
        assert (v.model_version, v.run_id, v.group_rank) == (h.model_version, "lp-1", h.rank)
        assert [p.nodes for p in v.paths] == [p.nodes for p in h.explanation]
        assert all(p.metapath.startswith("Drug-") and p.metapath.endswith("-Disease") for p in v.paths)
        assert (v.note, [p.metapath_name for p in v.paths]) == (h.note, [p.metapath for p in h.explanation])
        assert all(p.metapath_name for p in v.paths) and (v.paths or v.note)
    with pytest.raises(HypothesisQueryError, match="unknown hypothesis type"):
        top_hypotheses(d, schema, "BINDS")
