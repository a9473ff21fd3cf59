"""Over-scrubbing traps read off real transcribed notes (MTSamples; docs/deid.md, "Real notes").

MTSamples is already de-identified, so nearly every span the scrubber finds in it is a false positive.
Each case below is the shape of one class of them, beside a look-alike that must still be caught.
"""

from __future__ import annotations

import pytest

from tests.privacy._helpers import covered, found, untouched


@pytest.mark.parametrize(
    "text, term",
    [
        # a pronoun after a placeholder doctor is no surname, and so is never repeated through the note
        ("He is to follow up with Dr. X. He was given emergency contact numbers. He is to continue.", "He was"),
        ("I spoke with Dr. X. He suggests we go ahead and splint.", "He suggests"),
        ("With medical resident Dr. X. I personally obtained the history.", "I personally"),
        ("Risks and benefits were discussed with him prior to the surgery.", "him"),
        # a release form and its dose, not a state route
        ("Pain: oxycodone SR 20 mg b.i.d., then oxycodone SR 10 mg q.12h.", "SR 20"),
        ("Epoetin SR 10,000Units SQ three times weekly.", "SR 10"),
        # spine levels after a bone plate, not a licence plate
        ("Fusion with anterior cervical locking plate C3-C5 (CPT 22845).", "C3-C5"),
        # a sign's finding and an instrument's use, not a person
        ("Babinski is negative. There is no ankle clonus.", "Babinski"),
        ("Shaver was introduced in the labrum.", "Shaver"),
        # devices named by their maker
        ("Posterior fusion using Midas Rex drill with AM8 bit.", "Midas Rex"),
        ("She was given Darco OrthoWedge shoe and a pair of crutches.", "Darco OrthoWedge"),
        # a sentence's end before a capitalised word is no facility name
        ("Coord: Unremarkable. Station: No mention in record of being tested.", "Unremarkable"),
        ("Coord: normal FNF. Station/Gait: not done.", "FNF"),
        # hospital units and services are no towns
        ("The patient was extubated and transferred to Recovery in stable condition.", "Recovery"),
        ("The patient was admitted to Orthopedics and consulted Medicine.", "Orthopedics"),
    ],
)
def test_real_note_shapes_are_not_phi(text, term):
    assert untouched(text, term), found(text)


@pytest.mark.parametrize(
    "text, value",
    [
        ("Seen by Dr. Mark I. Musgrave, M.D., on review.", "Mark I. Musgrave"),
        ("Her primary care physician is Dr. Brown. She sees him yearly.", "Brown"),
        ("Lives off SR 20 near the lake.", "SR 20"),
        ("Vehicle plate: 7KJD442, a silver sedan.", "7KJD442"),
        ("Transported to St. Thomas Memorial Hospital by Rescue Squad.", "St. Thomas Memorial Hospital"),
        ("Maria was seen today for follow-up.", "Maria"),
        ("Grace Wilson follows up in two weeks.", "Grace Wilson"),
    ],
)
def test_look_alikes_are_still_caught(text, value):
    assert covered(text, value), found(text)
