"""A normal (non-editable) install of medkg works outside the repository.

The schema, the named queries and the demo corpus live at the repository's top level and ship inside
the package as the resource packages ``kg._schemas``, ``kg._queries`` and ``kg._demo`` (see
kg/packaged.py). Here a wheel is built from a copy of the checkout (no build isolation, no index:
nothing is downloaded), installed with ``pip install --target`` into a folder outside the repository,
and run from another folder: ``medkg query --list``, ``load_schema()`` and a small ``medkg build``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg.packaged import DEMO_PACKAGE, PackagedDataError, packaged_dir

REPO = Path(__file__).resolve().parent.parent
#: What the wheel is built from (the metadata names README.md), copied so the build leaves no
#: build/ folder in the checkout.
SOURCES = ("pyproject.toml", "README.md", "kg", "schemas", "queries", "data/demo")
#: Each top-level data folder and the package folder it is installed as.
DATA_FOLDERS = {"schemas": "kg/_schemas", "queries": "kg/_queries", "data/demo": "kg/_demo"}
_PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


@dataclass(frozen=True)
class Installed:
    src: Path  # the copy of the checkout the wheel was built from
    wheel: Path
    site: Path  # the --target folder
    work: Path  # the working directory of the commands run on the install
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            list(args), cwd=self.work, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        assert proc.returncode == 0, f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        return proc

    def medkg(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.site / "bin" / "medkg"), *args)


def _files(folder: Path) -> list[Path]:
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc" and not p.name.startswith(".")
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("packaging")
    src = root / "src"
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=_IGNORE)
        else:
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    dist = root / "dist"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "MEDKG_", "PYTHON", "PIP_"))}
    build = [*_PIP, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), str(src)]
    proc = subprocess.run(build, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"wheel build failed:\n{proc.stdout}\n{proc.stderr}"
    (wheel,) = dist.glob("medkg-*.whl")
    site = root / "site"
    install = [*_PIP, "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)]
    proc = subprocess.run(install, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"wheel install failed:\n{proc.stdout}\n{proc.stderr}"
    work = root / "work"
    work.mkdir()
    return Installed(
        src=src, wheel=wheel, site=site, work=work, env={**env, "PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1"}
    )


def test_editable_install_reads_the_top_level_folders() -> None:
    """In the checkout the resources are the top-level files themselves, not copies."""
    from kg.build import DEMO_CORPUS
    from kg.config import MedkgConfig
    from kg.queries import QUERIES_DIR, list_queries
    from kg.schema import DEFAULT_SCHEMA_PATH, load_schema

    assert DEFAULT_SCHEMA_PATH == REPO / "schemas" / "medkg.yaml"
    assert MedkgConfig().schema_path == str(DEFAULT_SCHEMA_PATH)
    assert QUERIES_DIR == REPO / "queries"
    assert DEMO_CORPUS == REPO / "data" / "demo" / "notes.jsonl"
    assert packaged_dir(DEMO_PACKAGE) == REPO / "data" / "demo"
    assert load_schema().nodes and list_queries()


def test_missing_data_package_is_an_error() -> None:
    with pytest.raises(PackagedDataError, match="kg._missing"):
        packaged_dir("kg._missing")


def test_wheel_holds_every_module_and_data_file(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = [f"kg/{p.as_posix()}" for p in _files(installed.src / "kg")]
    for folder, package in DATA_FOLDERS.items():
        expected += [f"{package}/{p.as_posix()}" for p in _files(installed.src / folder)]
    missing = [n for n in expected if n not in names]
    assert not missing, f"not in the wheel (pyproject.toml package-dir / package-data): {missing}"
    assert not [n for n in names if n.startswith(("schemas/", "queries/", "data/"))], "data folders at the top level"


def test_installed_package_is_the_wheel_and_loads_its_schema(installed: Installed) -> None:
    code = (
        "import json, kg, kg._schemas, kg._queries, kg._demo\n"
        "from kg.build import DEMO_CORPUS\n"
        "from kg.queries import QUERIES_DIR, list_queries\n"
        "from kg.schema import DEFAULT_SCHEMA_PATH, load_schema\n"
        "s = load_schema()\n"
        "print(json.dumps({'modules': [m.__file__ for m in (kg, kg._schemas, kg._queries, kg._demo)],\n"
        "    'paths': [str(DEFAULT_SCHEMA_PATH), str(QUERIES_DIR), str(DEMO_CORPUS)],\n"
        "    'demo_lines': len(DEMO_CORPUS.read_text(encoding='utf-8').splitlines()),\n"
        "    'schema': [s.version, sorted(s.nodes), sorted(s.relationships)], 'queries': len(list_queries())}))\n"
    )
    out = json.loads(installed.run(sys.executable, "-c", code).stdout.splitlines()[-1])
    site = installed.site.resolve()
    for path in out["modules"] + out["paths"]:
        assert Path(path).resolve().is_relative_to(site), f"{path} is not from the installed wheel in {site}"
    from kg.schema import load_schema

    repo_schema = load_schema(REPO / "schemas" / "medkg.yaml")
    assert out["schema"] == [repo_schema.version, sorted(repo_schema.nodes), sorted(repo_schema.relationships)]
    assert out["demo_lines"] == len((REPO / "data" / "demo" / "notes.jsonl").read_text(encoding="utf-8").splitlines())
    assert out["queries"] == len(list((REPO / "queries").glob("*.cypher")))


def test_installed_cli_lists_every_query(installed: Installed) -> None:
    from kg.queries import list_queries

    listed = set(re.findall(r"^(\w+):", installed.medkg("query", "--list").stdout, re.MULTILINE))
    expected = {spec.name for spec in list_queries(REPO / "queries")}
    assert len(expected) == len(list((REPO / "queries").glob("*.cypher")))
    assert listed == expected


def test_installed_cli_builds_a_store(installed: Installed) -> None:
    (installed.work / "note.txt").write_text(
        "The patient has hypertension and was started on lisinopril. She reports headache and dizziness.\n",
        encoding="utf-8",
    )
    overrides = ["gnn.enabled=false", "ner.name=dictionary", "linker.name=lexicon", "relations.name=rules"]
    proc = installed.medkg(
        "build", "note.txt", "--store", "store", "--no-seeds", "--json", *(a for o in overrides for a in ("--set", o))
    )
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    assert counts["documents"] == 1 and counts["mentions"] > 0 and counts["nodes"] > 0
    assert (installed.work / "store" / "graph.sqlite").is_file()
