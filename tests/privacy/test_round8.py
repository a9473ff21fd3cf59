"""Round eight of the de-identifier (docs/deid.md): organisations by shape and context, names linked to names.

Each mechanism in wording dev set 6 does not use, and the clinical or research text of the same shape that must
stay untouched.
"""

from __future__ import annotations

import pytest

from kg.privacy import find_phi
from kg.privacy._name_links import context_names, linked_names
from kg.privacy._orgs import org_names
from tests.privacy._helpers import covered, found, untouched


def _texts(text: str, candidates) -> list[str]:
    return [text[c.start : c.end] for c in candidates]


@pytest.mark.parametrize(
    "text, value",
    [
        # a run of capitalised words ending in an organisation noun, whatever comes before it
        ("Her brother coaches the Bramblewood Lacrosse Club.", "Bramblewood Lacrosse Club"),
        ("Dropped off by a volunteer; Maple Grove Quilting Society sent cards.", "Maple Grove Quilting Society"),
        ("He had been cleaning gutters for Hollister Brothers Roofing.", "Hollister Brothers Roofing"),
        ("Dance lessons at Tessaly Ballet Studio twice a week.", "Tessaly Ballet Studio"),
        ("Formerly a bookkeeper, Quennell & Dart Attorneys.", "Quennell & Dart Attorneys"),
        ("Deceased was found in Ste. Genevieve County.", "Ste. Genevieve County"),
        # a generic noun after a preposition, a credential and comma, or a table cell
        ("She slipped on ice at Wrenfield Aquatics Center.", "Wrenfield Aquatics Center"),
        ("Referral letter: Oyinda Kalu, NP, Brackenridge Pediatrics", "Brackenridge Pediatrics"),
        ("| Cardiologist | Tomas Rilke, MD | Copperfield Heart Associates |", "Copperfield Heart Associates"),
        ("Food boxes come from Family Services of Ravenna.", "Family Services of Ravenna"),
        # a run after words that introduce an organisation, no noun needed
        ("He works nights at Brindle & Loam.", "Brindle & Loam"),
        ("She retired from Quarrington Steel after 31 years.", "Quarrington Steel"),
        ("Their son plays for Northwood Harriers on Saturdays.", "Northwood Harriers"),
        ("Patient is a cashier at Vantongeren Foodmart, second shift.", "Vantongeren Foodmart"),
        ("Pastor from Living Waters visited in the evening.", "Living Waters"),
        ("She is a member of Ravenswood Garden Guild and walks daily.", "Ravenswood Garden Guild"),
        # a tail after the name: a branch number, a region, a unit number
        ("Refill sent to Kessler Drug #4471.", "Kessler Drug #4471"),
        ("Brought in by Tri-Hollow Medevac 2 after the crash.", "Tri-Hollow Medevac 2"),
        ("FROM: Prairieview Drug #0917, fax attached", "Prairieview Drug #0917"),
        ("Transport Bluegill Medi-Van picks her up at 6.", "Bluegill Medi-Van"),
        ("Lives in Sycamore Flats Court apartments with her son.", "Sycamore Flats Court"),
        # an article before a type-first institution
        ("Seen last year at La Clínica de la Comunidad.", "La Clínica de la Comunidad"),
    ],
)
def test_organisations_are_caught(text, value):
    assert covered(text, value), found(text)


def test_an_article_and_a_person_before_an_organisation_stay_out_of_its_span():
    text = "Records came from Ilse Marchetti of Thornbury Legal Aid Society yesterday."
    assert "Thornbury Legal Aid Society" in _texts(text, org_names(text))
    text = "He eats lunch at the Bluebonnet Diner most days."
    assert _texts(text, org_names(text)) == ["Bluebonnet Diner"]


