"""Dates (every element but the year alone) and ages of 90 or more."""

from __future__ import annotations

import re

from kg.privacy._base import YEAR, Candidate
from kg.privacy._lists import clinical_words, common_words, fold

_I = re.IGNORECASE
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|(?-i:May|MAY)|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
#: A day of the month in words (``third``, ``twenty-first``).
_DAY_WORD = (
    r"(?:(?:twenty|thirty)[ -]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|thirty-?first|"
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|"
    r"fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?"

# --- dates --------------------------------------------------------------------------------------

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)"
_DATE_PATTERNS = [
    # 03/14/1962, 3/29/21, 12-30-2022
    re.compile(rf"(?<![\w/.-])(?:0?[1-9]|1[0-2])([/-]){_DAY}\1(?:{YEAR}|\d{{2}})(?![\w/-]|\.\d)"),
    # 14/03/1962 (day first), 14.03.2019, 14/3/21 (day first, two-digit year: the day is over 12)
    re.compile(rf"(?<![\w/.-]){_DAY}([/.-])(?:0?[1-9]|1[0-2])\1{YEAR}(?![\w/-]|\.\d)"),
    re.compile(r"(?<![\w/.-])(?:1[3-9]|2\d|3[01])([/.-])(?:0?[1-9]|1[0-2])\1\d{2}(?![\w/-]|\.\d)"),
    # 14-Mar, 5/Jan, Mar-14 (day and month name, no year)
    re.compile(rf"(?<![#\w/.-]){_DAY}[-/]{_MONTH}\b(?![-/]\d)", _I),
    re.compile(rf"(?<![#\w/.-]){_MONTH}[-/]{_DAY}\b(?![-/.]\d)", _I),
    # on the 5th (a day of the month alone)
    re.compile(
        rf"\b(?:on|by|until|since|from|before|after|next|due|labs?|visit|appt|appointment|scheduled|planned|return|rtc|"
        rf"f/u|follow-?up|{_WEEKDAY})[ \t]+the[ \t]+(?P<d>(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th))\b"
        r"(?![ \t]+(?:(?:and|or|to|through|-)[ \t]*\d{1,2}(?:st|nd|rd|th)[ \t]+)?(?:day|week|month|year|percentile|dose|cycle|time|grade|decade|rib|floor|generation|"
        r"line|trimester|postoperative|post-?op|hour|minute|attempt|visit|session|infusion|course))",
        _I,
    ),
    # 2019-03-17, 2023-01-05T10:00, 2019/03/17
    re.compile(rf"(?<![\w/.-]){YEAR}([-/.])(?:0?[1-9]|1[0-2])\1{_DAY}{_TIME}?(?![\w/-]|\.\d)"),
    # 2024-05, 02/2021
    re.compile(rf"(?<![\w/.-]){YEAR}-(?:0[1-9]|1[0-2])(?![\w/-]|\.\d)"),
    re.compile(rf"(?<![\w/.-])(?:0?[1-9]|1[0-2])/{YEAR}(?![\w/-]|\.\d)"),
    # March 3, 2023; Mar 15th; march 3 2024; Jan. 5th, 2020; Feb 2, 1930
    re.compile(rf"\b{_MONTH}\.?[ \t]+{_DAY}{_ORD}?\b(?:,?[ \t]+{YEAR}\b)?", _I),
    # June third, the third of June, June the 3rd, March 3rd '21, Mar '19
    re.compile(rf"\b{_MONTH}\.?[ \t]+(?:the[ \t]+)?(?:{_DAY_WORD}|{_DAY}{_ORD})\b(?:,?[ \t]+{YEAR}\b)?", _I),
    re.compile(rf"\b(?:the[ \t]+)?{_DAY_WORD}[ \t]+(?:of[ \t]+)?{_MONTH}\b\.?(?:,?[ \t]+{YEAR}\b)?", _I),
    re.compile(rf"\b{_MONTH}\.?(?:[ \t]+{_DAY}{_ORD}?,?)?[ \t]+['’]\d{{2}}\b", _I),
    # 3.14.21, 14.3.21 (two-digit year with periods)
    re.compile(rf"(?<![\w/.-]){_DAY}\.{_DAY}\.\d{{2}}(?![\w/-]|\.\d)"),
    # 20190314 (compact ISO) and 2019-3-14 with any separator
    re.compile(rf"(?<![\w/.-]){YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:T\d{{4}}(?:\d\d)?)?(?![\w/-]|\.\d)"),
    # 15-28 Feb 2025, Feb 15-28 (a range of days)
    re.compile(rf"(?<![\w/.-]){_DAY}{_ORD}?[ \t]*[-–][ \t]*{_DAY}{_ORD}?[ \t]+(?:of[ \t]+)?{_MONTH}\b\.?", _I),
    re.compile(rf"\b{_MONTH}\.?[ \t]+{_DAY}{_ORD}?[ \t]*[-–][ \t]*{_DAY}{_ORD}?\b", _I),
    # 5 Jan 2023, 19th March, 3rd of May 2019, the 19th of March
    re.compile(rf"(?<![#\w])(?:the[ \t]+)?{_DAY}{_ORD}?[ \t]+(?:of[ \t]+)?{_MONTH}\b\.?(?:,?[ \t]+{YEAR}\b)?", _I),
    # March 2019, Dec 2022, October, 2022
    re.compile(rf"\b{_MONTH}\.?(?:,?[ \t]+|[-/]){YEAR}\b", _I),
    # 05JAN2020, 12MAR48 (compact, military style)
    re.compile(
        rf"(?<![\w/.-]){_DAY}(?-i:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
        rf"(?:{YEAR}|\d{{2}})(?![\w/-])"
    ),
    # 12-Mar-2021, 5-Jan-23
    re.compile(rf"(?<![#\w]){_DAY}[-/ ]{_MONTH}[-/ ](?:{YEAR}|\d{{2}})\b", _I),
]
#: Month/day without a year (``3/14``) only after a word that introduces a date, never before a unit.
_MONTH_DAY = re.compile(
    r"(?:\b(?P<cue>on|since|recheck(?:ed)?|received|collected|from|until|till|dated?|seen|admitted|discharged|"
    r"through|thru|starting|started|before|after|as\s+of|effective|due|scheduled|dos|visit|surgery|born|dob|"
    r"d\.o\.b\.|date|last|next|labs?|drawn|ct|mri|echo|ekg|ecg|cxr|x-?ray|biopsy|appt|appointment|f/u|rtc|adm|"
    r"disch|procedure|dated|week\s+of|hospitali[sz]ed|for|by|at|to|and|or|today|tonight|yesterday|tomorrow|"
    r"clinic|office|note|message|msg|letter|follow-?up|date\s+of\s+[a-z]+(?:\s+[a-z]+)?|onset|injury|event|"
    rf"{_WEEKDAY})\b\W{{0,3}})"
    rf"(?P<d>(?:0?[1-9]|1[0-2])/{_DAY})(?![\w/]|\.\d)",
    _I,
)
_NOT_A_DATE_AFTER = re.compile(
    r"(?:\s*(?:to|-|and)\s*\d{1,3}/\d{1,3})?\s*(?:tabs?|tablets?|pills?|caps?|doses?|strength|of|mg|mcg|ml|units?|%|"
    r"mm\s*hg|bpm)\b",
    _I,
)


