"""Organisations by their shape and their context (#18, round eight): employers, shops, schools, churches,
gyms, clubs, law firms, agencies, shelters, transport services.

Three general mechanisms, each checked against the clinical word list so a drug or disease word never goes:

- *Organisation nouns*: a run of capitalised words ending in a noun that names a business or a body
  (``Riverside Rowing Club``, ``Tip Top Cleaners``, ``Summit Rock Climbing Gym``, ``Stanhope Legal Aid
  Society``), kept when a word of the name is no English word or the name has two words or more.
- *A preposition before the noun*: after ``at``/``for``/``from``/``with``/``by`` the same run may end in a
  generic noun too (``fell at Lakeside Aquatic Center``, ``meals from Child Protective Services of
  Dorchester``), unless every word of the name is a department's word (``by Social Services``).
- *Context*: a capitalised run after words that introduce an organisation (``works at``, ``employed by``,
  ``retired from``, ``plays for``, ``attends``, ``member of``, ``a cashier at``, ``chaplain from``,
  ``brought in by``, ``insured by``), with or without a noun, kept when it has two words or a word that is
  no English word (``coaches at Kestrel``, not ``works at Home``).

A name may carry ``of <Place>``, ``#2281``, ``Region 9`` or a unit number after it; a leading ``the`` stays
out of the span.
"""

from __future__ import annotations

import re

from kg.privacy._base import Candidate
from kg.privacy._lists import clinical_words, common_words, fold
from kg.privacy._places import NOT_FACILITY_WORDS

