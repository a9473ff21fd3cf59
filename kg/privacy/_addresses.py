"""Street addresses, PO boxes, and the city, state and postal code that follow a street."""

from __future__ import annotations

import re

from kg.privacy._base import UNIT_AFTER, Candidate
from kg.privacy._lists import common_words, fold
from kg.privacy._places import COUNTRIES, LO, PLACE, PLACE_WORD, STATE, STATES, UP, place_ok

_I = re.IGNORECASE

#: that are also everyday words before a number (``is``, ``ext``, ``center``) are left out.
_SUFFIX_WORDS = """
    alley aly allee anex anx arcade arc avenue ave av bayou byu beach bch bend bnd bluff blf bluffs blfs bottom btm
    boulevard blvd branch br bridge brg brook brk brooks burg bg burgs bypass byp canyon cyn cape cpe causeway cswy
    circle cir circles cirs cliff clf cliffs clfs commons cmns corner cor corners cors cove cv coves creek crk
    crescent cres crest crst crossing xing crossroad xrd curve curv dale dl divide dv drive dr drives drs estate est
    estates ests expressway expy extension exts falls fls ferry fry field fld fields flds flat flt flats flts ford
    frd forest frst forge frg fork frk forks frks freeway fwy garden gdn gardens gdns gateway gtwy glen gln glens
    green grn greens grns grove grv groves grvs harbor hbr harbors haven hvn heights hts highway hwy hill hl hills
    hls hollow holw inlet inlt island isle junction jct knoll knl knolls knls lake lk lakes lks landing lndg lane
    ln loop manor mnr manors meadow mdw meadows mdws mews mill ml mills mls motorway mtwy orchard orch oval overpass
    opas park parks parkway pkwy pike pikes pines pnes place pl plain pln plains plns plaza plz point pt points pts
    port prt ports prts prairie ranch rnch rapids rpds ridge rdg ridges rdgs river riv road rd roads rds route rte
    row rue run shoal shl shoals shore shr shores shrs skyway skwy spring spg springs spgs spur square sq squares
    sqs station sta street st streets sts summit smt terrace ter terr trace trce track trak trafficway trfy trail
    trl trails turnpike tpke underpass upas valley vly valleys vlys viaduct via view vw views vws village vlg
    villages vlgs ville vl vista vis walk walks way ways wynd close path crossing commons mall passage pass
    court ct courts cts crt concourse promenade esplanade quay wharf parade pde rise chase croft
"""
_SUFFIX = "(?:" + "|".join(sorted(set(_SUFFIX_WORDS.split()), key=len, reverse=True)) + ")"
_DIRECTIONAL = r"(?:[NS][EW]?|[EW]|(?i:north(?:east|west)?|south(?:east|west)?|east|west))"
_CAPWORD = r"(?:[A-Z][A-Za-z'-]{0,30}\.?|\d{1,3}(?:st|nd|rd|th))"
_UNIT = (
    r"(?i:,?[ \t]*(?:apt|apartment|unit|suite|ste|bldg|building|floor|fl|rm|room|lot|space|spc|trailer|trlr|flat|lgh|"
    r"dept|#)\.?[ \t]*#?[ \t]*(?=[A-Za-z-]*\d|[A-Z]\b)[A-Za-z0-9-]+|"
    # an ordinal floor after the street (``88 Pine St, 5th Floor``)
    r",?[ \t]*\d{1,3}(?:st|nd|rd|th)[ \t]+(?:floor|fl)\b\.?)"
)
_STREET = re.compile(
    rf"(?<![\w.,/-])(?:(?:No\.|Blk\.?[ \t]*\d{{1,4}}[ \t]+Lot)[ \t]*)?"
    # a house number, or a grid address (``W156N8480 Pilgrim Rd``, ``N6204 ...``, Wisconsin and Utah style)
    rf"(?:(?-i:[NSEW])\d{{1,6}}(?:(?-i:[NSEW])\d{{1,6}})?|\d{{1,6}})(?:-?[A-Za-z]|[ \t]+1/2)?(?:[ \t]+{_DIRECTIONAL}\.?)?(?:[ \t]+{_CAPWORD}){{1,4}}"
    rf"[ \t]+(?i:{_SUFFIX})\b\.?(?:[ \t]+{_DIRECTIONAL}\b\.?)?{_UNIT}?",
)
_STREET_ON = re.compile(
    rf"\b(?:lives|living|resides|residing|located|house|home|apartment)[ \t]+on[ \t]+(?P<st>(?:(?-i:{_CAPWORD})[ \t]+){{1,3}}"
    rf"(?i:{_SUFFIX})\b\.?)",
    _I,
)
_PO_BOX = re.compile(r"\b(?:P\.?[ \t]?O\.?|post[ \t]+office)[ \t]*box[ \t]+#?\d+\b", _I)
_AFTER_ADDRESS = re.compile(
    rf",?[ \t]*(?P<city>(?-i:{PLACE}))(?:,?[ \t]*{STATE}\b\.?)?(?:,?[ \t]*(?P<zip>\d{{5}}(?:-\d{{4}})?)\b)?"
)
_UNIT_WORDS = frozenset("apt apartment unit suite ste bldg building floor fl rm room".split())


