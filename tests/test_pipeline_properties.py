"""Hypothesis properties of a run's text stages, as ``build`` runs them (issue 18).

- arbitrary text never makes a stage raise (a note that did would be quarantined, not crash the
  run, but it would be lost to the graph);
- a generated identifier of every structured kind, placed in a sentence that states a treatment,
  never reaches anything that leaves the document: mention texts, long forms, evidence sentences.
"""

from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.config import load_config
from kg.pipeline import TextPipeline
from kg.schema import load_schema
from kg.types import Document
from tests.privacy.test_properties import PHI

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QUICK = ["ner.name=dictionary", "linker.name=lexicon", "relations.name=rules"]
TREATMENTS = [
    "Started lisinopril for hypertension",
    "Metformin was prescribed for type 2 diabetes mellitus",
    "Warfarin interacts with amiodarone",
    "Developed a rash after penicillin",
    "Heart failure with dyspnea and edema",
]


@lru_cache(maxsize=1)
def _pipeline() -> TextPipeline:
    return TextPipeline(load_schema(), load_config(None, QUICK))


@SETTINGS
@given(st.text(max_size=400))
def test_arbitrary_text_never_makes_a_stage_raise(text):
    (state,) = _pipeline().run([Document(id="d", text=text or " ", source="s")])
    assert all(0 <= m.start < m.end <= len(text or " ") for m in state.mentions)


@SETTINGS
@given(st.sampled_from(TREATMENTS), PHI, st.sampled_from([", ", " (", "; ", " - "]), st.booleans())
def test_generated_phi_never_leaves_the_document(treatment, phi, joint, phi_first):
    phrase, value = phi
    sentence = f"{phrase}{joint}{treatment.lower()}." if phi_first else f"{treatment}{joint}{phrase}."
    text = f"HPI:\n{sentence}\n{treatment}."
    (state,) = _pipeline().run([Document(id="d", text=text, source="s")])
    assert state.relations, text  # the treatment sentence still gives its evidence
    for m in state.mentions:
        assert value not in m.text and value not in (m.long_form or ""), (m, text)
    for r in state.relations:
        for m in (r.head, r.tail):
            assert value not in m.text
        assert value not in r.sentence, (r.sentence, text)