_DOB = re.compile(
    r"\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date)\b[ \t]*[:#]?[ \t]*(?P<d>[0-9][0-9./-]{3,}[0-9])(?![\w/-])",
    _I,
)
#: A month name alone (``since March``), capitalised, after a word that makes it a time.
_BARE_MONTH = re.compile(
    r"\b(?:in|since|until|till|by|from|during|early|mid-?|late|last|next|this|of|through|before|after|around)[ \t]+"
    r"(?P<d>January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)(?![\w-])"
)
#: A weekday alone after a word that makes it a time (``since Thurs``, ``last Friday``), capitalised.
_BARE_WEEKDAY = re.compile(
    r"\b(?:on|since|until|till|by|from|before|after|last|next|this|past|early|late|every)[ \t]+"
    r"(?P<d>(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?)(?![\w-])"
)
#: Month/day right before a clock time (``Duplex 4/2 14:00``): a time makes a fraction a date.
_MONTH_DAY_TIME = re.compile(
    rf"(?<![\w/.-])(?P<d>(?:0?[1-9]|1[0-2])/{_DAY})(?=[ \t]+(?:at[ \t]+|@[ \t]*)?\d{{1,2}}:\d{{2}}(?![\d/]))"
)
#: A month/day with the month's leading zero (``MRI, 02/14 revealed``): no fraction, grade or score is written so.
_ZERO_MONTH_DAY = re.compile(
    r"(?<![\w/.:-])(?<!strength )(?<!power )(?<!grade )(?<!score )(?<!motor )(?<!pain )"
    r"(?P<d>0[1-9]/(?:0[1-9]|[12]\d|3[01]))(?![\w/]|[.,]\d)",
    _I,
)
#: ... or right after one (``ETA 16:40 12/03``).
_TIME_MONTH_DAY = re.compile(
    rf"(?<=\d:\d\d[ \t])(?P<d>(?:0?[1-9]|1[0-2])/{_DAY})(?![\w/]|\.\d|[ \t]+(?:of|tabs?|tablets?|caps?|cups?|inch|strength)\b)",
    _I,
)
#: The last item of a note's first line, a header in capitals, is a month/day after two spaces or a bar
#: (``HEMODIALYSIS RUN NOTE - Lakeview  chair 9  4/4``); a score or strength word on that line keeps it a ratio.
_HEADER_MONTH_DAY = re.compile(
    r"\A[ \t]*(?=[^\n]*\b[A-Z]{3,}\b)(?![^\n]*\b(?i:pain|strength|score|grade|power|motor|reflex|bp|ratio|dose|mg|tabs?)\b)"
    rf"[^\n]*?(?:[ \t]{{2,}}|[ \t]*\|[ \t]*)(?P<d>(?:1[0-2]|0?[1-9])/{_DAY})[ \t]*$",
    re.MULTILINE,
)
_HOLIDAY = re.compile(
    r"\b(?:(?:Christmas|Xmas)(?:[ \t]+(?:Eve|Day))?|Thanksgiving|Easter(?:[ \t]+Sunday)?|New[ \t]+Year['’]s(?:[ \t]+(?:Eve|Day))?|"
    r"Independence[ \t]+Day|Fourth[ \t]+of[ \t]+July|Halloween|Labor[ \t]+Day|Memorial[ \t]+Day|Veterans[ \t]+Day|"
    r"Valentine['’]s[ \t]+Day|Mother['’]s[ \t]+Day|Father['’]s[ \t]+Day)\b"
)


