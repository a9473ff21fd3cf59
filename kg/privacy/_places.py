"""Places smaller than a state: cities and towns, ZIP codes, counties, neighbourhoods, areas.

States and countries are kept. Place names take accents and particles (``Göteborg``, ``Fond du Lac``).
"""

from __future__ import annotations

import itertools
import re

from kg.privacy._base import Candidate
from kg.privacy._lists import clinical_words, common_words, first_names, fold, places

_I = re.IGNORECASE

STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
).split()
STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|"
    "Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|"
    "Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|"
    "North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|"
    "Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|Puerto Rico"
)
#: Traditional state abbreviations (``Lowell, Mass.``, ``Albany, N.Y.``).
STATE_ABBREVIATIONS = (
    r"(?-i:Mass|Calif|Conn|Mich|Minn|Wis|Ill|Ind|Fla|Tenn|Ariz|Colo|Penn|Okla|Nebr|Kans|Ore|Wash|Va|Md|Ga|Ky|La|Ala|"
    r"Miss|Mo|Ark|Nev|Vt|Del)\.|(?-i:N\.Y\.|N\.J\.|N\.H\.|N\.C\.|S\.C\.|N\.M\.|R\.I\.|W\.Va\.|D\.C\.)"
)
STATE = rf"(?:(?-i:{'|'.join(STATES)})|{STATE_NAMES}|{STATE_ABBREVIATIONS})"
#: Countries and regions (kept, never a CITY).
COUNTRIES = frozenset(
    "spain mexico canada england france germany india china japan italy ireland poland nigeria ghana brazil "
    "portugal russia korea vietnam philippines europe africa asia america usa us uk midwest northeast southeast "
    "southwest northwest south north east west caribbean".split()
) | frozenset(("north america", "south america", "central america", "latin america", "united states", "new england"))
#: USPS street suffixes (Publication 28, appendix C1): full words and standard abbreviations. A few
UP = "A-ZÀ-ÖØ-Þ"
LO = "a-zß-öø-ÿ"
PLACE_WORD = rf"(?:[{UP}][{LO}]+(?:['’][{LO}]+)?|[dlDL]['’][{UP}][{LO}]+)"
#: A place name: up to three capitalised words, with ``St.``/``Ste.``/``Fort`` and particles (``Fond du Lac``).
PLACE = (
    rf"(?:(?:St|Ste|Ft|Mt)\.[ \t]+)?{PLACE_WORD}"
    rf"(?:(?:[ \t]+(?:du|de|la|le|des|del|da|di|van|von|sur|St\.|Ste\.))?[ \t-]{PLACE_WORD}){{0,2}}"
)
_CITY_ST_ZIP = re.compile(
    rf"(?P<city>(?-i:{PLACE})),?[ \t]*(?P<st>{STATE})\.?,?[ \t]+(?P<zip>\d{{5}}(?:-\d{{4}})?)\b",
    _I,
)
_CITY_ST = re.compile(
    rf"(?P<city>(?-i:{PLACE}),)[ \t]*(?P<st>(?-i:{'|'.join(STATES)})\b|{STATE_NAMES}\b|{STATE_ABBREVIATIONS})(?!\.\w|\w)"
)
#: State codes that are also credentials after a name (``Roisin Featherstonhaugh, MS``, ``Jo Ng, PA``).
_CREDENTIAL_STATES = frozenset("MD PA MS MA".split())
_TOWN_OF = re.compile(r"\b(?:[Tt]own|[Cc]ity|[Vv]illage|[Bb]orough)[ \t]+of[ \t]+(?P<place>" + PLACE + r")")
FACILITY_IN = re.compile(r"[ \t]+(?:in|of|at)[ \t]+(?P<place>" + PLACE + r")")
FACILITY_COMMA_CITY = re.compile(r",[ \t]*(?P<place>" + PLACE + r")(?=[ \t]*(?:$|[\n.;|)]|,[ \t]*[A-Z]{2}\b))", re.M)
_ZIP_AFTER_STATE = re.compile(rf"\b{STATE}\.?,?[ \t]+(?P<zip>\d{{5}}(?:-\d{{4}})?)\b")
_ZIP_LABEL = re.compile(r"\b(?:zip|zip\s*code|postal\s+code)\W{0,3}(?P<zip>\d{5}(?:-\d{4})?)\b", _I)
_ZIP9 = re.compile(r"(?<![\w-])\d{5}-\d{4}(?![\w-])")
_COMMA_CITY_ZIP = re.compile(r",[ \t]*(?P<city>" + PLACE + r")[ \t]+(?P<zip>\d{5}(?:-\d{4})?)(?![\w-])")
_NOT_CITY_WORDS = frozenset(
    "Group Room Unit Suite Box Bed Floor Account Member Policy Code Lot Batch Phone Fax Pages Ext Extension "
    "Badge Order Claim Case Id Study Visit Encounter Card Plan".split()
)
_PLACE_CTX = re.compile(
    r"\b(?:lives?|living|resides?|residing|moved|relocated|visits?(?:\s+\w+)?|visit(?:ing|ed)|travel(?:s|ed|led|ling)?|drove|"
    r"comes?|came|born|raised|grew\s+up|homeless|stays?|staying|seen|treated|hospitali[sz]ed|admitted|evaluated|"
    r"works?|worked|employed|incarcerated|vacation(?:ing|ed)?|commutes?|return(?:s|ed|ing)?|fl(?:ew|own|ies|y)|"
    r"arriv(?:es?|ed|ing)|transferred|transported|trips?|travel|native|originally|hails?|hailing|emigrated|"
    r"immigrated|fled|deployed|stationed|moving|driving|drives|home|located|based|resident|go(?:es|ing)?|went|"
    r"headed|heading|flying|immigrant|refugee|evacuated|relocating|settled|reside)"
    r"(?:\s+(?:alone|here|there|now|currently|weekly|daily|monthly|often|recently|back|home|in|up|down|over|"
    r"her|him|them|me|us|with\s+\w+|as\s+(?:a|an)(?:\s+(?-i:[a-z][a-z-]*)){1,3}?))?"
    r"\s+(?:in|from|to|at|near|of|outside(?:\s+of)?)\s+(?P<the>the\s+)?"
    # a place word before the name (``lives in rural Hettinger``, ``moved from upstate Oneonta``)
    r"(?:(?:rural|suburban|downtown|uptown|northern|southern|eastern|western|central|upstate|downstate|coastal|"
    r"greater|metro|small-town|nearby)\s+)?"
    r"(?P<place>" + rf"(?-i:{PLACE})" + r")",
    _I,
)
#: More places coordinated with a found one (``family in Natchez and Vicksburg``): gazetteer names only.
_AND_PLACE = re.compile(
    r"(?:[ \t]*,[ \t]*(?:and[ \t]+|or[ \t]+)?|[ \t]+(?:and|or|&)[ \t]+|[ \t]*/[ \t]*)(?P<place>" + PLACE + r")"
)
#: The rest of a firm's name after an ampersand (``Pallet & Crate``, ``Smith & Sons Roofing``).
_AMPERSAND_TAIL = re.compile(r"[ \t]+&[ \t]+[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){0,2}")
#: ``a Brockton resident``, ``Springfield area``: a place before a word that makes it one (checked not English).
_PLACE_BEFORE = re.compile(rf"\b(?P<place>(?-i:{PLACE}))[ \t]+(?:resident|native|area|suburbs)\b")
#: ``visiting her son in Duluth``: a visit or a stay, up to three words, then ``in`` a place.
_VISIT_IN = re.compile(
    r"\b(?:visit(?:s|ed|ing)?|stay(?:s|ed|ing)?(?:\s+with)?|lives\s+with|living\s+with|vacation(?:s|ed|ing)?|"
    r"work(?:s|ed|ing)?|employed|job)"
    r"(?:\s+[a-z']+){1,5}?\s+(?:in|near|outside(?:\s+of)?)\s+(?P<place>" + rf"(?-i:{PLACE})" + r")",
    _I,
)
_PLACE_HEADER = re.compile(
    r"(?im)^[ \t]*(?:city|town|hometown|place\s+of\s+birth|birthplace|county|residence|lives|resides|location)"
    r"[ \t]*:[ \t]*"
    r"(?P<place>[A-Z][A-Za-z]+(?:[ \t-][A-Z][A-Za-z]+){0,2})"
)
_GEO_AREA = re.compile(
    r"\b(?:(?-i:(?:Mc|Mac|O['’])?[A-Z][a-z]+)[ \t]+){1,3}(?-i:County|county|Parish|Township|township|Borough|Twp\.?|"
    r"Reservation|Rancheria|Pueblo|Reserve)\b|"
    r"\b(?:(?-i:[A-Z][a-z]+)[ \t]+){1,3}(?:neighbou?rhood|subdivision|district|estates|village)\b|"
    r"\bWard[ \t]+\d+[A-Z]?\b"
)


