"""Manage a local, real Neo4j 5.26 LTS server for development and tests.

The server is an embedded Neo4j Community DBMS run by a tiny Java launcher
(``tools/neo4j-launcher``, built and started through :mod:`kg.neo4j_launcher`) whose only
dependency, ``org.neo4j:neo4j``, comes from Maven Central. Building needs Maven and network
access to Maven Central once; running needs only Java 17+.

The launcher binds Bolt to ``127.0.0.1`` only, enables authentication and takes
the password of the ``neo4j`` user from the ``NEO4J_PASSWORD`` environment
variable (never from the command line). Files in the server home directory:

* ``data/``, ``logs/``: Neo4j's own store and logs (``logs/debug.log``);
* ``logs/launcher.log``: the launcher JVM's stdout and stderr;
* ``neo4j.pid``: pid of the launcher JVM while it runs;
* ``ready``: present once Bolt accepts a login with the password;
* ``neo4j.port``: the Bolt port the server was last started on.

Example:
    >>> from kg import neo4j_server
    >>> pid = neo4j_server.start(port=7687)  # password from NEO4J_PASSWORD
    >>> neo4j_server.status()["running"]
    True
    >>> neo4j_server.stop()
    True

Also usable from the shell: ``python -m kg.neo4j_server start|stop|status|build``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from kg.logs import get_logger
from kg.neo4j_launcher import (
    DEFAULT_JAVA_OPTS,
    DEFAULT_PORT,
    FAST_START_JAVA_OPTS,
    MAIN_CLASS,
    NEO4J_VERSION,
    build_launcher,
    launcher_command,
    repo_root,
)

logger = get_logger(__name__)

USER = "neo4j"
LISTEN_ADDRESS = "127.0.0.1"
MIN_PASSWORD_LENGTH = 8
"""Neo4j's default ``dbms.security.auth_minimum_password_length``."""

_READY = "ready"
_PID = "neo4j.pid"
_PORT = "neo4j.port"
_LOG = Path("logs") / "launcher.log"

# Launcher processes started by this Python process, so they can be reaped.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


# --------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------


def default_home() -> Path:
    """Returns the default server home directory.

    Returns:
        ``$MEDKG_NEO4J_HOME`` if set and non-empty, else ``<repo root>/.neo4j``.
    """
    env = os.environ.get("MEDKG_NEO4J_HOME")
    return Path(env).expanduser().resolve() if env else repo_root() / ".neo4j"


def bolt_uri(port: int = DEFAULT_PORT) -> str:
    """Returns the Bolt URI of a local server.

    Args:
        port: Bolt port.

    Returns:
        A ``bolt://127.0.0.1:PORT`` URI.
    """
    return f"bolt://{LISTEN_ADDRESS}:{port}"


def _resolve_home(home: Path | str | None) -> Path:
    return Path(home).expanduser().resolve() if home is not None else default_home()


# --------------------------------------------------------------------------------------
# Process helpers
# --------------------------------------------------------------------------------------


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _read_ready(home: Path) -> dict[str, str] | None:
    try:
        text = (home / _READY).read_text()
    except OSError:
        return None
    info: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            info[key.strip()] = value.strip()
    return info


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a live (non-zombie) launcher process."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        _CHILDREN.pop(pid, None)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc_dir = Path("/proc") / str(pid)
    if proc_dir.is_dir():
        try:
            state = (proc_dir / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if state in ("Z", "X"):
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
                return False
            cmdline = (proc_dir / "cmdline").read_bytes()
            if MAIN_CLASS.encode() not in cmdline:
                return False  # pid reused by an unrelated process
        except (OSError, IndexError):
            pass
    return True


def _live_pid(home: Path) -> int | None:
    pid = _read_int(home / _PID)
    return pid if pid is not None and _pid_alive(pid) else None


def _clear_markers(home: Path) -> None:
    for name in (_READY, _PID):
        with contextlib.suppress(FileNotFoundError):
            (home / name).unlink()


def _log_tail(home: Path, lines: int = 40) -> str:
    """The launcher's own error lines (if any) followed by the last ``lines`` lines of its log."""
    try:
        all_lines = (home / _LOG).read_text(errors="replace").splitlines()
    except OSError:
        return "(no launcher log)"
    errors = [line for line in all_lines[-500:] if line.startswith("neo4j-launcher: ")]
    summary = f"{errors[-1]}\n--- {home / _LOG} (tail) ---\n" if errors else ""
    return summary + "\n".join(all_lines[-lines:])


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LISTEN_ADDRESS, port))
        except OSError:
            return False
    return True


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return True
        time.sleep(0.2)
    return not _pid_alive(pid)


