import json

from kg.files import is_private
from pipelines.nightly_extraction import main, run
from tests.test_pipeline import NOTES


def test_nightly_run_incremental_with_exports_and_report(tmp_path, seed_dir, monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in NOTES:
        (inbox / f"{n['id']}.txt").write_text(n["text"], encoding="utf-8")
    overrides = [f"seed.hetionet_dir={seed_dir}", "seed.hpo_annotations=false", "gnn.enabled=false"]
    store = tmp_path / "store"
    summary, code = run(inbox, store, tmp_path / "exports", overrides=overrides)
    assert code == 0 and summary["documents"] == 3 and summary["triples"] >= 4
    assert any(p.endswith("medkg.ttl") for p in summary["exports"])
    report = store / "reports" / f"{summary['run_id']}.json"
    assert report.exists() and is_private(report) and is_private(store / "reports")
    assert all(is_private(p) for p in summary["exports"])
    # second night: nothing changed, nothing reprocessed
    again, _ = run(inbox, store, None, overrides=overrides)
    assert again["skipped_documents"] == 3 and again["triples"] == 0


def test_nightly_exit_code_on_too_much_quarantine(tmp_path, seed_dir, capsys, monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ok.txt").write_text("Started on lisinopril for hypertension.", encoding="utf-8")
    (inbox / "empty.txt").write_text("", encoding="utf-8")
    args = [
        "--inbox",
        str(inbox),
        "--store",
        str(tmp_path / "s"),
        "--max-quarantine-share",
        "0.1",
        "--set",
        f"seed.hetionet_dir={seed_dir}",
        "--set",
        "seed.hpo_annotations=false",
        "--set",
        "gnn.enabled=false",
    ]
    assert main(args) == 1
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["quarantined"] == 1
