"""Named facilities and organisations that place a patient: hospitals, clinics, homes, schools, employers."""

from __future__ import annotations

import re

from kg.privacy._base import Candidate
from kg.privacy._lists import clinical_words, common_words, fold, surnames
from kg.privacy._places import FACILITY_COMMA_CITY, FACILITY_IN, NOT_FACILITY_WORDS, place_ok

_I = re.IGNORECASE


def _nouns(words: str) -> str:
    """A regex alternation of space-separated multi-word nouns (``Nursing_Home`` -> ``Nursing[ \\t]+Home``)."""
    alts = sorted(words.split(), key=len, reverse=True)
    return "(?:" + "|".join(a.replace("_", r"[ \t]+") for a in alts) + ")"


#: Institutions: a capitalised name before one of these nouns is a facility, whatever the name.
FACILITY_NOUN = _nouns(
    """
    Hospital Hospitals Medical_Center Medical_Centre Health_Center Health_Centre Health_System Health_Systems
    Clinic Clinics Nursing_Home Nursing_Facility Nursing_Center Rehabilitation_Center Rehab_Center Rehab
    Rehabilitation_Hospital Rehabilitation_Institute Dialysis_Center Dialysis_Unit Care_Center Hospice Infirmary
    Assisted_Living Senior_Center Health_Clinic Urgent_Care Family_Practice Pharmacy Drugstore Shelter Sanatorium
    Sanitarium Retirement_Home Group_Home Retirement_Community Senior_Living Living_Center Manor
    Surgery_Center Surgical_Center
    Medical_Group Medical_Associates Health_Partners Memorial_Hospital Children's_Hospital Home_Health Home_Care
    Health_Services Behavioral_Health Mental_Health_Center Recovery_Center Treatment_Center Wellness_Center
    Detox_Center Birthing_Center Birth_Center Skilled_Nursing Long-Term_Care Convalescent_Home Care_Home
    School Elementary Elementary_School Middle_School High_School Preschool Kindergarten Academy College
    University Seminary Daycare Day_Care Church Cathedral Chapel Temple Synagogue Mosque Ministries Parish_Hall
    Prison Jail Penitentiary Correctional_Facility Correctional_Center Correctional_Institution
    Detention_Center Juvenile_Hall YMCA YWCA Community_Center Apartments Towers Trailer_Park Mobile_Home_Park
    Motel Hotel Inn Pavilion Hospice_House Funeral_Home Funeral_Chapel Mortuary Airport Campus Basilica
    Health_Plan Health_Insurance Insurance Insurance_Company Mutual Cooperative Co-op Logistics Terminal
    Industries Corporation Corp. Inc. Inc LLC Ltd. Ltd Company Foods Farms Residence Residences Mobile_Home_Park
    Institute Physio Physiotherapy Medical_Practice Health_Centre Surgery_Center Surgical_Center Lodge
    Veterans_Home Soldiers'_Home VA_Medical_Center VAMC Domiciliary Barracks Base Air_Force_Base Station SNF LTACH LTAC
    Authority Port_Authority State_Forest State_Park National_Park Forest_Preserve Bar_and_Grill Grill Restaurant
    Cafe Café Diner Tavern Pub Brewery Bakery Supermarket Mall Stadium Arena Speedway Raceway Casino Marina
    Factory Warehouse Distribution_Center Depot Tool_and_Die Solutions Enterprises Transplant_Center Eye_Center
    Food_Pantry Pantry Food_Bank Soup_Kitchen Mission Rescue_Mission Heart_Center Vein_Center Spine_Center Fertility_Center Sleep_Center Imaging_Center Wound_Center
    Alliance EMS Ambulance Ambulance_Service Air_Ambulance Freight Trucking Transport Transit Shipbuilding Shipyard
    Co. Laboratory Laboratories Reference_Laboratory Reference_Lab Kidney_Center Eye_Institute
    Senior_Apartments Chapter_House Funeral_Services Nursing_and_Rehabilitation Rehabilitation_&_Nursing
    Rehabilitation_and_Nursing Health_and_Rehabilitation Visiting_Nurse_Association Visiting_Nurses
    """
)
#: ``Ozark Regional``, ``Sinai Memorial``: short for a hospital's name when nothing follows them.
FACILITY_NOUN = FACILITY_NOUN[:-1] + r"|Regional(?![ \t]*[A-Za-z])|Memorial(?![ \t]*[A-Za-z]))"
#: Practice names (``Bayview Pediatrics``): a facility only when no word of the name is an English word.
PRACTICE_NOUN = _nouns(
    """
    Pediatrics Paediatrics Orthopedics Orthopaedics Cardiology Dermatology Oncology Neurology Urology Radiology
    Imaging Diagnostics Laboratories Labs Associates Physicians Healthcare Health Medicine Dental Dentistry
    Family_Medicine Internal_Medicine Women's_Health Eye_Care Vision Chiropractic Physical_Therapy Counseling
    Psychiatry Obstetrics OB/GYN Gynecology Surgical_Associates Medical Medical_Clinic Surgery Ortho Drug Drugs
    Pharmacy Apothecary Optical Hearing Podiatry Rehab Therapy Wellness Care Lab Laboratory
    Fertility Hyperbaric Hyperbarics Vascular Spine Sports_Medicine Allergy Endocrinology Gastroenterology
    Pulmonology Rheumatology Nephrology Hematology Audiology Optometry Midwifery Hospitalists Rx
    """
)
#: Words of a title-cased sentence, not of a facility's name.
_SENTENCE_WORDS = frozenset(
    "Up In At To For With On Into From By Will Would Should Be Is Are Was Were Has Have Had Not No Please "
    "Return Returned Go Going See Seen Call Called Schedule Scheduled Continue Needs Need Refer Referred "
    "Follow Followed Discharge Discharged Transfer Transferred Admit Admitted Visit Visited Attends Attended Attending Attend Works Worked Lives Lived".split()
)
_FACILITY = re.compile(
    rf"\b(?P<name>(?:[A-ZÀ-ÖØ-Þ][^\W\d_'’&.-]*(?:['’&.-][^\W\d_]*)*[ \t](?:(?:and|of|&|the)[ \t]+(?=[A-Z]))?){{1,5}})"
    rf"{FACILITY_NOUN}(?:\b|(?<=\.))"
)
_PRACTICE_NOT_AFTER = (
    r"(?![ \t]+(?:Organi[sz]ation|Association|Society|Foundation|Institutes?|Council|Agency|Department|Service))"
)
#: One to three capitalised words, joined by ``&``/``and``, before a practice noun.
_PRACTICE_WORD = r"[A-Z][a-z'’]+[ \t]+(?:(?:&|and)[ \t]+(?=[A-Z]))?"
_PRACTICE = re.compile(rf"\b(?P<name>(?:{_PRACTICE_WORD}){{1,3}}){PRACTICE_NOUN}\b{_PRACTICE_NOT_AFTER}")
#: The shortest name before the longest practice noun (``Antietam`` + ``Physical Therapy``): tried where the
#: longest name fails.
_PRACTICE_SHORT = re.compile(rf"(?P<name>(?:{_PRACTICE_WORD}){{1,3}}?){PRACTICE_NOUN}\b{_PRACTICE_NOT_AFTER}")
#: Capitalised words before a lower-case facility noun (``Lakeshore Ortho Waukesha clinic``).
_FACILITY_LC_NOUN = re.compile(
    r"\b(?P<name>(?:[A-Z][\w'’&.-]{0,30}[ \t]+){1,4})(?:clinic|hospital|office|practice|pharmacy|campus|"
    r"nursing\s+home|rehab|facility|shelter|center|centre|assisted\s+living|memory\s+care|senior\s+living|"
    r"group\s+home|care\s+home|retirement\s+home|skilled\s+nursing|dialysis|lab|laboratory|urgent\s+care|"
    r"terminal|plant|factory|warehouse|depot|restaurant|store|ranch|farm|mine|shipyard)\b"
)
#: An organisation after a header that names one (``Employer: ...``, ``| Employer | ... |``).
_ORG_HEADER = re.compile(
    r"\b(?:employer|company|workplace|place\s+of\s+(?:work|employment)|school|church|congregation|insurer|"
    r"insurance|carrier|payer|pharmacy|funeral\s+home|facility|agency|shelter|nursing\s+home|snf|ltac|"
    r"rehab|hospice|home\s+health|transferred\s+from|referred\s+from|outside\s+hospital|osh|hospital|"
    r"residence|group\s+home|assisted\s+living)"
    r"(?:[ \t]*[:|][ \t]*|(?<=employer)[ \t]+|(?<=insurer)[ \t]+)"
    r"(?P<org>(?-i:[A-Z][\w'’&.-]{0,30}(?:[ ](?:&|and|of|the|[A-Z][\w'’&.-]{0,30})){0,6}))",
    _I,
)
#: Places named ``Fort X``, ``Mount X``, ``Camp X``, ``Port X`` (``Fort Harrison VA``).
_FACILITY_LOWER = re.compile(
    r"\b(?:at|to|from|in)[ \t]+the[ \t]+(?P<name>(?-i:[A-Z][a-z]+(?:[ \t][A-Z][a-z]+){0,3}))[ \t]+"
    r"(?:clinic|hospital|center|centre|practice|pharmacy|facility|nursing\s+home|shelter|campus|office)\b"
)
#: Words of facility nouns: a name in capitals is a facility only with some other, proper word.
FACILITY_WORDS = frozenset(re.findall(r"[a-z]+", (FACILITY_NOUN + PRACTICE_NOUN).lower()))


