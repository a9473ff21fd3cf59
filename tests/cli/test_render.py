"""The top-hypotheses table never cuts a relationship type, however long the names beside it are."""

from __future__ import annotations

from rich.console import Console

from kg.cli.render import _hypotheses_table
from kg.types import Hypothesis


def test_long_names_never_cut_the_type_column() -> None:
    long_name = "Pruritic urticarial papules and plaques of pregnancy " * 3
    hyps = [
        Hypothesis(
            head=f"D{i}", type=t, tail=f"T{i}", score=0.9, rank=i + 1, model_version="m", run_id="r", explanation=()
        )
        for i, t in enumerate(("PREDICTED_TREATS", "PREDICTED_HAS_SYMPTOM"))
    ]
    names = {f"D{i}": long_name for i in range(2)} | {f"T{i}": long_name for i in range(2)}
    console = Console(width=100, record=True)
    console.print(_hypotheses_table(hyps, names))
    text = console.export_text()
    assert "PREDICTED_TREATS" in text and "PREDICTED_HAS_SYMPTOM" in text
    assert "0.900" in text