# --- addresses beyond ``number + words + suffix`` -------------------------------------------------

_UNIT_WORD = r"(?:apt|apartment|unit|suite|ste|flat|lot|space|spc|rm|room|bldg|building|lgh|trailer|trlr)"
#: A unit written before the street (``Unit 3, 47 Wexford Terrace``, ``Lot 14, Shady Acres ..., 2750 KY-40``).
_UNIT_BEFORE = re.compile(
    rf"\b{_UNIT_WORD}\.?[ \t]*#?[ \t]*[A-Za-z0-9-]*\d[A-Za-z0-9-]*,?[ \t]+"
    r"(?:(?:[A-Z][\w'&.-]*[ \t]+){1,5}[A-Z][\w'&.-]*,[ \t]+)?$",
    _I,
)
#: Streets whose type comes first (``15 Rue des Lilas``, ``1602 1/2 Calle Luna``).
_STREET_TYPE_FIRST = re.compile(
    r"(?<![\w.,/-])\d{1,6}[A-Za-z]?(?:[ \t]+1/2)?[ \t]+(?:Rue|Calle|Avenida|Av\.|Avda\.?|Via|Viale|Camino|Carrera|"
    r"Rua|Strada|Chemin|Calzada|Paseo|Boulevard|Place|Plaza|Jalan|Jl\.)[ \t]+"
    r"(?:(?:de|del|la|las|los|des|du|le|les|di|da|do|dos|das|von)[ \t]+)*"
    rf"{PLACE_WORD}(?:[ \t]+{PLACE_WORD}){{0,2}}"
)
#: Numbered roads (``Route 9W``, ``County Rd 12``, ``2750 KY-40``, ``N6240 County Road KK``, ``I-95``).
_ROUTE = re.compile(
    r"(?<![\w.,/-])(?:(?P<house>[NSEW]?\d{1,6}[A-Za-z]?)[ \t]+)?"
    r"(?:(?:(?:State|County|US|U\.S\.|Interstate|Farm[ \t]+to[ \t]+Market|Ranch[ \t]+to[ \t]+Market|Old)[ \t]+)?"
    r"(?:Route|Rte\.?|Road|Rd\.?|Highway|Hwy\.?|Interstate|Trunk|FM|CR|SR|RM)[ \t]+"
    r"(?P<num>\d{1,4}[A-Z]?\b|[A-Z][A-Za-z]?\b(?![ \t]*[a-z]))|"
    rf"(?:{'|'.join(STATES)}|US|I)-\d{{1,4}}[A-Z]?\b)"
    # a direction after the road's number (``2250 Highway 61 South``)
    r"(?:[ \t]+(?:North|South|East|West|N|S|E|W)\b(?![ \t]*[a-z]))?"
)
#: A dose after a numbered ``SR``/``CR`` road: a drug's release form (``SR 20 mg``, ``SR 10,000 units``).
_DOSE_AFTER = re.compile(r"(?:,\d{3})*[ \t]?(?:mg|mcg|g|ml|units?|iu|meq)\b", _I)
_ROAD_CUE = re.compile(r"\b(?:on|off|along|via|onto|take|took|exit)[ \t]+$", _I)
_RURAL_ROUTE = re.compile(
    r"\b(?:RR|R\.R\.|Rural[ \t]+Route|Route|Rte\.?|RT|HC|H\.C\.|Star[ \t]+Route|PSC|CMR|Unit)[ \t]*#?\d+,?[ \t]*"
    r"(?:Box|Bx)[ \t]*#?\d+\b",
    _I,
)
#: Streets named with a suffix word, European style (``Vasagatan 12``, ``Hauptstraße 5``).
_STREET_EU = re.compile(
    rf"\b[{UP}][{LO}]+(?:straße|strasse|str\.|gatan|gata|vägen|gade|vej|veien|weg|laan|straat|gasse|platz|"
    r"plein|allee|dijk|ring|katu|tie|kuja)[ \t]+\d{1,5}[a-z]?(?:/\d{1,4}|[ \t]+[A-H][ \t]+\d{1,3}\b)?\b|"
    rf"\b[{UP}][{LO}]+[ \t]+(?:Straße|Strasse|Gasse|Weg|Allee|Platz|Gade|Gatan|Vej)[ \t]+\d{{1,5}}[a-z]?(?:/\d{{1,4}})?\b"
)
_STRONG_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Highway|Hwy|Parkway|Pkwy|Place|Pl|"
    r"Court|Ct|Terrace|Way|Circle|Cir|Pike|Turnpike)"
)
#: A corner (``West 2nd Street & Lafayette``) or a street after ``on``/``off`` (``off Old Mill Road``).
_INTERSECTION = re.compile(
    rf"\b(?:{_DIRECTIONAL}\.?[ \t]+)?(?:{_CAPWORD}[ \t]+){{1,3}}{_STRONG_SUFFIX}\b\.?[ \t]*(?:&|and|at|/)[ \t]*"
    rf"(?:{_DIRECTIONAL}\.?[ \t]+)?{_CAPWORD}(?:[ \t]+{_CAPWORD}){{0,2}}"
)
_ON_STREET = re.compile(
    rf"\b(?:on|off|along|onto|at|cross[ \t]+(?:st|street|streets?)\.?|corner[ \t]+of)[ \t]+(?P<st>(?:{_DIRECTIONAL}\.?[ \t]+)?(?:{_CAPWORD}[ \t]+){{1,3}}{_STRONG_SUFFIX}\b\.?)"
)
#: A typed street in lower case after ``on``/``off``/``along`` (``pharmacy on maple rd``, ``kroger off lincoln hwy``):
#: one or two words and a suffix that names a road; articles, pronouns and ``same``/``this`` words are no street.
_ON_STREET_LOWER = re.compile(
    r"\b(?:on|off|along)[ \t]+(?P<st>[a-z][a-z'-]+(?:[ \t]+[a-z][a-z'-]+)?[ \t]+"
    r"(?:rd|hwy|ave|blvd|pkwy|road|highway|avenue|boulevard|parkway|street|lane))\b(?![-/])"
)
_NOT_STREET_WORDS = frozenset(
    "the a an this that same his her their my our your its one main wrong right left open dirt back gravel side "
    "country bumpy icy wet long".split()
)
#: ``apt 12, 309 w. benton ave``: a street in any case, after a word that introduces an address.
_ADDRESS_CUE = re.compile(
    r"\b(?:address|lives?[ \t]+at|living[ \t]+at|moved[ \t]+to|mail(?:ed)?[ \t]+to|home|residence|resides[ \t]+at|"
    r"staying[ \t]+at|located[ \t]+at)\b",
    _I,
)
_STREET_ANYCASE = re.compile(
    r"(?<![\w.,/-])\d{1,6}[a-z]?(?:[ \t]+(?:[nsew]|north|south|east|west)\.?)?"
    r"(?:[ \t]+[a-z][a-z'-]+|[ \t]+\d{1,3}(?:st|nd|rd|th)){1,3}"
    r"[ \t]+(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|place|pl|terrace|ter|circle|"
    r"cir|parkway|pkwy|highway|hwy|way)\b\.?",
    _I,
)
#: Postal codes by shape: US ZIP/ZIP+4, Canada, UK, Ireland (Eircode), ``411 24``, four to six digits.
_POSTAL = (
    r"(?:\d{5}(?:-\d{4})?|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}|"
    r"[AC-FHKNPRTV-Y]\d[\dW][ \t]?[0-9AC-FHKNPRTV-Y]{4}|\d{3}[ \t]\d{2}|\d{4,6})"
)
_TAIL_SEP = re.compile(r"[ \t]*[,|][ \t]*|[ \t]+|[ \t]*\n[ \t]*(?=\S)")
_TAIL_POSTAL = re.compile(rf"(?-i:{_POSTAL})(?![\w-])")
_TAIL_STATE = re.compile(rf"(?:{STATE})\b\.?")
_TAIL_CITY = re.compile(rf"(?-i:{PLACE})|(?-i:[A-Z]{{2,}}(?:[ \t]+[A-Z]{{2,}}){{0,3}})(?=[ \t]+[A-Z]{{2}}[ \t]+\d)")
_STATE_OR_POSTAL_NEXT = re.compile(rf"[ \t]*,?[ \t]*(?:(?-i:{'|'.join(STATES)})\b|(?-i:{_POSTAL})(?![\w-]))")
_TAIL_LOWER_CITY = re.compile(r"[a-z]+(?:[ \t][a-z]+)?(?=[ \t,]+\d{5}\b)")
#: ``32 elm st in salem.``: the town after a street and ``in``, any case, ending the clause.
_IN_TOWN = re.compile(r"[ \t]+in[ \t]+(?P<c>[A-Za-z][a-z]+(?:[ \t][A-Za-z][a-z]+)?)(?=[ \t]*(?:[.,;\n]|$))")


