"""Typed NER options: every registered extractor has an options model, validated where it is chosen."""

from __future__ import annotations

import inspect

import pytest

from kg.config import ConfigError, MedkgConfig, NerConfig
from kg.ner import NER_OPTIONS, NER_REGISTRY, create_ner
from kg.ner.dictionary import DictionaryExtractor, DictionaryOptions
from kg.ner.trained import TrainedModelOptions, TrainedNer, TrainedOptions, make_trained_ner
from kg.pipeline import TextPipeline
from kg.schema import load_schema


def test_every_registered_extractor_has_an_options_model_with_valid_defaults() -> None:
    assert set(NER_OPTIONS) == set(NER_REGISTRY.names())
    for name, model in NER_OPTIONS.items():
        assert model.model_config.get("extra") == "forbid", name
        model.model_validate({})  # the defaults alone are a valid configuration


@pytest.mark.parametrize(
    ("options", "component"), [(TrainedOptions, TrainedNer), (DictionaryOptions, DictionaryExtractor)]
)
def test_option_defaults_are_the_components_defaults(options: type, component: type) -> None:
    signature = inspect.signature(component.__init__)
    for field, info in options.model_fields.items():
        assert signature.parameters[field].default == info.default, field


def test_trained_options_cover_the_spacy_factory_config() -> None:
    factory = set(inspect.signature(make_trained_ner).parameters) - {"nlp", "name"}
    assert factory == set(TrainedModelOptions.model_fields)


@pytest.mark.parametrize(
    ("name", "params", "key"),
    [
        ("accurate", {"partnr": "fast"}, "partnr"),
        ("fast", {"precision": "fp8"}, "precision"),
        ("dictionary", {"model": "x"}, "model"),
    ],
)
def test_unknown_or_ill_typed_options_are_config_errors_naming_the_key(name: str, params: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=f"NER extractor '{name}': {key}:"):
        create_ner(name, **params)


def test_the_pipeline_validates_ner_params_when_it_chooses_the_extractor() -> None:
    text = TextPipeline(load_schema(), MedkgConfig(ner=NerConfig(name="dictionary", params={"confidence": "high"})))
    with pytest.raises(ConfigError, match="confidence"):
        text.ner  # noqa: B018  (building the extractor is what is tested)
    ok = TextPipeline(load_schema(), MedkgConfig(ner=NerConfig(name="dictionary", params={"confidence": 0.7})))
    assert ok.ner.component.confidence == 0.7
