"""Exact topological simplification: remove every persistence pair below a threshold.

Sits between the pairing (:mod:`sktopo.persistence`, which finds the pairs) and the
optimizers: no gradient, a flooding of the basins and a carving of the peaks that hold no
kept feature, repeated to a fixed point.
"""

from ._simplify import simplify_function

__all__ = ["simplify_function"]
