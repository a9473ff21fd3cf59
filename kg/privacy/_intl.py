"""Dates and postal codes outside US English: month and weekday names of several languages, Roman months,
postcode shapes of common countries, and the town written beside a postcode.

Dates are built from components (day, optional ``.``/``º``/ordinal, optional ``de``/``di``, a month
name of one of twelve languages, optional year, an optional weekday before); postal codes by the
shapes of the UK, Canada, Ireland and the Netherlands alone, and four to six digits (``80331``,
``80-831``, ``24230-031``) only beside a town at the start of an address line or after a comma.
"""

from __future__ import annotations

import re

from kg.privacy._base import YEAR, Candidate
from kg.privacy._lists import clinical_words, common_words, fold
from kg.privacy._places import COUNTRIES, STATE

_I = re.IGNORECASE
#: Month names (full and usual abbreviations) of es, fr, de, it, pt, nl, the Nordic languages, pl, cy.
_MONTHS = (
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre "
    "ene feb abr sept dic "
    "janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre decembre "
    "janv févr fevr avr juil déc "
    "januar jänner februar märz maerz april mai juni juli august september oktober november dezember "
    "mär okt dez "
    "gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre giu lug ott "
    "janeiro fevereiro março marco maio junho julho setembro outubro dezembro fev "
    "januari februari maart mei augustus okt "
    "mars desember maj augusti "
    "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września wrzesnia października pazdziernika "
    "listopada grudnia "
    "ionawr chwefror mawrth ebrill mehefin gorffennaf awst medi hydref tachwedd rhagfyr"
)
_MONTH_X = "(?:" + "|".join(sorted(set(_MONTHS.split()), key=len, reverse=True)) + ")"
_WEEKDAY_X = (
    r"(?:lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo|lundi|mardi|mercredi|jeudi|"
    r"vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lunedì|martedì|"
    r"mercoledì|giovedì|venerdì|sabato|segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira|"
    r"maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|mandag|tirsdag|onsdag|torsdag|fredag|lørdag|"
    r"søndag|poniedziałek|wtorek|środa|czwartek|piątek|sobota|niedziela)"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
#: a weekday (any language above) just before a date joins its span (``lundi 2 décembre``)
_WEEKDAY_BEFORE = re.compile(rf"\b{_WEEKDAY_X},?[ \t]+$", re.IGNORECASE)
_ROMAN = r"(?:XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)"
_DATES = (
    # 11 de marzo de 2024, 3. Januar 2025, le 5 juin, 12 maggio 2025, lundi 2 décembre 2024, 1er mai
    re.compile(
        rf"(?<![\w.])(?:{_DAY}(?:\.|º|°|er|e)?|1(?:st|er))[ \t]+(?:de[ \t]+|di[ \t]+)?"
        rf"{_MONTH_X}\b(?:\.(?=[ \t]*\d))?(?:,?[ \t]+(?:de[ \t]+)?{YEAR}\b(?:[ \t]+r\.)?)?",
        _I,
    ),
    # marzo de 2024, Januar 2025 (month and year)
    re.compile(rf"\b(?=[^\W\d_]{{3,11}}\.?[ \t]+(?:de[ \t]+)?\d{{4}}\b){_MONTH_X}[ \t]+(?:de[ \t]+)?{YEAR}\b", _I),
    # 11-III-2025, 11.III.2025 (Roman month)
    re.compile(rf"(?<![\w.-]){_DAY}([-./]){_ROMAN}\1(?:{YEAR}|\d{{2}})(?![\w-])"),
    # 14.2. (German day and month without a year), 15.03.2025 r. (Polish)
    re.compile(
        rf"\b(?=[a-zå]{{2,4}}[ \t]\d)(?:am|vom|bis|seit|ab|den|zum|le|el|il|op|på|dnia|dia)[ \t](?P<d>{_DAY}\.(?:0?[1-9]|1[0-2])\.)(?!\w|\.\d)",
        _I,
    ),
    re.compile(rf"(?<![\w.]){_DAY}\.(?:0?[1-9]|1[0-2])\.{YEAR}[ \t]+r\."),
    # 11Mar25, 3jan2024 (compact, any case)
    re.compile(
        rf"(?<![\w/.-]){_DAY}(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:{YEAR}|\d{{2}})(?![\w/-])", _I
    ),
    # 2025.01.20 handled by the ISO pattern; 17h40, 02/03/2025 (French clock time before a date)
    re.compile(r"(?<![\w.])(?:[01]?\d|2[0-3])h[0-5]\d(?=,?[ \t]+\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})"),
)

# --- postal codes -------------------------------------------------------------------------------

UP = "A-ZÀ-ÖØ-ÞĄĆĘŁŃÓŚŹŻ"
LO = "a-zß-öø-ÿąćęłńóśźż"
_TOWN = rf"[{UP}][{LO}]+(?:[ -](?:de|do|da|del|di|am|an|upon|la|le|sur)?[ -]?[{UP}][{LO}]+){{0,2}}"
_SHAPED = re.compile(
    r"(?<![\w-])(?:[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}|[ABCEGHJ-NPRSTVXY]\d[A-Z][ \t]?\d[A-Z]\d|"
    r"[AC-FHKNPRTV-Y]\d[\dW][ \t](?=[0-9A-Z]{0,3}\d)(?=[0-9A-Z]{0,3}[A-Z])[0-9AC-FHKNPRTV-Y]{4})(?![\w-])"
)
#: ``80331 München``, ``1016 HK Amsterdam``, ``80-831 Gdańsk``, ``24230-031``: at a line start or after a comma
_CODE_TOWN = re.compile(
    rf"(?:^|(?<=[,\n])|(?<=,[ \t]))[ \t]*(?P<zip>\d{{4,6}}(?:[ \t][A-Z]{{2}})?|\d{{2}}-\d{{3}}|\d{{5}}-\d{{3}})"
    rf"[ \t]+(?P<town>{_TOWN})",
    re.MULTILINE,
)
#: ``Parramatta NSW 2150``, ``Rotorua 3010.``, ``Bengaluru 560041``: a town and a code after a comma
_TOWN_CODE = re.compile(
    rf"(?:(?<=,)|(?<=,[ \t])|(?<=\n))[ \t]*(?P<town>{_TOWN})(?:,?[ \t]+(?:NSW|VIC|QLD|SA|WA|TAS|ACT|NT))?"
    rf",?[ \t]+(?P<zip>\d{{4,6}})(?=[ \t]*(?:[.,;)\n]|$))",
)
#: a label naming a postal code (``CEP``, ``PLZ``, ``postcode``, ``Eircode``, ``PIN``)
_CODE_LABEL = re.compile(
    r"\b(?:CEP|PLZ|CP|C\.P\.|postcode|post\s+code|code\s+postal|eircode|pin\s*code|PIN)\W{0,3}"
    r"(?P<zip>\d{4,6}(?:-\d{3})?|[A-Z0-9]{3}[ \t][A-Z0-9]{3,4})\b"
)


_NOT_TOWNS = frozenset(
    "tel tél fax phone mob mobile cell ph patient pt dr mr mrs ms room rm bed ward unit suite apt floor box "
    "page vol table figure fig group grade type stage level step cycle day week month year units".split()
)


_STATE_RE = re.compile(STATE, re.IGNORECASE)


def _town_ok(town: str, after_code: bool) -> bool:
    """A town beside a postal code: no clinical word; before a code, not only common words either.

    The word lists hold many place names among their common words (``gdansk``), so a town after a code
    (the stronger shape) needs no more than that.
    """
    if _STATE_RE.fullmatch(town) or fold(town) in COUNTRIES:
        return False
    words = [fold(w) for w in re.findall(r"[^\W\d_]+", town)]
    if not words or any(w in clinical_words() or w in _NOT_TOWNS for w in words):
        return False
    return after_code or not all(w in common_words() for w in words)


def intl_dates(text: str) -> list[Candidate]:
    """Dates written in other languages and orders (``11 de marzo de 2024``, ``3. Januar``, ``11-III-2025``)."""
    out = []
    for p in _DATES:
        for m in p.finditer(text):
            start, end = m.span("d" if "d" in p.groupindex else 0)
            day = _WEEKDAY_BEFORE.search(text, max(0, start - 20), start)
            out.append(Candidate(day.start() if day else start, end, "DATE"))
    return out


def postal_codes(text: str) -> list[Candidate]:
    """Postcodes of common countries, and the town beside a numeric code at the start of an address part."""
    out = [Candidate(m.start(), m.end(), "ZIP") for m in _SHAPED.finditer(text)]
    out += [Candidate(m.start("zip"), m.end("zip"), "ZIP") for m in _CODE_LABEL.finditer(text)]
    for pattern in (_CODE_TOWN, _TOWN_CODE):
        for m in pattern.finditer(text):
            strong = pattern is _CODE_TOWN and not re.fullmatch(YEAR, m["zip"])  # ``, 2025 Discharge``
            if _town_ok(m["town"], strong):
                out.append(Candidate(m.start("zip"), m.end("zip"), "ZIP"))
                out.append(Candidate(m.start("town"), m.end("town"), "CITY"))
    return out


# --- streets ------------------------------------------------------------------------------------

_TYPE = (
    r"(?:rue|avenue|calle|carrer|avenida|av\.|avda\.?|via|viale|corso|piazza|vicolo|rua|travessa|largo|strada|chemin|"
    r"allée|allee|impasse|quai|cours|place|plaza|paseo|camino|calzada|ulica|ul\.|al\.|aleja|c/)"
)
_PARTICLE = r"(?:de|del|dei|della|delle|degli|la|las|los|des|du|le|les|di|da|do|dos|das|von|y)"
_NAME_WORD = rf"[{UP}][{LO}]+(?:-[{UP}][{LO}]+)*"
_NAMED = rf"(?:{_PARTICLE}[ \t]+)*{_NAME_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)*{_NAME_WORD}){{0,2}}"
_FOREIGN_STREETS = (
    # 1420 rue Saint-Denis, 14 allée des Tilleuls (number, type in any case, name)
    re.compile(rf"(?<![\w.,/-])\d{{1,5}}[A-Za-z]?,?[ \t]+(?i:{_TYPE})[ \t]*{_NAMED}"),
    # Via dei Coronari 118, Rua das Laranjeiras 220, Av. Insurgentes Sur 1602, ul. Długa 17/4, C/ Olivar 23
    re.compile(rf"\b(?i:{_TYPE})[ \t]*{_NAMED}[ \t]+\d{{1,5}}(?:[A-Za-z]\b|/\d{{1,4}}|-[IVX]+\b)?(?![\w.,]\d)"),
    # Prinsengracht 412-III, Storgata 31B (a compound ending in a street word)
    re.compile(
        rf"\b[{UP}][{LO}]+(?:gracht|kade|singel|steeg|markt|gate|gata|gatan|vegen|veien|gade|vej|straat|laan|weg|plein|"
        r"straße|strasse|gasse|platz|allee|ring|dijk)[ \t]+\d{1,5}[A-Za-z]?(?:-[IVX]+|-\d{1,3})?\b"
    ),
)


def foreign_streets(text: str) -> list[Candidate]:
    """Streets written the way of other countries: type first, number after, compounds ending in a street word."""
    return [Candidate(m.start(), m.end(), "STREET") for p in _FOREIGN_STREETS for m in p.finditer(text)]


# --- places after a preposition -----------------------------------------------------------------

_PREP_PLACE = re.compile(
    rf"\b(?:in|from|to|via|near|outside|around|visiting|then|toward|towards|through|reside[sd]?\s+in|lives\s+in)"
    rf"[ \t]+(?P<p>[{UP}][{LO}]{{2,}}(?:[ \t][{UP}][{LO}]{{2,}})?)\b(?![-'’])"
)
_NOT_PLACES = frozenset(
    "january february march april may june july august september october november december monday tuesday "
    "wednesday thursday friday saturday sunday christmas easter "
    # countries and regions beyond the common-word list (kept: larger than a state)
    "afghanistan albania algeria argentina armenia australia austria azerbaijan bangladesh belarus belgium "
    "bolivia bosnia botswana bulgaria cambodia cameroon chile colombia croatia cuba cyprus czechia denmark "
    "ecuador egypt estonia ethiopia finland georgia greece guatemala haiti honduras hungary iceland indonesia "
    "iran iraq israel jamaica jordan kazakhstan kenya kuwait laos latvia lebanon libya lithuania luxembourg "
    "malawi malaysia mali malta mongolia morocco mozambique myanmar namibia nepal netherlands nicaragua norway "
    "oman pakistan panama paraguay peru qatar romania rwanda scotland senegal serbia singapore slovakia "
    "slovenia somalia sudan sweden switzerland syria taiwan tanzania thailand tunisia turkey uganda ukraine "
    "uruguay uzbekistan venezuela wales yemen zambia zimbabwe".split()
)
#: after a place the next word is a function word, punctuation or nothing; a noun makes a phrase
#: (``Morris water maze``, ``Fischer 344 rats``)
_AFTER_PLACE = re.compile(
    r"[ 	]*(?:$|[.,;:)\n]|(?:in|on|at|for|with|and|or|since|to|from|by|until|when|where|last|this|next|"
    r"today|yesterday|before|after|during|for|via|then|area|region|city|town|\()\b)"
)


def travel_places(text: str) -> list[Candidate]:
    """``via Doha``, ``in Blacktown``: a title-case word after a place preposition that no word list knows.

    Every word must be unknown to the common-word and clinical lists (which hold countries, many towns and
    every English word), and no clinical noun may follow (``in Wistar rats``).
    """
    common, clinical = common_words(), clinical_words()
    out: list[Candidate] = []
    for m in _PREP_PLACE.finditer(text):
        words = [fold(w) for w in m["p"].split()]
        if any(w in common or w in clinical or w in _NOT_PLACES or w in COUNTRIES for w in words) or words[-1].endswith(
            ("ians", "ans", "ese", "ish")
        ):
            continue
        if _STATE_RE.fullmatch(m["p"]) or not _AFTER_PLACE.match(text, m.end("p")):
            continue
        out.append(Candidate(m.start("p"), m.end("p"), "CITY"))
    return out


# --- ages of a person named by a relative or pronoun --------------------------------------------

_PERSON_AGE = re.compile(
    r"\b(?:he|she|they|patient|pt|mother|father|mom|dad|brother|sister|husband|wife|spouse|grandmother|"
    r"grandfather|aunt|uncle|partner|neighbou?r|friend|widow|widower)[ \t]+(?:is|was|turned|turns|will\s+be)"
    r"(?:[ \t]+(?:now|still|already|nearly|almost))?[ \t]+(?P<age>9\d|1[01]\d)(?=[ \t]*(?:[.,;)\n]|$|years?\b|yo\b))",
    re.IGNORECASE,
)


def person_ages(text: str) -> list[Candidate]:
    """``Her brother is 99.``, ``she turned 94``: a number of 90 or more said of a person, ending the clause."""
    return [Candidate(m.start("age"), m.end("age"), "AGE") for m in _PERSON_AGE.finditer(text)]
