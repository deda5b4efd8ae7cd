"""sktopo: topological optimization with plain numpy gradients, scikit-learn style."""

from .estimators import (PointCloudTopoOptimizer, TopoImageSimplifier, TopologicalClassifier,
                         TopologicalRegressor)
from .loss import TopologicalLoss
from .optim import stump_minimize

__version__ = "0.1.0.dev0"

__all__ = ["PointCloudTopoOptimizer", "TopoImageSimplifier", "TopologicalClassifier",
           "TopologicalLoss", "TopologicalRegressor", "__version__", "stump_minimize"]
