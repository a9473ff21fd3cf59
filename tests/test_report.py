"""``medkg report``: the HTML page of a built graph, opened in a real headless browser (Debian's chromium)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.build import build
from kg.cli import app
from kg.config import load_config
from kg.files import is_private
from kg.store.sqlite import SqliteStore
from tests.cli.test_hypotheses import HYPS, NODES
from tests.test_pipeline import _QUICK, NOTES

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

EVALUATION = {
    "report": {
        "literature": {
            "grid": {"positives": 3, "pairs": 12},
            "scores": {
                "degree prior": {"auroc": 0.46, "auprc": 0.11, "p@10": 0.1, "p@100": 0.09, "clean": True},
                "model 2.0.0": {"auroc": 0.74, "auprc": 0.31, "p@10": 0.6, "p@100": 0.14, "clean": True},
            },
            "curves": {
                "model 2.0.0": {
                    "fpr": [0, 0.2, 1],
                    "tpr": [0, 0.7, 1],
                    "recall": [0, 0.5, 1],
                    "precision": [1, 0.6, 0.25],
                }
            },
        }
    }
}


def _dom(page: Path) -> str:
    """The page as the browser built it (``--dump-dom``), tags stripped to text."""
    assert CHROMIUM, "chromium is needed for this test (Debian package `chromium`; .ci/run installs it)"
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture
def store_dir(tmp_path, seed_dir, monkeypatch):
    monkeypatch.setenv("MEDKG_ID_KEY", "tests-report-key-0123456")
    corpus = tmp_path / "notes.jsonl"
    corpus.write_text("".join(json.dumps(n) + "\n" for n in NOTES), encoding="utf-8")
    overrides = [f"seed.hetionet_dir={seed_dir}", "seed.hpo_annotations=false", "gnn.enabled=false"]
    store = tmp_path / "store"
    build([corpus], load_config(None, overrides + [f"{k}={v}" for k, v in _QUICK.items()]), store_dir=store)
    with SqliteStore(store) as s:
        s.load_seed("report-fixture", NODES, [], "r-1")
        s.write_hypotheses(HYPS, ["PREDICTED_TREATS", "PREDICTED_HAS_SYMPTOM"], "r-1")
    return store


def test_the_report_shows_counts_evidence_hypotheses_and_the_evaluation_in_a_browser(tmp_path, store_dir):
    evaluation = tmp_path / "evaluation.json"
    evaluation.write_text(json.dumps(EVALUATION), encoding="utf-8")
    out = tmp_path / "report"
    result = runner.invoke(
        app, ["report", "--store", str(store_dir), "--out", str(out), "--evaluation", str(evaluation)]
    )
    assert result.exit_code == 0, result.output
    page = out / "index.html"
    assert is_private(page) and is_private(out)
    dom = _dom(page)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    # counts: a text-mined TREATS edge, with its share
    assert re.search(r"TREATS \d+ [1-9]\d* \d+ \d+\.\d%", text), text[:2000]
    # the best-supported edge with an evidence sentence (PHI-free, a document pseudonym)
    assert "lisinopril" in text.lower() and "doc-" in text
    assert "John Smith" not in dom and "00482913" not in dom
    # hypotheses per disease, a path drawn with its metapath, the notes
    assert "Lisinopril PREDICTED_TREATS hypertension" in text
    assert "CbGaD" in text and "Drug-BINDS-Gene-ASSOCIATED_WITH-Disease" in text and dom.count("<svg") >= 3
    assert "no supporting path" in text and "AGAINST" in text
    # the evaluation table and its charts (bars, ROC, precision-recall)
    assert "literature" in text and "0.74" in text and "precision-recall" in text


def test_no_store_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["report", "--store", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "no medkg store" in result.output
