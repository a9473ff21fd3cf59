"""Rendering apart from argument parsing: the tables and report lines the commands print.

Each function takes what a library call returned and prints it; none computes anything the
commands' JSON lines depend on.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

console = Console() if sys.stdout.isatty() else Console(width=160)

_BUILD_COUNTS = ("documents", "mentions", "triples", "nodes", "edges", "quarantined", "failed")


def build_report(report: Any, as_json: bool) -> None:
    """A build's counts, quarantined inputs and top hypotheses; with ``as_json`` a last line of counts.

    Args:
        report: The :class:`kg.types.BuildReport` of ``medkg build`` or ``medkg demo``.
        as_json: End with one JSON line of the main counts.
    """
    table = Table(title=f"medkg build {report.run_id}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("documents", "skipped_documents", "mentions", "triples", "nodes", "edges", "quarantined", "failed"):
        table.add_row(key, str(getattr(report, key)))
    for label, n in sorted(report.nodes_by_label.items()):
        table.add_row(f"  nodes: {label}", str(n))
    for rel, n in sorted(report.edges_by_type.items()):
        table.add_row(f"  edges: {rel}", str(n))
    console.print(table)
    for q in report.quarantine:
        console.print(f"[yellow]quarantined[/yellow] {q.source} {q.location}: {q.reason}")
    if report.hypotheses:
        console.print(_hypotheses_table(report.hypotheses, report.node_names))
    if as_json:
        typer.echo(json.dumps({k: getattr(report, k) for k in _BUILD_COUNTS}))


def _hypotheses_table(hypotheses: Any, names: dict[str, str]) -> Table:
    """Top hypotheses with their best supporting path, nodes shown by name (and id)."""
    hyp = Table(title="top hypotheses (link prediction; not asserted facts)")
    # The type and the score are never cut or folded, however long the names beside them are.
    hyp.add_column("type", no_wrap=True, min_width=max((len(h.type) for h in hypotheses), default=4))
    for col in ("head", "tail"):
        hyp.add_column(col)
    hyp.add_column("score", no_wrap=True)
    hyp.add_column("best supporting path")
    for h in hypotheses:
        path = h.note
        support = [p for p in h.explanation if not p.against]
        if support:
            best = support[0]
            hops = [names.get(best.nodes[0], best.nodes[0])]
            for rel, node in zip(best.relations, best.nodes[1:], strict=True):
                hops.append(f"-{rel}- {names.get(node, node)}")
            name = f"{best.metapath} " if best.metapath else ""
            path = name + " ".join(hops) + f" ({best.contribution:.2f})" + (f"; {h.note}" if h.note else "")
        hyp.add_row(
            h.type,
            f"{names.get(h.head, h.head)} ({h.head})",
            f"{names.get(h.tail, h.tail)} ({h.tail})",
            f"{h.score:.3f}",
            path,
        )
    return hyp


def hypotheses_listing(views: Any, as_json: bool) -> None:
    """Stored hypotheses with rank, score, model version and explaining paths; with ``as_json`` a last JSON line.

    Args:
        views: the :class:`kg.types.HypothesisView` list of :func:`kg.store.hypotheses.top_hypotheses`.
        as_json: End with one JSON line: the list of the views as objects.
    """
    table = Table(title="stored hypotheses (link prediction; not asserted facts)")
    for col in ("rank", "type", "head", "tail", "score", "group rank", "model", "paths (metapath, contribution)"):
        table.add_column(col, no_wrap=col in ("rank", "type", "score"), overflow="fold")
    for v in views:
        paths = []
        for p in v.paths:
            hops = [p.names[0]]
            for rel, name in zip(p.relations, p.names[1:], strict=True):
                hops.append(f"-{rel}- {name}")
            share = f"{p.contribution:.2f}" if p.contribution is not None else "n/a"
            kind = ("AGAINST " if p.against else "") + (f"{p.metapath_name} " if p.metapath_name else "")
            paths.append(f"{kind}{p.metapath} ({share}): " + " ".join(hops))
        if v.note:
            paths.append(f"note: {v.note}")
        table.add_row(
            str(v.rank),
            v.type,
            f"{v.head_name} ({v.head})",
            f"{v.tail_name} ({v.tail})",
            f"{v.score:.3f}",
            str(v.group_rank),
            v.model_version,
            "\n".join(paths) or "no supporting path stored",
        )
    console.print(table)
    if as_json:
        typer.echo(json.dumps([v.model_dump(mode="json") for v in views]))


def query_rows(name: str, rows: list[dict[str, Any]]) -> None:
    """A named query's rows as a table (lists and objects as JSON)."""
    table = Table(title=name)
    cols = list(rows[0].keys()) if rows else []
    for c in cols:
        table.add_column(c)
    for r in rows:
        table.add_row(*(json.dumps(r[c], default=str) if isinstance(r[c], (list, dict)) else str(r[c]) for c in cols))
    console.print(table)


