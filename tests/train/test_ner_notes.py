"""The notes tagger (issue 19, round four): folds by note, the starting network, its training command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from kg.config import ConfigError
from kg.ner.artifacts import read_model_meta
from kg.ner.trained import DEFAULT_MODELS
from kg.ner.transformer import Encoded, load_net, load_tagger
from kg.train.ner_notes import (
    NOTES_HEADS,
    excluded_notes,
    load_note_docs,
    load_notes_config,
    note_folds,
    note_of,
    notes_net_from,
    train_notes_model,
)
from kg.train.ner_transformer import TransformerTrainOptions, gold_tags
from tests.conftest import FIXTURES, SHARED_DATA

MT = FIXTURES / "mtsamples"
NOTES_CSV = SHARED_DATA / "mtsamples" / "mtsamples_notes.csv"
ACCURATE = DEFAULT_MODELS["accurate"]


def test_folds_keep_the_snippets_of_a_note_together() -> None:
    ids = [json.loads(line)["id"] for line in (MT / "dev.standoff.jsonl").read_text(encoding="utf-8").splitlines()]
    folds = note_folds(ids, 5)
    by_note: dict[str, set[int]] = {}
    for snippet, fold in zip(ids, folds, strict=True):
        by_note.setdefault(note_of(snippet), set()).add(fold)
    assert all(len(f) == 1 for f in by_note.values())
    assert set(folds) == set(range(5))
    assert note_folds(ids, 5) == folds  # stable
    assert note_of("mts-x003-s12") == "mts-x003"


def test_gold_tags_give_symptoms_their_own_head_when_the_model_has_one() -> None:
    enc = Encoded(ids=[1, 2], offsets=[(0, 4), (5, 9)], case=[0, 0], gaz=[0, 0], continuation=[False, False])
    assert gold_tags(enc, [(0, 4, "Symptom"), (5, 9, "Disease")], NOTES_HEADS) == [[0, 0, 1], [0, 1, 0]]
    assert gold_tags(enc, [(0, 4, "Symptom")], ("Drug", "Disease")) == [[0, 1], [0, 0]]


def test_training_refuses_a_snippet_of_an_excluded_note() -> None:
    test_notes = excluded_notes([MT / "test.standoff.jsonl"])
    assert test_notes and not set(test_notes) & set(excluded_notes([MT / "dev.standoff.jsonl"]))
    with pytest.raises(ValueError, match="held-out note"):
        load_note_docs(MT / "test.standoff.jsonl", NOTES_CSV, exclude_notes=test_notes[:1] + test_notes)
    docs = load_note_docs(MT / "dev.standoff.jsonl", NOTES_CSV, exclude_notes=test_notes)
    # 240 + round four (ner, 55) + round four (relations, 43)
    assert len(docs) == 338 and all(d.heads_annotated == NOTES_HEADS for d in docs)
    assert {lab for d in docs for _, _, lab in d.entities} == {"Drug", "Disease", "Symptom"}


def test_the_notes_network_starts_as_the_abstracts_model_with_symptom_copied_from_disease() -> None:
    meta = read_model_meta(ACCURATE, "transformer", ())
    base = load_net(ACCURATE, meta)
    net = notes_net_from(ACCURATE).eval()
    ids = torch.tensor([[101, 7842, 3255, 102]])
    ones = torch.ones_like(ids)
    zeros = torch.zeros_like(ids)
    with torch.no_grad():
        old = base(ids, zeros, zeros, ones)
        new = net(ids, zeros, zeros, ones)
    drug, disease = meta["heads"].index("Drug"), meta["heads"].index("Disease")
    assert torch.allclose(new[..., 0, :], old[..., drug, :], atol=1e-5)
    assert torch.allclose(new[..., 1, :], old[..., disease, :], atol=1e-5)
    assert torch.allclose(new[..., 2, :], old[..., disease, :], atol=1e-5)
    assert not net.bert.embeddings.word_embeddings.weight.requires_grad


def test_a_short_training_run_writes_a_loadable_three_head_tagger(tmp_path: Path) -> None:
    lines = (MT / "dev.standoff.jsonl").read_text(encoding="utf-8").splitlines()[:4]
    annotations = tmp_path / "few.standoff.jsonl"
    annotations.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = TransformerTrainOptions(epochs=1, batch_size=4, lr=1e-5, lr_new=1e-4)
    meta = train_notes_model(ACCURATE, annotations, NOTES_CSV, options, tmp_path / "m", seed=3, freeze_layers=4)
    assert meta["heads"] == list(NOTES_HEADS) and meta["data"][0]["documents"] == 4
    assert meta["init_from"]["name"] == "ner-accurate" and meta["params"]["freeze_layers"] == 4
    tagger = load_tagger(tmp_path / "m")
    assert tagger.heads == NOTES_HEADS
    spans = tagger.tag(["He takes ibuprofen for knee pain and has rheumatoid arthritis."])[0]
    assert {s.label for s in spans} <= {"Drug", "Disease", "Symptom"}


def test_the_notes_config_resolves_and_checks_its_files(tmp_path: Path) -> None:
    cfg = load_notes_config(Path("configs/ner/notes.yaml"))
    assert cfg.kind == "notes" and cfg.out.name == "ner-notes" and cfg.exclude[0].name == "test.standoff.jsonl"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "kind: notes\ninit_from: x\nout: y\nannotations: nowhere.jsonl\nnotes: nowhere.csv\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="file not found"):
        load_notes_config(bad)