#: Capitalised words that start a sentence or a heading rather than a facility's name.
NOT_FACILITY_WORDS = frozenset(
    "The A An This That At To In From Of For And Or With By On Admitted Transferred Discharged Seen Follow "
    "Hospital Clinic Course Day Home General Community University State Regional Memorial Medical Health "
    "Children's Emergency Department Discharge Admission Summary Reason Plan Dialysis Care Nursing "
    "American National International World Federal United Royal European Outpatient Inpatient Pediatric "
    "Adult Acute Chronic Physical Occupational Speech".split()
)
_PREFIXED_PLACE = re.compile(
    rf"\b(?:Fort|Ft\.|Mount|Mt\.|Camp|Port|Cape)[ \t]+{PLACE_WORD}(?:[ \t]+{PLACE_WORD})?"
    r"(?:[ \t]+(?:VA|VAMC|VA[ \t]+Medical[ \t]+Center))?"
)
#: ``in the Fenwick Heights area``, ``area of Duluth``, ``near Dyersville``.
_AREA = re.compile(
    rf"\bthe[ \t]+(?P<a>(?-i:{PLACE}))[ \t]+(?=(?:area|neighbou?rhood|section|district|suburbs?|community|"
    r"projects|region|vicinity)\b)|"
    rf"\b(?:area|outskirts|suburbs?|part|side|outside|north|south|east|west|downtown|city|town|village)[ \t]+of[ \t]+"
    rf"(?P<b>(?-i:{PLACE}))|"
    rf"\b(?:near|outside|just[ \t]+(?:north|south|east|west)[ \t]+of)[ \t]+(?P<c>(?-i:{PLACE}))|"
    rf"\b(?:[MF]|male|female|man|woman|boy|girl|veteran|farmer|resident|native|family|relatives|contact|friends|pt|patient|"
    rf"parents|daughter|son|sister|brother|mother|father|farm|house|apartment|home)[ \t]+(?:from|in)[ \t]+"
    rf"(?P<d>(?-i:{PLACE}))|"
    # ``Son Pieter in Sioux Center``, ``her sister Ana lives in Tromsø``
    rf"\b(?:daughter|son|sister|brother|mother|father|wife|husband|partner|niece|nephew|cousin|aunt|uncle|"
    rf"grandson|granddaughter|friend|neighbou?r)[ \t]+(?-i:[A-Z][a-z]+)[ \t]+(?:(?:lives|living|who[ \t]+lives)[ \t]+)?"
    rf"(?:in|from)[ \t]+(?P<e>(?-i:{PLACE}))|"
    # a chain store's branch (``the Walgreens on Cutler Ridge``)
    rf"\b(?-i:Walgreens|CVS|Rite[ \t]+Aid|Walmart|Target|Costco|Kroger|Safeway|Publix|Wegmans|Meijer|Stop[ \t]*&[ \t]*Shop)"
    rf"(?:[ \t]+pharmacy)?[ \t]+(?:on|in|at|near|off)[ \t]+(?P<f>(?-i:{PLACE}))",
    _I,
)
#: Role words before a name (``Counselor Roisin Featherstonhaugh, MS``): no city name starts with them.
_ROLE_WORDS = frozenset("counselor counsellor contact doctor nurse advocate chaplain therapist officer".split())
_COMMON_PLACE_WORDS = frozenset("the a an he she they his her it this that we i".split())
#: Hospital units and services after ``transferred to`` / ``admitted to`` (``transferred to Recovery``).
_SERVICES = frozenset(
    "recovery orthopedics orthopaedics medicine surgery radiology cardiology neurology oncology pediatrics "
    "icu pacu micu sicu ccu nicu picu rehab rehabilitation triage telemetry obstetrics psychiatry urology".split()
)


