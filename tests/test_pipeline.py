"""End-to-end build tests on tiny real-format inputs (no server)."""

import json
import logging
import shutil
import sqlite3

import pytest

from kg.build import build
from kg.config import load_config
from kg.privacy.pseudonyms import pseudonymizer
from kg.store.sqlite import SqliteStore

PHI_VALUES = [
    "John Smith",
    "03/14/1962",
    "00482913",
    "Robert Johnson",
    "(555) 123-4567",
    "123-45-6789",
    "jane.doe@example.com",
    "01/22/2024",
]

NOTES = [
    {
        "id": "n1",
        "text": "Patient: John Smith\nDOB: 03/14/1962\nMRN: 00482913\nHPI:\nStarted on lisinopril for "
        "hypertension on 01/22/2024. Denies chest pain. Phone: (555) 123-4567.",
    },
    {
        "id": "n2",
        "text": "Mr. Robert Johnson developed a rash after penicillin. SSN 123-45-6789. Email "
        "jane.doe@example.com. Heart failure with dyspnea and edema.",
    },
    {"id": "n3", "text": "Warfarin interacts with amiodarone. No rash after amoxicillin."},
]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(json.dumps(n) for n in NOTES) + "\n{broken\n", encoding="utf-8")
    return path


def _pid(store_dir, raw_id):
    """The pseudonym a build into ``store_dir`` stores document ``raw_id`` under (kg.privacy.pseudonyms)."""
    return pseudonymizer(store_dir).doc_id(raw_id)


def _config(seed_dir, **extra):
    overrides = [f"seed.hetionet_dir={seed_dir}", "seed.hpo_annotations=false", "gnn.enabled=false"]
    overrides += [f"{k}={v}" for k, v in extra.items()]
    return load_config(None, overrides)


def _dump(store_dir):
    conn = sqlite3.connect(store_dir / "graph.sqlite")
    out = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"):
        out[table] = sorted(map(tuple, conn.execute(f"SELECT * FROM {table}")))  # test-only SQL over known names
    conn.close()
    return out


def test_build_end_to_end_with_seed(tmp_path, corpus, seed_dir):
    store_dir = tmp_path / "store"
    report = build([corpus], _config(seed_dir), store_dir=store_dir)
    assert report.documents == 3 and report.quarantined == 1
    assert report.quarantine[0].location == "line 4"
    with SqliteStore(store_dir) as store:
        edges = {(e.head, e.type, e.tail): e for e in store.edges()}
        # text-mined TREATS lands on the curated DOID node of the seed
        treats = edges[("DRUGBANK:DB00722", "TREATS", "DOID:10763")]
        assert treats.sources == ("text",) and treats.evidence_count == 1
        # the seed's own edge is there, from the curated source
        assert edges[("DRUGBANK:DB00945", "TREATS", "DOID:10763")].sources == ("hetionet",)
        assert ("MESH:D010406", "CAUSES", "MESH:D005076") in edges  # penicillin -> rash
        # heart failure -> dyspnea, edema (coordination): symptoms land on the MeSH symptom ids the
        # seed graph uses, with the HPO ids as equivalent ids
        assert ("MESH:D006333", "HAS_SYMPTOM", "MESH:D004417") in edges
        assert ("MESH:D006333", "HAS_SYMPTOM", "MESH:D004487") in edges
        # the DDI classifier's subtype is on the evidence and the edge, and in the exports
        ddi = edges[("DRUGBANK:DB00682", "INTERACTS_WITH", "DRUGBANK:DB01118")]
        assert ddi.subtype in ("mechanism", "effect", "advise", "int") and ddi.subtypes == (ddi.subtype,)
        (ddi_ev,) = [e for e in store.evidence() if e.type == "INTERACTS_WITH"]
        assert ddi_ev.subtype == ddi.subtype and ddi_ev.extractor == "trained"
        assert all(e.subtype is None for e in store.evidence() if e.type != "INTERACTS_WITH")
        assert all(e.subtype is None for k, e in edges.items() if k[1] != "INTERACTS_WITH")
        from kg.export import to_networkx
        from kg.schema import load_schema

        graph = to_networkx(store.snapshot(), load_schema())
        assert graph.edges["DRUGBANK:DB00682", "DRUGBANK:DB01118", "INTERACTS_WITH"]["subtype"] == ddi.subtype
        # negated mention: evidence kept with its status, no asserted edge
        ev = [e for e in store.evidence() if e.doc_id == _pid(store_dir, "n3") and e.type == "CAUSES"]
        assert ev and all(not e.asserted and e.assertion == "negated" for e in ev)
        assert not any(k[1] == "CAUSES" and k[0] == ev[0].head and k[2] == ev[0].tail for k in edges)
        nodes = {n.id: n for n in store.nodes()}
        assert nodes["DOID:10763"].sources == ("hetionet", "text")
        assert nodes["DOID:10763"].name == "hypertension"
        assert {"MESH:D006973", "HP:0000822"} <= set(nodes["DOID:10763"].xrefs)  # merged with equivalent ids
        assert "HP:0002094" in nodes["MESH:D004417"].xrefs


