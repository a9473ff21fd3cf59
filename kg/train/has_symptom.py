"""HAS_SYMPTOM (Disease -> Symptom) by distant supervision from the curated graph.

There is no gold disease–symptom corpus here, so labels come from curated knowledge:

* **Knowledge.** HPO disease–phenotype annotations (the ``phenotype.hpoa`` release embedded in
  ``hpo3``, read as in :mod:`kg.seed.hpo`), with the HPO true-path rule (a disease annotated with
  *Focal seizure* also has *Seizure*; the two roots *All* and *Phenotypic abnormality* are not
  used), and Hetionet ``DpS`` (Disease–presents–Symptom) edges where the Hetionet folder has them
  (the shared copy does not: its edge list is partial, see its SOURCE.md; the count is recorded).
  HPO diseases (OMIM/ORPHA) meet medkg concepts through the terminology: an OMIM id that is an
  equivalent id of a concept, else a unique exact normalized-name match with a Disease concept.
  HPO terms and Hetionet MeSH symptoms meet them through the concept's ids.
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

Pure core: :func:`curated_concept_pairs`, :func:`in_heldout_pairs`, :func:`typed_reldoc`,
:func:`label_candidates`, :func:`fit_head`, :func:`score_heldout`. Thin shell:
:func:`load_knowledge`, :func:`train_has_symptom`, :func:`evaluate_has_symptom`.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg.corpora import GoldDocument
from kg.ids import corpus_curie
from kg.metrics import prf
from kg.relations.linear import Candidate, Ent, Head, PairKind, RelDoc, candidates, sentence_spans, softmax
from kg.train.doc_linear import fit_softmax
from kg.vocab.terminology import TermConcept

log = logging.getLogger(__name__)

HEAD = "has_symptom"
TYPE = "HAS_SYMPTOM"
KIND = PairKind(frozenset({"Disease"}), frozenset({"Symptom"}), (TYPE,), frozenset({"Drug"}))
#: HPO roots too general to be a symptom of anything (true-path closure stops below them).
HPO_ROOTS = frozenset({"HP:0000001", "HP:0000118"})


# --------------------------------------------------------------------------- pure core


@dataclass
class ConceptIndex:
    """medkg concepts (Disease family) by every id, and Disease concepts by unique normalized name."""

    by_id: dict[str, TermConcept]
    by_name: dict[str, TermConcept] = field(default_factory=dict)

    @classmethod
    def build(cls, concepts: Iterable[TermConcept]) -> ConceptIndex:
        from kg.seed.hpo import normalize_disease_name

        by_id: dict[str, TermConcept] = {}
        by_name: dict[str, TermConcept] = {}
        ambiguous: set[str] = set()
        for c in concepts:
            if c.label == "Drug":
                continue
            for i in c.ids:
                by_id.setdefault(i, c)
            if c.label != "Disease":
                continue
            for n in {c.name, *c.names}:
                k = normalize_disease_name(n)
                if k in by_name and by_name[k].key != c.key:
                    ambiguous.add(k)
                by_name.setdefault(k, c)
        for k in ambiguous:
            del by_name[k]
        return cls(by_id, by_name)

    def disease(self, curie: str, name: str = "") -> TermConcept | None:
        """The Disease concept of a curated disease id (OMIM/ORPHA/DOID), else by its name."""
        from kg.seed.hpo import name_variants

        c = self.by_id.get(curie)
        if c is not None and c.label == "Disease":
            return c
        for v in name_variants(name) if name else []:
            if v in self.by_name:
                return self.by_name[v]
        return None


def curated_concept_pairs(
    annotations: Iterable[tuple[str, str, Sequence[str]]],
    index: ConceptIndex,
    ancestors: Mapping[str, Iterable[str]] | None = None,
) -> tuple[set[tuple[str, str]], dict[str, int]]:
    """(Disease concept key, Symptom concept key) pairs held by curated disease–symptom knowledge.

    Args:
        annotations: (disease id, disease name, symptom ids) per curated disease, e.g. an HPO
            disease and its annotated HP terms, or a Hetionet DOID disease and its DpS MeSH symptoms.
        index: The concept index (terminology).
        ancestors: Symptom id -> its ancestor ids (HPO true-path rule); roots in :data:`HPO_ROOTS`
            are never used.

    Returns:
        (pairs, counts of diseases seen / mapped and symptom ids unmapped).
    """
    pairs: set[tuple[str, str]] = set()
    counts: Counter[str] = Counter()
    for curie, name, symptoms in annotations:
        counts["diseases"] += 1
        d = index.disease(curie, name)
        if d is None:
            continue
        counts["diseases_mapped"] += 1
        ids = set(symptoms)
        if ancestors is not None:
            for s in symptoms:
                ids |= set(ancestors.get(s, ()))
        for s in ids - HPO_ROOTS:
            c = index.by_id.get(s)
            if c is None or c.label != "Symptom":
                counts["symptom_ids_unmapped"] += 1
                continue
            if c.key != d.key:
                pairs.add((d.key, c.key))
    return pairs, dict(counts)


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
    from sklearn.metrics import roc_auc_score

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


def hpo_annotations() -> tuple[list[tuple[str, str, tuple[str, ...]]], dict[str, list[str]], dict[str, str]]:
    """HPO disease annotations (hpo3), the phenotype ancestors of every annotated term, and the versions."""
    from kg.seed.hpo import _diseases, _ontology, hpo_version

    ont = _ontology()
    diseases = [(d.curie, d.name, d.terms) for d in _diseases()]
    ancestors: dict[str, list[str]] = {}
    for _, _, terms in diseases:
        for t in terms:
            if t not in ancestors:
                term = ont.hpo(int(t.split(":")[1]))
                ancestors[t] = sorted(f"HP:{int(a.id.split(':')[1]):07d}" for a in term.all_parents)
    version = hpo_version()
    return diseases, ancestors, {"hpo_release": version["hpo_release"], "hpo3": version["hpo3"]}


def hetionet_dps(hetionet_dir: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    """Hetionet ``DpS`` edges as (DOID, disease name, MeSH symptom CURIEs); empty where the folder has none."""
    from kg.seed.hetionet import EDGES_GLOB, NODES_FILE

    names: dict[str, str] = {}
    with (hetionet_dir / NODES_FILE).open(encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[2] == "Disease":
                names[parts[0]] = parts[1]
    by_disease: dict[str, list[str]] = {}
    for path in sorted(hetionet_dir.glob(EDGES_GLOB)):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 3 and parts[1] == "DpS":
                    by_disease.setdefault(parts[0], []).append("MESH:" + parts[2].split("::", 1)[1])
    return [(d.split("::", 1)[1], names.get(d, ""), tuple(s)) for d, s in sorted(by_disease.items())]


@dataclass
class Knowledge:
    """The curated pairs and where they came from."""

    pairs: set[tuple[str, str]]
    record: dict[str, Any]


def read_knowledge_tsv(path: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    """Curated pairs from a TSV file: ``disease id, disease name, symptom id`` per line (``#`` comments).

    Raises:
        ValueError: A line without three tab-separated fields (names the file and line).
    """
    by_disease: dict[tuple[str, str], list[str]] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[0] or not parts[2]:
            raise ValueError(f"{path}:{lineno}: expected 'disease id<TAB>disease name<TAB>symptom id'")
        by_disease.setdefault((parts[0], parts[1]), []).append(parts[2])
    return [(d, n, tuple(s)) for (d, n), s in by_disease.items()]


def load_knowledge(
    index: ConceptIndex, hetionet_dir: Path | None, use_hpo: bool = True, tsv: Path | None = None
) -> Knowledge:
    """Curated (disease, symptom) concept pairs from HPO (hpo3), Hetionet DpS and a curated TSV file."""
    pairs: set[tuple[str, str]] = set()
    record: dict[str, Any] = {}
    if tsv is not None:
        from kg.hashing import file_sha256

        tsv_pairs, counts = curated_concept_pairs(read_knowledge_tsv(tsv), index)
        pairs |= tsv_pairs
        record["tsv"] = {"file": tsv.name, "sha256": file_sha256(tsv), **counts, "concept_pairs": len(tsv_pairs)}
    if use_hpo:
        diseases, ancestors, version = hpo_annotations()
        hpo_pairs, counts = curated_concept_pairs(diseases, index, ancestors)
        pairs |= hpo_pairs
        record["hpo"] = {**version, **counts, "concept_pairs": len(hpo_pairs), "true_path_rule": True}
    if hetionet_dir is not None:
        dps = hetionet_dps(hetionet_dir)
        het_pairs, counts = curated_concept_pairs(dps, index)
        pairs |= het_pairs
        record["hetionet_dps"] = {"edges": sum(len(s) for _, _, s in dps), **counts, "concept_pairs": len(het_pairs)}
        if not dps:
            log.warning("Hetionet folder %s has no DpS edges: HAS_SYMPTOM labels come from HPO only", hetionet_dir)
    record["concept_pairs"] = len(pairs)
    log.info("curated disease-symptom knowledge: %d concept pairs (%s)", len(pairs), record)
    return Knowledge(pairs, record)


def _setup(cfg: Any, corpora: Sequence[tuple[Any, list[GoldDocument]]]) -> tuple[Labelled, Knowledge, dict[str, Any]]:
    from kg.vocab.terminology import load_terminology

    params = dict(cfg.params)
    index = ConceptIndex.build(load_terminology())
    from kg.config import REPO_ROOT

    def path_of(key: str) -> Path | None:
        raw = params.get(key)
        if not raw:
            return None
        return Path(raw) if Path(raw).is_absolute() else (REPO_ROOT / raw).resolve()

    knowledge = load_knowledge(index, path_of("hetionet"), bool(params.get("hpo", True)), path_of("knowledge_tsv"))
    from kg.hashing import file_sha256
    from kg.vocab.terminology import DEFAULT_TERMINOLOGY_PATH

    knowledge.record["terminology_sha256"] = file_sha256(DEFAULT_TERMINOLOGY_PATH)
    seen: set[str] = set()
    docs = []
    for _, gs in corpora:
        for g in gs:
            if g.document.id in seen:  # an abstract in two corpora (BioRED shares some with BC5CDR) counts once
                continue
            seen.add(g.document.id)
            docs.append(typed_reldoc(g, index))
    share, seed = float(params.get("heldout_pairs", 0.3)), int(cfg.seed)
    by = str(params.get("split_by", "pair"))
    lab = label_candidates(docs, knowledge.pairs, share, seed, bool(params.get("mention_words", True)), by)
    key = "{disease}|{symptom}" if by == "pair" else "{disease}"
    split = {
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
    return lab, knowledge, split


def train_has_symptom(cfg: Any, corpora: list[tuple[Any, list[GoldDocument]]], meta: dict[str, Any]) -> None:
    """Train the distantly supervised ``has_symptom`` head on the train pairs and write it into ``cfg.out``."""
    from kg.relations.linear import DocLinearModel

    params = dict(cfg.params)
    c_raw = params.get("C", 0.25)
    c_grid = [float(c) for c in (c_raw if isinstance(c_raw, list) else [c_raw])]
    lab, knowledge, split = _setup(cfg, corpora)
    train = [c for c, h in zip(lab.cands, lab.heldout, strict=True) if not h]
    y = lab.y[~lab.heldout]
    log.info("has_symptom: %d training candidates (%d positive); split %s", len(train), int(y.sum()), split)
    head = fit_head(
        train,
        y,
        c_grid,
        int(params.get("folds", 5)),
        int(params.get("min_feature_count", 2)),
        int(cfg.seed),
        bool(params.get("mention_words", True)),
        split["split_by"],
        [str(x) for x in params.get("drop_features", [])],
    )
    meta["knowledge"] = knowledge.record
    meta["pair_split"] = split
    meta["heads"] = {
        HEAD: head.metrics | {"classes": head.classes, "candidates": len(train), "positives": int(y.sum())}
    }
    DocLinearModel([head], meta).save(cfg.out)


def rule_fires(docs: Mapping[str, RelDoc], cands: Sequence[Candidate]) -> np.ndarray:
    """Whether the ``rules`` extractor finds HAS_SYMPTOM between the candidate's two concepts."""
    from kg.nlp import analyze, make_mention
    from kg.relations.rules import RuleRelationExtractor
    from kg.schema import load_schema
    from kg.types import Document

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
    """P/R/F1 on the held-out pairs of ``cfg`` (the model's recorded split) against both baselines."""
    from kg.corpora import read_corpus
    from kg.relations.models import load_relation_model

    dd = load_relation_model(model or cfg.out)
    split = dd.meta.get("pair_split", {})
    want = (cfg.seed, float(cfg.params.get("heldout_pairs", 0.3)), str(cfg.params.get("split_by", "pair")))
    have = (split.get("seed"), split.get("heldout_share"), split.get("split_by", "pair"))
    if split and have != want:
        raise ValueError(
            f"the model's pair split (seed, share, split_by) {have} is not the config's {want};"
            " evaluate with the config it was trained from"
        )
    corpora = [(spec, read_corpus(spec.path, spec.format)) for spec in cfg.data]
    lab, _, split_now = _setup(cfg, corpora)
    held = [c for c, h in zip(lab.cands, lab.heldout, strict=True) if h]
    y = lab.y[lab.heldout]
    report = score_heldout(held, y, dd.head(HEAD), rule_fires(lab.docs, held))
    report["pair_split"] = {
        k: split_now[k] for k in ("split_by", "heldout_share", "seed", "heldout_candidates", "heldout_positives")
    }
    report["n_docs"] = len(lab.docs)
    return report
