"""The local Neo4j server: authentication works and is enforced, and a password is required."""

from __future__ import annotations

import subprocess

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

from kg import neo4j_server as server


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
    server.build_launcher()
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    cmd = server.launcher_command(tmp_path / "home", port=1)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "NEO4J_PASSWORD" in proc.stderr