def _address_tail(text: str, end: int) -> list[Candidate]:
    """City, state, postal code after a street, in any order, up to five parts on the same or the next line."""
    out: list[Candidate] = []
    town = _IN_TOWN.match(text, end)
    if town and place_ok(town["c"]) and not all(fold(w) in common_words() for w in town["c"].split()):
        return [Candidate(town.start("c"), town.end("c"), "CITY")]
    pos, newlines = end, 0
    for _ in range(5):
        sep = _TAIL_SEP.match(text, pos)
        if not sep:
            break
        newlines += sep.group().count("\n")
        if newlines > 1:
            break
        at = sep.end()
        m = _TAIL_POSTAL.match(text, at)
        if m and not UNIT_AFTER.match(text, m.end()):
            out.append(Candidate(m.start(), m.end(), "ZIP"))
            pos = m.end()
            continue
        m = _TAIL_STATE.match(text, at)
        if m and (m.end() == len(text) or not text[m.end()].isalpha()):
            pos = m.end()
            continue
        m = _TAIL_CITY.match(text, at) or _TAIL_LOWER_CITY.match(text, at)
        if newlines and m and not _STATE_OR_POSTAL_NEXT.match(text, m.end()):
            break  # on the next line only a ``City, ST 12345`` line continues the address
        if m and place_ok(m.group()) and m.group().split()[0].lower() not in _UNIT_WORDS:
            if m.group().lower() in COUNTRIES:
                break
            out.append(Candidate(m.start(), m.end(), "CITY"))
            pos = m.end()
            continue
        break
    return out


