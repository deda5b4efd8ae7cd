"""scikit-learn estimators: thin layers over the public functions of sktopo."""

from ._image import TopoImageSimplifier, simplify_image
from ._point_cloud import PointCloudTopoOptimizer, optimize_point_cloud, optimize_point_clouds

__all__ = ["TopoImageSimplifier", "simplify_image", "PointCloudTopoOptimizer",
           "optimize_point_cloud", "optimize_point_clouds"]
