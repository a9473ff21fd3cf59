"""A node id seen under two labels is one node whose label the schema decides (issue 18).

The id's namespace decides when it allows one label; otherwise the schema's ``label_precedence``;
a node the store already holds keeps its label. Every export then loads, whatever the mentions said.
"""

from __future__ import annotations

import itertools
import json

import pytest
import yaml

from kg.assemble import resolve_labels
from kg.build import build
from kg.config import load_config
from kg.pipeline import TextPipeline
from kg.schema import SchemaError, load_schema
from kg.store.sqlite import SqliteStore
from kg.types import Node

SCHEMA = load_schema()
QUICK = ["gnn.enabled=false", "ner.name=dictionary", "linker.name=lexicon", "relations.name=rules"]


def test_the_namespace_decides_when_it_allows_one_label() -> None:
    assert SCHEMA.labels_for_id("DOID:9352") == ("Disease",)
    assert SCHEMA.labels_for_id("MESH:D006261") == ("Drug", "Disease", "Symptom")
    assert SCHEMA.labels_for_id("MEDKG:Symptom-0123456789ab") == ("Symptom",)
    assert SCHEMA.labels_for_id("FOO:1") == () and SCHEMA.labels_for_id("no-colon") == ()
    assert SCHEMA.resolve_label("DOID:9352", ["Symptom"]) == "Disease"
    assert SCHEMA.resolve_label("HP:0002315", ["Disease", "Drug"]) == "Symptom"
    with pytest.raises(SchemaError, match="FOO:1"):
        SCHEMA.resolve_label("FOO:1", ["Drug"])


def test_precedence_decides_a_shared_namespace_whatever_the_order_of_the_mentions() -> None:
    seen = ["Symptom", "Disease", "Symptom"]
    assert {SCHEMA.resolve_label("MESH:D010146", p) for p in itertools.permutations(seen)} == {"Disease"}
    assert SCHEMA.resolve_label("MESH:D010146", ["Symptom"]) == "Symptom"
    assert SCHEMA.label_precedence[:3] == ("Drug", "Disease", "Symptom")
    reordered = SCHEMA.model_copy(update={"label_precedence": ("Symptom", "Disease", "Drug", "Gene", "Anatomy")})
    assert reordered.resolve_label("MESH:D010146", seen) == "Symptom"


def test_a_precedence_naming_an_unknown_label_is_refused(tmp_path) -> None:
    raw = SCHEMA.model_dump(mode="json")
    raw["label_precedence"] = ["Drug", "Protein"]
    (tmp_path / "schema.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(SchemaError, match="Protein"):
        load_schema(tmp_path / "schema.yaml")


def test_a_stored_label_wins_over_the_mentions() -> None:
    nodes = [Node(id="MESH:D1", label="Drug", name="x"), Node(id="MESH:D1", label="Disease", name="x")]
    assert resolve_labels(nodes, {"MESH:D1": "Symptom"}, SCHEMA) == {"MESH:D1": "Symptom"}
    assert resolve_labels(list(reversed(nodes)), {}, SCHEMA) == {"MESH:D1": "Drug"}


def test_a_build_whose_mentions_disagree_on_a_label_loads_everywhere(tmp_path, monkeypatch) -> None:
    """The linker gives one MeSH id to a Drug and to a Disease mention: one Drug node, every export loads."""
    from kg.export import FORMATS, export_checked

    real = TextPipeline._linking

    def linking(self, batch):
        batch = real(self, batch)
        for state in batch:
            state.mentions = [
                m.model_copy(update={"curie": "MESH:D001241", "concept_name": "Aspirin"})
                if m.text.lower() in ("aspirin", "headache")
                else m
                for m in state.mentions
            ]
        return batch

    monkeypatch.setattr(TextPipeline, "_linking", linking)
    notes = tmp_path / "notes.jsonl"
    rows = [{"id": "a", "text": "Headache after aspirin."}, {"id": "b", "text": "Aspirin was given for headache."}]
    notes.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report = build([notes], load_config(None, QUICK), store_dir=tmp_path / "store", with_seeds=False)
    assert report.failed == 0
    with SqliteStore(tmp_path / "store") as store:
        labels = {n.id: n.label for n in store.nodes()}
        snap = store.snapshot()
        run = json.loads(store.conn.execute("SELECT details FROM runs").fetchone()[0])
    assert labels["MESH:D001241"] == "Drug"
    assert run["mentions_relabelled_by_schema"] >= 1
    for fmt in FORMATS:
        paths, checked = export_checked(snap, SCHEMA, fmt, tmp_path / f"out-{fmt}")
        assert paths and checked.skipped == (), fmt