#: Nouns that end a business's or a body's name; a name before one needs one word that is no English word,
#: or two words.
ORG_NOUNS = frozenset(
    """
    Club Clubs Society Fellowship Contractors Contracting Cleaners Cleaning Law LLP PLLC P.C. Attorneys Lawyers
    Gym Fitness CrossFit Lanes Deli Delicatessen Kitchen Hardware Mart Market Markets Paratransit Montessori
    Charities Ministries Ministry Motors Roofing Plumbing Landscaping Realty Creamery Textiles Mills Millworks
    Dairy Elevator Seafood Processing Packing Poultry Bakery Bakeries Builders Construction Excavating Welding
    Machining Manufacturing Fabrication Lumber Nurseries Greenhouses Orchards Vineyards Winery Distillery
    Salon Barbershop Spa Studio Studios Cinema Theatre Theater Bowl Bowling Rink Aquatics Natatorium Dojo
    Tabernacle Assembly Congregation Gurdwara Masjid Mandir Parish Presbyterian Baptist Methodist Lutheran
    Episcopal Pentecostal Adventist Orthodox Evangelical Apostolic Meetinghouse
    Daycare Childcare Preschool Prep Preparatory Conservatory
    Agency Agencies Keepers Caregivers Homecare Companions Outreach Coalition Charity Trust Foundation
    Ambulance Medevac Taxi Cab Limo Couriers Movers Freight Die County Parish Township Borough Chapter Medi-Van
    Supply Supplies Packaging Cannery Foundry Forge Casino Drywall Masonry Paving Towing Salvage Feed Seed
    Brewery Brewing Tannery Hatchery Stables Kennels Boutique Florist Florists Jewelers Outfitters Haulers Memorial
    """.split()
)
#: Generic nouns that end an organisation's name only after a preposition (``at Lakeside Aquatic Center``).
GENERIC_NOUNS = frozenset(
    """
    Center Centre Centers Group Services Service Association Union League Library Museum Bank Systems
    Technologies Partners Company Store Shop Shops Works Plant Yard Garage Auto Diner Cafe Café Grill Restaurant
    Pizzeria Tavern Pub Hotel Motel Inn Lodge Resort Ranch Farm Farms Logistics Industries Enterprises Solutions
    Trucking Transport Transportation Inc Inc. LLC Co. Corp. Corporation Ltd Labs
    House Home Homes Commons Residence Residences Apartments Village Manor Towers Court
    YMCA YWCA Academy School Schools College University Institute Church Temple Mosque Synagogue Chapel
    Pediatrics Paediatrics Orthopedics Orthopaedics Cardiology Dermatology Oncology Neurology Urology Radiology
    Associates Physicians Healthcare Medicine Practice Clinic Clinics Pharmacy Dental Therapy Rehab Counseling
    Drug Drugs Rx Apothecary Chemist Lab Laboratory Laboratories Diagnostics Mission Shelter
    """.split()
)
#: Words of department or service names, not of a named organisation (``Social Services``, ``Patient Relations``).
DEPARTMENT_WORDS = frozenset(
    """
    social protective child children family families human health medical emergency support patient patients
    guest customer environmental food nutrition pastoral spiritual interpreter interpreting language case
    management care financial billing security volunteer volunteers community public senior seniors youth adult
    adults rehabilitation rehab transport transportation home sleep heart cancer trauma surgical surgery research
    data coordinating call operations control poison simulation clinical laboratory imaging outpatient inpatient
    wellness dialysis infusion wound vein spine eye dental women womens pediatric cardiac stroke kidney liver
    transplant burn memory behavioral mental student students career learning testing test business legal
    information technology internal general physical occupational speech primary urgent intensive critical
    geriatric geriatrics palliative hospice infectious plastic vascular orthopedic orthopaedic medicine service
    services department unit floor ward clinic pharmacy therapy radiology cardiology oncology neurology the of
    outside local nearby another same this that our your his her their referring area main north south east west
    central new old university state regional memorial county city national american international federal
    and on for rescue squad fire police ems team crew staff group arm cohort study injection users
    """.split()
)
_WORD = r"(?:St\.|Ste\.|Mt\.|Ft\.|Co\.|Inc\.|Corp\.|Ltd\.|P\.C\.|[A-Z][\w'’-]*[\w'’]|[A-Z](?![\w'’.-]))"
_JOIN = r"(?:[ \t](?:of[ \t]+the|of|on|for|and|&|the|de|del|la|du|des)(?=[ \t][A-Z]))?[ \t]"
#: A run of capitalised words (joined by ``of``, ``on``, ``&``...), up to seven.
_RUN = rf"{_WORD}(?:{_JOIN}{_WORD}){{0,6}}"
#: What may follow a name: ``of <Place>``, ``#2281``, ``Region 9``, a unit number (``AirCare 3``).
_TAIL = re.compile(
    r"(?:[ \t]+of[ \t]+(?P<place>[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?)(?![ \t]*(?:County|Hospital|Medicine)\b))?"
    r"(?:[ \t]+(?:#[ \t]?\d{1,5}|(?:Region|District|Unit|Chapter|Local|Branch|Store|No\.)[ \t]+\d{1,4}|\d{1,3})(?![\w/:-]|\.\d))?"
)
_CAP_RUN = re.compile(rf"(?<![\w'’.-]){_RUN}")
#: A preposition, a credential and a comma (``Ana Ruiz, NP, Sandhills Pediatrics``) or a table cell before a run.
_PREPOSITION = re.compile(
    r"(?:\b(?:at|for|from|with|by|to|of|in|into)[ \t]+(?:the[ \t]+)?|"
    r"\b(?:MD|DO|NP|FNP|PA|PA-C|RN|DPT|PharmD|LCSW|FACC|FACP|CCC-SLP|ATC|DDS|OD)[ \t]*,[ \t]*|\|[ \t]*)$",
    re.IGNORECASE,
)
#: Words before a run that say it is an organisation (the run needs no noun).
_CUE = re.compile(
    r"(?:\b(?:works?|worked|working|employed|employee|job|volunteers?|volunteered|volunteering|retired|"
    r"let[ \t]+go|laid[ \t]+off|fired|quit|teaches|taught|teacher|teaching|student|sophomore|junior|senior|"
    r"freshman|enrolled|plays?|played|playing|coaches|coached|coach|swims|trains|training|attends|attended|"
    r"attending|goes|cashier|stocker|barista|cook|clerk|manager|driver|guard|mechanic|server|waitress|waiter|"
    r"janitor|custodian|housekeeper|nanny|owns|owner|owned|picked[ \t]+up|staying|stays|stayed|lives|living|"
    r"resides|residing|resident|chaplain|pastor|priest|imam|rabbi|minister|worker|coordinator|officer|rep|"
    r"representative|counselor|counsellor|advocate|aide|caseworker|paralegal|attorney|lawyer|member|sings|"
    r"choir|brought[ \t]+in|insured|arranged|hired|transported|home[ \t]+health|meals|after-school[ \t]+care|"
    r"midfielder|goalie|pitcher|player|cleans|delivers|drives|"
    # where care goes on (``dialysis at DaVita Lakeside``, ``PT at Athletico``)
    r"dialysis|dialyzes|rehab|PT|OT|infusions?)"
    r"(?:[ \t]+(?:nights|days|weekends|part-time|full-time|rooms|there|now|still|currently|as[ \t]+(?:a|an)[ \t]+"
    r"[a-z-]+(?:[ \t]+[a-z-]+)?))?"
    r"[ \t]+(?:at|for|from|with|by|of|in|through)[ \t]+(?:the[ \t]+)?|"
    r"\b(?:attends|attended|member[ \t]+of|owns|insured[ \t]+by|employed[ \t]+by)[ \t]+(?:the[ \t]+)?|"
    r"(?m:^[ \t]*(?:sports|team|club|gym|daycare|day[ \t]+care|employer|school|church|agency|transport)[ \t]*:[ \t]*)|"
    r"\b(?:transport(?:ation)?|ride|van|pickup)[ \t]+(?:(?:by|via|with|from)[ \t]+)?|"
    # a document header in capitals, a dash, then the organisation (``HOSPICE ADMISSION - Guardian Hospice``)
    r"(?m:^[ \t]*(?-i:[A-Z][A-Z&/]+(?:[ \t]+[A-Z&/]+){0,4})[ \t]+[-–][ \t]+)|"
    r"(?:^|\n)[^\n]{0,40}(?-i:REPORT|RECORD|FORM)[ \t]+)",
    re.IGNORECASE,
)
_NOT_FIRST = frozenset(
    """
    Dr Dr. Mr Mr. Mrs Mrs. Ms Ms. Miss Mx Prof Rev Fr Sr Jr I He She They We You It His Her Their Our My Your
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
    September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Today Tomorrow
    Home Work Church School Mass Christmas Easter Attends Attended Works Worked Lives Lived Member Goes Swims
    Plays Employed Retired Seen Referred Meals Sports Occupation Employer Transport Agency Chaplain Pastor
    Per Via Under Upon During After Before Since Until Following Regarding Re Per. Call Contact Notify Notified
    """.split()
)


