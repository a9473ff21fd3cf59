"""Print the Markdown tables of docs/benchmarks.md ("Link prediction") from `medkg eval linkpred --out` reports.

python benchmarks/linkpred_tables.py benchmarks/results/linkpred-treats.json benchmarks/results/linkpred-has-symptom.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

PROTOCOLS = ("random", "degree_matched", "disease_holdout")


def cell(m: dict, key: str) -> str:
    if key not in m:
        return "-"
    return f"{m[key]['mean']:.3f} ± {m[key]['std']:.3f}"


def tables(report: dict) -> list[str]:
    out: list[str] = []
    for variant, targets in report["results"].items():
        for rel, models in targets.items():
            out.append(f"\n**{rel}, {variant.replace('_', ' ')}** (seeds {report['seeds']})\n")
            out.append(
                "| model | random MRR | random Hits@10 | random AUROC | random AUPRC | degree-matched AUROC | "
                "degree-matched AUPRC | hold-out MRR | hold-out Hits@10 | hold-out AUROC | hold-out AUPRC |"
            )
            out.append("|---" * 11 + "|")
            for name, protos in models.items():
                r, d, h = (protos.get(p, {}) for p in PROTOCOLS)
                row = [
                    cell(r, "mrr"),
                    cell(r, "hits@10"),
                    cell(r, "auroc"),
                    cell(r, "auprc"),
                    cell(d, "auroc"),
                    cell(d, "auprc"),
                    cell(h, "mrr"),
                    cell(h, "hits@10"),
                    cell(h, "auroc"),
                    cell(h, "auprc"),
                ]
                out.append(f"| {name} | " + " | ".join(row) + " |")
    for rel, checks in report.get("floors", {}).items():
        if isinstance(checks, dict):
            for name, c in checks.items():
                nums = ", ".join(f"{k} {v:.3f}" for k, v in c.items() if isinstance(v, float))
                out.append(f"- floor {rel} `{name}`: **{'holds' if c.get('holds') else 'misses'}** ({nums})")
    t = report.get("timings", {})
    for variant, rels in t.items():
        for rel, splits in rels.items():
            for split, agg in splits.items():
                secs = {k: v["mean"] for k, v in agg.items() if k.startswith("seconds_")}
                out.append(
                    f"- seconds per split ({variant}, {rel}, held out: {split}): "
                    + ", ".join(f"{k[8:]} {v:.0f}" for k, v in secs.items())
                )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="+", type=Path)
    args = ap.parse_args()
    for path in args.reports:
        text = path.read_text(encoding="utf-8").strip()
        try:
            report = json.loads(text)
        except json.JSONDecodeError:  # a captured stdout: the JSON object is the last line
            report = json.loads(text.splitlines()[-1])
        print(f"\n<!-- {path} -->")
        print("\n".join(tables(report)))


if __name__ == "__main__":
    main()
