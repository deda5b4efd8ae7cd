"""What the two linear models share: parameters, their constraints, the penalty, the solver
choice and the sample weights (Topology Layer paper, Sec. 3.1)."""

import contextlib
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator

from ..penalties import PENALTY_NAMES, TopologicalPenalty, make_penalty
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions
from ..utils._validation import check_scalar, check_values
from ._proximal import _SOLVERS

__all__ = ["LINEAR_MODEL_CONSTRAINTS", "check_sample_weight", "resolve_solver"]

FILTRATIONS = ("clusters", "line", "image")

# the solvers' iteration budgets when max_iter=None: FISTA runs to convergence, Adam is a
# fixed schedule (its step decays linearly to 0 over max_iter steps)
DEFAULT_MAX_ITER = {"fista": 1000, "adam": 200}

# the parameters shared by TopologicalRegressor, TopologicalClassifier and
# topological_regression
LINEAR_MODEL_CONSTRAINTS = {
    "penalty": [StrOptions(set(PENALTY_NAMES)), dict, HasMethods(["value_and_grad", "value"])],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "filtration": [StrOptions(set(FILTRATIONS))],
    "coef_shape": [tuple, list, None],
    "fit_intercept": ["boolean"],
    "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    "tol": [Interval(Real, 0, None, closed="left")],
    "solver": [StrOptions({"auto", *_SOLVERS})],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "warm_start": ["boolean"],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


# the solvers form X^T X and X^T y: beyond this magnitude the products overflow float64
_MAX_ABS = 1e100


def check_magnitude(values, input_name):
    """Refuse data whose least-squares products would overflow, naming the fix."""
    top = float(np.max(np.abs(values))) if np.size(values) else 0.0
    if top > _MAX_ABS:
        raise ValueError(f"{input_name} has values up to {top:.3g}: the products the solver "
                         f"forms (X^T X, X^T y) overflow float64 beyond about {_MAX_ABS:g}; "
                         f"rescale {input_name} (e.g. sklearn.preprocessing.StandardScaler).")
    return values


def check_sample_weight(sample_weight, n_samples):
    """Sample weights as a float64 array of shape (n_samples,), non-negative, positive sum."""
    if sample_weight is None:
        return np.ones(n_samples)
    if isinstance(sample_weight, Real):
        return np.full(n_samples, float(check_scalar(sample_weight, "sample_weight", low=0)))
    w = check_values(sample_weight, "sample_weight", ndim=(1,))
    if w.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},), got {w.shape}.")
    if np.any(w < 0):
        raise ValueError("sample_weight must be non-negative.")
    if w.sum() <= 0:
        raise ValueError("sample_weight must not be all zero (its sum must be positive).")
    return w


def resolve_solver(solver, penalty, max_iter):
    """``(solver, max_iter)`` with ``"auto"`` and ``None`` resolved.

    ``"auto"`` is Adam for a topological penalty on the line of feature indices or on an
    image and FISTA otherwise. Those penalties are not convex and, with fewer samples than
    features, every weight vector with few enough maxima that interpolates the data
    minimizes the objective (FISTA finds one of those interpolants); Adam from the
    least-squares solution with a decaying step stays near it and lets the penalty fill in
    only what the data leave free (sawtooth at n = 75, p = 100: ||b - b*||^2 0.05 against
    0.14 for FISTA, lambda by 5-fold CV in both).
    """
    if solver == "auto":
        solver = ("adam" if isinstance(penalty, TopologicalPenalty)
                  and penalty.filtration in ("line", "image") else "fista")
    return solver, DEFAULT_MAX_ITER[solver] if max_iter is None else max_iter


def build_penalty(penalty, filtration, coef_shape, n_features):
    """The Penalty object; an image penalty checks ``coef_shape`` against ``n_features``."""
    pen = make_penalty(penalty, filtration, coef_shape)
    if getattr(pen, "filtration", None) == "image":
        pen.value_and_grad(np.zeros(n_features))          # checks coef_shape early
    return pen


_BLAS_CONTROLLER = []


def blas_limit(size):
    """One BLAS thread for small problems: threading costs more than it gains there (an
    eigvalsh of 75 x 75 takes 10x longer on 2 busy cores than on one)."""
    if size > 400_000:
        return contextlib.nullcontext()
    if not _BLAS_CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _BLAS_CONTROLLER.append(ThreadpoolController())
    return _BLAS_CONTROLLER[0].limit(limits=1, user_api="blas")


class BaseTopologicalLinearModel(BaseEstimator):
    """Parameters and helpers of the topologically penalized linear models."""

    _parameter_constraints = LINEAR_MODEL_CONSTRAINTS

    def __init__(self, penalty="top2", *, alpha=1.0, filtration="clusters", coef_shape=None,
                 fit_intercept=True, max_iter=None, tol=1e-4, solver="auto",
                 learning_rate=0.1, warm_start=False, random_state=None, verbose=0):
        self.penalty = penalty
        self.alpha = alpha
        self.filtration = filtration
        self.coef_shape = coef_shape
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.learning_rate = learning_rate
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def _penalty_and_solver(self, n_features):
        """The Penalty, the resolved solver and its options for ``minimize_composite``."""
        pen = build_penalty(self.penalty, self.filtration, self.coef_shape, n_features)
        solver, max_iter = resolve_solver(self.solver, pen, self.max_iter)
        return pen, dict(solver=solver, max_iter=max_iter, tol=self.tol,
                         learning_rate=self.learning_rate, verbose=self.verbose)
