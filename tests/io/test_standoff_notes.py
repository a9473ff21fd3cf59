"""The MTSamples standoff dev/test set and its reader: counts, verification, the fixed split by note id."""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from kg.io.corpora import CorpusError, GoldDocument, read_corpus, read_notes_csv, read_standoff_notes
from kg.types import ASSERTED_STATUSES, ASSERTIONS
from tests.conftest import FIXTURES, SHARED_DATA

MT = FIXTURES / "mtsamples"
NOTES_CSV = SHARED_DATA / "mtsamples" / "mtsamples_notes.csv"
SPLITS = ("dev", "test")


def _records(split: str) -> list[dict]:
    return [json.loads(line) for line in (MT / f"{split}.standoff.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def docs() -> dict[str, list[GoldDocument]]:
    return {s: list(read_standoff_notes(MT / f"{s}.standoff.jsonl", NOTES_CSV)) for s in SPLITS}


def _annotate_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mtsamples_annotate", MT / "annotate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_counts_and_notes(docs):
    dev, test = docs["dev"], docs["test"]
    assert len(dev) + len(test) >= 150 and len(test) >= 50
    records = _records("dev") + _records("test")
    per_note = Counter(r["note_id"] for r in records)
    assert len(per_note) >= 80
    # rounds one to three took at most 3 snippets per note; round four (every dev note already used) added further
    # passages of notes already in the set: at most 8 per note (2% of the dev split) so that no note dominates, never
    # overlapping (below); the test split keeps at most 3 a note
    assert max(per_note.values()) <= 8
    assert max(n for note, n in per_note.items() if any(r["note_id"] == note for r in _records("test"))) <= 3
    assert len({r["id"] for r in records}) == len(records)
    spans: dict[str, list[tuple[int, int]]] = {}
    for r in records:
        spans.setdefault(r["note_id"], []).append((r["start"], r["end"]))
    for note, ss in spans.items():
        ss.sort()
        assert all(a[1] <= b[0] for a, b in zip(ss, ss[1:], strict=False)), f"{note}: two snippets overlap"
    # every snippet is a real section or a few sentences, never a whole note
    assert all(len(d.document.text) <= 1500 for d in dev + test)
    assert sum(len(d.entities) for d in dev + test) > 1000


def test_split_is_fixed_by_note_id_and_disjoint():
    notes = {s: {r["note_id"] for r in _records(s)} for s in SPLITS}
    assert not notes["dev"] & notes["test"]
    for s in SPLITS:
        for r in _records(s):
            assert r["split"] == s
            rule = "test" if int(hashlib.sha256(r["note_id"].encode()).hexdigest(), 16) % 3 == 0 else "dev"
            assert rule == s, r["id"]


def test_every_class_in_both_splits(docs):
    for s in SPLITS:
        assertions = Counter(e.assertion for d in docs[s] for e in d.entities)
        labels = Counter(e.label for d in docs[s] for e in d.entities)
        relations = Counter(t for d in docs[s] for t, _, _ in d.relations)
        assert set(assertions) == set(ASSERTIONS), (s, assertions)
        assert set(labels) == {"Drug", "Disease", "Symptom"}, (s, labels)
        assert set(relations) == {"TREATS", "CAUSES", "HAS_SYMPTOM"}, (s, relations)


def test_documents_match_the_notes(docs):
    notes = read_notes_csv(NOTES_CSV)
    (first, *_) = _records("test")
    doc = docs["test"][0]
    assert doc.document.id == first["id"]
    assert doc.document.text == notes[first["note_id"]][first["start"] : first["end"]]
    for e in doc.entities:
        assert doc.document.text[e.start : e.end] == e.text
    for d in docs["dev"] + docs["test"]:
        spans = sorted((e.start, e.end) for e in d.entities)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), d.document.id  # never overlap
        for t, h, tl in d.relations:
            head, tail = d.entities[int(h)], d.entities[int(tl)]
            # a relation is annotated only as a fact about the patient (docs/annotation.md)
            assert {head.assertion, tail.assertion} <= ASSERTED_STATUSES, (d.document.id, head.text, tail.text)
            if t in ("TREATS", "CAUSES"):
                assert head.label == "Drug" and tail.label in ("Disease", "Symptom"), (d.document.id, t)
            else:
                assert (head.label, tail.label) == ("Disease", "Symptom"), (d.document.id, t)


def test_read_corpus_standoff_needs_the_notes():
    path = MT / "test.standoff.jsonl"
    assert len(read_corpus(path, "standoff", notes=NOTES_CSV)) == len(_records("test"))
    with pytest.raises(CorpusError, match="needs the notes file"):
        read_corpus(path, "standoff")
    with pytest.raises(CorpusError, match="only for the standoff format"):
        read_corpus(FIXTURES / "notes_annotated.jsonl", "jsonl", notes=NOTES_CSV)


def _write(tmp_path: Path, record: dict) -> Path:
    path = tmp_path / "one.standoff.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def test_tampered_hash_offset_or_note_is_an_error(tmp_path):
    record = _records("dev")[0]
    bad_hash = record | {"sha256": "0" * 64}
    with pytest.raises(CorpusError, match=r"one\.standoff\.jsonl:1: .*does not match its sha256"):
        list(read_standoff_notes(_write(tmp_path, bad_hash), NOTES_CSV))
    ent = dict(record["entities"][0])
    ent["start"] += 1
    bad_offset = record | {"entities": [ent, *record["entities"][1:]]}
    with pytest.raises(CorpusError, match="do not match"):
        list(read_standoff_notes(_write(tmp_path, bad_offset), NOTES_CSV))
    with pytest.raises(CorpusError, match="not in the notes file"):
        list(read_standoff_notes(_write(tmp_path, record | {"note_id": "mts-nope"}), NOTES_CSV))
    bad_assertion = record | {"entities": [dict(record["entities"][0], assertion="absent")]}
    with pytest.raises(CorpusError, match="assertion 'absent'"):
        list(read_standoff_notes(_write(tmp_path, bad_assertion), NOTES_CSV))
    with pytest.raises(CorpusError, match="not a standoff record"):
        list(read_standoff_notes(_write(tmp_path, {"id": "x"}), NOTES_CSV))


def test_generator_reproduces_the_committed_files():
    annotate = _annotate_module()
    records = annotate.build(MT / "annotations.txt", read_notes_csv(NOTES_CSV))
    assert [r for r in records if r["split"] == "dev"] == _records("dev")
    assert [r for r in records if r["split"] == "test"] == _records("test")
