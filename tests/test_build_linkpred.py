"""The build's link-prediction step re-serves only when the graph the served model reads changed (issue 21);
the snapshot and diff behind it: tests/test_linkpred_refresh.py."""

import json
import logging

from kg.build import build, run_linkprediction_step
from kg.config import load_config
from kg.schema import load_schema
from kg.store.sqlite import SqliteStore

NOTES = [
    {"id": "n1", "text": "Started on lisinopril for hypertension. Metformin for type 2 diabetes mellitus."},
    {"id": "n2", "text": "Heart failure with dyspnea and edema."},
]
QUICK = ["ner.name=dictionary", "linker.name=lexicon", "relations.name=rules", "seed.hpo_annotations=false"]


def _write(path, notes):
    path.write_text("\n".join(json.dumps(n) for n in notes) + "\n", encoding="utf-8")
    return path


def _hypotheses(store_dir):
    """(head, type, tail, score, rank, explanation, note) of every stored hypothesis, and the run ids they carry."""
    with SqliteStore(store_dir) as store:
        hyps = store.hypotheses()
    rows = sorted((h.head, h.type, h.tail, h.score, h.rank, h.explanation, h.note) for h in hyps)
    return rows, {h.run_id for h in hyps}


def _full_refresh(store_dir, config):
    """The hypotheses a full refresh of the same store gives (no fingerprint, no digest)."""
    with SqliteStore(store_dir) as store:
        store.set_meta("linkpred_fingerprint", "")
        store.set_meta("linkpred_state", "")
        run_linkprediction_step(store, load_schema(), config, "refresh", changed=True)
    return _hypotheses(store_dir)[0]


def test_hypotheses_are_kept_when_the_graph_the_model_reads_is_unchanged_and_equal_a_full_refresh(
    tmp_path, seed_dir, caplog
):
    config = load_config(None, [f"seed.hetionet_dir={seed_dir}", *QUICK])
    corpus, store_dir = tmp_path / "notes.jsonl", tmp_path / "store"
    first = build([_write(corpus, NOTES)], config, store_dir=store_dir)
    rows, runs = _hypotheses(store_dir)
    assert rows and runs == {first.run_id}
    # a changed note whose mentions and relations stay the same: new evidence times, the same graph
    changed = [{**NOTES[0], "text": NOTES[0]["text"] + " Follow up in two weeks."}, NOTES[1]]
    with caplog.at_level(logging.INFO, logger="kg.linkpred_step"):
        second = build([_write(corpus, changed)], config, store_dir=store_dir)
    assert second.skipped_documents == 1 and "partial refresh, 0 groups re-scored" in caplog.text
    assert _hypotheses(store_dir) == (rows, {first.run_id})  # kept, not re-served
    assert _full_refresh(store_dir, config) == rows


def test_a_change_of_the_graph_the_model_reads_re_serves_the_hypotheses(tmp_path, seed_dir, caplog):
    config = load_config(None, [f"seed.hetionet_dir={seed_dir}", *QUICK, "run.retract_missing=true"])
    corpus, store_dir = tmp_path / "notes.jsonl", tmp_path / "store"
    first = build([_write(corpus, NOTES)], config, store_dir=store_dir)
    before, _ = _hypotheses(store_dir)
    # the second note retracted: its HAS_SYMPTOM edges go
    with caplog.at_level(logging.INFO, logger="kg.linkpred_step"):
        second = build([_write(corpus, NOTES[:1])], config, store_dir=store_dir)
    assert second.retracted == 1
    assert "partial refresh" not in caplog.text and "full refresh (" in caplog.text
    rows, runs = _hypotheses(store_dir)
    # a hypothesis served again with the same values keeps the run id that first gave it (here: every one)
    assert runs <= {first.run_id, second.run_id} and (second.run_id in runs) == (rows != before)
    assert _full_refresh(store_dir, config) == rows


def test_serving_only_the_edges_it_reads_gives_the_hypotheses_of_every_edge(tmp_path, seed_dir):
    from kg.gnn.serve import predict_links, served_edge_filter

    config = load_config(None, [f"seed.hetionet_dir={seed_dir}", *QUICK, "gnn.enabled=false"])
    build([_write(tmp_path / "notes.jsonl", NOTES)], config, store_dir=tmp_path / "store")
    schema, gnn = load_schema(), config.gnn.model_copy(update={"enabled": True})
    with SqliteStore(tmp_path / "store") as store:
        nodes, every = list(store.nodes()), list(store.edges())
        keep = served_edge_filter(schema, gnn, {n.id: n.label for n in nodes})
        kept = list(store.edges(keep=keep))
    # the fixture's Gene-Gene and Anatomy-Gene edges are in no target's message graph
    assert 0 < len(kept) < len(every) and {e.type for e in every} - {e.type for e in kept} == {
        "DOWNREGULATES",
        "REGULATES",
    }
    assert [e for e in every if keep(e.head, e.type, e.tail)] == kept
    full, only = predict_links(nodes, every, schema, gnn, "r"), predict_links(nodes, kept, schema, gnn, "r")
    assert full.hypotheses and only.hypotheses == full.hypotheses
    assert only.metrics == full.metrics
