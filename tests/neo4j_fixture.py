"""Session-scoped pytest fixture providing a real Neo4j 5.26 server.

Import it from ``tests/conftest.py``::

    from tests.neo4j_fixture import neo4j_home, neo4j_server  # noqa: F401

Behaviour:

* If ``NEO4J_URI`` is set, that external server is used with ``NEO4J_USER``
  (default ``neo4j``) and ``NEO4J_PASSWORD``; nothing is started.
* Otherwise a local server is started with :mod:`kg.neo4j_server` under a temporary
  home on a free 127.0.0.1 port, with a test-only password, and stopped at the end
  of the session. The first run builds the launcher with Maven (needs Maven Central).

:func:`neo4j_home` gives a test that starts a server of its own (``medkg neo4j start``) a fresh
home and free port, so the session server is never disturbed, and stops whatever runs there after.

The ``neo4j`` marker means "talks to a real Neo4j server": :func:`check_neo4j_markers` (run at
collection by ``tests/conftest.py``) refuses a test that uses a server fixture without the marker,
and a marked test that uses none (unless it says ``@pytest.mark.neo4j(starts_server=True)``: it
starts the server itself, e.g. through a README flow). CI counts the marked tests that passed.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from kg import neo4j_server as server

TEST_PASSWORD = "medkg-test-pw"  # test-only credential for throw-away servers
SERVER_FIXTURES = ("neo4j_server", "neo4j_home")
"""Fixtures that give a test a real Neo4j server (or the place to start one)."""
logger = logging.getLogger(__name__)


def free_port() -> int:
    """Returns a currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Yields connection details of a running Neo4j server: ``uri``, ``user``, ``password``."""
    uri = os.environ.get("NEO4J_URI")
    if uri:
        yield {
            "uri": uri,
            "user": os.environ.get("NEO4J_USER", "neo4j"),
            "password": os.environ.get("NEO4J_PASSWORD", ""),
        }
        return

    home = tmp_path_factory.mktemp("neo4j-home")
    port = free_port()
    server.start(home, port=port, password=TEST_PASSWORD, timeout=300.0, fast_start=True)
    try:
        yield {"uri": server.bolt_uri(port), "user": server.USER, "password": TEST_PASSWORD, "home": str(home)}
    finally:
        server.stop(home)


@pytest.fixture
def neo4j_home(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """Yields ``(home, port)``: a fresh server home and a free port; a server left running there is stopped."""
    home = tmp_path / "neo4j-home"
    try:
        yield home, free_port()
    finally:
        server.stop(home)


def check_neo4j_markers(items: Sequence[pytest.Item]) -> None:
    """Fail the collection unless the ``neo4j`` marker sits exactly on the tests that talk to a real server.

    Raises:
        pytest.UsageError: naming each test that uses a server fixture unmarked, or is marked and uses none.
    """
    wrong = []
    for item in items:
        marker = item.get_closest_marker("neo4j")
        uses_server = any(name in getattr(item, "fixturenames", ()) for name in SERVER_FIXTURES)
        if uses_server and marker is None:
            wrong.append(f"{item.nodeid}: uses a Neo4j server fixture but has no `neo4j` marker")
        elif marker is not None and not uses_server and not marker.kwargs.get("starts_server"):
            wrong.append(
                f"{item.nodeid}: has the `neo4j` marker but uses no server fixture ({', '.join(SERVER_FIXTURES)})"
            )
    if wrong:
        raise pytest.UsageError("the `neo4j` marker means 'talks to a real Neo4j server':\n" + "\n".join(wrong))
