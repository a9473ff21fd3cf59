"""Structured and geographic recognizers: numbers, codes, dates, ages over 89, addresses, places.

Each recognizer is a function ``text -> list[Candidate]``. Patterns are compiled once, at import.
Where a label names a value (``MRN: 4829133``), the span is the value only.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Callable, Iterator
from typing import NamedTuple


class Candidate(NamedTuple):
    """A recognizer's span: offsets into the text (end exclusive) and its kind."""

    start: int
    end: int
    kind: str


Recognizer = Callable[[str], list[Candidate]]

_I = re.IGNORECASE
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|(?-i:May|MAY)|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
#: A day of the month in words (``third``, ``twenty-first``).
_DAY_WORD = (
    r"(?:(?:twenty|thirty)[ -]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|thirty-?first|"
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|"
    r"fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?"

# --- labelled values ---------------------------------------------------------------------------

#: First words of a generic label (``<head> number``) that name no person's identifier.
_NOT_ID_HEADS = frozenset(
    """
    the a an this that these those his her their its our your my any each every same total whole large small
    high low increased decreased greater reduced mean median average sample random lot batch page room bed floor
    step grade stage type phase version chapter figure fig table dose cycle day week month year test item
    question level class schedule icd icd-10 icd-9 cpt loinc snomed ndc hcpcs drg rxnorm atc cas ec mesh omim
    uniprot pmid doi isbn issn gene protocol zip postal area color colour sequence line channel slide
    well plate lane column row pin access security verification error reason procedure diagnosis billing
    """.split()
)
#: Words of a generic label that say its kind (``Aetna policy #`` is a health-plan number).
_HEAD_KINDS = {
    **dict.fromkeys("ssn social".split(), "SSN"),
    **dict.fromkeys("mrn record chart patient hospital unit".split(), "MRN"),
    **dict.fromkeys(
        "policy member insurance insurer medicare medicaid subscriber plan beneficiary payer".split(), "HEALTHPLAN"
    ),
    **dict.fromkeys("account acct card billing invoice guarantor".split(), "ACCOUNT"),
    **dict.fromkeys("license licence npi dea certificate permit".split(), "LICENSE"),
    **dict.fromkeys("vin plate vehicle tag registration".split(), "VEHICLE"),
    **dict.fromkeys("serial device implant pacemaker pump defibrillator stimulator".split(), "DEVICE"),
}
_STOP_HEAD = "|".join(sorted((re.escape(w) for w in _NOT_ID_HEADS), key=len, reverse=True))

#: (kind, label pattern). The value after the label is scrubbed, the label kept.
LABELS: tuple[tuple[str, str], ...] = tuple(
    (kind, label.replace("{stop}", _STOP_HEAD))
    for kind, label in (
        (
            "SSN",
            r"ssn|ss\s?#|social\s+security(?:\s+(?:number|no\.?|#))?|last\s+(?:four|4)(?:\s+digits)?\s+of\s+(?:the\s+)?ssn",
        ),
        (
            "MRN",
            r"mrn|mr\s?#|mr\s+(?:number|no\.?)|empi|emr(?:\s+(?:id|number|no\.?|#))?|patient\s+(?:number|no\.?|#)|"
            r"pt\.?\s*#|med(?:ical)?\.?\s+rec(?:ord)?\.?(?:\s+(?:number|no\.?|#))?|record\s+(?:number|no\.?|#)|"
            r"chart(?:\s+(?:number|no\.?|#))?|hospital\s+(?:number|no\.?|#)|patient\s+id|pt\.?\s+id|unit\s+number|"
            r"mr(?=\s*[:#])|record|file",
        ),
        (
            "HEALTHPLAN",
            r"member\s+(?:id|number|no\.?|#)|member|subscriber(?:\s+id)?|insurance\s+(?:id|number|no\.?|#)|"
            r"policy(?:\s+(?:number|no\.?|id))?|mbi|medicare(?:\s+(?:mbi|id|number|no\.?|#))?|"
            r"medicaid(?:\s+(?:id|number|no\.?|#))?|beneficiary(?:\s+(?:id|identifier|number))?|health\s+plan(?:\s+(?:id|number))?|(?-i:Group|GROUP)|group(?=\s*(?:number|no\b|#|id\b|:))",
        ),
        (
            "ACCOUNT",
            r"account|acct\.?|card(?:\s+on\s+file)?|credit\s+card|visa|mastercard|amex|discover\s+card|billing(?:\s+(?:id|number|no\.?|#))?|invoice|"
            r"guarantor\s+(?:id|number|no\.?|#)",
        ),
        (
            "LICENSE",
            r"npi|dea|licen[cs]e|lic\.?|dl|driver'?s\s+licen[cs]e|certificate|cert(?:ification)?\.?|"
            r"registration\s+(?:number|no\.?|#)|permit|gmc|nmc|ahpra",
        ),
        ("VEHICLE", r"vin|plate|licen[cs]e\s+plate|tag|vehicle|registration|reg\.|his\s+car|her\s+car|their\s+car|car"),
        ("DEVICE", r"serial(?:\s+(?:number|no\.?|#))?|s/?n|device\s+id|udi|imei|barcode|bar\s+code|mac\s+address"),
        (
            "ID",
            r"study(?:\s+subject)?(?:\s+id)?|subject(?:\s+(?:id|number|no\.?|#))?|participant(?:\s+id)?|trial\s+id|"
            r"csn|fin|visit\s+(?:number|no\.?|#)|staff\s+id|employee(?:\s+(?:number|no\.?|#))?|specimen(?:\s+accession)?|accession|encounter|visit\s+id|"
            r"badge|employee\s+id|case\s+(?:number|no\.?|#)|requisition|order\s+(?:number|no\.?|#)|"
            r"claim(?:\s+(?:number|no\.?|#))?|reference\s+(?:number|no\.?|#)|ticket|identifier|id|"
            # any label that names a number: one or two words, then number / no. / # / id / identifier / code
            r"(?P<head>(?!(?:{stop})\b)[a-z][a-z'-]{1,30}(?:[ \t]+(?!(?:{stop})\b)[a-z][a-z'-]{1,30})?)\b[ \t]*"
            r"(?:(?:number|num|nbr|identifier|id|code)\b|no\.|#)|"
            r"passport|visa|green\s+card|alien|tax\s+id|ein|itin|prescription|rx|tracking|confirmation|voucher|"
            r"implant|pacemaker|defibrillator|stimulator|pump|device|docket|case|file|report|incident|intake|"
            r"run|referral|authori[sz]ation|auth|requisition|kit|statement|invoice|ticket|reference|ref\.?|"
            r"booking|reservation|transaction|member|enrollee|client|resident|inmate|booking",
        ),
    )
)

_SEP = (
    r"(?P<sep>(?:[ \t]*(?:[:#=(*|'\"“\-]|\b(?:number|no|num|nbr|id|is|was|on\s+file|old|new|ending(?:\s+in)?|checked|verified|reviewed|copied|scanned|on\s+record|"
    r"last\s+(?:4|four)(?:\s+digits)?(?:\s+of)?)\b\.?|\)))*[ \t]*)"
)
_VALUE = (
    # an optional state or issuer prefix (``OR 482 KZT``, ``SPH 4410 9982 17``), then a token with a digit,
    # then more space-separated groups (letters-only groups are kept for plates only, see below)
    r"(?P<v>(?:(?-i:(?![AI][ \t])[A-Z]{1,5})[ \t](?=[A-Z0-9./-]{0,12}\d))?(?=[A-Za-z0-9./-]*\d)[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*"
    r"(?:[ ](?=[A-Z]{0,7}\d|[A-Z]{2,4}\b(?![ \t]*[A-Za-z0-9]))(?-i:[A-Z0-9]{2,8})\b"
    r"(?![ \t]*(?:mg|mcg|ml|units?|%|mmhg|/)))*)"
)
#: One pattern for every label: the group named after the kind says which label matched.
_LABELLED = re.compile(
    r"(?<![\w@])(?:" + "|".join(f"(?P<{kind}>{label})" for kind, label in LABELS) + rf"){_SEP}{_VALUE}(?![\w@])",
    _I,
)
_YEAR_ONLY = re.compile(rf"^{_YEAR}$")
#: Measurements, not identifiers: a decimal (``1.043``) or a short range (``45-50``).
_NOT_AN_ID = re.compile(r"^(?:\d{1,4}\.\d{1,3}|\d{1,3}-\d{1,3})$")
_LETTER_GROUPS_AT_END = re.compile(r"(?:[ ][A-Za-z]+)+$")
_PLUS_MINUS = re.compile(r"\s*(?:\+/-|±|\+-)")
_UNIT_AFTER = re.compile(r"[ \t]?(?:mg|mcg|g|kg|ml|l|units?|%|mm|cm|hours?|days?|weeks?|years?|times)\b", _I)


def labelled_values(text: str) -> list[Candidate]:
    """Values after a label that names them (``MRN: 4829133``, ``Member ID XGH492817305``)."""
    out: list[Candidate] = []
    for m in _LABELLED.finditer(text):
        kind = label_kind = next(k for k, _ in LABELS if m.group(k) is not None)
        if m.group("head"):  # a generic ``<head> number``: the head's words may name the kind
            kind = next((_HEAD_KINDS[w] for w in m.group("head").lower().split() if w in _HEAD_KINDS), kind)
        value = m.group("v")
        start, end = m.start("v"), m.end("v")
        if kind != "VEHICLE":
            tail = _LETTER_GROUPS_AT_END.search(value)
            if tail:
                value, end = value[: tail.start()], end - len(tail.group())
        glued = not m.group("sep") and m.group(label_kind)[-1:].isalnum()  # ``fin2`` is no label
        if glued or len(re.sub(r"\D", "", value)) < 2:
            continue
        if kind != "SSN" and (len(re.sub(r"\W", "", value)) < 4 or _YEAR_ONLY.match(value)):
            continue
        if (
            _UNIT_AFTER.match(text, end)
            or (m.group("head") and _NOT_AN_ID.match(value))
            or _PLUS_MINUS.match(text, end)
        ):
            continue
        out.append(Candidate(start, end, kind))
    return out


# --- numbers with a shape of their own ----------------------------------------------------------

_SSN = re.compile(r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])")
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][\w.+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
_URL = re.compile(
    r"(?<![\w@.-])(?:(?:https?|ftp)://[^\s<>\"']+|www\.[^\s<>\"']+|"
    r"(?:[a-z0-9-]+\.)*[a-z0-9-]{3,}\.[a-z]{2,6}/[^\s<>\"']*|"
    r"(?:[a-z0-9-]+\.){1,}(?:com|org|net|edu|gov|mil|int|io|co|us|uk|ca|au|nz|ie|de|fr|es|it|nl|se|no|dk|fi|"
    r"ch|at|be|in|jp|cn|br|mx|info|biz|me|health|care|app|dev|ai|fm|tv|ly|clinic|hospital|doctor|bio|online|site)"
    r"\b(?![.-]\w))",
    _I,
)
_IPV4 = re.compile(r"(?<![\w.@])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
_PHONE_CTX = re.compile(
    r"(?:phone|tel|telephone|cell|mobile|home|work|call(?:back)?|contact|reach(?:able)?|pager|ph|fax|number|"
    r"text|at|#)\W{0,4}$",
    _I,
)
_FAX_CTX = re.compile(r"fax\b[^\n\d]{0,12}$", _I)
_US_PHONE = re.compile(
    r"(?<![\w+-])(?P<one>\+?1[\s.-]?)?(?:\((?P<a1>\d{3})\)[\s.-]?|(?P<a2>\d{3})(?P<s1>[\s.-]))"
    r"(?P<b>\d{3})(?P<s2>[\s.-])\d{4}(?![\w-])"
)
_NUMBER_BEFORE = re.compile(r"\d[ \t,]*$")
_LOCAL_PHONE = re.compile(r"(?<![\w+.-])[2-9]\d{2}[-. ]\d{4}(?![\w-]|\.\d)")
#: An extension after a number (``x204``, ``ext. 12``, ``extension 4410``).
_EXTENSION = re.compile(r"[ \t]*,?[ \t]*(?:x|ext\.?|extn\.?|extension)[ \t]*#?[ \t]*\d{1,6}\b", _I)
#: Short in-house numbers after a word that makes them a number to call (``pager 4-1234``, ``ext 5521``).
_SHORT_PHONE = re.compile(
    r"\b(?:pager|beeper|bleep|ext\.?|extension|x)[ \t]*[:#]?[ \t]*(?P<n>\d{1,2}-\d{4}|\d{4,5})(?![\w-]|\.\d)", _I
)
_PLAIN_PHONE = re.compile(r"(?<![\w+-])1?[2-9]\d\d[2-9]\d{6}(?![\w-])")
_INTL_PHONE = re.compile(r"(?<![\w+])\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,6}(?![\w-])")
_DIGIT_WORD = r"(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine)"
_SPOKEN_PHONE = re.compile(rf"\b{_DIGIT_WORD}(?:[\s,-]+{_DIGIT_WORD}){{6,}}\b", _I)


#: A MAC address (six hex pairs).
_MAC = re.compile(r"(?<![\w:-])(?:[0-9A-Fa-f]{2}([:-]))(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![\w:-])")
#: An e-mail address written to dodge harvesters (``j.doe[at]mail.com``, ``ana at clinic dot org``).
_EMAIL_SPELLED = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][\w.+-]*[ \t]*(?:[\[(][ \t]*at[ \t]*[\])]|[ \t]at[ \t])[ \t]*[A-Za-z0-9-]+"
    r"(?:(?:\.|[ \t]*[\[(][ \t]*dot[ \t]*[\])][ \t]*|[ \t]dot[ \t])[A-Za-z0-9-]+)*"
    r"(?:\.|[ \t]*[\[(][ \t]*dot[ \t]*[\])][ \t]*|[ \t]dot[ \t])(?:com|org|net|edu|gov|io|co|us|uk|ca|de|fr|info|me)\b",
    _I,
)
#: A GS1 UDI: application identifiers in parentheses, each followed by its data.
_UDI = re.compile(r"(?:\(\d{2,4}\)[A-Za-z0-9]+){2,}")
#: A toll-free vanity number (``1-800-PT-KNEES``).
_VANITY = re.compile(r"(?<![\w-])(?:1[ .-]?)?8(?:00|33|44|55|66|77|88)[ .-][A-Z0-9]{2,4}[ .-]?[A-Z0-9]{3,5}(?![\w-])")
#: A number written the way most countries outside the NANP write it (``01332 555 0143``), after a phone word.
_TRUNK_PHONE = re.compile(r"(?<![\w+-])0\d{2,4}[ .-]?\d{3,4}[ .-]?\d{3,4}(?![\w-])")
#: A user name after a word that names one (``username jomarsh79``, ``user nhammersley``).
_USERNAME = re.compile(
    r"\b(?:user(?:[ \t]*name)?|userid|login|log-?in|handle|screen[ \t]*name|account[ \t]+name|portal[ \t]+id)"
    r"[ \t]*[:=]?[ \t]*(?P<v>[A-Za-z][A-Za-z0-9._-]{2,}[A-Za-z0-9])",
    _I,
)


