"""Runs that never lose anything (issue 21): checkpoints, resume after kill -9, retraction, the store lock, run records."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.build import build
from kg.cli.app import app
from kg.config import load_config
from kg.store.lock import StoreBusy, StoreLock
from kg.store.neo4j import Neo4jStore
from kg.store.sqlite import SqliteStore
from tests.test_pipeline import _QUICK, NOTES

runner = CliRunner()
#: The graph tables a run's result is compared on (runs, quarantine and meta differ by design).
GRAPH_TABLES = ("nodes", "edges", "evidence", "mentions", "documents", "seed_edges", "hypotheses")
MORE = [
    {"id": f"m{i}", "text": text}
    for i, text in enumerate(
        [
            "Started on metformin for type 2 diabetes mellitus.",
            "Amoxicillin was prescribed for otitis media.",
            "Lisinopril for hypertension; denies chest pain.",
            "Asthma treated with albuterol.",
            "Nausea due to metformin.",
            "Warfarin interacts with amiodarone.",
        ]
    )
]


def _config(seed_dir, **extra):
    overrides = [f"seed.hetionet_dir={seed_dir}", "seed.hpo_annotations=false", "gnn.enabled=false"]
    overrides += [f"{k}={v}" for k, v in {**_QUICK, **extra}.items()]
    return load_config(None, overrides)


def _write(path: Path, notes: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(n) + "\n" for n in notes), encoding="utf-8")
    return path


def _dump(store_dir: Path) -> dict[str, list[tuple]]:
    """Sorted rows of the graph tables, without the columns that name a run or a time."""
    conn = sqlite3.connect(store_dir / "graph.sqlite")
    out = {}
    for table in GRAPH_TABLES:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]  # test-only SQL over known names
        keep = [c for c in cols if c not in ("run_id", "processed_at", "seen_at", "first_seen", "last_seen")]
        out[table] = sorted(map(tuple, conn.execute(f"SELECT {', '.join(f'[{c}]' for c in keep)} FROM {table}")))
    conn.close()
    return out


def _clean_build(tmp_path: Path, seed_dir: Path, notes: list[dict[str, str]], name: str, **extra) -> dict:
    store = tmp_path / name
    build([_write(tmp_path / f"{name}.jsonl", notes)], _config(seed_dir, **extra), store_dir=store)
    return _dump(store)


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("MEDKG_ID_KEY", "tests-run-key-0123456789")  # one key: every store pseudonymizes ids alike


def test_checkpoints_give_the_graph_one_transaction_gives(tmp_path, seed_dir):
    notes = [*NOTES, *MORE]
    one = _clean_build(tmp_path, seed_dir, notes, "one")
    every_two = _clean_build(tmp_path, seed_dir, notes, "two", **{"run.checkpoint_every": 2})
    assert one == every_two and one["documents"]


def test_missing_documents_are_retracted_to_the_graph_a_clean_run_gives(tmp_path, seed_dir):
    store = tmp_path / "store"
    corpus = _write(tmp_path / "notes.jsonl", [*NOTES, *MORE])
    cfg = _config(seed_dir, **{"run.retract_missing": True})
    build([corpus], cfg, store_dir=store)
    kept = [n for n in [*NOTES, *MORE] if n["id"] not in ("n2", "m4")]  # n2: rash after penicillin
    changed = [dict(n, text="Aspirin for headache.") if n["id"] == "m0" else n for n in kept]
    report = build([_write(corpus, changed)], cfg, store_dir=store)
    assert report.skipped_documents == len(changed) - 1
    with SqliteStore(store) as s:
        last = s.runs()[-1]
    assert last["status"] == "complete" and last["details"]["retracted"] == 2
    assert _dump(store) == _clean_build(tmp_path, seed_dir, changed, "clean")
    # running again changes nothing
    again = build([corpus], cfg, store_dir=store)
    assert again.skipped_documents == len(changed) and _dump(store) == _clean_build(tmp_path, seed_dir, changed, "c2")


def test_retraction_is_withheld_when_an_input_file_cannot_be_read(tmp_path, seed_dir):
    store = tmp_path / "store"
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder / "a.jsonl", NOTES)
    _write(folder / "b.jsonl", MORE)
    cfg = _config(seed_dir, **{"run.retract_missing": True})
    build([folder], cfg, store_dir=store)
    before = _dump(store)
    (folder / "b.jsonl").write_bytes(b"\x1f\x8b not really gzip")  # unreadable now
    (folder / "b.jsonl").rename(folder / "b.jsonl.gz")
    build([folder], cfg, store_dir=store)
    assert _dump(store) == before  # m0..m5 were not retracted for a file that could not be read


def test_medkg_retract_removes_a_document_and_what_only_it_supported(tmp_path, seed_dir):
    store = tmp_path / "store"
    build([_write(tmp_path / "notes.jsonl", [*NOTES, *MORE])], _config(seed_dir), store_dir=store)
    args = ["retract", "n2", "nope", "--store", str(store), "--json"]
    args += [f"--set={k}={v}" for k, v in _QUICK.items()]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["documents"] == 1 and summary["not_found"] == 1 and summary["evidence"] >= 1
    rest = [n for n in [*NOTES, *MORE] if n["id"] != "n2"]
    assert _dump(store) == _clean_build(tmp_path, seed_dir, rest, "clean")
    with SqliteStore(store) as s:
        assert [r["kind"] for r in s.runs()] == ["build", "retract"]


_HOLD = "import sys, time; from kg.store.lock import StoreLock; StoreLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep(600)"


def test_a_second_run_is_refused_while_one_holds_the_store_and_a_dead_holder_releases_it(tmp_path, seed_dir):
    store = tmp_path / "store"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(store)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        # a status query names the holder without taking the lock, on the kernel's table and by a probe
        assert f"pid {holder.pid}" in (StoreLock(store).holder() or "")
        assert f"pid {holder.pid}" in (StoreLock(store)._probe() or "")
        corpus = _write(tmp_path / "notes.jsonl", NOTES)
        with pytest.raises(StoreBusy, match=f"pid {holder.pid}"):
            build([corpus], _config(seed_dir), store_dir=store)
        result = runner.invoke(app, ["build", str(corpus), "--store", str(store), "--no-seeds"])
        assert result.exit_code == 4 and "another medkg run is writing" in result.output
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # the holder died without releasing: its lock went with it
    report = build([_write(tmp_path / "notes.jsonl", NOTES)], _config(seed_dir), store_dir=store)
    assert report.documents == 3
    with StoreLock(store) as mine:  # and the finished run released it
        assert mine.holder() is not None  # held by this process now
    assert StoreLock(store).holder() is None


#: A build in a child process that stops dead (SIGKILL from the test) at one named point of its run:
#: ``<point>:<n>`` is the n-th time the run reaches that point (ingest read, a text-stage chunk done,
#: a store transaction committed, a Neo4j batch written).
_RUN = """
import os, sys, time
import kg.build as kb
import kg.store.sqlite as sq
from kg.config import load_config
seen = {}
def point(name):
    seen[name] = seen.get(name, 0) + 1
    if f"{name}:{seen[name]}" == os.environ["KILL_AT"]:
        print("kill-now", flush=True)
        time.sleep(120)
