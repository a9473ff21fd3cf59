"""Round four's general mechanisms (docs/deid.md): shape fallbacks, repeats, other languages and countries.

Each case is a shape the mechanism covers by principle, in wording that dev set 4 does not use; the
second list holds clinical and research text of the same shapes that must stay untouched (the
whitelist of clinical shapes, the clinical guard of repeats and places).
"""

from __future__ import annotations

import pytest

from kg.privacy import find_phi
from tests.privacy._helpers import covered, untouched


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # identifier-shaped tokens and digit groups without a label
        ("Old chart JX-8812004 merged.", "JX-8812004"),
        ("Band QR77120934 on the left wrist.", "QR77120934"),
        ("Records 4417290 and 4471290 were merged.", "4417290"),
        ("Reached her at 555-3821 this morning.", "555-3821"),
        ("Number on file 3 44 91 027 118 52.", "3 44 91 027 118 52"),
        ("Provincial card ONTK 7712 4409 presented.", "ONTK 7712 4409"),
        ("Call (0161) 4960331 after six.", "(0161) 4960331"),
        ("His car, reg BD19 XRT, was towed.", "BD19 XRT"),
        # dates by components, other languages and orders
        ("Ingresó el 4 de enero de 2025 por disnea.", "4 de enero de 2025"),
        ("Vu le mardi 7 octobre 2025.", "mardi 7 octobre 2025"),
        ("Aufnahme am 21. Oktober 2024.", "21. Oktober 2024"),
        ("Visita del 9 settembre 2025.", "9 settembre 2025"),
        ("Opname 2 februari 2025.", "2 februari 2025"),
        ("Konsultasjon 3. desember 2024.", "3. desember 2024"),
        ("Przyjęty 4 lipca 2025.", "4 lipca 2025"),
        ("Scan on 30-IX-2024 was clear.", "30-IX-2024"),
        ("Seen 02Feb24 in clinic.", "02Feb24"),
        ("Kontrolle am 3.9. geplant.", "3.9."),
        # postcodes of other countries, and the town beside a numeric code
        ("Lives at 3 Oak Row, Leeds LS6 2QT.", "LS6 2QT"),
        ("Moved to Halifax NS B3H 4R2 last year.", "B3H 4R2"),
        ("Address: 9 Main St, Ennis, V95 X2C7.", "V95 X2C7"),
        ("Adres: Kerkstraat 5, 3512 KL Utrecht.", "3512 KL"),
        ("Adres: Kerkstraat 5, 3512 KL Utrecht.", "Utrecht"),
        ("Zamieszkały: ul. Polna 3, 61-245 Poznań.", "61-245"),
        ("Zamieszkały: ul. Polna 3, 61-245 Poznań.", "Poznań"),
        ("Endereço: Rua Augusta 1508, 01304-001 São Paulo", "01304-001"),
        ("Anschrift: Bahnhofstraße 7, 50667 Köln", "Köln"),
        # streets written the way of other countries
        ("Domicilio: 77 avenue Jean-Jaurès, Lyon.", "77 avenue Jean-Jaurès"),
        ("Residenza in Via Garibaldi 12, Torino.", "Via Garibaldi 12"),
        ("Woont op Keizersgracht 220-II.", "Keizersgracht 220-II"),
        ("Bor i Kongensgate 14B.", "Kongensgate 14B"),
        # places after a preposition that no word list knows, names by shape
        ("Flew back via Dushanbe on Sunday.", "Dushanbe"),
        ("Her son drives up from Wollongbar, then home.", "Wollongbar"),
        ("Mother Ngozi Okwuosa visited.", "Ngozi Okwuosa"),
        ("Discharged today. Haukeland Tvedt will collect her.", "Haukeland Tvedt"),
        ("Whitcombe called twice about the bill.", "Whitcombe"),
        ("Sig.ra Benedetta Pirandelli, 71 anni.", "Benedetta Pirandelli"),
        ("Herr Ansgar Wuttke wurde aufgenommen.", "Ansgar Wuttke"),
    ],
)
def test_round_four_shapes_are_found(text: str, value: str) -> None:
    assert covered(text, value), (text, value)


