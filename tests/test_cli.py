"""The CLI is a thin layer: check it wires the library functions, prints JSON last, and loads Neo4j."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kg
from kg.cli import app
from tests.test_pipeline import NOTES, seed_dir  # noqa: F401  (fixture)

runner = CliRunner()


@pytest.fixture
def notes_file(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(json.dumps(n) for n in NOTES) + "\n", encoding="utf-8")
    return path


def _overrides(seed):
    return ["--set", f"seed.hetionet_dir={seed}", "--set", "seed.hpo_annotations=false", "--set", "gnn.enabled=false"]


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"medkg {kg.__version__}"


def test_build_json_and_export(tmp_path, notes_file, seed_dir, monkeypatch):  # noqa: F811
    monkeypatch.delenv("NEO4J_URI", raising=False)
    store = tmp_path / "store"
    result = runner.invoke(app, ["build", str(notes_file), "--store", str(store), "--json", *_overrides(seed_dir)])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(last) == {"documents", "mentions", "triples", "nodes", "edges", "quarantined"}
    assert last["documents"] == 3 and last["triples"] >= 4 and last["quarantined"] == 0
    out = tmp_path / "ttl"
    exported = runner.invoke(app, ["export", "--store", str(store), "--format", "ttl", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert any(p.suffix == ".ttl" for p in out.iterdir())
    bad = runner.invoke(app, ["export", "--store", str(store), "--format", "pdf", "--out", str(out)])
    assert bad.exit_code != 0


def test_csv_build_with_columns(tmp_path, seed_dir, monkeypatch):  # noqa: F811
    monkeypatch.delenv("NEO4J_URI", raising=False)
    csv_path = tmp_path / "notes.csv"
    csv_path.write_text('nid,note\na1,"Started on lisinopril for hypertension."\n', encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "build",
            str(csv_path),
            "--store",
            str(tmp_path / "s"),
            "--text-column",
            "note",
            "--id-column",
            "nid",
            "--json",
            *_overrides(seed_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["triples"] == 1


def test_bad_config_override_is_a_clear_error(tmp_path, notes_file):
    result = runner.invoke(app, ["build", str(notes_file), "--set", "gnn.nope=1"])
    assert result.exit_code != 0 and "invalid config" in result.output


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
