"""sktopo: topological optimization with plain numpy gradients, scikit-learn style."""

from .estimators import PointCloudTopoOptimizer, TopoImageSimplifier
from .loss import TopologicalLoss
from .optim import stump_minimize

__version__ = "0.1.0.dev0"

__all__ = ["TopologicalLoss", "__version__", "stump_minimize", "TopoImageSimplifier",
           "PointCloudTopoOptimizer"]
