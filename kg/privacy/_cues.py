"""Round five's context cues: short dates by what surrounds them, last-four SSNs, ages in words or apposition,
names that introduce themselves, that are spelled out or named as first/last name, and name words of e-mail
addresses repeated in the note.

Each rule names a class of phrasing rather than a corpus's wording: a bare ``m/d`` is a date when it ends a
clause or precedes a clock time and no measurement word (``pain``, ``BP``, ``Apgar``) stands before it;
``its <name>`` after a greeting is a name; the words of ``r.mbeki@...`` are a person's name wherever the
note writes them capitalised.
"""

from __future__ import annotations

import re

from kg.privacy._base import Candidate
from kg.privacy._lists import clinical_words, common_words, first_names, fold, given_only, surnames
from kg.privacy._name_rules import EPONYM_AFTER
from kg.privacy._places import COUNTRIES, STATE_NAMES

_REGION = re.compile(rf"(?:{STATE_NAMES})", re.IGNORECASE)

_I = re.IGNORECASE
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?"
#: Month names of the Nordic languages, Finnish (partitive) and Lithuanian (genitive), for ``3. marts 2025``,
#: ``den 14 januari``, ``5. tammikuuta``, ``4 kovo 2025``.
_MONTH_OTHER = (
    r"(?:januar[iy]?|februar[iy]?|marts|mars|april|maj|mai|juni|juli|august[i]?|september|oktober|november|"
    r"december|desember|tammikuuta|helmikuuta|maaliskuuta|huhtikuuta|toukokuuta|kesäkuuta|heinäkuuta|elokuuta|"
    r"syyskuuta|lokakuuta|marraskuuta|joulukuuta|sausio|vasario|kovo|balandžio|gegužės|birželio|liepos|"
    r"rugpjūčio|rugsėjo|spalio|lapkričio|gruodžio)"
)
_DATES = re.compile(
    r"|".join(
        (
            # e-mail and HTTP headers: ``Wed, 19 Feb 2025 14:02:33 -0800``
            rf"\b{_WEEKDAY},?[ \t]+\d{{1,2}}[ \t]+{_MONTH}[ \t]+\d{{4}}(?:[ \t]+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?"
            r"(?:[ \t]*[+-]\d{4}|[ \t]*\(?(?:UTC|GMT|[ECMP][SD]T)\)?)?",
            # ``August of 2022``, ``wk of 9 June``, ``week of March 3``
            r"\b(?-i:January|February|March|April|May|June|July|August|September|October|November|December)"
            r"[ \t]+of[ \t]+(?:19|20)\d\d\b",
            rf"\b(?:wk|week)[ \t]+of[ \t]+(?:\d{{1,2}}(?:st|nd|rd|th)?[ \t]+{_MONTH}|{_MONTH}[ \t]+\d{{1,2}}(?:st|nd|rd|th)?)\b",
            rf"(?:\bden[ \t]+)?\b\d{{1,2}}\.?[ \t]+{_MONTH_OTHER}\b(?:[ \t]+(?:19|20)\d\d\b)?",
            # a numeric date with a clock time in four digits (``11/14/2024 0730``)
            r"\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})[ \t]+(?:[01]\d|2[0-3])[0-5]\d\b(?![ \t]*(?:mg|ml|units?|h\b))",
        )
    ),
    _I,
)
#: A bare ``m/d`` or ``d/m``, not inside a longer number, fraction or range.
_SHORT = re.compile(r"(?<![\w/.:,-])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?![\w/-]|\.\d|,\d)")
_SHORT_END = re.compile(r"[ \t]*(?:$|[.;,)\]\n]|(?:at|@)?[ \t]*\d{1,2}:?\d{2}\b(?![ \t]*(?:mg|ml|units?)))", re.M)
_BRACKETED = re.compile(r"\([ \t]*~?[ \t]*$")
_LINE_START = re.compile(r"(?:^|\n)[ \t]*$")
_LINE_END = re.compile(r"[ \t]*(?:\n|$)")
_HEADING_END = re.compile(r"[ \t]*(?:[-–—:]|\d{1,2}:\d{2})")
#: ``on 11th``, ``by the 3rd``: a day of the month alone after a preposition (not ``on 2nd line``).
_ON_ORDINAL = re.compile(
    r"\b(?:on|by|until|till|from|since)[ \t]+(?:the[ \t]+)?(?P<d>(?:[12]?\d|3[01])(?:st|nd|rd|th))\b(?![ \t]+[a-z])"
)
_WORD_BEFORE = re.compile(r"(?P<w>[^\W\d_][\w/'’-]*)[ \t:]*$")
#: Words before a ``m/d`` that make it a measurement (``pain 8/10``, ``Apgar 8/9``, ``Strength 5/5``).
_MEASURE = frozenset(
    """
    pain score scores grade strength power apgar mmse moca gcs iop vision acuity murmur ratio reflexes reflex
    tone motor sensation bp pressure pulse dose doses tab tabs tablet tablets ecog nyha asa rass cam
    gleason tnm pt stage parity para gravida fio2 peep ie i:e cd c/d cup disc nodes node lymph x per
    """.split()
)
#: Abbreviations in capitals before a date (``LMP 12/8``, ``DOS 3/2``) among the measurement labels in capitals.
_DATE_ABBREVIATIONS = frozenset("lmp edd dob dos doa dod edc fu f/u appt rtc sbar".split())

