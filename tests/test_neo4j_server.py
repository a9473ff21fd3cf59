"""The local Neo4j server: authentication works and is enforced, and a password is required."""

from __future__ import annotations

import subprocess

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

from kg import neo4j_launcher
from kg import neo4j_server as server
from tests.neo4j_fixture import check_neo4j_markers


@pytest.mark.neo4j
def test_query_with_auth(neo4j_server):
    with GraphDatabase.driver(neo4j_server["uri"], auth=(neo4j_server["user"], neo4j_server["password"])) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one")
    assert records[0]["one"] == 1


@pytest.mark.neo4j
def test_wrong_password_is_rejected(neo4j_server):
    with GraphDatabase.driver(neo4j_server["uri"], auth=(neo4j_server["user"], "not-the-password")) as driver:
        with pytest.raises(AuthError):
            driver.verify_connectivity()
    # A successful login afterwards resets Neo4j's failed-attempt counter for later tests.
    with GraphDatabase.driver(neo4j_server["uri"], auth=(neo4j_server["user"], neo4j_server["password"])) as driver:
        driver.verify_connectivity()


# The two tests below contact no server: they are plain tests, not `neo4j` ones (the CI guard counts those).
def test_start_without_password_raises(tmp_path, monkeypatch):
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    with pytest.raises(RuntimeError, match="NEO4J_PASSWORD"):
        server.start(tmp_path / "home", port=1, password=None, timeout=1.0)
    assert not (tmp_path / "home").exists()
    assert server.status(tmp_path / "home")["running"] is False


def test_launcher_refuses_to_start_without_password(tmp_path, monkeypatch):
    neo4j_launcher.build_launcher()
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    cmd = neo4j_launcher.launcher_command(tmp_path / "home", port=1)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "NEO4J_PASSWORD" in proc.stderr


class _Item:
    def __init__(self, nodeid: str, fixtures: tuple[str, ...], marker: pytest.Mark | None) -> None:
        self.nodeid, self.fixturenames, self._marker = nodeid, fixtures, marker

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return self._marker if name == "neo4j" else None


def test_the_neo4j_marker_must_sit_exactly_on_tests_that_talk_to_a_server():
    marked = pytest.mark.neo4j.mark
    fine = [
        _Item("a", ("neo4j_server", "tmp_path"), marked),
        _Item("b", ("neo4j_home",), marked),
        _Item("c", ("tmp_path",), None),
        _Item("d", (), pytest.mark.neo4j(starts_server=True).mark),
    ]
    check_neo4j_markers(fine)
    for wrong in (_Item("e", ("tmp_path",), marked), _Item("f", ("neo4j_server",), None)):
        with pytest.raises(pytest.UsageError, match=f"{wrong.nodeid}: "):
            check_neo4j_markers([*fine, wrong])