def _is_word(word: str) -> bool:
    """An English or clinical word (so no user name): the name layer's common-word list."""
    from kg.privacy._lists import clinical_words, common_words

    low = word.lower()
    return low in common_words() or low in clinical_words() or low.rstrip("s") in common_words()


#: A social-media handle after the platform's name (``Instagram @jdoe88``, ``venmo @Ana-Ruiz``).
_HANDLE = re.compile(
    r"\b(?:twitter|instagram|insta|ig|tiktok|snapchat|snap|facebook|fb|threads|mastodon|bluesky|telegram|"
    r"discord|reddit|venmo|cash\s*app|cashapp|youtube|linkedin|handle)\b[^\n@]{0,20}?(?P<v>@[A-Za-z0-9_.-]{2,30})",
    _I,
)
#: An issuer's code in capitals before a long number (``GMC 7041882``, ``CIN: 91773402A``, ``ANTHEM YRH998812044``).
_CODE_NUMBER = re.compile(
    r"\b(?P<code>(?-i:[A-Z][A-Z-]{1,9}))[ \t]*[:#]?[ \t]*(?P<v>(?-i:[A-Z]{0,4}\d[A-Z0-9-]{5,18}[A-Z0-9]))(?![\w-])"
)
_DATE_LIKE = re.compile(r"\d{4}-\d\d?-\d|\d\d?[/-]\d\d?[/-]\d|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])$")
_NOT_ISSUER_CODES = frozenset(
    """
    ICD CPT NDC LOINC SNOMED HCPCS DRG CAS PMID PMCID DOI ISBN ISSN EC ATC UNII RXCUI MESH OMIM HGNC GO HP
    BP HR RR WBC RBC PLT HGB HCT INR PTT PT MCV CRP ESR BUN CR EGFR AST ALT ALP LDH CK TSH LDL HDL TG GFR
    DOB DOS DOD DATE TIME DNA RNA PCR HLA CD IL TNF IG IGG IGM IGE NCT ISRCTN EUDRACT UMIN CTRI ACTRN DRKS CHICTR NIH NCI FDA
    """.split()
)


