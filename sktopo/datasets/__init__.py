"""Synthetic inputs with known topology."""

from ._images import make_blobs_image
from ._point_clouds import make_horseshoe, make_two_clusters
from ._stump import load_stump_image

__all__ = ["load_stump_image", "make_blobs_image", "make_horseshoe", "make_two_clusters"]
