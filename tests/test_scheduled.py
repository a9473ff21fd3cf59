"""Scheduled pipelines (issue 21): definitions in pipelines/, ``medkg pipeline run|status``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kg.cli.app import app
from kg.config import ConfigError
from kg.scheduled import PIPELINES_DIR, load_definition, source_inputs
from kg.store.sqlite import SqliteStore
from tests.test_pipeline import _QUICK, NOTES

runner = CliRunner()
SUMMARY_KEYS = {"run_id", "processed", "skipped", "retracted", "quarantined", "failed", "status"}


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("MEDKG_ID_KEY", "tests-scheduled-key-0123")
    monkeypatch.delenv("NEO4J_URI", raising=False)


def _definition(tmp_path: Path, seed_dir: Path, **extra) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    for n in NOTES:
        (inbox / f"{n['id']}.txt").write_text(n["text"], encoding="utf-8")
    config = {k.split(".")[0]: {k.split(".")[1]: v} for k, v in _QUICK.items()}
    config |= {"seed": {"hetionet_dir": str(seed_dir), "hpo_annotations": False}, "gnn": {"enabled": False}}
    defn = {
        "name": "test",
        "source": {"paths": [str(inbox / "*.txt")]},
        "store": str(tmp_path / "store"),
        "steps": ["ingest", "privacy", "ner", "assertion", "linking", "relations", "assembly", "store"],
        "config": config,
        "schedule": "15 2 * * *",
    } | extra
    path = tmp_path / "test.yaml"
    path.write_text(yaml.safe_dump(defn), encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["pipeline", "run", *args, "--json"])
    lines = result.output.strip().splitlines()
    return result.exit_code, json.loads(lines[-1]) if result.exit_code != 2 else {}


def test_the_shipped_definitions_load():
    names = sorted(p.stem for p in PIPELINES_DIR.glob("*.yaml"))
    assert "nightly" in names
    for name in names:
        defn = load_definition(name)
        assert defn.name == name and defn.schedule is not None


@pytest.mark.parametrize(
    "change, message",
    [
        ({"stepz": []}, "stepz"),
        ({"steps": ["ingest", "ner", "assertion", "linking", "relations", "assembly", "store"]}, "cannot be left out"),
        ({"schedule": "every night"}, "five-field cron"),
        ({"exports": {"dir": "x", "formats": ["pdf"]}}, "unknown export format"),
        ({"engine": "spark"}, "engine"),
    ],
)
def test_a_bad_definition_is_a_clear_error(tmp_path, seed_dir, change, message):
    path = _definition(tmp_path, seed_dir, **change)
    with pytest.raises(ConfigError, match=message):
        load_definition(path)
    code, _ = _run(str(path))
    assert code == 2


def test_a_run_skips_unchanged_retracts_deleted_and_reports(tmp_path, seed_dir):
    path = _definition(tmp_path, seed_dir, exports={"dir": str(tmp_path / "exports"), "formats": ["graphml"]})
    code, first = _run(str(path))
    assert code == 0 and set(first) == SUMMARY_KEYS
    assert (first["processed"], first["skipped"], first["retracted"], first["status"]) == (3, 0, 0, "complete")
    assert (tmp_path / "exports" / "graphml").is_dir()
    assert (tmp_path / "store" / "reports" / f"{first['run_id']}.json").is_file()
    code, again = _run(str(path))
    assert (code, again["processed"], again["skipped"], again["retracted"]) == (0, 0, 3, 0)
    (tmp_path / "inbox" / "n3.txt").unlink()
    code, third = _run(str(path))
    assert (third["processed"], third["skipped"], third["retracted"]) == (0, 2, 1)
    code, full = _run(str(path), "--full")
    assert (full["processed"], full["skipped"]) == (2, 0)
    status = runner.invoke(app, ["pipeline", "status", str(path), "--json"])
    st = json.loads(status.output.strip().splitlines()[-1])
    assert st["running"] is None and st["documents"] == 2
    assert [r["status"] for r in st["runs"]] == ["complete"] * 4


def test_source_and_store_can_be_overridden_and_an_empty_source_retracts_nothing(tmp_path, seed_dir):
    path = _definition(tmp_path, seed_dir)
    other = tmp_path / "other"
    code, first = _run(str(path), "--store", str(other))
    assert code == 0 and first["processed"] == 3 and (other / "graph.sqlite").is_file()
    code, missing = _run(str(path), "--store", str(other), "--source", str(tmp_path / "nowhere" / "*.txt"))
    assert code == 1 and missing["status"] == "failed"  # a source that is not there is an error ...
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "blank.txt").write_text("", encoding="utf-8")
    code, empty = _run(str(path), "--store", str(other), "--source", str(tmp_path / "empty"))
    assert code == 5 and empty["retracted"] == 0  # ... and a source with no document never empties the graph
    with SqliteStore(other) as store:
        assert len(store.document_state()) == 3
        assert [r["status"] for r in store.runs()] == ["complete", "failed", "complete"]


def test_exit_status_says_when_inputs_were_quarantined(tmp_path, seed_dir):
    path = _definition(tmp_path, seed_dir, max_quarantine_share=0.5)
    (tmp_path / "inbox" / "empty.txt").write_text("", encoding="utf-8")
    code, summary = _run(str(path))
    assert code == 3 and summary["failed"] == 1
    for i in range(4):
        (tmp_path / "inbox" / f"empty{i}.txt").write_text("", encoding="utf-8")
    code, summary = _run(str(path))
    assert code == 5 and summary["failed"] == 5


def test_globs_expand_and_a_path_without_a_match_is_kept_for_ingest_to_report(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a" / "y.txt").write_text("y", encoding="utf-8")
    from kg.scheduled import SourceSpec

    spec = SourceSpec(paths=[str(tmp_path / "a" / "*.txt"), str(tmp_path / "missing.txt")])
    assert source_inputs(spec) == [tmp_path / "a" / "x.txt", tmp_path / "a" / "y.txt", tmp_path / "missing.txt"]
