"""Geographic layer: streets, PO boxes, cities, ZIP codes, areas, facilities."""

from __future__ import annotations

import pytest

from tests.privacy._helpers import covered, found, untouched


@pytest.mark.parametrize(
    "text, values",
    [
        (
            "SOCIAL: Lives at 1427 Maple Grove Lane, Millbrook, MA 01845 with his wife.",
            ["1427 Maple Grove Lane", "Millbrook", "01845"],
        ),
        (
            "Address: 88 Harborview Drive, Apt 4C, Fall River, MA 02720",
            ["88 Harborview Drive, Apt 4C", "Fall River", "02720"],
        ),
        (
            "Mail to shelter: 221 Larkspur Ct., Unit 9, Kalamazoo, MI 49007-3312.",
            ["221 Larkspur Ct., Unit 9", "Kalamazoo", "49007-3312"],
        ),
        ("Address: PO Box 2231, Ypsilanti, Michigan 48197", ["PO Box 2231", "Ypsilanti", "48197"]),
        ("fall at 3100 N. Kedzie Ave, Dearborn.", ["3100 N. Kedzie Ave", "Dearborn"]),
        (
            "Home address 4 Tanglewood Circle, Cedar Rapids, Iowa 52401-1180.",
            ["4 Tanglewood Circle", "Cedar Rapids", "52401-1180"],
        ),
        ("Lives at 1903 West Elmwood Street, New Bedford 02740.", ["1903 West Elmwood Street", "New Bedford", "02740"]),
        (
            "Address: 760 Commonwealth Avenue, #12, Worcester, 01608.",
            ["760 Commonwealth Avenue, #12", "Worcester", "01608"],
        ),
        ("near 12B Quarry Hill Rd in the Eastgate neighborhood.", ["12B Quarry Hill Rd", "Eastgate neighborhood"]),
        ("Lives alone in Hampden County; her son visits weekly from Springfield.", ["Hampden County", "Springfield"]),
        ("Lives in Bristol County, Springfield 48124. Phone", ["Bristol County", "Springfield", "48124"]),
        (
            "Hospice referral to Cedar Ridge Nursing Home in Lower Merion Township.",
            ["Cedar Ridge Nursing Home", "Lower Merion Township"],
        ),
        ("Follow up in Millbrook General Hospital endocrine clinic.", ["Millbrook General Hospital"]),
        ("Follow-up at the Oak Hollow clinic.", ["Oak Hollow"]),
        ("Dr. Adeyemi, Kent County Dialysis Center", ["Kent County"]),
        ("Brought by Bristol County sheriff's office; admitted to Ward 7.", ["Bristol County", "Ward 7"]),
    ],
)
def test_addresses_and_places(text, values):
    for value in values:
        assert covered(text, value), (value, found(text))


@pytest.mark.parametrize(
    "text, value",
    [
        ("Address: 88 Harborview Drive, Fall River, MA 02720", "MA"),
        ("Cedar Rapids, Iowa 52401", "Iowa"),
        ("reachable at +34 612 345 678 (Spain)", "Spain"),
        ("Handout printed from the Lupus Foundation of America website.", "Lupus Foundation of America"),
        ("Hospital course: admitted with pneumonia.", "Hospital course"),
    ],
)
def test_states_countries_and_generic_words_are_kept(text, value):
    assert untouched(text, value), found(text)


@pytest.mark.parametrize(
    "text, value",
    [
        ("Born in Boston, Massachusetts.", "Boston"),
        ("Moved to the Town of Framingham.", "Framingham"),
        ("Admitted to Saint Anne's Hospital in Fall River.", "Fall River"),
        ("Lives in Lowell MA 01852 now.", "Lowell"),
    ],
)
def test_more_place_forms(text, value):
    assert covered(text, value), found(text)


@pytest.mark.parametrize(
    "text, value",
    [
        ("She lives on Maple Avenue in town.", "Maple Avenue"),
        ("Resides at Oak Meadows Retirement Community.", "Oak Meadows Retirement Community"),
    ],
)
def test_streets_without_a_number_and_residences(text, value):
    assert covered(text, value), found(text)


def test_a_street_needs_capitalised_words():
    assert found("She lives on a fixed income way out.") == []
