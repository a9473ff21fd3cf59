"""Values after a label that names them (``MRN: 4829133``, ``Member ID XGH492817305``): the value, never the label."""

from __future__ import annotations

import re

from kg.privacy._base import UNIT_AFTER, YEAR, Candidate

_I = re.IGNORECASE

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
            r"ssn|s\.s\.n\.?|ss\s?#|ss\s+(?:number|no\.?)|(?-i:SIN)|social\s+security(?:\s+(?:number|no\.?|#))?|soc\.?\s*sec(?:urity)?\.?(?:\s*(?:number|no\.?|#))?|"
            r"social(?=\s*(?:[:#]|is\b|number\b|no\b))|last\s+(?:four|4)(?:\s+digits)?\s+of\s+(?:the\s+)?ssn",
        ),
        (
            "MRN",
            r"mrns?|mr\s?#|mr\s+(?:number|no\.?)|empi|emr(?:\s+(?:id|number|no\.?|#))?|patient\s+(?:number|no\.?|#)|"
            r"pt\.?\s*#|med(?:ical)?\.?\s+rec(?:ord)?\.?(?:\s+(?:number|no\.?|#))?|record\s+(?:number|no\.?|#)|"
            r"chart(?:\s+(?:number|no\.?|#))?|hospital\s+(?:number|no\.?|#)|hosp\.?\s*(?:number|no\.?|#)|patient\s+id|pt\.?\s+id|unit\s+number|"
            r"mr(?=\s*[:#])|record|file|"
            # other countries' record numbers: UR (Australia), NHC, historia clínica, IPP, dossier, Fallnummer
            r"ur(?:\s*(?:no\.?|number|#))?|urn|nhc|historia\s+cl[ií]nica|ipp|n[°º]\s*dossier|dossier|fallnummer|"
            r"patientennummer|cartella(?:\s+clinica)?",
        ),
        (
            "HEALTHPLAN",
            r"member\s+(?:id|number|no\.?|#)|member|subscriber(?:\s+id)?|insurance\s+(?:id|number|no\.?|#)|"
            r"policy(?:\s+(?:number|no\.?|id))?|mbi|medicare(?:\s+(?:mbi|id|number|no\.?|#))?|"
            r"medicaid(?:\s+(?:id|number|no\.?|#))?|beneficiary(?:\s+(?:id|identifier|number))?|health\s+plan(?:\s+(?:id|number))?|"
            r"nhi|nhs(?:\s+(?:no\.?|number|#))?|health\s+card|hcn|ohip|phn|insurance\s+card|group(?=[ \t]+[A-Z]{1,4}\d)|"
            # other countries' health numbers (CHI, RAMQ, AHCIP, MSP, IHI, CNS, Carte Vitale, KVNR, tessera...)
            r"chi|ramq|ahcip|msp|ihi|cns|sus|ehic|tarjeta\s+sanitaria|tis|carte\s+vitale|n[°º]\s*s[ée]cu|s[ée]cu|"
            r"s[ée]curit[ée]\s+sociale|versichertennummer|kvnr|krankenversicherungsnummer|tessera\s+sanitaria|"
            r"health\s+(?:insurance\s+)?(?:number|no\.?)|(?-i:Group|GROUP)|group(?=\s*(?:number|no\b|#|id\b|:))|"
            # a bare lower-case ``group`` before a long number (``Bill to: ... / group 176240``)
            r"group(?=[ \t]+\d{5,}(?![\d.,]))",
        ),
        (
            "ACCOUNT",
            r"account|acct\.?|a/c|har|hospital\s+account|iban|routing(?:\s+number)?|card(?:\s+on\s+file)?|credit\s+card|visa|mastercard|amex|discover\s+card|billing(?:\s+(?:id|number|no\.?|#))?|invoice|"
            r"guarantor\s+(?:id|number|no\.?|#)",
        ),
        (
            "LICENSE",
            r"npi|dea|licen[cs]e|lic\.?|dl|cdl|driver'?s\s+licen[cs]e|certificate|cert(?:ification)?\.?|"
            r"registration\s+(?:number|no\.?|#)|permit|gmc|nmc|ahpra",
        ),
        (
            "VEHICLE",
            r"vin|plates?|licen[cs]e\s+plate|tag|vehicle|registration|reg\.|his\s+car|her\s+car|their\s+car|car|"
            # an aircraft's tail number (US N-number)
            r"tail(?:\s+(?:number|no\.?|#))?(?=[\s:#]+N\d)",
        ),
        (
            "DEVICE",
            r"serial(?:\s+(?:number|no\.?|#))?|ser\.?\s*(?:no\.?|#)|s/?n|device\s+id|udi|imei|barcode|bar\s+code|mac\s+address",
        ),
        (
            "ID",
            r"study(?:\s+subject)?(?:\s+id)?|subject(?:\s+(?:id|number|no\.?|#))?|participant(?:\s+id)?|trial\s+id|"
            r"csn|fin|visit\s+(?:number|no\.?|#)|staff\s+id|employee(?:\s+(?:number|no\.?|#))?|specimen(?:\s+accession)?|accession|encounter|visit\s+id|"
            r"badge|employee\s+id|case\s+(?:number|no\.?|#)|requisition|order\s+(?:number|no\.?|#)|"
            r"claim(?:\s+(?:number|no\.?|#))?|reference\s+(?:number|no\.?|#)|ticket|identifier|id|"
            # any label that names a number: one or two words, then number / no. / # / id / identifier / code
            r"(?P<head>(?!(?:{stop})\b)[a-z][a-z'-]{1,30}(?:[ \t]+(?!(?:{stop})\b)[a-z][a-z'-]{1,30})?)\b[ \t]*"
            r"(?:(?:number|num|nbr|identifier|id|code)\b|no\.|no(?=[ \t]*:)|#)|"
            r"passport|visa|green\s+card|alien|tax\s+id|ein|itin|prescription|rx|tracking|confirmation|voucher|"
            r"implant|pacemaker|defibrillator|stimulator|pump|device|docket|case|file|report|incident|intake|"
            r"run|referral|authori[sz]ation|auth|requisition|kit|statement|invoice|ticket|reference|ref\.?|"
            r"booking|reservation|transaction|member|enrollee|client|resident|inmate|session|"
            # national identity numbers of other countries
            r"personnummer|pesel|bsn|nir|cpf|curp|cpr|henkil[öo]tunnus|hetu|aadhaar|ppsn|pps|nino|"
            r"national\s+insurance(?:\s+(?:number|no\.?))?|national\s+id|dni|nie|nif|codice\s+fiscale|amka|rrn|"
            r"steuer-?id|c\.f\.|cf(?=\s*[:#]?\s*[A-Z]{6}\d)",
        ),
    )
)

