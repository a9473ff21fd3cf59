"""``medkg report``: one static HTML page that shows what a built graph holds and why (issue 20).

Read from the embedded store only (no server): counts per node label and edge type with the
text-mined and curated share, the best-supported text-mined edges with their evidence sentences
(already redacted of PHI by the build; documents named by their pseudonyms), the hypotheses per
disease with their explaining paths drawn (metapath, share, evidence against, "no supporting path"),
and the link-prediction evaluation: the external-style protocols' table and charts (AUROC per scorer,
ROC and precision-recall curves where the evaluation file holds them) from
``benchmarks/linkpred_external.py --out FILE``, and the build's own link-prediction metrics when it
trained a model. The page is self-contained (inline SVG, no script, no network), written owner-only.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kg.files import private_dir, touch_private
from kg.schema import GraphSchema
from kg.store.hypotheses import top_hypotheses
from kg.store.sqlite import DB_NAME, SqliteStore
from kg.types import HypothesisView, PathView

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f3f3f3}.num{text-align:right}.ev{color:#444;font-size:.92em}.note{color:#a33}
.against{color:#a33}.hyp{margin:0 0 1.2em}svg text{font-size:11px}
"""


class ReportError(ValueError):
    """The store to report on does not exist."""


def _e(x: object) -> str:
    return html.escape(str(x))


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], cls: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{_e(c)}</td>' if isinstance(c, int | float) else f"<td>{_e(c)}</td>" for c in r)
        + "</tr>"
        for r in rows
    )
    return f'<table class="{cls}"><tr>{head}</tr>{body}</table>'


def _counts(store: SqliteStore) -> str:
    nodes = store.conn.execute("SELECT label, COUNT(*) FROM nodes GROUP BY label ORDER BY label").fetchall()
    edges = store.conn.execute(
        "SELECT type, COUNT(*), SUM(sources LIKE '%\"text\"%'), SUM(sources != '[\"text\"]') FROM edges"
        " GROUP BY type ORDER BY type"
    ).fetchall()
    rows = [(t, n, tm, cur, f"{100 * tm / n:.1f}%") for t, n, tm, cur in edges]
    return (
        '<h2 id="counts">Counts</h2>'
        + _table(["node label", "nodes"], nodes, "nodes")
        + _table(["edge type", "edges", "text-mined", "curated", "text-mined share"], rows, "edges")
    )


def _top_edges(store: SqliteStore, limit: int) -> str:
    edges = store.conn.execute(
        "SELECT e.head, e.type, e.tail, e.evidence_count, e.doc_count, e.confidence, hn.name, tn.name FROM edges e"
        " LEFT JOIN nodes hn ON hn.id = e.head LEFT JOIN nodes tn ON tn.id = e.tail"
        " WHERE e.evidence_count > 0 ORDER BY e.evidence_count DESC, e.confidence DESC, e.head, e.tail LIMIT ?",
        (limit,),
    ).fetchall()
    parts = ['<h2 id="edges">Best-supported text-mined edges</h2>']
    if not edges:
        parts.append("<p>No text-mined edge: the store holds curated edges only.</p>")
    for head, rel, tail, n_ev, n_doc, conf, hname, tname in edges:
        sentences = store.conn.execute(
            "SELECT sentence, doc_id, assertion FROM evidence WHERE head = ? AND type = ? AND tail = ?"
            " ORDER BY confidence DESC, doc_id LIMIT 3",
            (head, rel, tail),
        ).fetchall()
        items = "".join(f"<li>{_e(s)} <small>({_e(d)}, {_e(a)})</small></li>" for s, d, a in sentences)
        parts.append(
            f'<div class="edge"><b>{_e(hname or head)}</b> {_e(rel)} <b>{_e(tname or tail)}</b> '
            f"<small>{n_ev} evidence in {n_doc} documents, confidence {conf:.2f}</small>"
            f'<ul class="ev">{items}</ul></div>'
        )
    return "".join(parts)


def path_svg(p: PathView) -> str:
    """A path as boxes and labelled arrows, left to right."""
    w, gap, h = 150, 90, 46
    n = len(p.nodes)
    width = n * w + (n - 1) * gap
    out = [f'<svg width="{width}" height="{h}" role="img" aria-label="{_e(p.metapath)}">']
    for i, (name, label) in enumerate(zip(p.names, p.labels, strict=True)):
        x = i * (w + gap)
        out.append(f'<rect x="{x}" y="8" width="{w}" height="30" rx="6" fill="#eef3fb" stroke="#5b7db1"/>')
        out.append(f'<text x="{x + 6}" y="27">{_e((name or "")[:22])} ({_e(label)})</text>')
    for i, rel in enumerate(p.relations):
        x0 = i * (w + gap) + w
        colour = "#a33" if p.against else "#333"
        out.append(f'<line x1="{x0}" y1="23" x2="{x0 + gap - 4}" y2="23" stroke="{colour}" marker-end="url(#a)"/>')
        out.append(f'<text x="{x0 + 3}" y="18" fill="{colour}">{_e(rel[:14])}</text>')
    out.append('<defs><marker id="a" markerWidth="8" markerHeight="8" refX="7" refY="3" orient="auto">')
    out.append('<path d="M0,0 L0,6 L7,3 z"/></marker></defs></svg>')
    return "".join(out)


