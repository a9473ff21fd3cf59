"""The partial hypothesis refresh (issue 21): after any change, the hypotheses equal a full refresh of the same graph.

A served store keeps a snapshot of what the model read; a change the model never reads keeps every hypothesis
(``refresh: partial``), any other change refreshes them in full (``refresh: full`` with the reason). Each case
compares the store after the step with a full refresh of a copy of it: scores to float equality, ranks,
explanations, notes, model versions (run ids aside: a kept hypothesis keeps the run id that computed it).
"""

import json
import logging
import random
import shutil
from pathlib import Path

import pytest

from kg.build import build
from kg.config import load_config
from kg.linkpred_step import run_linkprediction_step
from kg.schema import load_schema
from kg.store.sqlite import SqliteStore
from kg.store.sqlite_tables import INSERT_EDGE, edge_row
from kg.types import Edge
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = FIXTURES / "hetionet_sample"  # the 12 diseases with the most CtD + CpD edges, their compounds, ...

NOTES = [
    {"id": "n1", "text": "Started on lisinopril for hypertension. Metformin for type 2 diabetes mellitus."},
    {"id": "n2", "text": "Heart failure with dyspnea and edema."},
]
QUICK = ["ner.name=dictionary", "linker.name=lexicon", "relations.name=rules", "seed.hpo_annotations=false"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A store built on the Hetionet sample (13 diseases served, 130 hypotheses) with its snapshot, and its config."""
    root = tmp_path_factory.mktemp("refresh")
    config = load_config(None, [f"seed.hetionet_dir={SAMPLE}", *QUICK])
    corpus = root / "notes.jsonl"
    corpus.write_text("\n".join(json.dumps(n) for n in NOTES) + "\n", encoding="utf-8")
    build([corpus], config, store_dir=root / "store")
    return root / "store", config


def _rows(store_dir: Path) -> list[tuple]:
    with SqliteStore(store_dir) as store:
        hyps = store.hypotheses()
    return sorted((h.head, h.type, h.tail, h.score, h.rank, h.model_version, h.explanation, h.note) for h in hyps)


def _full(store_dir: Path, config, where: Path) -> list[tuple]:
    """The hypotheses of a full refresh of a copy of ``store_dir``."""
    shutil.copytree(store_dir, where)
    with SqliteStore(where) as store:
        store.set_meta("linkpred_state", "")
        run_linkprediction_step(store, load_schema(), config, "full")
    return _rows(where)


def _refresh(store_dir: Path, config, run_id: str) -> dict:
    """Run the step on ``store_dir``; its run record's details."""
    with SqliteStore(store_dir) as store:
        run_linkprediction_step(store, load_schema(), config, run_id)
        row = store.conn.execute("SELECT details FROM runs WHERE run_id = ?", (f"{run_id}/linkpred",)).fetchone()
    return json.loads(row[0])


def _ids(store_dir: Path, label: str) -> list[str]:
    with SqliteStore(store_dir) as store:
        return [r[0] for r in store.conn.execute("SELECT id FROM nodes WHERE label = ? ORDER BY id", (label,))]


def _hub(store: SqliteStore, rel: str) -> tuple[str, str, str]:
    """An edge of ``rel`` at the node with the most ``rel`` edges (a changed hub)."""
    q = "SELECT head, COUNT(*) c FROM edges WHERE type = ? GROUP BY head ORDER BY c DESC, head LIMIT 1"
    head = store.conn.execute(q, (rel,)).fetchone()[0]
    tail = store.conn.execute(
        "SELECT tail FROM edges WHERE head = ? AND type = ? ORDER BY tail", (head, rel)
    ).fetchone()
    return head, rel, tail[0]


def _add_node(store: SqliteStore, node_id: str, label: str) -> None:
    store.conn.execute(
        "INSERT OR REPLACE INTO nodes(id, label, name, xrefs, sources, unlinked) VALUES (?, ?, ?, '[]', '[\"text\"]', 0)",
        (node_id, label, node_id.lower()),
    )


def _add_edge(store: SqliteStore, head: str, rel: str, tail: str, confidence: float = 0.7) -> None:
    store.conn.execute(INSERT_EDGE, edge_row(Edge(head=head, type=rel, tail=tail, confidence=confidence)))


def _unread_edge(store_dir: Path) -> tuple[str, str, str]:
    genes = _ids(store_dir, "Gene")
    return genes[0], "REGULATES", genes[-1]  # Gene-Gene: in no target's message graph


# -- changes the model never reads: partial refresh ------------------------------------------------------------


def _edgeless_node(store: SqliteStore, store_dir: Path) -> None:
    _add_node(store, "MESH:D999999", "Disease")


def _removed_edgeless_node(store: SqliteStore, store_dir: Path) -> None:
    _add_node(store, "MESH:D999998", "Symptom")
    with store.transaction():
        store.replace_linkpred_snapshot()  # as if the node had been there at the serving
    store.conn.execute("DELETE FROM nodes WHERE id = 'MESH:D999998'")


def _unread_edges(store: SqliteStore, store_dir: Path) -> None:
    h, rel, t = _unread_edge(store_dir)
    _add_edge(store, h, rel, t)
    genes = _ids(store_dir, "Gene")
    store.conn.execute(
        "UPDATE edges SET confidence = 0.31 WHERE type IN ('REGULATES', 'DOWNREGULATES') AND head = ?", (genes[1],)
    )


def _evidence_only(store: SqliteStore, store_dir: Path) -> None:
    """Sources, counts and times of every edge change (a changed note with the same edges): not read."""
    store.conn.execute("UPDATE edges SET sources = '[\"hpo\"]', evidence_count = 7, first_seen = 'x', last_seen = 'y'")


def _renamed_node(store: SqliteStore, store_dir: Path) -> None:
    store.conn.execute("UPDATE nodes SET name = 'renamed' WHERE label = 'Disease'")


@pytest.mark.parametrize(
    "change", [_edgeless_node, _removed_edgeless_node, _unread_edges, _evidence_only, _renamed_node]
)
def test_a_change_the_model_never_reads_keeps_every_hypothesis_and_equals_a_full_refresh(
    served, tmp_path, change, caplog
):
    source, config = served
    store_dir = tmp_path / "store"
    shutil.copytree(source, store_dir)
    before = _rows(store_dir)
    with SqliteStore(store_dir) as store:
        runs = {h.run_id for h in store.hypotheses()}
        change(store, store_dir)
    with caplog.at_level(logging.INFO, logger="kg.linkpred_step"):
        details = _refresh(store_dir, config, "r2")
    assert details["refresh"] == "partial" and details["groups_rescored"] == 0
    assert "partial refresh, 0 groups re-scored" in caplog.text
    assert _rows(store_dir) == before == _full(store_dir, config, tmp_path / "full")
    with SqliteStore(store_dir) as store:
        assert {h.run_id for h in store.hypotheses()} == runs  # kept rows keep the run that computed them
        assert not store.linkpred_input_diff().edges and not store.linkpred_input_diff().nodes  # snapshot caught up


# -- changes the model reads: full refresh, with the reason ---------------------------------------------------


def _removed_read_edge(store: SqliteStore, store_dir: Path) -> None:
    """A TREATS edge of a served disease goes: its drug becomes a candidate of that disease."""
    h, rel, t = store.conn.execute(
        "SELECT head, type, tail FROM edges WHERE type = 'TREATS'"
        " AND tail IN (SELECT tail FROM hypotheses) ORDER BY tail, head LIMIT 1"
    ).fetchone()
    store.conn.execute("DELETE FROM edges WHERE head = ? AND type = ? AND tail = ?", (h, rel, t))


def _confidence_changed(store: SqliteStore, store_dir: Path) -> None:
    store.conn.execute(
        "UPDATE edges SET confidence = 0.42 WHERE rowid = (SELECT MIN(rowid) FROM edges WHERE type = 'TREATS')"
    )


def _changed_hub(store: SqliteStore, store_dir: Path) -> None:
    h, rel, t = _hub(store, "ASSOCIATED_WITH")
    store.conn.execute("DELETE FROM edges WHERE head = ? AND type = ? AND tail = ?", (h, rel, t))


def _new_text_node_with_edge(store: SqliteStore, store_dir: Path) -> None:
    _add_node(store, "MESH:D999997", "Symptom")
    _add_edge(store, _ids(store_dir, "Disease")[0], "HAS_SYMPTOM", "MESH:D999997")


def _added_treats(store: SqliteStore, store_dir: Path) -> None:
    """The best hypothesis becomes an asserted (text-mined) TREATS edge: it is no longer proposed."""
    h, t = store.conn.execute("SELECT head, tail FROM hypotheses ORDER BY score DESC, head, tail LIMIT 1").fetchone()
    _add_edge(store, h, "TREATS", t, 0.55)


def _relabelled(store: SqliteStore, store_dir: Path) -> None:
    store.conn.execute(
        "UPDATE nodes SET label = 'Symptom' WHERE id = (SELECT MIN(id) FROM nodes WHERE label = 'Disease')"
    )


@pytest.mark.parametrize(
    ("change", "reason", "moves"),
    [
        (_removed_read_edge, "edges the model reads changed", True),
        (_confidence_changed, "edges the model reads changed", False),
        (_changed_hub, "edges the model reads changed", False),
        (_new_text_node_with_edge, "edges the model reads changed", False),
        (_added_treats, "edges the model reads changed", True),
        (_relabelled, "relabelled", False),
    ],
)
def test_a_change_the_model_reads_refreshes_in_full_and_says_why(served, tmp_path, change, reason, moves):
    """``moves``: the change certainly changes the hypotheses (keeping them would fail the comparison)."""
    source, config = served
    store_dir = tmp_path / "store"
    shutil.copytree(source, store_dir)
    before = _rows(store_dir)
    with SqliteStore(store_dir) as store:
        runs_before = {h.run_id for h in store.hypotheses()}
        change(store, store_dir)
    details = _refresh(store_dir, config, "r2")
    assert details["refresh"] == "full" and reason in details["refresh_reason"]
    assert _rows(store_dir) == _full(store_dir, config, tmp_path / "full")
    assert not moves or _rows(store_dir) != before
    with SqliteStore(store_dir) as store:
        # a hypothesis the refresh gave the same values keeps its run id; a new or changed one is r2's
        kept = set(before) & set(_rows(store_dir))
        for h in store.hypotheses():
            same = (h.head, h.type, h.tail, h.score, h.rank, h.model_version, h.explanation, h.note) in kept
            assert h.run_id in runs_before if same else h.run_id == "r2"
        assert details["written"] == len(set(_rows(store_dir)) - kept)
        assert not store.linkpred_input_diff().edges  # the snapshot is the graph the new hypotheses came from


def test_no_snapshot_or_another_config_refreshes_in_full(served, tmp_path):
    source, config = served
    store_dir = tmp_path / "store"
    shutil.copytree(source, store_dir)
    with SqliteStore(store_dir) as store:  # a store from before the snapshot
        store.conn.execute("DELETE FROM linkpred_edges")
        store.conn.execute("DELETE FROM meta WHERE key IN ('linkpred_snapshot', 'linkpred_state')")
    assert _refresh(store_dir, config, "r2")["refresh_reason"] == "no snapshot of the graph the model last read"
    assert _refresh(store_dir, config, "r3")["refresh"] == "partial"
    other = load_config(None, ["gnn.top_k=3", f"seed.hetionet_dir={config.seed.hetionet_dir}", *QUICK])
    details = _refresh(store_dir, other, "r4")
    assert details["refresh"] == "full" and "config" in details["refresh_reason"]
    assert _rows(store_dir) == _full(store_dir, other, tmp_path / "full") and max(r[4] for r in _rows(store_dir)) == 3


def test_a_failed_partial_refresh_leaves_the_hypotheses_and_the_snapshot_as_they_were(served, tmp_path, monkeypatch):
    source, config = served
    store_dir = tmp_path / "store"
    shutil.copytree(source, store_dir)
    before = _rows(store_dir)
    with SqliteStore(store_dir) as store:
        _add_node(store, "MESH:D999996", "Disease")

    def boom(self, diff):
        raise RuntimeError("killed mid-write")

    monkeypatch.setattr(SqliteStore, "apply_linkpred_diff", boom)
    with SqliteStore(store_dir) as store, pytest.raises(RuntimeError):
        run_linkprediction_step(store, load_schema(), config, "r2")
    monkeypatch.undo()
    with SqliteStore(store_dir) as store:
        assert [n for n, _, _ in store.linkpred_input_diff().nodes] == ["MESH:D999996"]  # the snapshot is the old one
        assert store.conn.execute("SELECT 1 FROM runs WHERE run_id = 'r2/linkpred'").fetchone() is None
    assert _rows(store_dir) == before
    assert _refresh(store_dir, config, "r3")["refresh"] == "partial"


CHANGES = [_edgeless_node, _unread_edges, _renamed_node, _removed_read_edge, _confidence_changed, _added_treats]


@pytest.mark.parametrize("seed", [1, 2])
def test_random_sequences_of_changes_always_equal_a_full_refresh(served, tmp_path, seed):
    """A seeded random sequence of changes, read and unread mixed: after each run the hypotheses equal a full
    refresh of the same graph (a cheap stand-in for a property test: each step serves the model twice)."""
    assert {_removed_read_edge, _added_treats} <= set(CHANGES)
    source, config = served
    store_dir = tmp_path / "store"
    shutil.copytree(source, store_dir)
    rng = random.Random(seed)
    for step, change in enumerate(rng.sample(CHANGES, 5)):  # 5 of 6: one that moves the hypotheses at least
        with SqliteStore(store_dir) as store:
            change(store, store_dir)
        _refresh(store_dir, config, f"s{step}")
        assert _rows(store_dir) == _full(store_dir, config, tmp_path / f"full{step}"), change.__name__


def test_the_diff_names_added_removed_and_changed_edges_and_stops_at_its_limit(served, tmp_path):
    source, _ = served
    store_dir = tmp_path / "store"
    shutil.copytree(source, store_dir)
    with SqliteStore(store_dir) as store:
        h, rel, t = _hub(store, "ASSOCIATED_WITH")
        store.conn.execute("DELETE FROM edges WHERE head = ? AND type = ? AND tail = ?", (h, rel, t))
        _add_node(store, "MESH:D999995", "Symptom")
        _add_edge(store, h, "HAS_SYMPTOM", "MESH:D999995", 0.6)
        diff = store.linkpred_input_diff()
        assert (h, rel, t, 1.0, None) in diff.edges and (h, "HAS_SYMPTOM", "MESH:D999995", None, 0.6) in diff.edges
        assert diff.nodes == [("MESH:D999995", None, "Symptom")] and diff.labels["MESH:D999995"] == "Symptom"
        assert not diff.truncated and len(diff.edges) == 2
        assert store.linkpred_input_diff(limit=1).truncated and len(store.linkpred_input_diff(limit=1).edges) == 1


def test_the_affected_group_count_reaches_groups_through_a_hub_and_none_without_a_touched_node(served):
    """benchmarks/refresh_affected.py's count (its figures are in docs/benchmarks.md)."""
    import importlib.util

    from kg.gnn.options import link_params, target_config
    from kg.gnn.prepare import message_graph
    from kg.gnn.serving import load_default

    spec = importlib.util.spec_from_file_location("refresh_affected", ROOT / "benchmarks" / "refresh_affected.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    store_dir, config = served
    with SqliteStore(store_dir) as store:
        nodes, edges = list(store.nodes()), list(store.edges())
        hub = _hub(store, "TREATS")
        groups = {r[0] for r in store.conn.execute("SELECT DISTINCT tail FROM hypotheses")}
    tm = load_default(config.gnn.model_dir).targets["TREATS"]
    params = link_params(target_config(config.gnn, "TREATS").params)
    graph = message_graph(nodes, edges, load_schema(), params, tm.target, {"TREATS", *config.gnn.targets})
    none = module._target_report(graph, tm, groups, set(), [])
    assert none == {"groups": len(groups), "via_metapaths": 0, "with_degree_features": 0}
    drug = module._target_report(graph, tm, groups, {hub[0]}, [])
    assert 0 < drug["via_metapaths"] <= len(groups)
    column = module._target_report(graph, tm, groups, set(hub[::2]), [(hub[0], "TREATS", hub[2], 1.0, None)])
    assert column["with_degree_features"] == len(groups)  # the drug's TREATS degree moved: a column of every group


def test_stored_paths_read_without_validation_are_the_stored_paths():
    from kg.store.sqlite_tables import hypothesis_from_row, hypothesis_row, paths_from_json
    from kg.types import Hypothesis, PathContribution

    paths = (
        PathContribution(nodes=("a", "b"), relations=("TREATS",), contribution=0.25),
        PathContribution(
            nodes=("a", "c", "d"), relations=("BINDS", "ASSOCIATED_WITH"), contribution=1 / 3, metapath="CbGaD"
        ),
        PathContribution(nodes=("a", "d"), relations=("CAUSES",), contribution=0.0, metapath="CcD", against=True),
    )
    h = Hypothesis(
        head="a", type="PREDICTED_TREATS", tail="d", score=0.5, rank=1, model_version="m", run_id="r", explanation=paths
    )
    row = hypothesis_row(h)
    fast = paths_from_json(row[7])
    assert [p.model_dump() for p in fast] == [p.model_dump() for p in hypothesis_from_row(row).explanation]
    assert hypothesis_row(h.model_copy(update={"explanation": fast})) == row  # written back byte for byte
