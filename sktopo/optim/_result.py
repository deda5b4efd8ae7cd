"""The result of an sktopo optimizer."""

from dataclasses import dataclass, field

import numpy as np

__all__ = ["OptimizeResult"]


@dataclass(eq=False)
class OptimizeResult:
    """Result of :func:`~sktopo.stump_minimize` (and of the callbacks' intermediate results).

    Attributes
    ----------
    x : ndarray
        The final iterate, of the shape of ``x0``.
    fun : float
        The objective at the last step (as sampled at that step).
    n_iter : int
        Number of steps taken.
    loss_curve : ndarray of shape (n_iter,)
        The (sampled) objective at every step.
    step_times : ndarray of shape (n_iter,)
        Wall time in seconds elapsed since the start, at the end of every step.
    converged : bool
        True when a ``tol``-based stopping rule (or the callback) stopped the run.
    message : str
        Why the run stopped.
    min_norm : float or None
        Norm of the last min-norm convex combination (``combine="min_norm"``), else None.
    """

    x: np.ndarray
    fun: float
    n_iter: int
    loss_curve: np.ndarray = field(default_factory=lambda: np.empty(0))
    step_times: np.ndarray = field(default_factory=lambda: np.empty(0))
    converged: bool = False
    message: str = ""
    min_norm: float = None

    def __repr__(self):
        return (f"OptimizeResult(fun={self.fun:.6g}, n_iter={self.n_iter}, "
                f"converged={self.converged}, message={self.message!r})")