def _verify_bolt(uri: str, password: str) -> None:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, auth=(USER, password)) as driver:
        driver.verify_connectivity()


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def start(
    home: Path | None = None,
    port: int = DEFAULT_PORT,
    password: str | None = None,
    timeout: float = 180.0,
    *,
    java_opts: Sequence[str] | None = None,
    fast_start: bool = False,
) -> int:
    """Starts the local Neo4j server in the background, or finds it running.

    The JVM is started detached (its own session) with its output in
    ``HOME/logs/launcher.log``. The password reaches it through the
    environment only. Returns once the launcher's ready marker exists and the
    official Python driver can connect and authenticate.

    Args:
        home: Server home directory; defaults to :func:`default_home`.
        port: Bolt port on 127.0.0.1.
        password: Password of the ``neo4j`` user; defaults to ``$NEO4J_PASSWORD``.
            On a home created with another password, the new one replaces it.
        timeout: Seconds to wait for the server to become ready.
        java_opts: JVM options; defaults to :data:`DEFAULT_JAVA_OPTS`.
        fast_start: Add :data:`FAST_START_JAVA_OPTS` (quicker start, C1 JIT only).

    Returns:
        The pid of the launcher JVM.

    Raises:
        RuntimeError: If no password is given, the build fails, the JVM exits
            early or the server is not ready within ``timeout`` (the message
            includes the tail of the launcher log).
    """
    password = _password(password)
    home = _resolve_home(home)
    deadline = time.monotonic() + timeout

    pid = _live_pid(home)
    if pid is not None:
        _join_running(home, pid, port, password, deadline)
        return pid
    _clear_markers(home)
    if not _port_free(port):
        raise RuntimeError(f"Cannot start Neo4j: port {port} on {LISTEN_ADDRESS} is already in use")

    opts = list(DEFAULT_JAVA_OPTS if java_opts is None else java_opts)
    if fast_start:
        opts.extend(FAST_START_JAVA_OPTS)
    proc = _spawn(home, port, password, opts)
    t0 = time.monotonic()
    try:
        _wait_ready(home, proc.pid, port, password, deadline, proc=proc)
    except BaseException:
        _kill(proc.pid, grace=10.0)
        raise
    logger.info("Neo4j ready at %s (pid %d) after %.1f s", bolt_uri(port), proc.pid, time.monotonic() - t0)
    return proc.pid


