"""Identifiers recognised by their shape: SSNs, e-mails, URLs, IPs, phone and fax numbers, handles, codes."""

from __future__ import annotations

import ipaddress
import re

from kg.privacy._base import UNIT_AFTER, Candidate
from kg.privacy._lists import clinical_words, common_words

_I = re.IGNORECASE

_SSN = re.compile(r"(?<![\w.-])\d{3}([- .–])\d{2}\1\d{4}(?![\w-]|\.\d)")
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][\w.+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
_URL = re.compile(
    r"(?<![\w@.-])(?:(?:https?|ftp)://[^\s<>\"']+|www\.[^\s<>\"']+|"
    r"(?:[a-z0-9-]+\.)*[a-z0-9-]{3,}\.[a-z]{2,12}/[^\s<>\"']*|"
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
    r"(?<![\w+-])(?P<one>\+?1[\s.-]?)?(?:\((?P<a1>\d{3})\)[\s.-]?|(?P<a2>\d{3})(?P<s1>[\s./-]))"
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
#: A UK mobile number (``07700 900431``): its shape is evidence enough, no phone word needed.
_UK_MOBILE = re.compile(r"(?<![\w+.-])07\d{3}[ ]?\d{3}[ ]?\d{3}(?![\w-]|\.\d)")
#: A user name after a word that names one (``username jomarsh79``, ``user nhammersley``).
_USERNAME = re.compile(
    r"\b(?:user(?:[ \t]*name)?|userid|login|log-?in|handle|screen[ \t]*name|account[ \t]+name|portal[ \t]+id)"
    r"[ \t]*[:=]?[ \t]*(?P<v>[^\W\d_][\w.-]{2,}[^\W_])",
    _I,
)


def _is_word(word: str) -> bool:
    """An English or clinical word (so no user name): the name layer's common-word list."""
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


def _by_shape(text: str) -> list[Candidate]:
    """SSNs, e-mails (also spelled out), URLs, IPs, MAC addresses and GS1 UDIs."""
    out: list[Candidate] = []
    for m in _SSN.finditer(text):
        if m.group(1) != "-" and UNIT_AFTER.match(text, m.end()):
            continue
        if m.group(1) == "." and re.search(r"\b(?:version|v|ver\.?)\s*$", text[max(0, m.start() - 12) : m.start()], _I):
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
    for m in _MAC.finditer(text):
        out.append(Candidate(m.start(), m.end(), "DEVICE"))
    for m in _EMAIL_SPELLED.finditer(text):
        out.append(Candidate(m.start(), m.end(), "EMAIL"))
    for m in _UDI.finditer(text):
        out.append(Candidate(m.start(), m.end(), "DEVICE"))
    return out


def _phones(text: str) -> list[Candidate]:
    """Phone and fax numbers: US, local, international, vanity, trunk-prefix, in-house, dictated."""
    out: list[Candidate] = []
    for m in _US_PHONE.finditer(text):
        if UNIT_AFTER.match(text, m.end()):
            continue
        # ``432/555-0127``: a slash after the area code only in a valid NANP number (no ratio or dose list)
        if m["s1"] == "/" and not (m["s2"] == "-" and m["a2"][0] in "23456789" and m["b"][0] in "23456789"):
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
        if 8 <= sum(c.isdigit() for c in text[m.start() : end]) <= 15 and not UNIT_AFTER.match(text, end):
            out.append(Candidate(m.start(), end, _phone_kind(text, m.start())))
    for m in _VANITY.finditer(text):
        if sum(c.isalpha() for c in m.group()) >= 2 or _PHONE_CTX.search(text, max(0, m.start() - 24), m.start()):
            out.append(Candidate(m.start(), m.end(), "PHONE"))
    for m in _UK_MOBILE.finditer(text):
        if not UNIT_AFTER.match(text, m.end()):
            out.append(Candidate(m.start(), m.end(), _phone_kind(text, m.start())))
    for m in _TRUNK_PHONE.finditer(text):
        if _PHONE_CTX.search(text, max(0, m.start() - 24), m.start()) and not UNIT_AFTER.match(text, m.end()):
            out.append(Candidate(m.start(), m.end(), _phone_kind(text, m.start())))
    for m in _SHORT_PHONE.finditer(text):
        if not UNIT_AFTER.match(text, m.end("n")):
            out.append(Candidate(m.start("n"), m.end("n"), "PHONE"))
    for m in _SPOKEN_PHONE.finditer(text):
        words = re.findall(_DIGIT_WORD, m.group(), _I)
        if len(words) >= 7 and sum(w.lower() in ("o", "oh") for w in words) < len(words) - 3:
            out.append(Candidate(m.start(), m.end(), _phone_kind(text, m.start())))
    return out


def _handles_and_codes(text: str) -> list[Candidate]:
    """Social-media handles, user names, and issuer codes in capitals before a long number."""
    out: list[Candidate] = []
    for m in _HANDLE.finditer(text):
        out.append(Candidate(m.start("v"), m.end("v"), "ID"))
    for m in _USERNAME.finditer(text):
        v = m.group("v")
        if any(c.isdigit() for c in v) or (v.islower() and len(v) >= 5 and not _is_word(v)):
            out.append(Candidate(m.start("v"), m.end("v"), "ID"))
    for m in _CODE_NUMBER.finditer(text):
        v = m.group("v")
        if m.group("code").strip("-") in _NOT_ISSUER_CODES or UNIT_AFTER.match(text, m.end()) or _DATE_LIKE.match(v):
            continue
        digits = sum(c.isdigit() for c in v)
        if digits >= 7 or (digits >= 5 and any(c.isalpha() for c in v)):
            out.append(Candidate(m.start("v"), m.end("v"), "ID"))
    return out


def shaped_numbers(text: str) -> list[Candidate]:
    """SSNs, e-mails, URLs, IPs, phone/fax numbers (with their extension), handles and codes, by their shape."""
    out = _by_shape(text) + _phones(text) + _handles_and_codes(text)
    return [_with_extension(text, c) if c.kind in ("PHONE", "FAX") else c for c in out]