def test_a_found_value_is_found_wherever_it_recurs() -> None:
    text = "Seen with chart JX-8812004 today.\nBilling used JX-8812004 as well; Ms. Quillfeather signed.\nQuillfeather agreed."
    spans = find_phi(text)
    assert sum(text[s.start : s.end] == "JX-8812004" for s in spans) == 2
    assert sum(text[s.start : s.end] == "Quillfeather" for s in spans) == 2


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # the whitelist of clinical shapes
        ("Enrolled in NCT05512209 last year.", "NCT05512209"),
        ("Water (CAS 7732-18-5) was the vehicle.", "7732-18-5"),
        ("Lot 7A44120093 expired.", "7A44120093"),
        ("NDC 0093-7214-01 dispensed.", "0093-7214-01"),
        ("LOINC 4548-4 ordered.", "4548-4"),
        ("Odds ratio 2.612-19.708 for the cohort.", "2.612-19.708"),
        ("Doses of 200-1000 were tested.", "200-1000"),
        ("Cells were plated at 5 X 10 per well.", "5 X 10"),
        ("Published in (1996) 610-615.", "(1996) 610-615"),
        ("Seasons 2019 2020 2021 compared.", "2019 2020 2021"),
        ("Shift 0700-1900 covered.", "0700-1900"),
        ("Dose 1000 1500 2000 mg split.", "1000 1500 2000"),
        ("Bottle of 1 000 000 units.", "1 000 000"),
        ("DAS28 4.1. Continue.", "4.1."),
        # repeats stop at a clinical term; places and names keep clinical prose
        ("Lives in Old Lyme. Lyme disease serology sent.", "Lyme disease"),
        ("From Philadelphia, PA. Philadelphia chromosome positive.", "Philadelphia chromosome"),
        ("Tested in Wistar rats and in Malaysia.", "Wistar"),
        ("Tested in Wistar rats and in Malaysia.", "Malaysia"),
        ("Spatial memory in Morris water maze.", "Morris"),
        ("Prevalence in Caucasians was higher.", "Caucasians"),
        ("Barium-supplemented Long-Evans hooded rats.", "Long-Evans"),
        ("Set up the ResMed AirSense tonight.", "ResMed AirSense"),
        ("Crohn's is quiescent on infliximab.", "Crohn"),
        ("Kontrolle, Ypsilanti, Michigan 48197.", "Michigan"),
        ("Admission: Monday, March 3, 2025     Discharge: Thursday", "Discharge"),
    ],
)
def test_round_four_clinical_shapes_are_kept(text: str, value: str) -> None:
    assert untouched(text, value), (text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # the parts of an address line before a postal code, walking back from it
        ("Contact: Wynford Lodge, Cae Mawr, Bala LL23 7DE.", "Cae Mawr"),
        ("Contact: Wynford Lodge, Cae Mawr, Bala LL23 7DE.", "Bala"),
        ("Addr: Plot 12, Kilimani Estate, Nakuru 20100", "Kilimani Estate"),
        ("Reside: 5 Rua Nova, Braga, CEP 4700-320", "Braga"),
        # apposition and the age of a person named by a relative or pronoun
        ("Hollingworth, the neighbour, found her.", "Hollingworth"),
        ("Her aunt is 97.", "97"),
    ],
)
def test_address_lines_and_appositions(text: str, value: str) -> None:
    assert covered(text, value), (text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Address: 14 Oak Lane, Ames, Iowa 50010.", "Iowa"),
        ("Lives at 7 Rue Haute, Montréal (Québec) H2X 1Y4.", "Québec"),
        ("The patient's HR is 96.", "96"),
        ("Glucose was 99, insulin held.", "99"),
    ],
)
def test_address_lines_keep_states_and_numbers_that_are_no_age(text: str, value: str) -> None:
    assert untouched(text, value), (text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("UR 33184 admitted to ward 4.", "33184"),
        ("NHC 00771 ingresa por disnea.", "00771"),
        ("CHI 1903561 on the referral.", "1903561"),
        ("PESEL 4908151 w karcie.", "4908151"),
        ("DNI 12345678Z firmado.", "12345678Z"),
        ("tarjeta sanitaria BBBB 1234 vigente", "BBBB 1234"),
        ("Phone note 3/2: sister called.", "3/2"),
    ],
)
def test_labels_of_other_countries(text: str, value: str) -> None:
    assert covered(text, value), (text, value)


def test_a_known_label_is_not_part_of_its_value() -> None:
    assert untouched("AHCIP 12345-6789 (old card)", "AHCIP")