def place_ok(name: str) -> bool:
    low = name.lower()
    return (
        len(low) > 2
        and low not in COUNTRIES
        and not re.fullmatch(STATE_NAMES.lower(), low)
        and low not in _COMMON_PLACE_WORDS
        and low not in _SERVICES
    )


def _credential_after_name(city: str, state: str) -> bool:
    """``Perpetua Hollingsworth, PA``: a person's name (a listed given name first) before a credential-like code."""
    words = city.split()
    return (
        state in _CREDENTIAL_STATES
        and len(words) > 1
        and fold(words[0]) in first_names()
        and fold(words[0]) not in common_words()
    ) or (state in _CREDENTIAL_STATES and len(words) > 1 and fold(words[0]) in _ROLE_WORDS)


def _named_place(place: str) -> bool:
    """A place name that is no English or clinical word sequence (``Bronx``, not ``Medicine``)."""
    words = place.split()
    common, clinical = common_words(), clinical_words()
    return (
        place_ok(place)
        and words[0] not in NOT_FACILITY_WORDS
        and not all(fold(w) in common for w in words)
        and not any(fold(w) in clinical for w in words)
    )


def coordinated_places(text: str, end: int) -> list[Candidate]:
    """Gazetteer places joined by ``and``/``or``/comma/slash to a place just found, up to three."""
    out: list[Candidate] = []
    for _ in range(3):
        m = _AND_PLACE.match(text, end)
        if not m or fold(m.group("place")) not in places() or not place_ok(m.group("place")):
            break
        out.append(Candidate(m.start("place"), m.end("place"), "CITY"))
        end = m.end()
    return out