def _proper(words: list[str], common_ok: bool = False) -> bool:
    """A name: its first word no heading word, some word no English word (unless ``common_ok``), no word clinical."""
    common, clinical = common_words(), clinical_words()
    return (
        bool(words)
        and words[0] not in NOT_FACILITY_WORDS
        and words[0] not in _SENTENCE_WORDS
        and (common_ok or not all(fold(w) in common for w in words))
        and not any(fold(w) in clinical for w in words)
    )


#: Practice nouns that also end research units' and studies' names (``Animal Experiment Laboratories``).
_RESEARCH_NOUNS = frozenset("Drug Drugs Labs Laboratory Laboratories Therapy Medical Imaging Diagnostics".split())
#: A street or PO box right after a name (a letterhead: ``Lakeside Physicians Billing | PO Box 7720``).
_ADDRESS_NEXT = re.compile(r"(?:[ \t]+[A-Z][a-z]+)?[ \t]*[|,][ \t]*(?:\d|P\.?[ \t]?O\.?[ \t]*Box)")


#: A word that ends a sentence, not an abbreviation (``St.``, ``Mt.``, ``U.S.``): four letters and a period.
_SENTENCE_END = re.compile(r"[^\W\d_]{4,}\.|[A-Z]{3}\.")


def _practice_named(text: str, m: re.Match[str]) -> bool:
    """Whether a practice match names a place: some word no English word, or English words only
    (``Caribou Family Health``) when three words long, before a two-word noun, or on a letterhead."""
    words = m.group("name").split()
    noun = text[m.end("name") : m.end()]
    named = ((len(words) > 1 or " " in noun) and noun not in _RESEARCH_NOUNS) or bool(
        _ADDRESS_NEXT.match(text, m.end())
    )
    return _proper(words) or (named and _proper(words, common_ok=True))


