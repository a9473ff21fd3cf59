"""Clinical-note relations (issue 19, session 21): how far the seed graph reaches as a relation prior.

    .venv/bin/python benchmarks/notes_seed_prior.py \
        --corpus tests/fixtures/mtsamples/dev.standoff.jsonl --notes ../shared/data/mtsamples/mtsamples_notes.csv

Use it on the dev split only. The snippets run through the evaluation's gold-entity path (the gold entities are
linked by the `candidates` linker, as `medkg eval relations --gold-entities` does). Every pair of asserted mentions
of one snippet that share a note section (no section header between them) is a co-occurring pair: (Drug,
Disease|Symptom) for TREATS and (Disease, Symptom) for HAS_SYMPTOM. A pair is **in the seed** when one of the
drug's ids (CURIE and equivalent ids) and one of the condition's ids form a Hetionet indication (CtD -> TREATS,
CpD -> PALLIATES), or a disease id and a symptom id form an HPO annotation (HAS_SYMPTOM, with Hetionet's DOID
diseases merged as `medkg build` does). The report counts, per type, the co-occurring pairs, those in the seed,
the gold pairs (document-level (head text, tail text) of the annotation), the gold pairs in the seed, and the
prior's precision and recall if every in-seed pair were asserted; the gold pairs' linking (how many of their
mentions got an id) is counted too. The last line printed is the JSON report.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.config import load_config  # noqa: E402
from kg.eval.relations import _notes_states  # noqa: E402
from kg.io.corpora import read_corpus  # noqa: E402
from kg.relations.clinical import _Headers  # noqa: E402
from kg.schema import load_schema  # noqa: E402
from kg.seed.hetionet import load_hetionet  # noqa: E402
from kg.seed.hpo import doid_name_index, load_hpo_annotations  # noqa: E402
from kg.types import Mention  # noqa: E402

log = logging.getLogger("notes_seed_prior")
SIGNATURES = {"TREATS": ({"Drug"}, {"Disease", "Symptom"}), "HAS_SYMPTOM": ({"Disease"}, {"Symptom"})}


def _ids(m: Mention) -> set[str]:
    return {i for i in (m.curie, *m.xrefs) if i}


def seed_pairs(hetionet_dir: Path) -> dict[str, set[tuple[str, str]]]:
    """(head id, tail id) of the seed's TREATS (CtD + CpD) and HAS_SYMPTOM (HPO) edges."""
    schema = load_schema()
    het = load_hetionet(hetionet_dir, schema, edge_types=["CtD", "CpD"])
    hpo = load_hpo_annotations(schema, doid_name_index(het.nodes))
    out: dict[str, set[tuple[str, str]]] = {"TREATS": set(), "HAS_SYMPTOM": set()}
    for e in het.edges:
        out["TREATS"].add((e.head, e.tail))
    for e in hpo.edges:
        if e.type == "HAS_SYMPTOM":
            out["HAS_SYMPTOM"].add((e.head, e.tail))
    # an HPO disease merged onto a DOID node keeps its OMIM/ORPHA ids as xrefs: those ids name it too
    aliases = {x: n.id for n in hpo.nodes for x in n.xrefs}
    out["HAS_SYMPTOM"] |= {(aliases[h], t) for h, t in out["HAS_SYMPTOM"] if h in aliases}
    return out


def measure(corpus: Path, notes: Path, seed: dict[str, set[tuple[str, str]]]) -> dict[str, object]:
    docs = read_corpus(corpus, "standoff", notes=notes)
    counts: dict[str, Counter[str]] = {t: Counter() for t in SIGNATURES}
    for g, state in zip(docs, _notes_states(docs, True, "accurate", "candidates"), strict=True):
        text = g.document.text
        headers = _Headers(text)
        gold = {(t, g.entities[int(h)].text.lower(), g.entities[int(tl)].text.lower()) for t, h, tl in g.relations}
        ms = [m for m in state.mentions if m.asserted]
        for ty, (heads, tails) in SIGNATURES.items():
            gold_t = {(h, tl) for t, h, tl in gold if t == ty}
            counts[ty]["gold"] += len(gold_t)
            pairs, in_seed = set(), set()
            for h in (m for m in ms if m.label in heads):
                for c in (m for m in ms if m.label in tails):
                    if headers.end_before(h.start) != headers.end_before(c.start):
                        continue  # a header between them: another section
                    key = (h.text.lower(), c.text.lower())
                    pairs.add(key)
                    if any((a, b) in seed[ty] for a in _ids(h) for b in _ids(c)):
                        in_seed.add(key)
            counts[ty]["cooccurring"] += len(pairs)
            counts[ty]["in_seed"] += len(in_seed)
            counts[ty]["gold_cooccurring"] += len(gold_t & pairs)
            counts[ty]["gold_in_seed"] += len(gold_t & in_seed)
            for m in ms:
                if m.label in heads | tails:
                    counts[ty]["mentions"] += 1
                    counts[ty]["mentions_linked"] += bool(_ids(m))
    report: dict[str, object] = {"corpus": str(corpus), "snippets": len(docs)}
    for ty, c in counts.items():
        p = c["gold_in_seed"] / c["in_seed"] if c["in_seed"] else 0.0
        r = c["gold_in_seed"] / c["gold"] if c["gold"] else 0.0
        report[ty] = dict(c) | {"prior_precision": round(p, 3), "prior_recall": round(r, 3)}
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--notes", type=Path, required=True)
    ap.add_argument("--hetionet", type=Path, default=None, help="Hetionet folder (default: the config's)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hetionet = args.hetionet or Path(str(load_config().seed.hetionet_dir))
    seed = seed_pairs(hetionet)
    log.info("seed pairs: TREATS %d, HAS_SYMPTOM %d", len(seed["TREATS"]), len(seed["HAS_SYMPTOM"]))
    print(json.dumps(measure(args.corpus, args.notes, seed)))


if __name__ == "__main__":
    main()
