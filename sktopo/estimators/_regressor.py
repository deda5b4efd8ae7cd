r"""Topologically penalized least squares (Topology Layer paper, Sec. 3.1, Fig. 4-6).

Reference: R. Bruel-Gabrielsson, B. J. Nelson, A. Dwaraknath, P. Skraba, L. J. Guibas,
G. Carlsson, "A Topology Layer for Machine Learning", AISTATS 2020.
"""

import warnings
from dataclasses import dataclass, field
from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from ..penalties import TopologicalPenalty
from ..utils._sklearn_compat import Interval, _fit_context, validate_data, validate_params
from ..utils._validation import check_values
from ._linear import (LINEAR_MODEL_CONSTRAINTS, BaseTopologicalLinearModel, blas_limit,
                      build_penalty, check_magnitude, check_sample_weight, resolve_solver)
from ._proximal import minimize_composite, squared_norm_bound

__all__ = ["TopologicalRegressor", "topological_regression", "RegressionResult"]


@dataclass
class RegressionResult:
    """Output of :func:`topological_regression`."""

    coef: np.ndarray
    intercept: float
    n_iter: int
    loss_curve: list = field(default_factory=list)
    converged: bool = False


def _weighted_center(X, y, sample_weight, fit_intercept):
    """Normalized weights and (weighted) centered data."""
    w = sample_weight / sample_weight.sum()
    if not fit_intercept:
        return w, X, y, np.zeros(X.shape[1]), 0.0
    x_mean = w @ X
    y_mean = float(w @ y)
    return w, X - x_mean, y - y_mean, x_mean, y_mean


def _least_squares(Xc, yc, w):
    r"""The data term :math:`f(\beta) = \sum_i w_i (x_i \beta - y_i)^2` (weights sum to 1),
    its gradient and Lipschitz constant.

    Works with the Gram matrix when ``n >= p`` or ``p <= 2000``, with ``X`` otherwise.
    """
    A = Xc * np.sqrt(w)[:, None]
    b = yc * np.sqrt(w)
    n, p = A.shape
    if n >= p or p <= 2000:
        hessian = 2.0 * (A.T @ A)
        lin = 2.0 * (A.T @ b)
        const = float(b @ b)

        def smooth(beta):
            g = hessian @ beta
            return 0.5 * float(beta @ g) - float(lin @ beta) + const, g - lin

        top = float(np.linalg.eigvalsh(hessian if p <= n else 2.0 * (A @ A.T))[-1])
        return smooth, max(top * 1.0001, 1e-12)

    def smooth(beta):
        r = A @ beta - b
        return float(r @ r), 2.0 * (A.T @ r)
    return smooth, 2.0 * squared_norm_bound(A)


def _solve(smooth, penalty, alpha, x0, lipschitz, n_coef, from_scratch, **kwargs):
    """Minimize; a cluster penalty with free bars (not convex) starts from the solution with
    Top1 (its convex relaxation) at the same alpha when no start is given. On the line the
    Top1 start does not help (it leaves TV-like staircases: sawtooth error 0.18 vs 0.13)."""
    pre_iter = 0
    if (from_scratch and alpha > 0 and isinstance(penalty, TopologicalPenalty)
            and penalty.has_prox and penalty.filtration == "clusters"
            and int(penalty.i0) > 2 and kwargs["solver"] == "fista"):
        relaxed = TopologicalPenalty(2, filtration=penalty.filtration)
        pre = minimize_composite(smooth, relaxed, alpha, x0, lipschitz, n_coef,
                                 quadratic=True, **kwargs)
        x0, pre_iter = pre.x, pre.n_iter
    res = minimize_composite(smooth, penalty, alpha, x0, lipschitz, n_coef, quadratic=True,
                             **kwargs)
    res.n_iter += pre_iter
    return res


_FUNCTION_CONSTRAINTS = {
    "X": ["array-like"], "y": ["array-like"],
    "sample_weight": ["array-like", Interval(Real, 0, None, closed="left"), None],
    "coef_init": ["array-like", None], "check_input": ["boolean"],
    **{k: v for k, v in LINEAR_MODEL_CONSTRAINTS.items()
       if k not in ("warm_start", "random_state")},
}


