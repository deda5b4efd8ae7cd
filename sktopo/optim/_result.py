"""The result of an sktopo optimizer, and the monitor of a run that builds it."""

import time
from dataclasses import dataclass, field

import numpy as np

from ..utils._validation import check_memory

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


class _Monitor:
    """The loss curve, the stopping rules, the callback and the progress lines."""

    def __init__(self, max_iter, tol, n_iter_no_change, callback, verbose, shape, x):
        # refused up front when the whole curve could not fit (max_iter=10**12 would
        # otherwise run for days); the curves grow by doubling, so that a run stopped
        # early by tol or its callback never holds max_iter entries
        check_memory(16 * max_iter, f"The loss curve of max_iter={max_iter} steps",
                     "lower max_iter (or set tol to stop at convergence)")
        size = min(max_iter, 1024)
        self.loss_curve, self.step_times = np.empty(size), np.empty(size)
        self.max_iter, self.tol, self.window = max_iter, tol, n_iter_no_change
        self.callback, self.verbose = callback, int(verbose)
        self.every = max(1, max_iter // 10) if self.verbose == 1 else 1
        self.converged, self.stopped, self.message, self.min_norm = False, False, "", None
        self.n_iter, self.solver = 0, ""
        self.view = x.reshape(shape).view()      # (x is moved in place: one view for all)
        self.view.flags.writeable = False
        self.start = time.perf_counter()

    def record(self, it, value, min_norm=None):
        """Record step ``it``; returns True when the run must stop."""
        if not np.isfinite(value):
            # as scikit-learn's SGD: an overflow is the step size's fault, say so
            raise ValueError(f"The loss became {value} at step {it}: the iterate overflowed "
                             "float64. Lower learning_rate, or rescale the input.")
        self.n_iter, self.min_norm = it, min_norm
        if it > self.loss_curve.size:
            size = min(2 * self.loss_curve.size, self.max_iter)
            self.loss_curve = np.resize(self.loss_curve, size)
            self.step_times = np.resize(self.step_times, size)
        self.loss_curve[it - 1] = value
        self.step_times[it - 1] = elapsed = time.perf_counter() - self.start
        if self.verbose and (it % self.every == 0 or it == self.max_iter):
            print(f"[{self.solver}] step {it}/{self.max_iter}, loss = {value:.6g}, "
                  f"{elapsed:.2f} s", flush=True)
        if self.tol is not None:
            self._check_tol(it, min_norm)
        if self.callback is not None and self.callback(self.result(it)):
            self.stopped, self.message = True, "Stopped by the callback."
        return self.converged or self.stopped

    def _check_tol(self, it, min_norm):
        if min_norm is not None:
            if min_norm <= self.tol:
                self.converged, self.message = True, "The min-norm gradient is below tol."
        elif it >= 2 * self.window:
            w, curve = self.window, self.loss_curve
            prev, cur = curve[it - 2 * w:it - w].mean(), curve[it - w:it].mean()
            if cur >= prev - self.tol * abs(prev):
                self.converged, self.message = True, (
                    f"The mean loss over {w} steps decreased by less than tol.")

    def result(self, it, x=None, copy=False):
        curve, times = self.loss_curve[:it], self.step_times[:it]
        if copy:
            curve, times = curve.copy(), times.copy()
        return OptimizeResult(self.view if x is None else x, float(self.loss_curve[it - 1]),
                              it, curve, times, self.converged, self.message, self.min_norm)
