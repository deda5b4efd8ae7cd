"""scikit-learn estimators: thin layers over the public functions of sktopo."""

from ._classifier import TopologicalClassifier
from ._image import simplify_image
from ._image_simplifier import TopoImageSimplifier
from ._point_cloud import optimize_point_cloud, optimize_point_clouds
from ._point_cloud_optimizer import PointCloudTopoOptimizer
from ._regressor import RegressionResult, TopologicalRegressor, topological_regression

__all__ = ["TopologicalRegressor", "TopologicalClassifier", "topological_regression",
           "RegressionResult", "TopoImageSimplifier", "simplify_image",
           "PointCloudTopoOptimizer", "optimize_point_cloud", "optimize_point_clouds"]