@pytest.mark.parametrize(
    "text, term",
    [
        # department and service names, clinical scales named after bodies, research text
        ("Referred to Social Services for housing.", "Social Services"),
        ("Consult to Physical Therapy Services placed.", "Physical Therapy Services"),
        ("Patients in New York Heart Association classes II to IV were included.", "New York Heart Association"),
        ("Graded by American Spinal Injury Association criteria.", "American Spinal Injury Association"),
        ("The parallel shift of the CO2-response curve was larger.", "CO2-response"),
        ("He works at Home Depot no longer; he stays at home.", "home"),
        ("She attends Mass weekly.", "Mass"),
        ("Gabapentin Club? No: works with PT daily.", "PT"),
        ("Treated with Lithium Carbonate Society guidelines.", "Lithium"),
        ("Transported by Rescue Squad to the ED.", "Rescue Squad"),
        ("Rats in Group F and Group P received saline.", "Group F"),
        ("Participants in the Vancouver Injection Drug Users Study were followed.", "Injection Drug"),
    ],
)
def test_departments_scales_and_clinical_words_are_not_organisations(text, term):
    assert untouched(text, term), found(text)


@pytest.mark.parametrize(
    "text, value",
    [
        # coordination with a found name, an age in brackets between or not, over a whole list
        ("Present: daughters Mariska and Jozefien.", "Mariska"),
        ("Grandchildren Teodoro (12), Anatolia (9) and Vesna (4) live with her.", "Teodoro"),
        ("Grandchildren Teodoro (12), Anatolia (9) and Vesna (4) live with her.", "Anatolia"),
        ("Mr. Quillfeather and Hartigan will share the night shifts.", "Hartigan"),
        # a bracketed relative or role with more inside, lower case too
        ("Household: Perpetua (aunt, 61), Ignatius (cousin).", "Perpetua"),
        ("Message left for miriam (charge RN) at 3 pm.", "miriam"),
        # a room or bed number before a name
        ("Bed 7 Wojtaszek is refusing labs.", "Wojtaszek"),
        # two or three initials before a surname
        ("Consent witnessed by (R. T. Abernethy-Oyelaran).", "R. T. Abernethy-Oyelaran"),
        # a name in apposition with an age
        ("Cosimo di Benedetto, 23, goalkeeper, twisted his ankle.", "Cosimo di Benedetto"),
        ("Saoirse O'Halloran-Beck, age 6, here with her father.", "Saoirse O'Halloran-Beck"),
        # lower-case given names after pt, a relative or ``note for``
        ("pt leopold vandersloot seen at bedside, no distress", "leopold vandersloot"),
    ],
)
def test_names_are_caught(text, value):
    assert covered(text, value), found(text)


def test_linked_names_follow_found_names_only_through_name_shaped_words():
    text = "Seen with Dr. Okwuosa, Metoprolol and Lisinopril continued; MDiv, CCC-SLP noted."
    spans = [(s.start, s.end, s.kind) for s in find_phi(text)]
    linked = _texts(text, linked_names(text, spans))
    assert not {"Metoprolol", "Lisinopril", "MDiv", "CCC-SLP"} & set(linked), linked


@pytest.mark.parametrize(
    "text",
    [
        "Shirin Karimi, MD (fellow) reviewed the films.",
        "Husband Anselm, 99, lives in independent living.",
        "Severity grade 2, 19, of 20 patients had nausea.",
        "on aspirin and lisinopril (wife manages meds)",
        "D.C. Re: follow-up visit",
    ],
)
def test_context_names_leave_credentials_relatives_and_drugs(text):
    got = _texts(text, context_names(text))
    assert not {"MD", "Husband Anselm", "aspirin", "lisinopril", "aspirin and", "D.C. Re"} & set(got), got
    assert all(not g.lower().startswith(("husband", "wife")) for g in got), got


@pytest.mark.parametrize(
    "text, value",
    [
        ("Staff huddle, 4 West, 11/19\nCharge: Odalys", "11/19"),
    ],
)
def test_a_header_dates_last_item_is_a_date(text, value):
    assert covered(text, value), found(text)
