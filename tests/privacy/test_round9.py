"""Round nine of the de-identifier (docs/deid.md): name particles, credentials and task phrases, slash phones,
street forms, organisation nouns and headers, group numbers, spaced serials, named ages.

Each mechanism in wording that dev set 7 does not use (cases written for these tests), and the clinical or
research text of the same shape that must stay untouched.
"""

from __future__ import annotations

import pytest

from tests.privacy._helpers import covered, found, untouched


@pytest.mark.parametrize(
    "text, value",
    [
        # a run of lower-case particles before the surname, whatever English word the surname is
        ("Her stepdaughter Anouk van den Berg will drive her home.", "Anouk van den Berg"),
        ("Evaluated by Joost ter Horst before discharge.", "Joost ter Horst"),
        ("Follow-up booked with Marieke de Wit in two weeks.", "Marieke de Wit"),
        ("Spoke with Ignacio de los Santos about the results.", "Ignacio de los Santos"),
        # a lower-case article or ``bin`` joined to the surname by a hyphen
        ("Landlord Khalid al-Zahrani called about the rent.", "Khalid al-Zahrani"),
        ("Emergency contact: Salma el-Gamal (sister).", "Salma el-Gamal"),
        # capitals with particles, then a comma and the given name
        ("PATIENT: VAN DER LINDEN, JOHANNA   MRN 5521937", "VAN DER LINDEN, JOHANNA"),
        # a nurse's or EMT's credential before the name, a surname and an initial after it
        ("Vitals rechecked by charge RN Holloway, T. at 0300.", "Holloway, T."),
        ("Crew: NP Okafor and EMT-B Lindqvist-Roos", "Lindqvist-Roos"),
        # credentials after a name, bracketed ones too
        ("Dressing orders by Henrike Adebayo, CWOCN, reviewed.", "Henrike Adebayo"),
        ("Records pulled by Marisa Quiroga, RHIT.", "Marisa Quiroga"),
        ("Hearing test: Dmitri Arkwright (AuD) found bilateral loss.", "Dmitri Arkwright"),
        # who did a task on the patient or a specimen
        ("Port inserted by Casimir Weatherby under sedation.", "Casimir Weatherby"),
        ("Blood cultures drawn by Imelda Rosqvist x2.", "Imelda Rosqvist"),
        ("Specimen collected 0715 by Thaddea Quennell, PCT.", "Thaddea Quennell"),
        # a follow-up booked with someone
        ("FU with Ragnhild in 2 weeks.", "Ragnhild"),
        ("Follow-up with Oyelami Brathwaite next month.", "Oyelami Brathwaite"),
        # a message, letter or voicemail from someone, in lower case too
        ("voicemail from ofelia zarate-bautista asking for refills", "ofelia zarate-bautista"),
        # headers that name a person
        ("Athlete: Koa Nakamura-Reyes   Sport: volleyball", "Koa Nakamura-Reyes"),
        ("Requester: margaret hollis", "margaret hollis"),
    ],
)
def test_round9_names(text, value):
    assert covered(text, value), found(text)


@pytest.mark.parametrize(
    "text, value",
    [
        ("Son's cell 605/555-0148 after 5 pm.", "605/555-0148"),
        ("Mail to 1710 State Highway 21 North, Cody", "1710 State Highway 21 North"),
        ("Office: 40 Main St, 3rd Floor, Dover", "40 Main St, 3rd Floor"),
        ("Lives at S74W16853 Janesville Rd with her son.", "S74W16853 Janesville Rd"),
        ("Pharmacy bill to BCBS / group 5531907", "5531907"),
        ("Neurostimulator serial QRT 551 208 K, implanted 2019.", "QRT 551 208 K"),
        ("Tobias Kettlewell is 94, widowed, and drives.", "94"),
        # grouped health-plan digits with a check digit, issue number or version code after them
        ("Medicare 5521 90873 4-1 on file", "5521 90873 4-1"),
        ("Health card 7710 442 918 XR expires soon", "7710 442 918 XR"),
        # an aircraft's tail number
        ("Flown by LifeLine tail N552QT to the trauma center.", "N552QT"),
        # a typed street in lower case, a cross street
        ("gets her meds at the pharmacy off gristmill rd near home", "gristmill rd"),
        ("Crash at 12 Orchard Way, cross street Tamsin Blvd.", "Tamsin Blvd"),
        # capitals after a header: particles, an unknown surname before a listed given name
        ("ATTENDING: VAN DER STRAATEN, PIETER", "VAN DER STRAATEN, PIETER"),
        ("VACCINE RECORD - RAJAGOPALACHARI, SUNITA (DOB 2/2/1950)", "RAJAGOPALACHARI, SUNITA"),
        ("Age at admission 97; lives alone.", "97"),
        # a place word between the cue and the town; towns coordinated with a found one
        ("She lives in rural Hettinger on a farm.", "Hettinger"),
        ("Has family in Tulsa, Muskogee and Enid.", "Enid"),
        # a month/day as the last item of a note's header line
        ("INFUSION CENTER VISIT - Bay 3  11/9\nTolerated well.", "11/9"),
    ],
)
def test_round9_numbers_and_places(text, value):
    assert covered(text, value), found(text)


