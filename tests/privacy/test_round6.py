"""Round six's general mechanisms (docs/deid.md): a colon or table bar between a trigger and its name,
``(Name, husband)``, a name before ``, 31 y``, initials, a surname with an initial after a header, a
middle name from the given-name list, family plurals of found names; facilities in capitals, more
institution nouns, type-first institutions in French, Arabic and other languages, rural routes.

Each case is a shape the mechanism covers by principle, in wording no corpus uses; the second list
holds clinical and administrative text of the same shapes that must stay untouched.
"""

from __future__ import annotations

import pytest

from tests.privacy._helpers import covered, untouched


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("REVIEWED BY: MBALI ZWANE-OSEI, MLS", "MBALI ZWANE-OSEI"),
        ("| Guardian | Thandiwe Mokoena | 555-0102 |", "Thandiwe Mokoena"),
        ("Visitors (Wojciech, brother) left at noon.", "Wojciech"),
        ("Aroha Tipene, 44 y, G3P2, presents in labour.", "Aroha Tipene"),
        ("Consent signed, initials K.T.W., witness present.", "K.T.W."),
        ("PROVIDER: OYELOWO-BANKS, T    DEPT: GI", "OYELOWO-BANKS, T"),
        ("Patient: Figueiredo, Joana Beatriz  DOB on file", "Figueiredo, Joana Beatriz"),
        ("Patient: Mr. Haruto Sasaki. The Sasakis asked about hospice.", "Sasakis"),
        ("Transferred from GREYSTONE VALLEY HOSPITAL by ambulance.", "GREYSTONE VALLEY HOSPITAL"),
        ("Specimen sent to Brightwater Reference Laboratory.", "Brightwater Reference Laboratory"),
        ("Picked up by Coldwater Ambulance Service at 0900.", "Coldwater Ambulance"),
        ("Drives for Redtail Trucking, long hauls.", "Redtail Trucking"),
        ("Dialysis at Quillon Kidney Center MWF.", "Quillon Kidney Center"),
        ("Prays at Masjid Al-Falah on Fridays.", "Masjid Al-Falah"),
        ("Suivi à la Clinique médicale Saint-Ours.", "Clinique médicale Saint-Ours"),
        ("Mailing address: RT 4 BOX 58, rural.", "RT 4 BOX 58"),
        ("Employer: Harrow Glen Shipbuilding Co.", "Harrow Glen Shipbuilding Co"),
    ],
)
def test_round_six_shapes_are_found(text: str, value: str) -> None:
    assert covered(text, value), (text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("BRIEF HOSPITAL COURSE: admitted for pneumonia.", "BRIEF HOSPITAL COURSE"),
        ("GERIATRIC ASSESSMENT CLINIC NOTE", "GERIATRIC ASSESSMENT CLINIC"),
        ("Referred to the MD Anderson Cancer Center protocol for sarcoma.", "Cancer"),
        ("Pt's employer Ozark Poultry Cooperative notified at his request.", "notified at his request"),
        ("Counts (WBC, platelets) stable.", "WBC"),
        ("Lesion size 3 cm, 2 y follow-up.", "Lesion size"),
        ("Parkinson, 3 y of tremor, on levodopa.", "levodopa"),
        ("Lives at Casa de Portugal Senior Apartments. She walks daily.", "She walks"),
    ],
)
def test_round_six_lookalikes_stay(text: str, value: str) -> None:
    assert untouched(text, value), (text, value)