def _institutions(text: str) -> list[Candidate]:
    """Capitalised words before an institution noun (``Millbrook General Hospital``), and the city after it."""
    out: list[Candidate] = []
    for m in _FACILITY.finditer(text):
        start = m.start("name")
        words = m.group("name").split()
        # a title-cased sentence (``Will Follow Up In Clinic``): the name starts after its last verb or preposition
        cut = max((k + 1 for k, w in enumerate(words) if w in _SENTENCE_WORDS), default=0)
        # a sentence's end (``Coord: Unremarkable. Station: ...``): a word of four letters or more before a period
        cut = max([cut] + [k + 1 for k, w in enumerate(words) if _SENTENCE_END.fullmatch(w)])
        for w in words[:cut]:
            start = text.index(w, start) + len(w)
        words = words[cut:]
        while words and words[0] in NOT_FACILITY_WORDS:
            start = text.index(words[0], start) + len(words[0])
            words = words[1:]
        if words:
            start = text.index(words[0], start)
            out.append(Candidate(start, m.end(), "GEO"))
            after = FACILITY_IN.match(text, m.end()) or FACILITY_COMMA_CITY.match(text, m.end())
            if after and place_ok(after["place"]):
                out.append(Candidate(after.start("place"), after.end("place"), "CITY"))
                if after.group().lstrip().startswith("of "):  # ``Prairie Heart Institute of Decatur``
                    out.append(Candidate(start, after.end("place"), "GEO"))
    return out


