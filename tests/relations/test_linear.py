"""The document-level drug–disease model: candidates, aggregation, evidence, training on fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kg.config import REPO_ROOT
from kg.io.corpora import read_corpus
from kg.relations.features import candidates
from kg.relations.linear import DocLinearModel, Head, decide
from kg.relations.models import load_relation_model
from kg.relations.priors import build_priors, doc_fold, leave_fold_out_priors
from kg.relations.reldoc import DRUG_LABELS, Ent, RelDoc, gold_pairs, reldoc_from_gold
from kg.train.relations import load_rel_config, train_relations

REL = REPO_ROOT / "tests" / "fixtures" / "relations"


def _doc() -> RelDoc:
    text = "Cocaine-induced seizures in rats. Seizures followed cocaine. Aspirin was given. Fever was absent."
    spans = [(0, 33), (34, 60), (61, 79), (80, 97)]

    def ent(word: str, label: str, concept: str, occurrence: int = 0) -> Ent:
        start = -1
        for _ in range(occurrence + 1):
            start = text.lower().index(word.lower(), start + 1)
        sent = next(i for i, (a, b) in enumerate(spans) if a <= start < b)
        return Ent(start, start + len(word), label, (concept,), sent)

    ents = [
        ent("Cocaine", "Drug", "C"),
        ent("seizures", "Disease", "S"),
        ent("Seizures", "Disease", "S", 1),
        ent("cocaine", "Drug", "C", 1),
        ent("Aspirin", "Drug", "A"),
        ent("Fever", "Symptom", "F"),
    ]
    ents = [Ent(e.start, e.end, e.label, e.concepts, e.sentence, i) for i, e in enumerate(ents)]
    return RelDoc("d", text, spans, ents, title_end=33)


def test_candidates_are_concept_pairs_aggregating_every_mention_pair():
    cands = {(c.drug, c.disease): c for c in candidates(_doc())}
    assert set(cands) == {("C", "S"), ("C", "F"), ("A", "S"), ("A", "F")}
    cs = cands[("C", "S")]
    # Two sentences hold both concepts: two sentence-level mention pairs, features merged by max.
    assert {(a, b) for a, b, _ in cs.mention_pairs} == {(0, 1), (3, 2)}
    assert cs.features["doc:cooc_sents=2"] == 1.0
    assert cs.features["sent:gap_dd=-_induced"] == 1.0  # drug first, "-induced" between
    assert cs.features["sent:bw_sd=followed"] == 1.0  # disease first, "followed" between
    assert cs.features["doc:title=11"] == 1.0
    # No shared sentence: one cross-sentence pair (the closest), flagged.
    af = cands[("A", "F")]
    assert af.features["cross:no_cooc"] == 1.0 and af.features["cross:min_sent=1"] == 1.0
    assert "doc:title=00" in af.features


def test_priors_never_include_the_document_itself():
    doc = _doc()  # its positive: (C, S)
    other = RelDoc("e", doc.text, doc.sentences, doc.ents, title_end=doc.title_end)  # same concepts, no positive
    labelled = [(doc, {("C", "S")}), (other, set())]
    c, s = frozenset({"C"}), frozenset({"S"})
    # counting the document's own labels would change its prior: the pair would be a known positive
    leaky = build_priors(labelled).features(c, s)
    assert leaky["prior:pair"] == 1.0 and leaky["prior:drug_rate"] == pytest.approx(1.5 / 3)
    priors = leave_fold_out_priors(labelled, [0, 1], 2)
    own = priors[0].features(c, s)  # the priors of the document's fold: only the other document counts
    assert "prior:pair" not in own
    assert own["prior:drug_rate"] == pytest.approx(0.5 / 2) and own["prior:disease_rate"] == pytest.approx(0.5 / 2)
    assert priors[0] == build_priors([(other, set())])
    # the other document's fold does see the first document's positive
    theirs = priors[1].features(c, s)
    assert theirs["prior:pair"] == 1.0 and theirs["prior:drug_rate"] == pytest.approx(1.5 / 2)
    # with both documents in one fold, that fold's priors are empty
    assert leave_fold_out_priors(labelled, [1, 1], 2)[1].features(c, s) == {}
    assert "prior:pair" not in build_priors([]).features(c, s)


def test_training_gives_each_document_the_priors_without_its_own_labels(monkeypatch, tmp_path: Path):
    import kg.train.doc_linear as doc_linear

    seen: dict[str, list] = {}
    real_candidates = candidates

    def recording(doc, priors=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.setdefault(doc.id, []).append(priors)
        return real_candidates(doc, priors, *args, **kwargs)

    monkeypatch.setattr(doc_linear, "candidates", recording)  # the name training calls
    cfg = load_rel_config(REL / "tiny_linear.yaml", [f"out={tmp_path}", "evaluate=[]"])
    train_relations(cfg)
    folds = cfg.params.folds
    golds = read_corpus(REL / "cid_train.PubTator.txt", "pubtator")
    docs = [reldoc_from_gold(g) for g in golds]
    labels = [set(gold_pairs(g, d, ["none", "CID"])) for g, d in zip(golds, docs, strict=True)]
    fold = [doc_fold(d.id, cfg.seed, folds) for d in docs]
    assert len(set(fold)) == folds  # every fold holds a document
    expected = leave_fold_out_priors(list(zip(docs, labels, strict=True)), fold, folds)
    unique_checked = 0
    for d, lab, f in zip(docs, labels, fold, strict=True):
        assert seen[d.id] and seen[d.id][0] == expected[f]  # the first (cross-fitting) call: its fold's priors
        pri = seen[d.id][0]
        for pair in lab:  # a positive no other document has never reaches the document's own features
            if not any(pair in other for other, o in zip(labels, docs, strict=True) if o.id != d.id):
                assert pair not in pri.pairs
                unique_checked += 1
        for concept in {c for e in d.ents if e.label in DRUG_LABELS for c in e.concepts}:
            # a drug's document count is that of the other folds' documents naming it: never this one
            outside = [o for o, g in zip(docs, fold, strict=True) if g != f]
            named = sum(any(concept in e.concepts and e.label in DRUG_LABELS for e in o.ents) for o in outside)
            assert pri.drug_rate.get(concept, (0, 0))[1] == named
    assert unique_checked > 0  # the fixture has positives only one document holds


def test_decide_falls_back_to_a_documents_best_pair_only_when_nothing_fires():
    cands = candidates(_doc())
    probs = np.array([[0.9, 0.1], [0.6, 0.4], [0.8, 0.2], [0.95, 0.05]])
    assert decide(cands, probs, None) == []
    assert decide(cands, probs, 0.3) == [(1, 1)]
    assert decide(cands, probs, 0.5) == []
    probs[0] = [0.2, 0.8]
    assert decide(cands, probs, 0.3) == [(0, 1)]


def test_prediction_picks_the_evidence_mention_pair_with_the_best_local_score():
    doc = _doc()
    vocab = {"sent:bw_sd=followed": 0, "bias": 1}
    head = Head("cid", ["none", "CID"], vocab, np.array([[0.0, 0.0], [3.0, -1.0]]), np.zeros(2))
    model = DocLinearModel([head], {"version": "t"})
    preds = model.predict(doc, fallback=False)
    assert [(p.drug, p.disease, p.type) for p in preds] == [("C", "S", "CAUSES")]
    # The evidence is the "Seizures followed cocaine" pair (mentions 3 and 2), not the title pair.
    assert (preds[0].drug_mention, preds[0].disease_mention) == (3, 2)
    assert model.predict(doc, max_sentence_distance=0, fallback=False)[0].disease_mention == 2


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("rel") / "linear"
    meta = train_relations(load_rel_config(REL / "tiny_linear.yaml", [f"out={out}"]))
    return out, meta


def test_training_on_the_fixture_writes_a_small_artifact_with_metadata(tiny_model):
    out, meta = tiny_model
    on_disk = json.loads((out / "meta.json").read_text())
    assert on_disk["kind"] == "relations-doc-linear" and on_disk["seed"] == 13
    assert {d["path"] for d in on_disk["data"]} == {"cid_train.PubTator.txt", "biored.PubTator"}
    assert all(len(d["sha256"]) == 64 for d in on_disk["data"])
    assert set(on_disk["heads"]) == {"cid", "biored"}
    assert on_disk["metrics"]["cid_eval"]["n_docs"] == 2
    assert (out / "linear.json.gz").stat().st_size < 1_000_000


def test_the_trained_model_fits_its_training_documents_and_reloads_identically(tiny_model):
    out, _ = tiny_model
    model = DocLinearModel.load(out)
    assert isinstance(load_relation_model(str(out)), DocLinearModel)
    tp = fn = fp = 0
    for g in read_corpus(REL / "cid_train.PubTator.txt", "pubtator"):
        doc = reldoc_from_gold(g)
        gold = set(gold_pairs(g, doc, ["none", "CID"]))
        pred = {(p.drug, p.disease) for p in model.predict(doc, heads=["cid"])}
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
    assert tp / (tp + fn) >= 0.8 and tp / (tp + fp) >= 0.5
    again = DocLinearModel.load(out)
    doc = reldoc_from_gold(read_corpus(REL / "cid_train.PubTator.txt", "pubtator")[0])
    assert model.predict(doc) == again.predict(doc)


def test_same_seed_same_model(tiny_model, tmp_path: Path):
    import gzip

    out, _ = tiny_model
    train_relations(load_rel_config(REL / "tiny_linear.yaml", [f"out={tmp_path}", "evaluate=[]"]))

    def weights(d: Path) -> dict:
        return json.loads(gzip.decompress((d / "linear.json.gz").read_bytes()))

    assert weights(tmp_path) == weights(out)


def test_unknown_head_is_an_error_listing_known_heads(tmp_path: Path):
    from kg.config import ConfigError

    cfg = load_rel_config(REL / "tiny_linear.yaml", [f"out={tmp_path}", "evaluate=[]"])
    cfg.data[0].head = "chemprot"
    with pytest.raises((ValueError, ConfigError), match="biored, cid"):
        train_relations(cfg)
