import pytest

from kg.assertion import ContextAnnotator, RuleError, load_rules
from kg.nlp import analyze
from kg.types import Document, Mention


def _mention(doc, analyzed, phrase, label="Symptom", occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = doc.text.index(phrase, start + 1)
    end = start + len(phrase)
    sent = analyzed.sentence_of(start)
    return Mention(
        doc_id=doc.id,
        sentence_index=sent.index,
        start=start,
        end=end,
        text=phrase,
        label=label,
        confidence=0.9,
        extractor="test",
        extractor_version="0",
    )


CASES = [
    ("He denies chest pain.", "chest pain", "negated"),
    ("No fever or cough.", "cough", "negated"),
    ("Negative for rash.", "rash", "negated"),
    ("Possible pneumonia on imaging.", "pneumonia", "possible"),
    ("Rule out myocardial infarction.", "myocardial infarction", "possible"),
    # i2b2/VA 2010: a listed or "history of" problem is the patient's present, chronic problem
    ("History of asthma.", "asthma", "present"),
    ("Return if chest pain develops.", "chest pain", "hypothetical"),
    ("Should fever occur, call the clinic.", "fever", "hypothetical"),
    ("Her mother had breast cancer.", "breast cancer", "family"),
    ("Family History:\nBreast cancer and diabetes.", "diabetes", "family"),
    ("Past Medical History:\nAsthma.", "Asthma", "present"),
    ("She reports chest pain.", "chest pain", "present"),
    ("No fever, but she reports a cough.", "cough", "present"),
]


# One behaviour per case: list scope, terminators, pseudo-triggers, each cue class, sections.
BEHAVIOURS = [
    # negation scope runs over a coordinated list
    (
        "She denies cough, wheezing, chest pain, palpitations, orthopnea, syncope, leg swelling, or TIA.",
        ["cough", "syncope", "TIA"],
        "negated",
    ),
    ("He has no constitutional complaints such as fevers, chills or sweats.", ["sweats"], "negated"),
    ("Hip Pain: None. Back pain: None.", ["Hip Pain", "Back pain"], "negated"),
    ("The leg pain is no longer present.", ["leg pain"], "negated"),
    # terminators end the scope
    ("No fever; he has a cough.", ["cough"], "present"),
    ("He denies fever, however he has a rash.", ["rash"], "present"),
    ("No neurologic deficits other than some numbness in his left hand.", ["numbness"], "present"),
    ("She denies nausea and has abdominal pain.", ["abdominal pain"], "present"),
    ("Denies chest pain.\nAbdominal pain since Monday.", ["Abdominal pain"], "present"),
    # pseudo-triggers
    ("No increase in back pain.", ["back pain"], "present"),
    ("Blood cultures grew gram negative rods; sepsis is treated.", ["sepsis"], "present"),
    ("Risks including but not limited to bleeding, infection and stroke.", ["bleeding", "stroke"], "hypothetical"),
    ("Risk factors include hypertension and diabetes.", ["hypertension", "diabetes"], "present"),
    (
        "The risks included but are not limited to bleeding, infection, nerve damage.",
        ["bleeding", "nerve damage"],
        "hypothetical",
    ),
    (
        "The risks of lack of pain relief, paralysis and infection were explained.",
        ["pain", "paralysis"],
        "hypothetical",
    ),
    ("There was a lack of pain relief after the injection.", ["pain"], "negated"),
    (
        "Seek immediate medical attention for shortness of breath, chest pain, fever or chills.",
        ["shortness of breath", "chills"],
        "hypothetical",
    ),
    ("Signs of poor blood supply include pain, numbness and cramping.", ["pain", "cramping"], "hypothetical"),
    ("Bleeding can be superficial but can compromise the airway.", ["Bleeding"], "hypothetical"),
    ("He sought medical attention for chest pain last week.", ["chest pain"], "present"),
    # a scope opened inside a parenthesis ends with it; an HTML entity's ";" is no terminator
    ("Mild cough (the symptoms may be secondary to intubation), calf pain.", ["calf pain"], "present"),
    ("She thought it was &quot;restless leg syndrome&quot; then.", ["restless leg syndrome"], "possible"),
    # uncertainty
    ("The lesions were strongly suggestive of multiple sclerosis.", ["multiple sclerosis"], "possible"),
    ("This is concerning for pneumonia.", ["pneumonia"], "possible"),
    ("Other solid mass lesions cannot be excluded.", ["solid mass lesions"], "possible"),
    ("Nerve root irritation versus peripheral nerve entrapment.", ["peripheral nerve entrapment"], "possible"),
    ("The rash was most likely contact dermatitis.", ["contact dermatitis"], "possible"),
    ("Questionable fracture of the radius.", ["fracture"], "possible"),
    ("Pulmonary embolism has not been ruled out.", ["Pulmonary embolism"], "possible"),
    ("Pneumonia was ruled out.", ["Pneumonia"], "negated"),
    ("There is a lack of edema.", ["edema"], "negated"),
    # hypothetical
    ("Return if chest pain develops.", ["chest pain"], "hypothetical"),
    ("Risks include bleeding, infection, stroke, paralysis and death.", ["bleeding", "paralysis"], "hypothetical"),
    ("In case of fever, call the clinic.", ["fever"], "hypothetical"),
    ("A hematoma may compress the cord and result in weakness and numbness.", ["weakness", "numbness"], "hypothetical"),
    ("He has an aspiration risk.", ["aspiration"], "hypothetical"),
    ("We will consider methotrexate.", ["methotrexate"], "hypothetical"),
    # family
    ("Her mother had breast cancer.", ["breast cancer"], "family"),
    ("He describes history of diabetes and heart attack in his family.", ["diabetes", "heart attack"], "family"),
    ("FAMILY HISTORY: 1. Cancer. 2. Coronary artery disease.", ["Cancer", "Coronary artery disease"], "family"),
    # historical: explicitly past, resolved
    ("Distant history of migraine headaches some 30 years ago.", ["migraine headaches"], "historical"),
    ("She had an ACL injury to the knee in 2008.", ["ACL injury"], "historical"),
    ("He had toe problems in the past.", ["toe problems"], "historical"),
    ("The dyspnea resolved.", ["dyspnea"], "historical"),
    # PMH convention: listed problems are present
    ("PAST MEDICAL HISTORY: Hypertension, hypothyroidism, GERD.", ["Hypertension", "GERD"], "present"),
    ("He has a history of uncontrolled diabetes mellitus.", ["diabetes mellitus"], "present"),
    # inline sections end the previous section and its scopes
    ("FAMILY HISTORY: Diabetes. ALLERGIES: Penicillin. MEDICATIONS: Insulin.", ["Penicillin", "Insulin"], "present"),
    ("FHX: GF with CAD. PMH: Hypertension.", ["Hypertension"], "present"),
    ("Family Medical History:\nStroke.\nSocial History:\nAsthma.", ["Asthma"], "present"),
    ("Family Medical History:\nStroke.", ["Stroke"], "family"),
]


@pytest.mark.parametrize("text, phrases, expected", BEHAVIOURS)
def test_assertion_behaviour(text, phrases, expected):
    doc = Document(id="d", text=text)
    analyzed = analyze(doc)
    mentions = [_mention(doc, analyzed, p) for p in phrases]
    assert [m.assertion for m in ContextAnnotator()(analyzed, mentions)] == [expected] * len(phrases)


@pytest.mark.parametrize("text, phrase, expected", CASES)
def test_assertion_status(text, phrase, expected):
    doc = Document(id="d", text=text)
    analyzed = analyze(doc)
    mention = _mention(doc, analyzed, phrase)
    (out,) = ContextAnnotator()(analyzed, [mention])
    assert out.assertion == expected


def test_bad_rules_rejected(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {literal: nope, category: maybe, direction: forward}\n")
    with pytest.raises(RuleError, match="unknown category"):
        load_rules(path)


def test_bad_pattern_and_direction_rejected(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {literal: x, category: negated, direction: sideways}\n")
    with pytest.raises(RuleError, match="unknown direction"):
        load_rules(path)
    path.write_text("rules:\n  - {literal: x, pattern: '(', category: negated}\n")
    with pytest.raises(RuleError, match="rule 0"):
        load_rules(path)
    path.write_text("sections:\n  family history: relatives\n")
    with pytest.raises(RuleError, match="unknown category"):
        load_rules(path)


def test_offsets_hold_when_lower_casing_changes_length():
    # "İ" lower-cases to two characters; the triggers after it must still line up with the text
    text = "İİ Patient denies chest pain."
    doc = Document(id="d", text=text)
    analyzed = analyze(doc)
    (out,) = ContextAnnotator()(analyzed, [_mention(doc, analyzed, "chest pain")])
    assert out.assertion == "negated"
