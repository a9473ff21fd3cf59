"""Round five's general mechanisms (docs/deid.md): the place gazetteer, context cues for short dates,
last-four SSNs, ages in words, names that introduce themselves or come from an e-mail address,
facility and practice nouns, military ranks, IBANs.

Each case is a shape the mechanism covers by principle, in wording no corpus uses; the second list
holds clinical and research text of the same shapes that must stay untouched.
"""

from __future__ import annotations

import pytest

from kg.privacy import find_phi
from tests.privacy._helpers import covered, untouched


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # gazetteer: cities and towns without a context word, lower case after a place preposition
        ("Grew up in Kumasi and studied in Nairobi.", "Kumasi"),
        ("Her son drives down from Fort Wayne on weekends.", "Fort Wayne"),
        ("Retired, splits the year between Scottsdale and Duluth.", "Scottsdale"),
        ("pt lives out in grand junction, no car", "grand junction"),
        ("Transferred from Bakersfield overnight.", "Bakersfield"),
        ("ADDRESS: 12 ELM ST, PUEBLO CO 81003", "PUEBLO"),
        # short dates by what surrounds them
        ("Stitches out 3/18.", "3/18"),
        ("Handoff 4/9 1915, pt stable.", "4/9"),
        ("EDD 10/21. Growth scan booked.", "10/21"),
        ("Date: Tue, 4 Nov 2025 16:20:11 +0100", "Tue, 4 Nov 2025 16:20:11 +0100"),
        ("Moved here in October of 2021.", "October of 2021"),
        ("Surgery planned the week of 12 May.", "week of 12 May"),
        ("Innlagt 4. mars 2025 med pneumoni.", "4. mars 2025"),
        ("Fall at home 9/30/2025 2215, no LOC.", "9/30/2025 2215"),
        ("Last dose Tuesday night (10/7).", "10/7"),
        ("10/12 - MRI brain unremarkable", "10/12"),
        ("Sutures out on 14th.", "14th"),
        ("Volunteers at Holy Trinity Food Pantry.", "Holy Trinity Food Pantry"),
        ("Transferred to Our Lady of Mercy.", "Our Lady of Mercy"),
        ("Address 1-5-22 Ebisu, Shibuya-ku, Tokyo", "1-5-22 Ebisu"),
        ("Lives in Mapo-gu, Seoul.", "Mapo-gu"),
        ("Visited by her aunt Fatima bint Rashid.", "Fatima bint Rashid"),
        ("Thanks so much!\n-Marisol", "Marisol"),
        ("Her mother died at 99 in hospice.", "99"),
        ("At 95 he still walks daily.", "95"),
        # last four of an SSN, ages in words, ages in apposition
        ("Identity confirmed, last 4: 5521.", "5521"),
        ("She says the social on file ends in 0194.", "0194"),
        ("Her father, ninety-six, still drives.", "ninety-six"),
        ("A ninety-three y/o man with syncope.", "ninety-three"),
        ("Attended by her aunt Philomena (97).", "97"),
        # names that introduce themselves, are spelled, are named as first/last name, from an e-mail
        ("hey, it's marguerite, my knee is worse", "marguerite"),
        ("Caller's last name Przybylski, first name Teodora.", "Przybylski"),
        ("Caller's last name Przybylski, first name Teodora.", "Teodora"),
        ("Spelling: O-G-U-N-D-I-P-E for the chart.", "O-G-U-N-D-I-P-E"),
        ("From: t.okonjo@mailbox.example\nOkonjo asks about her refill.", "Okonjo"),
        ("Parents: Ingrid and Tomas Halvorsen came in.", "Ingrid"),
        ("Parents: Ingrid and Tomas Halvorsen came in.", "Tomas Halvorsen"),
        ("note from kelsey dunleavy about her meds", "kelsey dunleavy"),
        ("Escorted by Cpl. Ferreira-Lunde to the ED.", "Ferreira-Lunde"),
        ("Insurance rep Marisela will call back.", "Marisela"),
        # a given name that no other list holds, alone; banners in capitals; particles after a title
        ("Reviewed the plan with Xiomara by phone.", "Xiomara"),
        ("Warfarin held, Gurpreet informed.", "Gurpreet"),
        ("OYELARAN, TEMITOPE  F  DOB 02/02/1960", "OYELARAN, TEMITOPE"),
        ("Mr. van den Berg declined.", "van den Berg"),
        ("Dr. Ng agreed with the plan.", "Ng"),
        ("Labs called to Marisol (RN) at 0710.", "Marisol"),
        ("Per Anselmo, she fell twice.", "Anselmo"),
        ("Taken by: jkowalski RN", "jkowalski"),
        ("AGE/SEX: 95/M", "95"),
        ("Worships at Iglesia Pentecostal Monte Sion.", "Iglesia Pentecostal Monte Sion"),
        # facility and practice nouns, street shapes, IBANs, labels
        ("Works nights at Cedar Hollow Distribution Center.", "Cedar Hollow Distribution Center"),
        ("Referred to Brookfield Vein & Vascular for ablation.", "Brookfield Vein & Vascular"),
        ("Lives at 8 Wattle Parade, near the beach.", "8 Wattle Parade"),
        ("Transfer to IBAN FR76 3000 6000 0112 3456 7890 189.", "FR76 3000 6000 0112 3456 7890 189"),
        ("Hosp. no. KQ-55102 on the wristband.", "KQ-55102"),
    ],
)
def test_round_five_shapes_are_found(text: str, value: str) -> None:
    assert covered(text, value), (text, value, [(text[s.start : s.end], s.kind) for s in find_phi(text)])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Confirmed Lyme disease after travel.", "Lyme"),
        ("Marburg virus outbreak response.", "Marburg"),
        ("Positive Ottawa ankle rules; X-ray ordered.", "Ottawa"),
        ("Epworth Sleepiness Scale 14.", "Epworth"),
        ("Placed a Jackson-Pratt drain.", "Jackson"),
        ("Cobb elevator used to strip the muscle.", "Cobb"),
        ("Framingham Heart Study risk score", "Framingham"),
        ("Evans blue extravasation was measured.", "Evans"),
        ("Stained with Congo red.", "Congo"),
        ("Pain 7/10, strength 5/5.", "7/10"),
        ("Apgar 8/9 at birth.", "8/9"),
        ("Gave 1/2 tablet at night.", "1/2"),
        ("1/14 nodes positive.", "1/14"),
        ("MMSE 24/30 today.", "24/30"),
        ("Dose reduced to 2/3 of standard.", "2/3"),
        ("Residents of North Carolina and Iowa were enrolled.", "Carolina"),
        ("Referred to the MD Anderson Cancer Center trial.", "Cancer"),
        ("Wrapped with Coban after the blood draw.", "Coban"),
        ("Reading the results with the family.", "Reading"),
        ("Lot 3K72P, exp 2026.", "3K72P"),
        ("Take (1/2) tab at night.", "1/2"),
        ("Stage 3-4 Hodgkin lymphoma", "3-4"),
        ("Plan:\n- Continue\n- Ambulate\n- Monitor", "Ambulate"),
        ("SpO2 at 97 on RA.", "97"),
        ("MRN 55-01-884  DOB 04-JUN-1940", "DOB"),
        ("Started on 2nd line therapy.", "2nd"),
        # real-note shapes (MTSamples, paraphrased): grades, instruments, eponyms, lower-case word pairs
        ("Hip flexion 5/5, knee flexion 4/5 bilaterally.", "4/5"),
        ("She rates the pain as a 6/10 today.", "6/10"),
        ("The tibia was divided with a Gigli saw.", "Gigli"),
        ("1. Bunion left foot. 2. Hammertoe.", "Bunion"),
        ("The head was impacted onto the Morse taper.", "Morse"),
        ("Head secured in the Mayfield headrest.", "Mayfield"),
        ("Fluid pooling near the knot of Henry.", "Henry"),
        ("Positive Hawkins 2 on the right.", "Hawkins"),
        ("The holes were made by drilling with a burr.", "drilling"),
        ("Decompressed with a diamond drill bit. Closed in layers.", "diamond drill"),
    ],
)
def test_round_five_lookalikes_are_kept(text: str, value: str) -> None:
    assert untouched(text, value), (text, value, [(text[s.start : s.end], s.kind) for s in find_phi(text)])
