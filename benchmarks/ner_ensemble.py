"""Choose the agreement-ensemble threshold of a trained NER model on a held-out corpus.

    .venv/bin/python benchmarks/ner_ensemble.py --model accurate --partner fast \\
        --corpus ../shared/data/biored/Train.PubTator --corpus ../shared/data/biored/Dev.PubTator \\
        --exclude ../shared/data/bc5cdr/CDR_TrainingSet.PubTator.txt ... --labels Disease [--write]

The ensemble (:func:`kg.ner.postprocess.agree`) keeps a span of the main model when its
confidence is at least ``keep_confidence``, or when the partner model found the same span. This
script tags the tuning corpus once with both models, scores every threshold of the grid
(entity-level exact match on ``--labels``, after the same document post-processing the
component runs), and picks the best F1. Documents whose id appears in any ``--exclude`` corpus
(the models' training data and the test sets) are left out, so the choice is made on text
neither model was trained on nor will be scored on. ``--write`` records the choice, the grid and
the tuning data (file hashes, counts) as ``ensemble`` in the model's ``meta.json``, where the
``medkg_ner`` component reads it. The last line is JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from kg.io.corpora import read_corpus
from kg.metrics import prf as _prf
from kg.ner.postprocess import agree, postprocess
from kg.ner.trained import _abbreviation_pairs, load_model, resolve_model_dir
from kg.nlp import analyze

log = logging.getLogger("benchmarks.ner_ensemble")
GRID = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
MIN_CONFIDENCE = 0.5


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="accurate")
    parser.add_argument("--partner", default="fast")
    parser.add_argument("--corpus", action="append", required=True, help="tuning corpus (repeatable)")
    parser.add_argument("--format", default="pubtator")
    parser.add_argument(
        "--exclude", action="append", default=[], help="PubTator corpus whose document ids are left out (repeatable)"
    )
    parser.add_argument("--labels", nargs="+", default=["Disease"], help="labels scored (Symptom counts as Disease)")
    parser.add_argument("--write", action="store_true", help="record the choice in the model's meta.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    excluded_ids: set[str] = set()
    for path in args.exclude:
        excluded_ids |= {g.document.id for g in read_corpus(path, "pubtator")}
    main_model = load_model(args.model)
    partner = load_model(args.partner)
    tuned_on = []
    docs = []
    for path in args.corpus:
        gold = read_corpus(path, args.format)
        kept = [g for g in gold if g.document.id not in excluded_ids]
        tuned_on.append(
            {
                "file": Path(path).name,
                "sha256": _sha256(Path(path)),
                "documents": len(kept),
                "excluded": len(gold) - len(kept),
            }
        )
        docs.extend(kept)
    log.info("tuning on %d documents (%d ids excluded)", len(docs), len(excluded_ids))
    labels = set(args.labels)
    tagged = []
    for i in range(0, len(docs), 16):
        batch = docs[i : i + 16]
        analyzed = [analyze(g.document) for g in batch]
        texts = [a.doc.text for a in analyzed]
        for g, a, raw, other in zip(batch, analyzed, main_model.tag(texts), partner.tag(texts), strict=True):
            truth = {(e.start, e.end, e.label) for e in g.entities if e.label in labels}
            tagged.append((a.doc.text, _abbreviation_pairs(a.doc), raw, other, truth))
        log.info("tagged %d/%d documents", min(i + 16, len(docs)), len(docs))
    grid = {}
    for threshold in GRID:
        tp = fp = fn = 0
        for text, pairs, raw, other, truth in tagged:
            spans = postprocess(agree(raw, other, threshold, MIN_CONFIDENCE), text, pairs)
            pred = {(s.start, s.end, "Disease" if s.label == "Symptom" else s.label) for s in spans}
            pred = {p for p in pred if p[2] in labels}
            tp += len(pred & truth)
            fp += len(pred - truth)
            fn += len(truth - pred)
        grid[threshold] = _prf(tp, fp, fn)
        log.info("keep_confidence %.2f: %s", threshold, grid[threshold])
    best = max(GRID, key=lambda t: (grid[t]["f1"], -t))  # ties: the lower threshold (keeps more recall)
    result = {
        "partner": args.partner,
        "partner_version": partner.version,
        "keep_confidence": best,
        "min_confidence": MIN_CONFIDENCE,
        "labels": sorted(labels),
        "tuned_on": tuned_on,
        "f1_by_threshold": {str(t): v for t, v in grid.items()},
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if args.write:
        meta_path = resolve_model_dir(args.model) / "meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["ensemble"] = result
        meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        log.info("wrote the ensemble choice to %s", meta_path)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
