"""Build and command line of the Java launcher that runs a local Neo4j 5.26 server.

The launcher (``tools/neo4j-launcher``) is a tiny Java program whose only dependency,
``org.neo4j:neo4j``, comes from Maven Central. :func:`build_launcher` compiles it once with Maven;
:func:`launcher_command` gives the ``java`` command line that runs it. Starting, stopping and
watching the server process is :mod:`kg.neo4j_server`'s job.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from kg.logs import get_logger

logger = get_logger(__name__)

DEFAULT_PORT = 7687
"""The Bolt port a local server listens on unless told otherwise."""

NEO4J_VERSION = "5.26.31"
"""Neo4j version the launcher is built against (see ``tools/neo4j-launcher/pom.xml``)."""

MAIN_CLASS = "org.medkg.launcher.Neo4jLauncher"

#: JVM options needed by Neo4j 5.26 on Java 17 plus modest memory settings.
DEFAULT_JAVA_OPTS: tuple[str, ...] = (
    "-Xms512m",
    "-Xmx1g",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
)

#: Extra JVM options that roughly halve start-up time on small machines (C1 JIT only);
#: good for tests and short sessions, slower for long, heavy workloads.
FAST_START_JAVA_OPTS: tuple[str, ...] = ("-XX:TieredStopAtLevel=1",)

#: ``neo4j-admin``'s entry point, in ``neo4j-command-line`` (a dependency of ``org.neo4j:neo4j``).
ADMIN_CLASS = "org.neo4j.cli.AdminTool"

#: JVM options of ``neo4j-admin`` runs (the bulk importer keeps its big buffers off-heap).
ADMIN_JAVA_OPTS: tuple[str, ...] = ("-Xms256m", "-Xmx1g", *DEFAULT_JAVA_OPTS[2:])

_BUILD_STAMP = ".medkg-built"


def repo_root() -> Path:
    """Returns the repository root (the parent of the ``kg`` package directory).

    Returns:
        Absolute path of the repository root.
    """
    return Path(__file__).resolve().parent.parent


def _launcher_dir(root: Path | None) -> Path:
    return (root or repo_root()) / "tools" / "neo4j-launcher"


def _is_built(launcher: Path) -> bool:
    target = launcher / "target"
    stamp = target / _BUILD_STAMP
    main_class = target / "classes" / Path(*MAIN_CLASS.split(".")).with_suffix(".class")
    lib = target / "lib"
    if not (stamp.is_file() and main_class.is_file() and lib.is_dir()):
        return False
    if not any(lib.glob(f"neo4j-{NEO4J_VERSION}.jar")):
        return False
    built_at = stamp.stat().st_mtime
    sources = [launcher / "pom.xml", *(launcher / "src").rglob("*.java")]
    return all(src.stat().st_mtime <= built_at for src in sources if src.is_file())


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - non-POSIX
            yield
            return
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def build_launcher(repo_root: Path | None = None) -> Path:
    """Builds the Java launcher with Maven unless it is already built.

    Runs ``mvn -q -B -f tools/neo4j-launcher/pom.xml package
    dependency:copy-dependencies`` which compiles the launcher into
    ``target/classes`` and copies Neo4j and its dependencies into ``target/lib``.
    Idempotent: skipped when the build output is present and newer than the
    sources. Concurrent callers are serialised with a file lock.

    Args:
        repo_root: Repository root; defaults to the parent of the ``kg`` package.

    Returns:
        The launcher directory (``<repo root>/tools/neo4j-launcher``).

    Raises:
        RuntimeError: If Maven is missing or the build fails.
    """
    launcher = _launcher_dir(repo_root)
    if _is_built(launcher):
        return launcher
    if not (launcher / "pom.xml").is_file():
        raise RuntimeError(f"Neo4j launcher sources not found at {launcher}")
    with _file_lock(launcher / "target" / ".build.lock"):
        if _is_built(launcher):
            return launcher
        mvn = shutil.which("mvn")
        if mvn is None:
            raise RuntimeError("Maven ('mvn') is required to build the Neo4j launcher but was not found on PATH")
        cmd = [mvn, "-q", "-B", "-f", str(launcher / "pom.xml"), "package", "dependency:copy-dependencies"]
        logger.info("Building the Neo4j %s launcher: %s", NEO4J_VERSION, " ".join(cmd))
        t0 = time.monotonic()
        proc = subprocess.run(cmd, cwd=launcher, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if proc.returncode != 0:
            output = (proc.stdout + proc.stderr)[-4000:]
            raise RuntimeError(f"Building the Neo4j launcher failed (exit {proc.returncode}):\n{output}")
        (launcher / "target" / _BUILD_STAMP).write_text(NEO4J_VERSION + "\n")
        logger.info("Built the Neo4j launcher in %.1f s", time.monotonic() - t0)
    return launcher


def launcher_command(
    home: Path,
    port: int = DEFAULT_PORT,
    java_opts: Sequence[str] = DEFAULT_JAVA_OPTS,
    repo_root: Path | None = None,
) -> list[str]:
    """Returns the command line that runs the launcher (it holds no password).

    Args:
        home: Server home directory.
        port: Bolt port.
        java_opts: JVM options.
        repo_root: Repository root; defaults to the parent of the ``kg`` package.

    Returns:
        The argument vector, starting with the ``java`` executable.

    Raises:
        RuntimeError: If no ``java`` executable is found.
    """
    launcher = _launcher_dir(repo_root)
    java = _find_java()
    classpath = os.pathsep.join([str(launcher / "target" / "classes"), str(launcher / "target" / "lib" / "*")])
    return [java, *java_opts, "-cp", classpath, MAIN_CLASS, "--home", str(home), "--port", str(port)]


def run_admin(home: Path, args: Sequence[str], log_path: Path, timeout: float | None = None) -> None:
    """Runs ``neo4j-admin ARGS`` (from the launcher's Maven jars) on the server home ``home``.

    The server must not run on ``home`` (the admin tool writes its store files). Output goes to
    ``log_path``.

    Args:
        home: Server home directory (``NEO4J_HOME`` of the admin tool).
        args: Arguments after ``neo4j-admin``, e.g. ``["database", "import", "full", ...]``.
        log_path: File that receives the tool's stdout and stderr.
        timeout: Seconds before the tool is killed (``None``: no limit).

    Raises:
        RuntimeError: If Java or the build is missing, or the tool fails or times out (the message
            holds the tail of its output).
    """
    launcher = build_launcher()
    classpath = os.pathsep.join([str(launcher / "target" / "classes"), str(launcher / "target" / "lib" / "*")])
    cmd = [_find_java(), *ADMIN_JAVA_OPTS, "-cp", classpath, ADMIN_CLASS, *args]
    env = {k: v for k, v in os.environ.items() if k not in ("NEO4J_CONF", "NEO4J_PASSWORD")}
    env["NEO4J_HOME"] = str(home)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logger.info("Running neo4j-admin %s on %s", " ".join(args[:3]), home)
    t0 = time.monotonic()
    with open(log_path, "wb") as log_fh:
        try:
            proc = subprocess.run(
                cmd,
                cwd=home,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_fh,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"neo4j-admin {' '.join(args[:3])} ran over {timeout} s (log: {log_path})") from exc
    if proc.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"neo4j-admin {' '.join(args[:3])} failed (exit {proc.returncode}):\n{tail}")
    logger.info("neo4j-admin %s done in %.1f s", " ".join(args[:3]), time.monotonic() - t0)


def _find_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("Java 17+ ('java') is required to run Neo4j but was not found (PATH / JAVA_HOME)")
    return java
