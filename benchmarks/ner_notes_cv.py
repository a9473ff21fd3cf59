"""Cross-validate the notes tagger on the dev split of the annotated notes (issue 19, round four).

    nice -n 5 .venv/bin/python benchmarks/ner_notes_cv.py \\
        --corpus tests/fixtures/mtsamples/dev.standoff.jsonl \\
        --notes ../shared/data/mtsamples/mtsamples_notes.csv --folds 5 --set epochs=4 --out /tmp/nncv

Snippets are split into ``--folds`` folds by note (:func:`kg.train.ner_notes.note_folds`). For each
fold a notes tagger is fine-tuned from the ``accurate`` model on the other folds' snippets
(:func:`kg.train.ner_notes.train_notes_model`) and scored on the fold's snippets with and without the
clinical-notes layer, next to the ``accurate`` model on the same snippets. Counts are summed over the
folds (micro P/R/F1 per label). Only the dev split may be given: the script refuses a corpus whose
records say ``"split": "test"``. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

import torch

from kg.eval.entities import evaluate_ner
from kg.metrics import prf
from kg.ner.trained import DEFAULT_MODELS
from kg.train.ner_notes import note_folds, train_notes_model
from kg.train.ner_transformer import TransformerTrainOptions

log = logging.getLogger("benchmarks.ner_notes_cv")


def _records(corpus: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    if any(r.get("split") == "test" for r in rows):
        raise SystemExit(f"{corpus}: holds test-split snippets; cross-validation runs on the dev split only")
    return rows


def _add(total: dict[str, Counter[str]], report: dict[str, Any]) -> None:
    for label, c in report["counts"].items():
        total.setdefault(label, Counter()).update(c)


def _summary(total: dict[str, Counter[str]]) -> dict[str, Any]:
    all_c: Counter[str] = Counter()
    for c in total.values():
        all_c.update(c)
    return {
        **prf(all_c["tp"], all_c["fp"], all_c["fn"]),
        "per_label": {lab: prf(c["tp"], c["fp"], c["fn"]) for lab, c in sorted(total.items())},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--notes", type=Path, required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--set", action="append", default=[], help="training option key=value (TransformerTrainOptions)")
    ap.add_argument("--out", type=Path, required=True, help="scratch folder for the fold models")
    ap.add_argument("--only-folds", type=str, default="", help="comma-separated fold numbers to run (default all)")
    ap.add_argument("--freeze-layers", type=int, default=0, help="encoder layers kept frozen (from the bottom)")
    ap.add_argument("--no-symptom-head", action="store_true", help="keep the abstracts' Drug/Disease heads")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    torch.set_num_threads(2)
    overrides = dict(kv.split("=", 1) for kv in args.set)
    options = TransformerTrainOptions.model_validate(overrides)
    rows = _records(args.corpus)
    folds = note_folds([r["id"] for r in rows], args.folds)
    wanted = [int(f) for f in args.only_folds.split(",")] if args.only_folds else list(range(args.folds))
    totals: dict[str, dict[str, Counter[str]]] = {}
    started = time.monotonic()
    for k in wanted:
        fold_dir = args.out / f"fold{k}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        train_file, held_file = fold_dir / "train.standoff.jsonl", fold_dir / "held.standoff.jsonl"
        train_file.write_text(
            "".join(json.dumps(r) + "\n" for r, f in zip(rows, folds, strict=True) if f != k), encoding="utf-8"
        )
        held_file.write_text(
            "".join(json.dumps(r) + "\n" for r, f in zip(rows, folds, strict=True) if f == k), encoding="utf-8"
        )
        model_dir = fold_dir / "model"
        train_notes_model(
            DEFAULT_MODELS["accurate"],
            train_file,
            args.notes,
            options,
            model_dir,
            seed=args.seed,
            version="cv",
            freeze_layers=args.freeze_layers,
            symptom_head=not args.no_symptom_head,
        )
        runs = {"notes_model+layer": (str(model_dir), True), "notes_model": (str(model_dir), False)}
        if not args.no_baseline:
            runs |= {"accurate+layer": ("accurate", True), "accurate": ("accurate", False)}
        for name, (model, layer) in runs.items():
            # notes_model "": the abstracts model itself on the snippets, never a packaged notes tagger
            params: dict[str, Any] = {"notes": layer} | ({"notes_model": ""} if model == "accurate" else {})
            report = evaluate_ner(held_file, "standoff", model=model, notes=args.notes, params=params)
            _add(totals.setdefault(name, {}), report)
            log.info("fold %d %s: F1 %.4f", k, name, report["f1"])
    result = {
        "folds": args.folds,
        "ran_folds": wanted,
        "options": options.model_dump()
        | {"freeze_layers": args.freeze_layers, "symptom_head": not args.no_symptom_head},
        "seed": args.seed,
        "minutes": round((time.monotonic() - started) / 60, 1),
        "scores": {name: _summary(t) for name, t in totals.items()},
        "counts": {name: {lab: dict(c) for lab, c in t.items()} for name, t in totals.items()},
    }
    for name, s in result["scores"].items():
        per = ", ".join(f"{lab} {m['f1']:.3f}" for lab, m in s["per_label"].items())
        logging.getLogger("benchmarks.ner_notes_cv").info(
            "%-18s F1 %.4f (P %.4f R %.4f); %s", name, s["f1"], s["precision"], s["recall"], per
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
