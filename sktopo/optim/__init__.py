"""Optimizers: numpy Adam, the min-norm convex combination, and STUMP."""

from ._adam import Adam, adam_update
from ._big_steps import big_step_minimize
from ._min_norm import min_norm_combination
from ._result import OptimizeResult
from ._stump import stump_minimize

__all__ = ["Adam", "OptimizeResult", "adam_update", "big_step_minimize", "min_norm_combination",
           "stump_minimize"]
