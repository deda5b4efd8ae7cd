"""sktopo: topological optimization with plain numpy gradients, scikit-learn style."""

from .estimators import TopologicalClassifier, TopologicalRegressor
from .loss import TopologicalLoss

__version__ = "0.1.0.dev0"

__all__ = ["TopologicalLoss", "TopologicalRegressor", "TopologicalClassifier", "__version__"]
