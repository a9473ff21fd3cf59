"""Typed linker options: ``linker.params`` validated where the linker is chosen from the registry."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import kg.linking
from kg.config import ConfigError, LinkerConfig, MedkgConfig
from kg.linking import LINKER_REGISTRY
from kg.linking.candidate_linker import CandidateLinker
from kg.linking.candidates import CandidateIndex
from kg.linking.lexicon_linker import LexiconLinker
from kg.linking.reranker import DEFAULT_RERANKER_PATH, Reranker
from kg.linking.tfidf import TFIDF, TfidfOptions
from kg.pipeline import TextPipeline
from kg.schema import load_schema
from kg.vocab.terminology import TermConcept

TINY = CandidateIndex([TermConcept("MESH:D006973", "Disease", "Hypertension", names={"Hypertension"})])


@pytest.fixture
def terminology_paths(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The ``candidates`` factory ranks over a one-concept index; records the terminology path it asked for."""
    asked: list[str | None] = []

    def fake(path: str | None = None) -> CandidateIndex:
        asked.append(path)
        return TINY

    monkeypatch.setattr(kg.linking, "packaged_candidate_index", fake)
    return asked


def test_candidate_options_reach_the_linker(terminology_paths: list[str | None]) -> None:
    linker = LINKER_REGISTRY.create(
        "candidates",
        terminology="/elsewhere/terminology.jsonl.gz",
        reranker=str(DEFAULT_RERANKER_PATH),
        threshold=0.7,
        k=3,
        split_composites=False,
    )
    assert isinstance(linker, CandidateLinker) and linker.index is TINY
    assert terminology_paths == ["/elsewhere/terminology.jsonl.gz"]
    assert (linker.threshold, linker.k, linker.split_composites) == (0.7, 3, False)
    assert linker.reranker.coef == Reranker.load(DEFAULT_RERANKER_PATH).coef
    (m,) = linker.link_text("hypertension", "Disease").parts
    assert m[1][0].concept.key == "MESH:D006973"


def test_candidate_defaults(terminology_paths: list[str | None]) -> None:
    linker = LINKER_REGISTRY.create("candidates")
    assert isinstance(linker, CandidateLinker)
    assert terminology_paths == [None]  # the packaged terminology
    assert linker.threshold == Reranker.load().threshold and linker.k == 10 and linker.split_composites


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("candidates", {"max_df": 0.5}, r"linker 'candidates' options: max_df: unknown option"),
        ("candidates", {"k": 0}, r"linker 'candidates' options: k: .*greater than or equal to 1"),
        ("candidates", {"threshold": "high"}, r"linker 'candidates' options: threshold:"),
        ("lexicon", {"min_score": 0.9, "threshold": 0.5}, r"linker 'lexicon' options: threshold: unknown option"),
    ],
)
def test_bad_options_are_config_errors_naming_the_key(
    terminology_paths: list[str | None], name: str, params: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        LINKER_REGISTRY.create(name, **params)
    assert terminology_paths == []  # refused before any index is loaded


def test_lexicon_min_score_option() -> None:
    linker = LINKER_REGISTRY.create("lexicon", min_score=0.95)
    assert isinstance(linker, LexiconLinker) and linker.min_score == 0.95
    assert LINKER_REGISTRY.create("lexicon").min_score == 0.85  # type: ignore[attr-defined]


def test_run_config_params_are_validated_when_the_pipeline_chooses_the_linker(
    terminology_paths: list[str | None],
) -> None:
    bad = TextPipeline(load_schema(), MedkgConfig(linker=LinkerConfig(name="candidates", params={"kk": 3})))
    with pytest.raises(ConfigError, match="kk: unknown option"):
        bad.linker  # noqa: B018  (the property builds the linker)
    good = TextPipeline(load_schema(), MedkgConfig(linker=LinkerConfig(name="candidates", params={"k": 4})))
    assert good.linker.k == 4


def test_tfidf_options_are_typed_and_keep_the_cache_key_layout() -> None:
    assert sorted(TFIDF.model_dump().items()) == [
        ("analyzer", "char_wb"),
        ("max_df", 0.2),
        ("ngram_range", (3, 3)),
        ("sublinear_tf", True),
    ]
    with pytest.raises(ValidationError, match="min_df"):
        TfidfOptions(min_df=2)  # type: ignore[call-arg]
