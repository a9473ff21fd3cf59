"""Link prediction over the medical knowledge graph with a heterogeneous GNN (PyTorch Geometric).

Entry point: :func:`run_linkprediction`. Pure core: node and edge lists in, metrics and
:class:`kg.types.Hypothesis` objects out; no I/O.
"""

from .data import GraphIndex, build_graph
from .model import ENCODERS, DistMultDecoder, LinkPredictor, build_model
from .pipeline import LinkPredResult, model_version, run_linkprediction
from .split import LinkSplit, TargetUnavailable, split_target

__all__ = [
    "ENCODERS",
    "DistMultDecoder",
    "GraphIndex",
    "LinkPredResult",
    "LinkPredictor",
    "LinkSplit",
    "TargetUnavailable",
    "build_graph",
    "build_model",
    "model_version",
    "run_linkprediction",
    "split_target",
]
