"""One writer per store: an advisory lock on ``<store>/lock`` held for the whole run (issue 21).

Two scheduled runs on one store would interleave their checkpoints and retractions, so a run that
writes (``build``, ``demo``, ``retract``, a pipeline run) takes the lock first and a second one stops
with :class:`StoreBusy`, which names the holder's process id and start time (no paths beyond the
store's own, no document ids).

The lock is ``fcntl.flock`` on an owner-only file: the kernel releases it when the holding process
ends, however it ends (``kill -9`` included), so a stale lock of a dead process is simply taken
over by the next run; no pid probing or timeout is needed. The file's content (pid, start time) is
informational. Readers (exports, queries, Neo4j loads) take no lock: SQLite's WAL mode gives each
read transaction a consistent snapshot while a run commits (:meth:`kg.store.sqlite.SqliteStore.snapshot`).
POSIX only (``fcntl``), as medkg's supported platforms.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from kg.files import private_dir, touch_private
from kg.logs import get_logger

log = get_logger(__name__)

LOCK_NAME = "lock"


class StoreBusy(RuntimeError):
    """Another process holds the store's lock."""


class StoreLock:
    """The exclusive lock of a store folder; a context manager. Re-entrant within one object, not across objects."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._fd is not None

    def acquire(self) -> StoreLock:
        """Take the lock without waiting.

        Raises:
            StoreBusy: another process holds it; the message names its pid and start time.
        """
        if self._fd is not None:
            return self
        private_dir(self.directory)
        fd = os.open(touch_private(self.path), os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown process"
            os.close(fd)
            raise StoreBusy(
                f"another medkg run is writing to {self.directory} ({holder}); wait for it to end"
                " (a run killed without ending releases the lock with its process)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {datetime.now(UTC).replace(microsecond=0).isoformat()}".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Give the lock back (a no-op when not held)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def holder(self) -> str | None:
        """Who holds the lock (its pid and start time), or None when free, without ever taking it.

        Reads the kernel's lock table (``/proc/locks``, Linux) for a ``FLOCK`` on this file's inode,
        so a status query never makes a run that starts at the same instant find the store busy.
        Where that table does not exist, it tries the lock for an instant instead.
        """
        if not self.path.exists():
            return None
        st = self.path.stat()
        try:
            table = Path("/proc/locks").read_text(encoding="ascii", errors="replace")
        except OSError:
            return self._probe()
        for line in table.splitlines():
            fields = line.split()
            if len(fields) < 6 or fields[1] != "FLOCK":
                continue
            try:
                major, minor, inode = fields[5].split(":")
                same = (int(major, 16), int(minor, 16), int(inode)) == (
                    os.major(st.st_dev),
                    os.minor(st.st_dev),
                    st.st_ino,
                )
            except ValueError:
                continue
            if same:
                return self.path.read_text(encoding="utf-8", errors="replace").strip() or f"pid {fields[4]}"
        return None

    def _probe(self) -> str | None:
        other = StoreLock(self.directory)
        try:
            other.acquire()
        except StoreBusy as exc:
            return str(exc)
        other.release()
        return None

    def __enter__(self) -> StoreLock:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
