"""``medkg link``: the candidate concepts and calibrated scores for one mention (debugging)."""

from __future__ import annotations

import json
from typing import Any

import typer

from kg.cli import render


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
        render.candidates(part, label, linker.threshold, cands, k)
        parts.append(_part_summary(part, cands, linker.threshold, k))
    typer.echo(json.dumps({"text": text, "label": label, "composite": result.composite, "parts": parts}))


def _part_summary(part: str, cands: Any, threshold: float, k: int) -> dict[str, Any]:
    """One mention part's JSON: its linked concept (or nil below ``threshold``) and top ``k`` candidates."""
    top = cands[0] if cands else None
    linked = top is not None and top.score >= threshold
    return {
        "text": part,
        "curie": top.concept.canonical if linked and top else None,
        "name": top.concept.name if linked and top else None,
        "score": round(top.score, 4) if top else None,
        "nil": not linked,
        "candidates": [
            {"curie": c.concept.canonical, "key": c.concept.key, "score": round(c.score, 4)} for c in cands[:k]
        ],
    }
