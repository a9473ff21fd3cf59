"""The seed cache: the seeded store of a configuration, kept once and copied into every fresh store (issue 22).

A fresh store's seed load (Hetionet parse, canonical edges, SQLite inserts, HPO) gives rows that depend
only on what :func:`seed_cache_key` digests: the seed files' content (SHA-256 of each Hetionet file),
the seed options (edge types, cap, HPO on/off and the version of hpo3, which embeds the HPO release), the schema file, the
store version and the source of the code that makes the rows (:data:`CODE_MODULES`). The first build
into a fresh store loads the seeds as before and saves the result as an image
(:func:`kg.store.sqlite_image.save_image`), ``seeded-<key>.sqlite`` in ``$MEDKG_SEED_CACHE_DIR``,
else the ``seeds/`` folder of the cache dir (:func:`kg.artifacts.default_cache_dir`: ``$MEDKG_CACHE_DIR``,
else ``~/.cache/medkg``); folders 0700, files 0600. Every later build into a fresh store with the same key copies that image in instead
(:func:`kg.store.sqlite_image.restore_image`): the same rows, the same seed report in the run record.

Invalidation is by key: any change to a seed file, an option, the schema, the store version or that
code gives another key, hence another file (old ones can be deleted at will). ``MEDKG_CACHE_DIR=off``
or ``MEDKG_SEED_CACHE_DIR=off`` disables the seed cache. A store that already holds anything is never seeded from an image (the ordinary,
fingerprinted seed load applies).
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import kg
from kg.artifacts import default_cache_dir
from kg.config import MedkgConfig
from kg.hashing import file_sha256, json_digest
from kg.logs import get_logger
from kg.schema import GraphSchema
from kg.store.sqlite import STORE_VERSION, SqliteStore
from kg.store.sqlite_image import is_pristine, restore_image, save_image

log = get_logger(__name__)

#: Bump to drop every existing image (a change of the image layout itself).
IMAGE_VERSION = "seed-image-1"
#: Modules (relative to the ``kg`` package) whose source decides the seeded rows; their bytes are in the key.
CODE_MODULES = (
    "seed/base.py",
    "seed/hetionet.py",
    "seed/hpo.py",
    "seed/loading.py",
    "assemble.py",
    "ids.py",
    "types.py",
    "store/sqlite.py",
    "store/sqlite_tables.py",
)
#: The image's meta key holding the seed report (what ``load_seeds`` returned when it made the image).
REPORT_KEY = "seed_image:report"


def seed_cache_key(config: MedkgConfig, schema: GraphSchema, hetionet_files: list[Path]) -> str:
    """The digest that names the seeded-store image of ``config`` (see the module docstring)."""
    package = Path(kg.__file__).resolve().parent
    hpo = None
    if config.seed.hpo_annotations:  # hpo3 embeds its HPO release: its version names the data
        import pyhpo

        hpo = pyhpo.__version__
    return json_digest(
        IMAGE_VERSION,
        STORE_VERSION,
        kg.__version__,
        schema.version,
        file_sha256(config.schema_path) if config.schema_path else None,
        [(p.name, file_sha256(p)) for p in hetionet_files],
        config.seed.hetionet_edge_types,
        config.seed.max_edges_per_type,
        hpo,
        [(m, file_sha256(package / m)) for m in CODE_MODULES],
    )


def seed_cache_dir() -> Path | None:
    """``$MEDKG_SEED_CACHE_DIR``, else ``seeds/`` in :func:`kg.artifacts.default_cache_dir` (None: off)."""
    env = os.environ.get("MEDKG_SEED_CACHE_DIR", "").strip()
    if env:
        return None if env.lower() in {"off", "none", "0", "false"} else Path(env).expanduser()
    base = default_cache_dir()
    return None if base is None else base / "seeds"


def image_path(key: str, cache_dir: Path | None = None) -> Path | None:
    """Where the image of ``key`` lives (None: the cache is off)."""
    base = cache_dir or seed_cache_dir()
    return None if base is None else base / f"seeded-{key[:32]}.sqlite"


def restore_seeds(store: SqliteStore, path: Path | None) -> dict[str, object] | None:
    """Seed the pristine ``store`` from the image at ``path``; its seed report, or None (no image, not pristine)."""
    if path is None or not path.is_file() or not is_pristine(store):
        return None
    try:
        meta = restore_image(store, path)
    except (ValueError, OSError, sqlite3.DatabaseError) as exc:  # a damaged or foreign file: the ordinary load
        log.warning("seed image %s not used (%s): loading the seeds", path, exc)
        return None
    store.conn.execute("DELETE FROM meta WHERE key = ?", (REPORT_KEY,))  # the image's, not the store's
    report: dict[str, object] = json.loads(meta.get(REPORT_KEY, "{}"))
    log.info("seeds copied from the cached image %s (%s)", path.name, json.dumps(report, sort_keys=True))
    return report


def save_seeds(store: SqliteStore, path: Path | None, report: dict[str, object]) -> None:
    """Keep the just-seeded ``store`` as the image at ``path`` when every configured seed was loaded."""
    if path is None or not report or not all(isinstance(v, dict) for v in report.values()):
        return
    try:
        save_image(store, path, {REPORT_KEY: json.dumps(report, sort_keys=True)})
    except (
        OSError,
        sqlite3.DatabaseError,
    ) as exc:  # the cache is an optimization: a read-only or full disk only costs time
        log.warning("seed image %s not written (%s)", path, exc)
        return
    log.info("seeded store kept as the image %s (%.0f MB)", path, path.stat().st_size / 1e6)
