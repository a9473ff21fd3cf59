"""Numbers that carry their own check digit: payment cards (Luhn), NPIs (Luhn with the 80840 prefix), DEA numbers.

A valid check digit is evidence enough without a label (Presidio's validators, used here to *find* a
bare number, never to drop one that a label already names).
"""

from __future__ import annotations

import re

from kg.privacy._base import UNIT_AFTER, Candidate

#: 13-19 digits, bare or in groups of four (``4532 0151 1283 0366``, ``4532-0151-1283-0366``).
_CARD = re.compile(r"(?<![\w.,/-])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{13,19})(?![\w-]|[.,/]\d)")
#: A bare 10-digit number that starts like an NPI.
_NPI = re.compile(r"(?<![\w.,/-])[12]\d{9}(?![\w-]|[.,/]\d)")
#: A DEA registration number: a registrant-type letter, a letter (or 9), seven digits.
_DEA = re.compile(r"(?<![\w-])(?P<v>[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7})(?![\w-])")


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn check (its last digit is the check digit)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def dea_ok(value: str) -> bool:
    """Whether a DEA number's last digit is its check digit: (d1+d3+d5) + 2(d2+d4+d6), last digit."""
    d = [int(c) for c in value[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


def checked_numbers(text: str) -> list[Candidate]:
    """Card numbers, NPIs and DEA numbers whose check digit is right, with or without a label."""
    out: list[Candidate] = []
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and len(set(digits)) > 2 and luhn_ok(digits) and not UNIT_AFTER.match(text, m.end()):
            out.append(Candidate(m.start(), m.end(), "ACCOUNT"))
    for m in _NPI.finditer(text):
        if luhn_ok("80840" + m.group()) and len(set(m.group())) > 2 and not UNIT_AFTER.match(text, m.end()):
            out.append(Candidate(m.start(), m.end(), "LICENSE"))
    for m in _DEA.finditer(text):
        if dea_ok(m.group("v")):
            out.append(Candidate(m.start("v"), m.end("v"), "LICENSE"))
    return out
