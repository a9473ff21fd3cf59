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
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kg.config import ConfigError
from kg.linking.candidate_linker import CandidateLinker, CandidateLinkerOptions
from kg.linking.candidates import packaged_candidate_index
from kg.linking.lexicon_linker import LexiconLinker, LexiconLinkerOptions
from kg.linking.reranker import Reranker
from kg.registry import Registry
from kg.types import Mention

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