def _password(password: str | None) -> str:
    """The given password, else ``$NEO4J_PASSWORD``; refuses none or one shorter than Neo4j accepts."""
    password = password if password else os.environ.get("NEO4J_PASSWORD")
    if not password:
        raise RuntimeError(
            "No Neo4j password: pass password=... or set the NEO4J_PASSWORD environment variable "
            "(the server refuses to start without one)"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuntimeError(f"The Neo4j password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password


def _join_running(home: Path, pid: int, port: int, password: str, deadline: float) -> None:
    """A launcher already runs in ``home``: return at once if it is ready, else wait until it is."""
    if (home / _READY).is_file():
        running_port = (_read_ready(home) or {}).get("port")
        if running_port and running_port != str(port):
            logger.warning("Neo4j already running at %s on port %s (not the requested %d)", home, running_port, port)
        logger.info("Neo4j already running at %s (pid %d)", home, pid)
        return
    logger.info("Neo4j at %s is starting (pid %d); waiting for it", home, pid)
    _wait_ready(home, pid, port, password, deadline, proc=None)


def _spawn(home: Path, port: int, password: str, java_opts: Sequence[str]) -> subprocess.Popen[bytes]:
    """Start the launcher JVM detached (its own session), output to the launcher log, password in its environment."""
    launcher = build_launcher()
    cmd = launcher_command(home, port, java_opts, repo_root=launcher.parent.parent)

    (home / _LOG).parent.mkdir(parents=True, exist_ok=True)
    (home / _PORT).write_text(f"{port}\n")
    env = dict(os.environ)
    env["NEO4J_PASSWORD"] = password
    logger.info("Starting Neo4j %s at %s on %s", NEO4J_VERSION, home, bolt_uri(port))
    with open(home / _LOG, "ab") as log_fh:
        proc = subprocess.Popen(
            cmd,
            cwd=home,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    return proc


def _wait_ready(
    home: Path,
    pid: int,
    port: int,
    password: str,
    deadline: float,
    proc: subprocess.Popen[bytes] | None,
) -> None:
    last_error: Exception | None = None
    while True:
        exited = proc.poll() is not None if proc is not None else not _pid_alive(pid)
        if exited:
            code = f" with exit code {proc.returncode}" if proc is not None else ""
            raise RuntimeError(f"Neo4j launcher exited early{code}:\n{_log_tail(home)}")
        info = _read_ready(home)
        if info is not None and info.get("pid") == str(pid):
            uri = bolt_uri(int(info.get("port", port)))
            try:
                _verify_bolt(uri, password)
                return
            except Exception as exc:  # noqa: BLE001 - reported below on timeout
                from neo4j.exceptions import AuthError

                if isinstance(exc, AuthError):
                    raise RuntimeError(
                        f"Neo4j at {home} rejected the given password (it runs with another one)"
                    ) from exc
                last_error = exc
        if time.monotonic() >= deadline:
            detail = f" (last connection error: {last_error!r})" if last_error else ""
            raise RuntimeError(f"Neo4j did not become ready in time{detail}:\n{_log_tail(home)}")
        time.sleep(0.25)


def _kill(pid: int, grace: float) -> None:
    _signal(pid, signal.SIGTERM)
    if not _wait_exit(pid, grace):
        logger.warning("Neo4j (pid %d) did not stop within %.0f s; killing it", pid, grace)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        _signal(pid, signal.SIGKILL)
        _wait_exit(pid, 10.0)
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=1.0)


def stop(home: Path | None = None, timeout: float = 60.0) -> bool:
    """Stops the server: SIGTERM (clean shutdown), then SIGKILL after ``timeout``.

    Args:
        home: Server home directory; defaults to :func:`default_home`.
        timeout: Seconds to wait for a clean shutdown before killing.

    Returns:
        True if a server was running, False otherwise.
    """
    home = _resolve_home(home)
    pid = _live_pid(home)
    if pid is None:
        _clear_markers(home)
        return False
    logger.info("Stopping Neo4j at %s (pid %d)", home, pid)
    t0 = time.monotonic()
    _kill(pid, grace=timeout)
    _clear_markers(home)
    logger.info("Neo4j stopped after %.1f s", time.monotonic() - t0)
    return True


def status(home: Path | None = None) -> dict[str, object]:
    """Reports the state of the server in ``home``.

    Args:
        home: Server home directory; defaults to :func:`default_home`.

    Returns:
        A dict with ``running`` (the launcher process is alive), ``ready``
        (Bolt accepts the password), ``pid``, ``port``, ``uri`` and ``home``.
    """
    home = _resolve_home(home)
    pid = _live_pid(home)
    ready = pid is not None and (home / _READY).is_file()
    info = _read_ready(home) if ready else None
    port: int | None = None
    if info and info.get("port", "").isdigit():
        port = int(info["port"])
    elif pid is not None:
        port = _read_int(home / _PORT)
    return {
        "running": pid is not None,
        "ready": ready,
        "pid": pid,
        "port": port,
        "uri": bolt_uri(port) if port else None,
        "home": str(home),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``python -m kg.neo4j_server {build,start,stop,status}``.

    Args:
        argv: Arguments (defaults to ``sys.argv[1:]``).

    Returns:
        Process exit code.
    """
    parser = argparse.ArgumentParser(prog="python -m kg.neo4j_server", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["build", "start", "stop", "status"])
    parser.add_argument("--home", type=Path, default=None, help="server home (default: $MEDKG_NEO4J_HOME or .neo4j)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--timeout", type=float, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.action == "build":
            build_launcher()
        elif args.action == "start":
            start(args.home, port=args.port, timeout=args.timeout or 180.0)
        elif args.action == "stop":
            stop(args.home, timeout=args.timeout or 60.0)
    except RuntimeError as exc:
        logger.error("%s", exc)
        return 1
    sys.stdout.write(json.dumps(status(args.home)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
