"""NER throughput on CPU: abstracts/s and tokens/s of a trained model used as a spaCy component.

    .venv/bin/python benchmarks/ner_speed.py --model accurate --corpus ../shared/data/bc5cdr/CDR_TestSet.PubTator.txt

The pipeline timed is what a user runs: spaCy tokenizer + scispaCy abbreviation detector +
``medkg_ner`` (model, document post-processing, symptom typing). Tokens are spaCy tokens.
The model is loaded and warmed up on a few documents before the clock starts. The last line is JSON.

``--profile`` runs the timed loop under cProfile and adds ``profile``: seconds and share of the
loop per stage (transformer forward, WordPiece tokenization and features, the fast partner, spaCy
tokenizer, abbreviation detector, post-processing, notes layer...), from the cumulative time of
the functions that make each stage (:data:`STAGES`). The profiler's overhead inflates the Python
stages; read the shares, not the speed.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import platform
import pstats
import time
from typing import Any

import spacy
import torch

from kg.io.corpora import read_corpus
from kg.nlp import base_pipeline  # noqa: F401  (registers the abbreviation detector's deps)

log = logging.getLogger("benchmarks.ner_speed")

#: Stage -> (file suffix, function name) whose cumulative time is the stage's. The stages nest as
#: listed: ``tagger: ...`` rows are parts of ``medkg_ner: tag``, ``ner post: ...`` parts of ``spans``.
STAGES: dict[str, tuple[str, str]] = {
    "spaCy tokenizer (make_doc)": ("spacy/language.py", "make_doc"),
    "abbreviation detector": ("scispacy/abbreviation.py", "__call__"),
    "medkg_ner: tag (tagger + partner)": ("kg/ner/trained.py", "tag"),
    "tagger: WordPiece tokenization + features (encode)": ("kg/ner/transformer.py", "encode"),
    "tagger: encode / HF tokenizer call": ("transformers/tokenization_utils_base.py", "__call__"),
    "tagger: encode / gazetteer": ("kg/ner/features.py", "tag"),
    "tagger: batch tensors (batch_inputs)": ("kg/ner/transformer.py", "batch_inputs"),
    "tagger: transformer forward (logits)": ("kg/ner/transformer.py", "logits"),
    "tagger: Viterbi decoding": ("kg/ner/transformer.py", "viterbi"),
    "tagger: spans_from_tags": ("kg/ner/transformer.py", "spans_from_tags"),
    "partner: fast tagger (spaCy CNN)": ("kg/ner/fast.py", "tag"),
    "medkg_ner: spans (post-processing + notes)": ("kg/ner/trained.py", "spans"),
    "ner post: postprocess (abbrev., symptom typing)": ("kg/ner/postprocess.py", "postprocess"),
    "ner post: notes layer": ("kg/ner/notes.py", "notes_layer"),
    "medkg_ner: set doc.ents (_set)": ("kg/ner/trained.py", "_set"),
}


def stage_breakdown(stats: pstats.Stats, total: float) -> dict[str, dict[str, float]]:
    """Seconds and share of ``total`` per :data:`STAGES` entry, from cProfile cumulative times.

    A function called recursively or under two names would be counted once per entry point; the
    stages listed are not recursive.
    """
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    out: dict[str, dict[str, float]] = {}
    for stage, (suffix, name) in STAGES.items():
        seconds = sum(v[3] for (path, _, func), v in raw.items() if func == name and path.endswith(suffix))
        out[stage] = {"seconds": round(seconds, 2), "share": round(seconds / total, 3) if total else 0.0}
    return out


def build_nlp(args: argparse.Namespace) -> tuple[Any, str | None, str | None]:
    """The timed pipeline, its inference precision and its transformer runtime."""
    import scispacy.abbreviation  # noqa: F401

    nlp = spacy.blank("en")
    nlp.add_pipe("abbreviation_detector")
    if args.model == "dictionary":
        import kg.ner.dictionary  # noqa: F401

        nlp.add_pipe("medkg_dictionary_ner")
        return nlp, None, None
    import kg.ner.trained  # noqa: F401

    config = {"model": args.model, "convention": args.convention}
    if args.precision:
        config["precision"] = args.precision
    if args.runtime:
        config["runtime"] = args.runtime
    comp = nlp.add_pipe("medkg_ner", config=config)
    precision = "bf16" if getattr(comp.tagger, "bf16", False) else "fp32"  # type: ignore[attr-defined]
    return nlp, precision, getattr(comp.tagger, "runtime", None)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="accurate", help="accurate | fast | dictionary | a model folder")
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--format", default="pubtator")
    parser.add_argument("--limit", type=int, default=300, help="documents to time")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--precision",
        default=None,
        help="transformer inference precision: auto | fp32 | bf16 (default: the component's)",
    )
    parser.add_argument(
        "--runtime", default=None, help="transformer runtime: torch | onnx | onnx-int8 (default: the component's)"
    )
    parser.add_argument("--convention", default="", help="corpus-convention heads to decode (e.g. ncbi)")
    parser.add_argument("--profile", action="store_true", help="run under cProfile; report seconds per stage")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    nlp, precision, runtime = build_nlp(args)
    texts = [g.document.text for g in read_corpus(args.corpus, args.format)][: args.limit]
    list(nlp.pipe(texts[:8], batch_size=args.batch_size))  # warm-up
    load_before = os.getloadavg()[0]
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    n_tokens = 0
    n_ents = 0
    for doc in nlp.pipe(texts, batch_size=args.batch_size):
        n_tokens += len(doc)
        n_ents += len(doc.ents)
    if profiler is not None:
        profiler.disable()
    elapsed = time.perf_counter() - started
    result: dict[str, Any] = {
        "model": args.model,
        "inference_precision": precision,
        "runtime": runtime,
        "load_average_1m_before": round(load_before, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "documents": len(texts),
        "tokens": n_tokens,
        "entities": n_ents,
        "seconds": round(elapsed, 2),
        "abstracts_per_second": round(len(texts) / elapsed, 1),
        "tokens_per_second": round(n_tokens / elapsed),
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    if profiler is not None:
        result["profile"] = stage_breakdown(pstats.Stats(profiler), elapsed)
    log.info(
        "%s: %.1f abstracts/s, %d tokens/s", args.model, result["abstracts_per_second"], result["tokens_per_second"]
    )
    print(json.dumps(result))  # noqa: T201  (the benchmark's output)


if __name__ == "__main__":
    main()