_UNIT_RE = re.compile(_UNIT)


def addresses(text: str) -> list[Candidate]:
    """Street addresses in the shapes :data:`_STREET` leaves out, units before them, and what follows them."""
    out: list[Candidate] = []
    streets: list[tuple[int, int]] = []
    for pattern in (_STREET_TYPE_FIRST, _RURAL_ROUTE, _STREET_EU, _INTERSECTION):
        streets.extend((m.start(), m.end()) for m in pattern.finditer(text))
    for m in _ROUTE.finditer(text):
        if m.group("num") and not m.group("house") and not m.group("num")[0].isdigit():
            continue  # ``Road KK`` needs a house number
        if (
            not m.group("num")
            and not m.group("house")
            and not _ROAD_CUE.search(text, max(0, m.start() - 12), m.start())
        ):
            continue  # ``KY-40`` alone is as likely a compound code (``MK-801``, ``IL-6``)
        if m.group("num") and not m.group("house") and _DOSE_AFTER.match(text, m.end()):
            continue  # ``oxycodone SR 20 mg``, ``Epoetin SR 10,000 units``: a release form and a dose
        streets.append((m.start(), m.end()))
    streets.extend((m.start("st"), m.end("st")) for m in _ON_STREET.finditer(text))
    streets.extend(
        (m.start("st"), m.end("st"))
        for m in _ON_STREET_LOWER.finditer(text)
        if not _NOT_STREET_WORDS.intersection(m.group("st").split()[:-1])
    )
    for m in _STREET_ANYCASE.finditer(text):
        if _ADDRESS_CUE.search(text, max(0, m.start() - 60), m.start()) and not UNIT_AFTER.match(text, m.start()):
            streets.append((m.start(), m.end()))
    streets.extend((m.start(), m.end()) for m in _STREET.finditer(text))
    for start, end in streets:
        before = _UNIT_BEFORE.search(text, max(0, start - 80), start)
        unit = _UNIT_RE.match(text, end)
        if unit:
            end = unit.end()
        out.append(Candidate(before.start() if before else start, end, "STREET"))
        out.extend(_address_tail(text, end))
    return out


def streets(text: str) -> list[Candidate]:
    """``88 Harborview Drive, Apt 4C``, ``lives on Elm Street``, PO boxes, and the city and ZIP after them."""
    out: list[Candidate] = []
    address_ends: list[int] = []
    for m in _STREET.finditer(text):
        out.append(Candidate(m.start(), m.end(), "STREET"))
        address_ends.append(m.end())
    for m in _STREET_ON.finditer(text):
        out.append(Candidate(m.start("st"), m.end("st"), "STREET"))
    for m in _PO_BOX.finditer(text):
        out.append(Candidate(m.start(), m.end(), "STREET"))
        address_ends.append(m.end())
    for end in address_ends:
        after = _AFTER_ADDRESS.match(text, end)
        if after and place_ok(after["city"]) and after["city"].split()[0].lower() not in _UNIT_WORDS:
            out.append(Candidate(after.start("city"), after.end("city"), "CITY"))
            if after["zip"]:
                out.append(Candidate(after.start("zip"), after.end("zip"), "ZIP"))
    return out
