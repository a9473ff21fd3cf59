"""The trained PHI detector (round eight, kg/privacy/_model.py) beside the rules, and the guard without it."""

from __future__ import annotations

import numpy as np
import pytest

import kg.privacy._model as phi_model
from kg.artifacts import ModelArtifactError
from kg.privacy import find_phi, phi_model_enabled, scrub
from kg.privacy._model import LABELS, PhiModel, decode, encode, load_phi_model, shipped_model, windows


def _covered(text: str, value: str, model: bool) -> bool:
    start = text.index(value)
    spans = find_phi(text, model=model)
    return all(any(s.start <= i < s.end for s in spans) for i in range(start, start + len(value)) if text[i].isalnum())


def _untouched(text: str, value: str) -> bool:
    start = text.index(value)
    return not any(s.start < start + len(value) and start < s.end for s in find_phi(text, model=True))


# --- the model finds what the rules miss --------------------------------------------------------
# The shipped threshold (chosen on dev 5 to keep precision, 0.995) lets almost nothing through; these
# tests read the tagger at 0.9, the highest grid point where it lifts dev 5's recall (docs/deid.md).


@pytest.fixture(scope="module")
def tagger_09():
    shipped = shipped_model()
    return PhiModel(shipped.session, shipped.meta, threshold=0.9)


@pytest.mark.parametrize(
    "text, value",
    [
        ("Transport home arranged with Cedar Valley Medi-Van for 3 pm.", "Cedar Valley Medi-Van"),
        ("Her son drives her; he works at Halvorsen Marine Supply in Port Ellery.", "Halvorsen"),
    ],
)
def test_model_finds_a_facility_the_rules_miss(tagger_09, text, value):
    start = text.index(value)
    letters = [i for i in range(start, start + len(value)) if text[i].isalnum()]
    spans = tagger_09.spans(text)
    assert all(any(s.start <= i < s.end for s in spans) for i in letters)
    if value == "Cedar Valley Medi-Van":  # the rules stopped at "Cedar Valley" until round eight's organisation nouns
        assert _covered(text, value, model=False)


# --- clinical look-alikes stay -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, term",
    [
        ("Reason for visit: Parkinson's disease follow-up.", "Parkinson"),
        ("PMH: Addison disease on hydrocortisone.", "Addison"),
        ("Exam: positive Babinski sign on the left; Romberg negative.", "Babinski"),
        ("Differential included Guillain-Barré syndrome, Huntington disease.", "Huntington"),
        ("Treated with Haldol in 2012, Ativan PRN.", "Ativan"),
        ("Started Eliquis 5 mg BID and Keppra 500 mg.", "Keppra"),
        ("Cushing syndrome was excluded; Crohn disease in remission.", "Crohn"),
        ("Hemoglobin 9.8 g/dL, creatinine 1.4, BNP 820 pg/mL.", "BNP"),
    ],
)
def test_model_keeps_clinical_look_alikes(tagger_09, text, term):
    assert _untouched(text, term)
    start = text.index(term)
    assert not any(s.start < start + len(term) and start < s.end for s in tagger_09.spans(text))


def test_model_spans_are_a_union_with_the_rules():
    text = "MRN: 4829133. Seen by Dr. Ngozi Adeyemi-Laurent at Brightwater Family Pharmacy, 12/03/2026."
    rules = find_phi(text, model=False)
    both = find_phi(text, model=True)
    for r in rules:
        assert any(b.start <= r.start and r.end <= b.end for b in both)


# --- the guard without the model ------------------------------------------------------------------


def test_guard_works_with_the_model_off(monkeypatch):
    def boom():
        raise AssertionError("the model must not load when switched off")

    monkeypatch.setattr(phi_model, "shipped_model", boom)
    monkeypatch.setenv("MEDKG_PHI_MODEL", "off")
    text = "Patient: Teodora Vasquez-Ibarra  MRN 4829133  seen 02/11/2024, call 503-555-0187."
    out = scrub(text)
    assert "Vasquez" not in out and "4829133" not in out and "503-555-0187" not in out
    assert find_phi(text) == find_phi(text, model=False)


def test_switch_reads_the_environment(monkeypatch):
    monkeypatch.setenv("MEDKG_PHI_MODEL", "on")
    assert phi_model_enabled() is True
    assert phi_model_enabled(False) is False
    monkeypatch.setenv("MEDKG_PHI_MODEL", "maybe")
    with pytest.raises(ValueError, match="MEDKG_PHI_MODEL"):
        phi_model_enabled()


def test_a_folder_without_weights_is_an_error(tmp_path):
    with pytest.raises(ModelArtifactError):
        load_phi_model(tmp_path)
    (tmp_path / "meta.json").write_text('{"labels": ["O"], "max_tokens": 8, "threshold": 0.5}', encoding="utf-8")
    with pytest.raises(ModelArtifactError, match="model.safetensors"):
        load_phi_model(tmp_path)


# --- decoding --------------------------------------------------------------------------------------


def test_windows_tile_the_text():
    for n in (0, 5, 254, 255, 1000):
        parts = windows(n, 254, 32)
        cores = [(k0, k1) for _, k0, k1, _ in parts]
        assert [k for c in cores for k in range(*c)] == list(range(n))
        assert all(c1 - c0 <= 254 for c0, _, _, c1 in parts)


def test_decode_merges_words_of_one_group_and_thresholds():
    text = "seen by Ana Lima today"
    enc = encode(text)
    probs = np.zeros((len(enc.ids), len(LABELS)), dtype=np.float32)
    probs[:, 0] = 1.0
    for t, (s, _) in enumerate(enc.offsets):
        if text[s:].startswith(("Ana", "Lima")):
            probs[t] = 0.0
            probs[t, LABELS.index("NAME")] = 0.8
            probs[t, 0] = 0.2
    spans = decode(text, enc, probs, 0.5)
    assert [(text[s.start : s.end], s.kind) for s in spans] == [("Ana Lima", "NAME")]
    assert decode(text, enc, probs, 0.9) == []


def test_the_build_switch_reaches_the_privacy_stage(monkeypatch):
    from kg.config import load_config
    from kg.pipeline import TextPipeline
    from kg.schema import load_schema
    from kg.types import Document

    monkeypatch.delenv("MEDKG_PHI_MODEL", raising=False)
    quick = ["ner.name=dictionary", "linker.name=lexicon", "relations.name=rules"]
    off = TextPipeline(load_schema(), load_config(None, [*quick, "privacy.phi_model=false"]))
    on = TextPipeline(load_schema(), load_config(None, [*quick, "privacy.phi_model=true"]))
    assert off.phi_model is False and on.phi_model is True
    assert off.key != on.key  # cached results of one setting are never reused for the other
    calls = []
    monkeypatch.setattr(phi_model, "shipped_model", lambda: calls.append(1) or shipped_model())
    text = "Transport home arranged with Cedar Valley Medi-Van for 3 pm."
    off.run([Document(id="d1", text=text)], until="privacy")
    assert calls == []
    on.run([Document(id="d1", text=text)], until="privacy")
    assert calls