def _phone_kind(text: str, start: int) -> str:
    return "FAX" if _FAX_CTX.search(text, max(0, start - 24), start) else "PHONE"


def _with_extension(text: str, cand: Candidate) -> Candidate:
    ext = _EXTENSION.match(text, cand.end)
    return cand._replace(end=ext.end()) if ext else cand


def shaped_numbers(text: str) -> list[Candidate]:
    """SSNs, e-mails, URLs, IPs and phone/fax numbers recognised by their shape."""
    out: list[Candidate] = []
    for m in _SSN.finditer(text):
        if m.group(1) == " " and _UNIT_AFTER.match(text, m.end()):
            continue
        out.append(Candidate(m.start(), m.end(), "SSN"))
    for m in _EMAIL.finditer(text):
        out.append(Candidate(m.start(), m.end(), "EMAIL"))
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:)]}'\"!?":
            end -= 1
        if end - m.start() >= 6:
            out.append(Candidate(m.start(), end, "URL"))
    for m in _IPV4.finditer(text):
        if any(int(octet) > 255 for octet in m.group().split(".")):
            continue
        before = text[max(0, m.start() - 12) : m.start()].lower()
        if re.search(r"\b(?:version|v|ver\.?)\s*$", before):
            continue
        out.append(Candidate(m.start(), m.end(), "IP"))
    for m in _IPV6.finditer(text):
        s = m.group()
        if s.count(":") < 2 or ("::" not in s and s.count(":") < 7) or not any(c.isalnum() for c in s):
            continue
        try:
            ipaddress.IPv6Address(s)
        except ValueError:
            continue
        out.append(Candidate(m.start(), m.end(), "IP"))
    for m in _US_PHONE.finditer(text):
        if _UNIT_AFTER.match(text, m.end()):
            continue
        # ``617 555 0142`` only as a valid NANP number after a phone word (``100 250 1000`` is a dose list)
        if m["a1"] is None and m["s1"] == " " and m["s2"] == " ":
            valid = m["a2"][0] in "23456789" and m["b"][0] in "23456789"
            round_numbers = all(g.endswith("0") for g in m.group().split())
            cue = m["one"] or _PHONE_CTX.search(text, max(0, m.start() - 24), m.start())
            if (
                not valid
                or (round_numbers and not cue)
                or _NUMBER_BEFORE.search(text, max(0, m.start() - 8), m.start())
            ):
                continue
        out.append(Candidate(m.start(), m.end(), _phone_kind(text, m.start())))
    for m in _LOCAL_PHONE.finditer(text):
        if _PHONE_CTX.search(text, max(0, m.start() - 24), m.start()):
            out.append(Candidate(m.start(), m.end(), _phone_kind(text, m.start())))
    for m in _PLAIN_PHONE.finditer(text):
        if _PHONE_CTX.search(text, max(0, m.start() - 24), m.start()):
            out.append(Candidate(m.start(), m.end(), _phone_kind(text, m.start())))
    for m in _INTL_PHONE.finditer(text):
        end = m.end()
        while text[end - 1] in ") .-":
            end -= 1
        if 8 <= sum(c.isdigit() for c in text[m.start() : end]) <= 15 and not _UNIT_AFTER.match(text, end):
            out.append(Candidate(m.start(), end, _phone_kind(text, m.start())))
    for m in _MAC.finditer(text):
        out.append(Candidate(m.start(), m.end(), "DEVICE"))
    for m in _EMAIL_SPELLED.finditer(text):
        out.append(Candidate(m.start(), m.end(), "EMAIL"))
    for m in _UDI.finditer(text):
        out.append(Candidate(m.start(), m.end(), "DEVICE"))
    for m in _VANITY.finditer(text):
        if sum(c.isalpha() for c in m.group()) >= 2 or _PHONE_CTX.search(text, max(0, m.start() - 24), m.start()):
            out.append(Candidate(m.start(), m.end(), "PHONE"))
    for m in _TRUNK_PHONE.finditer(text):
        if _PHONE_CTX.search(text, max(0, m.start() - 24), m.start()) and not _UNIT_AFTER.match(text, m.end()):
            out.append(Candidate(m.start(), m.end(), _phone_kind(text, m.start())))
    for m in _HANDLE.finditer(text):
        out.append(Candidate(m.start("v"), m.end("v"), "ID"))
    for m in _USERNAME.finditer(text):
        v = m.group("v")
        if any(c.isdigit() for c in v) or (v.islower() and len(v) >= 5 and not _is_word(v)):
            out.append(Candidate(m.start("v"), m.end("v"), "ID"))
    for m in _CODE_NUMBER.finditer(text):
        v = m.group("v")
        if m.group("code").strip("-") in _NOT_ISSUER_CODES or _UNIT_AFTER.match(text, m.end()) or _DATE_LIKE.match(v):
            continue
        digits = sum(c.isdigit() for c in v)
        if digits >= 7 or (digits >= 5 and any(c.isalpha() for c in v)):
            out.append(Candidate(m.start("v"), m.end("v"), "ID"))
    for m in _SHORT_PHONE.finditer(text):
        if not _UNIT_AFTER.match(text, m.end("n")):
            out.append(Candidate(m.start("n"), m.end("n"), "PHONE"))
    for m in _SPOKEN_PHONE.finditer(text):
        words = re.findall(_DIGIT_WORD, m.group(), _I)
        if len(words) >= 7 and sum(w.lower() in ("o", "oh") for w in words) < len(words) - 3:
            out.append(Candidate(m.start(), m.end(), _phone_kind(text, m.start())))
    return [_with_extension(text, c) if c.kind in ("PHONE", "FAX") else c for c in out]