@validate_params(_FUNCTION_CONSTRAINTS, prefer_skip_nested_validation=True)
def topological_regression(X, y, penalty="top2", *, alpha=1.0, filtration="clusters",
                           coef_shape=None, fit_intercept=True, sample_weight=None,
                           max_iter=None, tol=1e-4, solver="auto", learning_rate=0.1,
                           coef_init=None, verbose=0, check_input=True):
    r"""Least squares with a (topological) penalty on the coefficients.

    .. math::

        \min_{\beta, b} \frac{\sum_i w_i (y_i - x_i \beta - b)^2}{\sum_i w_i}
        + \alpha P(\beta)

    the mean squared error of the Topology Layer paper (Eq. 3 with the ``MSELoss`` of its
    code) plus ``alpha`` times a penalty: ``"l1"`` :math:`\|\beta\|_1`, ``"l2"``
    :math:`\|\beta\|_2`, ``"tv"`` :math:`\|\nabla\beta\|_1`, ``"tv2"``
    :math:`\|\nabla\beta\|_2`, ``"top1"`` :math:`\mathcal{E}(1, 0, 2; PD_0)` and ``"top2"``
    :math:`\mathcal{E}(1, 0, 4; PD_0)` of the weights in the chosen filtration.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    penalty : str, dict or Penalty, default="top2"
        See :func:`sktopo.penalties.make_penalty`; e.g. ``{"n_kept": 5}`` leaves five
        clusters (or maxima) free, ``{"i0": {0: 1, 1: 2}}`` penalizes every H0 bar and all
        H1 bars but the longest of a coefficient image.
    alpha : float, default=1.0
        Weight of the penalty.
    filtration : {"clusters", "line", "image"}, default="clusters"
        ``"clusters"``: the weights as points on the line (Rips / weak alpha PD0: Top1 is
        the range, Top2 pulls the weights into at most 3 values); ``"line"``: the weights
        as a function on the line of feature indices (superlevel PD0: penalizes local
        maxima); ``"image"``: the weights as an image of shape ``coef_shape`` (superlevel
        PD0 and PD1, cubical complex).
    coef_shape : tuple of int, default=None
        Shape of the coefficient image, required by ``filtration="image"``.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (by centering ``X`` and ``y``).
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the samples in the mean squared error; None means 1.
    max_iter : int, default=None
        Iterations of the solver; None means 1000 for FISTA (an upper bound: it stops at
        convergence) and 200 for Adam (a fixed schedule).
    tol : float, default=1e-4
        Stopping tolerance (see :func:`~sktopo.estimators._proximal.minimize_composite`).
    solver : {"auto", "fista", "adam"}, default="auto"
        ``"fista"``: accelerated proximal gradient with restarts over the exact (or
        chamber-wise exact) prox of the penalty; ``"adam"``: Adam on subgradients from the
        least-squares solution, its step decaying linearly from ``learning_rate`` to 0
        over ``max_iter`` steps; ``"auto"``: Adam for a topological penalty on the
        ``"line"`` or ``"image"`` filtration, FISTA otherwise (see Notes).
    learning_rate : float, default=0.1
        Initial step of ``"adam"``.
    coef_init : array-like of shape (n_features,), default=None
        Starting coefficients. None means: for Adam, the (minimum-norm) least-squares
        solution, as in the Topology Layer paper's code; for FISTA, zeros, except for the
        topological penalties on clusters, which start from the best constant weight
        vector (the Top1 solution for alpha -> inf), and a cluster penalty with free bars
        (``i0 > 2``, e.g. Top2) starts from the Top1 solution at the same ``alpha`` (its
        convex relaxation): on Fig. 5 problems this lowers the error of Top2 from ~10 to
        ~0.001.
    verbose : int, default=0
        Print the objective during the iterations.
    check_input : bool, default=True
        Validate ``X``, ``y`` and the parameters (the estimators pass False).

    Returns
    -------
    result : RegressionResult
        ``coef``, ``intercept``, ``n_iter``, ``loss_curve`` (objective per iteration) and
        ``converged``. A ``ConvergenceWarning`` is raised when ``max_iter`` is reached.

    See Also
    --------
    TopologicalRegressor : the scikit-learn estimator.

    Notes
    -----
    For the norms and Top1 on clusters the problem is convex and FISTA reaches the global
    optimum. The other topological penalties are not convex: their prox freezes the
    pairing at the current point (a fused lasso on the sorted weights with the ``i0 - 2``
    largest gaps free for clusters; a difference-of-convex step ``TV/2 - linear`` for the
    line), so the solver converges to a stationary point, which depends on the start.

    With fewer samples than features the minimizer need not be unique: on the line, every
    weight vector with at most ``i0 - 1`` local maxima that interpolates the data has
    objective 0 (for the sawtooth of the Topology Layer paper at n = 75, p = 100, FISTA
    reaches 1e-14 while the true weights, which pay the noise, have 0.009). FISTA returns
    one of these interpolants, far from the truth (||b - b*||^2 = 0.14 with alpha chosen
    by 5-fold CV). The estimate is then defined by the path of the solver, as in the
    paper's code (100 Adam steps, lr 0.1, from the least-squares solution: 0.07 with the
    same CV): ``solver="adam"`` starts there too but lets its step decay linearly to 0,
    so that the iterates settle instead of oscillating around the interpolants at the
    end (0.05 on the sawtooth, 0.014 on the boxcar, 5-fold CV over
    ``np.logspace(-4, 1, 12)``; ``benchmarks/bench_regression.py``). ``"auto"`` picks it
    for the line and image filtrations.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.estimators import topological_regression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 8))
    >>> beta = np.array([1.0, 1.0, 3.0, 3.0, 3.0, 1.0, 2.0, 2.0])
    >>> y = X @ beta + 0.01 * rng.standard_normal(60)
    >>> res = topological_regression(X, y, "top2", alpha=0.01)
    >>> np.round(res.coef, 2)
    array([1., 1., 3., 3., 3., 1., 2., 2.])
    """
    if check_input:
        from sklearn.utils import check_X_y

        X, y = check_X_y(X, y, dtype=np.float64, y_numeric=True)
        check_magnitude(X, "X"), check_magnitude(y, "y")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n_samples, n_features = X.shape
    sample_weight = check_sample_weight(sample_weight, n_samples)
    if coef_shape is not None and int(np.prod(coef_shape)) != n_features:
        raise ValueError(f"The 'coef_shape' parameter {tuple(coef_shape)} must hold "
                         f"n_features={n_features} coefficients; pass a shape whose product "
                         "is the number of columns of X, or None.")
    pen = build_penalty(penalty, filtration, coef_shape, n_features)
    solver, max_iter = resolve_solver(solver, pen, max_iter)
    x0 = (np.zeros(n_features) if coef_init is None
          else check_values(coef_init, "coef_init").copy())
    if x0.shape != (n_features,):
        raise ValueError(f"coef_init must have shape ({n_features},), got {x0.shape}.")
    w, Xc, yc, x_mean, y_mean = _weighted_center(X, y, sample_weight, fit_intercept)
    if coef_init is None and solver == "adam":
        # Adam starts from the (min-norm) weighted least-squares solution, as the Topology
        # Layer paper's code does
        root = np.sqrt(w)
        x0[:] = np.linalg.lstsq(Xc * root[:, None], yc * root, rcond=None)[0]
    elif (coef_init is None and isinstance(pen, TopologicalPenalty) and pen.has_prox
            and pen.filtration == "clusters"):
        # start from the limit alpha -> inf of Top1: all weights equal, fitted by least
        # squares (about 40% fewer iterations than from 0 on the Fig. 5 problems)
        s = Xc.sum(axis=1)
        denom = float(w @ (s * s))
        x0[:] = float(w @ (s * yc)) / denom if denom > 0 else 0.0
    with blas_limit(X.size):
        smooth, lipschitz = _least_squares(Xc, yc, w)
        res = _solve(smooth, pen, alpha, x0, lipschitz, n_features, coef_init is None,
                     solver=solver, max_iter=max_iter, tol=tol, learning_rate=learning_rate,
                     verbose=verbose)
    if not res.converged:
        warnings.warn(f"The solver did not converge in max_iter={max_iter} iterations "
                      f"(tol={tol}); consider increasing max_iter, or warm starting along "
                      "a path of alpha.", ConvergenceWarning, stacklevel=2)
    coef = res.x
    intercept = float(y_mean - x_mean @ coef) if fit_intercept else 0.0
    return RegressionResult(coef, intercept, res.n_iter, res.loss_curve, res.converged)


