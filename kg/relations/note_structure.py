"""Treatment stated across sentences of one note section (issue 19, session 21): "the problem, then what was tried".

Notes state the problem first and the treatment tried for it in a later sentence of the same section:
"... severe back pain that began three months ago. She has been unresponsive to nonoperative treatment
including bed rest and analgesics."; "... bilateral knee DJD ... He had arthroscopy ... He has been on a long
conservative course for these including nonsteroidals, narcotics"; "MRI showed a herniated nucleus pulposus at
C5-C6. The patient has failed epidural steroid injections."; "focal motor seizure ... EEG revealed diffuse
slowing. She was placed on Dilantin."

:func:`therapy_back_references` reads that shape: a **therapy clause** (a clause whose mentions are drugs only,
whose words before its first drug say the patient was treated with, tried, failed, took or was placed on it)
treats the **problem** of the nearest clause before it that names an asserted condition, where

* both clauses lie in one section (no section header between them: a medication list after a past-medical-history
  list states no indication, docs/annotation.md) and at most :data:`MAX_CLAUSES_BACK` clauses apart;
* the clauses between name no mention (a clause with only non-asserted conditions, "He denied any trauma", is
  passed over; one with a drug or an asserted condition ends the search);
* the problem is that clause's asserted Diseases, else its asserted Symptoms, and only when there are one or two
  (three or more are a problem list, not what the drug was given for);
* the therapy clause lies in no procedure section ("PROCEDURE:", "DESCRIPTION OF OPERATION:", "FINDINGS:") and is no
  perioperative or prophylactic statement ("given Ancef preoperatively", "DVT prophylaxis")
  and no bare prescription ("He was given a prescription for Vicodin": no indication, docs/annotation.md).

It runs only on documents of kind ``note`` (the extractor decides), so abstracts are untouched. The cues and
guards were written from the dev split of the MTSamples annotations (docs/annotation.md), never the test split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kg.nlp import AnalyzedDocument
from kg.relations.clinical import PatternHit, _clauses, _Headers
from kg.schema import GraphSchema
from kg.types import Mention

#: How many clauses back the problem may lie (counting the clauses passed over).
MAX_CLAUSES_BACK = 3
#: The most conditions a problem clause may give (more is a problem list).
MAX_PROBLEMS = 2
#: Confidence of a relation read this way.
CONFIDENCE = 0.6
#: Words before the first drug of a therapy clause: the patient (subject) was treated with, tried, failed, took it.
_THERAPY = re.compile(
    r"\b(?:he|she|they|the patient|patient)\s+(?:\w+\s+){0,2}?"
    r"(?:(?:has|have|had)\s+(?:\w+\s+){0,2}?(?:tried|failed|been\s+(?:on|taking|using|treated|given|placed|started|"
    r"unresponsive|refractory|maintained|managed))|(?:was|were|is|has been|had been)\s+(?:\w+\s+){0,1}?"
    r"(?:treated|placed on|started on|put on|given|prescribed|unresponsive|refractory)|"
    r"(?:had been|has been|was|is)\s+taking|(?:tried|failed|received|does take|takes|took))\b",
    re.IGNORECASE,
)
#: A therapy clause that is perioperative, prophylactic or anaesthetic care, not treatment of the problem.
_NOT_TREATMENT = re.compile(
    r"\b(?:pre-?operative\w*|post-?operative\w*|intra-?operative\w*|peri-?operative\w*|prophyla\w*|anesthe\w*|"
    r"anaesthe\w*|sedation|irrigat\w*|local|prior to (?:the )?(?:surgery|procedure|incision)|"
    r"in the (?:operating|recovery) room|prescriptions?)\b",
    re.IGNORECASE,
)
#: Sections whose drugs are given during a procedure ("PROCEDURE:", "DESCRIPTION OF OPERATION:", "FINDINGS:").
_PROCEDURE_SECTION = re.compile(r"procedure|operation|technique|anesthe|anaesthe|description|findings")
_CONDITIONS = frozenset({"Disease", "Symptom"})


def therapy_back_references(
    analyzed: AnalyzedDocument, mentions: Sequence[Mention], schema: GraphSchema
) -> list[PatternHit]:
    """TREATS from each therapy clause to the problem of the nearest clause before it (see the module doc)."""
    text = analyzed.document.text
    clause_of = _clauses(analyzed)
    by_clause: dict[int, list[Mention]] = {}
    for m in sorted(mentions, key=lambda m: (m.start, m.end)):
        if m.label == "Drug" or m.label in _CONDITIONS:
            by_clause.setdefault(clause_of[m.sentence_index], []).append(m)
    clauses = sorted(set(clause_of))
    headers = _Headers(text)
    out: list[PatternHit] = []
    for k, clause in enumerate(clauses):
        here = by_clause.get(clause, [])
        if not here or any(m.label != "Drug" for m in here):
            continue
        start = analyzed.sentences[clause].start
        lead = text[start : here[0].start]
        whole = text[start : analyzed.sentences[_last_sentence(clause_of, clause)].end]
        if _THERAPY.search(lead) is None or _NOT_TREATMENT.search(whole):
            continue
        if _PROCEDURE_SECTION.search(headers.at(here[0].start)):
            continue
        problems = _problem_before(clauses[:k], by_clause, headers, here[0].start, analyzed)
        for drug in here:
            out += [
                PatternHit(drug, p, "TREATS", CONFIDENCE, "therapy-clause-back")
                for p in problems
                if drug.asserted and schema.allows("Drug", "TREATS", p.label)
            ]
    return out


def _last_sentence(clause_of: list[int], clause: int) -> int:
    return max(i for i, c in enumerate(clause_of) if c == clause)


def _problem_before(
    earlier: Sequence[int],
    by_clause: dict[int, list[Mention]],
    headers: _Headers,
    drug_start: int,
    analyzed: AnalyzedDocument,
) -> list[Mention]:
    """The asserted conditions of the nearest earlier clause that has any, within reach and the same section."""
    section_start = headers.end_before(drug_start)
    for steps, clause in enumerate(reversed(earlier), start=1):
        if steps > MAX_CLAUSES_BACK or analyzed.sentences[clause].end <= section_start:
            return []
        ms = by_clause.get(clause, [])
        if any(m.label == "Drug" for m in ms):
            return []
        asserted = [m for m in ms if m.label in _CONDITIONS and m.asserted]
        if not asserted:
            continue
        if any(m.start < section_start for m in asserted):
            return []  # the section starts inside this clause: its conditions belong to the section before
        diseases = [m for m in asserted if m.label == "Disease"]
        problems = diseases or asserted
        return problems if len(problems) <= MAX_PROBLEMS else []
    return []
