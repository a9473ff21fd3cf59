"""Terminology build on a tiny vocabulary, the candidate linker (synonyms, abbreviations,
composites, NIL) and cross-ontology merging onto seed-graph nodes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.artifacts import default_cache_dir
from kg.assemble import mention_node, node_id
from kg.eval.entities import gold_queries
from kg.ids import local_id
from kg.io.corpora import GoldDocument, GoldEntity
from kg.linking.abbreviations import text_long_forms
from kg.linking.candidate_linker import CandidateLinker
from kg.linking.candidates import CandidateIndex
from kg.linking.lexicon_linker import LexiconLinker
from kg.linking.names import coordination_key, lookup_keys, query_keys, split_composite
from kg.linking.reranker import FEATURES, candidate_features
from kg.linking.tfidf import FamilyIndex
from kg.schema import load_schema
from kg.train.linker import heuristic_reranker
from kg.train.terminology import read_vocabularies, write_terminology
from kg.train.terminology_assembly import Vocabularies, assemble_terminology
from kg.types import Document, Mention
from kg.vocab.chemnames import chemical_forms, formula_name, strip_salt
from kg.vocab.lexicon import LexiconIndex, load_lexicon
from kg.vocab.terminology import TermConcept, load_terminology
from tests.conftest import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "linking"
PAIRS = [
    ("MI", "Disease", "MESH:D009203"),
    ("MI", "Disease", "MESH:D009203"),
    ("myocardial infarction", "Disease", "MESH:D009203"),
    ("ASA", "Drug", "MESH:D001241"),
    ("ataxia-telangiectasia-like disorder", "Disease", "OMIM:604391"),
]


@pytest.fixture(scope="module")
def concepts() -> dict[str, TermConcept]:
    vocab = read_vocabularies(FIXTURES, hetionet_dir=FIXTURES / "hetionet")
    out, stats = assemble_terminology(vocab, PAIRS)
    assert stats["concepts"] == len(out)
    return {c.key: c for c in out}


@pytest.fixture(scope="module")
def linker(concepts: dict[str, TermConcept]) -> CandidateLinker:
    return CandidateLinker(CandidateIndex(list(concepts.values())), heuristic_reranker(), threshold=0.3)


def _mention(text: str, label: str = "Disease", long_form: str | None = None) -> Mention:
    return Mention(
        doc_id="d1",
        sentence_index=0,
        start=0,
        end=len(text),
        text=text,
        label=label,  # type: ignore[arg-type]
        confidence=1.0,
        extractor="test",
        extractor_version="0",
        long_form=long_form,
    )


def test_index_build_on_tiny_vocabulary(concepts: dict[str, TermConcept], tmp_path: Path) -> None:
    mi = concepts["MESH:D009203"]
    assert mi.label == "Disease" and mi.canonical == "DOID:5844"
    assert {"DOID:5844", "UMLS:C0027051", "MONDO:0005068"} <= mi.equivalents
    assert {"Heart Attack", "Myocardial Infarction", "heart attack"} <= mi.names  # MeSH + MONDO synonyms
    assert mi.corpus_names["MI"] == 2
    # Non-disease, non-chemical MeSH (G01 Female) and gene-product supplementary records are left out.
    assert "MESH:D005260" not in concepts and "MESH:C483025" not in concepts
    assert concepts["MESH:C000009"].label == "Drug"
    # HPO term without a MeSH xref is a Symptom concept of its own; corpus-only OMIM id too.
    assert concepts["HP:0001250"].label == "Symptom"
    assert concepts["OMIM:604391"].label == "Disease"
    # Round trip.
    path = tmp_path / "t.jsonl.gz"
    write_terminology(concepts.values(), path)
    back = {c.key: c for c in load_terminology(path)}
    assert back["MESH:D009203"].to_json() == mi.to_json()


def test_cross_ontology_merging_onto_seed_nodes(concepts: dict[str, TermConcept]) -> None:
    # Drug: MeSH <-> ChEBI <-> DrugBank chain; the Hetionet DrugBank id is canonical.
    aspirin = concepts["MESH:D001241"]
    assert aspirin.canonical == "DRUGBANK:DB00945"
    assert {"CHEBI:15365", "MESH:D001241"} <= aspirin.ids
    # Drug joined by a unique exact name; Symptom: Hetionet MeSH symptom canonical, HP equivalent.
    assert concepts["MESH:D003000"].canonical == "DRUGBANK:DB00575"
    pain = concepts["MESH:D010146"]
    assert (pain.label, pain.canonical) == ("Symptom", "MESH:D010146")
    assert {"HP:0012531", "UMLS:C0030193"} <= pain.equivalents
    assert concepts["MESH:D001943"].canonical == "DOID:1612"


@pytest.mark.parametrize("text", ["myocardial infarction", "Myocardial infarctions", "heart attack", "MI"])
def test_synonyms_land_on_one_seed_node(linker: CandidateLinker, text: str) -> None:
    (m,) = linker([_mention(text)])
    assert m.curie == "DOID:5844"
    assert "MESH:D009203" in m.xrefs and m.link_score is not None and m.link_score >= 0.5
    node = mention_node(m, load_schema())
    assert node.id == "DOID:5844" and not node.unlinked and "UMLS:C0027051" in node.xrefs


def test_abbreviation_long_form_and_drug(linker: CandidateLinker) -> None:
    (m,) = linker([_mention("AMI", long_form="acute myocardial infarction")])
    assert m.curie == "DOID:5844"
    (d,) = linker([_mention("ASA", label="Drug")])
    assert d.curie == "DRUGBANK:DB00945"
    (d,) = linker([_mention("acetylsalicylic acid", label="Drug")])
    assert d.curie == "DRUGBANK:DB00945"


def test_symptom_relabel_and_fuzzy(linker: CandidateLinker) -> None:
    (m,) = linker([_mention("pain")])
    assert (m.label, m.curie) == ("Symptom", "MESH:D010146")
    top = linker.rank("myocardial infarcton", "Disease")[0]  # typo: TF-IDF candidate
    assert top.concept.key == "MESH:D009203"


def test_composite_mentions(linker: CandidateLinker) -> None:
    assert split_composite("breast and ovarian cancer") == ["breast cancer", "ovarian cancer"]
    assert split_composite("hepatitis B and C") == ["hepatitis B", "hepatitis C"]
    assert split_composite("breast cancer") == ["breast cancer"]
    result = linker.link_text("breast and ovarian cancer", "Disease")
    assert result.composite
    out = linker([_mention("breast and ovarian cancer")])
    assert [m.curie for m in out] == ["DOID:1612", "MESH:D010051"]
    assert all((m.start, m.end) == (0, 25) for m in out)


def test_nil_keeps_a_stable_flagged_local_node(linker: CandidateLinker) -> None:
    schema = load_schema()
    (m,) = linker([_mention("zzyzx quorble syndrome")])
    assert m.curie is None and m.xrefs == ()
    node = mention_node(m, schema)
    assert node.unlinked and node.id == local_id("Disease", "zzyzx quorble syndrome", prefix=schema.local_prefix)
    assert node_id(m, schema) == node.id
    # A drug name never links to a disease concept (label family constraint).
    (d,) = linker([_mention("heart attack", label="Drug")])
    assert d.curie is None


def _composite_linker(single: int, composite: int) -> CandidateLinker:
    brca = TermConcept("MESH:D001943", "Disease", "Breast Neoplasms", names={"Breast Cancer"})
    ovca = TermConcept("MESH:D010051", "Disease", "Ovarian Neoplasms", names={"Ovarian Cancer"})
    hboc = TermConcept("MESH:D061325", "Disease", "Hereditary Breast and Ovarian Cancer Syndrome")
    hboc.corpus_names["breast and ovarian cancer"] = single
    for c in (brca, ovca):
        c.composite_names["breast and ovarian cancer"] = composite
    organs = ("kidney", "lung", "skin", "liver", "bone", "brain", "heart", "colon")
    fillers = [TermConcept(f"MESH:D9{i:05d}", "Disease", w, names={f"{w} disorder"}) for i, w in enumerate(organs)]
    return CandidateLinker(CandidateIndex([brca, ovca, hboc, *fillers]), heuristic_reranker(), threshold=0.3)


@pytest.mark.parametrize("text", ["breast and ovarian cancer", "breast/ovarian cancer", "ovarian and breast cancer"])
def test_composite_as_one_concept_when_corpora_say_so(text: str) -> None:
    assert coordination_key("breast/ovarian cancer") == "breast cancer and ovarian cancer"
    result = _composite_linker(single=5, composite=1).link_text(text, "Disease")
    assert not result.composite and result.parts[0][1][0].concept.key == "MESH:D061325"


def test_composite_split_when_corpora_favour_parts() -> None:
    result = _composite_linker(single=1, composite=5).link_text("breast and ovarian cancer", "Disease")
    assert result.composite
    assert [cands[0].concept.key for _, cands in result.parts] == ["MESH:D001943", "MESH:D010051"]


def test_mesh_id_versions_from_corpus_names() -> None:
    # MeSH now: celecoxib is descriptor D000068579 (entry term "Celecoxib"); the 2015 corpora use the
    # supplementary id C105934, which no current file holds. Their shared surface form joins them.
    vocab = Vocabularies(
        mesh=[
            ("D000068579", "Celecoxib", ["SC 58635"], ["D02.065"]),
            ("D000894", "Anti-Inflammatory Agents, Non-Steroidal", ["NSAID"], ["D27.505"]),
        ]
    )
    pairs = [("celecoxib", "Drug", "MESH:C105934"), ("CXB", "Drug", "MESH:C105934"), ("NSAID", "Drug", "MESH:C1")]
    concepts, stats = assemble_terminology(vocab, pairs)
    by = {c.key: c for c in concepts}
    assert "MESH:C105934" in by["MESH:D000068579"].ids and "MESH:D000068579" in by["MESH:C105934"].ids
    assert "MESH:D000894" not in by["MESH:C1"].ids  # abbreviation-like forms do not identify a concept
    assert stats["resolutions"]["mesh_id_versions_by_corpus_name"] == 1
    linker = CandidateLinker(CandidateIndex(concepts), heuristic_reranker(), threshold=0.3)
    (m,) = linker([_mention("Celecoxib", label="Drug")])
    assert "MESH:C105934" in {m.curie, *m.xrefs}


def test_text_long_forms_fallback() -> None:
    text = (
        "nitroglycerin (NTG)-induced hypotension; diethylnitrosamine (DEN: 10 mg/kg) and "
        "attenuated adenomatous polyposis coli (AAPC). P (n = 3)"
    )
    assert text_long_forms(text) == {
        "NTG": "nitroglycerin",
        "DEN": "diethylnitrosamine",
        "AAPC": "attenuated adenomatous polyposis coli",
    }


def _disease(key: str, name: str, *names: str) -> TermConcept:
    return TermConcept(key, "Disease", name, names={name, *names})


def test_omim_equivalence_one_to_one_only() -> None:
    # MONDO joins OMIM:100100 to exactly one MeSH concept and that concept to no other OMIM id: one
    # concept. Two OMIM entries on one (broader) MeSH heading: neither becomes its equivalent.
    vocab = Vocabularies(
        mesh=[
            ("C535000", "Copper toxicosis", [], ["C18.452"]),
            ("D006973", "Hypertension", ["High Blood Pressure"], ["C14.907.489"]),
        ],
        obo={
            "MONDO": [
                ("MONDO:0000001", "copper toxicosis", ["hepatic copper toxicosis"], ["MESH:C535000", "OMIM:100100"]),
                ("MONDO:0000002", "hypertension, essential, 1", [], ["MESH:D006973", "OMIM:200200"]),
                ("MONDO:0000003", "hypertension, essential, 2", [], ["MESH:D006973", "OMIM:200300"]),
            ]
        },
    )
    pairs = [("CT", "Disease", "OMIM:100100"), ("copper toxicosis", "Disease", "OMIM:100100")]
    concepts, stats = assemble_terminology(vocab, pairs)
    by = {c.key: c for c in concepts}
    assert "OMIM:100100" in by["MESH:C535000"].ids
    assert not any(e.startswith("OMIM:") for e in by["MESH:D006973"].ids)
    # The corpus names of the OMIM id go to the MeSH concept; no OMIM-only concept is made.
    assert "OMIM:100100" not in by and by["MESH:C535000"].corpus_names["CT"] == 1
    assert stats["resolutions"]["omim_joined_to_mesh"] == 1
    assert stats["resolutions"]["corpus_pairs_via_equivalent_id"] == 2
    linker = CandidateLinker(CandidateIndex(concepts), heuristic_reranker(), threshold=0.3)
    (m,) = linker([_mention("copper toxicosis")])
    assert "OMIM:100100" in {m.curie, *m.xrefs}


def test_composite_reading_from_training_annotations() -> None:
    # BC5CDR annotates "hemorrhagic cystitis" as Hemorrhage + Cystitis (no coordination in the text).
    hem = _disease("MESH:D006470", "Hemorrhage", "Bleeding")
    cys = _disease("MESH:D003556", "Cystitis")
    whole = _disease("MESH:D000096722", "Cystitis, Hemorrhagic", "Hemorrhagic Cystitis")
    for c in (hem, cys):
        c.composite_names["hemorrhagic cystitis"] = 3
    linker = CandidateLinker(CandidateIndex([hem, cys, whole]), heuristic_reranker(), threshold=0.3)
    result = linker.link_text("Hemorrhagic cystitis", "Disease")
    assert result.composite
    assert [cands[0].concept.key for _, cands in result.parts] == ["MESH:D003556", "MESH:D006470"]
    assert all(cands[0].score == pytest.approx(3 / 4) for _, cands in result.parts)
    # The abbreviation is read through its long form; mentions come out one per concept.
    out = linker([_mention("HC", long_form="hemorrhagic cystitis")])
    assert sorted(m.curie for m in out) == ["MESH:D003556", "MESH:D006470"]
    # Annotated more often as one concept: no composite reading.
    whole.corpus_names["hemorrhagic cystitis"] = 5
    linker = CandidateLinker(CandidateIndex([hem, cys, whole]), heuristic_reranker(), threshold=0.3)
    result = linker.link_text("hemorrhagic cystitis", "Disease")
    assert not result.composite and result.parts[0][1][0].concept.key == "MESH:D000096722"


def test_tied_candidates_share_a_rank_and_spelling_variants(linker: CandidateLinker) -> None:
    a = _disease("MESH:C000001", "Lipomatosis, Familial", "Lipoma")
    b = _disease("MESH:D008067", "Lipoma")
    index = CandidateIndex([a, b])
    feats = candidate_features(index, "lipoma", "Disease", index.generate("lipoma", "Disease"), False)
    rank = FEATURES.index("inv_rank")
    assert feats[0][rank] == feats[1][rank] == 1.0
    # British spelling and carcinoma -> cancer are exact-lookup variants.
    assert "breast cancer" in query_keys("breast carcinoma")
    assert "breast tumors" in query_keys("breast tumours")
    assert linker.rank("breast carcinoma", "Disease")[0].concept.key == "MESH:D001943"


def _tiny_index_concepts(extra: str | None = None) -> list[TermConcept]:
    organs = ["kidney", "lung", "skin", "liver", "bone", "brain", "heart", "colon", "breast", "ovary"]
    out = [_disease(f"MESH:D9{i:05d}", f"{w} disease", f"{w} disorder") for i, w in enumerate(organs)]
    if extra:
        out.append(_disease("MESH:D999999", extra))
    return out


def _ranked(index: CandidateIndex, text: str) -> list[tuple[str, float]]:
    linker = CandidateLinker(index, heuristic_reranker(), threshold=0.3)
    return [(c.concept.key, c.score) for c in linker.rank(text, "Disease")]


def test_tfidf_cache_reused_and_invalidated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = _ranked(CandidateIndex(_tiny_index_concepts(), cache_dir=cache), "lung disorders")
    files = sorted(cache.glob("linker-tfidf-disease-*.npz"))
    assert len(files) == 1 and first[0][0] == "MESH:D900001"
    fits: list[int] = []
    real_fit = FamilyIndex.fit.__func__  # type: ignore[attr-defined]

    def counting_fit(cls: type[FamilyIndex], names: list[str]) -> FamilyIndex:
        fits.append(len(names))
        return real_fit(cls, names)

    monkeypatch.setattr(FamilyIndex, "fit", classmethod(counting_fit))
    # A second start loads the cached index (no fit) and ranks identically.
    assert _ranked(CandidateIndex(_tiny_index_concepts(), cache_dir=cache), "lung disorders") == first
    assert fits == []
    # A changed terminology has another key: fitted anew, the old file is left alone.
    changed = _ranked(CandidateIndex(_tiny_index_concepts("lung fibrosis"), cache_dir=cache), "lung fibrosis")
    assert fits and changed[0][0] == "MESH:D999999"
    assert len(list(cache.glob("linker-tfidf-disease-*.npz"))) == 2
    # An unreadable cache file is rebuilt, not trusted.
    files[0].write_bytes(b"not an npz")
    fits.clear()
    assert _ranked(CandidateIndex(_tiny_index_concepts(), cache_dir=cache), "lung disorders") == first
    assert fits


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEDKG_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path
    monkeypatch.setenv("MEDKG_CACHE_DIR", "off")
    assert default_cache_dir() is None
    monkeypatch.delenv("MEDKG_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "medkg"


def test_short_form_only_feature_and_sulph_spelling() -> None:
    pen = TermConcept("MESH:D010400", "Drug", "Penicillin G", names={"Penicillin G"})
    pen.corpus_names["PG"] = 3
    pg = TermConcept("MESH:D011453", "Drug", "Prostaglandins", names={"Prostaglandins", "Prostaglandin"})
    preg = TermConcept("MESH:C018370", "Drug", "pregnenolone sulfate", names={"pregnenolone sulfate"})
    linker = CandidateLinker(CandidateIndex([pen, pg, preg]), heuristic_reranker(), threshold=0.3)
    last = len(FEATURES) - 1
    assert FEATURES[last] == "short_form_only"
    by_key = {c.concept.key: c.features for c in linker.rank("PG", "Drug", long_form="prostaglandin")}
    assert by_key["MESH:D010400"][last] == 1.0 and by_key["MESH:D011453"][last] == 0.0
    assert all(c.features[last] == 0.0 for c in linker.rank("PG", "Drug"))  # no long form: no signal
    assert all(len(c.features) == len(FEATURES) for c in linker.rank("PG", "Drug"))
    assert linker.rank("Pregnenolone sulphate", "Drug")[0].concept.key == "MESH:C018370"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("KCl", "potassium chloride"),
        ("NH4Ac", "ammonium acetate"),
        ("NaHCO3", "sodium bicarbonate"),
        ("CaCl2", "calcium chloride"),
        ("Mg(NO3)2", "magnesium nitrate"),
        ("MgSO4·7H2O", "magnesium sulfate"),
        ("NH4CL", "ammonium chloride"),  # all capitals: re-cased into table symbols
        ("CHCl3", "chloroform"),
        ("NH3", "ammonia"),
        ("Cl", "chlorine"),
        ("Ca(2+)", "calcium"),
        ("Na+", "sodium"),
        ("KF17837", None),  # a code name, not potassium fluoride
        ("DNA", None),
        ("MI", None),
        ("sodium chloride", None),
        ("k", None),
    ],
)
def test_formula_name(text: str, name: str | None) -> None:
    assert formula_name(text) == name


def test_salt_and_acid_forms() -> None:
    assert strip_salt("penicillin-g potassium") == "penicillin-g"
    assert strip_salt("haloperidol hydrochloride") == "haloperidol"
    assert strip_salt("vecuronium bromide") == "vecuronium"  # a halide after an -ium cation
    assert strip_salt("vinyl bromide") is None
    assert strip_salt("sodium chloride") is None and strip_salt("lithium carbonate") is None
    assert chemical_forms("metrizoate") == ["metrizoic acid"]
    assert chemical_forms("disodium edetate") == ["edetate", "edetic acid"]
    assert chemical_forms("potassium chloride") == []
    # Separator-free keys, as plain and as ~-prefixed keys; chemical forms are Drug-only.
    assert {"triiodothyronine", "~triiodothyronine"} <= set(lookup_keys("tri-iodo-thyronine", "Drug"))
    assert "pge2" in lookup_keys("pge(2)", "Drug")
    assert "metrizoic acid" in lookup_keys("metrizoate", "Drug")
    assert "metrizoic acid" not in lookup_keys("metrizoate", "Disease")


def test_chemical_mentions_link_through_their_name_forms() -> None:
    drugs = [
        TermConcept("MESH:D011189", "Drug", "Potassium Chloride", names={"Potassium Chloride"}),
        TermConcept("MESH:C522374", "Drug", "KCL compound", names={"KCL compound"}),
        TermConcept("MESH:D011188", "Drug", "Potassium", names={"Potassium"}),
        TermConcept("MESH:D008794", "Drug", "Metrizoic Acid", names={"Metrizoic Acid"}),
        TermConcept("MESH:C021342", "Drug", "methylglucamine metrizoate", names={"methylglucamine metrizoate"}),
        TermConcept("MESH:D010400", "Drug", "Penicillin G", names={"Penicillin G"}),
        TermConcept("MESH:C031231", "Drug", "2-amino-7-phosphonoheptanoic acid", names={"AP-7"}),
        TermConcept("MESH:D015116", "Drug", "5,7-Dihydroxytryptamine", names={"5,7-DHT"}),
    ]
    linker = CandidateLinker(CandidateIndex(drugs), heuristic_reranker(), threshold=0.3)
    for text, key in [
        ("KCl", "MESH:D011189"),  # the formula is read like an abbreviation of its name
        ("metrizoate", "MESH:D008794"),
        ("penicillin-G potassium", "MESH:D010400"),
        ("AP7", "MESH:C031231"),
    ]:
        (m,) = linker([_mention(text, label="Drug")])
        assert m.curie == key, (text, m.curie)
    kcl = linker.rank("KCl", "Drug")
    assert kcl[0].features[FEATURES.index("via_long_form")] == 1.0
    # Locant commas do not make a composite mention.
    assert split_composite("5,7-DHT") == ["5,7-DHT"]
    assert not linker.link_text("5,7-DHT", "Drug").composite


def test_plural_short_forms_and_cut_long_forms() -> None:
    text = "Women on combined oral contraceptives (COCs) took non-steroidal anti-inflammatory drugs (NSAIDs)."
    assert text_long_forms(text) == {
        "COCs": "combined oral contraceptives",
        "NSAIDs": "non-steroidal anti-inflammatory drugs",
    }
    start = text.index("COCs")
    doc = GoldDocument(Document(id="d1", text=text), [GoldEntity(start, start + 4, "COCs", "Drug", ("D003277",))])
    (q,), nil = gold_queries([doc])
    # scispaCy reads "contraceptives"; the longer long form whose initials spell COC wins.
    assert q.long_form == "combined oral contraceptives" and nil == 0


def test_lexicon_linker_carries_the_lexicon_xrefs(tiny_lexicon_path: Path) -> None:
    linker = LexiconLinker(LexiconIndex(load_lexicon(tiny_lexicon_path)))
    (m,) = linker([_mention("hypertension")])
    # The lexicon row (DOID:10763, xrefs MESH:D006973) gives the mention both ids: evaluation and nodes need them.
    assert (m.curie, m.xrefs) == ("DOID:10763", ("MESH:D006973",))
    assert mention_node(m, load_schema()).xrefs == ("MESH:D006973",)
    stale = _mention("Zorblax syndrome").model_copy(update={"xrefs": ("MESH:D000001",)})
    (nil,) = linker([stale])
    assert (nil.curie, nil.xrefs) == (None, ())
