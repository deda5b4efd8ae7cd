"""scikit-learn estimators: thin layers over the public functions of sktopo."""

from ._classifier import TopologicalClassifier
from ._regressor import RegressionResult, TopologicalRegressor, topological_regression

__all__ = ["TopologicalRegressor", "TopologicalClassifier", "topological_regression",
           "RegressionResult"]
