"""NER training data: fold gazetteers (no leakage), training documents and their record."""

from __future__ import annotations

from kg.train.ner_data import CorpusSpec, corpus_heads, corpus_names, fold_gazetteers, fold_of, load_training_docs
from tests.conftest import FIXTURES


def test_fold_gazetteer_never_holds_names_only_seen_in_its_own_fold() -> None:
    docs = {f"doc{i}": {(f"rarename{i}", "Drug")} for i in range(20)}
    gazetteers = fold_gazetteers([("aspirin", "Drug")], docs, k=4)
    for doc_id, names in docs.items():
        own = gazetteers[fold_of(doc_id, 4)]
        ((name, _),) = names
        assert own.tag(name) == []  # leakage would let a document see its own annotation
        other = gazetteers[(fold_of(doc_id, 4) + 1) % 4]
        assert [h.label for h in other.tag(name)] == ["Drug"]
        assert own.tag("aspirin")  # curated names are in every fold


def test_training_docs_keep_the_labels_a_corpus_annotates() -> None:
    ncbi = CorpusSpec(path=FIXTURES / "ncbi_disease" / "NCBItrainset_corpus.txt", labels=["Disease"], convention="ncbi")
    cdr = CorpusSpec(path=FIXTURES / "bc5cdr" / "CDR_TrainingSet.PubTator.txt")
    docs, record = load_training_docs([cdr, ncbi])
    assert [r["file"] for r in record] == [cdr.path.name, ncbi.path.name]
    assert sum(r["mentions"] for r in record) == sum(len(d.entities) for d in docs) > 0
    ncbi_docs = [d for d in docs if d.id.startswith(ncbi.path.name + ":")]
    assert ncbi_docs and all(d.heads_annotated == corpus_heads(ncbi) == ("Disease", "Disease@ncbi") for d in ncbi_docs)
    assert all(label != "Drug" for d in ncbi_docs for _, _, label in d.entities)
    names = corpus_names(docs)
    assert set(names) == {d.id for d in docs}
    assert all(label in {"Drug", "Disease"} for pairs in names.values() for _, label in pairs)  # Symptom -> Disease
