"""Entity linking: mentions get ontology CURIEs; unlinkable mentions stay NIL with a local id.

The stage's room: the linkers by name in :data:`LINKER_REGISTRY`, each with its typed options
(``linker.params`` of a run config, validated here when the linker is chosen).

- ``lexicon`` (:mod:`kg.linking.lexicon_linker`): the mention, or its abbreviation's long form,
  looked up in the packaged lexicon with one normalization shared with the dictionary NER.
- ``candidates`` (:mod:`kg.linking.candidate_linker`, the default): candidate generation
  (:mod:`kg.linking.candidates` over :mod:`kg.linking.names` lookup keys and the TF-IDF of
  :mod:`kg.linking.tfidf`), the trained reranker (:mod:`kg.linking.reranker`), composite splitting
  and a calibrated NIL threshold. Abbreviation definitions in text: :mod:`kg.linking.abbreviations`.

The reranker's training is in :mod:`kg.train.linker`; the vocabularies in :mod:`kg.vocab`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kg.config import ConfigError
from kg.hashing import file_sha256, json_digest
from kg.linking.candidate_linker import CandidateLinker, CandidateLinkerOptions
from kg.linking.candidates import packaged_candidate_index
from kg.linking.lexicon_linker import LexiconLinker, LexiconLinkerOptions
from kg.linking.prewarm import IndexWarm, start_index_warm
from kg.linking.reranker import DEFAULT_RERANKER_PATH, Reranker
from kg.registry import Registry
from kg.types import Mention
from kg.vocab.terminology import DEFAULT_TERMINOLOGY_PATH

Linker = Callable[[list[Mention]], list[Mention]]
LINKER_REGISTRY: Registry[Linker] = Registry("linker")

OptionsT = TypeVar("OptionsT", bound=BaseModel)


def linker_options(model: type[OptionsT], name: str, params: Mapping[str, Any]) -> OptionsT:
    """``params`` validated as the options of linker ``name``.

    Raises:
        ConfigError: An unknown option or a bad value; the message names the linker and the key.
    """
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(options)'}: "
            + ("unknown option" if err["type"] == "extra_forbidden" else err["msg"])
            for err in exc.errors()
        )
        known = ", ".join(model.model_fields)
        raise ConfigError(f"linker {name!r} options: {problems} (known: {known})") from None


@LINKER_REGISTRY.register("lexicon")
def _lexicon_linker(**params: object) -> LexiconLinker:
    options = linker_options(LexiconLinkerOptions, "lexicon", params)
    return LexiconLinker(min_score=options.min_score)


@LINKER_REGISTRY.register("candidates")
def _candidate_linker(**params: object) -> CandidateLinker:
    options = linker_options(CandidateLinkerOptions, "candidates", params)
    return CandidateLinker(
        index=packaged_candidate_index(options.terminology),
        reranker=Reranker.load(options.reranker) if options.reranker else None,
        threshold=options.threshold,
        k=options.k,
        split_composites=options.split_composites,
    )


def start_linker_warm(name: str, params: Mapping[str, Any]) -> IndexWarm | None:
    """Start building linker ``name``'s start-up cache in a child process, where it has one and it is cold.

    Only ``candidates`` has such a cache (:mod:`kg.linking.prewarm`). A run starts this before its
    other start-up work (the seeds) and waits for it before it loads the linker.

    Raises:
        ConfigError: ``params`` do not fit the linker's options.
    """
    if name != "candidates":
        return None
    return start_index_warm(linker_options(CandidateLinkerOptions, name, params).terminology)


_KG = Path(__file__).resolve().parent.parent
#: Code whose edits may change what a built-in linker returns (relative to the ``kg`` package): every
#: module of this stage plus the vocabulary readers and id normalization it calls.
_LINKER_CODE = (
    *sorted(p.relative_to(_KG).as_posix() for p in Path(__file__).resolve().parent.glob("*.py")),
    "ids.py",
    "vocab/chemnames.py",
    "vocab/lexicon.py",
    "vocab/terminology.py",
)


def linker_fingerprint(name: str, params: Mapping[str, Any]) -> str | None:
    """A digest of what a built-in linker's output depends on, read from files without building the linker.

    ``candidates``: its options, the terminology file's and reranker file's SHA-256 and the linking code;
    ``lexicon``: its options and the linking code (the packaged lexicon is in the pipeline key already).
    The pipeline key (:attr:`kg.pipeline.TextPipeline.key`) uses it, so a run over unchanged documents never
    loads the candidate index (about 3.4 s). None for a linker registered elsewhere (its ``version`` is read
    instead) or where a file is missing (building the linker then gives the clear error).

    Raises:
        ConfigError: ``params`` do not fit the linker's options.
    """
    options: BaseModel
    files: list[Path] = []
    if name == "candidates":
        options = cand = linker_options(CandidateLinkerOptions, name, params)
        files = [Path(cand.terminology or DEFAULT_TERMINOLOGY_PATH), Path(cand.reranker or DEFAULT_RERANKER_PATH)]
    elif name == "lexicon":
        options = linker_options(LexiconLinkerOptions, name, params)
    else:
        return None
    try:
        data = [file_sha256(p) for p in files]
        code = [[rel, file_sha256(_KG / rel)] for rel in _LINKER_CODE]
    except OSError:
        return None
    return json_digest(name, options.model_dump(mode="json"), data, code)
