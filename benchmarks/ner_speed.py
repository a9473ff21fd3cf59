"""NER throughput on CPU: abstracts/s and tokens/s of a trained model used as a spaCy component.

    .venv/bin/python benchmarks/ner_speed.py --model accurate --corpus ../shared/data/bc5cdr/CDR_TestSet.PubTator.txt

The pipeline timed is what a user runs: spaCy tokenizer + scispaCy abbreviation detector +
``medkg_ner`` (model, document post-processing, symptom typing). Tokens are spaCy tokens.
The model is loaded and warmed up on a few documents before the clock starts. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time

import spacy
import torch

from kg.io.corpora import read_corpus
from kg.nlp import base_pipeline  # noqa: F401  (registers the abbreviation detector's deps)

log = logging.getLogger("benchmarks.ner_speed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="accurate", help="accurate | fast | dictionary | a model folder")
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--format", default="pubtator")
    parser.add_argument("--limit", type=int, default=300, help="documents to time")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--precision", default="fp32", help="transformer inference precision: fp32 | bf16 | auto")
    parser.add_argument(
        "--runtime", default=None, help="transformer runtime: torch | onnx | onnx-int8 (default: the component's)"
    )
    parser.add_argument("--convention", default="", help="corpus-convention heads to decode (e.g. ncbi)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    import scispacy.abbreviation  # noqa: F401

    nlp = spacy.blank("en")
    nlp.add_pipe("abbreviation_detector")
    precision = None
    runtime = None
    if args.model == "dictionary":
        import kg.ner.dictionary  # noqa: F401

        nlp.add_pipe("medkg_dictionary_ner")
    else:
        import kg.ner.trained  # noqa: F401

        comp = nlp.add_pipe(
            "medkg_ner",
            config={
                "model": args.model,
                "convention": args.convention,
                "precision": args.precision,
                **({"runtime": args.runtime} if args.runtime else {}),
            },
        )
        precision = "bf16" if getattr(comp.tagger, "bf16", False) else "fp32"  # type: ignore[attr-defined]
        runtime = getattr(comp.tagger, "runtime", None)  # type: ignore[attr-defined]
    texts = [g.document.text for g in read_corpus(args.corpus, args.format)][: args.limit]
    list(nlp.pipe(texts[:8], batch_size=args.batch_size))  # warm-up
    started = time.perf_counter()
    n_tokens = 0
    n_ents = 0
    for doc in nlp.pipe(texts, batch_size=args.batch_size):
        n_tokens += len(doc)
        n_ents += len(doc.ents)
    elapsed = time.perf_counter() - started
    result = {
        "model": args.model,
        "inference_precision": precision,
        "runtime": runtime,
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
    log.info(
        "%s: %.1f abstracts/s, %d tokens/s", args.model, result["abstracts_per_second"], result["tokens_per_second"]
    )
    print(json.dumps(result))  # noqa: T201  (the benchmark's output)


if __name__ == "__main__":
    main()