def after(name, fn):
    def wrapped(*a, **k):
        out = fn(*a, **k)
        point(name)
        return out
    return wrapped
kb.read_inputs = after("ingest", kb.read_inputs)
kb.run_text_stages = after("nlp", kb.run_text_stages)
sq.SqliteStore.apply_build = after("commit", sq.SqliteStore.apply_build)
import kg.store.neo4j as neo
neo.Neo4jStore.execute_write = after("neo4j", neo.Neo4jStore.execute_write)
kb.build([sys.argv[1]], load_config(None, sys.argv[3:]), store_dir=sys.argv[2])
print("finished", flush=True)
"""


def _kill_at(point: str, corpus: Path, store: Path, overrides: list[str]) -> None:
    """Run the child build and SIGKILL it when it reaches ``point`` (it must get there)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "KILL_AT": point}
    run = subprocess.Popen(
        [sys.executable, "-c", _RUN, str(corpus), str(store), *overrides], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert run.stdout is not None and run.stdout.readline().strip() == "kill-now", f"never reached {point}"
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()


#: Nine documents in checkpoints of two: five checkpoints and the run's closing transaction (commit:6).
KILL_POINTS = ["ingest:1", "nlp:1", "commit:1", "nlp:3", "commit:3", "nlp:5", "commit:5", "commit:6"]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_run_killed_anywhere_resumes_to_the_graph_of_a_clean_run(tmp_path, seed_dir, point):
    notes = [*NOTES, *MORE]
    corpus = _write(tmp_path / "notes.jsonl", notes)
    store = tmp_path / "store"
    _kill_at(point, corpus, store, _overrides(seed_dir) + ["run.checkpoint_every=2"])
    with SqliteStore(store) as s:
        committed = len(s.document_state())
        assert s.runs()[-1]["status"] == "running"  # as the dead process left it
    assert committed == {"ingest": 0, "nlp": 2 * (int(point[-1]) - 1), "commit": min(2 * int(point[-1]), 9)}[point[:-2]]
    report = build([corpus], _config(seed_dir, **{"run.checkpoint_every": 2}), store_dir=store)
    assert report.skipped_documents == committed and report.documents == len(notes)
    with SqliteStore(store) as s:
        assert [r["status"] for r in s.runs()] == ["killed", "complete"]
    assert _dump(store) == _clean_build(tmp_path, seed_dir, notes, "clean")


@pytest.mark.neo4j
def test_retraction_reaches_neo4j_and_curated_edges_stay(tmp_path, seed_dir, neo4j_server):
    store = tmp_path / "store"
    neo = [
        f"neo4j.uri={neo4j_server['uri']}",
        f"neo4j.user={neo4j_server['user']}",
        f"neo4j.password={neo4j_server['password']}",
    ]
    with Neo4jStore(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"]) as db:
        db.execute_write("MATCH (n) DETACH DELETE n")
    corpus = _write(tmp_path / "notes.jsonl", [*NOTES, *MORE])
    build([corpus], load_config(None, [*_overrides(seed_dir), *neo]), store_dir=store)

    def graph() -> tuple[set, set, int]:
        return _neo4j_graph(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"])

    full = graph()
    kept = [n for n in [*NOTES, *MORE] if n["id"] not in ("n3", "m5")]  # the two warfarin/amiodarone notes
    build(
        [_write(corpus, kept)],
        load_config(None, [*_overrides(seed_dir), *neo, "run.retract_missing=true"]),
        store_dir=store,
    )
    after = graph()
    interacts = ("DRUGBANK:DB00682", "INTERACTS_WITH", "DRUGBANK:DB01118")
    assert interacts in full[0] and interacts not in after[0]
    assert after[2] < full[2]
    with SqliteStore(store) as s:
        stored = {(e.head, e.type, e.tail) for e in s.edges()}
        assert after[0] == stored  # Neo4j holds exactly the store's edges (seed edges included)
        assert after[1] == {n.id for n in s.nodes()}
        assert after[2] == sum(1 for _ in s.evidence())


def _overrides(seed_dir) -> list[str]:
    out = [f"seed.hetionet_dir={seed_dir}", "seed.hpo_annotations=false", "gnn.enabled=false"]
    return out + [f"{k}={v}" for k, v in _QUICK.items()]


@pytest.mark.neo4j
@pytest.mark.parametrize("point", ["neo4j:2", "neo4j:5"])
def test_a_run_killed_during_the_neo4j_load_ends_in_the_same_graph(tmp_path, seed_dir, neo4j_server, point):
    neo = [
        f"neo4j.uri={neo4j_server['uri']}",
        f"neo4j.user={neo4j_server['user']}",
        f"neo4j.password={neo4j_server['password']}",
        "neo4j.batch_size=3",
    ]
    with Neo4jStore(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"]) as db:
        db.execute_write("MATCH (n) DETACH DELETE n")
    corpus = _write(tmp_path / "notes.jsonl", [*NOTES, *MORE])
    store = tmp_path / "store"
    _kill_at(point, corpus, store, [*_overrides(seed_dir), *neo])
    build([corpus], load_config(None, [*_overrides(seed_dir), *neo]), store_dir=store)
    _assert_neo4j_holds_the_store(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"], store)
    with SqliteStore(store) as s:
        assert [r["status"] for r in s.runs()] == ["killed", "complete"]


@pytest.mark.neo4j
def test_a_neo4j_outage_in_the_middle_of_a_load_ends_in_the_same_graph(tmp_path, seed_dir, neo4j_home, monkeypatch):
    from kg import neo4j_server as server
    from tests.neo4j_fixture import TEST_PASSWORD

    home, port = neo4j_home
    server.start(home, port=port, password=TEST_PASSWORD, timeout=300.0, fast_start=True)
    uri = server.bolt_uri(port)
    neo = [f"neo4j.uri={uri}", f"neo4j.user={server.USER}", f"neo4j.password={TEST_PASSWORD}", "neo4j.batch_size=3"]
    cfg = load_config(None, [*_overrides(seed_dir), *neo])
    corpus = _write(tmp_path / "notes.jsonl", [*NOTES, *MORE])
    store = tmp_path / "store"
    real = Neo4jStore.execute_write
    calls = {"n": 0}

    def outage(self, query, params=None):
        calls["n"] += 1
        if calls["n"] == 4:  # the server goes away in the middle of the load
            server.stop(home)
        return real(self, query, params)

    monkeypatch.setattr(Neo4jStore, "execute_write", outage)
    with pytest.raises(Exception):  # noqa: B017  (whatever the driver raises for a server that is gone)
        build([corpus], cfg, store_dir=store)
    monkeypatch.setattr(Neo4jStore, "execute_write", real)
    with SqliteStore(store) as s:
        assert s.runs()[-1]["status"] == "failed" and len(s.document_state()) == len(NOTES) + len(MORE)
    server.start(home, port=port, password=TEST_PASSWORD, timeout=300.0, fast_start=True)
    build([corpus], cfg, store_dir=store)  # everything is skipped in the store; the load runs again
    _assert_neo4j_holds_the_store(uri, server.USER, TEST_PASSWORD, store)


def _neo4j_graph(uri: str, user: str, password: str) -> tuple[set, set, int]:
    """(edges as (head, type, tail), node ids, evidence count) of the graph in Neo4j."""
    with Neo4jStore(uri, user, password) as db:
        edges = db.execute_read("MATCH (h)-[r]->(t) RETURN h.id AS h, type(r) AS r, t.id AS t")
        nodes = db.execute_read("MATCH (n) WHERE NOT n:Evidence AND NOT n:LoadRun RETURN n.id AS id")
        evidence = db.execute_read("MATCH (e:Evidence) RETURN count(e) AS n")[0]["n"]
    keep = {(e["h"], e["r"], e["t"]) for e in edges if e["r"] not in ("SUBJECT", "OBJECT")}
    return keep, {n["id"] for n in nodes}, evidence


def _assert_neo4j_holds_the_store(uri: str, user: str, password: str, store: Path) -> None:
    """Neo4j holds exactly the store's nodes, edges (seed edges included) and evidence rows."""
    edges, nodes, evidence = _neo4j_graph(uri, user, password)
    with SqliteStore(store) as s:
        assert edges == {(e.head, e.type, e.tail) for e in s.edges()}
        assert nodes == {n.id for n in s.nodes()}
        assert evidence == sum(1 for _ in s.evidence())


def test_a_text_read_as_another_kind_is_processed_again():
    import hashlib

    from kg.build import changed_documents
    from kg.types import Document

    note = Document(id="d", text="Aspirin for pain.", metadata={"document_kind": "note"})
    abstract = note.model_copy(update={"metadata": {"document_kind": "abstract"}})
    ((_, note_hash),) = changed_documents([note], {}, "key")[0]
    ((_, abstract_hash),) = changed_documents([abstract], {}, "key")[0]
    assert note_hash == hashlib.sha256(note.text.encode()).hexdigest()  # a note keeps the text's own hash
    assert abstract_hash != note_hash
    assert changed_documents([abstract], {"d": (note_hash, "key")}, "key")[1] == 0  # changed, not skipped
    assert changed_documents([note], {"d": (note_hash, "key")}, "key") == ([], 1)
