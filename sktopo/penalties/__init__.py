"""Penalties on the data itself: the grouping term of point clouds."""

from ._grouping import GroupingPenalty, distance_distortion

__all__ = ["GroupingPenalty", "distance_distortion"]