def test_incremental_rerun_skips_and_replaces(tmp_path, corpus, seed_dir):
    store_dir = tmp_path / "store"
    cfg = _config(seed_dir)
    build([corpus], cfg, store_dir=store_dir)
    before = _dump(store_dir)
    again = build([corpus], cfg, store_dir=store_dir)
    assert again.skipped_documents == 3 and again.mentions == 0
    after = _dump(store_dir)
    for table in ("nodes", "edges", "evidence", "mentions", "seed_edges"):
        assert before[table] == after[table], table
    # a changed document replaces its own evidence, nothing else
    notes = [dict(n) for n in NOTES]
    notes[2]["text"] = "Warfarin and aspirin were discussed."
    corpus.write_text("\n".join(json.dumps(n) for n in notes), encoding="utf-8")
    third = build([corpus], cfg, store_dir=store_dir)
    assert third.skipped_documents == 2
    with SqliteStore(store_dir) as store:
        keys = {(e.head, e.type, e.tail) for e in store.edges()}
        assert ("DRUGBANK:DB00682", "INTERACTS_WITH", "DRUGBANK:DB01118") not in keys
        assert ("DRUGBANK:DB00722", "TREATS", "DOID:10763") in keys


def test_failed_build_leaves_previous_graph_intact(tmp_path, corpus, seed_dir, monkeypatch):
    store_dir = tmp_path / "store"
    cfg = _config(seed_dir)
    build([corpus], cfg, store_dir=store_dir)
    before = _dump(store_dir)
    corpus.write_text(json.dumps({"id": "n4", "text": "Asthma treated with albuterol."}) + "\n", encoding="utf-8")

    def boom(self, keys):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(SqliteStore, "_recompute_edges", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        build([corpus], cfg, store_dir=store_dir)
    after = _dump(store_dir)
    for table in ("nodes", "edges", "evidence", "mentions", "documents"):
        assert before[table] == after[table], table
    # ... and the failed run is on record, with the exception's type (never its message)
    with SqliteStore(store_dir) as store:
        last = store.runs()[-1]
    assert last["status"] == "failed" and last["details"] == {"error": "RuntimeError"}
    assert [r for r in after["runs"] if r not in before["runs"]] != []


def test_no_phi_in_store_exports_or_logs(tmp_path, corpus, seed_dir, caplog):
    from kg.export import export_snapshot
    from kg.schema import load_schema

    store_dir = tmp_path / "store"
    with caplog.at_level(logging.DEBUG):
        build([corpus], _config(seed_dir), store_dir=store_dir)
    blobs = [json.dumps(_dump(store_dir)), caplog.text]
    with SqliteStore(store_dir) as store:
        snapshot = store.snapshot()
    for fmt in ("ttl", "graphml", "neo4j-csv"):
        for path in export_snapshot(snapshot, load_schema(), fmt, tmp_path / f"out-{fmt}"):
            blobs.append(path.read_text(encoding="utf-8"))
    for blob in blobs:
        for value in PHI_VALUES:
            assert value not in blob
    # evidence sentences are kept, scrubbed
    sentences = [e.sentence for e in snapshot.evidence]
    assert any("[DATE]" in s and "lisinopril" in s for s in sentences)
    # the raw note text is never stored whole
    assert not any(n["text"] in blobs[0] for n in NOTES)


def _seed_with_symptom(seed_dir, curie_local="D006333", name="Heart Failure"):
    """The seed fixture, plus a Symptom node on an id the notes' text mining links as a Disease."""
    nodes = seed_dir / "hetionet-v1.0-nodes.tsv"
    nodes.write_text(nodes.read_text() + f"Symptom::{curie_local}\t{name}\tSymptom\n")
    return seed_dir


def _assert_every_reader_loads(store_dir, forbidden):
    from kg.export import FORMATS, export_checked
    from kg.schema import load_schema

    with SqliteStore(store_dir) as store:
        snap = store.snapshot()
    for fmt in FORMATS:
        _, checked = export_checked(snap, load_schema(), fmt, store_dir.parent / f"export-{fmt}")
        assert checked.skipped == (), fmt  # the store never held the forbidden triple
    assert forbidden not in {(e.head, e.type, e.tail) for e in snap.edges}
    assert forbidden not in {(e.head, e.type, e.tail) for e in snap.evidence}


def test_a_forbidden_signature_is_quarantined_with_its_reason_while_the_rest_loads(tmp_path, corpus, seed_dir):
    """Heart failure is a Symptom node in this seed: the notes' HAS_SYMPTOM from it is (Symptom)->(Symptom)."""
    store_dir = tmp_path / "store"
    report = build([corpus], _config(_seed_with_symptom(seed_dir)), store_dir=store_dir)
    refused = [q for q in report.quarantine if q.reason.startswith("relation ")]
    assert {q.source for q in refused} == {_pid(store_dir, "n2")}
    assert len(refused) == 2  # heart failure -> dyspnea, heart failure -> edema
    assert all("(Symptom)-[HAS_SYMPTOM]->(Symptom) is not an allowed signature" in q.reason for q in refused)
    assert all(q.location.startswith("sentence ") for q in refused)
    assert report.quarantined == 1 + len(refused)  # the broken JSONL line and the two relations
    forbidden = ("MESH:D006333", "HAS_SYMPTOM", "MESH:D004417")
    with SqliteStore(store_dir) as store:
        keys = {(e.head, e.type, e.tail) for e in store.edges()}
        assert ("DRUGBANK:DB00722", "TREATS", "DOID:10763") in keys  # the rest of the graph is there
        assert {n.id: n.label for n in store.nodes()}["MESH:D006333"] == "Symptom"
        stored = [q for q in store.quarantine(report.run_id) if q.reason.startswith("relation ")]
        assert sorted(stored, key=str) == sorted(refused, key=str)
    _assert_every_reader_loads(store_dir, forbidden)


def test_a_seed_that_relabels_a_text_node_moves_its_forbidden_evidence_to_the_quarantine(tmp_path, corpus, seed_dir):
    store_dir = tmp_path / "store"
    build([corpus], _config(seed_dir), store_dir=store_dir)  # heart failure is a text-mined Disease here
    forbidden = ("MESH:D006333", "HAS_SYMPTOM", "MESH:D004417")
    with SqliteStore(store_dir) as store:
        assert forbidden in {(e.head, e.type, e.tail) for e in store.edges()}
    build([corpus], _config(_seed_with_symptom(seed_dir)), store_dir=store_dir)  # new seed: it is a Symptom
    with SqliteStore(store_dir) as store:
        assert {n.id: n.label for n in store.nodes()}["MESH:D006333"] == "Symptom"
        moved = [q for q in store.quarantine() if "MESH:D006333 -[HAS_SYMPTOM]->" in q.reason]
        assert {q.source for q in moved} == {_pid(store_dir, "n2")} and len(moved) == 2
        assert ("DRUGBANK:DB00722", "TREATS", "DOID:10763") in {(e.head, e.type, e.tail) for e in store.edges()}
    _assert_every_reader_loads(store_dir, forbidden)


def test_every_text_stage_takes_a_batch_and_a_batch_gives_what_one_document_at_a_time_gives():
    from kg.pipeline import STAGES, TextPipeline
    from kg.schema import load_schema
    from kg.types import Document

    cfg = load_config(None, ["ner.name=dictionary", "linker.name=lexicon", "relations.name=rules"])
    text = TextPipeline(load_schema(), cfg)
    docs = [Document(id=n["id"], text=n["text"]) for n in NOTES]
    docs.append(Document(id="n4", text="Patient: Asthma Jones\nAsthma treated with albuterol."))
    batch = text.run(docs)
    assert [s.analyzed.document.id for s in batch] == ["n1", "n2", "n3", "n4"]
    assert batch[3].dropped_as_phi == 1  # the surname-like "Asthma" in the name header, not the disease
    one_by_one = [text.process(d) for d in docs]
    assert [(s.mentions, s.relations, s.dropped_as_phi) for s in batch] == [tuple(r) for r in one_by_one]
    assert sum(len(s.mentions) for s in batch) > 5 and sum(len(s.relations) for s in batch) > 0
    # a prefix of the chain: NER alone, as build runs it (nothing linked, asserted or related yet)
    ner_only = text.run(docs, until="ner")
    assert all(m.curie is None for s in ner_only for m in s.mentions)
    assert all(not s.relations and s.dropped_as_phi == 0 for s in ner_only)
    # the privacy stage is the only one that removes mentions, and it counts them
    assert [len(a.mentions) - len(b.mentions) for a, b in zip(ner_only, batch, strict=True)] == [
        s.dropped_as_phi for s in batch
    ]
    # every stage has the one interface: a batch in, the same batch out
    states = text.run(docs, until="privacy")
    for name in STAGES[STAGES.index("privacy") + 1 :]:
        states = text.stage(name)(states)
    assert [(s.mentions, s.relations) for s in states] == [(s.mentions, s.relations) for s in batch]
    with pytest.raises(ValueError, match="unknown text stage 'parsing'; known: ner, privacy"):
        text.run(docs, until="parsing")


# -- one bad document never stops a run ----------------------------------------------------------

_QUICK = {"ner.name": "dictionary", "linker.name": "lexicon", "relations.name": "rules"}


def _doc_ids(store_dir):
    """The raw ids (n1, n2, ...) of the documents and of the mentions' documents the store holds as pseudonyms."""
    raw = {_pid(store_dir, f"n{i}"): f"n{i}" for i in range(1, 10)}
    conn = sqlite3.connect(store_dir / "graph.sqlite")
    try:
        docs = sorted(raw[r[0]] for r in conn.execute("SELECT doc_id FROM documents"))
        mention_docs = sorted({raw[r[0]] for r in conn.execute("SELECT doc_id FROM mentions")})
    finally:
        conn.close()
    return docs, mention_docs


def test_a_document_that_fails_a_stage_is_quarantined_and_the_rest_of_its_batch_lands(
    tmp_path, corpus, seed_dir, monkeypatch
):
    from kg.pipeline import TextPipeline

    real = TextPipeline._linking

    def linking(self, batch):
        for state in batch:
            if "amoxicillin" in state.analyzed.document.text:
                raise ValueError(f"cannot link {state.analyzed.document.text!r}")  # a message that quotes the text
        return real(self, batch)

    monkeypatch.setattr(TextPipeline, "_linking", linking)
    store_dir = tmp_path / "store"
    report = build([corpus], _config(seed_dir, **_QUICK), store_dir=store_dir, with_seeds=False)
    assert report.failed == 2  # the malformed JSON line and n3
    failed = [q for q in report.quarantine if q.location == "document"]
    source = pseudonymizer(store_dir).source(corpus, 3)
    assert [(q.source, q.reason) for q in failed] == [(source, "stage 'linking' failed: ValueError")]
    assert all("amoxicillin" not in q.reason + q.source for q in report.quarantine)
    docs, mention_docs = _doc_ids(store_dir)
    assert docs == ["n1", "n2"] and mention_docs == ["n1", "n2"]  # n3 wrote nothing
    # fixed, the next run processes n3 (it was never recorded as done)
    monkeypatch.setattr(TextPipeline, "_linking", real)
    again = build([corpus], _config(seed_dir, **_QUICK), store_dir=store_dir, with_seeds=False)
    assert again.failed == 1 and again.skipped_documents == 2
    assert _doc_ids(store_dir)[0] == ["n1", "n2", "n3"]


def test_a_document_that_fails_assembly_writes_nothing(tmp_path, corpus, seed_dir, monkeypatch):
    import kg.build

    real = kg.build.mention_node

    def mention_node(mention, schema):
        if mention.doc_id == _pid(store_dir, "n3"):
            raise KeyError("unexpected id prefix")
        return real(mention, schema)

    monkeypatch.setattr(kg.build, "mention_node", mention_node)
    store_dir = tmp_path / "store"
    report = build([corpus], _config(seed_dir, **_QUICK), store_dir=store_dir, with_seeds=False)
    assert [q.reason for q in report.quarantine if q.location == "document"] == ["stage 'assembly' failed: KeyError"]
    assert _doc_ids(store_dir) == (["n1", "n2"], ["n1", "n2"])
    conn = sqlite3.connect(store_dir / "graph.sqlite")
    names = {r[0].lower() for r in conn.execute("SELECT name FROM nodes")}
    conn.close()
    assert "amiodarone" not in names and "lisinopril" in names


def test_a_document_over_the_spacy_limit_is_parsed_in_windows_with_its_own_offsets(monkeypatch):
    from kg.nlp import base_pipeline
    from kg.pipeline import TextPipeline
    from kg.schema import load_schema
    from kg.types import Document

    text = TextPipeline(load_schema(), load_config(None, [f"{k}={v}" for k, v in _QUICK.items()]))
    body = "\n\n".join(n["text"] for n in NOTES) * 3
    doc = Document(id="long", text=body)
    (whole,) = text.run([doc])
    monkeypatch.setattr(base_pipeline(), "max_length", 150)
    (windowed,) = text.run([doc])
    assert windowed.analyzed.doc.text == body
    assert len(windowed.mentions) > 10
    assert all(body[m.start : m.end] == m.text for m in windowed.mentions)
    assert {(m.start, m.end, m.curie) for m in windowed.mentions} == {(m.start, m.end, m.curie) for m in whole.mentions}


def test_a_missing_seed_folder_does_not_retrain_the_gnn_on_every_run(tmp_path, corpus, caplog):
    """'not found' is no change: an unchanged rerun keeps its hypotheses (the README flows' store check)."""
    overrides = [f"seed.hetionet_dir={tmp_path / 'nowhere'}", "seed.hpo_annotations=false", "gnn.epochs=2"]
    cfg = load_config(None, [*overrides, *(f"{k}={v}" for k, v in _QUICK.items())])
    build([corpus], cfg, store_dir=tmp_path / "store")
    with caplog.at_level(logging.INFO, logger="kg.linkpred_step"):
        again = build([corpus], cfg, store_dir=tmp_path / "store")
    assert again.skipped_documents == 3
    assert "graph and GNN config unchanged: keeping the stored hypotheses" in caplog.text


@pytest.mark.parametrize("name", ["clinical_terms.tsv", "context_rules.yaml", "ner_stoplist.txt"])
def test_the_pipeline_key_changes_with_every_rule_file(tmp_path, monkeypatch, name):
    """An edited rule or term file reprocesses the documents (incremental runs compare this key)."""
    import kg.pipeline
    from kg.pipeline import TextPipeline
    from kg.schema import load_schema

    copy = tmp_path / "resources"
    shutil.copytree(kg.pipeline.RESOURCES, copy, ignore=shutil.ignore_patterns("models", "*.gz"))
    monkeypatch.setattr(kg.pipeline, "RESOURCES", copy)
    text = TextPipeline(load_schema(), load_config(None, list(f"{k}={v}" for k, v in _QUICK.items())))
    before = text.key
    with open(copy / name, "a", encoding="utf-8") as f:
        f.write("\n")
    assert text.key != before


def test_the_pipeline_key_reads_trained_models_without_loading_them_and_follows_their_files(tmp_path):
    """A run over unchanged documents never loads a tagger, and retrained weights under the same version
    still change the key."""
    from kg.ner.trained import DEFAULT_MODELS, model_fingerprint
    from kg.pipeline import TextPipeline
    from kg.schema import load_schema

    folder = tmp_path / "ner-copy"
    shutil.copytree(DEFAULT_MODELS["fast"], folder)
    overrides = [*(f"{k}={v}" for k, v in _QUICK.items()), "ner.name=trained", f"ner.params.model={folder}"]
    text = TextPipeline(load_schema(), load_config(None, overrides))
    before = text.key
    assert "ner" not in text.__dict__  # the key did not build the extractor
    assert model_fingerprint("trained", {"model": str(folder)}) == model_fingerprint(str(folder), {})
    assert model_fingerprint("dictionary", {}) is None
    weights = max(
        (p for p in folder.rglob("*") if p.is_file() and p.name != "meta.json"), key=lambda p: p.stat().st_size
    )
    weights.write_bytes(weights.read_bytes() + b"\0")  # new weights, meta.json (and its version) unchanged
    assert TextPipeline(load_schema(), load_config(None, overrides)).key != before


def test_the_relation_fingerprint_follows_the_model_files_without_loading_them(tmp_path):
    from kg.artifacts import MODELS_DIR
    from kg.relations import relation_fingerprint

    folder = tmp_path / "dd"
    shutil.copytree(MODELS_DIR / "relations-drug-disease", folder)
    params = {"drug_disease": str(folder)}
    before = relation_fingerprint("trained", params)
    assert before is not None and before != relation_fingerprint("trained", {})
    assert relation_fingerprint("rules", {}) is None
    assert relation_fingerprint("trained", {"drug_disease": str(tmp_path / "missing")}) is None
    (folder / "meta.json").write_text((folder / "meta.json").read_text() + "\n")
    assert relation_fingerprint("trained", params) != before


def test_the_pipeline_key_reads_the_linker_files_without_building_the_linker(tmp_path):
    """An unchanged run never builds the candidate index; a new terminology or reranker file changes the key."""
    from kg.linking import linker_fingerprint
    from kg.linking.reranker import DEFAULT_RERANKER_PATH
    from kg.pipeline import TextPipeline
    from kg.schema import load_schema
    from kg.vocab.terminology import DEFAULT_TERMINOLOGY_PATH

    terminology, reranker = tmp_path / "terminology.jsonl.gz", tmp_path / "reranker.json"
    shutil.copy(DEFAULT_TERMINOLOGY_PATH, terminology)
    shutil.copy(DEFAULT_RERANKER_PATH, reranker)
    params = {"terminology": str(terminology), "reranker": str(reranker)}
    overrides = [
        *(f"{k}={v}" for k, v in _QUICK.items()),
        "linker.name=candidates",
        *(f"linker.params.{k}={v}" for k, v in params.items()),
    ]
    text = TextPipeline(load_schema(), load_config(None, overrides))
    before = text.key
    assert "linker" not in text.__dict__  # the key did not build the linker
    fingerprint = linker_fingerprint("candidates", params)
    assert fingerprint is not None and fingerprint != linker_fingerprint("candidates", {})
    assert linker_fingerprint("candidates", {**params, "k": 5}) != fingerprint
    assert linker_fingerprint("lexicon", {}) is not None
    assert linker_fingerprint("elsewhere", {}) is None
    assert linker_fingerprint("candidates", {"terminology": str(tmp_path / "missing.jsonl.gz")}) is None
    reranker.write_text(reranker.read_text() + "\n")
    assert linker_fingerprint("candidates", params) != fingerprint
    after_reranker = TextPipeline(load_schema(), load_config(None, overrides)).key
    assert after_reranker != before
    terminology.write_bytes(terminology.read_bytes() + b"\0")
    assert TextPipeline(load_schema(), load_config(None, overrides)).key not in (before, after_reranker)


def test_the_ner_fingerprint_covers_the_partner_the_tagger_loads(tmp_path):
    """model_fingerprint and TrainedNer resolve the ensemble partner by one rule (kg.ner.trained.ensemble_partner)."""
    import json

    from kg.ner.trained import DEFAULT_MODELS, TrainedNer, ensemble_partner, model_fingerprint

    folder = tmp_path / "ner-copy"
    shutil.copytree(DEFAULT_MODELS["fast"], folder)
    meta = json.loads((folder / "meta.json").read_text())
    meta["ensemble"] = {"partner": "fast", "keep_confidence": 0.8}
    (folder / "meta.json").write_text(json.dumps(meta))
    assert ensemble_partner("auto", meta) == "fast"
    assert ensemble_partner("", meta) == "" and ensemble_partner("x", {}) == "x" and ensemble_partner("auto", {}) == ""
    assert TrainedNer(str(folder)).partner_name == "fast"
    assert TrainedNer(str(folder), partner="").partner is None
    with_partner = model_fingerprint(str(folder), {})
    assert with_partner == model_fingerprint("trained", {"model": str(folder), "partner": "fast"})
    assert with_partner != model_fingerprint(str(folder), {"partner": ""})


def test_an_unchanged_build_imports_no_gnn_code(tmp_path, corpus):
    """The served model's fingerprint is read from its meta.json (kg.artifacts.linkpred_fingerprint), so a build
    with nothing changed never imports torch_geometric (seconds of start-up) to keep its hypotheses."""
    import subprocess
    import sys

    from kg.artifacts import linkpred_fingerprint
    from kg.gnn.serving import model_fingerprint

    assert linkpred_fingerprint() == model_fingerprint() and linkpred_fingerprint(tmp_path) is None
    overrides = [f"seed.hetionet_dir={tmp_path / 'nowhere'}", "seed.hpo_annotations=false"]
    overrides += [f"{k}={v}" for k, v in _QUICK.items()]
    build([corpus], load_config(None, overrides), store_dir=tmp_path / "store")
    script = (
        "import sys\nfrom kg.build import build\nfrom kg.config import load_config\n"
        f"r = build([{str(corpus)!r}], load_config(None, {overrides!r}), store_dir={str(tmp_path / 'store')!r})\n"
        "print(r.skipped_documents, 'torch_geometric' in sys.modules, 'kg.gnn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.split() == ["3", "False", "False"]


def test_a_build_reads_its_inputs_as_notes_unless_the_run_says_abstracts(tmp_path):
    """Ingest's kind reaches the stages: the NER's note-only steps act on a build's notes (the default) and not
    when the run reads its inputs as abstracts; the same text as another kind is processed again."""
    note = tmp_path / "note.txt"
    note.write_text("ESTIMATED BLOOD LOSS: Minimal. She takes Aricept and Anafranil.", encoding="utf-8")
    store_dir = tmp_path / "store"

    def mentions(*overrides: str) -> set[str]:
        cfg = load_config(None, ["ner.name=fast", "gnn.enabled=false", *overrides])
        build([note], cfg, store_dir=store_dir, with_seeds=False)
        conn = sqlite3.connect(store_dir / "graph.sqlite")
        try:
            return {r[0] for r in conn.execute("SELECT text FROM mentions")}
        finally:
            conn.close()

    as_note = mentions()
    assert "Anafranil" in as_note and not any("BLOOD LOSS" in m for m in as_note)
    as_abstract = mentions("ingest.document_kind=abstract")
    assert "Anafranil" not in as_abstract
