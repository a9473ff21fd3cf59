"""``medkg train ner|relations|linker|linkpred``: train models from config files (fixed seeds)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from kg.cli.common import TrainSetOpt
from kg.config import ConfigError

train_app = typer.Typer(no_args_is_help=True, help="Train models from config files (fixed seeds).")

EvaluateOnlyOpt = typer.Option(
    False, "--evaluate-only", help="Do not train: re-score the existing model on the config's corpora."
)


@train_app.command("ner")
def train_ner_cmd(
    config: Path = typer.Option(..., "--config", help="Training config (YAML), e.g. configs/ner/accurate.yaml."),
    overrides: list[str] | None = TrainSetOpt,
    evaluate_only: bool = EvaluateOnlyOpt,
) -> None:
    """Train an NER model (accurate = MiniLM tagger, fast = spaCy CNN, notes = the notes tagger); weights + meta.json."""
    from kg.config import read_yaml_with_overrides
    from kg.train.ner import evaluate_model, load_train_config, train_ner

    if read_yaml_with_overrides(config, overrides or [], what="training config").get("kind") == "notes":
        from kg.train.ner_notes import load_notes_config, train_notes

        if evaluate_only:
            raise typer.BadParameter("--evaluate-only does not apply to kind: notes (score it with `medkg eval ner`)")
        notes_cfg = load_notes_config(config, overrides or [])
        typer.echo(json.dumps({"out": str(notes_cfg.out), "train_minutes": train_notes(notes_cfg)["train_minutes"]}))
        return
    cfg = load_train_config(config, overrides or [])
    if evaluate_only:
        metrics = evaluate_model(cfg, write=True)
    else:
        metrics = train_ner(cfg).get("metrics", {})
    typer.echo(json.dumps({"out": str(cfg.out), "metrics": metrics}))


@train_app.command("relations")
def train_relations_cmd(
    config: Path = typer.Option(..., "--config", help="Training config (YAML), e.g. configs/relations/ddi.yaml."),
    overrides: list[str] | None = TrainSetOpt,
    evaluate_only: bool = EvaluateOnlyOpt,
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


@train_app.command("linkpred")
def train_linkpred_cmd(
    config: Path | None = typer.Option(
        None, "--config", help="Training config (default configs/linkpred/default.yaml)."
    ),
    overrides: list[str] | None = TrainSetOpt,
) -> None:
    """Train the default link-prediction model on the whole seed graph (TREATS, HAS_SYMPTOM); writes weights + meta.json.

    Targets not in ``targets`` stay as they are in the output folder (``--set 'targets=[TREATS]'`` retrains one)."""
    from kg.gnn.configs import DEFAULT_TRAIN_CONFIG, load_train_config
    from kg.gnn.serving import train_default

    try:
        cfg = load_train_config(config or DEFAULT_TRAIN_CONFIG, overrides or [])
        meta = train_default(cfg)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc
    keys = ("kind", "trained_version", "target_pairs", "best_epoch", "best_val_mrr", "seconds", "file_bytes")
    summary = {rel: {k: t[k] for k in keys if k in t} for rel, t in meta["targets"].items()}
    for rel, t in meta["targets"].items():
        if "internal" in t:  # a stacked target: its internal cross-fitted metrics and calibration
            cal = t["internal"]["calibrated"]
            summary[rel].update(
                auroc=t["internal"]["auroc"], brier=cal["brier"], ece=cal["ece"], base_rate=cal["base_rate"]
            )
    typer.echo(json.dumps({"out": cfg.out, "version": meta["version"], "targets": summary}))


@train_app.command("phi")
def train_phi_cmd(
    config: Path = typer.Option(..., "--config", help="Training config (YAML), e.g. configs/privacy/phi.yaml."),
    overrides: list[str] | None = TrainSetOpt,
    select_only: bool = typer.Option(
        False, "--select-only", help="Do not train: choose the threshold again for the weights in `out`."
    ),
) -> None:
    """Train the PHI detector (MiniLM tagger beside the de-identification rules); weights + meta.json."""
    from kg.train.phi import load_phi_config, rescore_phi, train_phi

    cfg = load_phi_config(config, overrides or [])
    meta = rescore_phi(cfg) if select_only else train_phi(cfg)
    typer.echo(json.dumps({"out": str(cfg.out), "threshold": meta["threshold"], "validation": meta["validation"]}))
