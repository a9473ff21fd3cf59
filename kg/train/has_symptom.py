"""HAS_SYMPTOM (Disease -> Symptom) by distant supervision from the curated graph.

There is no gold disease–symptom corpus here, so labels come from curated knowledge:

* **Knowledge.** HPO disease–phenotype annotations (true-path rule), Hetionet ``DpS`` edges and a
  curated TSV file, met with medkg concepts through the terminology (:mod:`kg.train.symptom_knowledge`).
* **Text.** Abstracts of annotated corpora (BC5CDR, NCBI-disease, BioRED train/dev splits): each
  gold disease mention is typed Symptom or Disease by the terminology label of its corpus MeSH id
  (MeSH C23.888 signs and symptoms and HPO-only terms are Symptom) and stands for that concept.
* **Labels.** A co-mentioned (Disease concept, Symptom concept) pair of one document is positive
  when the curated knowledge holds the pair, negative otherwise. The noise is documented in
  docs/relations.md: a positive pair need not be *stated* by its abstract (the label is a property
  of the pair, not of the sentence), and a negative pair may be a true relation the knowledge
  lacks (HPO covers Mendelian and rare diseases far better than common ones).
* **Split.** The (disease, symptom) concept pairs, curated or not, are split by a seeded hash of
  the pair into train and held-out parts *before* anything is trained. Training sees only
  candidates whose pair is in the train part; the held-out candidates are the evaluation set. The
  cross-validation folds that tune C and the decision bias are also drawn by pair hash, so the
  tuning imitates unseen pairs.

The model is a :class:`kg.relations.linear.Head` (logistic regression over the same pair features as
the drug–disease model, with the HAS_SYMPTOM trigger patterns of the rules as features; the
knowledge priors are off, since here they would copy the label), saved as a
:class:`~kg.relations.linear.DocLinearModel` with one head ``has_symptom``.

Pure core: :func:`in_heldout_pairs`, :func:`typed_reldoc`, :func:`label_candidates`,
:func:`fit_head`, :func:`score_heldout`. Thin shell: :func:`train_has_symptom`,
:func:`evaluate_has_symptom` (options: :class:`DistantLinearParams`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sklearn.metrics import roc_auc_score

from kg.config import resolve_under
from kg.hashing import file_sha256
from kg.ids import corpus_curie
from kg.io.corpora import GoldDocument, read_corpus
from kg.logs import get_logger
from kg.metrics import prf
from kg.nlp import analyze, make_mention
from kg.relations.features import Candidate, PairKind, candidates
from kg.relations.linear import DocLinearModel, Head, softmax
from kg.relations.models import load_relation_model
from kg.relations.reldoc import Ent, RelDoc, sentence_spans
from kg.relations.rules import RuleRelationExtractor
from kg.schema import load_schema
from kg.train.doc_linear import c_grid, fit_softmax
from kg.train.symptom_knowledge import ConceptIndex, Knowledge, load_knowledge
from kg.types import Document
from kg.vocab.terminology import DEFAULT_TERMINOLOGY_PATH, load_terminology

log = get_logger(__name__)

HEAD = "has_symptom"
TYPE = "HAS_SYMPTOM"
KIND = PairKind(frozenset({"Disease"}), frozenset({"Symptom"}), (TYPE,), frozenset({"Drug"}))

# --------------------------------------------------------------------------- pure core

SPLITS = ("pair", "disease")


def _split_key(disease: str, symptom: str, by: str) -> str:
    if by == "pair":
        return f"{disease}|{symptom}"
    if by == "disease":
        return disease
    raise ValueError(f"unknown pair split {by!r}; known: {', '.join(SPLITS)}")


def in_heldout_pairs(disease: str, symptom: str, share: float, seed: int, by: str = "pair") -> bool:
    """Whether a (disease, symptom) concept pair is in the held-out part.

    A seeded hash of the pair (``by="pair"``) or of the disease alone (``by="disease"``: every pair
    of a held-out disease is held out) falls below ``share``.
    """
    h = hashlib.sha256(f"{seed}:pair:{_split_key(disease, symptom, by)}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64 < share


def pair_fold(disease: str, symptom: str, folds: int, seed: int, by: str = "pair") -> int:
    """The cross-validation fold of a training pair (seeded hash of the same key, independent of the held-out split)."""
    h = hashlib.sha256(f"{seed}:fold:{_split_key(disease, symptom, by)}".encode()).digest()
    return int.from_bytes(h[:4], "big") % folds


def typed_reldoc(gold: GoldDocument, index: ConceptIndex) -> RelDoc:
    """A :class:`RelDoc` over a corpus document's disease mentions, typed Disease/Symptom by the terminology.

    A mention stands for the terminology concept of its first corpus id that has one (its key);
    without one it stays a Disease of its own corpus CURIE. Drug (chemical) mentions are kept as
    context (a drug in the pair's sentence is a feature); gene and other mentions are left out.
    """
    text = gold.document.text
    spans = gold.sentences or sentence_spans(text)
    ents: list[Ent] = []
    ids: dict[str, frozenset[str]] = {}
    for i, e in enumerate(gold.entities):
        if e.label not in ("Disease", "Symptom", "Drug"):
            continue
        curies = [corpus_curie(x) for x in e.ids if x != "-1"]
        if e.label == "Drug":  # context only (``sent:ctx=Drug``: a drug in the sentence of the pair)
            if curies:
                sent = next((k for k, (a, b) in enumerate(spans) if a <= e.start < b), len(spans) - 1)
                ents.append(Ent(e.start, e.end, "Drug", (curies[0],), sent, i))
            continue
        concept = next((index.by_id[c] for c in curies if c in index.by_id), None)
        if concept is not None:
            key, label = concept.key, concept.label
            ids[key] = concept.ids
        elif curies:
            key, label = curies[0], "Disease"
        else:
            continue
        sent = next((k for k, (a, b) in enumerate(spans) if a <= e.start < b), len(spans) - 1)
        ents.append(Ent(e.start, e.end, label, (key,), sent, i))
    return RelDoc(gold.document.id, text, list(spans), ents, gold.title_end, ids)


@dataclass
class Labelled:
    """Candidates of the corpora with their distant labels and split."""

    cands: list[Candidate]
    y: np.ndarray  # (candidates,) 1 = curated pair
    heldout: np.ndarray  # (candidates,) bool: the pair is in the held-out part
    docs: dict[str, RelDoc]


def label_candidates(
    docs: Sequence[RelDoc],
    curated: set[tuple[str, str]],
    share: float,
    seed: int,
    mention_words: bool = True,
    by: str = "pair",
) -> Labelled:
    """Every (Disease, Symptom) candidate of the documents, labelled by ``curated`` and split by hash (``by``)."""
    cands: list[Candidate] = []
    for d in docs:
        cands.extend(candidates(d, None, mention_words, KIND))
    y = np.asarray([int((c.drug, c.disease) in curated) for c in cands], dtype=np.int64)
    held = np.asarray([in_heldout_pairs(c.drug, c.disease, share, seed, by) for c in cands], dtype=bool)
    return Labelled(cands, y, held, {d.id: d for d in docs})


def _f1_at(scores: np.ndarray, y: np.ndarray, threshold: float) -> float:
    pred = scores >= threshold
    tp = int((pred & (y == 1)).sum())
    fp, fn = int((pred & (y == 0)).sum()), int((~pred & (y == 1)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def fit_head(
    cands: Sequence[Candidate],
    y: np.ndarray,
    c_grid: Sequence[float],
    folds: int,
    min_count: int,
    seed: int,
    mention_words: bool = True,
    by: str = "pair",
    drop_features: Sequence[str] = (),
) -> Head:
    """Train the binary ``has_symptom`` head; C and the decision bias from out-of-fold (pair-fold) F1.

    ``drop_features``: feature-name prefixes left out of the vocabulary (e.g. ``doc:``, the
    abstract-shaped document features that do not carry over to clinical notes).
    """
    counts = Counter(name for c in cands for name in c.features)
    keep = sorted(f for f, n in counts.items() if n >= min_count and not f.startswith(tuple(drop_features)))
    vocab = {f: j for j, f in enumerate(keep)}
    head = Head(
        HEAD,
        ["none", TYPE],
        vocab,
        np.zeros((2, len(vocab))),
        np.zeros(2),
        mention_words=mention_words,
        kind=KIND,
    )
    x = head.matrix(cands)
    fold = np.asarray([pair_fold(c.drug, c.disease, folds, seed, by) for c in cands])
    best: tuple[float, float, float] = (c_grid[0], 0.0, -1.0)  # (C, none bias, F1)
    by_c: dict[str, float] = {}
    for c_reg in c_grid:
        oof = np.zeros((len(cands), 2))
        for k in range(folds):
            tr, te = fold != k, fold == k
            if not te.any():
                continue
            coef, icpt = fit_softmax(x[tr], y[tr], 2, c_reg, seed)
            oof[te] = np.asarray(x[te] @ coef.T) + icpt
        margin = oof[:, 1] - oof[:, 0]
        c_best = -1.0
        for off in [v / 4 for v in range(-12, 13)]:
            # P(HAS_SYMPTOM) > P(none) after adding ``off`` to the none logit  <=>  margin > off.
            f1 = _f1_at(margin, y, off + 1e-12)
            c_best = max(c_best, f1)
            if f1 > best[2] + 1e-9:
                best = (c_reg, off, f1)
        by_c[str(c_reg)] = round(c_best, 4)
        log.info("has_symptom: C %.3g out-of-fold F1 %.4f", c_reg, c_best)
    head.coef, head.intercept = fit_softmax(x, y, 2, best[0], seed)
    head.none_bias = best[1]
    head.metrics = {
        "C": best[0],
        "none_bias": best[1],
        "oof_f1": round(best[2], 4),
        "oof_f1_by_C": by_c,
        "folds": folds,
        "features": len(vocab),
    }
    return head


def _auroc(scores: np.ndarray, y: np.ndarray) -> float | None:
    if y.min(initial=1) == y.max(initial=0):
        return None
    return round(float(roc_auc_score(y, scores)), 4)


def _prf(pred: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    tp = int((pred & (y == 1)).sum())
    return prf(tp, int((pred & (y == 0)).sum()), int((~pred & (y == 1)).sum())) | {"predicted": int(pred.sum())}


def score_heldout(cands: Sequence[Candidate], y: np.ndarray, head: Head, rule_fires: np.ndarray) -> dict[str, Any]:
    """P/R/F1 of the model and the two baselines on held-out candidates (document, concept pair).

    Also pair level: a concept pair is predicted when any of its documents predicts it.

    Args:
        cands: The held-out candidates.
        y: Their distant labels (1 = curated pair).
        head: The trained head.
        rule_fires: Whether the ``rules`` extractor finds HAS_SYMPTOM for the candidate.
    """
    probs = softmax(head.logits(cands)) if cands else np.zeros((0, 2))
    pred = probs[:, 1] > probs[:, 0]
    cooc = np.ones(len(cands), dtype=bool)
    report: dict[str, Any] = _prf(pred, y)
    report["auroc"] = _auroc(probs[:, 1], y)
    report["per_type"] = {TYPE: _prf(pred, y) | {"gold": int(y.sum())}}
    report["baselines"] = {"cooccurrence": _prf(cooc, y), "rules": _prf(rule_fires, y)}
    pairs: dict[tuple[str, str], int] = {}
    for i, c in enumerate(cands):
        pairs.setdefault((c.drug, c.disease), i)
    keys = sorted(pairs)
    idx = {k: [i for i, c in enumerate(cands) if (c.drug, c.disease) == k] for k in keys}
    py = np.asarray([y[idx[k][0]] for k in keys], dtype=np.int64)

    def any_of(v: np.ndarray) -> np.ndarray:
        return np.asarray([bool(v[idx[k]].any()) for k in keys], dtype=bool)

    report["pair_level"] = {
        "model": _prf(any_of(pred), py) | {"auroc": _auroc(np.asarray([probs[idx[k], 1].max() for k in keys]), py)},
        "cooccurrence": _prf(np.ones(len(keys), dtype=bool), py),
        "rules": _prf(any_of(rule_fires), py),
        "pairs": len(keys),
        "positive_pairs": int(py.sum()),
    }
    report["candidates"] = len(cands)
    report["positives"] = int(y.sum())
    return report


# --------------------------------------------------------------------------- shell


class DistantLinearParams(BaseModel):
    """Options of a ``kind: distant-linear`` training run (the config's ``params``)."""

    model_config = ConfigDict(extra="forbid")
    #: Share of (disease, symptom) concept pairs held out for evaluation (seeded hash, the config's ``seed``).
    heldout_pairs: float = 0.3
    #: ``pair``: hash of the (disease, symptom) pair; ``disease``: whole diseases held out (stricter).
    split_by: Literal["pair", "disease"] = "pair"
    #: Labels from the HPO disease-phenotype annotations embedded in hpo3 (true-path rule).
    hpo: bool = True
    #: Hetionet folder for DpS edges (relative paths are read against the project folder); None: not used.
    hetionet: Path | None = None
    #: A curated TSV file of (disease id, disease name, symptom id) lines; None: not used.
    knowledge_tsv: Path | None = None
    #: L2 strength, or a grid of them: the value with the best out-of-fold F1 is kept.
    C: float | list[float] = 0.25
    #: Cross-validation folds (by pair hash) that choose C and the decision bias.
    folds: int = 5
    #: Features seen fewer times in the training candidates are left out.
    min_feature_count: int = 2
    #: Words of the symptom mention as features.
    mention_words: bool = True
    #: Feature-name prefixes left out of the vocabulary (e.g. ``doc:``, ``cross:``).
    drop_features: list[str] = Field(default_factory=list)

    @field_validator("hetionet", "knowledge_tsv", mode="before")
    @classmethod
    def _empty_is_none(cls, v: Any) -> Any:
        return None if v == "" else v

    def under(self, base: Path) -> DistantLinearParams:
        """These options with relative paths read against ``base`` (the project folder of the config)."""
        return self.model_copy(
            update={
                "hetionet": resolve_under(self.hetionet, base) if self.hetionet else None,
                "knowledge_tsv": resolve_under(self.knowledge_tsv, base) if self.knowledge_tsv else None,
            }
        )


def _split_record(lab: Labelled, by: str, share: float, seed: int) -> dict[str, Any]:
    """How the concept pairs were split, with the candidate and pair counts of each part (for meta.json)."""
    key = "{disease}|{symptom}" if by == "pair" else "{disease}"
    return {
        "method": f"sha256 of f'{{seed}}:pair:{key}' over the (Disease concept, Symptom concept) pair"
        f"{'' if by == 'pair' else ' (whole diseases held out)'}; a pair whose hash falls below the share is held"
        " out (curated or not); training and its cross-validation folds (same key) see only the other pairs",
        "split_by": by,
        "heldout_share": share,
        "seed": seed,
        "train_candidates": int((~lab.heldout).sum()),
        "train_positives": int(lab.y[~lab.heldout].sum()),
        "heldout_candidates": int(lab.heldout.sum()),
        "heldout_positives": int(lab.y[lab.heldout].sum()),
        "train_pairs": len({(c.drug, c.disease) for c, h in zip(lab.cands, lab.heldout, strict=True) if not h}),
        "heldout_pairs": len({(c.drug, c.disease) for c, h in zip(lab.cands, lab.heldout, strict=True) if h}),
    }


def _setup(
    params: DistantLinearParams, seed: int, corpora: Sequence[tuple[Any, list[GoldDocument]]]
) -> tuple[Labelled, Knowledge, dict[str, Any]]:
    """The curated knowledge, the typed documents of the corpora and their labelled, split candidates."""
    index = ConceptIndex.build(load_terminology())
    knowledge = load_knowledge(index, params.hetionet, params.hpo, params.knowledge_tsv)
    knowledge.record["terminology_sha256"] = file_sha256(DEFAULT_TERMINOLOGY_PATH)
    seen: set[str] = set()
    docs = []
    for _, gs in corpora:
        for g in gs:
            if g.document.id in seen:  # an abstract in two corpora (BioRED shares some with BC5CDR) counts once
                continue
            seen.add(g.document.id)
            docs.append(typed_reldoc(g, index))
    share, by = float(params.heldout_pairs), params.split_by
    lab = label_candidates(docs, knowledge.pairs, share, seed, params.mention_words, by)
    return lab, knowledge, _split_record(lab, by, share, seed)


def train_has_symptom(cfg: Any, corpora: list[tuple[Any, list[GoldDocument]]], meta: dict[str, Any]) -> None:
    """Train the distantly supervised ``has_symptom`` head on the train pairs and write it into ``cfg.out``.

    ``cfg`` is a relation training config whose ``params`` are :class:`DistantLinearParams`.
    """
    params: DistantLinearParams = cfg.params
    lab, knowledge, split = _setup(params, int(cfg.seed), corpora)
    train = [c for c, h in zip(lab.cands, lab.heldout, strict=True) if not h]
    y = lab.y[~lab.heldout]
    log.info("has_symptom: %d training candidates (%d positive); split %s", len(train), int(y.sum()), split)
    head = fit_head(
        train,
        y,
        c_grid(params.C),
        params.folds,
        params.min_feature_count,
        int(cfg.seed),
        params.mention_words,
        split["split_by"],
        params.drop_features,
    )
    meta["knowledge"] = knowledge.record
    meta["pair_split"] = split
    meta["heads"] = {
        HEAD: head.metrics | {"classes": head.classes, "candidates": len(train), "positives": int(y.sum())}
    }
    DocLinearModel([head], meta).save(cfg.out)


def rule_fires(docs: Mapping[str, RelDoc], cands: Sequence[Candidate]) -> np.ndarray:
    """Whether the ``rules`` extractor finds HAS_SYMPTOM between the candidate's two concepts."""
    rules = RuleRelationExtractor(load_schema())
    found: dict[str, set[tuple[str, str]]] = {}
    for doc_id in sorted({c.doc_id for c in cands}):
        d = docs[doc_id]
        analyzed = analyze(Document(id=d.id, text=d.text))
        mentions = [
            make_mention(analyzed, e.start, e.end, e.label, 1.0, "gold", "0").model_copy(
                update={"curie": e.concepts[0]}
            )
            for e in d.ents
        ]
        found[doc_id] = {(str(r.head.curie), str(r.tail.curie)) for r in rules(analyzed, mentions) if r.type == TYPE}
    return np.asarray([(c.drug, c.disease) in found[c.doc_id] for c in cands], dtype=bool)


def evaluate_has_symptom(cfg: Any, model: str | Path | None = None) -> dict[str, Any]:
    """P/R/F1 on the held-out pairs of ``cfg`` (the model's recorded split) against both baselines.

    ``cfg`` is a relation training config whose ``params`` are :class:`DistantLinearParams`.
    """
    params: DistantLinearParams = cfg.params
    dd = load_relation_model(model or cfg.out)
    split = dd.meta.get("pair_split", {})
    want = (cfg.seed, float(params.heldout_pairs), params.split_by)
    have = (split.get("seed"), split.get("heldout_share"), split.get("split_by", "pair"))
    if split and have != want:
        raise ValueError(
            f"the model's pair split (seed, share, split_by) {have} is not the config's {want};"
            " evaluate with the config it was trained from"
        )
    corpora = [(spec, read_corpus(spec.path, spec.format)) for spec in cfg.data]
    lab, _, split_now = _setup(params, int(cfg.seed), corpora)
    held = [c for c, h in zip(lab.cands, lab.heldout, strict=True) if h]
    y = lab.y[lab.heldout]
    report = score_heldout(held, y, dd.head(HEAD), rule_fires(lab.docs, held))
    report["pair_split"] = {
        k: split_now[k] for k in ("split_by", "heldout_share", "seed", "heldout_candidates", "heldout_positives")
    }
    report["n_docs"] = len(lab.docs)
    return report
