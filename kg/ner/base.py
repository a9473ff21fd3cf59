"""The NER registry, the extractor type and each extractor's typed options.

Apart from the package so its extractors can register. An extractor registers its factory with
:func:`register_ner` together with a pydantic model of its options (``ner.params`` in the run
config); :func:`kg.ner.create_ner` validates the options there, so an unknown or ill-typed key is a
:class:`~kg.config.ConfigError` that names it, before any model is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kg.config import ConfigError
from kg.nlp import AnalyzedDocument
from kg.registry import Registry
from kg.types import Mention

NerExtractor = Callable[[AnalyzedDocument], list[Mention]]
NER_REGISTRY: Registry[NerExtractor] = Registry("NER extractor")
#: Registry name -> the options model its factory takes.
NER_OPTIONS: dict[str, type[BaseModel]] = {}

OptionsT = TypeVar("OptionsT", bound=BaseModel)


def register_ner(
    name: str, options: type[OptionsT]
) -> Callable[[Callable[[OptionsT], NerExtractor]], Callable[[OptionsT], NerExtractor]]:
    """Decorator: register ``factory(options) -> extractor`` as ``name``, with its options model."""

    def deco(factory: Callable[[OptionsT], NerExtractor]) -> Callable[[OptionsT], NerExtractor]:
        NER_REGISTRY.register(name)(factory)
        NER_OPTIONS[name] = options
        return factory

    return deco


def ner_options(name: str, params: Mapping[str, Any]) -> BaseModel:
    """``params`` validated against the options model of the extractor ``name``.

    Raises:
        UnknownComponentError: ``name`` is not registered (the message lists the known names).
        ConfigError: An unknown key or a value of the wrong type (the message names the key).
    """
    NER_REGISTRY.get(name)
    try:
        return NER_OPTIONS[name].model_validate(dict(params))
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"ner.params of NER extractor {name!r}: {errors}") from None
