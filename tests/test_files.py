"""What medkg writes is readable by its owner only (kg/files.py): the store, every export, and the CLI's umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.export import FORMATS, export_checked
from kg.files import is_private, private_dir
from kg.schema import load_schema
from kg.store.sqlite import SqliteStore
from tests.test_export import snapshot  # noqa: F401  (fixture)


@pytest.fixture()
def open_umask() -> Iterator[None]:
    """A permissive umask, as a shared server may have: medkg must tighten its files anyway."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_the_store_folder_database_and_wal_are_owner_only(tmp_path: Path, open_umask: None) -> None:
    store_dir = tmp_path / "a" / "store"
    with SqliteStore(store_dir) as store:
        store.set_meta("probe", "1")
        written = sorted(p.name for p in store_dir.iterdir())
        assert "graph.sqlite" in written
        for p in store_dir.iterdir():
            assert _mode(p) == 0o600, (p.name, oct(_mode(p)))
    assert _mode(store_dir) == 0o700 and _mode(store_dir.parent) == 0o700


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_file_is_owner_only(tmp_path: Path, open_umask: None, snapshot, fmt: str) -> None:  # noqa: F811
    out = tmp_path / fmt
    paths, _ = export_checked(snapshot, load_schema(), fmt, out)
    assert paths
    assert _mode(out) == 0o700
    for p in out.rglob("*"):
        assert is_private(p), (p, oct(_mode(p)))


def test_private_dir_keeps_existing_parents_and_tightens_what_it_creates(tmp_path: Path, open_umask: None) -> None:
    parent = tmp_path / "shared"
    parent.mkdir(mode=0o755)
    os.chmod(parent, 0o755)
    made = private_dir(parent / "x" / "y")
    assert _mode(parent) == 0o755
    assert _mode(parent / "x") == 0o700 and _mode(made) == 0o700


def test_the_medkg_command_runs_under_umask_077(tmp_path: Path, open_umask: None) -> None:
    """Anything the CLI creates outside the store and exports (logs, models, Neo4j data) is owner-only too."""
    probe = (
        "import os, sys; from typer.testing import CliRunner; from kg.cli import app;"
        "r = CliRunner().invoke(app, ['query', '--list']); assert r.exit_code == 0, r.output;"
        "old = os.umask(0); print(oct(old))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0o77"