def candidates(part: str, label: str, threshold: float, cands: Any, k: int) -> None:
    """The top ``k`` candidate concepts of one mention part with their calibrated scores."""
    table = Table(title=f"{part!r} ({label}) threshold {threshold:.2f}")
    for col in ("rank", "score", "canonical", "key", "name", "matched", "equivalent ids"):
        table.add_column(col)
    for i, c in enumerate(cands[:k], start=1):
        eq = ", ".join(sorted(c.concept.ids - {c.concept.canonical}))
        table.add_row(str(i), f"{c.score:.3f}", c.concept.canonical, c.concept.key, c.concept.name, c.matched, eq)
    console.print(table)


def linking_report(report: dict[str, Any], title: str, gold_mentions: bool) -> None:
    """Linking accuracy per label (gold mentions) or document-level concept P/R/F1 (end to end)."""
    table = Table(title=title)
    if gold_mentions:
        for col in ("label", "mentions", "acc@1", "acc@5", "unseen n", "unseen acc@1"):
            table.add_column(col)
        for lab, acc in report["acc_at_1"].items():
            u = report.get("unseen", {}).get(lab, {})
            table.add_row(
                lab,
                str(report["n_mentions"][lab]),
                f"{acc:.3f}",
                f"{report['acc_at_5'][lab]:.3f}",
                str(u.get("n", "")),
                f"{u['acc_at_1']:.3f}" if u else "",
            )
    else:
        for col in ("label", "precision", "recall", "f1", "unseen n", "unseen recall"):
            table.add_column(col)
        for lab, m in report["per_label"].items():
            u = report.get("unseen", {}).get(lab, {})
            table.add_row(
                lab,
                f"{m['precision']:.3f}",
                f"{m['recall']:.3f}",
                f"{m['f1']:.3f}",
                str(u.get("n", "")),
                f"{u['recall']:.3f}" if u else "",
            )
    console.print(table)


def relations_report(report: dict[str, Any], title: str) -> None:
    """Relation P/R/F1 per type and micro, then the report's other figures as one JSON line."""
    table = Table(title=title)
    for col in ("type", "gold", "precision", "recall", "f1"):
        table.add_column(col)
    for t, m in report["per_type"].items():
        table.add_row(t, str(m["gold"]), f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
    table.add_row("micro", "", f"{report['precision']:.3f}", f"{report['recall']:.3f}", f"{report['f1']:.3f}")
    console.print(table)
    extra = {k: v for k, v in report.items() if k not in ("precision", "recall", "f1", "per_type")}
    console.print(json.dumps(extra, default=str))


def has_symptom_report(report: dict[str, Any]) -> None:
    """HAS_SYMPTOM P/R/F1 of the model and each baseline, then the report's other figures as one JSON line."""
    table = Table(title="HAS_SYMPTOM on held-out (disease, symptom) pairs (document-level candidates)")
    for col in ("system", "predicted", "precision", "recall", "f1"):
        table.add_column(col)
    rows = [("model", report), *report["baselines"].items()]
    for name, m in rows:
        table.add_row(name, str(m["predicted"]), f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
    console.print(table)
    extra = {k: v for k, v in report.items() if k not in ("precision", "recall", "f1", "per_type", "baselines")}
    console.print(json.dumps(extra, default=str))


def ner_report(report: dict[str, Any], title: str) -> None:
    """Entity-level P/R/F1 per label and micro; assertion per class and its confusion matrix, if scored."""
    table = Table(title=title)
    for col in ("label", "precision", "recall", "f1"):
        table.add_column(col)
    for label, m in report["per_label"].items():
        table.add_row(label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
    table.add_row("micro", f"{report['precision']:.3f}", f"{report['recall']:.3f}", f"{report['f1']:.3f}")
    console.print(table)
    if "assertion_confusion" in report:  # assertion on the found entities: per class, then the confusion
        classes = list(report["assertion_per_class"])
        table = Table(title=f"assertion on found entities (accuracy {report['assertion_accuracy']:.3f})")
        for col in ("gold \\ predicted", *classes, "n", "precision", "recall", "f1"):
            table.add_column(col)
        for g, m in report["assertion_per_class"].items():
            row = report["assertion_confusion"].get(g, {})
            counts = [str(row.get(p, 0)) for p in classes]
            table.add_row(g, *counts, str(m["n"]), f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
        console.print(table)
