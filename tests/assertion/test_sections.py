from kg.assertion import find_sections
from kg.assertion.sections import section_at


def test_inline_and_own_line_headers():
    text = "PAST MEDICAL HISTORY: HTN. FHX: GF with CAD.\nFamily Medical History:\nStroke. Respiratory: no cough."
    names = [s.name for s in find_sections(text)]
    assert names == ["past medical history", "fhx", "family medical history", "respiratory"]


def test_section_spans_run_to_the_next_header():
    text = "ALLERGIES: Penicillin. MEDICATIONS: Insulin."
    allergies, meds = find_sections(text)
    assert (allergies.start, allergies.end) == (0, text.index("MEDICATIONS"))
    assert section_at([allergies, meds], text.index("Insulin")) is meds
    assert section_at([allergies, meds], text.index("Penicillin")) is allergies


def test_colons_in_times_and_prose_are_not_headers():
    assert find_sections("Seen at 10:30 today, the pain: he says it is better.") == []
