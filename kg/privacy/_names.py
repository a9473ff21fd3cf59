"""Person names: context rules, name lists, repeats, and a clinical guard.

- *Strong* rules read the context: titles (``Dr.``, ``Mrs``), headers (``PATIENT:``, ``Name:``,
  ``Re:``), ``seen by`` / ``signed by``, credentials after a name (``, MD``), ``X is a 45 y/o``.
  Any case: ``PATIENT: JOHN SMITH``, ``patient: john smith``.
- *Medium* rules: relatives and roles before a name (``her daughter Lucía``, ``nurse Will Grant``);
  the clinical guard applies.
- *Weak* rule: capitalised word sequences that the name lists call a given name plus a surname
  (``Grace Wilson follows up``), ``Last, First``, ``R. Halvorsen``; the clinical guard applies.
- Every word of a name a strong or medium rule found is scrubbed wherever else it occurs in the note.
- Clinical guard: an eponym (``Wilson's disease``, ``Lou Gehrig disease``, ``Babinski sign``) or a
  Drug/Disease term of the lexicon is never scrubbed by a medium or weak rule, nor as a repeat.
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

from kg.privacy._lists import clinical_words, common_words, first_names, fold, surnames
from kg.privacy._patterns import STATE_NAMES, Candidate

_I = re.IGNORECASE

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+(?:['’][^\W\d_]+)*)*")
PARTICLES = frozenset(
    "de la del della dela van der von den di da du le st ste mac bin ibn al el dos das ten ter y ni nic lo ap".split()
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
    """.split()
)
_CREDENTIAL = (
    r"(?:M\.D\.|MD|D\.O\.|DO|R\.N\.|RN|NP|PA-C|PharmD|PhD|DDS|DMD|LPN|LVN|CNA|CNM|CRNA|LCSW|LICSW|MSW|DPM|DNP|"
    r"APRN|FNP(?:-C)?|ANP|MBBS|FACP|FACC|DPT|RRT|EMT(?:-P)?|NRP)"
)
_EPONYM_AFTER = re.compile(
    r"(?:['’]s|s['’])?[\s-]+(?:disease|syndrome|palsy|sign|signs|phenomenon|test|lymphoma|sarcoma|tumou?r|"
    r"reflex|maneuver|manoeuvre|procedure|operation|ulcer|node|triad|law|criteria|score|scale|classification|"
    r"fracture|disorder|anomaly|an(?:a)?emia|ataxia|chorea|dementia|encephalopathy|thyroiditis|cells?|duct|"
    r"gland|bodies|body|membrane|loop|fascia|canal|zone|effect|equation|paralysis|dystrophy|neuralgia|"
    r"contracture|angina|esophagus|aneurysm|lymphoma|leukemia|myeloma|meningioma|ulcers?|antifungal|powder|"
    r"insoles?|virus|bacillus|agar|stain|solution|formula|method|technique|approach|incision|repair|blot|"
    r"blots|blotting|assay|analysis|rats?|mice|strain|coma|outcome|catheter|tube|stockings?|forceps|clamp|"
    r"protein|tear|murmur|lesion|nodule|spots?|phenomenon|hypothesis|grade|stage|staging|reaction|cyst|"
    r"fistula|hernia|deformity|contracture|diverticulum|pouch|triangle|space|plexus|ganglion|foramen)(?:e?s)?\b",
    _I,
)
_TITLE = r"(?:mr|mrs|ms|miss|mx|dr|drs|messrs|mmes|prof|fr|rev|sr|sister|father|madam|dear|doctor|doctors)\b\.?"
_HEADER = (
    r"(?:patient(?:'s)?(?:\s+(?:full\s+)?name)?|pt(?:\s+name)?|name|full\s+name|member(?:\s+name)?|guarantor|"
    r"subscriber|insured|caller|re|to|from|attn|attending|fellow|resident|intern|physician|provider|surgeon|"
    r"radiologist|reading\s+radiologist|pathologist|pharmacist|prescriber|pcp|referring(?:\s+(?:physician|"
    r"provider|md|doctor))?|ordering(?:\s+(?:physician|provider|md))?|emergency\s+contact|contact|"
    r"next\s+of\s+kin|nok|cc|author|interpreter|witness|employee|parent|guardian|spouse|present|"
    r"(?:electronically\s+)?signed(?:\s+by)?|dictated\s+by|seen\s+by|reviewed\s+by|nurse|rn|md|np|case\s+manager|"
    r"social\s+worker|therapist|dictating|transcriptionist|mother|father|responsible\s+party)\s*:"
)
_PHRASE = (
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
    r"(?:met|meeting|talked|chatted|texted|emailed|messaged|consulted|visited)\s+with)"
)
_ROLE = (
    r"(?:patient|pt|member|guarantor|caller|employee|nurse|medic|paramedic|case\s+manager|social\s+worker|"
    r"chaplain|prescriber|pharmacist|therapist|interpreter|student|officer|colleague|co-?worker|landlord|"
    r"roommate|neighbou?r|friend|caregiver|aide|volunteer|guardian|physician|surgeon|resident|fellow|pastor|"
    r"rabbi|imam|priest|reverend|minister|deacon|coach|teacher|attorney|lawyer|sponsor|counselor|counsellor|"
    r"translator|driver|babysitter|nanny|housekeeper|supervisor|boss|employer|classmate|tenant|"
    r"daughter's|son's|wife's|husband's|crew|escort|doula|midwife|proband|petitioner|respondent|decedent|"
    r"informant|historian|companion|sitter|visitor|tech|technician|technologist|scribe|preceptor|trooper|"
    r"detective|caseworker|worker|advocate|examiner|coroner|clergy|dispatcher|receptionist|clerk|"
    r"case\s+mgr|mgr|manager|coordinator|navigator|liaison|attendant|cna|pca|hha|lpn|porter|valet|"
    r"orderly|intern|trainee|extern|scrub|circulator|anesthetist|perfusionist|dietitian|"
    r"nutritionist|psychologist|optometrist|dentist|hygienist|audiologist|chiropractor|podiatrist|"
    r"therapist|counsel(?:l)?or|contact|emergency\s+contact)"
)
_RELATIVE = (
    r"(?:(?:son|daughter|mother|father|brother|sister)-in-law|step(?:son|daughter|mother|father)|"
    r"wife|husband|spouse|partner|son|daughter|mother|father|mom|dad|brother|sister|sibling|aunt|uncle|"
    r"niece|nephew|cousin|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|grandchild|fianc[eé]e?|"
    r"boyfriend|girlfriend|hcp|poa|proxy|ex-?wife|ex-?husband|gf|bf|dtr|dau|bro|sis|hsb|fob|mob|"
    r"godmother|godfather|stepsister|stepbrother|half-?sister|half-?brother|twin|widow|widower)"
)
_STRONG_TRIGGER = re.compile(rf"(?:{_TITLE}|{_HEADER}|{_PHRASE})", _I)
_MEDIUM_TRIGGER = re.compile(rf"(?:{_ROLE}|{_RELATIVE})\b(?!['’])\s*[,:]?", _I)
_TITLE_ONLY = re.compile(rf"{_TITLE}|this\s+is\s+(?:dr|doctor)\.?", _I)


