"""Synthetic inputs with known topology, and the STUMP paper's images."""

from ._images import make_blobs_image
from ._point_clouds import make_horseshoe, make_two_clusters
from ._regression import (boxcar_coef, make_boxcar_regression, make_cluster_regression,
                          make_ring_regression, make_sawtooth_regression,
                          make_sinusoid_regression, ring_coef, sawtooth_coef, sinusoid_coef)
from ._stump import load_stump_image

__all__ = ["load_stump_image", "make_blobs_image", "make_horseshoe", "make_two_clusters",
           "make_cluster_regression", "make_sawtooth_regression", "make_boxcar_regression",
           "make_sinusoid_regression", "make_ring_regression", "sawtooth_coef",
           "boxcar_coef", "sinusoid_coef", "ring_coef"]
