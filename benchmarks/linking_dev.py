"""Dev-set analysis of the ``candidates`` linker, leakage-safe: test files are never read.

    PYTHONPATH=. .venv/bin/python benchmarks/linking_dev.py --work /tmp/linkdev \
        --hetionet ../shared/data/hetionet --bc5cdr ../shared/data/bc5cdr --ncbi-disease ../shared/data/ncbi_disease

Builds the terminology from the BC5CDR + NCBI-disease *training* mentions only (as ``medkg train
linker`` does), takes the *development* gold mentions (with their long forms, as evaluation does)
and reports acc@1 per corpus and label with the evaluation's correctness rules, twice: with a
reranker fitted on all dev mentions (the packaged scheme, in-sample for the reranker) and with
2-fold cross-fitting by document (each half is scored by a reranker fitted on the other half).
``--errors FILE`` writes the cross-fitted wrong mentions as JSON lines (text, long form, gold ids
and names, the gold concept's rank among the top 20 or null, the prediction). The parsed
vocabularies and dev queries are cached in ``--work``; pass ``--fresh`` after changing how the
terminology is assembled from them. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import pickle
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np


def _cached(path: Path, fresh: bool, make: Any) -> Any:
    if path.is_file() and not fresh:
        with path.open("rb") as f:
            return pickle.load(f)
    obj = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        pickle.dump(obj, f)
    return obj


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="Cache folder (vocabularies, dev queries).")
    parser.add_argument("--hetionet", type=Path, required=True)
    parser.add_argument("--bc5cdr", type=Path, required=True)
    parser.add_argument("--ncbi-disease", type=Path, required=True)
    parser.add_argument("--errors", type=Path, default=None, help="Write the cross-fitted wrong mentions here.")
    parser.add_argument("--fresh", action="store_true", help="Re-read the vocabularies and dev queries.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from sklearn.linear_model import LogisticRegression

    from kg.eval.entities import gold_queries
    from kg.io.corpora import read_corpus
    from kg.linking.candidate_linker import CandidateLinker
    from kg.linking.candidates import CandidateIndex
    from kg.linking.reranker import Reranker
    from kg.train.linker import (
        BC5CDR_DEV,
        BC5CDR_TRAIN,
        NCBI_DEV,
        NCBI_TRAIN,
        heuristic_reranker,
        training_examples,
    )
    from kg.train.terminology import corpus_pairs, read_vocabularies
    from kg.train.terminology_assembly import assemble_terminology

    t0 = time.perf_counter()
    vocab = _cached(args.work / "vocab.pkl", args.fresh, lambda: read_vocabularies(hetionet_dir=args.hetionet))
    pairs, _ = corpus_pairs([args.bc5cdr / BC5CDR_TRAIN, args.ncbi_disease / NCBI_TRAIN])
    concepts, _ = assemble_terminology(vocab, pairs)
    index = CandidateIndex(concepts, cache_dir=args.work)
    corpora = {"bc5cdr": args.bc5cdr / BC5CDR_DEV, "ncbi": args.ncbi_disease / NCBI_DEV}
    queries = _cached(
        args.work / "dev_queries.pkl",
        args.fresh,
        lambda: {name: gold_queries(read_corpus(p, "pubtator"))[0] for name, p in corpora.items()},
    )
    allq = [(name, q) for name, qs in queries.items() for q in qs]
    boot = CandidateLinker(index, heuristic_reranker(), k=20)
    x, y, g = training_examples(boot, [q for _, q in allq])
    fold_of_doc = {q.doc_id: zlib.crc32(q.doc_id.encode()) % 2 for _, q in allq}
    fold = np.array([fold_of_doc[allq[int(i)][1].doc_id] for i in g])

    def fit(mask: np.ndarray) -> Reranker:
        model = LogisticRegression(C=1.0, max_iter=2000, random_state=13).fit(x[mask], y[mask])
        return Reranker([float(v) for v in model.coef_[0]], float(model.intercept_[0]), threshold=0.2)

    full = fit(np.ones(len(y), dtype=bool))
    folds = [fit(fold != k) for k in (0, 1)]
    linkers = {"in_sample": CandidateLinker(index, full), "cross": [CandidateLinker(index, r) for r in folds]}
    known_names: dict[str, str] = {}
    for c in index.concepts:
        for i in c.ids:
            known_names.setdefault(i, c.name)
    result: dict[str, Any] = {}
    errors = []
    for mode in ("in_sample", "cross"):
        hit: Counter[str] = Counter()
        tot: Counter[str] = Counter()
        for name, q in allq:
            lk = linkers[mode] if mode == "in_sample" else linkers["cross"][fold_of_doc[q.doc_id]]
            assert isinstance(lk, CandidateLinker)
            res = lk.link_text(q.text, q.label, q.long_form)
            tops = [c[:1] for _, c in res.parts]
            ok = all(any(gid in c.concept.ids for t in tops for c in t) for gid in q.gold)
            key = f"{name}/{q.label}"
            tot[key] += 1
            hit[key] += ok
            if mode == "cross" and not ok and args.errors:
                ranked = boot.rank(q.text, q.label, q.long_form)
                rank = next((i for i, c in enumerate(ranked) if q.gold[0] in c.concept.ids), None)
                known = all(gid in known_names for gid in q.gold)
                errors.append(
                    {
                        "corpus": name,
                        "label": q.label,
                        "text": q.text,
                        "long_form": q.long_form,
                        "gold": list(q.gold),
                        "gold_known": known,
                        "gold_rank20": rank,
                        "pred": [(c.concept.key, c.concept.name, round(c.score, 3)) for t in tops for c in t],
                    }
                )
        result[mode] = {k: {"n": tot[k], "hit": hit[k], "acc_at_1": round(hit[k] / tot[k], 4)} for k in sorted(tot)}
    if args.errors:
        with args.errors.open("w", encoding="utf-8") as f:
            for e in errors:
                e["gold_names"] = [known_names.get(gid) for gid in e["gold"]]
                f.write(json.dumps(e) + "\n")
    result["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
