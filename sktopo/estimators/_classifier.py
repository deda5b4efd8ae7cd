r"""Logistic regression with a (topological) penalty on the coefficients, one-vs-rest.

The penalties and the solver are those of :func:`~sktopo.estimators.topological_regression`
with the mean logistic loss as the data term.
"""

import warnings

import numpy as np
from scipy.special import expit
from sklearn.base import ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn_compat import _fit_context, check_classification_targets, validate_data
from ._linear import (BaseTopologicalLinearModel, blas_limit, check_magnitude,
                      check_sample_weight)
from ._proximal import minimize_composite, squared_norm_bound

__all__ = ["TopologicalClassifier"]


def _logistic(X, y_sign, w, fit_intercept):
    r"""Mean logistic loss :math:`\sum_i w_i \log(1 + e^{-y_i (x_i \beta + b)})` (weights
    summing to 1) on parameters ``[beta, b]``, its gradient and Lipschitz constant."""
    A = np.hstack([X, np.ones((X.shape[0], 1))]) if fit_intercept else X

    def smooth(params):
        margin = y_sign * (A @ params)
        value = float(w @ np.logaddexp(0.0, -margin))
        return value, A.T @ (w * (-y_sign * expit(-margin)))

    return smooth, 0.25 * squared_norm_bound(A * np.sqrt(w)[:, None])


def _fit_binary(X, y_sign, w, penalty, alpha, fit_intercept, init, **kwargs):
    smooth, lipschitz = _logistic(X, y_sign, w, fit_intercept)
    n_features = X.shape[1]
    x0 = np.zeros(n_features + int(fit_intercept)) if init is None else init
    return minimize_composite(smooth, penalty, alpha, x0, lipschitz, n_features, **kwargs)


class TopologicalClassifier(ClassifierMixin, BaseTopologicalLinearModel):
    r"""Logistic regression with a topological penalty on the coefficients.

    Minimizes, for each class against the rest (one binary problem when there are two
    classes),

    .. math::

        \frac{\sum_i w_i \log(1 + e^{-y_i (x_i \beta + b)})}{\sum_i w_i} + \alpha P(\beta)

    with the penalties of :class:`TopologicalRegressor`: norms, or the energy
    :math:`\mathcal{E}(p, q, i_0)` of the weights as clusters, as a function on the line of
    feature indices, or as an image (``coef_shape``, e.g. ``(8, 8)`` for the digits).

    Parameters
    ----------
    penalty : {"top1", "top2", "l1", "l2", "tv", "tv2"}, dict or Penalty, default="top2"
        See :class:`TopologicalRegressor`.
    alpha : float, default=0.01
        Weight of the penalty.
    filtration : {"clusters", "line", "image"}, default="clusters"
    coef_shape : tuple of int, default=None
        Shape of each class's coefficient image (``filtration="image"``).
    fit_intercept : bool, default=True
    max_iter : int, default=None
        None means 1000 for FISTA, 200 for Adam (see :class:`TopologicalRegressor`).
    tol : float, default=1e-4
    solver : {"auto", "fista", "adam"}, default="auto"
        As :class:`TopologicalRegressor`; Adam starts from zeros here.
    learning_rate : float, default=0.1
        Initial step of the ``"adam"`` solver.
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_``.
    random_state : int, RandomState instance or None, default=None
        Unused by the deterministic solvers; kept for API consistency.
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        One row for a binary problem (the class ``classes_[1]``), one per class otherwise.
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,) or (n_classes,)
        Iterations of each binary problem.
    loss_curve_ : list of list of float
        The objective along the iterations, one list per binary problem.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        Defined when ``X`` has string feature names.

    See Also
    --------
    TopologicalRegressor : the least-squares version.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import TopologicalClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 6))
    >>> y = (X[:, :3].sum(axis=1) > 0).astype(int)
    >>> clf = TopologicalClassifier("top2", alpha=0.01).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    """

    def __init__(self, penalty="top2", *, alpha=0.01, filtration="clusters", coef_shape=None,
                 fit_intercept=True, max_iter=None, tol=1e-4, solver="auto",
                 learning_rate=0.1, warm_start=False, random_state=None, verbose=0):
        # only the default of alpha differs from the regressor's
        super().__init__(penalty, alpha=alpha, filtration=filtration, coef_shape=coef_shape,
                         fit_intercept=fit_intercept, max_iter=max_iter, tol=tol,
                         solver=solver, learning_rate=learning_rate, warm_start=warm_start,
                         random_state=random_state, verbose=verbose)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit one penalized logistic regression per class (one for two classes).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : TopologicalClassifier
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_magnitude(X, "X")
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, "
                             f"but the data contains only one class: {classes[0]!r}.")
        n_samples, n_features = X.shape
        w = check_sample_weight(sample_weight, n_samples)
        w = w / w.sum()
        penalty, options = self._penalty_and_solver(n_features)
        targets = [classes[1]] if classes.size == 2 else list(classes)
        warm = (self.warm_start and hasattr(self, "coef_")
                and self.coef_.shape == (len(targets), n_features)
                and np.array_equal(getattr(self, "classes_", None), classes))
        coefs, intercepts, n_iters, curves = [], [], [], []
        converged = True
        with blas_limit(X.size):
            for k, target in enumerate(targets):
                y_sign = np.where(y == target, 1.0, -1.0)
                init = None
                if warm:
                    init = (np.append(self.coef_[k], self.intercept_[k])
                            if self.fit_intercept else self.coef_[k].copy())
                res = _fit_binary(X, y_sign, w, penalty, self.alpha, self.fit_intercept,
                                  init, **options)
                coefs.append(res.x[:n_features])
                intercepts.append(res.x[n_features] if self.fit_intercept else 0.0)
                n_iters.append(res.n_iter)
                curves.append(res.loss_curve)
                converged &= res.converged
        if not converged:
            warnings.warn(f"The solver did not converge in max_iter={options['max_iter']} "
                          "iterations; consider increasing max_iter.", ConvergenceWarning,
                          stacklevel=2)
        self.classes_ = classes
        self.coef_ = np.array(coefs)
        self.intercept_ = np.array(intercepts, dtype=np.float64)
        self.n_iter_ = np.array(n_iters)
        self.loss_curve_ = curves
        return self

    def decision_function(self, X):
        """Signed scores ``X @ coef_.T + intercept_``: shape (n_samples,) for two classes,
        (n_samples, n_classes) otherwise."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """Class probabilities: the sigmoid of the scores, normalized over the classes
        (one-vs-rest).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = expit(scores)
            return np.column_stack([1.0 - p, p])
        p = expit(scores)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The class of largest score."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]