_NUM_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TENS_WORD = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_TEEN_WORD = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
#: A year in words (``nineteen forty-nine``, ``two thousand and three``), as dictated.
_SPOKEN_YEAR = (
    rf"(?:(?:nineteen|twenty)[ -](?:hundred|oh[ -]{_NUM_WORD}|{_TEEN_WORD}|{_TENS_WORD}(?:[ -]{_NUM_WORD})?)|"
    rf"two[ -]thousand(?:[ -](?:and[ -])?(?:{_TEEN_WORD}|{_TENS_WORD}(?:[ -]{_NUM_WORD})?|{_NUM_WORD}))?)"
)
_TIME_OF_DAY = r"(?:\d{1,2}(?::\d{2}){1,2}(?:[ \t]*[ap]\.?m\.?)?|\d{1,2}[ \t]*[ap]\.?m\.?|\d{4}[ \t]*h(?:rs?)?)"
#: What a date carries with it: a weekday before (``Tue``, ``next Tuesday the``), a time before
#: (``10:02 on``), ``the week of``; a spoken year or a time after (``at 4:12 PM``, ``03:40``).
_DATE_LEFT = re.compile(
    rf"(?:(?:(?:next|last|this)[ \t]+)?\b{_WEEKDAY}\.?,?[ \t]+(?:the[ \t]+)?|"
    rf"\b{_TIME_OF_DAY}[ \t]+on[ \t]+|\b(?:the[ \t]+)?week[ \t]+of[ \t]+)$",
    _I,
)
_DATE_RIGHT = re.compile(
    rf"(?:,?[ \t]+{_SPOKEN_YEAR}\b)?(?:,?[ \t]*(?:at|@|T)?[ \t]*{_TIME_OF_DAY}(?![\w/]|:\d|\.\d))?", _I
)