#: Two or more words in capitals (``THISTLEDOWN HILLS HOSPITAL``).
_CAPS_RUN = re.compile(r"\b[A-Z][A-Z'’&.-]+(?:[ \t]+(?:&[ \t]+)?[A-Z][A-Z'’&.-]+)+\b")


def _capitalised(text: str) -> list[Candidate]:
    """Institutions written in capitals: found on a title-cased view, kept when a word is no English word."""
    view = list(text)
    runs = []
    for m in _CAPS_RUN.finditer(text):
        titled = m.group().title()
        if len(titled) == len(m.group()):
            view[m.start() : m.end()] = titled
            runs.append((m.start(), m.end()))
    if not runs:
        return []
    titled_text = "".join(view)
    out = []
    for c in _institutions(titled_text):
        inside = any(a <= c.start and c.end <= b for a, b in runs)
        name = titled_text[c.start : c.end].split()[:-1]
        # English words only (``THISTLEDOWN HILLS HOSPITAL``) when two or more and one is also a surname, so
        # headers (``BRIEF HOSPITAL COURSE``, ``GERIATRIC ASSESSMENT CLINIC``) are no facility
        named = len(name) >= 2 and any(fold(w) in surnames() for w in name) and _proper(name, common_ok=True)
        if inside and c.kind == "GEO" and (_proper(name) or named):
            out.append(c)
    return out


def facilities(text: str) -> list[Candidate]:
    """Named facilities: institutions, practices (``Bayview Pediatrics``), organisations after a header."""
    out = _institutions(text) + _capitalised(text)
    for m in _PRACTICE.finditer(text):
        short = _PRACTICE_SHORT.match(text, m.start())
        for found in (m, short) if short and short.group("name") != m.group("name") else (m,):
            if _practice_named(text, found):
                out.append(Candidate(found.start(), found.end(), "GEO"))
                break
    for m in _FACILITY_LC_NOUN.finditer(text):
        if _proper(m.group("name").split()):
            out.append(Candidate(m.start("name"), m.end("name") - 1, "GEO"))
    for m in _ORG_HEADER.finditer(text):
        org = m.group("org").rstrip(" .")
        # an explicit header names the place: any capitalised words (``Hospital: Good Samaritan``), except
        # insurers and pharmacies (chains and brands, not places)
        employer = not m.group().lower().startswith(("insur", "carrier", "payer", "pharmacy", "home health"))
        if _proper(org.split(), common_ok=employer):
            out.append(Candidate(m.start("org"), m.start("org") + len(org), "GEO"))
            after = FACILITY_COMMA_CITY.match(text, m.start("org") + len(org))  # ``Employer: Acme Freight, Albany.``
            if after and place_ok(after["place"]):
                out.append(Candidate(after.start("place"), after.end("place"), "CITY"))
    for m in _FACILITY_LOWER.finditer(text):
        if _proper(m.group("name").split()):
            out.append(Candidate(m.start("name"), m.end("name"), "GEO"))
    return out
