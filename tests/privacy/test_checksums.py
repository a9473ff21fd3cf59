"""kg.privacy._checksums: card numbers, NPIs and DEA numbers found by their check digit alone."""

from __future__ import annotations

import pytest

from kg.privacy._checksums import checked_numbers, dea_ok, luhn_ok
from tests.privacy._helpers import covered, found, untouched


def test_luhn_and_dea_check_digits():
    assert luhn_ok("4532015112830366") and not luhn_ok("4532015112830367")
    assert luhn_ok("80840" + "1234567893") and not luhn_ok("80840" + "1234567894")
    assert dea_ok("AB1234563") and not dea_ok("AB1234564")


@pytest.mark.parametrize(
    "text, value",
    [
        ("Paid with 4532 0151 1283 0366 at the desk.", "4532 0151 1283 0366"),
        ("card 4532-0151-1283-0366", "4532-0151-1283-0366"),
        ("Prescriber 1234567893 signed the order.", "1234567893"),
        ("Refill authorised by AB1234563.", "AB1234563"),
    ],
)
def test_a_valid_check_digit_is_evidence_enough(text, value):
    assert covered(text, value), found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tracking 4532 0151 1283 0367 failed the check.",
        "Counts were 1234567894 copies per mL.",
        "Strain AB1234564 was used.",
        "PMID 12345678; 1000000 units; 1999-2004; 4532015112830366 mg.",
    ],
)
def test_a_wrong_check_digit_or_a_unit_is_no_identifier(text):
    assert checked_numbers(text) == []


def test_abstract_numbers_are_kept():
    text = "PMID 12345678; 1000000 units; 1999-2004."
    assert untouched(text, "12345678") and untouched(text, "1000000"), found(text)
