r"""Solvers for ``smooth(w) + alpha * penalty(w[:n_coef])``: accelerated proximal gradient
(FISTA with monotone restarts) and plain Adam on subgradients, for comparison.

The penalties are piecewise linear with a pairing fixed inside each chamber; their
``prox`` is exact (norms, Top1 on clusters) or exact for the chamber model at its input
(``TopologicalPenalty``), so a proximal step lands exactly on ties and plateaus -- the
kinks where the optimum lives -- instead of oscillating around them as subgradient
methods do. Penalties without a prox take explicit subgradient steps of size 1/L.
"""

import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from ..optim import adam_update

__all__ = ["SolverResult", "minimize_composite", "squared_norm_bound"]

_SOLVERS = ("fista", "adam")


@dataclass
class SolverResult:
    """Output of :func:`minimize_composite`."""

    x: np.ndarray
    n_iter: int
    loss_curve: list = field(default_factory=list)
    converged: bool = False


def squared_norm_bound(A):
    """Largest eigenvalue of ``A.T @ A`` (squared spectral norm), times 1.0001.

    Dense eigenvalues of the smaller Gram matrix up to 600 rows or columns, Lanczos above.
    """
    n, p = A.shape
    if min(n, p) <= 600:
        gram = A @ A.T if n <= p else A.T @ A
        top = float(np.linalg.eigvalsh(gram)[-1])
    else:
        op = LinearOperator((p, p), matvec=lambda v: A.T @ (A @ v), dtype=np.float64)
        top = float(eigsh(op, k=1, which="LA", tol=1e-6, return_eigenvectors=False,
                          v0=np.ones(p))[0])
    return max(top, 1e-12) * 1.0001


def _prox_value(penalty, v, step):
    x = penalty.prox(v, step)
    return x, penalty.value(x)


def _objective(smooth, penalty, alpha, n_coef):
    if alpha <= 0:
        return smooth
    value_of = penalty.value

    def objective(w):
        value, grad = smooth(w)
        return value + alpha * value_of(w if n_coef == w.size else w[:n_coef]), grad
    return objective