def _name_words(run: str) -> list[str]:
    return [w for w in re.split(r"[ \t]+", run) if w[:1].isupper()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop leading heading or sentence words (``The``, ``Admitted``) and a trailing full stop."""
    while True:
        m = re.match(r"([A-Z][\w'’.-]*)[ \t]+(?:(?:the|of|and|&|on|for)[ \t]+)?", text[start:end])
        if not m or (m.group(1) not in NOT_FACILITY_WORDS and m.group(1) not in _NOT_FIRST):
            break
        start += m.end()
    if end > start and text[end - 1] == "." and not re.search(r"\b(?:St|Co|Inc|Corp|Ltd|P\.C)\.$", text[start:end]):
        end -= 1
    return start, end


def _clean(words: list[str]) -> bool:
    """No word clinical; the first word no title, month or weekday."""
    clinical = clinical_words()
    return bool(words) and words[0] not in _NOT_FIRST and not any(fold(w.strip(".")) in clinical for w in words)


def _unknown(words: list[str]) -> bool:
    common = common_words()
    return any(fold(w.strip(".'’")) not in common for w in words if len(w.strip(".")) > 2)


_STORE_NUMBER = re.compile(r"[ \t]+#[ \t]?\d{1,5}\b")
#: A scale or guideline named after a body (``New York Heart Association class III``): clinical, not a place.
_SCALE_AFTER = re.compile(
    r"[ \t]*(?:\([A-Z]{2,6}\)[ \t]*)?(?:class(?:es)?|classifications?|criteria|functional|scales?|scores?|guidelines?|grades?|"
    r"stage|staging|recommendations?|consensus|definition)\b",
    re.IGNORECASE,
)


def _with_tail(text: str, end: int) -> int:
    tail = _TAIL.match(text, end)
    return tail.end() if tail and tail.end() > end else end


def _by_noun(text: str, m: re.Match[str], cues: set[int], out: list[Candidate]) -> None:
    """Runs that end in an organisation noun (any capitalised run) or, after a preposition, a generic noun."""
    words = re.split(r"[ \t]+", m.group())
    after_prep = bool(_PREPOSITION.search(text, max(0, m.start() - 12), m.start()))
    cued = m.start() in cues
    for k in range(len(words), 0, -1):
        noun = words[k - 1]
        if noun in ORG_NOUNS:
            strong = True
        elif noun in GENERIC_NOUNS and (
            after_prep or cued or _STORE_NUMBER.match(text, m.start() + len(" ".join(words[:k])))
        ):
            strong = False
        else:
            continue
        start, _ = _trim(text, m.start(), m.end())
        head = " ".join(words[: k - 1])
        cut = max(head.rfind(" of "), head.rfind(" for "))
        if cut > 0 and k >= 2:  # ``Ana Ruiz of Stanhope Legal Aid Society``: the name starts after ``of``
            start = m.start() + cut + 4 + (head[cut + 1 : cut + 4] == "for")
        end = text.index(words[k - 1], m.start() + len(" ".join(words[: k - 1]))) + len(words[k - 1])
        name = _name_words(text[start:end])[:-1]
        if not name or not _clean(name):
            return
        if strong:
            ok = _unknown(name) or len(name) >= 2 or cued
        else:
            tail = _TAIL.match(text, end)
            if (tail.end() if tail else end) < m.end():
                return  # a generic noun inside a longer name (``Vancouver Injection Drug Users Study``)
            # ``Family Services of Ravenna``: a department's words with a place after them name one body
            # a store number (``Heartland Drug #0442``) names a branch too
            placed = bool(tail and (tail.group("place") or "#" in tail.group()))
            ok = any(fold(w) not in DEPARTMENT_WORDS and len(w) > 2 for w in name) or placed
        if ok and not _SCALE_AFTER.match(text, end):
            out.append(Candidate(start, _with_tail(text, end), "GEO"))
        return


def _by_cue(text: str, m: re.Match[str], cues: set[int], out: list[Candidate]) -> None:
    """A run, or its tail (``EMS REPORT  AirCare 3``), after words that introduce an organisation: two words, or
    one that is no English word."""
    for w in re.finditer(r"\S+", m.group()):
        at = m.start() + w.start()
        if at not in cues:
            continue
        start, end = _trim(text, at, m.end())
        words = _name_words(text[start:end])
        lettered = all(re.fullmatch(r"[A-Z][^\W\d_]+(?:['’-][^\W\d_]+)*\.?|&", w) for w in words)
        named = any(fold(w) not in DEPARTMENT_WORDS for w in words)
        if (
            words
            and lettered
            and named
            and _clean(words)
            and start == at
            and (len(words) >= 2 or (_unknown(words) and len(words[0]) >= 4))
            and not _SCALE_AFTER.match(text, end)
        ):
            out.append(Candidate(start, _with_tail(text, end), "GEO"))
        return


#: Senior-living and residential names of the form ``The <Noun> at/of <Place>`` (``The Terrace at Mill Creek``,
#: ``The Willows of Ashford``): the capitalised article is part of such a name.
_THE_NOUN_AT = re.compile(
    r"(?P<n>\bThe[ \t]+(?:[A-Z][\w'’-]+[ \t]+){0,2}(?:Gardens|Terrace|Residence|Residences|Village|Villas|Manor|"
    r"Commons|Courtyard|Courtyards|Landing|Lodge|Pointe|Estates|Meadows|Heights|Woods|Oaks|Pines|Willows|Springs|"
    r"Arbors|Glen|Harbor|Reserve|Vista|Crossings)[ \t]+(?:at|of|on)[ \t]+[A-Z][\w'’-]+(?:[ \t]+[A-Z][\w'’-]+){0,2})"
)


def org_names(text: str) -> list[Candidate]:
    """Organisations by their noun, by a preposition before a generic noun, and by the words before them.

    A run must start with a word in title case: text in capitals is read through the title-cased view
    (:mod:`kg.privacy._candidates`), which keeps a name there only with a word no list knows.
    """
    out: list[Candidate] = []
    cues = {c.end() for c in _CUE.finditer(text)}
    for m in _CAP_RUN.finditer(text):
        if not any(c.islower() for c in m.group().split()[0]):
            continue
        _by_noun(text, m, cues, out)
        _by_cue(text, m, cues, out)
    out.extend(Candidate(m.start("n"), m.end("n"), "GEO") for m in _THE_NOUN_AT.finditer(text))
    return out
