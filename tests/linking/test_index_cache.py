"""The cached candidate index (kg.linking.index_cache): a warm start loads what the build computed.

The cached index must answer every lookup the built one answers, rank every query the same, be
keyed on the terminology and the code, and never be trusted when unreadable.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from pathlib import Path

import pytest

from kg.linking import index_cache
from kg.linking.candidate_linker import CandidateLinker
from kg.linking.candidates import CandidateIndex, packaged_candidate_index
from kg.train.linker import heuristic_reranker
from kg.train.terminology import read_vocabularies, write_terminology
from kg.train.terminology_assembly import assemble_terminology
from kg.vocab.terminology import TermConcept, TerminologyError, load_terminology
from tests.conftest import FIXTURES

PAIRS = [
    ("MI", "Disease", "MESH:D009203"),
    ("myocardial infarction", "Disease", "MESH:D009203"),
    ("ASA", "Drug", "MESH:D001241"),
    ("ataxia-telangiectasia-like disorder", "Disease", "OMIM:604391"),
]
QUERIES = [
    ("myocardial infarction", "Disease"),
    ("heart attack", "Disease"),
    ("mi", "Disease"),
    ("aspirin", "Drug"),
    ("acetyl salicylic acid", "Drug"),
    ("breast and ovarian cancer", "Disease"),
    ("ataxia telangiectasia like disorder", "Disease"),
    ("hemorrhagic cystitis", "Disease"),
]


def _terminology(tmp_path: Path, extra: str | None = None) -> Path:
    vocab = read_vocabularies(FIXTURES / "linking", hetionet_dir=FIXTURES / "linking" / "hetionet")
    concepts, _ = assemble_terminology(vocab, PAIRS)
    # Composite annotations and corpus names with separators exercise every map of the index.
    concepts.append(
        TermConcept(
            "MESH:D000096722",
            "Disease",
            "Hemorrhagic Cystitis",
            names={"Hemorrhagic Cystitis", "Cystitis, Hemorrhagic"},
            corpus_names=Counter({"hemorrhagic cystitis": 2, "haemorrhagic-cystitis": 1}),
            composite_names=Counter({"breast and ovarian cancer": 3, "breast or ovarian cancer": 1}),
        )
    )
    if extra:
        concepts.append(TermConcept("MESH:D999999", "Disease", extra, names={extra}))
    path = tmp_path / ("terminology.jsonl.gz" if extra is None else "terminology2.jsonl.gz")
    write_terminology(concepts, path)
    return path


def _ranks(index: CandidateIndex) -> list[list[tuple[str, float, tuple[float, ...]]]]:
    linker = CandidateLinker(index, heuristic_reranker(), threshold=0.3)
    out = [[(c.concept.key, c.score, c.features) for c in linker.rank(q, label)] for q, label in QUERIES]
    out.append([(p, 0.0, ()) for p, _ in linker.link_text("breast and ovarian cancer", "Disease").parts])
    return out


def _plain(index: CandidateIndex) -> dict[str, object]:
    state = index.state()
    return {
        "exact": {k: sorted(v) for k, v in state["exact"].items()},
        "name_concepts": {f: [sorted(v) for v in rows] for f, rows in state["name_concepts"].items()},
        **{k: state[k] for k in ("pair_counts", "composite_counts", "composite_parts", "popularity", "names")},
        "tfidf_keys": state["tfidf_keys"],
    }


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("MEDKG_CACHE_DIR", str(cache))
    packaged_candidate_index.cache_clear()
    yield cache
    packaged_candidate_index.cache_clear()


def test_cached_index_equals_the_built_one(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _terminology(tmp_path)
    built = packaged_candidate_index(str(path))
    assert len(list(cache_dir.glob("linker-index-*.npz"))) == 1
    reference = CandidateIndex(load_terminology(path))  # no cache at all
    packaged_candidate_index.cache_clear()

    def no_build(self: CandidateIndex, concepts: object) -> None:
        raise AssertionError("a warm start must not build the index")

    monkeypatch.setattr(CandidateIndex, "_build", no_build)
    cached = packaged_candidate_index(str(path))
    assert isinstance(cached.concepts, index_cache.LazyConcepts)
    assert _plain(cached) == _plain(built) == _plain(reference)
    assert [c.to_json() for c in cached.concepts] == [c.to_json() for c in reference.concepts]
    assert cached.version == built.version
    assert _ranks(cached) == _ranks(reference)
    # The cached composite map and pair counts answer like the built ones.
    for q in ("breast and ovarian cancer", "ovarian and breast cancer", "hemorrhagic cystitis"):
        assert cached.annotation_counts(q, "Disease") == reference.annotation_counts(q, "Disease")
        assert cached.composite_reading(q, "Disease") == reference.composite_reading(q, "Disease")


def test_index_cache_keyed_and_never_trusted_unread(
    tmp_path: Path, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _terminology(tmp_path)
    first = _ranks(packaged_candidate_index(str(path)))
    (cached,) = cache_dir.glob("linker-index-*.npz")
    # Another terminology is another key: a second file, the first left alone.
    other = _terminology(tmp_path, extra="lung fibrosis")
    packaged_candidate_index(str(other))
    assert len(list(cache_dir.glob("linker-index-*.npz"))) == 2
    # An unreadable file is rebuilt (with a warning), not trusted, and the answers do not change.
    cached.write_bytes(b"not an npz")
    packaged_candidate_index.cache_clear()
    with caplog.at_level(logging.WARNING, logger="kg.linking.candidates"):
        assert _ranks(packaged_candidate_index(str(path))) == first
    assert "ignoring unreadable index cache" in caplog.text
    # A file of another terminology's size does not fit.
    with pytest.raises(ValueError, match="concepts"):
        index_cache.load_state(cached, 3)
    # The key follows the code as well as the terminology; a file of older code for the same
    # terminology is replaced, not kept beside the new one.
    assert index_cache.index_cache_key("a" * 64) != index_cache.index_cache_key("b" * 64)
    stale = cached.with_name(cached.name.rsplit("-", 1)[0] + "-000000000000000000000000.npz")
    stale.write_bytes(b"older code")
    index_cache.save_state(cached, packaged_candidate_index(str(path)).state())
    assert not stale.exists() and len(list(cache_dir.glob("linker-index-*.npz"))) == 2


def test_lazy_concepts(tmp_path: Path) -> None:
    path = _terminology(tmp_path)
    lazy = index_cache.LazyConcepts(path)
    eager = load_terminology(path)
    assert len(lazy) == len(eager)
    assert lazy[-1].to_json() == eager[-1].to_json() and lazy[0] is lazy[0]
    assert [c.key for c in lazy[1:3]] == [c.key for c in eager[1:3]]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"key": "MESH:D1", "label": "Disease", "name": "x", "corpus_names": {}}\n{"no": "key"}\n')
    broken = index_cache.LazyConcepts(bad)
    assert broken[0].key == "MESH:D1"
    with pytest.raises(TerminologyError, match="bad.jsonl:2"):
        broken[1]


def test_index_warmed_in_a_child_process(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold cache is built by a child process (the run's seed load goes on meanwhile); the run's linker
    then loads it instead of building, and answers as a built index does."""
    from kg.config import MedkgConfig
    from kg.linking import start_linker_warm
    from kg.linking.prewarm import index_is_cached, start_index_warm
    from kg.pipeline import TextPipeline
    from kg.schema import load_schema

    path = _terminology(tmp_path)
    reference = _ranks(CandidateIndex(load_terminology(path)))
    assert index_is_cached(str(path)) is False
    config = MedkgConfig.model_validate({"linker": {"name": "candidates", "params": {"terminology": str(path)}}})
    text = TextPipeline(load_schema(config.schema_path), config)
    text.start_cache_warm()
    assert text.warming is not None and text.warming.process.pid != os.getpid()

    def no_build(self: CandidateIndex, concepts: object) -> None:
        raise AssertionError("the run's linker must load the child's cache, not build")

    monkeypatch.setattr(CandidateIndex, "_build", no_build)
    linker = text.linker  # waits for the child
    assert text.warming is None and index_is_cached(str(path)) is True
    assert len(list(cache_dir.glob("linker-tfidf-*.npz"))) == 2  # both families' TF-IDF built by the child
    assert _ranks(linker.index) == reference
    # Warm already, or another linker, or caching off: nothing is started.
    assert start_index_warm(str(path)) is None
    assert start_linker_warm("lexicon", {}) is None
    monkeypatch.setenv("MEDKG_CACHE_DIR", "off")
    assert index_is_cached(str(path)) is None and start_index_warm(str(path)) is None


def test_index_warm_cancelled(tmp_path: Path, cache_dir: Path) -> None:
    """A run that fails before it needs the linker stops the child; a failed child is reported, not raised."""
    from kg.linking.prewarm import start_index_warm

    warm = start_index_warm(str(_terminology(tmp_path)))
    assert warm is not None
    warm.cancel()
    assert not warm.process.is_alive()
    assert warm.wait() is False  # terminated: the run's linker builds the index itself, as without a child
