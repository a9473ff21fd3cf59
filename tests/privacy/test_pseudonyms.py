"""Keyed pseudonyms of document ids and input paths (kg.privacy.pseudonyms) and ``medkg ids``."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.files import is_private
from kg.privacy.pseudonyms import IDENTITY, KEY_ENV, KEY_FILE, Pseudonymizer, PseudonymKeyError, pseudonymizer


def test_pseudonyms_are_stable_keyed_and_carry_nothing_of_the_raw_name() -> None:
    a, b = Pseudonymizer(b"k" * 32), Pseudonymizer(b"j" * 32)
    raw = "smith_john_MRN4829133_2019-03-14"
    assert a.doc_id(raw) == a.doc_id(raw)
    assert re.fullmatch(r"doc-[0-9a-f]{20}", a.doc_id(raw))
    assert a.doc_id(raw) != b.doc_id(raw)  # another key, another pseudonym: no guessing without the key
    assert a.doc_id(raw) != a.doc_id(raw + "x")
    assert re.fullmatch(r"src-[0-9a-f]{12}:7", a.source(f"/notes/{raw}.csv", 7))
    assert a.path("x") != a.doc_id("x")[4:16]  # ids and paths live in separate namespaces
    assert IDENTITY.doc_id(raw) == raw and IDENTITY.source("/a/b.csv", 3) == "/a/b.csv:3"


def test_the_key_is_generated_once_into_the_store_owner_only(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    first = pseudonymizer(tmp_path / "store")
    key_file = tmp_path / "store" / KEY_FILE
    assert is_private(key_file) and is_private(tmp_path / "store")
    assert pseudonymizer(tmp_path / "store").doc_id("n1") == first.doc_id("n1")
    assert pseudonymizer(tmp_path / "other").doc_id("n1") != first.doc_id("n1")


def test_the_environment_key_wins_and_a_short_key_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, "a-long-enough-secret-key")
    names = pseudonymizer(tmp_path / "s1")
    assert names.doc_id("n1") == pseudonymizer(tmp_path / "s2").doc_id("n1")
    assert not (tmp_path / "s1" / KEY_FILE).exists()
    monkeypatch.setenv(KEY_ENV, "short")
    with pytest.raises(PseudonymKeyError, match="shorter than 16"):
        pseudonymizer(tmp_path / "s3")
    assert pseudonymizer(tmp_path / "s3", ids_are_safe=True) is IDENTITY


def test_medkg_ids_maps_the_store_pseudonyms_back_to_the_inputs(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "smith_4829133.txt").write_text("Started on lisinopril for hypertension.", encoding="utf-8")
    (inbox / "notes.jsonl").write_text(json.dumps({"id": "MRN-77", "text": "No rash."}) + "\n", encoding="utf-8")
    store = tmp_path / "store"
    quick = ["gnn.enabled=false", "ner.name=dictionary", "linker.name=lexicon", "relations.name=rules"]
    sets = [x for o in quick for x in ("--set", o)]
    runner = CliRunner()
    built = runner.invoke(app, ["build", str(inbox), "--store", str(store), "--no-seeds", "--json", *sets])
    assert built.exit_code == 0, built.output
    assert "4829133" not in built.output and "MRN-77" not in built.output
    result = runner.invoke(app, ["ids", str(inbox), "--store", str(store), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    names = pseudonymizer(store)
    assert {"kind": "document", "pseudonym": names.doc_id("MRN-77"), "name": "MRN-77"} in rows
    assert {"kind": "document", "pseudonym": names.doc_id("smith_4829133"), "name": "smith_4829133"} in rows
    assert {"kind": "file", "pseudonym": names.path(inbox / "notes.jsonl"), "name": str(inbox / "notes.jsonl")} in rows
