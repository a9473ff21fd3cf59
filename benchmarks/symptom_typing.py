"""How well medkg separates Symptom from Disease, measured on BC5CDR-style gold Disease mentions.

    .venv/bin/python benchmarks/symptom_typing.py \
        --corpus ../shared/data/bc5cdr/CDR_TestSet.PubTator.txt \
        --hetionet ../shared/data/hetionet/hetionet-v1.0-nodes.tsv

BC5CDR's Disease class includes signs and symptoms. Reference: a gold Disease mention is a
*symptom* when its MeSH id is a Hetionet Symptom node (Hetionet's symptoms are the MeSH
"Signs and Symptoms" branch, C23). Prediction: medkg's typing step (lexicon best label of the
mention text, :func:`kg.ner.postprocess.type_symptoms`). Mentions with several or no MeSH ids
are left out and counted. Figures are split by whether the exact name was a training name.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from kg.ids import normalize
from kg.io.corpora import read_corpus
from kg.ner.postprocess import TaggedSpan, type_symptoms
from kg.vocab.lexicon import load_lexicon, packaged_index


def _prf(c: Counter[str]) -> dict[str, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    acc = (c["tp"] + c["tn"]) / max(1, sum(c.values()))
    return {
        "symptom_precision": round(p, 4),
        "symptom_recall": round(r, 4),
        "symptom_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "accuracy": round(acc, 4),
        "mentions": sum(c.values()),
        "gold_symptoms": c["tp"] + c["fn"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--hetionet", required=True, help="hetionet-v1.0-nodes.tsv")
    args = parser.parse_args()
    symptom_mesh = set()
    with open(args.hetionet, encoding="utf-8") as f:
        for line in f:
            hid, _, kind = line.rstrip("\n").split("\t")
            if kind == "Symptom":
                symptom_mesh.add(hid.split("::", 1)[1].replace("MESH:", ""))
    index = packaged_index()
    training_names = {normalize(e.term) for e in load_lexicon() if e.source in ("bc5cdr", "ncbi_disease")}
    counts: dict[str, Counter[str]] = {"all": Counter(), "seen_name": Counter(), "unseen_name": Counter()}
    skipped = 0
    for gold in read_corpus(args.corpus, "pubtator"):
        text = gold.document.text
        for e in gold.entities:
            if e.label != "Disease":
                continue
            if len(e.ids) != 1 or e.ids[0] in ("-1", "-"):
                skipped += 1
                continue
            truth = e.ids[0].replace("MESH:", "") in symptom_mesh
            (typed,) = type_symptoms([TaggedSpan(e.start, e.end, "Disease", 1.0)], text, index)
            pred = typed.label == "Symptom"
            cell = "tp" if truth and pred else "fn" if truth else "fp" if pred else "tn"
            counts["all"][cell] += 1
            counts["seen_name" if normalize(e.text) in training_names else "unseen_name"][cell] += 1
    result = {k: _prf(v) for k, v in counts.items()}
    result["skipped_mentions"] = skipped
    print(json.dumps(result))  # noqa: T201  (the benchmark's output)


if __name__ == "__main__":
    main()
