"""Files medkg writes hold graph content derived from clinical text: readable by their owner only.

Folders medkg creates get mode 0700 and files 0600 (the store, its WAL and shared-memory files, every
export file). The ``medkg`` command also sets the process umask to 077, so anything else it creates
(logs, models, Neo4j data) is owner-only too. Existing folders given by the user (for example the
parent of ``--out``) keep their modes; only what medkg creates or writes is tightened.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PRIVATE_UMASK = 0o077


def private_dir(path: str | Path) -> Path:
    """Create ``path`` (and missing parents) as owner-only folders; tighten ``path`` itself if it exists."""
    p = Path(path)
    missing = [q for q in (p, *p.parents) if not q.exists()]
    p.mkdir(parents=True, exist_ok=True)
    for q in (p, *missing):
        os.chmod(q, PRIVATE_DIR_MODE)
    return p


def private_files(paths: Iterable[str | Path]) -> None:
    """Make each existing file owner-read/write only (folders among them owner-only)."""
    for path in paths:
        p = Path(path)
        if p.is_dir():
            os.chmod(p, PRIVATE_DIR_MODE)
        elif p.exists():
            os.chmod(p, PRIVATE_FILE_MODE)


def touch_private(path: str | Path) -> Path:
    """Create ``path`` empty with mode 0600 when missing (before another library opens it), else tighten it."""
    p = Path(path)
    fd = os.open(p, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE)
    os.close(fd)
    os.chmod(p, PRIVATE_FILE_MODE)
    return p


def is_private(path: str | Path) -> bool:
    """No permission bit for group or others."""
    return stat.S_IMODE(Path(path).stat().st_mode) & 0o077 == 0
