"""Smearing: random approximates of a function and the adjoints of their maps (STUMP).

Reference: E. Solomon, A. Wagner, P. Bendich, "A Fast and Robust Method for Global
Topological Functional Optimization", AISTATS 2021, Sec. II and IV.
"""

from ._cover import (LabelCover, check_labels, cover_nerve, cover_pool, cover_pullback,
                     sample_cover_weights)
from ._critical import CriticalSmear, critical_smear, sliced_matching_weights
from ._extension import GradientExtension, extend_gradient
from ._points import PointSubsample, points_pullback, subsample_points
from ._block_sampler import BlockPooling
from ._pooling import (block_pool, block_pullback, check_block_size, pooled_shape,
                       sample_block_weights)
from ._random import as_generator, perturb, uniform_noise

__all__ = ["BlockPooling", "CriticalSmear", "GradientExtension", "LabelCover",
           "PointSubsample", "as_generator", "block_pool", "block_pullback", "check_block_size", "check_labels", "cover_nerve", "cover_pool", "cover_pullback",
           "critical_smear", "extend_gradient", "perturb", "points_pullback", "pooled_shape",
           "sample_block_weights", "sample_cover_weights", "sliced_matching_weights",
           "subsample_points", "uniform_noise"]
