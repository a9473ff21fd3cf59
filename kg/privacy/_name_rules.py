"""The name layer's context: titles, headers, phrases, roles and relatives before a name, credentials after it.

Word sets compared folded (:func:`kg.privacy._lists.fold`); patterns compiled once, at import.
"""

from __future__ import annotations

import re

from kg.privacy._lists import fold
from kg.privacy._places import STATE_NAMES

_I = re.IGNORECASE

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+(?:['’][^\W\d_]+)*)*")
PARTICLES = frozenset(
    "de la del della dela van der von den di da du le st ste mac bin ibn al el dos das ten ter y ni nic lo ap o ua bint binti abu umm ben bat los las des".split()
)
#: Words that end a name (credentials, labels, header words); compared folded.
STOP = frozenset(
    """
    md do rn np pa pac pharmd phd dds dmd lpn lvn cna cnm crna lcsw licsw msw dpm dnp aprn fnp anp mbbs mph facp
    facc otr dpt rrt emt nrp mrn dob ssn id npi dea fax tel phone cell email address member account date age sex
    room bed unit hospital clinic mr mrs ms dr prof re to from cc attn hpi pmh psh plan assessment exam and or
    the a an of in on at for with by is was has had who mg mcg ml units
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
    husband wife daughter mother father brother grandson granddaughter grandmother grandfather niece nephew
    cousin aunt uncle partner boyfriend girlfriend contact counselor counsellor doctor nurse advocate officer
    chaplain badge pager beeper ext
    he she him her his hers they them their we us our you your me my it its himself herself i
    """.split()
)
#: Everyday words that the name lists hold as surnames but that are not names on their own in a note
#: (``re: rent``, a ``Honda Civic``); compared folded, like the common-word list.
NOT_NAMES = frozenset(
    """
    rent refill refills results labs housing transport transportation billing copay bill payment insurance
    honda toyota nissan subaru hyundai mazda chevy chevrolet jeep dodge buick lexus tesla volvo audi kia
    civic accord camry corolla prius altima sentra outback forester tacoma silverado
    """.split()
)
CREDENTIAL = (
    r"(?:M\.D\.|MD|D\.O\.|DO|R\.N\.|RN|NP|PA-C|PharmD|PhD|DDS|DMD|LPN|LVN|CNA|CNM|CRNA|LCSW|LICSW|MSW|DPM|DNP|"
    r"APRN|FNP(?:-C)?|ANP|MBBS|FACP|FACC|DPT|RRT|EMT(?:-[PB])?|NRP|CCC-SLP|LMHC|LPC|LMFT|RPh|ATC|CGC|CCDS|CDRS|"
    r"OTR/L|MLS|"
    # wound, diabetes, records, research, audiology, pharmacy-technician and other credentials
    r"CWOCN|CWON|WOCN|CWCN|CWS|CDCES|CDE|RHIT|RHIA|CPhT|CCRC|CRC|AuD|CPNP|PNP|PMHNP|CRNP|CCRN|BSN|MSN|RDN|"
    r"PsyD|LMSW|LCPC|LADC|CADC|CHW|IBCLC|CCMA)"
)
EPONYM_AFTER = re.compile(
    r"(?:['’]s|s['’])?[\s-]+(?:disease|syndrome|palsy|sign|signs|phenomenon|test|lymphoma|sarcoma|tumou?r|"
    r"reflex|maneuver|manoeuvre|procedure|operation|ulcer|node|triad|law|criteria|score|scale|classification|"
    r"fracture|disorder|anomaly|an(?:a)?emia|ataxia|chorea|dementia|encephalopathy|thyroiditis|cells?|duct|"
    r"gland|bodies|body|membrane|loop|fascia|canal|zone|effect|equation|paralysis|dystrophy|neuralgia|"
    r"contracture|angina|esophagus|aneurysm|lymphoma|leukemia|myeloma|meningioma|ulcers?|antifungal|powder|"
    r"insoles?|virus|bacillus|agar|stain|solution|formula|method|technique|approach|incision|repair|blot|"
    r"blots|blotting|sequencing|assay|analysis|rats?|mice|strain|coma|outcome|catheter|tube|stockings?|forceps|clamp|"
    r"protein|tear|murmur|lesion|nodule|spots?|phenomenon|hypothesis|grade|stage|staging|reaction|cyst|"
    r"fistula|hernia|deformity|contracture|diverticulum|pouch|triangle|space|plexus|ganglion|foramen|"
    # devices and instruments named by their maker (``Midas Rex drill``, ``Darco OrthoWedge shoe``)
    r"drill|plate|screw|implant|prosthesis|prostheses|stent|cage|rod|nail|anchor|suture|mesh|pump|device|"
    r"retractor|blade|burr?|wire|sheath|cannula|trocar|scope|instrumentation|shoe|boot|brace|splint|"
    r"dressing|bandage|microscope|monitor|pacemaker|defibrillator|generator)(?:e?s)?\b",
    _I,
)
#: Titles, English and of the languages whose dates and addresses the scrubber reads (``Dr. med.``, ``Sig.ra``,
#: ``Dhr.``, ``Mme``), and the word for a patient in them (``Paciente``, ``Pacjent``), which precede a name.
TITLE = (
    r"(?:dr\.?[ \t]+med|mr|mrs|ms|miss|mx|dr|drs|messrs|mmes|prof|fr|rev|sr|sister|father|madam|dear|doctor|doctors|"
    r"herr|frau|dhr|mevr|sig\.ra|sig\.na|sra|srta|mme|mlle|señor|señora|signor|signora|senhor|senhora|"
    r"paciente|patiente|patientin|pacjent|pacjentka|patiënt|pasient|"
    # military ranks, in the case they are written in (``SGT Abernathy-Cole``, ``Cpl. Reyes``)
    r"(?-i:SGT|Sgt|SSG|SFC|MSG|CPL|Cpl|PFC|Pfc|SPC|Spc|PVT|Pvt|CPT|Capt|CAPT|LTC|CDR|Cmdr|ENS|Ens|SSgt|TSgt|"
    r"MSgt|SrA|Amn|PO[123]|CWO|WO[1-5]))\b\.?"
)
HEADER = (
    r"(?:patient(?:'s)?(?:\s+(?:full\s+)?name)?|pt(?:\s+name)?|name|full\s+name|member(?:\s+name)?|guarantor|"
    r"subscriber|insured|caller|re|to|from|attn|attending|fellow|resident|intern|physician|provider|surgeon|"
    r"radiologist|reading\s+radiologist|pathologist|pharmacist|prescriber|pcp|referring(?:\s+(?:physician|"
    r"provider|md|doctor))?|ordering(?:\s+(?:physician|provider|md))?|emergency\s+contact|contact|"
    r"next\s+of\s+kin|nok|cc|author|interpreter|witness|employee|parent|guardian|spouse|present|"
    r"(?:electronically\s+)?signed(?:\s+by)?|dictated\s+by|seen\s+by|reviewed\s+by|nurse|rn|md|np|case\s+manager|"
    r"social\s+worker|therapist|dictating|transcriptionist|mother|father|responsible\s+party|"
    r"reporter|reported\s+by|requester|requestor|informant|decedent|deceased|proband|student|athlete|"
    r"participant|recipient|beneficiary|client|resident\s+name|spouse\s+name)\s*:"
)
PHRASE = (
    r"(?:(?:signed|dictated|transcribed|seen|examined|evaluated|reviewed|documented|written|confirmed|"
    r"co-?signed|verified|reported|reply|replied|referred|accompanied|interpreted|performed|read|"
    r"called|brought\s+in|visited|attended|taken|answered|entered|completed|prepared|ordered|placed|"
    r"witnessed|approved|authori[sz]ed|requested|routed|forwarded|sent|covered|relieved|assisted|supervised|"
    r"staffed|triaged|received|discussed|relayed|paged|notified|informed|consented|counseled|interviewed|"
    r"transported|driven|escorted|accompanied|picked\s+up)\s+by|(?:copy|copies|cc)\s+to|appointment\s+with|"
    r"(?:also\s+)?known\s+as|a\.k\.a\.?|aka|(?:by|under\s+the)\s+name|caregiver\s+(?:of|for)|"
    r"this\s+is(?:\s+(?:dr|doctor)\.?)?|on\s+patient|(?:sincerely|regards|thanks|best|cheers|respectfully)"
    r"(?:,[ \t]*\n?|[ \t]*\n)|(?:thx|thanks|thank\s+you|ty|tx|cheers|best|regards|love|xo|xoxo|yours)"
    r"!*(?:[ \t]*[,—–-]+[ \t]*|[ \t]*\n)|spoke\s+(?:with|to)|"
    r"discussed\s+with|hi|hello|hey|thank\s+you,?|greetings|nicknamed?|goes\s+by|prefers\s+to\s+be\s+called|"
    r"(?:met|meeting|talked|chatted|texted|emailed|messaged|consulted|visited)\s+with|"
    r"(?:message|msg|voicemail|vm|e-?mail|text|letter)\s+from|"
    r"(?:(?:my|his|her|their|the\s+patient's|pt's)\s+)?(?:full\s+)?name\s+is)"
)
ROLE = (
    r"(?:patient|pt|member|guarantor|caller|employee|nurse|medic|paramedic|case\s+manager|social\s+worker|"
    r"chaplain|prescriber|pharmacist|therapist|interpreter|student|officer|colleague|co-?worker|landlord|"
    r"roommate|neighbou?r|friend|caregiver|aide|volunteer|guardian|physician|surgeon|resident|fellow|pastor|"
    r"rabbi|imam|priest|reverend|minister|deacon|coach|teacher|attorney|lawyer|sponsor|counselor|counsellor|"
    r"translator|driver|babysitter|nanny|housekeeper|supervisor|boss|employer|classmate|tenant|"
    r"daughter's|son's|wife's|husband's|crew|escort|doula|midwife|proband|petitioner|respondent|decedent|"
    r"informant|historian|companion|sitter|visitor|tech|technician|technologist|scribe|preceptor|trooper|"
    r"detective|caseworker|worker|advocate|examiner|coroner|clergy|dispatcher|receptionist|clerk|"
    r"case\s+mgr|mgr|manager|coordinator|navigator|liaison|attendant|cna|pca|hha|lpn|porter|valet|sw|msw|lcsw|cma|"
    r"orderly|intern|trainee|extern|scrub|circulator|anesthetist|perfusionist|dietitian|"
    r"nutritionist|psychologist|optometrist|dentist|hygienist|audiologist|chiropractor|podiatrist|"
    r"therapist|counsel(?:l)?or|contact|emergency\s+contact|baby|infant|newborn|ex-?partner|"
    r"policy\s*holder|landlady|hausarzt|hausärztin|trainer|athletic\s+trainer|rep|representative|agent|"
    r"off-?going|on-?coming|oncoming|relieving\s+(?:rn|nurse)|handoff\s+to|report\s+(?:to|from)|"
    # a nurse's or EMT's credential written before the name (``Triage RN Glass, S.``)
    r"(?-i:RN|LVN|NP|EMT(?:-[PB])?)(?=[ \t]+\w)|"
    # who did a task on the patient or a specimen (``Implanted by ...``, ``Collected 0630 by ...``): medium, so an
    # English or clinical word after ``by`` (``obtained by Western blot``) is no name
    r"(?:implanted|explanted|inserted|collected|obtained|drawn|grossed|administered|pronounced|certified|"
    r"delivered|immunized|vaccinated)(?:\s+[\d/:.-]*\d[\d/:.-]*){0,3}\s+by|"
    # a follow-up booked with someone (``FU with Haldis in 2 wks``); a service name after it is an English word
    r"(?:fu|f/u|follow[ -]?up|followup|appt|booked|scheduled|rtc)\s+with)"
)
RELATIVE = (
    r"(?:(?:son|daughter|mother|father|brother|sister)-in-law|step(?:son|daughter|mother|father)|"
    r"wife|husband|spouse|partner|son|daughter|mother|father|mom|dad|brother|sister|sibling|aunt|uncle|"
    r"niece|nephew|cousin|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|grandchild|fianc[eé]e?|"
    r"boyfriend|girlfriend|hcp|poa|proxy|ex-?wife|ex-?husband|gf|bf|dtr|dau|bro|sis|hsb|fob|mob|"
    r"godmother|godfather|stepsister|stepbrother|half-?sister|half-?brother|twin|widow|widower)"
)
STRONG_TRIGGER = re.compile(rf"(?:{TITLE}|{HEADER}|{PHRASE})", _I)
MEDIUM_TRIGGER = re.compile(rf"(?:{ROLE}|{RELATIVE}(?:\s+(?:is|was))?)(?:\s+(?:named|called))?\b(?!['’])\s*[,:]?", _I)
TITLE_ONLY = re.compile(rf"{TITLE}|this\s+is\s+(?:dr|doctor)\.?", _I)


def _first_words(*patterns: str) -> frozenset[str]:
    """The words a trigger can start with (folded), so triggers are tried at those tokens only."""
    words: set[str] = set()
    for alt in re.findall(r"[a-z][a-z'’.-]*", " ".join(patterns).replace("(?:", " ")):
        words.add(fold(alt.strip(".")))
    return frozenset(w for w in words if len(w) > 1)  # no single letters: every ``a`` would be tried


#: Token gate: every word any trigger alternative starts with (a superset is harmless).
TRIGGER_WORDS = _first_words(TITLE.lower(), HEADER, PHRASE, ROLE, RELATIVE) | frozenset(
    "neighbor neighbour fiance fiancee cosigned stepson stepdaughter stepmother stepfather coworker exwife "
    "exhusband co ex nickname goes prefers".split()
)
CREDENTIAL_AFTER = re.compile(rf"(?:,?[ \t]+|[ \t]+\()(?-i:{CREDENTIAL})(?![\w-])")
IS_AGE_AFTER = re.compile(
    r"(?:[ \t]*,?[ \t]+(?:is|was)|[ \t]*,)[ \t]+(?:a|an)[ \t]+\d{1,3}[ \t-]*(?:y/?o\b|yo\b|y\.o\.|years?|yrs?|-year|months?|"
    r"-month|weeks?|-week)"
    # ``Lourdes Pamintuan, 31 y G2P2``: a comma and an age right after the name
    r"|[ \t]*,[ \t]+\d{1,3}[ \t]*(?:y/?o|yo|y\.o\.|y|yrs?|years?[ \t-]+old)\b",
    _I,
)
RELATION_AFTER = re.compile(rf"[ \t]*\((?:{RELATIVE}|{ROLE})\)", _I)
#: ``(Radosław, husband)``, ``(Ines Duarte, daughter)``: a name, a comma and the relation inside brackets.
RELATION_INSIDE = re.compile(rf",[ \t]*(?:{RELATIVE}|{ROLE})\)", _I)
#: ``initials S.D.O.``, ``Initials: JKM``: a research subject's or signer's initials.
INITIALS = re.compile(r"\b[Ii]nitials?[ \t]*:?[ \t]+(?P<n>(?:[A-Z]\.){2,4}|[A-Z]{2,4}\b)")
SIGNATURE_DASH = re.compile(r"[—–]\s*(?=[A-Z][a-z]+[\"”]?\s*$)", re.MULTILINE)
STATE_NAME = re.compile(STATE_NAMES)
STRONG_MODES = ("strong", "title")
SUFFIXES = frozenset("jr sr ii iii iv".split())
REGIONS = frozenset(("north america", "south america", "central america", "latin america", "new england"))
POSSESSIVE = re.compile(r"['’][sS]$")
LONE_NAME = re.compile(
    r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?=(?:['’]s[ \t]+(?:mother|father|mom|dad|wife|husband|son|daughter|"
    r"sister|brother|parents?|family|caregiver|partner|grandmother|grandfather|aunt|uncle)\b)|"
    r"[ \t]+(?:is|was|has|had|reports|reported|presents|presented|states|stated|denies|denied|complains|"
    r"returns|returned|arrives|arrived|came|comes|called|says|said|lives|lived|feels|felt|notes|noted|"
    r"continues|tolerated|agrees|agreed|understands|declined|refused|prefers|wants|asked|asks|works|worked|"
    r"will|would|can|cannot|does|did|ingested|swallowed|took|takes|ate|drank|fell|developed|underwent|received|"
    r"missed|started|stopped|began|needs|needed|told|tells|went|wants|be)\b)"
)
LOWER_SIGNATURE = re.compile(
    r"\b(?:(?:[a-z]\.[ \t]?){1,3}|(?P<f>[a-z][a-z'-]{1,30})[ \t]+)(?P<s>[a-z][a-z'-]{2,30}),[ \t]+"
    r"(?:md|rn|np|pa-c|pharmd|phd|lcsw|licsw|cnm|dnp|aprn|lpn|dpt|psyd)\b"
)
PAREN_NAME = re.compile(r"[ \t]*\((?P<n>[A-Z][a-z]+)\)")
#: ``First "Nick" Last``, ``"Nick" First``, ``first "nick" last`` (quotes straight or curly).
NICKNAME = re.compile(
    r"(?:(?<![\w'’-])(?P<a>[^\W\d_][\w'’-]{0,30})[ \t]+)?[\"“](?P<b>[^\W\d_][\w'’.-]{0,30}"
    r"(?:[ \t][^\W\d_][\w'’.-]{0,30})?)[\"”](?:[ \t]+(?P<c>[^\W\d_][\w'’-]{0,30}))?"
)
#: ``Babinski is negative``, ``Shaver was introduced``: a sign's finding or an instrument's use, no person.
FINDING_AFTER = re.compile(
    r"[ \t]+(?:is|was|are|were)[ \t]+(?:negative|positive|intact|normal|absent|equivocal|unremarkable|"
    r"downgoing|upgoing|introduced|inserted|advanced|passed|utilized|withdrawn|removed|applied|used)\b",
    _I,
)
PATIENT_VERB = re.compile(
    r"[ \t]+(?:reports|states|denies|complains|presents|endorses|tolerated|agrees|understands|declined|refused)\b"
)
GAP = re.compile(r"[ \t]{1,2}|[ \t]*\.[ \t]{1,2}")
#: What may stand between a trigger and its name: spaces, a colon or a table's bar (``VERIFIED BY: X``,
#: ``| Patient | X |``), an opening quote or bracket.
LEAD = re.compile(r"[ \t]{0,40}(?:[:|][ \t]{1,3})?[\"“(]?[ \t]{0,2}")
