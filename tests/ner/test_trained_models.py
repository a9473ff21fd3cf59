"""The committed trained NER models: registry use, spaCy-component use, assertion, eval JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from typer.testing import CliRunner

from kg.assertion import default_annotator
from kg.cli import app
from kg.io.corpora import read_corpus
from kg.ner import create_ner
from kg.ner.postprocess import TaggedSpan, agree
from kg.ner.trained import DEFAULT_MODELS, load_model
from kg.nlp import analyze
from kg.types import Document
from tests.conftest import FIXTURES, SHARED_DATA

MODES = ["accurate", "fast"]
NOTE = (
    "Started lisinopril for hypertension. Denies chest pain. "
    "Family history of breast cancer in mother. Possible pneumonia, rule out sepsis."
)


@pytest.mark.parametrize("mode", MODES)
def test_committed_artifact_is_small_and_described(mode: str) -> None:
    folder = DEFAULT_MODELS[mode]
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 40_000_000, f"{mode} model is {size / 1e6:.1f} MB"
    meta = json.loads((folder / "meta.json").read_text())
    assert {"seed", "data", "version", "metrics", "train_minutes", "created"} <= set(meta)


#: Entity-level F1 floors on the first 50 BC5CDR test abstracts, Symptom scored as Disease (recorded on
#: the whole test set: accurate 0.871, fast 0.842; a model that learnt nothing scores near 0).
BC5CDR_SLICE_F1_FLOOR = {"accurate": 0.78, "fast": 0.75}


@pytest.fixture(scope="module")
def bc5cdr_test_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 50 abstracts of the BC5CDR test set, in its PubTator format."""
    blocks = (SHARED_DATA / "bc5cdr" / "CDR_TestSet.PubTator.txt").read_text(encoding="utf-8").split("\n\n")
    path = tmp_path_factory.mktemp("bc5cdr") / "CDR_TestSet50.PubTator.txt"
    path.write_text("\n\n".join(blocks[:50]) + "\n\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", MODES)
def test_committed_model_measures_above_a_floor_on_bc5cdr_test_abstracts(mode: str, bc5cdr_test_slice: Path) -> None:
    from kg.eval.entities import evaluate_ner

    report = evaluate_ner(bc5cdr_test_slice, "pubtator", model=mode, label_map={"Symptom": "Disease"})
    assert report["n_docs"] == 50 and report["n_mentions"] > 500
    assert report["f1"] >= BC5CDR_SLICE_F1_FLOOR[mode], report
    assert set(report["per_label"]) == {"Drug", "Disease"}


#: Entity-level F1 floors on the hand-annotated fixture notes (measured: accurate 0.943, fast 0.927).
NOTES_F1_FLOOR = {"accurate": 0.85, "fast": 0.85}


@pytest.mark.parametrize("mode", MODES)
def test_committed_model_measures_above_a_floor_on_annotated_notes(mode: str) -> None:
    from kg.eval.entities import evaluate_ner

    report = evaluate_ner(FIXTURES / "notes_annotated.jsonl", "jsonl", model=mode)
    assert report["n_docs"] == 8 and report["n_mentions"] > 50
    assert report["f1"] >= NOTES_F1_FLOOR[mode], report
    assert {"Disease", "Drug", "Symptom"} <= set(report["per_label"])
    assert all(scores["f1"] >= 0.8 for scores in report["per_label"].values()), report["per_label"]


@pytest.mark.parametrize("mode", MODES)
def test_registry_extractor_finds_entities_with_assertions(mode: str) -> None:
    analyzed = analyze(Document(id="n1", text=NOTE))
    mentions = default_annotator()(analyzed, create_ner(mode)(analyzed))
    found = {(m.text.lower(), m.label): m.assertion for m in mentions}
    assert found.get(("lisinopril", "Drug")) == "present"
    assert found.get(("hypertension", "Disease")) == "present"
    assert found.get(("chest pain", "Symptom"), found.get(("chest pain", "Disease"))) == "negated"
    assert found.get(("breast cancer", "Disease")) == "family"
    assert found.get(("pneumonia", "Disease")) == "possible"
    assert all(m.extractor == f"ner-{mode}" and m.extractor_version for m in mentions)


@pytest.mark.parametrize("mode", MODES)
def test_usable_as_spacy_component_with_abbreviations(mode: str) -> None:
    import scispacy.abbreviation  # noqa: F401

    import kg.ner.trained  # noqa: F401  (registers the factory)

    nlp = spacy.blank("en")
    nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("medkg_ner", config={"model": mode})
    doc = nlp(
        "Patients with chronic obstructive pulmonary disease (COPD) received theophylline. "
        "COPD exacerbations were fewer."
    )
    ents = {(e.text, e.label_) for e in doc.ents}
    assert ("theophylline", "Drug") in ents
    copd = [e for e in doc.ents if e.text == "COPD"]
    assert len(copd) == 2 and all(e.label_ == "Disease" for e in copd)
    assert copd[1]._.medkg_long_form == "chronic obstructive pulmonary disease"
    assert all(0.0 < e._.medkg_confidence <= 1.0 for e in doc.ents)
    # pipe() gives the same answer as one-by-one calls
    assert [[(e.start_char, e.label_) for e in d.ents] for d in nlp.pipe([doc.text, doc.text])] == [
        [(e.start_char, e.label_) for e in doc.ents]
    ] * 2


def test_lower_cased_telegraphic_text() -> None:
    analyzed = analyze(Document(id="n2", text="pt w/ htn, dm2. on metformin + aspirin. no sob."))
    found = {m.text.lower(): m.label for m in create_ner("accurate")(analyzed)}
    assert found.get("metformin") == "Drug" and found.get("aspirin") == "Drug"


