"""Session-scoped pytest fixture providing a real Neo4j 5.26 server.

Import it from ``tests/conftest.py``::

    from tests.neo4j_fixture import neo4j_server  # noqa: F401

Behaviour:

* If ``NEO4J_URI`` is set, that external server is used with ``NEO4J_USER``
  (default ``neo4j``) and ``NEO4J_PASSWORD``; nothing is started.
* Otherwise a local server is started with :mod:`kg.neo4j_server` under a temporary
  home on a free 127.0.0.1 port, with a test-only password, and stopped at the end
  of the session. The first run builds the launcher with Maven (needs Maven Central).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator

import pytest

from kg import neo4j_server as server

TEST_PASSWORD = "medkg-test-pw"  # test-only credential for throw-away servers
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