def minimize_composite(smooth, penalty, alpha, x0, lipschitz, n_coef, *, solver="fista",
                       max_iter=1000, tol=1e-4, learning_rate=0.01, verbose=0,
                       quadratic=False):
    r"""Minimize :math:`F(w) = f(w) + \alpha P(w_{:n_{coef}})` with ``f`` L-smooth.

    Parameters
    ----------
    smooth : callable
        ``smooth(w) -> (f(w), grad f(w))``.
    penalty : Penalty
        The nonsmooth term (its ``prox`` when ``penalty.has_prox``; ``prox_value`` when
        every parameter is penalized, which returns the penalty at the prox too).
    alpha : float
        Weight of the penalty, >= 0.
    x0 : ndarray of shape (n_params,)
        Starting point (not modified).
    lipschitz : float
        Lipschitz constant of ``grad f``; the step is ``1 / lipschitz``.
    n_coef : int
        The first ``n_coef`` parameters are penalized (the rest: intercepts).
    solver : {"fista", "adam"}, default="fista"
        ``"fista"``: accelerated proximal gradient, restarted (momentum reset and a plain
        step from the last iterate) whenever the objective would increase.
        ``"adam"``: Adam on ``grad f + alpha * subgradient P``, its step decaying linearly
        from ``learning_rate`` to 0 over ``max_iter`` steps (a fixed budget).
    max_iter : int, default=1000
    tol : float, default=1e-4
        Stop when ``max |w_{k+1} - w_k| <= tol * max(1, max |w_k|)``, or when the objective
        decreased by less than ``0.1 * tol`` (relative) over the last 10 iterations.
    learning_rate : float, default=0.01
        Adam only.
    verbose : int, default=0
        Print the objective every ``max(1, 100 // verbose)`` iterations.
    quadratic : bool, default=False
        ``f`` is quadratic, so its gradient is affine: the gradient at the extrapolated
        point is extrapolated too (one evaluation of ``smooth`` per iteration).

    Returns
    -------
    result : SolverResult
        ``x``, ``n_iter``, ``loss_curve`` (the objective after each iteration; first entry
        at ``x0``) and ``converged``.
    """
    if solver == "adam":
        return _adam(smooth, penalty, alpha, x0, n_coef, max_iter, tol, learning_rate,
                     verbose)
    objective = _objective(smooth, penalty, alpha, n_coef)
    step_size = 1.0 / lipschitz
    use_prox = alpha > 0 and penalty.has_prox
    full = n_coef == np.size(x0)
    prox, prox_step = penalty.prox, alpha * step_size
    prox_value = None
    if use_prox and full:
        prox_value = getattr(penalty, "prox_value", None) or partial(_prox_value, penalty)

    explicit = alpha > 0 and not use_prox        # subgradient steps need the point y
    # quadratic f with a prox: extrapolate the gradient points u = x - grad f(x) / L
    # instead of the points and gradients (z = u + m (u - u_old): 5 array operations per
    # iteration fewer than y, grad f(y) and z)
    lazy = quadratic and not explicit

    def finish(z, y):
        """The prox (or explicit subgradient) part of a step from z = y - grad f(y) / L,
        with the objective and gradient there."""
        if prox_value is not None:
            x, value = prox_value(z, prox_step)
            f, g = smooth(x)
            return x, f + alpha * value, g
        if alpha > 0:
            z = z.copy()
            if use_prox:
                z[:n_coef] = prox(z[:n_coef], prox_step)
            else:
                z[:n_coef] -= prox_step * penalty.value_and_grad(y[:n_coef])[1]
        return (z,) + tuple(objective(z))

    x = np.array(x0, dtype=np.float64)
    fx, gx = objective(x)
    curve = [fx]
    u = x - step_size * gx if lazy else None
    w, y, gy = u, x, gx
    at_x = True                       # the extrapolated point y is x
    m_prev, dx_prev = 0.0, None
    t = 1.0
    converged = False
    every = max(1, 100 // verbose) if verbose else 0
    # an upper bound of max |x|, recomputed only when the step test could pass with it
    x_bound = float(np.abs(x).max()) if x.size else 0.0
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        x_new, f_new, g_new = finish(w if lazy else y - step_size * gy, y)
        if f_new > fx and not at_x:
            # momentum overshot: restart from x with a plain proximal step
            x_new, f_new, g_new = finish(u if lazy else x - step_size * gx, x)
            t = 1.0
        dx = x_new - x
        delta = float(np.abs(dx).max())
        x_bound += delta
        # (y - x_new) @ dx > 0 with y = x + m_prev dx_prev
        if not at_x and m_prev * float(dx_prev @ dx) > float(dx @ dx):
            t = 1.0                   # adaptive (gradient) restart, O'Donoghue & Candes
        t_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
        momentum = (t - 1.0) / t_next
        g_old = gx
        x, fx, gx = x_new, f_new, g_new
        t = t_next
        at_x = not momentum > 0
        if lazy:
            u_old, u = u, x - step_size * gx
            w = u if at_x else u + momentum * (u - u_old)
        elif at_x:
            y, gy = x, gx
        else:
            y = x + momentum * dx
            gy = gx + momentum * (gx - g_old) if quadratic else smooth(y)[1]
        m_prev, dx_prev = momentum, dx
        curve.append(fx)
        if every and n_iter % every == 0:
            print(f"[fista] iter {n_iter:5d}  objective {fx:.8g}  step {delta:.3g}")
        if delta <= tol * max(1.0, x_bound):
            x_bound = float(np.abs(x).max())
            if delta <= tol * max(1.0, x_bound):
                converged = True
                break
        if n_iter >= 10 and curve[-11] - fx <= 1e-3 * tol * max(abs(fx), 1e-12):
            converged = True
            break
    return SolverResult(x, n_iter, curve, converged)


def _adam(smooth, penalty, alpha, x0, n_coef, max_iter, tol, learning_rate, verbose):
    """Adam on ``grad f + alpha * subgradient P`` (:func:`sktopo.optim.adam_update`), the
    step decaying linearly from ``learning_rate`` to 0 over ``max_iter`` steps."""
    x = np.array(x0, dtype=np.float64)
    m = np.zeros_like(x)
    v = np.zeros_like(x)

    def value_and_grad(x):
        value, grad = smooth(x)
        grad = np.array(grad, dtype=np.float64)
        if alpha > 0:
            pen, pen_grad = penalty.value_and_grad(x[:n_coef])
            value += alpha * pen
            grad[:n_coef] += alpha * pen_grad
        return value, grad

    value, grad = value_and_grad(x)
    curve = [value]
    converged = False
    every = max(1, 100 // verbose) if verbose else 0
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        x_old = x.copy()
        adam_update(x, grad, m, v, n_iter, learning_rate * (max_iter - n_iter + 1) / max_iter)
        value, grad = value_and_grad(x)
        curve.append(value)
        if every and n_iter % every == 0:
            print(f"[adam] iter {n_iter:5d}  objective {value:.8g}")
        if np.max(np.abs(x - x_old)) <= tol * max(1.0, np.max(np.abs(x))):
            converged = True
            break
    # the schedule ends with a step of learning_rate / max_iter: running it to the end is
    # the solver's convergence
    return SolverResult(x, n_iter, curve, converged or n_iter == max_iter)
