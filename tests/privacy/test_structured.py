"""Structured layer: phones, e-mail, SSN, labelled ids, URLs, IPs, dates, ages over 89."""

from __future__ import annotations

import pytest

from tests.privacy._helpers import covered, found, untouched


@pytest.mark.parametrize(
    "text, value, kind",
    [
        ("Phone: (617) 555-0142 home", "(617) 555-0142", "PHONE"),
        ("call 508-555-0199 today", "508-555-0199", "PHONE"),
        ("work 508.555.0123", "508.555.0123", "PHONE"),
        ("Tel 313 555 0111 (office)", "313 555 0111", "PHONE"),
        ("reach him at +1 313 555 0164", "+1 313 555 0164", "PHONE"),
        ("called from 1-616-555-0184", "1-616-555-0184", "PHONE"),
        ("daughter in Spain +34 612 345 678", "+34 612 345 678", "PHONE"),
        ("UK office +44 20 7946 0321", "+44 20 7946 0321", "PHONE"),
        ("Paris +33 1 45 67 89 10", "+33 1 45 67 89 10", "PHONE"),
        ("Mumbai +91 98765 43210", "+91 98765 43210", "PHONE"),
        ("callback 6175550142 after 5", "6175550142", "PHONE"),
        ("Phone: 555-0142", "555-0142", "PHONE"),
        (
            "call her at five oh eight five five five oh one six six please",
            "five oh eight five five five oh one six six",
            "PHONE",
        ),
        ("Fax: (508) 555-0177", "(508) 555-0177", "FAX"),
        ("send to fax +44 161 496 0753", "+44 161 496 0753", "FAX"),
    ],
)
def test_phones_and_faxes(text, value, kind):
    assert covered(text, value)
    assert (value, kind) in found(text)


@pytest.mark.parametrize(
    "text, value, kind",
    [
        ("Email kwame.mensah77@gmail.com today", "kwame.mensah77@gmail.com", "EMAIL"),
        ("SSN 123 45 6789", "123 45 6789", "SSN"),
        ("Alt SSN on file: 321-54-9876", "321-54-9876", "SSN"),
        ("SSN: 318723294.", "318723294", "SSN"),
        ("last four of SSN (6789)", "6789", "SSN"),
        ("Social security number is 123-45-6789", "123-45-6789", "SSN"),
        ("MRN: 00482913", "00482913", "MRN"),
        ("MR# 4829133", "4829133", "MRN"),
        ("Med Rec #: A12345", "A12345", "MRN"),
        ("medical record number 4829133 she", "4829133", "MRN"),
        ("MRN (old) 004-82-13", "004-82-13", "MRN"),
        ("Member ID XGH492817305, Group 00417", "XGH492817305", "HEALTHPLAN"),
        ("Blue Cross Blue Shield, Group 00417", "00417", "HEALTHPLAN"),
        ("Medicare MBI: 1EG4-TE5-MK73", "1EG4-TE5-MK73", "HEALTHPLAN"),
        ("Medicaid ID: B27-44817-X", "B27-44817-X", "HEALTHPLAN"),
        ("Aetna policy # W283944172", "W283944172", "HEALTHPLAN"),
        ("Guarantor account: 77810234", "77810234", "ACCOUNT"),
        ("Account #: 4402-1187-93", "4402-1187-93", "ACCOUNT"),
        ("Card on file: 4532 0151 1283 0366", "4532 0151 1283 0366", "ACCOUNT"),
        ("NPI 1234567893 DEA AB1234563", "1234567893", "LICENSE"),
        ("NPI 1234567893 DEA AB1234563", "AB1234563", "LICENSE"),
        ("Driver's license S530-4417-8812", "S530-4417-8812", "LICENSE"),
        ("State license: MD45821", "MD45821", "LICENSE"),
        ("plate KLM-4821", "KLM-4821", "VEHICLE"),
        ("VIN 1HGCM82633A004352.", "1HGCM82633A004352", "VEHICLE"),
        ("pacemaker, serial PJN402871S, checked", "PJN402871S", "DEVICE"),
        ("Insulin pump SN: 88A7-31C9-0042.", "88A7-31C9-0042", "DEVICE"),
        ("Study subject ID: ONC-2019-0447-013", "ONC-2019-0447-013", "ID"),
        ("Specimen accession S23-48812", "S23-48812", "ID"),
        ("Encounter # E4482917.", "E4482917", "ID"),
        ("Employee badge 882134, needle-stick", "882134", "ID"),
        (
            "see https://mychart.millbrookhealth.org/patient/448213.",
            "https://mychart.millbrookhealth.org/patient/448213",
            "URL",
        ),
        ("blog www.gofundme.com/f/help-for-dmitri and more", "www.gofundme.com/f/help-for-dmitri", "URL"),
        ("posts as instagram.com/bea.moreau.lupus daily", "instagram.com/bea.moreau.lupus", "URL"),
        ("joined from IP 73.162.44.201.", "73.162.44.201", "IP"),
        ("also 2001:db8:4f2a::17)", "2001:db8:4f2a::17", "IP"),
    ],
)
def test_labelled_and_shaped_values(text, value, kind):
    assert covered(text, value)
    assert (value, kind) in found(text)


def test_labels_stay_outside_their_value_span():
    text = "MRN: 4829133  Member ID XGH492817305  NPI 1234567893"
    spans = found(text)
    assert ("4829133", "MRN") in spans
    assert all("MRN" not in t and "Member" not in t and "NPI" not in t for t, _ in spans)