#: Words that introduce a date, for the short dates that look like grades (``seen 4/5``, ``due 3/10``).
_DATE_CUES = frozenset(
    """
    on since from until till due seen dated next by check recheck follow-up followup f/u fu appt appointment
    returned return expires expired scheduled visit surgery admitted discharged born started stopped effective
    through thru before after starting ending date today tomorrow week
    """.split()
)
_LAST_FOUR = re.compile(
    r"\b(?:last[ \t]*(?:4|four)(?:[ \t]+digits)?(?:[ \t]+of[ \t]+(?:the[ \t]+|his[ \t]+|her[ \t]+)?(?P<ssn>ssn|social))?|"
    r"(?:ended|ending|ends)[ \t]+(?:in|with))[ \t]*[:#-]?[ \t]*(?P<v>\d{4})(?![\w-])",
    _I,
)
_SSN_CUE = re.compile(r"\b(?:ssn|social|ss#|dod|veteran)\b", _I)
_CARD_CUE = re.compile(r"\b(?:card|acct|account|visa|mastercard|amex|iban|check)\b", _I)

_AGE_WORD = (
    r"(?:ninety(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|one[ \t]+hundred(?:[ \t]+and)?"
    r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve))?)"
)
_AGES = re.compile(
    rf"\b(?P<a>{_AGE_WORD})(?=[ \t]*-?(?:y/?o|yrs?|years?)\b|-year)|"
    rf"(?:\b(?:i'?m|i[ \t]+am|he'?s|she'?s|is|was|turned|turns|aged?|age)[ \t]+|,[ \t]*)(?P<b>{_AGE_WORD})(?=[ \t]*[,.;)])|"
    r"(?<=[a-z])(?:,[ \t]*|[ \t]*\()(?P<c>9\d|1[01]\d)(?=\)|,|[ \t]*(?:y|yo|M|F)\b)|"
    # ``died at 98``, ``(d. at 98)``, ``At 97 she ...``
    r"\b(?:died|d\.|passed(?:[ \t]+away)?|deceased)[ \t]+(?:at[ \t]+)?(?:age[ \t]+)?(?P<d>9\d|1[01]\d)\b(?![ \t]*(?:%|mg|kg))|"
    r"\b(?-i:At)[ \t]+(?P<e>9\d|1[01]\d),?[ \t]+(?=(?:she|he|they|the[ \t]+patient|mr|mrs|ms)\b)",
    _I,
)
#: A sign-off line of a dash and a name (``-Sunny``, ``— Tova``).
_DASH_SIGNOFF = re.compile(r"(?m)^[ \t]*[-–—~][ \t]*(?P<n>[A-Z][a-z'’-]+)[ \t]*$")
_APPOSITION_NAME = re.compile(r"\b(?P<n>[A-Z][\w'’-]+(?:[ \t]+(?:ap|ab|de|van|von|bin|ibn|[A-Z][\w'’-]+)){0,3})$")