# --- dates --------------------------------------------------------------------------------------

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)"
_DATE_PATTERNS = [
    # 03/14/1962, 3/29/21, 12-30-2022
    re.compile(rf"(?<![\w/.-])(?:0?[1-9]|1[0-2])([/-]){_DAY}\1(?:{_YEAR}|\d{{2}})(?![\w/-]|\.\d)"),
    # 14/03/1962 (day first), 14.03.2019, 14/3/21 (day first, two-digit year: the day is over 12)
    re.compile(rf"(?<![\w/.-]){_DAY}([/.-])(?:0?[1-9]|1[0-2])\1{_YEAR}(?![\w/-]|\.\d)"),
    re.compile(r"(?<![\w/.-])(?:1[3-9]|2\d|3[01])([/.-])(?:0?[1-9]|1[0-2])\1\d{2}(?![\w/-]|\.\d)"),
    # 14-Mar, 5/Jan, Mar-14 (day and month name, no year)
    re.compile(rf"(?<![#\w/.-]){_DAY}[-/]{_MONTH}\b(?![-/]\d)", _I),
    re.compile(rf"(?<![#\w/.-]){_MONTH}[-/]{_DAY}\b(?![-/.]\d)", _I),
    # on the 5th (a day of the month alone)
    re.compile(
        rf"\b(?:on|by|until|since|from|before|after|{_WEEKDAY})[ \t]+the[ \t]+(?P<d>(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th))\b"
        r"(?![ \t]+(?:(?:and|or|to|through|-)[ \t]*\d{1,2}(?:st|nd|rd|th)[ \t]+)?(?:day|week|month|year|percentile|dose|cycle|time|grade|decade|rib|floor|generation|"
        r"line|trimester|postoperative|post-?op|hour|minute|attempt|visit|session|infusion|course))",
        _I,
    ),
    # 2019-03-17, 2023-01-05T10:00, 2019/03/17
    re.compile(rf"(?<![\w/.-]){_YEAR}([-/.])(?:0?[1-9]|1[0-2])\1{_DAY}{_TIME}?(?![\w/-]|\.\d)"),
    # 2024-05, 02/2021
    re.compile(rf"(?<![\w/.-]){_YEAR}-(?:0[1-9]|1[0-2])(?![\w/-]|\.\d)"),
    re.compile(rf"(?<![\w/.-])(?:0?[1-9]|1[0-2])/{_YEAR}(?![\w/-]|\.\d)"),
    # March 3, 2023; Mar 15th; march 3 2024; Jan. 5th, 2020; Feb 2, 1930
    re.compile(rf"\b{_MONTH}\.?[ \t]+{_DAY}{_ORD}?\b(?:,?[ \t]+{_YEAR}\b)?", _I),
    # June third, the third of June, June the 3rd, March 3rd '21, Mar '19
    re.compile(rf"\b{_MONTH}\.?[ \t]+(?:the[ \t]+)?(?:{_DAY_WORD}|{_DAY}{_ORD})\b(?:,?[ \t]+{_YEAR}\b)?", _I),
    re.compile(rf"\b(?:the[ \t]+)?{_DAY_WORD}[ \t]+(?:of[ \t]+)?{_MONTH}\b\.?(?:,?[ \t]+{_YEAR}\b)?", _I),
    re.compile(rf"\b{_MONTH}\.?(?:[ \t]+{_DAY}{_ORD}?,?)?[ \t]+['’]\d{{2}}\b", _I),
    # 3.14.21, 14.3.21 (two-digit year with periods)
    re.compile(rf"(?<![\w/.-]){_DAY}\.{_DAY}\.\d{{2}}(?![\w/-]|\.\d)"),
    # 20190314 (compact ISO) and 2019-3-14 with any separator
    re.compile(rf"(?<![\w/.-]){_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:T\d{{4}}(?:\d\d)?)?(?![\w/-]|\.\d)"),
    # 15-28 Feb 2025, Feb 15-28 (a range of days)
    re.compile(rf"(?<![\w/.-]){_DAY}{_ORD}?[ \t]*[-–][ \t]*{_DAY}{_ORD}?[ \t]+(?:of[ \t]+)?{_MONTH}\b\.?", _I),
    re.compile(rf"\b{_MONTH}\.?[ \t]+{_DAY}{_ORD}?[ \t]*[-–][ \t]*{_DAY}{_ORD}?\b", _I),
    # 5 Jan 2023, 19th March, 3rd of May 2019, the 19th of March
    re.compile(rf"(?<![#\w])(?:the[ \t]+)?{_DAY}{_ORD}?[ \t]+(?:of[ \t]+)?{_MONTH}\b\.?(?:,?[ \t]+{_YEAR}\b)?", _I),
    # March 2019, Dec 2022, October, 2022
    re.compile(rf"\b{_MONTH}\.?(?:,?[ \t]+|[-/]){_YEAR}\b", _I),
    # 12-Mar-2021, 5-Jan-23
    re.compile(rf"(?<![#\w]){_DAY}[-/ ]{_MONTH}[-/ ](?:{_YEAR}|\d{{2}})\b", _I),
]
#: Month/day without a year (``3/14``) only after a word that introduces a date, never before a unit.
_MONTH_DAY = re.compile(
    r"(?:\b(?:on|since|recheck(?:ed)?|received|collected|from|until|till|dated?|seen|admitted|discharged|"
    r"through|thru|starting|started|before|after|as\s+of|effective|due|scheduled|dos|visit|surgery|born|dob|"
    r"d\.o\.b\.|date|last|next|labs?|drawn|ct|mri|echo|ekg|ecg|cxr|x-?ray|biopsy|appt|appointment|f/u|rtc|adm|"
    r"disch|procedure|dated|week\s+of|hospitali[sz]ed|for|by|at|to|and|or|today|tonight|yesterday|tomorrow|"
    r"clinic|office|follow-?up|date\s+of\s+[a-z]+(?:\s+[a-z]+)?|onset|injury|event|"
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
_HOLIDAY = re.compile(
    r"\b(?:Christmas(?:[ \t]+(?:Eve|Day))?|Thanksgiving|Easter(?:[ \t]+Sunday)?|New[ \t]+Year['’]s(?:[ \t]+(?:Eve|Day))?|"
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
    rf"(?:,?[ \t]+{_SPOKEN_YEAR}\b)?(?:,?[ \t]*(?:at|@|T)?[ \t]*{_TIME_OF_DAY}(?![\w:/]|\.\d))?", _I
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
    for m in _MONTH_DAY.finditer(text):
        if not _NOT_A_DATE_AFTER.match(text, m.end("d")):
            out.append(Candidate(m.start("d"), m.end("d"), "DATE"))
    for pattern in (_DOB, _BARE_MONTH):
        for m in pattern.finditer(text):
            out.append(Candidate(m.start("d"), m.end("d"), "DATE"))
    for m in _HOLIDAY.finditer(text):
        out.append(Candidate(m.start(), m.end(), "DATE"))
    return [_date_context(text, c) for c in out]


# --- ages over 89 -------------------------------------------------------------------------------

_OLD = r"(?:9\d|1[01]\d)"
_OLD_WORDS = r"(?:ninety(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?|one\s+hundred(?:\s+and)?(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve))?)"
_AGE_PATTERNS = [
    re.compile(r"\bin\s+(?:his|her|their)\s+(?P<a>(?:early\s+|mid\s+|late\s+)?(?:90s|nineties|100s))\b", _I),
    re.compile(
        rf"(?<![\w.])(?P<a>{_OLD})(?=[\s-]*(?:years?|yrs?|y/?o\b|y\.o\.|yo\b|year[\s-]old|-year-old|-yo\b))", _I
    ),
    re.compile(
        rf"\b(?:aged?|age:|age\s+of|turn(?:s|ed|ing)?|lived\s+to|lives\s+to|reached|approx\.?|approximately|about)"
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
    # a nonagenarian / centenarian aged 96, 96 (nonagenarian)
    re.compile(rf"(?<![\w.])(?P<a>{_OLD})\b(?=[\s(,-]*(?:nonagenarian|centenarian|supercentenarian))", _I),
]


def ages(text: str) -> list[Candidate]:
    """Ages of 90 or more, in digits or words, where the text says it is an age."""
    return [Candidate(m.start("a"), m.end("a"), "AGE") for p in _AGE_PATTERNS for m in p.finditer(text)]


# --- geography ----------------------------------------------------------------------------------

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
_STATE = rf"(?:(?-i:{'|'.join(STATES)})|{STATE_NAMES})"
#: Countries and regions (kept, never a CITY).
_COUNTRIES = frozenset(
    "spain mexico canada england france germany india china japan italy ireland poland nigeria ghana brazil "
    "portugal russia korea vietnam philippines europe africa asia america usa us uk".split()
) | frozenset(("north america", "south america", "central america", "latin america", "united states", "new england"))
#: USPS street suffixes (Publication 28, appendix C1): full words and standard abbreviations. A few
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
    court ct courts cts crt
"""
_SUFFIX = "(?:" + "|".join(sorted(set(_SUFFIX_WORDS.split()), key=len, reverse=True)) + ")"
_DIRECTIONAL = r"(?:[NS][EW]?|[EW]|(?i:north(?:east|west)?|south(?:east|west)?|east|west))"
_CAPWORD = r"(?:[A-Z][A-Za-z'-]{0,30}\.?|\d{1,3}(?:st|nd|rd|th))"
_UNIT = (
    r"(?i:,?[ \t]*(?:apt|apartment|unit|suite|ste|bldg|building|floor|fl|rm|room|lot|space|spc|trailer|trlr|flat|lgh|"
    r"dept|#)\.?[ \t]*#?[ \t]*(?=[A-Za-z-]*\d|[A-Z]\b)[A-Za-z0-9-]+)"
)
_STREET = re.compile(
    rf"(?<![\w.,/-])\d{{1,6}}(?:-?[A-Za-z]|[ \t]+1/2)?(?:[ \t]+{_DIRECTIONAL}\.?)?(?:[ \t]+{_CAPWORD}){{1,4}}"
    rf"[ \t]+(?i:{_SUFFIX})\b\.?(?:[ \t]+{_DIRECTIONAL}\b\.?)?{_UNIT}?",
)
_STREET_ON = re.compile(
    rf"\b(?:lives|living|resides|residing|located|house|home|apartment)[ \t]+on[ \t]+(?P<st>(?:(?-i:{_CAPWORD})[ \t]+){{1,3}}"
    rf"(?i:{_SUFFIX})\b\.?)",
    _I,
)
_PO_BOX = re.compile(r"\b(?:P\.?[ \t]?O\.?|post[ \t]+office)[ \t]*box[ \t]+#?\d+\b", _I)
_UP = "A-ZÀ-ÖØ-Þ"
_LO = "a-zß-öø-ÿ"
_PLACE_WORD = rf"(?:[{_UP}][{_LO}]+(?:['’][{_LO}]+)?|[dlDL]['’][{_UP}][{_LO}]+)"
#: A place name: up to three capitalised words, with ``St.``/``Ste.``/``Fort`` and particles (``Fond du Lac``).
_PLACE = (
    rf"(?:(?:St|Ste|Ft|Mt)\.[ \t]+)?{_PLACE_WORD}"
    rf"(?:(?:[ \t]+(?:du|de|la|le|des|del|da|di|van|von|sur|St\.|Ste\.))?[ \t-]{_PLACE_WORD}){{0,2}}"
)
_CITY_ST_ZIP = re.compile(
    rf"(?P<city>(?-i:{_PLACE})),?[ \t]*(?P<st>{_STATE})\.?,?[ \t]+(?P<zip>\d{{5}}(?:-\d{{4}})?)\b",
    _I,
)
_CITY_ST = re.compile(rf"(?P<city>(?-i:{_PLACE}),)[ \t]*(?:(?-i:{'|'.join(STATES)})|{STATE_NAMES})\b(?!\.\w)")
_TOWN_OF = re.compile(r"\b(?:[Tt]own|[Cc]ity|[Vv]illage|[Bb]orough)[ \t]+of[ \t]+(?P<place>" + _PLACE + r")")
_FACILITY_IN = re.compile(r"[ \t]+(?:in|of|at)[ \t]+(?P<place>" + _PLACE + r")")
_FACILITY_COMMA_CITY = re.compile(r",[ \t]*(?P<place>" + _PLACE + r")(?=[ \t]*(?:$|[\n.;|)]|,[ \t]*[A-Z]{2}\b))", re.M)
_ZIP_AFTER_STATE = re.compile(rf"\b{_STATE}\.?,?[ \t]+(?P<zip>\d{{5}}(?:-\d{{4}})?)\b")
_ZIP_LABEL = re.compile(r"\b(?:zip|zip\s*code|postal\s+code)\W{0,3}(?P<zip>\d{5}(?:-\d{4})?)\b", _I)
_ZIP9 = re.compile(r"(?<![\w-])\d{5}-\d{4}(?![\w-])")
_AFTER_ADDRESS = re.compile(
    rf",?[ \t]*(?P<city>(?-i:{_PLACE}))(?:,?[ \t]*{_STATE}\b\.?)?(?:,?[ \t]*(?P<zip>\d{{5}}(?:-\d{{4}})?)\b)?"
)
_COMMA_CITY_ZIP = re.compile(r",[ \t]*(?P<city>" + _PLACE + r")[ \t]+(?P<zip>\d{5}(?:-\d{4})?)(?![\w-])")
_NOT_CITY_WORDS = frozenset(
    "Group Room Unit Suite Box Bed Floor Account Member Policy Code Lot Batch Phone Fax Pages Ext Extension "
    "Badge Order Claim Case Id Study Visit Encounter Card Plan".split()
)
_PLACE_CTX = re.compile(
    r"\b(?:lives?|living|resides?|residing|moved|relocated|visits?(?:\s+\w+)?|travel(?:s|ed|led|ling)?|drove|"
    r"comes?|came|born|raised|grew\s+up|homeless|stays?|staying|seen|treated|hospitali[sz]ed|admitted|evaluated|"
    r"works?|worked|employed|incarcerated|vacation(?:ing|ed)?|commutes?|return(?:s|ed|ing)?|fl(?:ew|own|ies|y)|"
    r"arriv(?:es?|ed|ing)|transferred|transported|trips?|travel|native|originally|hails?|hailing|emigrated|"
    r"immigrated|fled|deployed|stationed|moving|driving|drives|home|located|based|resident|go(?:es|ing)?|went|"
    r"headed|heading|flying|immigrant|refugee|evacuated|relocating|settled|reside)"
    r"(?:\s+(?:alone|here|there|now|currently|weekly|daily|monthly|often|recently|back|home|in|up|"
    r"with\s+\w+))?\s+(?:in|from|to|at|near|of|outside(?:\s+of)?)\s+"
    r"(?P<place>" + rf"(?-i:{_PLACE})" + r")",
    _I,
)
#: ``visiting her son in Duluth``: a visit or a stay, up to three words, then ``in`` a place.
_VISIT_IN = re.compile(
    r"\b(?:visit(?:s|ed|ing)?|stay(?:s|ed|ing)?(?:\s+with)?|lives\s+with|living\s+with|vacation(?:s|ed|ing)?)"
    r"(?:\s+[a-z']+){1,3}?\s+(?:in|near|outside(?:\s+of)?)\s+(?P<place>" + rf"(?-i:{_PLACE})" + r")",
    _I,
)
_PLACE_HEADER = re.compile(
    r"(?im)^[ \t]*(?:city|town|hometown|place\s+of\s+birth|birthplace|county|residence)[ \t]*:[ \t]*"
    r"(?P<place>[A-Z][A-Za-z]+(?:[ \t-][A-Z][A-Za-z]+){0,2})"
)
_GEO_AREA = re.compile(
    r"\b(?:(?-i:[A-Z][a-z]+)[ \t]+){1,3}(?-i:County|Parish|Township|Borough|Twp\.?)\b|"
    r"\b(?:(?-i:[A-Z][a-z]+)[ \t]+){1,3}(?:neighbou?rhood|subdivision|district|estates|village)\b|"
    r"\bWard[ \t]+\d+[A-Z]?\b"
)


def _nouns(words: str) -> str:
    """A regex alternation of space-separated multi-word nouns (``Nursing_Home`` -> ``Nursing[ \\t]+Home``)."""
    alts = sorted(words.split(), key=len, reverse=True)
    return "(?:" + "|".join(a.replace("_", r"[ \t]+") for a in alts) + ")"


#: Institutions: a capitalised name before one of these nouns is a facility, whatever the name.
_FACILITY_NOUN = _nouns(
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
    Veterans_Home Soldiers'_Home VA_Medical_Center VAMC Domiciliary Barracks Base Air_Force_Base Station
    """
)
#: Practice names (``Bayview Pediatrics``): a facility only when no word of the name is an English word.
_PRACTICE_NOUN = _nouns(
    """
    Pediatrics Paediatrics Orthopedics Orthopaedics Cardiology Dermatology Oncology Neurology Urology Radiology
    Imaging Diagnostics Laboratories Labs Associates Physicians Healthcare Health Medicine Dental Dentistry
    Family_Medicine Internal_Medicine Women's_Health Eye_Care Vision Chiropractic Physical_Therapy Counseling
    Psychiatry Obstetrics OB/GYN Gynecology Surgical_Associates Medical Medical_Clinic Surgery Ortho Drug Drugs
    Pharmacy Apothecary Optical Hearing Podiatry Rehab Therapy Wellness Care
    """
)
#: Capitalised words that start a sentence or a heading rather than a facility's name.
_NOT_FACILITY_WORDS = frozenset(
    "The A An This That At To In From Of For And Or With By On Admitted Transferred Discharged Seen Follow "
    "Hospital Clinic Course Day Home General Community University State Regional Memorial Medical Health "
    "Children's Emergency Department Discharge Admission Summary Reason Plan Dialysis Care Nursing "
    "American National International World Federal United Royal European".split()
)
#: Words of a title-cased sentence, not of a facility's name.
_SENTENCE_WORDS = frozenset(
    "Up In At To For With On Into From By Will Would Should Be Is Are Was Were Has Have Had Not No Please "
    "Return Returned Go Going See Seen Call Called Schedule Scheduled Continue Needs Need Refer Referred "
    "Follow Followed Discharge Discharged Transfer Transferred Admit Admitted Visit Visited".split()
)
_FACILITY = re.compile(
    rf"\b(?P<name>(?:[A-Z][A-Za-z'’&.-]{{0,30}}[ \t](?:(?:and|of|&)[ \t]+(?=[A-Z]))?){{1,5}}){_FACILITY_NOUN}\b"
)
_PRACTICE = re.compile(
    rf"\b(?P<name>(?:[A-Z][a-z'’]+[ \t]+){{1,3}}){_PRACTICE_NOUN}\b"
    r"(?![ \t]+(?:Organi[sz]ation|Association|Society|Foundation|Institutes?|Council|Agency|Department|Service))"
)
#: Capitalised words before a lower-case facility noun (``Lakeshore Ortho Waukesha clinic``).
_FACILITY_LC_NOUN = re.compile(
    r"\b(?P<name>(?:[A-Z][\w'’&.-]{0,30}[ \t]+){1,4})(?:clinic|hospital|office|practice|pharmacy|campus|"
    r"nursing\s+home|rehab|facility|shelter|center|centre)\b"
)
#: An organisation after a header that names one (``Employer: ...``, ``| Employer | ... |``).
_ORG_HEADER = re.compile(
    r"\b(?:employer|company|workplace|place\s+of\s+(?:work|employment)|school|church|congregation|insurer|"
    r"insurance|carrier|payer|pharmacy|funeral\s+home|facility|agency|shelter|nursing\s+home|snf|ltac|"
    r"rehab|hospice|home\s+health|transferred\s+from|referred\s+from|outside\s+hospital|osh)"
    r"[ \t]*[:|][ \t]*(?P<org>[A-Z][\w'’&.-]{0,30}(?:[ \t]+(?:&|and|of|the|[A-Z][\w'’&.-]{0,30})){0,6})",
    _I,
)
#: Places named ``Fort X``, ``Mount X``, ``Camp X``, ``Port X`` (``Fort Harrison VA``).
_PREFIXED_PLACE = re.compile(
    rf"\b(?:Fort|Ft\.|Mount|Mt\.|Camp|Port|Cape)[ \t]+{_PLACE_WORD}(?:[ \t]+{_PLACE_WORD})?"
    r"(?:[ \t]+(?:VA|VAMC|VA[ \t]+Medical[ \t]+Center))?"
)
#: ``in the Fenwick Heights area``, ``area of Duluth``, ``near Dyersville``.
_AREA = re.compile(
    rf"\bthe[ \t]+(?P<a>(?-i:{_PLACE}))[ \t]+(?=(?:area|neighbou?rhood|section|district|suburbs?|community|"
    r"projects|region|vicinity)\b)|"
    rf"\b(?:area|outskirts|suburbs?|part|side|outside|north|south|east|west|downtown|city|town|village)[ \t]+of[ \t]+"
    rf"(?P<b>(?-i:{_PLACE}))|"
    rf"\b(?:near|outside|just[ \t]+(?:north|south|east|west)[ \t]+of)[ \t]+(?P<c>(?-i:{_PLACE}))|"
    rf"\b(?:[MF]|male|female|man|woman|boy|girl|veteran|farmer|resident|native|family|relatives|contact|friends|"
    rf"parents|daughter|son|sister|brother|mother|father|farm|house|apartment|home)[ \t]+(?:from|in)[ \t]+"
    rf"(?P<d>(?-i:{_PLACE}))",
    _I,
)
_FACILITY_LOWER = re.compile(
    r"\b(?:at|to|from|in)[ \t]+the[ \t]+(?P<name>(?-i:[A-Z][a-z]+(?:[ \t][A-Z][a-z]+){0,3}))[ \t]+"
    r"(?:clinic|hospital|center|centre|practice|pharmacy|facility|nursing\s+home|shelter|campus|office)\b"
)
_UNIT_WORDS = frozenset("apt apartment unit suite ste bldg building floor fl rm room".split())
_COMMON_PLACE_WORDS = frozenset("the a an he she they his her it this that we i".split())


def _place_ok(name: str) -> bool:
    low = name.lower()
    return (
        len(low) > 2
        and low not in _COUNTRIES
        and not re.fullmatch(STATE_NAMES.lower(), low)
        and low not in _COMMON_PLACE_WORDS
    )


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
    rf"{_PLACE_WORD}(?:[ \t]+{_PLACE_WORD}){{0,2}}"
)
#: Numbered roads (``Route 9W``, ``County Rd 12``, ``2750 KY-40``, ``N6240 County Road KK``, ``I-95``).
_ROUTE = re.compile(
    r"(?<![\w.,/-])(?:(?P<house>[NSEW]?\d{1,6}[A-Za-z]?)[ \t]+)?"
    r"(?:(?:(?:State|County|US|U\.S\.|Interstate|Farm[ \t]+to[ \t]+Market|Ranch[ \t]+to[ \t]+Market|Old)[ \t]+)?"
    r"(?:Route|Rte\.?|Road|Rd\.?|Highway|Hwy\.?|Interstate|Trunk|FM|CR|SR|RM)[ \t]+"
    r"(?P<num>\d{1,4}[A-Z]?\b|[A-Z][A-Za-z]?\b(?![ \t]*[a-z]))|"
    rf"(?:{'|'.join(STATES)}|US|I)-\d{{1,4}}[A-Z]?\b)"
)
_ROAD_CUE = re.compile(r"\b(?:on|off|along|via|onto|take|took|exit)[ \t]+$", _I)
_RURAL_ROUTE = re.compile(
    r"\b(?:RR|R\.R\.|Rural[ \t]+Route|HC|H\.C\.|Star[ \t]+Route|PSC|CMR|Unit)[ \t]*#?\d+,?[ \t]*(?:Box|Bx)[ \t]*#?\d+\b",
    _I,
)
#: Streets named with a suffix word, European style (``Vasagatan 12``, ``Hauptstraße 5``).
_STREET_EU = re.compile(
    rf"\b[{_UP}][{_LO}]+(?:straße|strasse|str\.|gatan|gata|vägen|gade|vej|veien|weg|laan|straat|gasse|platz|"
    r"plein|allee|dijk|ring)[ \t]+\d{1,5}[a-z]?\b"
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
    rf"\b(?:on|off|along|onto|at)[ \t]+(?P<st>(?:{_DIRECTIONAL}\.?[ \t]+)?(?:{_CAPWORD}[ \t]+){{1,3}}{_STRONG_SUFFIX}\b\.?)"
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
_TAIL_STATE = re.compile(rf"(?:{_STATE})\b\.?")
_TAIL_CITY = re.compile(rf"(?-i:{_PLACE})|(?-i:[A-Z]{{2,}}(?:[ \t]+[A-Z]{{2,}}){{0,3}})(?=[ \t]+[A-Z]{{2}}[ \t]+\d)")
_STATE_OR_POSTAL_NEXT = re.compile(rf"[ \t]*,?[ \t]*(?:(?-i:{'|'.join(STATES)})\b|(?-i:{_POSTAL})(?![\w-]))")
_TAIL_LOWER_CITY = re.compile(r"[a-z]+(?:[ \t][a-z]+)?(?=[ \t,]+\d{5}\b)")


def _address_tail(text: str, end: int) -> list[Candidate]:
    """City, state, postal code after a street, in any order, up to five parts on the same or the next line."""
    out: list[Candidate] = []
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
        if m and not _UNIT_AFTER.match(text, m.end()):
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
        if m and _place_ok(m.group()) and m.group().split()[0].lower() not in _UNIT_WORDS:
            if m.group().lower() in _COUNTRIES:
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
        streets.append((m.start(), m.end()))
    streets.extend((m.start("st"), m.end("st")) for m in _ON_STREET.finditer(text))
    for m in _STREET_ANYCASE.finditer(text):
        if _ADDRESS_CUE.search(text, max(0, m.start() - 60), m.start()) and not _UNIT_AFTER.match(text, m.start()):
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


def geography(text: str) -> list[Candidate]:
    """Street addresses, PO boxes, cities, ZIP codes, counties and other areas, named facilities."""
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
        if after and _place_ok(after["city"]) and after["city"].split()[0].lower() not in _UNIT_WORDS:
            out.append(Candidate(after.start("city"), after.end("city"), "CITY"))
            if after["zip"]:
                out.append(Candidate(after.start("zip"), after.end("zip"), "ZIP"))
    for m in _CITY_ST_ZIP.finditer(text):
        if _place_ok(m.group("city")):
            out.append(Candidate(m.start("city"), m.end("city"), "CITY"))
        out.append(Candidate(m.start("zip"), m.end("zip"), "ZIP"))
    for m in _CITY_ST.finditer(text):
        city = m.group("city").rstrip(",")
        if _place_ok(city):
            out.append(Candidate(m.start("city"), m.start("city") + len(city), "CITY"))
    for pattern in (_ZIP_AFTER_STATE, _ZIP_LABEL):
        for m in pattern.finditer(text):
            out.append(Candidate(m.start("zip"), m.end("zip"), "ZIP"))
    for m in _COMMA_CITY_ZIP.finditer(text):
        if m.group("city").split()[0] not in _NOT_CITY_WORDS and _place_ok(m.group("city")):
            out.append(Candidate(m.start("city"), m.end("city"), "CITY"))
            out.append(Candidate(m.start("zip"), m.end("zip"), "ZIP"))
    for m in _ZIP9.finditer(text):
        out.append(Candidate(m.start(), m.end(), "ZIP"))
    for m in itertools.chain(_PLACE_CTX.finditer(text), _VISIT_IN.finditer(text)):
        place = m.group("place")
        if text[m.end("place") : m.end("place") + 1] == "-":
            continue
        if _place_ok(place) and place.split()[0] not in _NOT_FACILITY_WORDS:
            out.append(Candidate(m.start("place"), m.end("place"), "CITY"))
            more = _FACILITY_IN.match(text, m.end("place"))  # ``works at Costco in Issaquah``
            if more and _place_ok(more["place"]):
                out.append(Candidate(more.start("place"), more.end("place"), "CITY"))
            z = re.compile(r",?[ \t]*(?P<zip>\d{5}(?:-\d{4})?)\b").match(text, m.end("place"))
            if z:
                out.append(Candidate(z.start("zip"), z.end("zip"), "ZIP"))
    for m in _TOWN_OF.finditer(text):
        out.append(Candidate(m.start("place"), m.end("place"), "CITY"))
    for m in _PLACE_HEADER.finditer(text):
        if _place_ok(m.group("place")):
            out.append(Candidate(m.start("place"), m.end("place"), "CITY"))
    for m in _GEO_AREA.finditer(text):
        start = m.start()
        words = m.group().split()
        while len(words) > 1 and words[0] in _NOT_FACILITY_WORDS:
            start = text.index(words[1], start + len(words[0]))
            words = words[1:]
        out.append(Candidate(start, m.end(), "GEO"))
    for m in _FACILITY.finditer(text):
        start = m.start("name")
        words = m.group("name").split()
        # a title-cased sentence (``Will Follow Up In Clinic``): the name starts after its last verb or preposition
        cut = max((k + 1 for k, w in enumerate(words) if w in _SENTENCE_WORDS), default=0)
        for w in words[:cut]:
            start = text.index(w, start) + len(w)
        words = words[cut:]
        while words and words[0] in _NOT_FACILITY_WORDS:
            start = text.index(words[0], start) + len(words[0])
            words = words[1:]
        if words:
            start = text.index(words[0], start)
            out.append(Candidate(start, m.end(), "GEO"))
            after = _FACILITY_IN.match(text, m.end()) or _FACILITY_COMMA_CITY.match(text, m.end())
            if after and _place_ok(after["place"]):
                out.append(Candidate(after.start("place"), after.end("place"), "CITY"))
                if after.group().lstrip().startswith("of "):  # ``Prairie Heart Institute of Decatur``
                    out.append(Candidate(start, after.end("place"), "GEO"))
    if _PRACTICE.search(text):
        from kg.privacy._lists import clinical_words, common_words, fold

        common, clinical = common_words(), clinical_words()
        for m in _PRACTICE.finditer(text):
            words = m.group("name").split()
            if (
                words[0] not in _NOT_FACILITY_WORDS
                and not all(fold(w) in common for w in words)
                and not any(fold(w) in clinical for w in words)
            ):
                out.append(Candidate(m.start(), m.end(), "GEO"))
    from kg.privacy._lists import clinical_words, common_words, fold

    common, clinical = common_words(), clinical_words()

    def proper(words: list[str]) -> bool:
        """A name: its first word no heading word, some word no English word, no word clinical."""
        return (
            bool(words)
            and words[0] not in _NOT_FACILITY_WORDS
            and not all(fold(w) in common for w in words)
            and not any(fold(w) in clinical for w in words)
        )

    for m in _FACILITY_LC_NOUN.finditer(text):
        if proper(m.group("name").split()):
            out.append(Candidate(m.start("name"), m.end("name") - 1, "GEO"))
    for m in _ORG_HEADER.finditer(text):
        org = m.group("org").rstrip(" .")
        if proper(org.split()):
            out.append(Candidate(m.start("org"), m.start("org") + len(org), "GEO"))
    for m in _PREFIXED_PLACE.finditer(text):
        out.append(Candidate(m.start(), m.end(), "GEO"))
    for m in _AREA.finditer(text):
        g = next(k for k in "abcd" if m.group(k))
        words = m.group(g).split()
        if (
            _place_ok(m.group(g))
            and words[0] not in _NOT_FACILITY_WORDS
            and not m.group(g).endswith(("'s", "’s"))  # an eponym (``area of Bowman's capsule``)
            and not any(fold(w) in clinical for w in words)
        ):
            out.append(Candidate(m.start(g), m.end(g), "CITY"))
    for m in _FACILITY_LOWER.finditer(text):
        if proper(m.group("name").split()):
            out.append(Candidate(m.start("name"), m.end("name"), "GEO"))
    return out


RECOGNIZERS: tuple[Recognizer, ...] = (labelled_values, shaped_numbers, dates, ages, geography, addresses)


_CAPS_WORD = re.compile(r"\b[A-Z][A-Z'’-]+\b")


def _title_view(text: str) -> str | None:
    """``text`` with words in capitals title-cased (same length, same offsets), or None if it has few."""
    if sum(len(w) > 2 for w in _CAPS_WORD.findall(text, 0, 20000)) < 2:
        return None
    return _CAPS_WORD.sub(lambda m: m.group() if m.group() in _KEEP_CAPS else m.group().title(), text)


#: Words of facility nouns: a name in capitals is a facility only with some other, proper word.
_FACILITY_WORDS = frozenset(re.findall(r"[a-z]+", (_FACILITY_NOUN + _PRACTICE_NOUN).lower()))
_KEEP_CAPS = frozenset(("PO", "RR", "HC", "VA", "VAMC", "YMCA", "YWCA", "LLC", "USA", *STATES))


def iter_candidates(text: str) -> Iterator[Candidate]:
    """Every candidate span of the structured and geographic recognizers.

    Places are also looked for in a title-cased view of words in capitals (``FOND DU LAC WI``,
    ``HARBORLIGHT FAMILY MEDICINE``), so the place rules need no all-caps variants.
    """
    for recognizer in RECOGNIZERS:
        yield from recognizer(text)
    view = _title_view(text)
    if view is not None:
        from kg.privacy._lists import clinical_words, common_words, fold

        common, clinical = common_words(), clinical_words()
        yield from addresses(view)  # a street's shape is evidence enough for what follows it
        for c in geography(view):
            words = [fold(w) for w in re.findall(r"[^\W\d_]+", view[c.start : c.end])]
            proper = [w for w in words if w not in _FACILITY_WORDS and w not in common and w not in clinical]
            if c.kind in ("ZIP", "STREET") or (len(words) > 1 and proper):
                yield c
