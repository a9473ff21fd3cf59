"""``medkg neo4j start|stop|status|load`` and ``medkg query``: a real local server, loads and queries."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import ServiceUnavailable
from typer.testing import CliRunner

import kg
from kg import neo4j_server as server
from kg.cli import app
from tests.cli.test_build import _overrides, notes_file  # noqa: F401  (fixture)
from tests.neo4j_fixture import TEST_PASSWORD

runner = CliRunner()


@pytest.mark.neo4j
def test_build_loads_neo4j_and_query_graph_stats(tmp_path, notes_file, seed_dir, neo4j_server, monkeypatch):  # noqa: F811
    from kg.store.neo4j import Neo4jStore

    monkeypatch.setenv("NEO4J_URI", neo4j_server["uri"])
    monkeypatch.setenv("NEO4J_USER", neo4j_server["user"])
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server["password"])
    with Neo4jStore(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"]) as neo:
        neo._driver.execute_query("MATCH (n) DETACH DELETE n")  # test-only reset
    store = tmp_path / "store"
    args = ["build", str(notes_file), "--store", str(store), "--json", *_overrides(seed_dir)]
    assert runner.invoke(app, args).exit_code == 0
    stats1 = runner.invoke(app, ["query", "graph_stats", "--json"])
    assert stats1.exit_code == 0, stats1.output
    first = json.loads(stats1.stdout.strip().splitlines()[-1])
    assert first["nodes"]["Drug"] >= 5 and first["edges"]["TREATS"] >= 2
    # a second load of the same store is idempotent
    assert runner.invoke(app, ["neo4j", "load", "--store", str(store)]).exit_code == 0
    second = json.loads(runner.invoke(app, ["query", "graph_stats", "--json"]).stdout.strip().splitlines()[-1])
    assert {k: v for k, v in second["nodes"].items() if k != "LoadRun"} == {
        k: v for k, v in first["nodes"].items() if k != "LoadRun"
    }
    assert second["edges"] == first["edges"]
    rows = runner.invoke(app, ["query", "drugs_treating_disease", "--param", "disease=hypertension", "--json"])
    assert rows.exit_code == 0, rows.output
    result = json.loads(rows.stdout.strip().splitlines()[-1])
    lisinopril = [r for r in result if r["drug_id"] == "DRUGBANK:DB00722"]
    assert lisinopril and lisinopril[0]["evidence_count"] == 1
    assert any("lisinopril for hypertension" in s for s in lisinopril[0]["example_sentences"])
    assert all("01/22/2024" not in s for s in lisinopril[0]["example_sentences"])
    # the DDI subtype travels from the classifier through the embedded store into Neo4j and its query
    from kg.store.sqlite import SqliteStore

    with SqliteStore(store) as embedded:
        (ddi,) = [e for e in embedded.edges(["INTERACTS_WITH"]) if e.head == "DRUGBANK:DB00682"]
    assert ddi.subtype in ("mechanism", "effect", "advise", "int")
    rows = runner.invoke(app, ["query", "interactions_among_drugs", "--param", "drugs=warfarin,amiodarone", "--json"])
    assert rows.exit_code == 0, rows.output
    (pair,) = json.loads(rows.stdout.strip().splitlines()[-1])
    assert (pair["drug_a_id"], pair["drug_b_id"]) == ("DRUGBANK:DB00682", "DRUGBANK:DB01118")
    assert pair["subtype"] == ddi.subtype and pair["subtypes"] == [ddi.subtype]


def _not_running(home):
    return {"running": False, "ready": False, "pid": None, "port": None, "uri": None, "home": str(home.resolve())}


def test_neo4j_status_on_an_empty_home_says_not_running(tmp_path):
    home = tmp_path / "neo4j-home"
    home.mkdir()
    env = dict(os.environ, PYTHONPATH=str(Path(kg.__file__).resolve().parents[1]))
    env.pop("MEDKG_NEO4J_HOME", None)
    proc = subprocess.run(
        [sys.executable, "-m", "kg.cli", "neo4j", "status", "--home", str(home)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == _not_running(home)
    assert not list(home.iterdir())  # asking writes nothing


def test_neo4j_status_ignores_the_markers_of_a_dead_server(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / "neo4j.pid").write_text(f"{dead.pid}\n")
    (tmp_path / "neo4j.port").write_text("7699\n")
    (tmp_path / "ready").write_text("port=7699\n")
    result = runner.invoke(app, ["neo4j", "status", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1]) == _not_running(tmp_path)


def _medkg(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``medkg ARGS`` in its own process, as a user runs it (``python -m kg.cli`` of this checkout)."""
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


@pytest.mark.neo4j
def test_neo4j_start_status_stop_on_their_own_port_and_home(neo4j_home):
    """The README's server commands on a home and port of their own (the session server is not touched)."""
    home, port = neo4j_home
    env = dict(os.environ, PYTHONPATH=str(Path(kg.__file__).resolve().parents[1]), NEO4J_PASSWORD=TEST_PASSWORD)
    env.pop("MEDKG_NEO4J_HOME", None)
    home_args = ("--home", str(home))

    started = _medkg("neo4j", "start", *home_args, "--port", str(port), env=env)
    assert started.returncode == 0, started.stderr
    match = re.fullmatch(rf"neo4j running \(pid (\d+)\) at bolt://127\.0\.0\.1:{port}", started.stdout.strip())
    assert match, started.stdout
    pid = int(match.group(1))

    status = _medkg("neo4j", "status", *home_args, env=env)
    assert status.returncode == 0, status.stderr
    uri = f"bolt://127.0.0.1:{port}"
    assert json.loads(status.stdout.strip().splitlines()[-1]) == {
        "running": True,
        "ready": True,
        "pid": pid,
        "port": port,
        "uri": uri,
        "home": str(home.resolve()),
    }
    with GraphDatabase.driver(uri, auth=(server.USER, TEST_PASSWORD)) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one")
    assert records[0]["one"] == 1

    again = _medkg("neo4j", "start", *home_args, "--port", str(port), env=env)  # finds it running
    assert again.returncode == 0 and f"(pid {pid})" in again.stdout, again.stderr

    stopped = _medkg("neo4j", "stop", *home_args, env=env)
    assert stopped.returncode == 0 and stopped.stdout.strip() == "stopped", stopped.stderr
    after = _medkg("neo4j", "status", *home_args, env=env)
    assert json.loads(after.stdout.strip().splitlines()[-1]) == _not_running(home)
    with GraphDatabase.driver(uri, auth=(server.USER, TEST_PASSWORD)) as driver:
        with pytest.raises(ServiceUnavailable):
            driver.verify_connectivity()
    assert _medkg("neo4j", "stop", *home_args, env=env).stdout.strip() == "not running"


def test_neo4j_start_without_a_password_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    result = runner.invoke(app, ["neo4j", "start", "--home", str(tmp_path / "home"), "--port", "1"])
    assert result.exit_code != 0 and "NEO4J_PASSWORD" in result.output
    assert not (tmp_path / "home").exists()
