"""HAS_SYMPTOM by distant supervision: curated labels, the pair split, training, eval JSON, pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.config import REPO_ROOT
from kg.vocab.terminology import TermConcept

REL = REPO_ROOT / "tests" / "fixtures" / "relations"
CFG = REL / "tiny_has_symptom.yaml"


def _concepts() -> list[TermConcept]:
    return [
        TermConcept("MESH:D1", "Disease", "Marfan syndrome", equivalents={"OMIM:154700"}),
        TermConcept("MESH:D2", "Disease", "Gout", names={"gouty arthritis"}),
        TermConcept("MESH:S1", "Symptom", "Tall stature", equivalents={"HP:0000098"}),
        TermConcept("MESH:S2", "Symptom", "Abnormality of the skeletal system", equivalents={"HP:0000924"}),
        TermConcept("MESH:S3", "Symptom", "Joint pain", equivalents={"HP:0002829"}),
        TermConcept("MESH:X1", "Disease", "Aortic aneurysm", equivalents={"HP:0004942"}),
        TermConcept("MESH:C1", "Drug", "Aspirin", equivalents={"HP:0002829"}),
    ]


def test_curated_pairs_from_a_tiny_curated_set():
    from kg.train.symptom_knowledge import ConceptIndex, curated_concept_pairs

    index = ConceptIndex.build(_concepts())
    annotations = [
        ("OMIM:154700", "Marfan syndrome", ("HP:0000098", "HP:0004942", "HP:9999999")),  # by OMIM id
        ("ORPHA:1", "Gouty arthritis", ("HP:0002829",)),  # by name
        ("ORPHA:2", "Unknown disease", ("HP:0000098",)),  # maps to no concept
    ]
    ancestors = {"HP:0000098": ["HP:0000924", "HP:0000118", "HP:0000001"]}
    pairs, counts = curated_concept_pairs(annotations, index, ancestors)
    # True-path rule adds the skeletal ancestor; the HPO roots and a Disease-labelled phenotype are not symptoms.
    assert pairs == {("MESH:D1", "MESH:S1"), ("MESH:D1", "MESH:S2"), ("MESH:D2", "MESH:S3")}
    assert counts["diseases"] == 3 and counts["diseases_mapped"] == 2
    assert counts["symptom_ids_unmapped"] == 2  # HP:0004942 (a Disease concept) and the unknown HP:9999999
    # The drug sharing an HP id never enters the index.
    assert index.by_id["HP:0002829"].key == "MESH:S3"


def test_knowledge_tsv_errors_name_file_and_line(tmp_path):
    from kg.train.symptom_knowledge import read_knowledge_tsv

    bad = tmp_path / "k.tsv"
    bad.write_text("# header\nOMIM:1\tX\tHP:1\nOMIM:2 only\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"k\.tsv:3"):
        read_knowledge_tsv(bad)


@pytest.mark.parametrize("by", ["pair", "disease"])
def test_heldout_split_is_stable_and_by_key(by):
    from kg.train.has_symptom import in_heldout_pairs

    pairs = [(f"MESH:D{i}", f"MESH:S{j}") for i in range(40) for j in range(10)]
    held = {p: in_heldout_pairs(*p, 0.3, 13, by) for p in pairs}
    assert held == {p: in_heldout_pairs(*p, 0.3, 13, by) for p in pairs}
    share = sum(held.values()) / len(held)
    assert 0.15 < share < 0.45
    if by == "disease":
        for i in range(40):
            assert len({held[(f"MESH:D{i}", f"MESH:S{j}")] for j in range(10)}) == 1
    assert held != {p: in_heldout_pairs(*p, 0.3, 14, by) for p in pairs}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from kg.train.relations import load_rel_config, train_relations

    out = tmp_path_factory.mktemp("hs") / "model"
    meta = train_relations(load_rel_config(CFG, [f"out={out}"]))
    return out, meta


def test_pair_split_never_puts_a_heldout_pair_in_training(monkeypatch, tmp_path):
    from kg.train import has_symptom as symptom
    from kg.train.relations import load_rel_config, train_relations

    seen: list = []
    real = symptom.fit_head

    def spy(cands, y, *args, **kwargs):
        seen.extend(cands)
        return real(cands, y, *args, **kwargs)

    monkeypatch.setattr(symptom, "fit_head", spy)
    cfg = load_rel_config(CFG, [f"out={tmp_path / 'm'}"])
    meta = train_relations(cfg)
    share, seed = meta["pair_split"]["heldout_share"], meta["pair_split"]["seed"]
    train_pairs = {(c.drug, c.disease) for c in seen}
    assert train_pairs and not any(symptom.in_heldout_pairs(a, b, share, seed) for a, b in train_pairs)
    assert meta["pair_split"]["heldout_pairs"] > 0 and meta["pair_split"]["heldout_positives"] > 0
    assert len(seen) == meta["pair_split"]["train_candidates"]


def test_training_on_the_tiny_fixture_writes_model_and_meta(tiny_model):
    from kg.relations.models import load_relation_model

    out, meta = tiny_model
    disk = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert disk["kind"] == "relations-distant-linear" and disk["seed"] == 13
    assert disk["data"][0]["sha256"] and disk["params"]["heldout_pairs"] == 0.3
    assert disk["knowledge"]["tsv"]["concept_pairs"] == 8
    assert "hpo" not in disk["knowledge"]
    assert "held out" in disk["pair_split"]["method"]
    assert set(disk["metrics"]["heldout_pairs"]["baselines"]) == {"cooccurrence", "rules"}
    head = load_relation_model(out).head("has_symptom")
    assert head.kind.head_labels == {"Disease"} and head.kind.tail_labels == {"Symptom"}
    assert not any(f.startswith(("doc:", "cross:")) for f in head.vocab)
    # The invented corpus separates the classes by wording: the model must have learned it.
    w = {f: head.coef[1, j] - head.coef[0, j] for f, j in head.vocab.items()}
    assert w.get("sent:bw=presented", 0.0) > 0 > w.get("sent:bw=vaccinated", 0.0)


def test_heldout_scores_and_baselines():
    from kg.relations.features import Candidate, PairKind
    from kg.train.has_symptom import HEAD, TYPE, fit_head, score_heldout

    def cand(i: int, word: str) -> Candidate:
        return Candidate(f"d{i}", f"MESH:D{i}", f"MESH:S{i}", {"bias": 1.0, f"sent:bw={word}": 1.0}, [(0, 1, [])])

    train = [cand(i, "with" if i % 2 else "after") for i in range(40)]
    y = np.asarray([i % 2 for i in range(40)])
    head = fit_head(train, y, [1.0], folds=2, min_count=1, seed=1)
    assert head.name == HEAD
    assert head.kind == PairKind(frozenset({"Disease"}), frozenset({"Symptom"}), (TYPE,), frozenset({"Drug"}))
    test = [cand(100 + i, "with" if i < 3 else "after") for i in range(6)]
    yt = np.asarray([1, 1, 0, 0, 0, 0])
    report = score_heldout(test, yt, head, np.asarray([True, False, False, False, False, False]))
    assert (report["precision"], report["recall"]) == (round(2 / 3, 4), 1.0)
    assert report["baselines"]["cooccurrence"]["precision"] == round(2 / 6, 4)
    assert report["baselines"]["rules"] == {"precision": 1.0, "recall": 0.5, "f1": round(2 / 3, 4), "predicted": 1}
    assert report["auroc"] == 0.875
    assert report["pair_level"]["pairs"] == 6


def test_eval_has_symptom_prints_json_last(tiny_model):
    out, meta = tiny_model
    result = CliRunner().invoke(app, ["eval", "has-symptom", "--config", str(CFG), "--model", str(out)])
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.strip().splitlines()[-1])
    assert {"precision", "recall", "f1", "auroc", "per_type", "baselines"} <= set(last)
    assert last["f1"] == meta["metrics"]["heldout_pairs"]["f1"]
    assert last["baselines"]["cooccurrence"]["recall"] == 1.0
    # A config whose split differs from the model's is refused.
    bad = CliRunner().invoke(
        app, ["eval", "has-symptom", "--config", str(CFG), "--model", str(out), "--set", "params.heldout_pairs=0.5"]
    )
    assert bad.exit_code != 0


@pytest.fixture(scope="module")
def extractor(schema):
    from kg.relations.extractor import TrainedRelationExtractor, TrainedRelationOptions

    return TrainedRelationExtractor(schema, TrainedRelationOptions(ddi=None))


def _mentions(text: str, spans: list[tuple[str, str, str, str]]):
    from kg.nlp import analyze
    from kg.types import Document, Mention

    doc = Document(id="note", text=text)
    analyzed = analyze(doc)
    out = []
    for phrase, label, curie, assertion in spans:
        start = text.index(phrase)
        out.append(
            Mention(
                doc_id=doc.id,
                sentence_index=analyzed.sentence_of(start).index,
                start=start,
                end=start + len(phrase),
                text=phrase,
                label=label,
                confidence=0.9,
                extractor="test",
                extractor_version="0",
                curie=curie,
                assertion=assertion,
            )
        )
    return analyzed, out


def test_pipeline_has_symptom_comes_from_the_model(extractor):
    text = "Patient with chronic obstructive pulmonary disease presenting with worsening dyspnea. Denies fever."
    analyzed, mentions = _mentions(
        text,
        [
            ("chronic obstructive pulmonary disease", "Disease", "DOID:3083", "present"),
            ("dyspnea", "Symptom", "MESH:D004417", "present"),
            ("fever", "Symptom", "MESH:D005334", "negated"),
        ],
    )
    assert "hs" in extractor.version and "HAS_SYMPTOM" not in extractor.rules_for
    rels = [r for r in extractor(analyzed, mentions) if r.type == "HAS_SYMPTOM"]
    by_tail = {r.tail.text: r for r in rels}
    r = by_tail["dyspnea"]
    assert r.extractor == "trained" and r.asserted
    assert r.sentence.startswith("Patient with chronic") and 0.1 <= r.confidence <= 1.0
    # The negated symptom (another sentence) is never an asserted HAS_SYMPTOM.
    assert "fever" not in by_tail or not by_tail["fever"].asserted


def test_negated_symptom_is_kept_with_its_status(schema):
    from kg.relations.extractor import TrainedRelationExtractor, TrainedRelationOptions

    # the model's pair (P(HAS_SYMPTOM) under the notes floor of 0.7, so the floor of the abstracts here)
    extractor = TrainedRelationExtractor(
        schema, TrainedRelationOptions(ddi=None, has_symptom_min_confidence=0.1, clinical_patterns=False)
    )
    text = "Patient with chronic obstructive pulmonary disease, no dyspnea today."
    analyzed, mentions = _mentions(
        text,
        [
            ("chronic obstructive pulmonary disease", "Disease", "DOID:3083", "present"),
            ("dyspnea", "Symptom", "MESH:D004417", "negated"),
        ],
    )
    rels = [r for r in extractor(analyzed, mentions) if r.type == "HAS_SYMPTOM"]
    assert [(r.head.text, r.tail.text, r.assertion) for r in rels] == [
        ("chronic obstructive pulmonary disease", "dyspnea", "negated")
    ]
    assert all(not r.asserted for r in rels)


def test_rules_are_the_fallback_only_when_the_model_is_missing(schema, tmp_path: Path):
    from kg.relations.extractor import TrainedRelationExtractor, TrainedRelationOptions

    # the clinical patterns off, so that the rules are what supplies the pair
    fallback = TrainedRelationExtractor(
        schema, TrainedRelationOptions(ddi=None, has_symptom=str(tmp_path / "missing"), clinical_patterns=False)
    )
    assert fallback.hs is None and "HAS_SYMPTOM" in fallback.rules_for
    text = "Hypertension presenting with headache."
    analyzed, mentions = _mentions(
        text,
        [("Hypertension", "Disease", "DOID:10763", "present"), ("headache", "Symptom", "MESH:D006261", "present")],
    )
    rels = [r for r in fallback(analyzed, mentions) if r.type == "HAS_SYMPTOM"]
    assert rels and all(r.extractor == "rules" for r in rels)


def test_drug_in_the_sentence_is_a_context_feature():
    from kg.relations.features import candidates
    from kg.relations.reldoc import Ent, RelDoc
    from kg.train.has_symptom import KIND

    text = "Patient with epilepsy on carbamazepine reports dizziness. Epilepsy with seizures."
    ents = [
        Ent(13, 21, "Disease", ("D:epi",), 0, 0),
        Ent(25, 38, "Drug", ("C:cbz",), 0, 1),
        Ent(47, 56, "Symptom", ("S:diz",), 0, 2),
        Ent(58, 66, "Disease", ("D:epi",), 1, 3),
        Ent(72, 80, "Symptom", ("S:sei",), 1, 4),
    ]
    doc = RelDoc("d", text, [(0, 57), (58, len(text))], ents)
    by_pair = {(c.drug, c.disease): c for c in candidates(doc, None, True, KIND)}
    assert set(by_pair) == {("D:epi", "S:diz"), ("D:epi", "S:sei")}  # the drug is context, never an argument
    assert {"sent:ctx=Drug", "sent:ctx_between=Drug"} <= set(by_pair[("D:epi", "S:diz")].features)
    assert "sent:ctx=Drug" not in by_pair[("D:epi", "S:sei")].features