def _date_context(text: str, cand: Candidate) -> Candidate:
    start, end = cand.start, cand.end
    for _ in range(2):  # ``the week of Monday 3/17``
        left = _DATE_LEFT.search(text, max(0, start - 40), start)
        if not left:
            break
        start = left.start()
    right = _DATE_RIGHT.match(text, end)
    if right:
        end = right.end()
    return Candidate(start, end, cand.kind)


def dates(text: str) -> list[Candidate]:
    """Dates with any element but the year alone: numeric, ISO (with time), month names, ordinals.

    A weekday, a time or a spoken year attached to a date joins its span.
    """
    out: list[Candidate] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            g = "d" if "d" in pattern.groupindex else 0
            out.append(Candidate(m.start(g), m.end(g), "DATE"))
    for pattern in (
        _DOB,
        _BARE_MONTH,
        _BARE_WEEKDAY,
        _MONTH_DAY_TIME,
        _TIME_MONTH_DAY,
        _ZERO_MONTH_DAY,
        _HEADER_MONTH_DAY,
    ):
        for m in pattern.finditer(text):
            out.append(Candidate(m.start("d"), m.end("d"), "DATE"))
    for m in _HOLIDAY.finditer(text):
        out.append(Candidate(m.start(), m.end(), "DATE"))
    linked: list[re.Match[str]] = []
    for m in _MONTH_DAY.finditer(text):
        if _NOT_A_DATE_AFTER.match(text, m.end("d")):
            continue
        if m.group("cue").lower() in _LINK_CUES:
            linked.append(m)  # ``3/4 and 3/9`` is two dates, ``pain 2/10 and 3/10`` two scores
        else:
            out.append(Candidate(m.start("d"), m.end("d"), "DATE"))
    for m in linked:  # in text order, so a chain of dates links up
        if any(c.end <= m.start() and m.start() - c.end <= 40 for c in out):
            out.append(Candidate(m.start("d"), m.end("d"), "DATE"))
    return [_date_context(text, c) for c in out]


#: Month/day cues that only join a date to one before it (``on 3/4 and 3/9``, ``from 3/4 to 3/9``).
_LINK_CUES = frozenset("and or to through thru".split())


# --- ages over 89 -------------------------------------------------------------------------------

