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


def _active_set_step(x, fx, gx, objective, penalty, alpha, hessian, max_groups):
    """One Newton step on the group values inside the chamber of ``x``, cut at its wall.

    In the chamber (``penalty.structure``) the objective is a quadratic of the group
    values ``v`` plus the linear ``alpha * c @ v``; the step solves it exactly, or stops at
    the first pair of groups that meet (they are then made exactly equal: merged). The step
    is returned only if it decreases the objective, with ``True`` when the chamber's
    minimizer was reached.
    """
    struct = penalty.structure(x)
    if struct is None:
        return None
    labels, pairs, slope_v = struct
    free = np.flatnonzero(labels >= 0)
    n_groups = int(labels.max()) + 1 if free.size else 0
    if n_groups == 0 or n_groups > max_groups:
        return None
    lab = labels[free]
    counts = np.bincount(lab, minlength=n_groups)
    values = np.bincount(lab, x[free], minlength=n_groups) / counts
    grad_v = np.bincount(lab, gx[free], minlength=n_groups) + alpha * slope_v
    # S H S^T for the 0/1 group-membership matrix S: sum rows, then columns, by group
    order = free[np.argsort(lab, kind="stable")]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    hess_v = np.add.reduceat(np.add.reduceat(hessian[np.ix_(order, order)], starts, axis=0),
                             starts, axis=1)
    try:
        chol = np.linalg.cholesky(hess_v)
    except np.linalg.LinAlgError:
        return None
    if np.min(np.diag(chol)) <= 1e-8 * np.max(np.diag(chol)):
        return None
    dv = -np.linalg.solve(hess_v, grad_v)
    # the walls: pairs (g, h) with value[g] < value[h]; -1 stands for the constant 0
    ext_v = np.append(values, 0.0)
    ext_d = np.append(dv, 0.0)
    closing = ext_d[pairs[:, 0]] - ext_d[pairs[:, 1]]
    gaps = ext_v[pairs[:, 1]] - ext_v[pairs[:, 0]]
    tau, hit = 1.0, None
    moving = closing > 0
    if moving.any():
        ratios = gaps[moving] / closing[moving]
        k = int(np.argmin(ratios))
        if ratios[k] < 1.0:
            tau, hit = max(float(ratios[k]), 0.0), pairs[moving][k]
    new_values = values + tau * dv
    if hit is not None:
        g, h = int(hit[0]), int(hit[1])
        if g < 0 or h < 0:
            new_values[max(g, h)] = 0.0
        else:
            new_values[[g, h]] = 0.5 * (new_values[g] + new_values[h])
    x_new = x.copy()
    x_new[free] = new_values[lab]
    f_new, g_new = objective(x_new)
    if f_new > fx:
        return None
    return x_new, f_new, g_new, hit is None


def minimize_composite(smooth, penalty, alpha, x0, lipschitz, n_coef, *, solver="fista",
                       max_iter=1000, tol=1e-4, learning_rate=0.01, verbose=0,
                       quadratic=False, hessian=None, max_groups=None, polish_every=5):
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
        ``"adam"``: Adam on ``grad f + alpha * subgradient P`` with ``learning_rate``.
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
    hessian : ndarray of shape (n_params, n_params), default=None
        Hessian of a quadratic ``f`` with ``n_params == n_coef``. Enables active-set steps:
        every ``polish_every`` iterations, Newton steps on the values of the groups of tied
        coefficients inside the current chamber of the penalty (see
        ``Penalty.structure``), each cut at the first wall and kept if it decreases the
        objective; the prox steps that follow check first-order optimality.
    max_groups : int, default=None
        Skip the active-set step when the chamber has more groups than this (the reduced
        Hessian is then singular); None means ``n_params``.
    polish_every : int, default=5

    Returns
    -------
    result : SolverResult
        ``x``, ``n_iter``, ``loss_curve`` (the objective after each iteration; first entry
        at ``x0``) and ``converged``.
    """
    objective = _objective(smooth, penalty, alpha, n_coef)
    if solver == "adam":
        return _adam(objective, penalty, alpha, x0, n_coef, max_iter, tol, learning_rate,
                     verbose)
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
    interval = next_polish = polish_every
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
        if (hessian is not None and use_prox and n_iter >= next_polish
                and delta > tol * max(1.0, np.max(np.abs(x)))):
            # a few active-set steps; back off (double the interval) when they fail
            n_ok = 0
            for _ in range(5):
                polished = _active_set_step(x, fx, gx, objective, penalty, alpha, hessian,
                                            max_groups or x.size)
                if polished is None:
                    break
                n_ok += 1
                x, fx, gx, inside = polished
                y, gy, t, at_x = x, gx, 1.0, True
                if lazy:
                    u = w = x - step_size * gx
                x_bound = float(np.abs(x).max())
                if inside:
                    break
            interval = polish_every if n_ok else 2 * interval
            next_polish = n_iter + interval
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


def _adam(objective, penalty, alpha, x0, n_coef, max_iter, tol, learning_rate, verbose,
          beta1=0.9, beta2=0.999, eps=1e-8):
    x = np.array(x0, dtype=np.float64)
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    value, grad = objective(x)
    curve = [value]
    converged = False
    every = max(1, 100 // verbose) if verbose else 0
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        if alpha > 0:
            grad = grad.copy()
            grad[:n_coef] += alpha * penalty.value_and_grad(x[:n_coef])[1]
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        m_hat = m / (1 - beta1 ** n_iter)
        v_hat = v / (1 - beta2 ** n_iter)
        update = learning_rate * m_hat / (np.sqrt(v_hat) + eps)
        x = x - update
        value, grad = objective(x)
        curve.append(value)
        if every and n_iter % every == 0:
            print(f"[adam] iter {n_iter:5d}  objective {value:.8g}")
        if np.max(np.abs(update)) <= tol * max(1.0, np.max(np.abs(x))):
            converged = True
            break
    return SolverResult(x, n_iter, curve, converged)
