"""medkg: clinical and biomedical text to a medical knowledge graph, and reasoning over it."""

__version__ = "0.1.0"
