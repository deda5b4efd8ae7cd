"""Synthetic inputs with known topology."""

from ._images import make_blobs_image
from ._regression import (boxcar_coef, make_boxcar_regression, make_cluster_regression,
                          make_ring_regression, make_sawtooth_regression, ring_coef,
                          sawtooth_coef)

__all__ = ["make_blobs_image", "make_cluster_regression", "make_sawtooth_regression",
           "make_boxcar_regression", "make_ring_regression", "sawtooth_coef", "boxcar_coef",
           "ring_coef"]
