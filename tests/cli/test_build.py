"""The CLI is a thin layer: ``medkg build`` and ``export`` wire the library functions and print JSON last."""

import json

import pytest
from typer.testing import CliRunner

import kg
from kg.cli import app
from tests.test_pipeline import NOTES

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


def test_build_json_and_export(tmp_path, notes_file, seed_dir, monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    store = tmp_path / "store"
    result = runner.invoke(app, ["build", str(notes_file), "--store", str(store), "--json", *_overrides(seed_dir)])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(last) == {"documents", "mentions", "triples", "nodes", "edges", "quarantined", "failed"}
    assert last["documents"] == 3 and last["triples"] >= 4 and last["quarantined"] == 0
    out = tmp_path / "ttl"
    exported = runner.invoke(app, ["export", "--store", str(store), "--format", "ttl", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert any(p.suffix == ".ttl" for p in out.iterdir())
    bad = runner.invoke(app, ["export", "--store", str(store), "--format", "pdf", "--out", str(out)])
    assert bad.exit_code != 0


def test_csv_build_with_columns(tmp_path, seed_dir, monkeypatch):
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