_SEP = (
    r"(?P<sep>(?:[ \t]*(?:[:#=(*|'\"“•\-]|\b(?:numbers?|no|num|nbr|ids?|is|was|are|on\s+file|old|new|ending(?:\s+in)?|checked|verified|reviewed|copied|scanned|on\s+record|there|here|says|reads|shows|listed\s+as|"
    r"last\s+(?:4|four)(?:\s+digits)?(?:\s+of)?)\b\.?|\)))*[ \t]*)"
)
_VALUE = (
    # an optional state or issuer prefix (``OR 482 KZT``, ``SPH 4410 9982 17``), then a token with a digit,
    # then more space-separated groups (letters-only groups are kept for plates only, see below)
    r"(?P<v>\d(?:[ ]\d){4,}(?!\w|\.\d)|(?:(?-i:(?![AI][ \t])[A-Z]{1,5})[ \t](?=(?:[A-Z]{1,5}[ \t])?[A-Z0-9./-]{0,12}\d)){0,2}(?=[A-Za-z0-9./-]*\d)[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*"
    r"(?:[ ](?=[A-Z]{0,7}\d|[A-Z]{2,4}\b(?![ \t]*[A-Za-z0-9]))(?-i:[A-Z0-9]{2,8})\b"
    r"(?![ \t]*(?:mg|mcg|ml|units?|%|mmhg|/)))*)"
)
#: One pattern for every label: the group named after the kind says which label matched.
_LABELLED = re.compile(
    r"(?<![\w@])(?:" + "|".join(f"(?P<{kind}>{label})" for kind, label in LABELS) + rf"){_SEP}{_VALUE}(?![\w@])",
    _I,
)
_YEAR_ONLY = re.compile(rf"^{YEAR}$")
#: Measurements, not identifiers: a decimal (``1.043``) or a short range (``45-50``).
_NOT_AN_ID = re.compile(r"^(?:\d{1,4}\.\d{1,3}|\d{1,3}-\d{1,3})$")
#: Spine levels (``plate C3-C5``, ``L4-S1``): anatomy after a bone ``plate``, never a licence plate.
_SPINE_LEVELS = re.compile(r"^[CTLS]\d{1,2}(?:-[CTLS]?\d{1,2})*$")
_CHECK_GROUP = re.compile(
    r"[ ](?:\d(?:[-/]\d{1,2})?|(?-i:[A-Z]{2}))(?![\w/-])"
    r"(?![ \t]*(?:days?|d\b|weeks?|wks?|months?|mos?|years?|yrs?|hours?|hrs?|times|x\b|mg|mcg|ml|units?|tabs?))"
)
_CHECK_LETTER = re.compile(r"[ ][A-Z](?=[,;.)]?(?:\s|$))")
_LETTER_GROUPS_AT_END = re.compile(r"(?:[ ][A-Za-z]+)+$")
_PLUS_MINUS = re.compile(r"\s*(?:\+/-|±|\+-)")
#: A label word in capitals before the value (``Vehicle: VIN 1FTF...``) is no issuer prefix: not part of the value.
#: The next value of a list after a labelled value.
_NEXT_VALUE = re.compile(
    r"[ \t]*(?:,|;|/|&|and|or)[ \t]*(?:and[ \t]+|or[ \t]+)?(?P<v>(?=[A-Za-z0-9-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)(?![\w@.]|\.\d)"
)
_LABEL_PREFIX = re.compile(r"^(?:VIN|SN|S/N|MRN|NPI|DEA|ID|DL|UDI|IMEI|MBI|HAR|ACCT|NHI|NHS|PIN|NO)[ \t]+")
#: ``Bank acct for SSI deposit 002199384417``: a long number a few words after an account word.
_LOOSE_ACCOUNT = re.compile(
    r"\b(?:acct|bank[ \t]+account|checking[ \t]+account|savings[ \t]+account|routing)\b[^\n\d$]{0,25}?"
    r"(?P<v>(?<![\w.$])\d{6,17})(?![\w.,]\d|[\w-])",
    _I,
)


