"""The Dagster integration (issue 21, ``medkg[dagster]``): a pipeline definition as batch-partitioned assets,
materialized in process on an ephemeral instance, gives the store ``medkg pipeline run`` gives, and no
partition key, metadata, tag or log line names an input file."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

# medkg[dagster] is in the README's test command, so CI has it: imported here, not skipped, so that a
# missing extra fails the run.
import dagster as dg
import pytest
import yaml
from typer.testing import CliRunner

from kg.cli.app import app
from kg.orchestration import batches, definitions
from kg.privacy.pseudonyms import pseudonymizer
from kg.scheduled import load_definition
from kg.store.lock import StoreLock
from tests.test_pipeline import NOTES
from tests.test_runs import _dump
from tests.test_scheduled import _definition

ROOT = Path(__file__).resolve().parents[1]
#: The made-up record number in the test files' names: it must never leave the source folder.
FAKE_MRN = "7730154"


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("MEDKG_ID_KEY", "tests-orchestration-key-01")
    monkeypatch.delenv("NEO4J_URI", raising=False)


def _pipeline(tmp_path: Path, seed_dir: Path) -> Path:
    """A definition over ``inbox/*``: two batches, a ward folder (notes n1, n2) and one file (note n3),
    every file named with the fake MRN and a surname."""
    path = _definition(tmp_path, seed_dir)
    inbox = tmp_path / "inbox"
    for f in inbox.iterdir():
        f.unlink()
    ward = inbox / f"ward-a-mrn{FAKE_MRN}"
    ward.mkdir()
    for n in NOTES[:2]:
        (ward / f"{n['id']}-mrn{FAKE_MRN}-smith.txt").write_text(n["text"], encoding="utf-8")
    (inbox / f"{NOTES[2]['id']}-mrn{FAKE_MRN}-doe.txt").write_text(NOTES[2]["text"], encoding="utf-8")
    text = path.read_text(encoding="utf-8").replace(str(inbox / "*.txt"), str(inbox / "*"))
    path.write_text(text, encoding="utf-8")
    return path


def _assets(defs: dg.Definitions) -> tuple[dg.AssetsDefinition, dg.AssetsDefinition]:
    by_name = {a.key.path[-1]: a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)}
    return by_name["extracted_batch"], by_name["knowledge_graph"]


def _materialize_batches(defs, instance, keys) -> list[dict]:
    extracted, _ = _assets(defs)
    instance.add_dynamic_partitions(extracted.partitions_def.name, keys)
    out = []
    for key in keys:
        result = dg.materialize([extracted], partition_key=key, instance=instance)
        [event] = result.asset_materializations_for_node(extracted.node_def.name)
        out.append({k: v.value for k, v in event.metadata.items()})
    return out


def _materialize_graph(defs, instance) -> dict:
    extracted, graph = _assets(defs)
    result = dg.materialize([extracted, graph], selection=[graph.key], instance=instance)
    [event] = result.asset_materializations_for_node(graph.node_def.name)
    return {k: v.value for k, v in event.metadata.items()}


def _event_log_text(instance: dg.DagsterInstance) -> str:
    """Everything the instance recorded: runs, their tags, every event (messages, metadata), partitions."""
    parts = []
    for run in instance.get_runs():
        parts += [repr(run.tags), repr(run.run_config)]
        parts += [repr(e) for e in instance.all_logs(run.run_id)]
    return "\n".join(parts)


def test_batches_then_graph_give_the_pipeline_run_store_and_rerun_processes_nothing(tmp_path, seed_dir, caplog):
    caplog.set_level(logging.DEBUG)
    path = _pipeline(tmp_path, seed_dir)
    defs = definitions(path)
    keys = [b.key for b in batches(load_definition(path))]
    assert len(keys) == 2 and all(k.startswith("src-") for k in keys)
    with dg.DagsterInstance.ephemeral() as instance:
        first = _materialize_batches(defs, instance, keys)
        # source order: the file n3-... (one note), then the folder ward-a-... (two notes)
        assert [(m["processed"], m["skipped"], m["failed"], m["in_source"]) for m in first] == [
            (1, 0, 0, True),
            (2, 0, 0, True),
        ]
        graph = _materialize_graph(defs, instance)
        assert (graph["processed"], graph["skipped"], graph["retracted"], graph["exit_code"]) == (0, 3, 0, 0)
        again = _materialize_batches(defs, instance, keys)
        assert [(m["processed"], m["skipped"]) for m in again] == [(0, 1), (0, 2)]
        assert _materialize_graph(defs, instance)["processed"] == 0
        recorded = _event_log_text(instance)
        partitions = instance.get_dynamic_partitions(_assets(defs)[0].partitions_def.name)
    assert sorted(partitions) == sorted(keys)
    # the store a `medkg pipeline run` of the same definition gives
    other = tmp_path / "cli-store"
    result = CliRunner().invoke(app, ["pipeline", "run", str(path), "--store", str(other), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["processed"] == 3
    assert _dump(tmp_path / "store") == _dump(other)
    # no file name (nor the fake MRN in it, nor the folder) in keys, metadata, tags, events or logs
    for text in (json.dumps(keys), json.dumps([first, again, graph], default=str), recorded, caplog.text):
        assert FAKE_MRN not in text and "smith" not in text.lower() and str(tmp_path / "inbox") not in text


def test_a_file_gone_from_the_source_is_retracted_and_its_partition_deleted(tmp_path, seed_dir):
    path = _pipeline(tmp_path, seed_dir)
    defs = definitions(path)
    [sensor] = defs.sensors or []
    defn = load_definition(path)
    names = pseudonymizer(defn.store)
    with dg.DagsterInstance.ephemeral() as instance:
        result = sensor(dg.build_sensor_context(instance=instance))
        [add] = result.dynamic_partitions_requests
        expected = sorted(names.path(p) for p in sorted((tmp_path / "inbox").iterdir()))
        assert sorted(add.partition_keys) == expected
        assert sorted(r.partition_key for r in result.run_requests) == expected
        _materialize_batches(defs, instance, list(add.partition_keys))
        quiet = sensor(dg.build_sensor_context(instance=instance, cursor=result.cursor))
        assert quiet.run_requests == [] and quiet.dynamic_partitions_requests == []
        # a changed batch is requested again under its key; a new file gets a new key
        ward = next(p for p in (tmp_path / "inbox").iterdir() if p.is_dir())
        (ward / f"n4-mrn{FAKE_MRN}-smith.txt").write_text("Metformin was started for diabetes.", encoding="utf-8")
        gone = next(p for p in (tmp_path / "inbox").iterdir() if p.is_file())
        gone.unlink()
        later = sensor(dg.build_sensor_context(instance=instance, cursor=quiet.cursor))
        assert [r.partition_key for r in later.run_requests] == [names.path(ward)]
        [delete] = later.dynamic_partitions_requests
        assert isinstance(delete, dg.DeleteDynamicPartitionsRequest)
        assert list(delete.partition_keys) == [names.path(gone)]
        # the gone batch extracts nothing; the graph run retracts its document
        [nothing] = _materialize_batches(defs, instance, [names.path(gone)])
        assert (nothing["processed"], nothing["in_source"]) == (0, False)
        graph = _materialize_graph(defs, instance)
        assert (graph["processed"], graph["skipped"], graph["retracted"]) == (1, 2, 1)
        recorded = _event_log_text(instance)
    assert FAKE_MRN not in recorded + repr(later) + repr(result)


def test_a_source_that_vanishes_whole_keeps_its_partitions_and_requests_nothing(tmp_path, seed_dir):
    path = _pipeline(tmp_path, seed_dir)
    [sensor] = definitions(path).sensors or []
    with dg.DagsterInstance.ephemeral() as instance:
        first = sensor(dg.build_sensor_context(instance=instance))
        [add] = first.dynamic_partitions_requests
        instance.add_dynamic_partitions(add.partitions_def_name, list(add.partition_keys))
        (tmp_path / "inbox").rename(tmp_path / "unmounted")  # the share is gone, not its notes
        vanished = sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
        assert vanished.run_requests == [] and vanished.dynamic_partitions_requests == []
        assert vanished.cursor == first.cursor
        (tmp_path / "unmounted").rename(tmp_path / "inbox")
        back = sensor(dg.build_sensor_context(instance=instance, cursor=vanished.cursor))
        assert back.run_requests == [] and back.dynamic_partitions_requests == []


def test_the_schedule_is_the_definitions_and_dagster_loads_the_module(tmp_path, seed_dir):
    path = _pipeline(tmp_path, seed_dir)
    [schedule] = definitions(path).schedules or []
    assert schedule.cron_schedule == "15 2 * * *" and schedule.job_name == "test_knowledge_graph"
    assert {job.name: job.tags for job in definitions(path).jobs or []} == {
        "test_extract_batch": {"medkg/pipeline": "test"},
        "test_knowledge_graph": {"medkg/pipeline": "test"},
    }
    env = {**os.environ, "MEDKG_PIPELINE": str(path), "MEDKG_PIPELINE_STORE": str(tmp_path / "other")}
    cmd = [str(Path(sys.executable).with_name("dagster")), "definitions", "validate", "-m", "kg.orchestration"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (tmp_path / "other").exists()  # loading the definitions writes nothing


def test_without_dagster_the_error_names_the_extra():
    code = "import sys; sys.modules['dagster'] = None; import kg.orchestration"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0 and 'pip install "medkg[dagster]"' in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['dagster'] = None; import kg.scheduled, kg.cli.app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr  # medkg itself works without the extra


def test_the_readme_recipe_runs_as_written(tmp_path, seed_dir):
    """README "Scheduled runs": the Dagster block, in a folder whose ``pipelines/nightly.yaml`` (found before
    the shipped one) is the quick test definition, named ``nightly``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [block] = re.findall(r"<!-- dagster-recipe -->\s*\n```python\n(.*?)```\s*\n<!-- /dagster-recipe -->", readme, re.S)
    path = _pipeline(tmp_path, seed_dir)
    (tmp_path / "pipelines").mkdir()
    defn = yaml.safe_load(path.read_text(encoding="utf-8")) | {"name": "nightly"}
    (tmp_path / "pipelines" / "nightly.yaml").write_text(yaml.safe_dump(defn), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("src-") for line in lines[:2])
    assert "'processed': IntMetadataValue(value=1)" in lines[0] and "'processed': IntMetadataValue(value=2)" in lines[1]
    assert "'skipped': IntMetadataValue(value=3)" in lines[2] and "text='complete'" in lines[2]
    assert FAKE_MRN not in proc.stdout + proc.stderr and "batch src-" in proc.stderr  # Dagster's log lines


def test_a_batch_run_that_finds_the_store_held_retries_and_then_runs(tmp_path, seed_dir, monkeypatch):
    import kg.orchestration

    monkeypatch.setattr(kg.orchestration, "BUSY_WAIT_S", 0)
    monkeypatch.setattr(kg.orchestration, "BUSY_RETRIES", 2)
    path = _pipeline(tmp_path, seed_dir)
    defs = definitions(path)
    extracted, _ = _assets(defs)
    key = batches(load_definition(path))[0].key
    real = kg.orchestration.build
    calls = []

    def held_twice(*args, **kwargs):
        calls.append(1)
        if len(calls) <= 2:
            with StoreLock(tmp_path / "store"):  # another run holds the store
                return real(*args, **kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(kg.orchestration, "build", held_twice)
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(extracted.partitions_def.name, [key])
        result = dg.materialize([extracted], partition_key=key, instance=instance)
        restarts = [e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]
        [event] = result.asset_materializations_for_node(extracted.node_def.name)
    assert len(calls) == 3 and len(restarts) == 2 and event.metadata["processed"].value == 1
    monkeypatch.setattr(kg.orchestration, "BUSY_RETRIES", 0)
    calls.clear()
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(extracted.partitions_def.name, [key])
        failed = dg.materialize([extracted], partition_key=key, instance=instance, raise_on_error=False)
    assert not failed.success and len(calls) == 1  # out of retries: the run fails
