"""The targets and metapaths a stacked model (:mod:`kg.gnn.stacked`) can use, by name (data only).

Hetionet abbreviations: C compound/drug, D disease, G gene, A anatomy, S symptom; b binds, a associates,
u/d up/down-regulates, r resembles, t treats, p palliates / presents (has symptom), l localizes.
"""

from __future__ import annotations

from .data import EdgeType
from .metapaths import DEFAULT_METAPATHS, Metapath

TARGET: EdgeType = ("Drug", "TREATS", "Disease")
SYMPTOM_TARGET: EdgeType = ("Disease", "HAS_SYMPTOM", "Symptom")
#: The target signature of each relation a stacked model can be trained for.
TARGETS: dict[str, EdgeType] = {"TREATS": TARGET, "HAS_SYMPTOM": SYMPTOM_TARGET}

#: Further TREATS metapaths a stacked model may use (Hetionet abbreviations, see ``DEFAULT_METAPATHS``).
EXTRA_METAPATHS: dict[str, Metapath] = {
    "CpD": (("Drug", "PALLIATES", "Disease"),),
    "CrCrCtD": (("Drug", "RESEMBLES", "Drug"), ("Drug", "RESEMBLES", "Drug"), ("Drug", "TREATS", "Disease")),
    "CtDrDrD": (
        ("Drug", "TREATS", "Disease"),
        ("Disease", "RESEMBLES", "Disease"),
        ("Disease", "RESEMBLES", "Disease"),
    ),
    "CtDtCtD": (("Drug", "TREATS", "Disease"), ("Disease", "rev_TREATS", "Drug"), ("Drug", "TREATS", "Disease")),
    "CuGuCtD": (("Drug", "UPREGULATES", "Gene"), ("Gene", "rev_UPREGULATES", "Drug"), ("Drug", "TREATS", "Disease")),
    "CdGdCtD": (
        ("Drug", "DOWNREGULATES", "Gene"),
        ("Gene", "rev_DOWNREGULATES", "Drug"),
        ("Drug", "TREATS", "Disease"),
    ),
    "CbGaDrD": (
        ("Drug", "BINDS", "Gene"),
        ("Gene", "rev_ASSOCIATED_WITH", "Disease"),
        ("Disease", "RESEMBLES", "Disease"),
    ),
}

#: HAS_SYMPTOM metapaths beyond the defaults (D disease, G gene, A anatomy, S symptom; l localizes, u/d up/down-
#: regulates): a disease sharing an anatomical location, or a gene regulated the same way, has the symptom.
SYMPTOM_EXTRA_METAPATHS: dict[str, Metapath] = {
    "DlAlDpS": (
        ("Disease", "LOCALIZES_TO", "Anatomy"),
        ("Anatomy", "rev_LOCALIZES_TO", "Disease"),
        ("Disease", "HAS_SYMPTOM", "Symptom"),
    ),
    "DuGuDpS": (
        ("Disease", "UPREGULATES", "Gene"),
        ("Gene", "rev_UPREGULATES", "Disease"),
        ("Disease", "HAS_SYMPTOM", "Symptom"),
    ),
    "DdGdDpS": (
        ("Disease", "DOWNREGULATES", "Gene"),
        ("Gene", "rev_DOWNREGULATES", "Disease"),
        ("Disease", "HAS_SYMPTOM", "Symptom"),
    ),
}
#: Every metapath a stacked model of each target may use, by name.
METAPATHS: dict[str, dict[str, Metapath]] = {
    "TREATS": {**DEFAULT_METAPATHS["TREATS"], **EXTRA_METAPATHS},
    "HAS_SYMPTOM": {**DEFAULT_METAPATHS["HAS_SYMPTOM"], **SYMPTOM_EXTRA_METAPATHS},
}


#: The HAS_SYMPTOM metapaths that carry meaning (the explanation rules of :mod:`kg.gnn.paths`): the baselines'
#: set and the internal comparison's starting point; the shipped 3.1.0 model keeps DpSpDpS of them (docs/gnn.md).
#: DtCtDpS (a drug for the disease treats a disease with the symptom) is not one: shared treatment is no reason.
SYMPTOM_STACKED_METAPATHS = ("DpSpDpS", "DrDpS", "DaGaDpS", "DlAlDpS")
