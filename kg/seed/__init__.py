"""Curated seed graphs (Hetionet, HPO annotations) that text-derived edges are merged into."""

from kg.seed.base import MissingSeedFileError, SeedError, SeedGraph

__all__ = ["MissingSeedFileError", "SeedError", "SeedGraph"]