def cities(text: str) -> list[Candidate]:
    """Cities and ZIP codes: ``City, ST 12345``, ``City, State``, after a ZIP label or a place verb, ``Town of X``."""
    out: list[Candidate] = []
    for m in _CITY_ST_ZIP.finditer(text):
        if place_ok(m.group("city")):
            out.append(Candidate(m.start("city"), m.end("city"), "CITY"))
        out.append(Candidate(m.start("zip"), m.end("zip"), "ZIP"))
    for m in _CITY_ST.finditer(text):
        city = m.group("city").rstrip(",")
        if place_ok(city) and not _credential_after_name(city, m.group("st")):
            out.append(Candidate(m.start("city"), m.start("city") + len(city), "CITY"))
    for pattern in (_ZIP_AFTER_STATE, _ZIP_LABEL):
        for m in pattern.finditer(text):
            out.append(Candidate(m.start("zip"), m.end("zip"), "ZIP"))
    for m in _COMMA_CITY_ZIP.finditer(text):
        if m.group("city").split()[0] not in _NOT_CITY_WORDS and place_ok(m.group("city")):
            out.append(Candidate(m.start("city"), m.end("city"), "CITY"))
            out.append(Candidate(m.start("zip"), m.end("zip"), "ZIP"))
    for m in _ZIP9.finditer(text):
        out.append(Candidate(m.start(), m.end(), "ZIP"))
    for m in itertools.chain(_PLACE_CTX.finditer(text), _VISIT_IN.finditer(text)):
        place = m.group("place")
        if text[m.end("place") : m.end("place") + 1] == "-":
            continue
        if m.groupdict().get("the") and not _named_place(place):
            continue  # ``admitted to the Medicine service``: after ``the``, a name must hold a word no English word
        if place_ok(place) and place.split()[0] not in NOT_FACILITY_WORDS:
            tail = _AMPERSAND_TAIL.match(text, m.end("place"))  # ``works at Auglaize Pallet & Crate``
            out.append(Candidate(m.start("place"), tail.end() if tail else m.end("place"), "CITY"))
            out.extend(coordinated_places(text, m.end("place")))
            more = FACILITY_IN.match(text, m.end("place"))  # ``works at Costco in Issaquah``
            if more and place_ok(more["place"]):
                out.append(Candidate(more.start("place"), more.end("place"), "CITY"))
            z = re.compile(r",?[ \t]*(?P<zip>\d{5}(?:-\d{4})?)\b").match(text, m.end("place"))
            if z:
                out.append(Candidate(z.start("zip"), z.end("zip"), "ZIP"))
    for m in _TOWN_OF.finditer(text):
        out.append(Candidate(m.start("place"), m.end("place"), "CITY"))
    for m in _PLACE_HEADER.finditer(text):
        if place_ok(m.group("place")):
            out.append(Candidate(m.start("place"), m.end("place"), "CITY"))
    for m in _PLACE_BEFORE.finditer(text):
        if _named_place(m.group("place")) and not text[max(0, m.start() - 4) : m.start()].lower().endswith("the "):
            out.append(Candidate(m.start("place"), m.end("place"), "CITY"))
    return out


def areas(text: str) -> list[Candidate]:
    """Counties, townships, neighbourhoods, ``Fort X`` places, ``the X area``, ``near X``, ``F from X``."""
    out: list[Candidate] = []
    for m in _GEO_AREA.finditer(text):
        start = m.start()
        words = m.group().split()
        while len(words) > 1 and words[0] in NOT_FACILITY_WORDS:
            start = text.index(words[1], start + len(words[0]))
            words = words[1:]
        if len(words) > 1 or words[0][:1].isupper():  # ``The county health department`` names no county
            out.append(Candidate(start, m.end(), "GEO"))
    clinical = clinical_words()
    for m in _PREFIXED_PLACE.finditer(text):
        out.append(Candidate(m.start(), m.end(), "GEO"))
    for m in _AREA.finditer(text):
        g = next(k for k in "abcdef" if m.group(k))
        words = m.group(g).split()
        if (
            place_ok(m.group(g))
            and words[0] not in NOT_FACILITY_WORDS
            and not m.group(g).endswith(("'s", "’s"))  # an eponym (``area of Bowman's capsule``)
            and not any(fold(w) in clinical for w in words)
        ):
            out.append(Candidate(m.start(g), m.end(g), "CITY"))
    return out
