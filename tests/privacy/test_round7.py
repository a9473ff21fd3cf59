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
