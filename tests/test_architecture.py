"""The size limits of docs/architecture.md: no module of kg/ over 500 lines, no function over 80.

The floors themselves are checked by ``lint-imports`` in CI ([tool.importlinter] in pyproject.toml).
"""

from __future__ import annotations

import ast
from pathlib import Path

KG = Path(__file__).resolve().parent.parent / "kg"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
#: Known exceptions (module path under kg/ -> reason). Remove an entry when its module is split.
EXEMPT: dict[str, str] = {}


def _modules() -> list[Path]:
    found = sorted(KG.rglob("*.py"))
    assert len(found) > 50, f"expected medkg's modules under {KG}"
    return found


def test_no_module_is_over_500_lines() -> None:
    long = {
        rel: n
        for p in _modules()
        if (rel := str(p.relative_to(KG))) not in EXEMPT
        and (n := len(p.read_text(encoding="utf-8").splitlines())) >= MAX_MODULE_LINES
    }
    assert not long, f"modules of {MAX_MODULE_LINES}+ lines (split them along their seams): {long}"


def _long_functions(source: str) -> list[tuple[str, int, int]]:
    """(name, first line, length) of every function or method over the limit, nested ones included."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = (node.end_lineno or node.lineno) - node.lineno + 1
            if n > MAX_FUNCTION_LINES:
                out.append((node.name, node.lineno, n))
    return out


def test_no_function_is_over_80_lines() -> None:
    long = [
        f"{p.relative_to(KG)}:{line} {name} ({n} lines)"
        for p in _modules()
        if str(p.relative_to(KG)) not in EXEMPT
        for name, line, n in _long_functions(p.read_text(encoding="utf-8"))
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_the_counter_finds_long_methods_and_passes_short_ones() -> None:
    body = "\n".join(f"        x{i} = {i}" for i in range(80))
    source = f"class A:\n    def long(self):\n{body}\n\n    def short(self):\n        return 1\n"
    assert _long_functions(source) == [("long", 2, 81)]
    assert _long_functions("def f():\n    return 1\n") == []


def test_every_exemption_names_a_module_that_still_breaks_a_limit() -> None:
    for rel in EXEMPT:
        source = (KG / rel).read_text(encoding="utf-8")
        assert len(source.splitlines()) >= MAX_MODULE_LINES or _long_functions(source), (
            f"{rel} is within the limits now: drop its exemption"
        )