def test_eval_command_prints_json_last(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        app,
        ["eval", "ner", "--corpus", str(FIXTURES / "notes_annotated.jsonl"), "--format", "jsonl", "--model", "fast"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert {"precision", "recall", "f1", "per_label", "n_docs", "n_mentions", "assertion_accuracy"} <= set(report)
    assert report["n_docs"] == 8 and 0.0 <= report["f1"] <= 1.0


def test_eval_labels_option_restricts_scoring() -> None:
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "ner",
            "--corpus",
            str(FIXTURES / "notes_annotated.jsonl"),
            "--format",
            "jsonl",
            "--model",
            "fast",
            "--labels",
            "Drug",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert set(report["per_label"]) == {"Drug"}


def test_missing_model_folder_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kg.artifacts import ModelArtifactError

    with pytest.raises(ModelArtifactError, match="train one with `medkg train ner"):
        load_model(str(tmp_path))


#: BC5CDR test abstracts where the committed ensemble removes unsure spans of the tagger (measured:
#: "tubular atrophy" in 24040781, "motor fluctuations" in 24126708, "disturbed" in 24588023, "RD" in 23892921).
ENSEMBLE_PMIDS = ("24040781", "24126708", "24588023", "23892921")


def test_accurate_mode_is_an_agreement_ensemble_with_the_fast_model() -> None:
    from kg.ner.trained import TrainedNer

    meta = json.loads((DEFAULT_MODELS["accurate"] / "meta.json").read_text())
    spec = meta["ensemble"]
    keep = spec["keep_confidence"]
    assert spec["partner"] == "fast" and 0.5 < keep <= 1.0
    assert spec["tuned_on"] and all(t["documents"] > 0 for t in spec["tuned_on"])
    ensemble = TrainedNer("accurate")
    alone = TrainedNer("accurate", partner="")
    assert ensemble.partner is not None and ensemble.keep_confidence == keep
    assert alone.partner is None
    gold = {
        g.document.id: g.document.text
        for g in read_corpus(SHARED_DATA / "bc5cdr" / "CDR_TestSet.PubTator.txt", "pubtator")
    }
    texts = [NOTE, *(gold[pmid] for pmid in ENSEMBLE_PMIDS)]
    partner_spans = ensemble.partner.tag(texts)
    removed = []
    for with_partner, without, other in zip(ensemble.tag(texts), alone.tag(texts), partner_spans, strict=True):
        vouched = {(s.start, s.end, s.label) for s in other}
        # exactly the tagger's spans that are confident or vouched for by the partner survive, in order
        assert with_partner == [s for s in without if s.confidence >= keep or (s.start, s.end, s.label) in vouched]
        removed.extend(s for s in without if s not in with_partner)
    assert len(removed) >= 3  # the texts exercise the filter: it removed spans
    assert all(s.confidence < keep for s in removed)  # only unsure ones
    # a keep threshold at the minimum confidence makes the partner irrelevant
    assert TrainedNer("accurate", keep_confidence=0.5).tag(texts) == alone.tag(texts)
    version = create_ner("accurate").version  # type: ignore[attr-defined]
    assert (
        version == f"{meta['version']}+fast.{json.loads((DEFAULT_MODELS['fast'] / 'meta.json').read_text())['version']}"
    )


class _FixedTagger:
    """A stand-in tagger that returns hand-made raw spans and records what it was asked to tag."""

    def __init__(self, spans: list[TaggedSpan]) -> None:
        self.spans = spans
        self.calls: list[list[str]] = []

    def tag(self, texts, convention=None):  # type: ignore[no-untyped-def]
        self.calls.append(list(texts))
        return [list(self.spans) for _ in texts]


def test_agreement_ensemble_removes_unsure_spans_the_partner_did_not_find() -> None:
    from kg.ner.trained import TrainedNer

    text = "Cisplatin caused nephrotoxicity, ototoxicity and neuropathy in patients."
    ensemble = TrainedNer("accurate", keep_confidence=0.8, min_confidence=0.5)
    confident = TaggedSpan(0, 9, "Drug", 0.95)  # above keep_confidence: kept without the partner
    vouched = TaggedSpan(17, 31, "Disease", 0.6)  # unsure, partner found it too: kept
    alone = TaggedSpan(33, 44, "Disease", 0.6)  # unsure, partner silent: removed
    relabelled = TaggedSpan(49, 59, "Disease", 0.7)  # unsure, partner found it as a Drug: removed
    weak = TaggedSpan(63, 71, "Disease", 0.3)  # below min_confidence, even though vouched for: removed
    ensemble.tagger = _FixedTagger([confident, vouched, alone, relabelled, weak])
    partner = _FixedTagger(
        [
            TaggedSpan(17, 31, "Disease", 0.9),
            TaggedSpan(49, 59, "Drug", 0.9),
            TaggedSpan(63, 71, "Disease", 0.9),
            TaggedSpan(0, 9, "Disease", 0.9),  # the partner never adds or relabels spans
        ]
    )
    ensemble.partner = partner
    assert ensemble.tag([text]) == [[confident, vouched]]
    assert partner.calls == [[text]]
    # the real agree() gives the same answer for the same spans
    assert agree(ensemble.tagger.spans, partner.spans, 0.8, 0.5) == [confident, vouched]
    # a text whose spans are all confident never consults the partner and keeps them all
    ensemble.tagger = _FixedTagger([confident])
    partner.calls.clear()
    assert ensemble.tag([text]) == [[confident]] and partner.calls == []
    # a silent partner leaves only the confident span
    ensemble.tagger = _FixedTagger([confident, vouched, alone])
    ensemble.partner = _FixedTagger([])
    assert ensemble.tag([text]) == [[confident]]
