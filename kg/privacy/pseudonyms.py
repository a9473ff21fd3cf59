"""Keyed pseudonyms for document ids and source paths, which often carry PHI.

Hospital file names and record ids hold MRNs, names and dates (``smith_john_4829133_2019-03-14.txt``).
Unless the user says its ids are safe (``privacy.ids_are_safe``: PubMed ids, an export that is
already de-identified), every document id becomes ``doc-`` and every input path ``src-`` followed by
an HMAC-SHA256 of the raw value under a secret key, so

- the same note always gets the same node-free id (re-runs are incremental, Neo4j loads idempotent),
- nobody without the key can test a guess ("is MRN 4829133 in this graph?"),
- whoever holds the key and the inputs can map a pseudonym back (``medkg ids``).

The key comes from the ``MEDKG_ID_KEY`` environment variable or ``privacy.id_key`` in the config
(a ``${env:...}`` reference, never the key itself); without either, one is generated on the first
build into ``<store>/id.key`` (mode 0600). Keep that file with the store: a new key renames every
document, so an incremental run would see them all as new.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from kg.files import private_dir, touch_private

#: The environment variable that holds the pseudonym key (any string of 16+ characters).
KEY_ENV = "MEDKG_ID_KEY"
#: The key file generated into the store folder when no key is configured.
KEY_FILE = "id.key"
_MIN_KEY_CHARS = 16


class PseudonymKeyError(ValueError):
    """The configured pseudonym key is too short to be a secret."""


@dataclass(frozen=True)
class Pseudonymizer:
    """Turns raw document ids and source paths into keyed pseudonyms; ``key=None`` keeps them raw.

    Args:
        key: The secret key, or None when ids and paths are declared safe.
    """

    key: bytes | None

    @property
    def active(self) -> bool:
        """Whether ids and paths are replaced (False when they were declared safe)."""
        return self.key is not None

    def _mac(self, kind: str, raw: str, n: int) -> str:
        assert self.key is not None
        return hmac.new(self.key, f"{kind}\0{raw}".encode(), hashlib.sha256).hexdigest()[:n]

    def doc_id(self, raw: str) -> str:
        """The id a document is stored under: ``doc-<20 hex>`` (80 bits), or ``raw`` when ids are safe."""
        return f"doc-{self._mac('doc', raw, 20)}" if self.key is not None else raw

    def path(self, raw: str | Path) -> str:
        """An input path as it may be stored and logged: ``src-<12 hex>``, or the path when safe."""
        return f"src-{self._mac('path', str(raw), 12)}" if self.key is not None else str(raw)

    def source(self, path: str | Path, line: int | None = None) -> str:
        """A document's source: its (pseudonymous) path, and its line in the file when it has one."""
        return self.path(path) if line is None else f"{self.path(path)}:{line}"


#: Keeps ids and paths as they are (for inputs whose ids are known to be safe, and for tests of ingest).
IDENTITY = Pseudonymizer(None)


def _check(key: str, where: str) -> bytes:
    if len(key.strip()) < _MIN_KEY_CHARS:
        raise PseudonymKeyError(f"the pseudonym key from {where} is shorter than {_MIN_KEY_CHARS} characters")
    return key.strip().encode()


def load_key(store_dir: str | Path, configured: str | None = None) -> bytes:
    """The pseudonym key: ``configured``, else ``$MEDKG_ID_KEY``, else ``<store_dir>/id.key`` (created when missing).

    Raises:
        PseudonymKeyError: A configured, environment or key-file key is under 16 characters.
    """
    if configured:
        return _check(configured, "the config (privacy.id_key)")
    if os.environ.get(KEY_ENV):
        return _check(os.environ[KEY_ENV], f"${KEY_ENV}")
    path = private_dir(store_dir) / KEY_FILE
    if not path.exists() or not path.read_text(encoding="ascii").strip():
        touch_private(path)
        path.write_text(secrets.token_hex(32) + "\n", encoding="ascii")
    return _check(path.read_text(encoding="ascii"), str(path))


def pseudonymizer(store_dir: str | Path, ids_are_safe: bool = False, configured: str | None = None) -> Pseudonymizer:
    """The pseudonymizer of a store: keyed (see :func:`load_key`), or :data:`IDENTITY` when ``ids_are_safe``."""
    return IDENTITY if ids_are_safe else Pseudonymizer(load_key(store_dir, configured))
