"""The leak test of issue 18: a build on PHI-laden notes, then every place PHI could end up is searched.

The notes are the PHI development corpus (tests/fixtures/phi/notes.jsonl: invented notes with every
Safe Harbor kind, gold-annotated). They go in as a hospital would hand them over: plain-text files
named after the patient and MRN, a CSV whose id column is the MRN, a JSONL whose ids are name and
date of birth. ``medkg -v build`` runs as a user runs it (debug logs captured); then every table of
the store (and the raw bytes of its files), every export format, the Neo4j graph, the build's
output and its logs are searched for every gold PHI string and every raw id and file name.

A PHI string that also occurs in the notes as ordinary text (outside every PHI span: a surname
that is also a drug or a place word) is not searched for, and neither are values of under four
characters, such as an age of 93, which occur inside numbers and hashes; the scrubber's own tests
and benchmark cover them.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kg.export import FORMATS
from tests.conftest import FIXTURES

NOTES = FIXTURES / "phi" / "notes.jsonl"
QUICK = ["gnn.enabled=false", "ner.name=dictionary", "linker.name=lexicon", "relations.name=rules"]


def _notes() -> list[dict]:
    return [json.loads(line) for line in NOTES.read_text(encoding="utf-8").splitlines() if line.strip()]


def _first(note: dict, kind: str) -> str:
    return next((note["text"][s["start"] : s["end"]] for s in note["phi"] if s["kind"] == kind), note["id"])


def _inbox(root: Path, notes: list[dict]) -> tuple[Path, list[str]]:
    """The notes as .txt files named by patient and MRN, a CSV keyed by MRN and a JSONL keyed by name and DOB.

    Returns the folder and the raw ids and file names that must not appear anywhere.
    """
    inbox = root / "inbox"
    inbox.mkdir()
    secrets: list[str] = []
    third = len(notes) // 3
    for note in notes[:third]:
        name = re.sub(r"\W+", "_", f"{_first(note, 'NAME')}_{_first(note, 'MRN')}").strip("_")
        (inbox / f"{name}.txt").write_text(note["text"], encoding="utf-8")
        secrets.append(name)
    with open(inbox / "clinic_export.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text"])
        for i, note in enumerate(notes[third : 2 * third]):
            mrn = f"MRN-{4829133 + i}"
            writer.writerow([mrn, note["text"]])
            secrets.append(mrn)
    with open(inbox / "referrals.jsonl", "w", encoding="utf-8") as f:
        for note in notes[2 * third :]:
            doc_id = f"{_first(note, 'NAME')} {_first(note, 'DATE')}"
            f.write(json.dumps({"id": doc_id, "text": note["text"]}) + "\n")
            secrets.append(doc_id)
    return inbox, secrets


def _phi_values(notes: list[dict]) -> list[str]:
    """Every gold PHI string of four or more characters that never occurs in the notes as ordinary text."""
    ordinary = []
    for note in notes:
        text, pos, parts = note["text"], 0, []
        for s in sorted(note["phi"], key=lambda s: s["start"]):
            parts.append(text[pos : s["start"]])
            parts.append(" \0 ")
            pos = s["end"]
        ordinary.append("".join(parts) + text[pos:])
    plain = "\n".join(ordinary).casefold()
    values = {note["text"][s["start"] : s["end"]].strip() for note in notes for s in note["phi"]}
    return sorted(v for v in values if len(v) >= 4 and not _pattern(v).search(plain))


def _pattern(value: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(value.casefold()) + r"(?!\w)")


def _store_blobs(store: Path) -> list[tuple[str, str]]:
    import sqlite3

    blobs = []
    conn = sqlite3.connect(store / "graph.sqlite")
    try:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            rows = conn.execute(f"SELECT * FROM {table}").fetchall()  # test-only SQL over the store's own tables
            blobs.append((f"table {table}", json.dumps(rows, default=str)))
    finally:
        conn.close()
    for path in sorted(store.iterdir()):
        if path.is_file():  # the raw bytes, free pages and WAL included
            blobs.append((f"file {path.name}", path.read_bytes().decode("latin-1")))
    return blobs


def _medkg(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "medkg"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=1200, check=False)


def _search(blobs: list[tuple[str, str]], values: list[str]) -> list[str]:
    leaks = []
    for where, blob in blobs:
        folded = blob.casefold()
        leaks += [f"{value!r} in {where}" for value in values if _pattern(value).search(folded)]
    return leaks


def _build_and_collect(tmp_path: Path, extra_env: dict[str, str], overrides: list[str]) -> tuple[list, list, list]:
    notes = _notes()
    inbox, secrets = _inbox(tmp_path, notes)
    store = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_") and k != "MEDKG_ID_KEY"}
    env.update(extra_env)
    sets = [x for o in overrides for x in ("--set", o)]
    built = _medkg(
        ["-v", "build", str(inbox), "--store", str(store), "--no-seeds", "--id-column", "id", "--json", *sets], env
    )
    assert built.returncode == 0, built.stderr[-3000:]
    counts = json.loads(built.stdout.strip().splitlines()[-1])
    assert counts["documents"] == len(notes) and counts["triples"] > 0, counts
    blobs = [("build output", built.stdout), ("build log", built.stderr), *_store_blobs(store)]
    for fmt in FORMATS:
        out = tmp_path / f"export-{fmt}"
        done = _medkg(["-v", "export", "--store", str(store), "--format", fmt, "--out", str(out)], env)
        assert done.returncode == 0, done.stderr[-3000:]
        blobs += [(f"export {fmt} log", done.stdout + done.stderr)]
        blobs += [
            (f"export {fmt} {p.name}", p.read_text(encoding="utf-8")) for p in sorted(out.rglob("*")) if p.is_file()
        ]
    return blobs, _phi_values(notes), secrets


def test_no_phi_in_any_table_export_or_log_line(tmp_path) -> None:
    blobs, values, secrets = _build_and_collect(tmp_path, {}, QUICK)
    assert len(values) > 150  # the corpus has 481 gold spans
    names = [v.casefold() for v in secrets]
    assert not _search(blobs, values + names)
    # evidence sentences are there, redacted by offset
    evidence = next(blob for where, blob in blobs if where == "table evidence")
    assert "[NAME]" in evidence or "[DATE]" in evidence


@pytest.mark.neo4j
def test_no_phi_in_neo4j_after_a_default_build(tmp_path, neo4j_server) -> None:
    """The default pipeline (trained NER, candidate linker, trained relations), loaded into a real Neo4j."""
    from neo4j import GraphDatabase

    env = {"NEO4J_URI": neo4j_server["uri"], "NEO4J_USER": neo4j_server["user"]}
    env["NEO4J_PASSWORD"] = neo4j_server["password"]
    auth = (neo4j_server["user"], neo4j_server["password"])
    with GraphDatabase.driver(neo4j_server["uri"], auth=auth) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n")
        try:
            blobs, values, secrets = _build_and_collect(tmp_path, env, ["gnn.enabled=false"])
            nodes, _, _ = driver.execute_query("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
            rels, _, _ = driver.execute_query("MATCH ()-[r]->() RETURN type(r) AS t, properties(r) AS p")
        finally:
            driver.execute_query("MATCH (n) DETACH DELETE n")
    graph = json.dumps([r.data() for r in (*nodes, *rels)], default=str)
    assert len(nodes) > 20 and len(rels) > 5
    assert not _search([*blobs, ("neo4j graph", graph)], values + [v.casefold() for v in secrets])