def labelled_values(text: str) -> list[Candidate]:
    """Values after a label that names them (``MRN: 4829133``, ``Member ID XGH492817305``)."""
    out: list[Candidate] = []
    for m in _LABELLED.finditer(text):
        kind = label_kind = next(k for k, _ in LABELS if m.group(k) is not None)
        if m.group("head"):  # a generic ``<head> number``: the head's words may name the kind
            kind = next((_HEAD_KINDS[w] for w in m.group("head").lower().split() if w in _HEAD_KINDS), kind)
        value = m.group("v")
        start, end = m.start("v"), m.end("v")
        prefix = _LABEL_PREFIX.match(value)
        if prefix:
            value, start = value[prefix.end() :], start + prefix.end()
        if kind != "VEHICLE":
            tail = _LETTER_GROUPS_AT_END.search(value)
            if tail:
                value, end = value[: tail.start()], end - len(tail.group())
        glued = not m.group("sep") and m.group(label_kind)[-1:].isalnum()  # ``fin2`` is no label
        if glued or len(re.sub(r"\D", "", value)) < 2:
            continue
        if kind != "SSN" and (len(re.sub(r"\W", "", value)) < 4 or _YEAR_ONLY.match(value)):
            continue
        if UNIT_AFTER.match(text, end) or (m.group("head") and _NOT_AN_ID.match(value)) or _PLUS_MINUS.match(text, end):
            continue
        if kind == "VEHICLE" and _SPINE_LEVELS.match(value):
            continue
        if kind == "HEALTHPLAN" and re.fullmatch(r"\d+(?: \d+)+", value):
            # a check digit, issue number or version code after grouped digits (``6128 44719 3-2``,
            # ``4213 55890 2/1``, ``4532 881 904 KT``)
            check = _CHECK_GROUP.match(text, end)
            end = check.end() if check else end
        if kind == "DEVICE" and " " in value:
            # a check letter after a spaced serial (``WXV 327 025 R``)
            letter = _CHECK_LETTER.match(text, end)
            end = letter.end() if letter else end
        out.append(Candidate(start, end, kind))
    out.extend(Candidate(m.start("v"), m.end("v"), "ACCOUNT") for m in _LOOSE_ACCOUNT.finditer(text))
    return out + _listed_after(text, out)


def _listed_after(text: str, found: list[Candidate]) -> list[Candidate]:
    """More values of a labelled list (``serial numbers 2219-4410 and 2219-4411``): the same kind, a like shape."""
    out: list[Candidate] = []
    for cand in found:
        end, digits = cand.end, sum(c.isdigit() for c in text[cand.start : cand.end])
        for _ in range(4):
            m = _NEXT_VALUE.match(text, end)
            if not m or abs(sum(c.isdigit() for c in m.group("v")) - digits) > 2 or UNIT_AFTER.match(text, m.end()):
                break
            out.append(Candidate(m.start("v"), m.end("v"), cand.kind))
            end = m.end()
    return out
