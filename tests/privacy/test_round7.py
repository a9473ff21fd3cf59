"""Round seven of the de-identifier (docs/deid.md): dev 5's last structured misses and their look-alikes."""

from __future__ import annotations

import pytest

from tests.privacy._helpers import covered, found, untouched


@pytest.mark.parametrize(
    "text, value",
    [
        # a time with a colon after it still joins its date
        ("Reply by T. Szalkowski, CMA 12/3/26 08:15: Rx sent to pharmacy.", "12/3/26 08:15"),
        # a month/day right after a clock time
        ("Transport by air, ETA 16:40 12/03.", "12/03"),
        # a social worker's or medical assistant's surname after the role's abbreviation
        ("SW Okonkwo called the daughter.", "Okonkwo"),
        ("CMA Ortiz roomed the patient.", "Ortiz"),
    ],
)
def test_caught(text, value):
    assert covered(text, value), found(text)


@pytest.mark.parametrize(
    "text, term",
    [
        ("Given at 10:15 3/4 of the dose, the rest at noon.", "3/4"),
        ("Took at 10:15 1/2 tab of lorazepam.", "1/2"),
        ("BP at 14:20 120/80, HR 88.", "120/80"),
    ],
)
def test_fractions_after_a_time_are_not_dates(text, term):
    assert untouched(text, term), found(text)


@pytest.mark.parametrize(
    "text, value",
    [
        # read off the MTSamples-based dev set (mtdev): an employer after a job, a practice named before a
        # two-word practice noun, a county whose name has an inner capital, a lone name before "be", a
        # month/day with its leading zero
        ("She works as a line cook at Loup Valley Feedlot in Elmira.", "Loup Valley Feedlot"),
        ("He works as a roofer at Marble Valley Stoneworks.", "Marble Valley Stoneworks"),
        ("PCP: Marketa Bajwa, MD, Antietam Physical Therapy", "Antietam Physical Therapy"),
        ("Lakeside Family Medicine called.", "Lakeside Family Medicine"),
        ("Seen at Framingham Vascular Lab today.", "Framingham Vascular Lab"),
        ("Per the McCracken County sheriff's report, she was driving.", "McCracken County"),
        ("He asked that Abdikarim be called at home.", "Abdikarim"),
        ("MRI T-L-spine, 02/14 revealed an intradural lesion.", "02/14"),
    ],
)
def test_caught_round7_mtdev(text, value):
    assert covered(text, value), found(text)


@pytest.mark.parametrize(
    "text, term",
    [
        ("He was referred to Outpatient Physical Therapy.", "Outpatient Physical Therapy"),
        ("Follow up with Physical Therapy next week.", "Physical Therapy"),
        ("He works as a nurse at the hospital.", "hospital"),
        ("Strength 05/05 in all groups.", "05/05"),
    ],
)
def test_not_phi_round7_mtdev(text, term):
    assert untouched(text, term), found(text)


@pytest.mark.parametrize(
    "text, value",
    [
        # dev 5's last misses, by class
        ("Haruto's cell 310-555-0158 (his son Haruto drove him).", "Haruto"),
        ("MED REC 12/03/2026  Albuquerque, Tomas Manuel  MRN 0061-44928", "Albuquerque, Tomas Manuel"),
        ("She attends St. Anselm the Martyr Catholic Church weekly.", "St. Anselm the Martyr Catholic Church"),
        ("Works as a welder at Glendive Bolt & Rivet in Sidney.", "Glendive Bolt & Rivet"),
    ],
)
def test_caught_round7_dev5(text, value):
    assert covered(text, value), found(text)


@pytest.mark.parametrize(
    "text, term",
    [
        ("Reed-Sternberg cells were seen on the biopsy.", "Reed-Sternberg"),
        ("Hurthle cell 3 cm nodule.", "Hurthle"),
        ("Brown, Smith Asthma clinic follow-up.", "Asthma"),
        ("She attends church on Sundays.", "church"),
    ],
)
def test_not_phi_round7_dev5(text, term):
    assert untouched(text, term), found(text)
