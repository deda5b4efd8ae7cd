"""Penalties on the data itself: the grouping term of point clouds."""

from ._grouping import GroupingPenalty

__all__ = ["GroupingPenalty"]