_GREETING = re.compile(
    r"\b(?:hi|hello|hey|good[ \t]+(?:morning|afternoon|evening))\b[^.\n]{0,30}?\b(?:it'?s|its|this[ \t]+is|i[ \t]+am|i'?m)"
    r"[ \t]+(?P<n>[^\W\d_][\w'’-]*(?:[ \t]+[^\W\d_][\w'’-]*)?)",
    _I,
)
_NAMED_AS = re.compile(
    r"\b(?:first|last|middle|given|family|sur)[ -]?name(?:[ \t]+is)?[ \t]*[:,-]?[ \t]+(?P<n>[^\W\d_][\w'’-]+)|"
    r"\b(?:spelled|spelling|that[ \t]+is|that'?s)[ \t]*[:,]?[ \t]+(?P<s>(?:[A-Za-z][ -]){2,}[A-Za-z])\b",
    _I,
)
_CHAT_NAME = re.compile(r"(?m)(?:^|\][ \t]*)(?:RN|LPN|NP|MD|PA|CNA|MA|Dr\.?|Nurse)[ \t]+(?P<n>[A-Z][a-z]+):")
_PAIR_AND = re.compile(
    r"\b(?P<a>[A-Z][a-z]{2,})[ \t]+(?:and|&)[ \t]+(?P<b>[A-Z][a-z]{2,})[ \t]+(?P<c>[A-Z][a-z]{2,})\b"
)
_LOWER_PAIR = re.compile(r"(?<![\w@./-])(?P<a>[a-z][a-z'-]{2,})[ \t]+(?P<b>[a-z][a-z'-]{2,})(?![\w@/-])")
_CAPITAL = re.compile(r"[A-Z]")
_EMAIL = re.compile(r"\b(?P<local>[\w.+-]+)@[\w-]+(?:\.[\w-]+)+")
#: An IBAN: country code, check digits, then groups of four (``DE47 3704 0044 0532 0130 77``).
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
#: ``Aurelio (RN)``, ``Marta (charge nurse)``: a name before a credential or role in brackets.
_BRACKET_ROLE = re.compile(
    r"\b(?P<n>[A-Z][a-z'’-]+(?:[ \t]+[A-Z][a-z'’-]+)?)[ \t]*\((?:RN|LPN|LVN|MD|DO|NP|PA|PA-C|CNA|MA|RT|PT|OT|"
    r"PharmD|CRNA|EMT|charge[ \t]+nurse|nurse|pharmacist|resident|intern|attending|tech|scribe)\)"
)
#: ``per Tomasz,``: a name after ``per`` (``per protocol`` and ``per Cardiology`` are common words).
_PER_NAME = re.compile(r"\b[Pp]er[ \t]+(?P<n>[A-Z][a-z'’-]+(?:[ \t]+[A-Z][a-z'’-]+)?)\b(?![ \t]*(?:protocol|policy))")
#: Institutions whose type comes first (``Iglesia Bautista Emanuel``, ``Clínica San Rafael``, ``University of Utah``).
_TYPE_FIRST_ORG = re.compile(
    r"\b(?:(?:La|El|Las|Los|Le|Les|L['’])[ \t]*)?(?:Iglesia|Cl[ií]nica|Centro(?:[ \t]+de[ \t]+Salud)?|Escuela|Colegio|Universidad|Parroquia|Sanatorio|"
    r"Farmacia|Hospital(?=[ \t]+(?:San|Santa|de|del|General|Universitario|Regional|Civil|Angeles|Ángeles)\b)|"
    r"Masjid|Mezquita|Clinique|Pharmacie|H[oô]pital|[ÉE]cole|[ÉE]glise|Boulangerie|Epicerie|Épicerie|Casa[ \t]+de|"
    r"Kirche|Krankenhaus|Klinik|Szpital|Przychodnia|Parafia|Ospedale|Mosque[ \t]+of|Temple[ \t]+of|"
    r"Church[ \t]+of|University[ \t]+of|College[ \t]+of|Academy[ \t]+of|Our[ \t]+Lady[ \t]+of|Sisters[ \t]+of)"
    r"(?:[ \t]+(?:[A-Z][\w'’.-]+|del|des|de|du|las|los|la|the|m[ée]dicale?|dentaire|familiale)\b){1,4}"
)
#: Ages with sex (``AGE/SEX: 93/F``, ``F/94``).
_AGE_SEX = re.compile(
    r"\b(?P<a>9\d|1[01]\d)[ \t]*/[ \t]*(?:F|M|female|male)\b|\b(?:F|M)[ \t]*/[ \t]*(?P<b>9\d|1[01]\d)\b"
)
#: EHR user names: an initial glued to a surname (``kmartinez``, ``jr.obi`` no) after a sign-off cue.
_USER_NAME = re.compile(
    r"(?:\b(?i:by|rn|md|np|lpn|user(?:name)?|login|signed|entered|author|from)[ \t]*:[ \t]*)(?P<n>[a-z]{1,2}[a-z]{4,20})\b"
    r"|\b(?P<m>[a-z]{1,2}[a-z]{4,20})(?=[ \t]+(?:RN|MD|LPN|NP|PA|CNA|MA)\b)"
)
#: A patient banner: ``MCKENZIE, ROSE-ANN  F  DOB ...``, ``Okafor, Chidi J   MRN ...`` at a line's start.
_BANNER = re.compile(
    r"(?m)^[ \t]*(?P<n>[A-Z][A-Za-z'’-]+,[ \t]*[A-Z][A-Za-z'’-]+(?:[ \t]+[A-Z]\.?)?)"
    r"(?=[ \t]{2,}|[ \t]+(?:[MF]|DOB|D\.O\.B\.|MRN|Age|\d)\b)"
)
#: Particles opening a surname after a title (``Ms. de los Santos``, ``Dr. van der Merwe``).
_TITLE_PARTICLES = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ \t]+(?P<n>(?:(?:de|del|della|de[ \t]+la|de[ \t]+los|de[ \t]+las|van|von|"
    r"der|den|da|dos|das|di|du|le|la|al|el|bin|ibn|ben|ter|ten|ap)[ \t]+)+[A-Z][\w'’-]+)"
)
#: A capitalised word alone (``Reviewed labs with Xiomara``): a name when only the given-name list holds it.
_TITLE_WORD = re.compile(r"(?<![\w'’-])[A-Z][a-z]{3,}(?:['’]s)?(?![\w'’-])")
#: Japanese and Korean addresses: block numbers before a district (``3-12-7 Jingumae``), wards (``Shibuya-ku``,
#: ``Gangnam-gu``, ``Yeoksam-dong``).
_CHOME = re.compile(r"(?<![\w/.-])\d{1,2}-\d{1,3}-\d{1,3}[ \t]+[A-Z][a-z]+\b")
_WARD = re.compile(r"\b[A-Z][A-Za-z]+-(?:ku|KU|gu|GU|dong|DONG|shi|SHI|cho|CHO|machi)\b")
_STOP = frozenset(
    "my me i so and the your ok okay just about here there again back not also at in on from with".split()
)


def _namelike(word: str) -> bool:
    w = fold(word)
    return w not in _STOP and w not in clinical_words() and (w not in common_words() or w in first_names())


def short_dates(text: str) -> list[Candidate]:
    """Header dates, ``Month of YYYY``, ``wk of``, Nordic/Finnish/Lithuanian dates, bare ``m/d`` by context."""
    out = [Candidate(m.start(), m.end(), "DATE") for m in _DATES.finditer(text)]
    out += [Candidate(m.start("d"), m.end("d"), "DATE") for m in _ON_ORDINAL.finditer(text)]
    for m in _SHORT.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        if not (1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12):
            continue
        fraction = a < b <= 4 or (b in (4, 5, 10) and a <= b)
        if not fraction and (
            _BRACKETED.search(text, max(0, m.start() - 3), m.start()) and text[m.end() : m.end() + 1] == ")"
        ):
            out.append(Candidate(m.start(), m.end(), "DATE"))  # ``(11/9)``, ``(~12/15)``
            continue
        if (
            not fraction
            and _LINE_START.search(text, max(0, m.start() - 3), m.start())
            and _HEADING_END.match(text, m.end())
        ):
            out.append(Candidate(m.start(), m.end(), "DATE"))  # ``11/3 - CT head negative``
            continue
        before = _WORD_BEFORE.search(text, max(0, m.start() - 30), m.start())
        if before is None and _LINE_END.match(text, m.end()):  # ``Secure chat, 5 North, 12/21``: a header's last item
            before = _WORD_BEFORE.search(
                text, max(0, m.start() - 30), m.start() - 2 if text[m.start() - 2] == "," else 0
            )
        if before is None or not _SHORT_END.match(text, m.end()):
            continue
        word = before.group("w")
        low = word.lower()
        if low in _MEASURE or (word.isupper() and len(word) <= 5 and low not in _DATE_ABBREVIATIONS):
            continue
        if b in (4, 5, 10) and a <= b and low not in _DATE_CUES and low not in _DATE_ABBREVIATIONS:
            continue  # ``4/5``, ``8/10``: a strength or pain grade unless a date word stands before it
        out.append(Candidate(m.start(), m.end(), "DATE"))
    return out


def last_four(text: str) -> list[Candidate]:
    """``Last 4: 0937``, ``the SSN ... ended in 7712``: an SSN unless a card or account is named just before."""
    out = []
    for m in _LAST_FOUR.finditer(text):
        before = text[max(0, m.start() - 60) : m.start()]
        if m.group("ssn") or _SSN_CUE.search(before):
            out.append(Candidate(m.start("v"), m.end("v"), "SSN"))
        elif _CARD_CUE.search(before):
            out.append(Candidate(m.start("v"), m.end("v"), "ACCOUNT"))
        elif m.group().lower().startswith("last"):
            out.append(Candidate(m.start("v"), m.end("v"), "SSN"))
    return out


def _iban_ok(value: str) -> bool:
    """The ISO 13616 check: country and check digits moved to the end, letters as 10-35, the number mod 97 is 1."""
    s = value.replace(" ", "")
    digits = "".join(str(int(c, 36)) for c in s[4:] + s[:4])
    return 15 <= len(s) <= 34 and int(digits) % 97 == 1


def accounts(text: str) -> list[Candidate]:
    """Bank account numbers by their shape and check digits (IBAN; Presidio checks them the same way)."""
    return [Candidate(m.start(), m.end(), "ACCOUNT") for m in _IBAN.finditer(text) if _iban_ok(m.group())]


def east_asian_addresses(text: str) -> list[Candidate]:
    """Block-numbered streets and wards of Japanese and Korean addresses."""
    return [Candidate(m.start(), m.end(), "STREET") for m in _CHOME.finditer(text)] + [
        Candidate(m.start(), m.end(), "GEO") for m in _WARD.finditer(text)
    ]


#: A full stop and a space inside an organisation match, not after an abbreviation (``St. Brendan``).
_SENTENCE_STOP = re.compile(r"(?<!\bSt)(?<!\bSte)(?<!\bCo)(?<!\bMt)\.[ \t]")


def organisations(text: str) -> list[Candidate]:
    """Institutions whose type word comes first (``Iglesia Bautista Emanuel``, ``University of Utah``)."""
    out = []
    for m in _TYPE_FIRST_ORG.finditer(text):
        end = m.end()
        stop = _SENTENCE_STOP.search(m.group())
        if stop:  # ``... Senior Apartments. She``: the name ends with its sentence
            end = m.start() + stop.start() + 1
        if text[end - 1] == "." and not re.search(r"\b(?:St|Ste|Co|Inc|Ltd|Jr)\.$", m.group()):
            end -= 1  # a sentence's full stop, not an abbreviation's
        out.append(Candidate(m.start(), end, "GEO"))
    return out


def word_ages(text: str) -> list[Candidate]:
    """Ages of 90 or more in words (``ninety-one y/o``, ``I'm ninety-two``, ``Gaston, one hundred and one,``)
    and in apposition to a name (``Gethin ap Iorwerth, 92,``, ``Remedios (91)``), with that name."""
    out = [Candidate(m.start(g), m.end(g), "AGE") for m in _AGE_SEX.finditer(text) for g in "ab" if m.group(g)]
    for m in _AGES.finditer(text):
        group = next(g for g in ("a", "b", "c", "d", "e") if m.group(g))
        out.append(Candidate(m.start(group), m.end(group), "AGE"))
        if group == "c":
            name = _APPOSITION_NAME.search(text, max(0, m.start() - 60), m.start())
            if name and all(_namelike(w) for w in name.group("n").split() if w[0].isupper()):
                out.append(Candidate(name.start("n"), name.end("n"), "NAME"))
    return out


def cued_names(text: str) -> list[Candidate]:
    """Names that introduce themselves, are spelled or called first/last name, in a chat line, paired by ``and``,
    in lower case from both name lists, or written as an e-mail address's words."""
    out: list[Candidate] = []
    for m in _GREETING.finditer(text):
        words = list(re.finditer(r"[^\W\d_][\w'’-]*", m.group("n")))
        keep = []
        for w in words:
            if not _namelike(w.group()):
                break
            keep.append(w)
        if keep:
            out.append(Candidate(m.start("n"), m.start("n") + keep[-1].end(), "NAME"))
    for m in _NAMED_AS.finditer(text):
        g = "n" if m.group("n") else "s"
        if g == "s" or _namelike(m.group("n")):
            out.append(Candidate(m.start(g), m.end(g), "NAME"))
    out += [Candidate(m.start("n"), m.end("n"), "NAME") for m in _CHAT_NAME.finditer(text)]
    out += [
        Candidate(m.start("n"), m.end("n"), "NAME") for m in _DASH_SIGNOFF.finditer(text) if _namelike(m.group("n"))
    ]
    for m in (*_BRACKET_ROLE.finditer(text), *_PER_NAME.finditer(text)):
        if all(_namelike(w) for w in m.group("n").split()) and fold(m.group("n").split()[0]) not in common_words():
            out.append(Candidate(m.start("n"), m.end("n"), "NAME"))
    for u in _USER_NAME.finditer(text):
        g = "n" if u.group("n") else "m"
        user = u.group(g).lower()
        if (
            user not in common_words()
            and user not in clinical_words()
            and (user[1:] in surnames() or user[2:] in surnames())
        ):
            out.append(Candidate(u.start(g), u.end(g), "NAME"))
    first, last, common = first_names(), surnames(), common_words()
    out += [Candidate(m.start("n"), m.end("n"), "NAME") for m in _TITLE_PARTICLES.finditer(text)]
    for m in _BANNER.finditer(text):
        parts = [fold(p) for p in re.findall(r"[^\W\d_]+", m.group("n")) if len(p) > 1]
        if any(p in first or p in last for p in parts) and not any(p in clinical_words() for p in parts):
            out.append(Candidate(m.start("n"), m.end("n"), "NAME"))
    for m in _PAIR_AND.finditer(text):
        a, b, c = (fold(m.group(g)) for g in "abc")
        places = [w for w in (a, b, c, f"{b} {c}") if w in COUNTRIES or _REGION.fullmatch(w)]
        if a in first and b in first and not ({a, b, c} & common) and not places:
            out.append(Candidate(m.start("a"), m.end("a"), "NAME"))
            out.append(Candidate(m.start("b"), m.end("c"), "NAME"))
    start = 0
    for line in text.split("\n"):  # lines typed in lower case, where case is no cue
        begin, start = start, start + len(line) + 1
        if _CAPITAL.search(line):
            continue
        for m in _LOWER_PAIR.finditer(text, begin, begin + len(line)):
            a, b = fold(m.group("a")), fold(m.group("b"))
            if a in first and b in last and a not in common and b not in common and _namelike(a) and _namelike(b):
                out.append(Candidate(m.start(), m.end(), "NAME"))
    return out + _email_names(text)


def given_names(text: str) -> list[Candidate]:
    """A capitalised word that the given-name list holds and no surname, common-word or clinical list does
    (``Gurpreet``, ``Xiomara``): a person, wherever it stands, unless an eponym noun follows it."""
    given = given_only()
    out = []
    for m in _TITLE_WORD.finditer(text):
        word = m.group()
        end = m.end() - (2 if word[-2:] in ("'s", "’s") else 0)
        if fold(text[m.start() : end]) in given and not EPONYM_AFTER.match(text, end):
            out.append(Candidate(m.start(), end, "NAME"))
    return out


def _email_names(text: str) -> list[Candidate]:
    """Capitalised words of the note that are name words of an e-mail address in it (``r.mbeki@`` -> ``Mbeki``)."""
    words = set()
    for m in _EMAIL.finditer(text):
        for part in re.split(r"[._+\-\d]+", m.group("local")):
            w = fold(part)
            if len(w) >= 4 and w not in common_words() and w not in clinical_words():
                words.add(w)
    if not words:
        return []
    pattern = re.compile(r"(?<![\w@.])(?:" + "|".join(map(re.escape, sorted(words))) + r")(?![\w@])", _I)
    return [Candidate(m.start(), m.end(), "NAME") for m in pattern.finditer(text) if m.group()[0].isupper()]