@pytest.mark.parametrize(
    "text, value",
    [
        ("DOB: 03/14/1962", "03/14/1962"),
        ("Admitted 3/29/21 at noon", "3/29/21"),
        ("worse since 3/14.", "3/14"),
        ("INR was 3.4 on 1/12 and", "1/12"),
        ("Started on 14.03.2019.", "14.03.2019"),
        ("weaned 2019-03-17T08:30 today", "2019-03-17T08:30"),
        ("CLINIC NOTE 2023-01-05T10:00", "2023-01-05T10:00"),
        ("CT 2023-04-11: stable", "2023-04-11"),
        ("Seen March 3, 2023 by", "March 3, 2023"),
        ("since March 2019...", "March 2019"),
        ("follow up on Jan 23rd.", "Jan 23rd"),
        ("resolved by Mar 15th", "Mar 15th"),
        ("born May 3rd and", "May 3rd"),
        ("Discharged: the 19th of March", "the 19th of March"),
        ("the 3rd of May 2019 visit", "the 3rd of May 2019"),
        ("DOB 19 Jul 1955, tel", "19 Jul 1955"),
        ("interrogated 5 Jan 2023.", "5 Jan 2023"),
        ("Admitted: 12-Mar-2021", "12-Mar-2021"),
        ("dictating on march 3 2024 on patient", "march 3 2024"),
        ("no change since 02/2021.", "02/2021"),
        ("next screening 2024-05.", "2024-05"),
        ("Shingrix #2 Dec 2022.", "Dec 2022"),
        ("surgery planned on the 5th.", "5th"),
    ],
)
def test_dates_every_element_but_the_year(text, value):
    assert covered(text, value)
    assert any(kind == "DATE" for t, kind in found(text) if value in t or t in value)


@pytest.mark.parametrize(
    "text, value",
    [
        ("is a 93-year-old woman", "93"),
        ("she is aged 91 (she says", "91"),
        ('she says "ninety-one and counting"', "ninety-one"),
        ("will turn 95 next week", "95"),
        ("Grandmother lived to 102.", "102"),
        ("approx 97 y/o, found", "97"),
        ("the patient is 93 and on donepezil", "93"),
        ("Hiroshi (aged 90).", "90"),
        ("she is a 97 year old with", "97"),
    ],
)
def test_ages_over_89(text, value):
    assert covered(text, value)
    assert any(kind == "AGE" for _, kind in found(text))


@pytest.mark.parametrize(
    "text, value",
    [
        ("Patient is 78 years old; mother was aged 85 at death.", "78"),
        ("Patient is 78 years old; mother was aged 85 at death.", "85"),
        ("An 87-year-old neighbour", "87"),
        ("Quit smoking in 2009. Flu shot 2020.", "2009"),
        ("a 2009 Honda", "2009"),
        ("Signed 16:42 by the team", "16:42"),
        ("HR is 92, SpO2 97%", "92"),
        ("Pain 7/10. Strength 5/5 and 4/5. Grade 3/4 neuropathy.", "7/10"),
        ("Pain 7/10. Strength 5/5 and 4/5. Grade 3/4 neuropathy.", "5/5"),
        ("Pain 7/10. Strength 5/5 and 4/5. Grade 3/4 neuropathy.", "3/4"),
        ("take 1/2 tablet of Norco 5/325 q6h", "1/2"),
        ("BP 128/84, HR 72", "128/84"),
        ("ICD-10: E11.9, I10. CPT 99213. NDC 0093-7214-01.", "0093-7214-01"),
        ("ICD-10: E11.9, I10. CPT 99213. NDC 0093-7214-01.", "E11.9"),
        ("KRAS G12C negative; BRCA1 wild type", "G12C"),
    ],
)
def test_measurements_codes_years_and_young_ages_are_kept(text, value):
    assert untouched(text, value), found(text)


@pytest.mark.parametrize(
    "text, value",
    [
        ("Seen Jan-2023 for follow-up", "Jan-2023"),
        ("SSN ***-**-1234 on file", "1234"),
        ("Labs 1/16: Hgb 9.8", "1/16"),
    ],
)
def test_more_surface_forms(text, value):
    assert covered(text, value), found(text)


def test_ages_in_decades_over_89():
    assert covered("She is in her early 90s.", "early 90s")
    assert untouched("She is in her 80s.", "80s")


@pytest.mark.parametrize(
    "text, value, kind",
    [
        ("DOB: 19620314.", "19620314", "DATE"),
        ("Seen since March; worse in early May.", "March", "DATE"),
        ("Seen since March; worse in early May.", "May", "DATE"),
        ("Over Christmas she fell.", "Christmas", "DATE"),
        ("IP 192.168.001.010 logged", "192.168.001.010", "IP"),
        ("loopback fe80::1 only", "fe80::1", "IP"),
        ("EMPI 12345678, seen", "12345678", "MRN"),
        ("Pt # 99812 seen", "99812", "MRN"),
    ],
)
def test_dob_values_bare_months_holidays_ips_and_record_labels(text, value, kind):
    assert (value, kind) in found(text), found(text)


def test_a_modal_may_and_a_lone_colon_pair_are_kept():
    assert found("She may need it. Note :: end.") == []


@pytest.mark.parametrize(
    "text, value",
    [
        ("Medicare Beneficiary Identifier 2AB3-CD4-EF56.", "2AB3-CD4-EF56"),
        ("License plate: NY ABC-1234.", "ABC-1234"),
        ("Visa ending in 4412.", "4412"),
        ("Hearing aid serial 33A912-K.", "33A912-K"),
        ("Research subject 2019-ONC-0012.", "2019-ONC-0012"),
        ("Claim number CLM0091827.", "CLM0091827"),
    ],
)
def test_more_labelled_values(text, value):
    assert covered(text, value), found(text)
