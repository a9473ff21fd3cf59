"""Assertion on gold entity spans: accuracy, per-class P/R/F1 and the confusion matrix.

    .venv/bin/python benchmarks/assertion.py --corpus tests/fixtures/mtsamples/dev.standoff.jsonl \
        --format standoff --notes ../shared/data/mtsamples/mtsamples_notes.csv [--system medspacy] [-v]

The classifier runs on the gold entities (their spans and labels), so the figure isolates assertion
from NER. ``--system medkg`` is :func:`kg.assertion.default_annotator` as it is in this checkout;
``--system medspacy`` is medspaCy's ConText with its default rules and its sectionizer (needs
``medspacy`` installed; not a project dependency). ``-v`` prints every error with its sentence
(use it on the dev split only). The last line printed is the JSON report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.eval.assertion import Predictor, evaluate_assertion  # noqa: E402
from kg.io.corpora import GoldDocument  # noqa: E402
from kg.types import ASSERTIONS  # noqa: E402


def medspacy_predictor() -> Predictor:
    """medspaCy ConText (default rules) plus its sectionizer, mapped onto medkg's classes."""
    import medspacy
    from spacy.tokens import Span

    nlp = medspacy.load(medspacy_enable=["medspacy_pyrush", "medspacy_context", "medspacy_sectionizer"])

    def predict(doc: GoldDocument) -> list[str]:
        sdoc = nlp.make_doc(doc.document.text)
        ents = []
        for e in doc.entities:
            span = sdoc.char_span(e.start, e.end, label=e.label, alignment_mode="expand")
            ents.append(span)
        sdoc.ents = [s for s in ents if s is not None]
        for _, proc in nlp.pipeline:
            sdoc = proc(sdoc)
        by_span = {(s.start_char, s.end_char): s for s in sdoc.ents}
        out = []
        for s in ents:
            ent: Span | None = by_span.get((s.start_char, s.end_char)) if s is not None else None
            if ent is None:
                out.append("present")
            elif ent._.is_negated:
                out.append("negated")
            elif ent._.is_family:
                out.append("family")
            elif ent._.is_hypothetical:
                out.append("hypothetical")
            elif ent._.is_uncertain:
                out.append("possible")
            elif ent._.is_historical:
                out.append("historical")
            else:
                out.append("present")
        return out

    return predict


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--format", default="standoff")
    ap.add_argument("--notes", default=None)
    ap.add_argument("--system", choices=("medkg", "medspacy"), default="medkg")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    predict = medspacy_predictor() if args.system == "medspacy" else None
    rep, errors = evaluate_assertion(args.corpus, args.format, notes=args.notes, predict=predict)
    if args.verbose:
        for d, i, p in errors:
            e, t = d.entities[i], d.document.text
            a = max(0, t.rfind("\n", 0, e.start) + 1, e.start - 160)
            ctx = t[a : e.start] + "[[" + t[e.start : e.end] + "]]" + t[e.end : e.end + 80]
            print(f"{d.document.id}\tgold={e.assertion or 'present'}\tpred={p}\t{ctx.replace(chr(10), ' | ')}")
    print(f"accuracy {rep['accuracy']} on {rep['n']} gold entities ({args.system})")
    print(f"{'class':<13}{'n':>5}{'P':>7}{'R':>7}{'F1':>7}")
    for c, v in rep["per_class"].items():
        print(f"{c:<13}{v['n']:>5}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}")
    print("confusion (rows gold, columns predicted):")
    print(" " * 13 + "".join(f"{c[:6]:>8}" for c in ASSERTIONS))
    for g in ASSERTIONS:
        print(f"{g:<13}" + "".join(f"{rep['confusion'][g].get(p, 0):>8}" for p in ASSERTIONS))
    print(json.dumps(rep))


if __name__ == "__main__":
    main()
