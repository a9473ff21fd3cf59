"""Notebooks must run: execute every code cell of each notebook against a small real store."""

import json
from pathlib import Path

import pytest

from kg.build import build
from kg.config import load_config
from kg.store.sqlite import SqliteStore
from tests.cli.test_hypotheses import HYPS
from tests.cli.test_hypotheses import NODES as HYP_NODES
from tests.gnn.conftest import tiny_graph
from tests.test_pipeline import NOTES

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
#: what each notebook must leave defined and non-empty
EXPECTED = {
    "explore_graph.ipynb": ["text_edges"],
    "linkpred_evaluation.ipynb": ["curves", "explained", "metrics"],
    "why_this_drug.ipynb": ["hypothesis", "why", "others"],
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, seed_dir, monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    corpus = tmp_path / "notes.jsonl"
    corpus.write_text("\n".join(json.dumps(n) for n in NOTES), encoding="utf-8")
    store = tmp_path / "store"
    cfg = load_config(None, [f"seed.hetionet_dir={seed_dir}", "seed.hpo_annotations=false", "gnn.enabled=false"])
    build([corpus], cfg, store_dir=store)
    monkeypatch.setenv("MEDKG_STORE", str(store))
    # link prediction needs more target edges than the fixture seed has: a tiny synthetic graph store
    lp_store = tmp_path / "lp-store"
    nodes, edges = tiny_graph()
    with SqliteStore(lp_store) as s:
        s.load_seed("hetionet", nodes, edges, "tiny")
    monkeypatch.setenv("MEDKG_LINKPRED_STORE", str(lp_store))
    # stored hypotheses with their reasons (as the link-prediction step writes them)
    why_store = tmp_path / "why-store"
    with SqliteStore(why_store) as s:
        s.load_seed("hetionet", HYP_NODES, [], "why")
        s.write_hypotheses(HYPS, ["PREDICTED_TREATS", "PREDICTED_HAS_SYMPTOM"], "r-1")
    monkeypatch.setenv("MEDKG_WHY_STORE", str(why_store))
    namespace: dict[str, object] = {}
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    assert cells
    for cell in cells:
        exec(compile("".join(cell["source"]), f"{path.name}", "exec"), namespace)  # noqa: S102
    assert path.name in EXPECTED, f"add the names {path.name} must define to EXPECTED"
    for name in EXPECTED[path.name]:
        assert namespace[name], name