def _first_words(*patterns: str) -> frozenset[str]:
    """The words a trigger can start with (folded), so triggers are tried at those tokens only."""
    words: set[str] = set()
    for alt in re.findall(r"[a-z][a-z'’.-]*", " ".join(patterns).replace("(?:", " ")):
        words.add(fold(alt.strip(".")))
    return frozenset(w for w in words if len(w) > 1)  # no single letters: every ``a`` would be tried


#: Token gate: every word any trigger alternative starts with (a superset is harmless).
_TRIGGER_WORDS = _first_words(_TITLE, _HEADER, _PHRASE, _ROLE, _RELATIVE) | frozenset(
    "neighbor neighbour fiance fiancee cosigned stepson stepdaughter stepmother stepfather coworker exwife "
    "exhusband co ex nickname goes prefers".split()
)
_CREDENTIAL_AFTER = re.compile(rf",?[ \t]+{_CREDENTIAL}(?![\w-])")
_IS_AGE_AFTER = re.compile(
    r"(?:[ \t]*,?[ \t]+(?:is|was)|[ \t]*,)[ \t]+(?:a|an)[ \t]+\d{1,3}[ \t-]*(?:y/?o\b|yo\b|y\.o\.|years?|yrs?|-year|months?|"
    r"-month|weeks?|-week)",
    _I,
)
_RELATION_AFTER = re.compile(rf"[ \t]*\((?:{_RELATIVE}|{_ROLE})\)", _I)
_SIGNATURE_DASH = re.compile(r"[—–]\s*(?=[A-Z][a-z]+[\"”]?\s*$)", re.MULTILINE)
_STATE_NAME = re.compile(STATE_NAMES)
_STRONG_MODES = ("strong", "title")
_SUFFIXES = frozenset("jr sr ii iii iv".split())
_REGIONS = frozenset(("north america", "south america", "central america", "latin america", "new england"))
_POSSESSIVE = re.compile(r"['’][sS]$")
_LONE_NAME = re.compile(
    r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?=(?:['’]s[ \t]+(?:mother|father|mom|dad|wife|husband|son|daughter|"
    r"sister|brother|parents?|family|caregiver|partner|grandmother|grandfather|aunt|uncle)\b)|"
    r"[ \t]+(?:is|was|has|had|reports|reported|presents|presented|states|stated|denies|denied|complains|"
    r"returns|returned|arrives|arrived|came|comes|called|says|said|lives|lived|feels|felt|notes|noted|"
    r"continues|tolerated|agrees|agreed|understands|declined|refused|prefers|wants|asked|asks|works|worked|"
    r"will|would|can|cannot|does|did)\b)"
)
_LOWER_SIGNATURE = re.compile(
    r"\b(?:[a-z]\.[ \t]?|(?P<f>[a-z][a-z'-]{1,30})[ \t]+)(?P<s>[a-z][a-z'-]{2,30}),[ \t]+"
    r"(?:md|rn|np|pa-c|pharmd|phd|lcsw|licsw|cnm|dnp|aprn|lpn|dpt|psyd)\b"
)
_PAREN_NAME = re.compile(r"[ \t]*\((?P<n>[A-Z][a-z]+)\)")
#: ``First "Nick" Last``, ``"Nick" First``, ``first "nick" last`` (quotes straight or curly).
_NICKNAME = re.compile(
    r"(?:(?<![\w'’-])(?P<a>[^\W\d_][\w'’-]{0,30})[ \t]+)?[\"“](?P<b>[^\W\d_][\w'’.-]{0,30}"
    r"(?:[ \t][^\W\d_][\w'’.-]{0,30})?)[\"”](?:[ \t]+(?P<c>[^\W\d_][\w'’-]{0,30}))?"
)
_PATIENT_VERB = re.compile(
    r"[ \t]+(?:reports|states|denies|complains|presents|endorses|tolerated|agrees|understands|declined|refused)\b"
)
_GAP = re.compile(r"[ \t]{1,2}|[ \t]*\.[ \t]{1,2}")
_LEAD = re.compile(r"[ \t]{0,40}[\"“(]?[ \t]{0,2}")


class _Tok(NamedTuple):
    start: int
    end: int
    text: str
    low: str


class NameFinder:
    """Finds person names in one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = [
            _Tok(m.start(), m.end(), m.group(), fold(_POSSESSIVE.sub("", m.group()))) for m in _WORD.finditer(text)
        ]
        self.starts = [t.start for t in self.toks]
        self.first = first_names()
        self.last = surnames()
        self.common = common_words()
        self.clinical = clinical_words()

    # -- token tests ------------------------------------------------------------------------

    def _base(self, low: str) -> str:
        return low[:-2] if low.endswith("s") and low[:-1].endswith("'") else low

    def is_listed(self, low: str) -> bool:
        parts = [p for p in low.split("-") if p]
        return bool(parts) and all(p in self.first or p in self.last for p in parts)

    def is_first(self, low: str) -> bool:
        """A given name, or a hyphenated pair of them (``Mary-Kate``)."""
        return low in self.first or ("-" in low and all(p in self.first for p in low.split("-") if p))

    def is_common(self, low: str) -> bool:
        return low in self.common or low in STOP

    def is_clinical(self, low: str) -> bool:
        base = low[:-1] if low.endswith("s") and len(low) > 4 else low
        return (
            low in self.clinical
            or base in self.clinical
            or any(p in self.clinical for p in low.split("-") if len(p) > 3)  # ``Ben-Ami`` is no AMI
        )

    def _initial(self, i: int) -> bool:
        t = self.toks[i]
        return len(t.text) == 1 and t.text.isupper() and self.text[t.end : t.end + 1] == "."

    def _letter(self, i: int) -> bool:
        """A single capital letter: an initial, with or without its period."""
        t = self.toks[i].text
        return len(t) == 1 and t.isupper()

    def _joined(self, i: int) -> bool:
        """Whether token i follows token i-1 with a name-internal gap."""
        a, b = self.toks[i - 1], self.toks[i]
        gap = self.text[a.end : b.start]
        if not _GAP.fullmatch(gap):
            return False
        if "." in gap and not (self._initial(i - 1) or a.low in ("st", "ste", "jr", "sr")):
            return False
        return True

    def _accept(self, i: int, position: int, mode: str) -> bool:
        """Whether token i can be word ``position`` of a name found by a ``mode`` rule."""
        t = self.toks[i]
        if self._initial(i):
            return True
        if t.low in STOP and not (t.text[0].isupper() and t.low in ("will", "hope", "rose", "may")):
            return False
        if t.text[0].isupper():
            if mode in _STRONG_MODES:
                if t.text.isupper() and len(t.text) <= 3 and (self.is_common(t.low) or not self.is_listed(t.low)):
                    return False  # an acronym (EMS, ICU), not a name
                if self.is_common(t.low) and not self.is_listed(t.low):
                    # a word that is rarely a name (``Asthma Jones``) only before a surname
                    nxt = i + 1
                    return (
                        position == 0
                        and nxt < len(self.toks)
                        and self._joined(nxt)
                        and self.toks[nxt].text[0].isupper()
                        and self.toks[nxt].low in self.last
                        and not self.is_common(self.toks[nxt].low)
                    )
                return True
            if self.is_clinical(self._base(t.low)):
                return False
            return not (self.is_common(t.low) and not self.is_listed(t.low))
        # lower case: only after a strong or medium trigger
        if mode == "weak" or not t.text.isalpha() and "-" not in t.text and "'" not in t.text:
            return False
        if self.is_listed(t.low):
            if mode in _STRONG_MODES or not self.is_common(t.low):
                return True
            # a common word that is also a name (``rose``) only when a name follows it
            nxt = i + 1
            return (
                position == 0
                and nxt < len(self.toks)
                and self._joined(nxt)
                and self.is_listed(self.toks[nxt].low)
                and not self.is_common(self.toks[nxt].low)
            )
        return mode == "title" and position == 0 and not self.is_common(t.low) and len(t.low) > 2

    # -- phrase grabbing --------------------------------------------------------------------

    def grab_forward(self, pos: int, mode: str) -> tuple[int, int] | None:
        """The name that starts right after ``pos`` (a trigger's end), as token indices [i, j)."""
        lead = _LEAD.match(self.text, pos)
        start = lead.end() if lead else pos
        i = bisect.bisect_left(self.starts, start)
        if i >= len(self.toks) or self.toks[i].start != start:
            return None
        t0 = self.toks[i]
        if mode in _STRONG_MODES and lead and lead.group().strip()[:1] in '"“' and lead.group().strip():
            # a quoted nickname after ``known as`` / ``nickname``: the quoted word, whatever it is
            if t0.text[:1].isupper() and self.text[t0.end : t0.end + 1] in ('"', "”"):
                return i, i + 1
        j = i
        words = 0
        while j < len(self.toks) and words < 4:
            if j > i and not self._joined(j):
                break
            t = self.toks[j]
            if t.low in PARTICLES and not self._initial(j):
                if j + 1 < len(self.toks) and self._joined(j + 1) and self._accept(j + 1, words + 1, mode):
                    j += 1
                    continue
                break
            if self._letter(j) and j > i and not self._initial(j):
                j += 1  # a middle initial without its period (``JOHN A``)
                continue
            if words and t.low in _SUFFIXES:
                j += 1
                continue
            if not self._accept(j, words, mode):
                break
            words += 1
            j += 1
            if mode not in _STRONG_MODES and self.toks[j - 1].text.islower() and words >= 2:
                break
        while j > i and (self.toks[j - 1].low in PARTICLES):
            j -= 1
        if words == 0 or j <= i:
            return None
        # ``CHEN, WEI`` / ``Kowalski, John``: a comma then a given name, after a header
        if j == i + 1 and j < len(self.toks) and self.text[self.toks[i].end : self.toks[j].start] == ", ":
            nxt = self.toks[j]
            strong_unknown = (
                mode in _STRONG_MODES
                and nxt.text[0].isupper()
                and nxt.text.isupper() == self.toks[i].text.isupper()
                and not self.is_common(nxt.low)
                and not self.is_clinical(nxt.low)
            )
            if (nxt.text[0].isupper() and self.is_first(nxt.low) and nxt.low not in STOP) or strong_unknown:
                if (
                    nxt.low not in self.common
                    or mode in _STRONG_MODES
                    or nxt.text.isupper() == self.toks[i].text.isupper()
                ):
                    j += 1
                    # a second given name (``Ho, Thanh Long``) or a middle initial
                    if (
                        j < len(self.toks)
                        and self._joined(j)
                        and self.toks[j].text[:1].isupper()
                        and (
                            self._letter(j)
                            or (
                                mode in _STRONG_MODES
                                and self.toks[j].low not in STOP
                                and not self.is_clinical(self.toks[j].low)
                                and self.toks[j].text.isupper() == self.toks[i].text.isupper()
                            )
                        )
                    ):
                        j += 1
        return i, j

    def grab_backward(self, end: int, mode: str) -> tuple[int, int] | None:
        """The name that ends right before ``end``, as token indices [i, j)."""
        j = bisect.bisect_left(self.starts, end)
        if j == 0 or self.toks[j - 1].end != end:
            return None
        i = j
        words = 0
        while i > 0 and words < 4:
            k = i - 1
            if k < j - 1 and not self._joined(k + 1):
                break
            t = self.toks[k]
            if t.low in PARTICLES and words > 0 and not self._initial(k):
                i = k
                continue
            if self._letter(k) and (words or (k > 0 and self._joined(k))):
                i = k  # ``Smith J, MD``, ``J Smith MD``
                continue
            if words and t.low in _SUFFIXES and k == j - 1:
                i = k
                continue
            lenient = (
                mode in _STRONG_MODES
                and t.text[:1].isupper()
                and t.low not in STOP
                and not (t.text.isupper() and len(t.text) <= 3)
                and not self.is_clinical(t.low)
            )
            if not (lenient or self._accept(k, 0 if k == 0 or not self._joined(k) else 1, mode)):
                break
            words += 1
            i = k
        while i < j and self.toks[i].low in PARTICLES and not self._initial(i):
            i += 1
        if not words or i >= j:
            return None
        # a common word (``Public``) passes only beside a word that is a name or unknown
        if not any(
            self._initial(k) or self.is_listed(self.toks[k].low) or not self.is_common(self.toks[k].low)
            for k in range(i, j)
        ):
            return None
        while (
            i < j - 1
            and not self._letter(i)
            and self.is_common(self.toks[i].low)
            and not self.is_listed(self.toks[i].low)
        ):
            i += 1  # ``Neurology Sara Lindgren, MD``: the heading word is not part of the name
        return i, j

    # -- guards -----------------------------------------------------------------------------

    def eponym(self, j: int) -> bool:
        """Whether the phrase ending at token j is an eponym (followed by disease, syndrome, sign...)."""
        return bool(_EPONYM_AFTER.match(self.text, self.toks[j - 1].end - self._poss(j - 1)))

    def _poss(self, k: int) -> int:
        t = self.toks[k].text
        return 2 if len(t) > 2 and t[-2] in "'’" and t[-1] in "sS" else 0

    def guarded(self, i: int, j: int) -> bool:
        """Clinical guard for medium and weak rules."""
        return self.eponym(j) or any(self.is_clinical(self._base(t.low)) for t in self.toks[i:j])

    def span(self, i: int, j: int) -> Candidate:
        end = self.toks[j - 1].end - self._poss(j - 1)
        if self._initial(j - 1):
            end += 1
        return Candidate(self.toks[i].start, end, "NAME")

    # -- rules ------------------------------------------------------------------------------

    def find(self) -> list[Candidate]:
        found: list[tuple[int, int, str]] = []
        text = self.text
        for t in self.toks:
            if (t.low not in _TRIGGER_WORDS and t.low.split("-")[0] not in _TRIGGER_WORDS) or (
                t.start and text[t.start - 1] in "'’-"
            ):
                continue
            m = _STRONG_TRIGGER.match(text, t.start)
            if m:
                r = self.grab_forward(m.end(), "title" if _TITLE_ONLY.fullmatch(m.group()) else "strong")
                if r:
                    i, j = r
                    poss_brand = self._poss(j - 1) and self.is_clinical(self._base(self.toks[j - 1].low))
                    if not poss_brand and not self.eponym(j):
                        found.append((i, j, "strong"))
            m = _MEDIUM_TRIGGER.match(text, t.start)
            if m:
                r = self.grab_forward(m.end(), "medium")
                if r and not self.guarded(*r):
                    found.append((*r, "medium"))
        for m in _SIGNATURE_DASH.finditer(text):
            r = self.grab_forward(m.end(), "medium")
            if r and not self.guarded(*r):
                found.append((*r, "medium"))
        ends = {t.end for t in self.toks}
        for pattern in (_CREDENTIAL_AFTER, _IS_AGE_AFTER, _RELATION_AFTER):
            for m in pattern.finditer(text):
                if m.start() not in ends:
                    continue
                r = self.grab_backward(m.start(), "strong" if pattern is not _RELATION_AFTER else "medium")
                if r and not self.eponym(r[1]) and (pattern is not _RELATION_AFTER or not self.guarded(*r)):
                    found.append((*r, "strong"))
        found.extend(self._dictionary())
        found.extend(self._around(found))
        out = [self.span(i, j) for i, j, _ in found]
        out.extend(self._nicknames())
        out.extend(self._repeats([(i, j) for i, j, s in found if s != "weak"]))
        return out

    def _around(self, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """What sits beside a found name: ``Drs. Crow and Bishop``, ``Dot (Dorothy)``, ``M. Oduya``."""
        out: list[tuple[int, int, str]] = []
        n = len(self.toks)
        for _i, j, strength in found:
            # a second name joined by ``and`` / ``&`` after a title (``Drs. Crow and Bishop``)
            if strength != "weak" and j + 1 < n and self.text[self.toks[j - 1].end : self.toks[j].start] == " ":
                if (
                    self.toks[j].low in ("and", "&")
                    or self.text[self.toks[j - 1].end : self.toks[j - 1].end + 3] == " & "
                ):
                    r = self.grab_forward(self.toks[j].end, "title")
                    if r and not self.eponym(r[1]) and self.toks[r[0]].text[:1].isupper():
                        out.append((*r, strength))
            # a given name in parentheses right after a name (``Wife Dot (Dorothy)``)
            m = _PAREN_NAME.match(self.text, self.toks[j - 1].end)
            if m:
                k = bisect.bisect_left(self.starts, m.start("n"))
                if k < n and self.is_first(self.toks[k].low) and not self.is_clinical(self.toks[k].low):
                    out.append((k, k + 1, strength))
        return out

    def _namelike(self, word: str | None, upper: bool) -> bool:
        """Whether a word beside a quoted nickname can be a name (capitalised when the nickname is)."""
        if not word or (upper and not word[:1].isupper()):
            return False
        low = self._base(fold(word))
        if self.is_clinical(low) or low in STOP:
            return False
        listed = self.is_first(low) or low in self.last
        return listed if not upper else (listed or not self.is_common(low))

    def _nicknames(self) -> list[Candidate]:
        """Quoted nicknames beside names (``Ravi "Rav" Chandrasekhar``, ``"Big Mike" Michael``)."""
        out: list[Candidate] = []
        for m in _NICKNAME.finditer(self.text):
            nick = m.group("b")
            upper = nick[:1].isupper()

            a, c = self._namelike(m.group("a"), upper), self._namelike(m.group("c"), upper)
            if not upper and a and self.is_first(fold(nick.split()[0])) and m.group("c"):
                low = fold(m.group("c"))
                c = c or not (self.is_common(low) or self.is_clinical(low) or low in STOP)
            if not (a or c) or (not upper and not (a and (c or m.group("c") is None))):
                continue
            start = m.start("a") if a else m.start("b") - 1
            end = m.end("c") if c else m.end("b") + 1
            out.append(Candidate(start, end, "NAME"))
        return out

    def _dictionary(self) -> list[tuple[int, int, str]]:
        """Given name + surname sequences, ``Last, First`` and ``R. Surname`` (weak)."""
        out: list[tuple[int, int, str]] = []
        toks = self.toks
        n = len(toks)
        i = 0
        while i < n:
            t = toks[i]
            if not t.text[0].isupper() or self._initial(i):
                i += 1
                continue
            # First [M.] [particles] Last
            if self.is_first(t.low) and t.low not in STOP and not self.is_clinical(t.low):
                j = i + 1
                while j < n and self._joined(j) and (self._initial(j) or toks[j].low in PARTICLES):
                    j += 1
                first_common = self.is_common(t.low)
                if (
                    j < n
                    and j - i <= 4
                    and self._joined(j)
                    and not self.eponym(j)
                    and self._weak_surname(j, t.text.isupper(), allow_common=not first_common)
                    and not (first_common and self.is_common(self._base(toks[j].low)))
                    and not (first_common and not self.is_listed(self._base(toks[j].low)))
                ):
                    phrase = self.text[t.start : toks[j].end]
                    if (
                        not self.guarded(i, j + 1)
                        and not _STATE_NAME.fullmatch(phrase)
                        and phrase.lower() not in _REGIONS
                    ):
                        out.append((i, j + 1, "weak"))
                        i = j + 1
                        continue
            # Last, First
            if (
                i + 1 < n
                and self.text[t.end : toks[i + 1].start] == ", "
                and self._weak_surname(i, t.text.isupper())
                and t.low in self.last
                and toks[i + 1].text[0].isupper()
                and toks[i + 1].text.isupper() == t.text.isupper()
                and toks[i + 1].low in self.first
                and toks[i + 1].low not in STOP
                and not self.guarded(i, i + 2)
            ):
                j = i + 2
                if j < n and self._joined(j) and self._initial(j):
                    j += 1
                out.append((i, j, "weak"))
                i = j
                continue
            # any capitalised pair where either word is a listed name and neither is a common or clinical word
            if i + 1 < n and self._pair(i):
                out.append((i, i + 2, "weak"))
                i += 2
                continue
            i += 1
        for k in range(n - 1):
            if self._initial(k) and self._joined(k + 1) and self._weak_surname(k + 1, False):
                # ``R. Halvorsen``, ``M. Oduya``: an initial makes any capitalised non-word a surname
                low = self._base(toks[k + 1].low)
                if (low in self.last or len(low) > 2) and not self.guarded(k, k + 2):
                    out.append((k, k + 2, "weak"))
        # ``r. hakimi, md``: lower-case initial and surname before a credential
        for m in _LOWER_SIGNATURE.finditer(self.text):
            low = fold(m.group("s"))
            if m.group("f") and not self.is_first(fold(m.group("f"))):
                continue
            if not self.is_common(low) and not self.is_clinical(low):
                i0 = bisect.bisect_left(self.starts, m.start())
                j0 = bisect.bisect_left(self.starts, m.start("s"))
                if i0 < n and j0 < n and toks[i0].start == m.start() and toks[j0].start == m.start("s"):
                    out.append((i0, j0 + 1, "weak"))
        # ``Jorge was seen``, ``Gabriela's mother``: a lone given name before a narrative verb or a relative
        for m in _LONE_NAME.finditer(self.text):
            k = bisect.bisect_left(self.starts, m.start())
            if k >= n or toks[k].start != m.start():
                continue
            low = self._base(toks[k].low)
            # a common word that is also a given name (``Ahmed``, ``Grace``) only before a patient's verb
            common_ok = low not in STOP and _PATIENT_VERB.match(self.text, toks[k].end)
            if (
                self.is_first(low)
                and (not self.is_common(low) or common_ok)
                and not self.is_clinical(low)
                and not self.eponym(k + 1)
                and not (k > 0 and self._joined(k) and toks[k - 1].text[:1].isupper())
            ):
                out.append((k, k + 1, "weak"))
        return out

    def _pair(self, i: int) -> bool:
        """``Olusegun Adebayo``, ``ADEBAYO OLUSEGUN``: two capitalised, unknown-or-listed, non-clinical words."""
        a, b = self.toks[i], self.toks[i + 1]
        if not self._joined(i + 1) or self.text[a.end : b.start] != " ":
            return False
        for t in (a, b):
            low = self._base(t.low)
            if (
                not t.text[0].isupper()
                or len(low) < 2
                or (t.text.isupper() and len(t.text) <= 3)
                or low in STOP
                or low in PARTICLES
                or self.is_common(low)
                or self.is_clinical(low)
            ):
                return False
        if a.text.isupper() != b.text.isupper():
            return False
        la, lb = self._base(a.low), self._base(b.low)
        if not (la in self.first or lb in self.last or la in self.last or lb in self.first):
            return False
        phrase = self.text[a.start : b.end]
        return not (self.eponym(i + 2) or _STATE_NAME.fullmatch(phrase) or phrase.lower() in _REGIONS)

    def _weak_surname(self, j: int, upper: bool, allow_common: bool = False) -> bool:
        t = self.toks[j]
        if not t.text[0].isupper() or (t.text.isupper() != upper and len(t.text) > 1):
            return False
        low = self._base(t.low)
        if self.is_clinical(low) or low in STOP or len(low) < 2 or self.eponym(j + 1):
            return False
        if self.is_common(low) and not (allow_common and low in self.last):
            return False
        return not upper or self.is_listed(low)

    def _repeats(self, spans: list[tuple[int, int]]) -> list[Candidate]:
        words: set[str] = set()
        for i, j in spans:
            for k in range(i, j):
                t = self.toks[k]
                if self._initial(k) or t.low in PARTICLES or t.low in STOP or len(t.low) < 2:
                    continue
                words.add(self._base(t.low))
        if not words:
            return []
        out: list[Candidate] = []
        for k, t in enumerate(self.toks):
            low = self._base(t.low)
            if low not in words:
                continue
            if self.is_common(low) and not t.text[0].isupper():
                continue
            if self.eponym(k + 1) or self.is_clinical(low):
                continue
            out.append(self.span(k, k + 1))
        return out


def names(text: str) -> list[Candidate]:
    """Every person-name span in ``text``."""
    return NameFinder(text).find()
