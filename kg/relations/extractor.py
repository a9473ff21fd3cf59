"""The ``trained`` relation extractor: the trained models as a pipeline stage, assertion-aware.

* Drug–Disease/Symptom (``TREATS``, ``CAUSES``): the document-level model of
  :mod:`kg.relations.linear` over the linked mentions, with its clinical decision rule
  (:meth:`~kg.relations.linear.DocLinearModel.clinical`: CAUSES from the CID head, TREATS from the
  BioRED head's Negative_Correlation); a concept pair's evidence is its best-scoring
  mention pair and that pair's sentence (or the sentences spanning a cross-sentence pair).
* Drug–Drug (``INTERACTS_WITH``): the DDI pair classifier over the sentence-level drug pairs
  that pass the negative filter; confidence = 1 - P(none), ``subtype`` = the most likely DDI 2013
  class (mechanism, effect, advise, int).
* Disease–Symptom (``HAS_SYMPTOM``): the distantly supervised ``has_symptom`` head of
  :mod:`kg.train.has_symptom` (a :class:`~kg.relations.linear.DocLinearModel` over Disease -> Symptom
  pairs) with its decision bias tuned on out-of-fold training pairs; confidence = P(HAS_SYMPTOM).
  In notes a pair is asserted when P(HAS_SYMPTOM) >= ``has_symptom_min_confidence`` (0.1): the
  decision tuned on abstracts, whose curated labels miss most common-disease pairs, fires on almost
  no clinical pair, so this floor was set on the annotated notes fixture (a development set).
  Only when that model is missing does ``HAS_SYMPTOM`` come from the ``rules`` extractor
  (``rules_for`` lists the types the rules supply in place of a missing model; a warning is logged).

Clinical-note settings (the defaults of :class:`TrainedRelationOptions`): drug–disease pairs only
within one sentence (``max_sentence_distance=0``), the clinical decision rule instead of the
abstract-tuned thresholds and best-pair fallback (``fallback=False``), and a minimum confidence
of 0.4 (``min_confidence``). These settings were checked on the annotated notes fixture
(tests/fixtures/notes_annotated.jsonl), so its figure is a development figure, not a test one;
the benchmark evaluation of abstracts uses cross-sentence pairs and the tuned fallback.

Assertion: mentions of one concept are grouped by whether they are asserted (present or
historical) or not, so a negated, hypothetical or family-history mention never lends its
features to an asserted pair; a relation whose evidence mention is not asserted is kept with
that status (the assembly stage never lets it assert an edge). A negation cue between the two
arguments (``"the rash was not due to penicillin"``) marks the relation itself negated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from kg.artifacts import ModelArtifactError
from kg.logs import get_logger
from kg.nlp import AnalyzedDocument
from kg.relations.candidates import filter_reason
from kg.relations.clinical import ClinicalPatterns
from kg.relations.labels import CORPUS_TYPES
from kg.relations.models import load_relation_model
from kg.relations.note_structure import therapy_back_references
from kg.relations.reldoc import DISEASE_LABELS, DRUG_LABELS, Ent, RelDoc
from kg.relations.rules import RuleRelationExtractor
from kg.relations.transformer import PairInput
from kg.schema import GraphSchema, SchemaError
from kg.types import KIND_KEY, DocumentKind, Mention, RelationMention

log = get_logger(__name__)

_RELATION_NEGATION = re.compile(
    r"\b(not|no|never|without|rather than|instead of|unrelated to|unlikely)\b", re.IGNORECASE
)
#: 1.1.0: INTERACTS_WITH relations carry their DDI subtype; 1.2.0: clinical patterns; 1.3.0: construction classes,
#: the model-pair filter and possessive anaphora (issue 19, round three); 1.4.0: a disease's severity or body-site
#: modifier before "with <symptoms>" (round four); 1.5.0: treatment across the sentences of a note section
#: (:mod:`kg.relations.note_structure`, session 21).
VERSION = "1.5.0"
#: The drug–condition types a clinical pattern decides between for one mention pair.
_DRUG_CONDITION = frozenset({"TREATS", "CAUSES"})
#: Words between a drug and a condition that make the condition a new complaint or finding rather than what the
#: drug was given for or caused ("her 4th course of 5FU/Carboplatin and complained of low back pain").
_NEW_COMPLAINT = re.compile(
    r"\b(?:complain\w*|present(?:s|ed|ing)|report(?:s|ed)|noted|denie[sd]|found|diagnos\w*)\b", re.IGNORECASE
)


def _model_pair_blocked(text: str, drug: Mention, condition: Mention, conditions: Sequence[Mention]) -> bool:
    """A model's drug–condition pair that the note's wording gives to something else.

    Blocked when another condition mention lies between the two (in a list such as "Peripheral Neuropathy
    Chronic anemia (on Epogen injections)" the drug belongs to the nearer condition) or when the words
    between them introduce the condition as a new complaint (:data:`_NEW_COMPLAINT`).
    """
    lo, hi = sorted((drug, condition), key=lambda m: m.start)
    if any(lo.end <= m.start and m.end <= hi.start for m in conditions):
        return True
    return bool(_NEW_COMPLAINT.search(text[lo.end : hi.start]))


def concept_key(m: Mention) -> str:
    """The concept a mention stands for: its CURIE, else its label and lower-cased long form or text."""
    return m.curie or f"text:{m.label}:{(m.long_form or m.text).lower()}"


def reldoc_from_mentions(
    analyzed: AnalyzedDocument,
    mentions: Sequence[Mention],
    title_end: int | None = None,
    split_assertion: bool = True,
    linked_only: bool = False,
) -> tuple[RelDoc, list[Mention]]:
    """A :class:`RelDoc` over linked mentions.

    Mentions of one label family (drug; disease or symptom) whose concepts share an id (CURIE or
    equivalent id) are one concept; with ``split_assertion`` its asserted and non-asserted
    mentions are two. ``linked_only`` leaves out mentions without a CURIE (NIL).

    Returns:
        (the document, the mentions in ``Ent.index`` order).
    """
    kept = [m for m in mentions if m.curie is not None or not linked_only]
    parent = list(range(len(kept)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[bool, str], int] = {}
    for i, m in enumerate(kept):
        family = m.label in DRUG_LABELS
        for x in (concept_key(m), *m.xrefs):
            j = owner.setdefault((family, x), i)
            parent[find(i)] = find(j)
    group_ids: dict[int, set[str]] = {}
    for i, m in enumerate(kept):
        group_ids.setdefault(find(i), set()).update({concept_key(m), *m.xrefs})
    names = {root: min(concept_key(kept[i]) for i in range(len(kept)) if find(i) == root) for root in group_ids}
    sentences = [(s.start, s.end) for s in analyzed.sentences]
    ents = []
    ids: dict[str, frozenset[str]] = {}
    for i, m in enumerate(kept):
        root = find(i)
        key = names[root]
        ids[key] = frozenset(group_ids[root])
        if split_assertion and not m.asserted:
            key = f"{key}#not-asserted"
            ids[key] = frozenset(group_ids[root])
        ents.append(Ent(m.start, m.end, m.label, (key,), m.sentence_index, i))
    text = analyzed.document.text
    return RelDoc(analyzed.document.id, text, sentences, ents, title_end, ids), kept


def _evidence(analyzed: AnalyzedDocument, a: Mention, b: Mention) -> str:
    lo, hi = sorted((a.sentence_index, b.sentence_index))
    s0, s1 = analyzed.sentences[lo].start, analyzed.sentences[hi].end
    return analyzed.document.text[s0:s1].strip()


def _negated_between(text: str, a: Mention, b: Mention) -> bool:
    if a.sentence_index != b.sentence_index:
        return False
    first, second = sorted((a, b), key=lambda m: m.start)
    return bool(_RELATION_NEGATION.search(text[first.end : second.start]))


class TrainedRelationOptions(BaseModel):
    """Options of the ``trained`` extractor (``relations.params`` of a run config); defaults are the clinical settings."""

    model_config = ConfigDict(extra="forbid")
    #: The drug–disease model: a folder or a packaged model name.
    drug_disease: str = "relations-drug-disease"
    #: The DDI pair classifier (folder or packaged name); None: no INTERACTS_WITH.
    ddi: str | None = "relations-ddi"
    #: The HAS_SYMPTOM model (folder or packaged name); None or missing: the rules supply HAS_SYMPTOM.
    has_symptom: str | None = "relations-has-symptom"
    #: Types the ``rules`` extractor supplies in place of a missing model.
    rules_for: tuple[str, ...] = ("HAS_SYMPTOM",)
    #: Minimum confidence of a model's TREATS / CAUSES / INTERACTS_WITH relation (0.6 since the clinical
    #: patterns: on the dev split of the MTSamples notes the model's pairs below it were problem-list
    #: neighbours, "Coumadin CAUSES HTN"; a pattern's relation has no floor).
    min_confidence: float = 0.6
    #: Minimum confidence of a model's CAUSES relation: in notes the abstract-trained CID head's CAUSES
    #: below it were pain medication "causing" pain (dev split of the MTSamples notes, round two); the
    #: clinical patterns state adverse effects in notes.
    causes_min_confidence: float = 0.8
    #: Minimum P(HAS_SYMPTOM) of a model's HAS_SYMPTOM relation (set on the dev split of the annotated
    #: MTSamples notes, where the model below 0.7 added only false pairs beside the clinical patterns).
    has_symptom_min_confidence: float = 0.7
    #: Only pairs with mentions at most this many sentences apart (0: same sentence); None: any distance.
    max_sentence_distance: int | None = 0
    #: The abstract-tuned decision with its best-pair fallback instead of the clinical decision rule.
    fallback: bool = False
    #: The clinical-note patterns (:mod:`kg.relations.clinical`) beside the models; a pattern's type
    #: replaces a model's other drug–condition type for the same mention pair.
    clinical_patterns: bool = True
    #: Drop a model's TREATS / CAUSES pair when another condition mention lies between its drug and its
    #: condition, or the words between introduce a new complaint ("... and complained of"): see
    #: :func:`_model_pair_blocked` (issue 19, written from the dev split of the MTSamples notes).
    model_pair_filter: bool = True
    #: The pair transformers' (DDI) numeric precision: ``auto`` runs a bfloat16 copy of the network on CPUs with
    #: native bf16 units (about 2x faster there; DDI 2013 F1 in docs/benchmarks.md), else float32; ``fp32`` is
    #: the reference. The pipeline key records which one ran.
    precision: Literal["fp32", "bf16", "auto"] = "auto"
    #: Treatment stated across the sentences of one note section ("... severe back pain. She has been unresponsive
    #: to ... analgesics."): :func:`kg.relations.note_structure.therapy_back_references`, on documents of kind
    #: ``note`` only (issue 19, session 21; written from the dev split of the MTSamples notes).
    note_therapy_clauses: bool = True
    #: The kind of a document whose ``metadata["document_kind"]`` is unset: ``note`` (the clinical settings, as the
    #: other defaults) or ``abstract``.
    document_kind: DocumentKind = "note"


class TrainedRelationExtractor:
    """Relations from the trained drug–disease, DDI and HAS_SYMPTOM models (+ rules where a model is missing)."""

    name = "trained"

    def __init__(self, schema: GraphSchema, options: TrainedRelationOptions | None = None) -> None:
        opts = options or TrainedRelationOptions()
        self.options = opts
        self.schema = schema
        self.dd = load_relation_model(opts.drug_disease, opts.precision)
        self.ddi = load_relation_model(opts.ddi, opts.precision) if opts.ddi else None
        if self.ddi is not None:
            _check_ddi_classes(self.ddi.classes, schema, str(opts.ddi))
        self.hs = None
        if opts.has_symptom:
            try:
                self.hs = load_relation_model(opts.has_symptom, opts.precision)
            except ModelArtifactError as exc:
                log.warning("no HAS_SYMPTOM model (%s): HAS_SYMPTOM falls back to the rules", exc)
        # The rules supply a type only where its trained model is missing.
        self.rules_for = set(opts.rules_for) - ({"HAS_SYMPTOM"} if self.hs is not None else set())
        self.rules = RuleRelationExtractor(schema) if self.rules_for else None
        self.min_confidence = opts.min_confidence
        self.has_symptom_min_confidence = opts.has_symptom_min_confidence
        self.causes_min_confidence = opts.causes_min_confidence
        self.max_sentence_distance = opts.max_sentence_distance
        self.fallback = opts.fallback
        self.clinical = ClinicalPatterns(schema) if opts.clinical_patterns else None
        versions = (
            [f"dd{self.dd.version}"]
            + ([f"ddi{self.ddi.version}"] if self.ddi else [])
            + ([f"hs{self.hs.version}"] if self.hs else [])
        )
        self.version = f"{VERSION}+{'+'.join(versions)}"

    def __call__(self, analyzed: AnalyzedDocument, mentions: list[Mention]) -> list[RelationMention]:
        text = analyzed.document.text
        found: dict[tuple[int, int, int, int, str], RelationMention] = {}

        def add(
            head: Mention,
            tail: Mention,
            rel: str,
            conf: float,
            sentence: str,
            subtype: str | None = None,
            floor: float | None = None,
        ) -> None:
            if floor is None:
                floor = {"HAS_SYMPTOM": self.has_symptom_min_confidence, "CAUSES": self.causes_min_confidence}.get(
                    rel, self.min_confidence
                )
            if not self.schema.allows(head.label, rel, tail.label) or conf < floor:
                return
            if head.curie is not None and head.curie == tail.curie:
                return
            if _negated_between(text, head, tail) and head.asserted and tail.asserted:
                head = head.model_copy(update={"assertion": "negated"})
            key = (head.start, head.end, tail.start, tail.end, rel)
            if key not in found or found[key].confidence < conf:
                found[key] = RelationMention(
                    head=head,
                    tail=tail,
                    type=rel,
                    confidence=round(min(1.0, max(0.0, conf)), 4),
                    extractor=self.name,
                    extractor_version=self.version,
                    sentence=sentence,
                    subtype=subtype,
                )

        dd_mentions = [m for m in mentions if m.label in DRUG_LABELS | DISEASE_LABELS]
        if dd_mentions:
            doc, ordered = reldoc_from_mentions(analyzed, dd_mentions)
            if self.fallback:
                preds = self.dd.predict(doc, fallback=True, max_sentence_distance=self.max_sentence_distance)
            else:
                preds = self.dd.clinical(doc, max_sentence_distance=self.max_sentence_distance)
            conditions = [m for m in dd_mentions if m.label in DISEASE_LABELS]
            for p in preds:
                if p.type not in self.schema.extracted_relationships:
                    continue
                a, b = ordered[p.drug_mention], ordered[p.disease_mention]
                if self.options.model_pair_filter and _model_pair_blocked(text, a, b, conditions):
                    continue
                add(a, b, p.type, p.probability, _evidence(analyzed, a, b))
            if self.hs is not None:
                hs_preds = self.hs.above(
                    doc, "has_symptom", self.has_symptom_min_confidence, self.max_sentence_distance
                )
                for p in hs_preds:
                    a, b = ordered[p.drug_mention], ordered[p.disease_mention]
                    add(a, b, p.type, p.probability, _evidence(analyzed, a, b))
        if self.ddi is not None:
            for a, b, conf, subtype in self._ddi(analyzed, [m for m in mentions if m.label == "Drug"]):
                add(a, b, "INTERACTS_WITH", conf, _evidence(analyzed, a, b), subtype)
        if self.clinical is not None:
            self._add_clinical(analyzed, mentions, found, add)
        if self.rules is not None:
            for r in self.rules(analyzed, mentions):
                if r.type in self.rules_for:
                    key = (r.head.start, r.head.end, r.tail.start, r.tail.end, r.type)
                    found.setdefault(key, r)
        return sorted(found.values(), key=lambda r: (r.head.start, r.tail.start, r.type))

    def _add_clinical(
        self,
        analyzed: AnalyzedDocument,
        mentions: list[Mention],
        found: dict[tuple[int, int, int, int, str], RelationMention],
        add: Callable[..., None],
    ) -> None:
        """The clinical patterns' relations; a pattern's type wins over a model's other type for its pair.

        A drug or condition mention that a pattern pairs (TREATS / CAUSES) is that statement's business: the
        model's drug–condition pairs that join it to another mention are dropped ("Vicodin ... p.r.n. for pain as
        well as Naprosyn": the pain is Vicodin's).
        """
        hits = self.clinical.hits(analyzed, mentions) if self.clinical is not None else []
        if self.clinical is not None and self.options.note_therapy_clauses and self._is_note(analyzed):
            known = {(h.head.start, h.head.end) for h in hits if h.rel in _DRUG_CONDITION}
            hits += [
                h
                for h in therapy_back_references(analyzed, mentions, self.schema)
                if (h.head.start, h.head.end) not in known
            ]
        stated = {(h.head.start, h.head.end, h.tail.start, h.tail.end): h.rel for h in hits}
        claimed = {(m.start, m.end) for h in hits if h.rel in _DRUG_CONDITION for m in (h.head, h.tail)}
        for key in [k for k in found if k[4] in _DRUG_CONDITION]:
            pair = key[:4]
            if pair in stated:
                drop = key[4] != stated[pair]
            else:
                drop = self.options.model_pair_filter and ((key[0], key[1]) in claimed or (key[2], key[3]) in claimed)
            if drop:
                del found[key]
        for h in hits:
            add(h.head, h.tail, h.rel, h.confidence, _evidence(analyzed, h.head, h.tail), floor=0.0)

    def _is_note(self, analyzed: AnalyzedDocument) -> bool:
        return analyzed.document.metadata.get(KIND_KEY, self.options.document_kind) == "note"

    def _ddi(self, analyzed: AnalyzedDocument, drugs: list[Mention]) -> list[tuple[Mention, Mention, float, str]]:
        """(drug, drug, 1 - P(none), most likely DDI class) of each same-sentence pair the model calls an interaction."""
        assert self.ddi is not None
        text = analyzed.document.text
        jobs: list[tuple[Mention, Mention, PairInput]] = []
        by_sentence: dict[int, list[Mention]] = {}
        for m in sorted(drugs, key=lambda m: m.start):
            by_sentence.setdefault(m.sentence_index, []).append(m)
        for idx, group in by_sentence.items():
            s = analyzed.sentences[idx]
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    if a.curie is not None and a.curie == b.curie:
                        continue
                    e1, e2 = (a.start - s.start, a.end - s.start), (b.start - s.start, b.end - s.start)
                    sentence = text[s.start : s.end]
                    if filter_reason(sentence, e1, e2):
                        continue
                    others = tuple((m.start - s.start, m.end - s.start) for m in group if m is not a and m is not b)
                    jobs.append((a, b, PairInput(sentence, e1, e2, "drug", "drug", others)))
        if not jobs:
            return []
        probs = self.ddi.predict_proba([j[2] for j in jobs])  # (len(jobs), len(classes)), class 0 = none
        out = []
        for (a, b, _), row in zip(jobs, probs, strict=True):
            best = int(row.argmax())
            if best != 0:
                out.append((a, b, float(1.0 - row[0]), self.ddi.classes[best]))
        return out


def _check_ddi_classes(classes: Sequence[str], schema: GraphSchema, model: str) -> None:
    """Every class of the DDI model but ``none`` must map to INTERACTS_WITH and be one of its schema subtypes."""
    if not classes or classes[0] != "none":
        raise SchemaError(f"DDI model {model}: class 0 must be 'none', got classes {list(classes)}")
    for c in classes[1:]:
        if CORPUS_TYPES.get(c) != "INTERACTS_WITH":
            raise SchemaError(f"DDI model {model}: class {c!r} does not map to INTERACTS_WITH (kg/relations/labels.py)")
        schema.check_subtype("INTERACTS_WITH", c, f"DDI model {model}")
