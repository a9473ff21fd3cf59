"""Store images: a whole seeded store copied page by page into a fresh one (the seed cache, issue 22).

Loading the full curated seeds (Hetionet and HPO, about a million edges) into an empty store costs
tens of seconds of parsing and inserting; the rows it gives depend only on the seed files, the
schema and the code. :func:`save_image` copies a store that holds the seeds and nothing else into a
file with SQLite's online backup API, and :func:`restore_image` copies such a file into a *pristine*
store (no graph rows at all) the same way, in well under a second for a few hundred MB. The
restored store is row for row the one the seed load gives; its run records, quarantine and meta
keys other than the image's are the ones it had before.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

from kg.files import private_dir, touch_private
from kg.logs import get_logger
from kg.store.sqlite import STORE_VERSION, SqliteStore

log = get_logger(__name__)

#: Tables a pristine store has no row in (the graph). ``meta``, ``runs`` and ``quarantine`` may hold rows.
GRAPH_TABLES = ("nodes", "seed_edges", "edges", "documents", "mentions", "evidence", "hypotheses")
#: Tables whose rows are the store's own, kept across a restore (the image holds none).
KEPT_TABLES = ("runs", "quarantine")


def is_pristine(store: SqliteStore) -> bool:
    """True when no graph table of ``store`` holds a row (a fresh store; run records may exist)."""
    return not any(store.conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in GRAPH_TABLES)


def save_image(store: SqliteStore, path: Path, meta: dict[str, str]) -> Path:
    """Copy ``store`` into the image file ``path`` (mode 0600 in a 0700 folder), without its run records.

    The copy is written beside ``path`` and renamed onto it, so a reader never sees half a file and
    concurrent writers of the same image do not clash. ``meta`` is added to the image's meta table.

    Returns:
        ``path``.
    """
    private_dir(path.parent)
    tmp = touch_private(path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"))
    try:
        dst = sqlite3.connect(tmp, isolation_level=None)
        try:
            store.conn.backup(dst)
            dst.execute("BEGIN")
            for table in KEPT_TABLES:
                dst.execute(f"DELETE FROM {table}")
            dst.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", sorted(meta.items()))
            dst.execute("COMMIT")
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def restore_image(store: SqliteStore, path: Path) -> dict[str, str]:
    """Copy the image ``path`` into the pristine ``store``, keeping the store's run records and meta.

    Returns:
        The image's meta table (``store_version``, the seed fingerprints and what :func:`save_image` added).

    Raises:
        ValueError: ``store`` is not pristine, or the image is of another store version.
    """
    if not is_pristine(store):
        raise ValueError(f"{store.path}: only a store without graph rows can take a seed image")
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        image_meta = dict(src.execute("SELECT key, value FROM meta").fetchall())
        if image_meta.get("store_version") != STORE_VERSION:
            raise ValueError(f"{path}: image of store version {image_meta.get('store_version')}, not {STORE_VERSION}")
        kept = {t: store.conn.execute(f"SELECT * FROM {t}").fetchall() for t in KEPT_TABLES}
        # the store's own meta, less seed fingerprints (the image's say what it holds)
        own_meta = store.conn.execute("SELECT key, value FROM meta WHERE key NOT LIKE 'seed:%'").fetchall()
        src.backup(store.conn)
    finally:
        src.close()
    store.conn.execute("PRAGMA journal_mode=WAL")  # the image is a rollback-journal file; the store stays WAL
    with store.transaction():
        for table, rows in kept.items():
            store.conn.execute(f"DELETE FROM {table}")
            if rows:
                marks = ",".join("?" * len(rows[0]))
                store.conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        store.conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", own_meta)
        store.new_epoch()  # the page copy fired no trigger
    log.info("store %s: seeded from the image %s", store.path, path)
    return image_meta