@pytest.mark.parametrize(
    "text, value",
    [
        ("He was laid off from Redstone Drywall last spring.", "Redstone Drywall"),
        ("Works the line at Gannet Bay Cannery.", "Gannet Bay Cannery"),
        ("Biopsy slides sent to Marrowfield Diagnostics for review.", "Marrowfield Diagnostics"),
        ("REFERRAL FORM - Friends of the Elm Valley", "Friends of the Elm Valley"),
        ("Volunteers at Brothers of the Holy Cross Mission.", "Brothers of the Holy Cross Mission"),
        # where care goes on, named by an unknown word
        ("Outpatient PT at Kinetix Lakeshore twice weekly.", "Kinetix Lakeshore"),
        ("Dialysis at Renalcare Westbrook MWF.", "Renalcare Westbrook"),
        # senior living named ``The <noun> at/of <place>``; a hospital ending in Memorial
        ("Discharged to The Courtyards at Hollow Brook.", "The Courtyards at Hollow Brook"),
        ("Records requested from Ashland Valley Memorial.", "Ashland Valley Memorial"),
    ],
)
def test_round9_organisations(text, value):
    assert covered(text, value), found(text)


@pytest.mark.parametrize(
    "text, value",
    [
        # a lower-case or capitalised word after a capitalised name is not part of it
        ("Dr. Hallworth will call with results.", "will call"),
        ("Beneficiary: Rosalind Pettigrew  HICN on file", "HICN"),
        # no role trigger before a comma and an acronym
        ("Ana Lind, RN, CCDS reviewed the chart.", "CCDS"),
        # research text: a method after ``obtained by`` / ``collected by``
        ("Genotypes were obtained by Sanger sequencing of exon 4.", "Sanger sequencing"),
        ("Samples were collected by Western blot analysis.", "Western blot"),
        # a lab value after ``is``, a dose with a slash, a ratio
        ("Serum Sodium is 96, repeat pending.", "96"),
        ("Heart Rate was 92, regular.", "92"),
        ("Take 250/500-1000 mg as directed.", "250/500-1000"),
        # department headers after a dash; a clinical scale after an organisation
        ("PROGRESS NOTE - Internal Medicine", "Internal Medicine"),
        ("DISCHARGE SUMMARY - General Surgery", "General Surgery"),
        # a duration after a health-plan number; a road named by an everyday phrase
        ("Medicare 5521 90873 3 days ago", "3 days"),
        ("He walks on the road daily; lives on a dirt road.", "dirt road"),
        # capitals that are no name: a heading and a diagnosis before a comma
        ("ASSESSMENT, PLAN: continue", "ASSESSMENT, PLAN"),
        ("HYPERTENSION, MARIA noted", "HYPERTENSION"),
        # a care word before a department or a study title stays clinical
        ("Physical therapy in the Impact of Exercise on Recovery trial.", "Impact of Exercise on Recovery"),
        ("Infusion at Outpatient Oncology per protocol.", "Outpatient Oncology"),
        # a strength on the header line, a method after ``obtained ... by``
        ("MOTOR EXAM  5/5\nsymmetric", "5/5"),
        ("Clones obtained 3 by limiting dilution.", "limiting dilution"),
        # a service after a follow-up phrase
        ("Follow up with Cardiology in 2 weeks.", "Cardiology"),
        # a short group number is no health-plan id
        ("Randomised to group 2 of the trial.", "2"),
    ],
)
def test_round9_keeps(text, value):
    assert untouched(text, value), found(text)


def test_faker_name_supplement_is_loaded_and_holds_no_common_word():
    from kg.privacy._lists import _read_list, clinical_words, common_words, first_names, given_only, surnames

    extra_given, extra_surnames = _read_list("extra_given.txt.gz"), _read_list("extra_surnames.txt.gz")
    assert len(extra_given) > 5000 and len(extra_surnames) > 5000
    assert extra_given <= first_names() and extra_surnames <= surnames()
    assert (extra_given - surnames()) <= given_only()
    for words in (extra_given, extra_surnames):
        assert not words & common_words() and not words & clinical_words()
        assert {"hope", "summer", "will", "grace", "may"}.isdisjoint(words)


@pytest.mark.parametrize(
    "text, value",
    [
        # lone given names of Faker's locales that philter-lite's lists lack (Zulu, Dutch, Yoruba)
        ("Result reviewed with Thabisile today.", "Thabisile"),
        ("Plan discussed; Maartje agrees.", "Maartje"),
        ("Adetoke was given the leaflet.", "Adetoke"),
    ],
)
def test_lone_given_names_of_the_supplement(text, value):
    assert covered(text, value), found(text)
