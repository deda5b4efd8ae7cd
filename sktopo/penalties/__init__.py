"""Penalties: terms on the data itself (the grouping term of point clouds) and on a
coefficient vector (L1, L2, TV, TV2 and the topological E(p, q, i0)).

The coefficient penalties have ``value``, ``value_and_grad`` (a subgradient) and, when they
have one, a proximal map ``prox(v, step)`` used by the solvers of :mod:`sktopo.estimators`.
"""

from ._grouping import GroupingPenalty, distance_distortion
from ._norms import (L1Penalty, L2Penalty, Penalty, TV2Penalty, TVPenalty, prox_tv1d,
                     prox_tv2, soft_threshold)
from ._resolve import PENALTY_NAMES, make_penalty
from ._topological import TopologicalPenalty

__all__ = ["GroupingPenalty", "distance_distortion", "Penalty", "L1Penalty", "L2Penalty",
           "TVPenalty", "TV2Penalty", "TopologicalPenalty", "soft_threshold", "prox_tv1d",
           "prox_tv2", "make_penalty", "PENALTY_NAMES"]