_OLD = r"(?:9\d|1[01]\d)"
_OLD_WORDS = r"(?:ninety(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?|one\s+hundred(?:\s+and)?(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve))?)"
_AGE_PATTERNS = [
    re.compile(r"\bin\s+(?:his|her|their)\s+(?P<a>(?:early\s+|mid\s+|late\s+)?(?:90s|nineties|100s))\b", _I),
    re.compile(
        rf"(?<![\w.])(?P<a>{_OLD})(?=[\s-]*(?:years?|yrs?|y/?o\b|y\.o\.|yo\b|year[\s-]old|-year-old|-yo\b))", _I
    ),
    re.compile(
        rf"\b(?:aged?|age:|age\s+of|age\s+at\s+(?:death|admission|diagnosis|onset|enrollment)|turn(?:s|ed|ing)?|lived\s+to|lives\s+to|reached|approx\.?|approximately|about)"
        rf"\s*(?P<a>{_OLD}|{_OLD_WORDS})\b(?!\s*(?:%|mg|mcg|ml|units?|minutes|min|seconds|beats|bpm|mmhg|/))",
        _I,
    ),
    re.compile(
        rf"\b(?:patient|pt|she|he|who|they)\s+(?:is|was|turned|turns|is\s+now)\s+(?P<a>{_OLD}|{_OLD_WORDS})\b"
        r"(?!\s*(?:%|mg|mcg|ml|units?|minutes|min|seconds|beats|bpm|mmhg|/|\.\d|kg|lb|cm|in\b|pounds|degrees))",
        _I,
    ),
    re.compile(rf"(?P<a>\b{_OLD_WORDS})\b(?=[\s-]*(?:years?|yrs?|and\s+counting|-year-old|year[\s-]old))", _I),
    re.compile(rf"[\"“](?P<a>{_OLD_WORDS})\b", _I),
    # 92M, 94F, 91yo, 96y (glued sex or year letter), 95th birthday
    re.compile(rf"(?<![\w.])(?P<a>{_OLD})(?:(?-i:[MF])|y|yr|yo)(?![\w.])", _I),
    re.compile(
        rf"(?<![\w.])(?P<a>{_OLD}(?:st|nd|rd|th))[ \t]+birthday",
        _I,
    ),
    # Ms. Birdie Lachance (90), father ... alive, 93; Björn Åkesson, 93, Swedish
    re.compile(
        rf"(?:\b(?:alive|living|still[ \t]+living|deceased|died|passed)\b[ \t]*,?[ \t]*(?:at[ \t]+|age[ \t]+)?|"
        rf"(?<![\w.])(?:Mr|Mrs|Ms|Miss|Mx)\.?[ \t]+(?:[A-Z][\w'’-]+[ \t]+){{0,2}}[A-Z][\w'’-]+[ \t]*\(|"
        rf"\b[A-Z][a-z'’-]+[ \t]+[A-Z][\w'’-]+,[ \t]+)(?P<a>{_OLD})(?=[ \t]*(?:\)|[,.;]|[ \t]*(?:y|yo|yrs?|years?|[MF])\b))"
    ),
    # a person named, then ``is 97,`` (``Tobias Huxtable is 97, with ...``, ``Mr. Ray is 102 and``): no unit after it
    # a nonagenarian / centenarian aged 96, 96 (nonagenarian)
    re.compile(rf"(?<![\w.])(?P<a>{_OLD})\b(?=[\s(,-]*(?:nonagenarian|centenarian|supercentenarian))", _I),
]


#: A person named, then ``is 97,`` (``Tobias Huxtable is 97, with ...``, ``Mr. Ray is 102 and``), no unit after it;
#: the two words before ``is`` must be no English or clinical words (``Serum Sodium is 98,`` is a lab value).
_NAMED_IS_AGE = re.compile(
    rf"(?:\b(?P<w1>[A-Z][a-z'’-]+)[ \t]+(?P<w2>[A-Z][\w'’-]+)|(?<![\w.])(?:Mr|Mrs|Ms|Miss|Mx)\.?[ \t]+[A-Z][\w'’-]+)"
    rf"[ \t]+(?:is|was|turned|turns)[ \t]+(?:now[ \t]+)?(?P<a>{_OLD}|{_OLD_WORDS})(?=[ \t]*(?:,|;|\band\b|\.(?!\d)|$))",
    re.MULTILINE,
)


def _named(m: re.Match[str]) -> bool:
    words = [w for w in (m.group("w1"), m.group("w2")) if w]
    common, clinical = common_words(), clinical_words()
    return all(fold(w) not in common and fold(w) not in clinical for w in words)


def ages(text: str) -> list[Candidate]:
    """Ages of 90 or more, in digits or words, where the text says it is an age."""
    out = [Candidate(m.start("a"), m.end("a"), "AGE") for p in _AGE_PATTERNS for m in p.finditer(text)]
    out += [Candidate(m.start("a"), m.end("a"), "AGE") for m in _NAMED_IS_AGE.finditer(text) if _named(m)]
    return out
