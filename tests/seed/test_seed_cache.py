"""The seed cache (kg.seed.cache): a fresh store seeded from the cached image holds the rows a seed load gives."""

import json
import shutil
import sqlite3
import stat

import pytest

from kg.build import build
from kg.config import load_config
from kg.schema import load_schema
from kg.seed.cache import image_path, seed_cache_key
from kg.seed.loading import load_seeds
from kg.store.sqlite import SqliteStore

NOTES = [
    {"id": "n1", "text": "Started on lisinopril for hypertension. Denies chest pain."},
    {"id": "n2", "text": "Heart failure with dyspnea and edema. Warfarin interacts with amiodarone."},
]
#: Columns that hold the time or the id of the run that wrote a row (differ between any two builds).
RUN_COLUMNS = {"run_id", "started", "finished", "processed_at", "seen_at", "first_seen", "last_seen"}


def _config(seed_dir, *extra):
    return load_config(None, [f"seed.hetionet_dir={seed_dir}", "seed.hpo_annotations=false", *extra])


def _rows(store_dir, drop_run_columns=False):
    """Every table's rows, sorted (``drop_run_columns``: without the run ids and times)."""
    conn = sqlite3.connect(store_dir / "graph.sqlite")
    out = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT IN ('runs')"):
        cur = conn.execute(f"SELECT * FROM {table}")  # test-only SQL over the store's own table names
        cols = [d[0] for d in cur.description]
        keep = [i for i, c in enumerate(cols) if not (drop_run_columns and c in RUN_COLUMNS)]
        out[table] = sorted(tuple(r[i] for i in keep) for r in cur)
    # a group's token is random per write (kg.store.sqlite_tables.REVISION_DDL): tests/store/test_graph_revision.py
    out["graph_groups"] = sorted(r[:2] for r in out.get("graph_groups", []))  # groups, not their random tokens
    conn.close()
    return out


def _seed_report(store_dir):
    with SqliteStore(store_dir) as store:
        (details,) = [json.loads(r[0]) for r in store.conn.execute("SELECT details FROM runs WHERE kind = 'build'")]
    return details["seeds"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("MEDKG_SEED_CACHE_DIR", str(path))
    return path


def test_a_fresh_store_seeded_from_the_image_holds_the_rows_of_a_seed_load(tmp_path, seed_dir, cache, monkeypatch):
    config, schema = _config(seed_dir), load_schema()
    monkeypatch.setenv("MEDKG_SEED_CACHE_DIR", "off")
    with SqliteStore(tmp_path / "plain") as store:
        plain_report = load_seeds(store, schema, config)
    monkeypatch.setenv("MEDKG_SEED_CACHE_DIR", str(cache))
    with SqliteStore(tmp_path / "first") as store:  # loads, and leaves the image
        assert load_seeds(store, schema, config) == plain_report
    (image,) = cache.glob("seeded-*.sqlite")
    with SqliteStore(tmp_path / "cached") as store:
        store.begin_run("r1")  # a run record of the fresh store survives the copy
        assert load_seeds(store, schema, config) == plain_report
        assert [r[0] for r in store.conn.execute("SELECT run_id FROM runs")] == ["r1"]
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert plain_report["hetionet"]["edges"] > 0
    assert _rows(tmp_path / "cached") == _rows(tmp_path / "plain") == _rows(tmp_path / "first")
    assert stat.S_IMODE(image.stat().st_mode) == 0o600 and stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert [p.name for p in cache.iterdir()] == [image.name]  # no temporary file left beside it


def test_a_build_on_the_cached_seeds_gives_the_store_an_uncached_build_gives(tmp_path, seed_dir, cache, monkeypatch):
    corpus = tmp_path / "notes.jsonl"
    corpus.write_text("\n".join(json.dumps(n) for n in NOTES) + "\n", encoding="utf-8")
    config = _config(seed_dir, "gnn.enabled=false", "privacy.ids_are_safe=true")
    monkeypatch.setenv("MEDKG_SEED_CACHE_DIR", "off")
    build([corpus], config, store_dir=tmp_path / "plain")
    assert not cache.exists()
    monkeypatch.setenv("MEDKG_SEED_CACHE_DIR", str(cache))
    build([corpus], config, store_dir=tmp_path / "first")
    build([corpus], config, store_dir=tmp_path / "cached")
    plain = _rows(tmp_path / "plain", drop_run_columns=True)
    assert plain["edges"] and plain["evidence"] and plain["seed_edges"]
    assert _rows(tmp_path / "cached", drop_run_columns=True) == plain == _rows(tmp_path / "first", True)
    assert _seed_report(tmp_path / "cached") == _seed_report(tmp_path / "plain")
    # the image holds the seeds only: no document, run or quarantine row of the build that made it
    (image,) = cache.glob("seeded-*.sqlite")
    conn = sqlite3.connect(image)
    assert [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("documents", "runs", "evidence")] == [
        0,
        0,
        0,
    ]
    conn.close()


def test_a_store_with_content_is_never_seeded_from_an_image(tmp_path, seed_dir, cache):
    config, schema = _config(seed_dir), load_schema()
    with SqliteStore(tmp_path / "first") as store:
        load_seeds(store, schema, config)
    assert len(list(cache.glob("seeded-*.sqlite"))) == 1
    with SqliteStore(tmp_path / "other") as store:
        store.set_meta("seed:hetionet", "an older fingerprint")
        store.conn.execute("INSERT INTO nodes(id, label, name) VALUES ('DOID:1', 'Disease', 'x')")
        report = load_seeds(store, schema, config)
        assert isinstance(report["hetionet"], dict)  # loaded, not copied: the text node is still there
        assert store.conn.execute("SELECT name FROM nodes WHERE id = 'DOID:1'").fetchone() is not None
    assert len(list(cache.glob("seeded-*.sqlite"))) == 1  # and it left no image


def test_the_key_follows_the_seed_files_and_the_options(tmp_path, seed_dir):
    schema = load_schema()
    files = sorted(p for p in seed_dir.iterdir() if p.suffix in (".tsv", ".gz"))
    key = seed_cache_key(_config(seed_dir), schema, files)
    assert key == seed_cache_key(_config(seed_dir), schema, files)
    assert key != seed_cache_key(_config(seed_dir, "seed.max_edges_per_type=1"), schema, files)
    assert key != seed_cache_key(_config(seed_dir, "seed.hpo_annotations=true"), schema, files)
    changed = tmp_path / "changed"
    shutil.copytree(seed_dir, changed)
    nodes = next(p for p in sorted(changed.iterdir()) if p.suffix == ".tsv")
    nodes.write_text(nodes.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    moved = sorted(p for p in changed.iterdir() if p.suffix in (".tsv", ".gz"))
    assert seed_cache_key(_config(changed), schema, moved) != key
    assert image_path(key, tmp_path).parent == tmp_path


def test_a_damaged_image_is_ignored_and_the_seeds_are_loaded(tmp_path, seed_dir, cache):
    config, schema = _config(seed_dir), load_schema()
    files = sorted(p for p in seed_dir.iterdir() if p.suffix in (".tsv", ".gz"))
    path = image_path(seed_cache_key(config, schema, files))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database")
    with SqliteStore(tmp_path / "store") as store:
        report = load_seeds(store, schema, config)
        assert report["hetionet"]["edges"] > 0 and store.counts()["edges"]
