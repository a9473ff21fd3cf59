"""Content hashes used for provenance and change detection."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def json_digest(*parts: object) -> str:
    """Hex SHA-256 of the parts as sorted-key JSON (``str`` for what JSON cannot hold): a fingerprint."""
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, default=str).encode())
    return h.hexdigest()


def folders_digest(folders: list[Path]) -> str:
    """Hex SHA-256 over every file of the folders: each folder's name, the file's relative path and content hash."""
    return json_digest(
        [
            [f.name, p.relative_to(f).as_posix(), file_sha256(p)]
            for f in folders
            for p in sorted(f.rglob("*"))
            if p.is_file()
        ]
    )
