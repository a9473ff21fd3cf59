"""``medkg eval linking|relations|has-symptom|ner|linkpred``: the text stages and link prediction on annotated data.

Each command prints a report (:mod:`kg.cli.render`), then one JSON object as its last line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from kg.cli import render
from kg.cli.common import TrainSetOpt
from kg.config import ConfigError

eval_app = typer.Typer(no_args_is_help=True, help="Evaluate the text stages on annotated corpora.")


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

    report = evaluate_linking(
        corpus,
        fmt,
        gold_mentions=gold_mentions,
        ner=ner,
        linker=linker_name,
        training_corpora=train or (),
        seed_ids=_seed_ids(hetionet_dir) if hetionet_dir is not None else None,
    )
    title = f"linking {linker_name} on {corpus.name} ({'gold mentions' if gold_mentions else 'end to end, NER ' + ner})"
    render.linking_report(report, title, gold_mentions)
    typer.echo(json.dumps(_linking_summary(report, gold_mentions)))


def _seed_ids(hetionet_dir: Path) -> set[str]:
    """The ids of the Hetionet seed nodes (to measure how many linked mentions land on one)."""
    from kg.schema import load_schema
    from kg.seed.hetionet import NODES_FILE, parse_nodes

    with (hetionet_dir / NODES_FILE).open(encoding="utf-8") as f:
        return {n.id for n in parse_nodes(f, load_schema(), location=NODES_FILE)[0].values()}


def _linking_summary(report: dict[str, Any], gold_mentions: bool) -> dict[str, Any]:
    """The last JSON line of ``medkg eval linking``."""
    if gold_mentions:
        summary = {k: report[k] for k in ("acc_at_1", "acc_at_5", "n_mentions", "nil_gold", "nil_predicted_share")}
    else:
        summary = {k: report[k] for k in ("per_label", "precision", "recall", "f1", "linked_mentions")}
        if "seed_landing" in report:
            summary["seed_landing"] = report["seed_landing"]
    if "unseen" in report:
        summary["unseen"] = report["unseen"]
    summary["seconds"] = report["seconds"]
    return summary


def _prf(m: dict[str, Any]) -> dict[str, Any]:
    return {k: m[k] for k in ("precision", "recall", "f1")}


@eval_app.command("relations")
def eval_relations(
    corpus: Path = typer.Option(
        ..., "--corpus", help="Annotated corpus file or folder (a test split for reported figures)."
    ),
    fmt: str = typer.Option(
        ..., "--format", help="pubtator (BC5CDR CID, BioRED) | ddi (DDI 2013 XML) | jsonl | standoff (needs --notes)"
    ),
    notes: Path | None = typer.Option(
        None, "--notes", help="Notes CSV that --format standoff annotations point into (../shared/data/mtsamples/...)."
    ),
    gold_entities: bool = typer.Option(
        False, "--gold-entities", help="Use the gold entities and ids; without it medkg's NER and linking run first."
    ),
    model: str | None = typer.Option(
        None, "--model", help="Relation model folder or packaged name (default: the task's)."
    ),
    ner: str = typer.Option("accurate", "--ner", help="NER registry name or model folder (end to end)."),
    linker_name: str = typer.Option("candidates", "--linker", help="Linker registry name (end to end)."),
    precision: str = typer.Option(
        "auto", "--precision", help="DDI pair transformer: fp32 (reference) | bf16 | auto (bf16 on native-bf16 CPUs)."
    ),
) -> None:
    """Relation P/R/F1 with the benchmark's measure; prints a report, then one JSON object as the last line."""
    from kg.eval.relations import evaluate_relations

    if fmt == "ddi" and not gold_entities:
        raise typer.BadParameter("DDI 2013 is scored on its annotated candidate pairs: pass --gold-entities")
    report = evaluate_relations(
        corpus,
        fmt,
        gold_entities=gold_entities,
        model=model,
        ner=ner,
        linker=linker_name,
        notes=notes,
        precision=precision,
    )
    mode = "gold entities" if gold_entities else f"end to end, NER {ner}, linker {linker_name}"
    render.relations_report(report, f"relations on {corpus.name} ({mode})")
    per_type = {t: _prf(m) for t, m in report["per_type"].items()}
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
    overrides: list[str] | None = TrainSetOpt,
    model: str | None = typer.Option(
        None, "--model", help="Model folder or packaged name (default: the config's out)."
    ),
) -> None:
    """HAS_SYMPTOM on held-out curated pairs vs co-occurrence and rules; a report, then one JSON object last."""
    from kg.train.has_symptom import evaluate_has_symptom
    from kg.train.relations import load_rel_config

    cfg = load_rel_config(config, overrides or [])
    report = evaluate_has_symptom(cfg, model)
    render.has_symptom_report(report)
    typer.echo(
        json.dumps(
            {
                "precision": report["precision"],
                "recall": report["recall"],
                "f1": report["f1"],
                "auroc": report["auroc"],
                "per_type": {t: _prf(m) for t, m in report["per_type"].items()},
                "baselines": {n: _prf(m) for n, m in report["baselines"].items()},
            }
        )
    )


@eval_app.command("ner")
def eval_ner(
    corpus: Path = typer.Option(..., "--corpus", help="Annotated corpus file."),
    fmt: str = typer.Option(..., "--format", help="pubtator | jsonl | standoff (needs --notes)"),
    notes: Path | None = typer.Option(
        None, "--notes", help="Notes CSV that --format standoff annotations point into (../shared/data/mtsamples/...)."
    ),
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
        help="Inference precision of a transformer model: auto (default: bf16 where the CPU has native bf16 units, "
        "else fp32) | fp32 (the reference) | bf16 (needs --runtime torch).",
    ),
    runtime: str | None = typer.Option(
        None, "--runtime", help="Transformer runtime: torch (fp32 reference) | onnx | onnx-int8 (default: the model's)."
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
        corpus,
        fmt,
        model=model,
        label_map=mapping,
        labels=labels,
        convention=convention,
        precision=precision,
        notes=notes,
        runtime=runtime,
    )
    render.ner_report(report, f"NER {model} on {corpus.name}")
    typer.echo(json.dumps(report))


@eval_app.command("linkpred")
def eval_linkpred_cmd(
    config: Path = typer.Option(..., "--config", help="Eval config, e.g. configs/linkpred/treats.yaml."),
    overrides: list[str] | None = TrainSetOpt,
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
