"""Lexicon build on tiny corpus fixtures, file round trip, and the packaged artifact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.train.lexicon_assembly import CorpusMention, assemble_lexicon, drop_reason
from kg.train.vocab import build_lexicon, meta_path_for
from kg.vocab.lexicon import DEFAULT_LEXICON_PATH, LexEntry, LexiconError, LexiconNotFoundError, load_lexicon
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[LexEntry], Path]:
    out = tmp_path_factory.mktemp("lex") / "lexicon.tsv.gz"
    meta = build_lexicon(
        FIXTURES / "hetionet", FIXTURES / "bc5cdr", out, ncbi_dir=FIXTURES / "ncbi_disease", include_hpo=False
    )
    return meta, load_lexicon(out), out


def _index(entries: list[LexEntry]) -> dict[tuple[str, str], LexEntry]:
    return {(e.term.casefold(), e.label): e for e in entries}


def test_build_entries(built) -> None:
    meta, entries, _ = built
    idx = _index(entries)
    # Curated name with the corpus MeSH id as xref.
    assert idx[("acetylsalicylic acid", "Drug")].curie == "DRUGBANK:DB00945"
    assert idx[("acetylsalicylic acid", "Drug")].xrefs == ("MESH:D001241",)
    assert idx[("cisplatin", "Drug")].xrefs == ("MESH:D002945",)
    # Corpus terms sharing that MeSH id are linked to the curated concept.
    for term in ("aspirin", "asa"):
        e = idx[(term, "Drug")]
        assert (e.curie, e.source, e.xrefs) == ("DRUGBANK:DB00945", "bc5cdr", ("MESH:D001241",))
        assert e.concept_name == "Acetylsalicylic acid"
    assert idx[("asthma", "Disease")].curie == "DOID:2841"
    assert idx[("rheumatoid arthritis", "Disease")].xrefs == ("MESH:D001172",)
    # Corpus-only concepts keep their MeSH / OMIM ids; NCBI id quirks are cleaned.
    assert idx[("hypertensive", "Disease")].curie == "MESH:D006973"
    assert idx[("wilms tumour", "Disease")].curie == "MESH:D009396"
    assert idx[("atld", "Disease")].curie == "MESH:D001260"
    assert idx[("ataxia-telangiectasia-like disorder", "Disease")].curie == "OMIM:604391"
    assert idx[("cocaine", "Drug")].source == "bc5cdr"
    # BC5CDR annotates headache as Disease; the curated Symptom entry stays separate.
    assert idx[("headache", "Disease")].curie == "MESH:D006261"
    assert idx[("headache", "Symptom")].source == "hetionet"
    # Filtered and skipped input.
    terms = {k[0] for k in idx}
    assert not terms & {"pd", "wt", "the and of", "x-12", "ocular and auditory toxicity"}
    # Evaluation splits are never read.
    assert not terms & {"testonlydrugzz", "testonlydiseasezz"}
    assert meta["dropped_terms"] == {"bc5cdr:too_short": 1, "ncbi_disease:stopwords": 1, "ncbi_disease:too_short": 1}
    assert meta["sources"]["bc5cdr"]["skipped_mentions"] == {"multiple_ids": 1, "no_id": 1}
    assert meta["sources"]["ncbi_disease"]["skipped_mentions"] == {"multiple_ids": 1}
    assert "hpo" not in meta["sources"]


def test_round_trip_and_meta(built) -> None:
    meta, entries, out = built
    assert len(entries) == meta["entries"]
    assert len({(e.term.casefold(), e.label) for e in entries}) == len(entries)
    on_disk = json.loads(meta_path_for(out).read_text(encoding="utf-8"))
    assert on_disk["by_label"] == meta["by_label"]
    assert on_disk["sources"]["hetionet"]["license"].startswith("CC0")
    assert sum(on_disk["by_source"].values()) == len(entries)


def test_hpo_term_that_is_a_disease() -> None:
    curated = [
        ("hypertension", "Disease", "DOID:10763", "hypertension", "hetionet"),
        ("Hypertension", "Symptom", "HP:0000822", "Hypertension", "hpo"),
        ("Headache", "Symptom", "MESH:D006261", "Headache", "hetionet"),
        ("Headache", "Symptom", "HP:0002315", "Headache", "hpo"),
        ("AB", "Drug", "DRUGBANK:DB1", "AB", "hetionet"),
    ]
    mentions = [CorpusMention("AB", "Drug", "MESH:D1", "bc5cdr")]
    entries, stats = assemble_lexicon(curated, mentions)
    idx = _index(entries)
    assert ("hypertension", "Symptom") not in idx
    assert idx[("hypertension", "Disease")].xrefs == ("HP:0000822",)
    assert idx[("headache", "Symptom")].curie == "HP:0002315"
    assert idx[("headache", "Symptom")].xrefs == ("MESH:D006261",)
    assert idx[("ab", "Drug")].curie == "DRUGBANK:DB1"  # curated 2-letter abbreviation kept
    assert stats["dropped_terms"] == {"bc5cdr:too_short": 1}


@pytest.mark.parametrize(
    ("term", "curated", "reason"),
    [
        ("PD", False, "too_short"),
        ("PD", True, None),
        ("Ca", True, "too_short"),
        ("x", True, "too_short"),
        ("123", True, "no_letters"),
        ("of the", False, "stopwords"),
        ("ASA", False, None),
        ("a\tb", True, "control_chars"),
    ],
)
def test_drop_reason(term: str, curated: bool, reason: str | None) -> None:
    assert drop_reason(term, curated) == reason


def test_missing_inputs(tmp_path: Path) -> None:
    with pytest.raises(LexiconNotFoundError, match="medkg vocab build"):
        load_lexicon(tmp_path / "absent.tsv.gz")
    with pytest.raises(LexiconNotFoundError, match="CDR_TrainingSet"):
        build_lexicon(FIXTURES / "hetionet", tmp_path, tmp_path / "x.tsv.gz", include_hpo=False)
    bad = tmp_path / "bad.tsv"
    bad.write_text("term\tlabel\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="expected header"):
        load_lexicon(bad)


def test_packaged_lexicon() -> None:
    assert DEFAULT_LEXICON_PATH.is_file(), "run `medkg vocab build` to create the packaged lexicon"
    idx = _index(load_lexicon())
    assert idx[("aspirin", "Drug")].curie == "DRUGBANK:DB00945"
    assert idx[("acetylsalicylic acid", "Drug")].curie == "DRUGBANK:DB00945"
    assert idx[("arachnodactyly", "Symptom")].curie == "HP:0001166"
    assert idx[("hypertension", "Disease")].curie == "DOID:10763"
    meta = json.loads(meta_path_for(DEFAULT_LEXICON_PATH).read_text(encoding="utf-8"))
    assert set(meta["sources"]) == {"hetionet", "hpo", "bc5cdr", "ncbi_disease"}
    assert DEFAULT_LEXICON_PATH.stat().st_size < 5_000_000