class TopologicalRegressor(RegressorMixin, BaseTopologicalLinearModel):
    r"""Least squares with a topological penalty on the coefficients.

    Minimizes the (sample-weighted) mean squared error plus ``alpha`` times a penalty on
    the coefficients: a norm (L1, L2, TV, TV2) or the energy :math:`\mathcal{E}(1, 0, i_0)`
    of the PD0 of the weights, seen as points on the line (``filtration="clusters"``),
    as a function on the line of feature indices (``"line"``) or as an image
    (``"image"``), as in Sec. 3.1 of the Topology Layer paper [1]_. See
    :func:`topological_regression` for the objective and the solver.

    Parameters
    ----------
    penalty : {"top1", "top2", "l1", "l2", "tv", "tv2"}, dict or Penalty, default="top2"
        ``"top1"`` = E(1, 0, 2; PD0), ``"top2"`` = E(1, 0, 4; PD0) (three clusters or
        maxima left free); a dict ``{"n_kept": k}`` or ``{"i0": i0, "p": p, "q": q}``
        (``{"i0": {0: 1, 1: 2}}`` for images), or a
        :class:`~sktopo.penalties.Penalty`.
    alpha : float, default=1.0
        Weight of the penalty (``lambda`` in the paper).
    filtration : {"clusters", "line", "image"}, default="clusters"
        How the topological penalties see the weights.
    coef_shape : tuple of int, default=None
        Shape of the coefficient image (``filtration="image"``).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    max_iter : int, default=None
        Solver iterations; None means 1000 for FISTA (it stops at convergence), 200 for
        Adam (a fixed schedule).
    tol : float, default=1e-4
        Stopping tolerance on the change of the coefficients.
    solver : {"auto", "fista", "adam"}, default="auto"
        Accelerated proximal gradient (exact or chamber-wise prox of the penalty), or
        Adam on subgradients from the least-squares solution with a step decaying from
        ``learning_rate`` to 0; ``"auto"``: Adam for topological penalties on the
        ``"line"`` and ``"image"`` filtrations, FISTA otherwise (see
        :func:`topological_regression`, Notes).
    learning_rate : float, default=0.1
        Initial step of the ``"adam"`` solver.
    warm_start : bool, default=False
        Start from the previous ``coef_`` (cheap paths over ``alpha``).
    random_state : int, RandomState instance or None, default=None
        Unused by the deterministic solvers; kept for API consistency.
    verbose : int, default=0
        Print the objective during the iterations.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Number of solver iterations (those of the Top1 start included, see
        :func:`topological_regression`).
    loss_curve_ : list of float
        The objective after each iteration of the final solve (first entry at its
        start).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        Defined when ``X`` has string feature names.

    See Also
    --------
    topological_regression : the function behind ``fit``.
    TopologicalClassifier : the same penalties on the logistic loss.

    References
    ----------
    .. [1] R. Bruel-Gabrielsson et al., "A Topology Layer for Machine Learning",
       AISTATS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import TopologicalRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 30))
    >>> beta = rng.choice([1.0, 2.0, 3.0], size=30)      # 30 weights, 3 values, n < 2p
    >>> y = X @ beta + 0.05 * rng.standard_normal(40)
    >>> reg = TopologicalRegressor("top2", alpha=0.05).fit(X, y)
    >>> bool(np.mean((reg.coef_ - beta) ** 2) < 0.05)
    True
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the penalized least squares.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : TopologicalRegressor
        """
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        check_magnitude(X, "X"), check_magnitude(y, "y")
        coef_init = None
        if self.warm_start and hasattr(self, "coef_") and self.coef_.shape == (X.shape[1],):
            coef_init = self.coef_
        res = topological_regression(
            X, y, self.penalty, alpha=self.alpha, filtration=self.filtration,
            coef_shape=self.coef_shape, fit_intercept=self.fit_intercept,
            sample_weight=sample_weight, max_iter=self.max_iter, tol=self.tol,
            solver=self.solver, learning_rate=self.learning_rate, coef_init=coef_init,
            verbose=self.verbose, check_input=False)
        self.coef_ = res.coef
        self.intercept_ = res.intercept
        self.n_iter_ = res.n_iter
        self.loss_curve_ = res.loss_curve
        return self

    def predict(self, X):
        """Predict ``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_ + self.intercept_
