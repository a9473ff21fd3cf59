"""The poison-pill test: a folder with one of each bad input beside good notes.

Every good note lands in the store, every bad record is quarantined with a reason that holds no
note text, the run goes on, and ``medkg build`` exits with status 3 and counts them.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

from kg.build import build
from kg.config import load_config
from kg.privacy.pseudonyms import pseudonymizer

QUICK = [
    "gnn.enabled=false",
    "ner.name=dictionary",
    "linker.name=lexicon",
    "relations.name=rules",
    "ingest.max_chars=5000",
]
LONG = "Aspirin was given for headache. " * 200  # 6,400 characters, over ingest.max_chars=5000


def _poison_folder(root: Path) -> tuple[set[str], dict[str, str]]:
    """Write the folder; return the ids of the good notes and {file name: expected reason prefix}."""
    d = root / "inbox"
    d.mkdir()
    (d / "good1.txt").write_text("Started on lisinopril for hypertension.", encoding="utf-8")
    (d / "good2.txt").write_text("Warfarin interacts with amiodarone.", encoding="utf-8")
    (d / "bom.txt").write_bytes(b"\xef\xbb\xbfAsthma treated with albuterol.")
    (d / "utf16.txt").write_bytes("Metformin for diabetes.".encode("utf-16"))
    lines = [
        {"id": "j1", "text": "Heart failure\u2028with dyspnea.\u2029Furosemide given."},
        {"id": "j2", "text": "No rash."},
    ]
    (d / "sep.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    (d / "quoted.csv").write_text('id,text\nc1,"Hypertension.\nStarted on lisinopril."\n', encoding="utf-8")
    (d / "unterminated.csv").write_text('id,text\nu1,Asthma.\nu2,"never closed\nu3,Edema.\n', encoding="utf-8")
    (d / "nocol.csv").write_text("id,body\nx1,Asthma.\n", encoding="utf-8")
    (d / "oversize.csv").write_text(f'id,text\nbig,"{"x" * 200_000}"\nsmall,Dyspnea.\n', encoding="utf-8")
    (d / "long.txt").write_text(LONG, encoding="utf-8")
    (d / "latin1.txt").write_bytes("Fi\xe8vre et toux.".encode("latin-1"))
    (d / "empty.txt").write_bytes(b"")
    (d / "data.json").write_text('{"text": "not read"}', encoding="utf-8")
    with zipfile.ZipFile(d / "archive.zip", "w") as z:
        z.writestr("note.txt", "Inside a zip.")
    (d / "gz.jsonl.gz").write_bytes(gzip.compress(b'{"id": "g1", "text": "Aspirin for pain."}\n'))
    (d / "gz.csv.gz").write_bytes(gzip.compress(b"id,text\ng2,Ibuprofen for fever.\n"))
    (d / "gztxt.txt.gz").write_bytes(gzip.compress(b"Amoxicillin for otitis."))
    good = {"good1", "good2", "bom", "utf16", "j1", "j2", "c1", "u1", "u3", "small", "g1", "g2", "gztxt"}
    bad = {
        "unterminated.csv": "malformed CSV record",
        "nocol.csv": "no column 'text' (columns: id, body)",
        "oversize.csv": "200000 characters, over ingest.max_chars=5000",
        "long.txt": f"{len(LONG)} characters, over ingest.max_chars=5000",
        "latin1.txt": "not valid UTF-8",
        "empty.txt": "empty text",
        "data.json": "unsupported file type",
        "archive.zip": "unsupported file type",
    }
    return good, bad


def _stored_ids(store: Path) -> set[str]:
    conn = sqlite3.connect(store / "graph.sqlite")
    try:
        return {r[0] for r in conn.execute("SELECT doc_id FROM documents")}
    finally:
        conn.close()


def test_medkg_build_lands_every_good_note_and_quarantines_every_bad_one(tmp_path):
    good, bad = _poison_folder(tmp_path)
    store = tmp_path / "store"
    args = ["build", str(tmp_path / "inbox"), "--store", str(store), "--no-seeds", "--id-column", "id", "--json"]
    for override in QUICK:
        args += ["--set", override]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["medkg", *args], capture_output=True, text=True, env=env, timeout=600, check=False)
    assert proc.returncode == 3, proc.stderr[-3000:]
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    assert counts["documents"] == len(good)
    assert counts["failed"] == len(bad)
    assert counts["quarantined"] >= len(bad)
    # ids and file names are stored and shown as keyed pseudonyms, never as they are
    names = pseudonymizer(store)
    assert _stored_ids(store) == {names.doc_id(g) for g in good}
    for name, reason in bad.items():
        token = names.path(tmp_path / "inbox" / name)
        assert any(token in line and reason in line for line in proc.stdout.splitlines()), name
    for name in (*bad, "good1.txt", "sep.jsonl"):
        assert name not in proc.stdout + proc.stderr, name
    # no note text in any quarantine line
    quarantine_lines = [line for line in proc.stdout.splitlines() if line.startswith("quarantined")]
    assert len(quarantine_lines) >= len(bad)
    for text in ("never closed", "Asthma", "Aspirin was given", "toux", "not read", "Inside a zip"):
        assert not any(text in line.split(": ", 1)[-1] for line in quarantine_lines), text


class _PoisonNer:
    """A test-only NER: the dictionary extractor, but it raises (quoting the note) on notes that say POISON."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __call__(self, analyzed):
        if "POISON" in analyzed.document.text:
            raise RuntimeError(f"cannot tag {analyzed.document.text!r}")
        return self.inner(analyzed)


def test_a_document_that_makes_a_stage_fail_is_quarantined_and_the_rest_land(tmp_path, monkeypatch):
    from kg.ner.base import NER_OPTIONS, NER_REGISTRY
    from kg.ner.dictionary import DictionaryExtractor, DictionaryOptions

    monkeypatch.setitem(NER_REGISTRY._factories, "poison", lambda o: _PoisonNer(DictionaryExtractor(**o.model_dump())))
    monkeypatch.setitem(NER_OPTIONS, "poison", DictionaryOptions)
    good, bad = _poison_folder(tmp_path)
    (tmp_path / "inbox" / "poison.txt").write_text("POISON: John Smith, aspirin.", encoding="utf-8")
    config = load_config(None, [*QUICK, "ner.name=poison", "ingest.id_column=id"])
    report = build([tmp_path / "inbox"], config, store_dir=tmp_path / "store", with_seeds=False)
    assert report.failed == len(bad) + 1
    assert report.documents == len(good)
    names = pseudonymizer(tmp_path / "store")
    assert _stored_ids(tmp_path / "store") == {names.doc_id(g) for g in good}
    failed = [q for q in report.quarantine if q.location == "document" and "stage" in q.reason]
    poison = names.path(tmp_path / "inbox" / "poison.txt")
    assert [(q.source, q.reason) for q in failed] == [(poison, "stage 'ner' failed: RuntimeError")]
    assert all("John Smith" not in q.reason and "POISON" not in q.reason for q in report.quarantine)


def test_a_clean_build_exits_0(tmp_path):
    from typer.testing import CliRunner

    from kg.cli import app

    (tmp_path / "a.txt").write_text("Started on lisinopril for hypertension.", encoding="utf-8")
    args = ["build", str(tmp_path / "a.txt"), "--store", str(tmp_path / "s"), "--no-seeds", "--json"]
    for override in QUICK:
        args += ["--set", override]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["failed"] == 0
