"""Link prediction over the medical knowledge graph with a heterogeneous GNN (PyTorch Geometric).

Entry point: :func:`run_linkprediction`. Pure core: node and edge lists in, metrics and
:class:`kg.types.Hypothesis` objects out; no I/O.
"""

from .baselines import BASELINES
from .data import GraphIndex, build_graph
from .metapaths import DEFAULT_METAPATHS, MetapathFeaturizer, PairFeatures, build_featurizer, pair_features
from .model import ENCODERS, DistMultDecoder, LinkPredictor, PairHead, build_model
from .pipeline import LinkPredResult, model_version, run_linkprediction
from .protocols import QueryScorer, degree_matched_negatives, evaluate_queries
from .split import LinkSplit, TargetUnavailable, split_target

__all__ = [
    "BASELINES",
    "DEFAULT_METAPATHS",
    "ENCODERS",
    "MetapathFeaturizer",
    "PairFeatures",
    "PairHead",
    "QueryScorer",
    "build_featurizer",
    "degree_matched_negatives",
    "evaluate_queries",
    "pair_features",
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
