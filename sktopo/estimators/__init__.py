"""scikit-learn estimators: thin layers over the public functions of sktopo."""

from ._image import TopoImageSimplifier, simplify_image

__all__ = ["TopoImageSimplifier", "simplify_image"]