def _hypothesis_html(h: HypothesisView) -> str:
    paths = []
    for p in h.paths:
        share = "" if p.contribution is None else f" share {p.contribution:.2f}"
        tag = '<span class="against">AGAINST</span> ' if p.against else ""
        name = f"{p.metapath_name} " if p.metapath_name else ""
        paths.append(f"<div>{tag}{_e(name)}<small>{_e(p.metapath)}{_e(share)}</small><br>{path_svg(p)}</div>")
    note = f'<div class="note">{_e(h.note)}</div>' if h.note else ""
    return (
        f'<div class="hyp"><b>{_e(h.head_name)}</b> {_e(h.type)} <b>{_e(h.tail_name)}</b> '
        f"<small>score {h.score:.3f}, rank {h.rank}, {_e(h.model_version)}</small>{note}{''.join(paths)}</div>"
    )


def _hypotheses(store_dir: Path, schema: GraphSchema, top: int) -> str:
    parts = ['<h2 id="hypotheses">Hypotheses per disease</h2>']
    rows: list[HypothesisView] = []
    for rel in sorted(schema.prediction_targets):
        try:
            rows += top_hypotheses(store_dir, schema, rel, None, top)
        except ValueError:
            parts.append(f"<p>No stored {_e(rel)} hypotheses.</p>")
    by_disease: dict[tuple[str, str], list[HypothesisView]] = {}
    for h in rows:
        disease = (h.tail, h.tail_name) if h.type == schema.prediction_targets.get("TREATS") else (h.head, h.head_name)
        by_disease.setdefault(disease, []).append(h)
    for (_, name), hs in sorted(by_disease.items(), key=lambda kv: (-max(h.score for h in kv[1]), kv[0][1])):
        parts.append(f"<h3>{_e(name)}</h3>" + "".join(_hypothesis_html(h) for h in hs))
    return "".join(parts)


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _evaluation(evaluation: dict[str, Any] | None, store: SqliteStore) -> str:
    parts = ['<h2 id="evaluation">Link-prediction evaluation</h2>']
    metrics = store.get_meta("linkpred_metrics")
    if metrics:
        parts.append(f"<p>This build's own link-prediction metrics: <code>{_e(metrics)}</code></p>")
    if not evaluation:
        parts.append(
            "<p>No external-style evaluation given: run <code>benchmarks/linkpred_external.py --out FILE</code> "
            "and pass <code>--evaluation FILE</code>.</p>"
        )
        return "".join(parts)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # labels stay text: searchable, and read by screen readers

    for protocol, res in evaluation.get("report", {}).items():
        scores = res.get("scores", {})
        rows = [
            (s, v["auroc"], v["auprc"], v.get("p@10"), v.get("p@100"), "yes" if v.get("clean") else "no")
            for s, v in scores.items()
        ]
        rows = [(s, round(a, 3), round(b, 3), c, d, e) for s, a, b, c, d, e in rows]
        grid = res.get("grid", {})
        parts.append(
            f"<h3>{_e(protocol)}</h3><p>{_e(grid.get('positives'))} positives among {_e(grid.get('pairs'))} pairs</p>"
        )
        parts.append(_table(["scorer", "AUROC", "AUPRC", "P@10", "P@100", "clean"], rows, "evaluation"))
        fig, axes = plt.subplots(1, 3 if res.get("curves") else 1, figsize=(11 if res.get("curves") else 4.5, 3))
        axes = list(axes) if hasattr(axes, "__len__") else [axes]
        axes[0].barh(list(scores), [v["auroc"] for v in scores.values()], color="#5b7db1")
        axes[0].axvline(0.5, color="#999", lw=0.8)
        axes[0].set_xlim(0, 1)
        axes[0].set_xlabel("AUROC")
        for name, c in (res.get("curves") or {}).items():
            axes[1].plot(c["fpr"], c["tpr"], label=name)
            axes[2].plot(c["recall"], c["precision"], label=name)
        if res.get("curves"):
            axes[1].set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
            axes[2].set(xlabel="recall", ylabel="precision", title="precision-recall")
            axes[2].legend(fontsize=7)
        parts.append(_svg(fig))
        plt.close(fig)
    return "".join(parts)


def render_report(
    store_dir: str | Path, schema: GraphSchema, evaluation: dict[str, Any] | None = None, top: int = 5, edges: int = 15
) -> str:
    """The report page of the store at ``store_dir``.

    Raises:
        ReportError: no store there.
    """
    store_dir = Path(store_dir)
    if not (store_dir / DB_NAME).is_file():
        raise ReportError(f"no medkg store at {store_dir} (build one with `medkg build` or `medkg demo`)")
    with SqliteStore(store_dir) as store:
        body = (
            _counts(store)
            + _top_edges(store, edges)
            + _hypotheses(store_dir, schema, top)
            + _evaluation(evaluation, store)
        )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>medkg report</title><style>{_CSS}</style>'
        f"</head><body><h1>medkg report</h1><p>Store <code>{_e(store_dir)}</code>, schema {_e(schema.version)}.</p>"
        f"{body}</body></html>"
    )


def write_report(
    store_dir: str | Path, out_dir: str | Path, schema: GraphSchema, evaluation_path: str | Path | None = None
) -> Path:
    """Write ``<out_dir>/index.html`` (owner-only) and return its path."""
    evaluation = json.loads(Path(evaluation_path).read_text(encoding="utf-8")) if evaluation_path else None
    page = render_report(store_dir, schema, evaluation)
    out = private_dir(out_dir)
    path = touch_private(out / "index.html")
    path.write_text(page, encoding="utf-8")
    return path
