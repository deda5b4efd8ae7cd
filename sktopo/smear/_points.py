"""Approximates of point clouds: random subsamples plus per-point jitter (STUMP Sec. IV-B)."""

from numbers import Integral, Real

import numpy as np

from ..utils._sklearn_compat import Interval
from ..utils._validation import (CONSTRAINTS, check_memory, check_points, check_scalar,
                                 check_values, validate_params)
from ._random import as_generator

__all__ = ["PointSubsample", "subsample_points", "points_pullback"]


def _n_keep(n_samples, n_points, name="n_samples"):
    if isinstance(n_samples, bool):
        raise TypeError(f"The '{name}' parameter must be an int or a float, got "
                        f"{n_samples!r}.")
    if isinstance(n_samples, (Integral, np.integer)):
        if not 1 <= n_samples <= n_points:
            raise ValueError(f"The '{name}' parameter must be in [1, {n_points}] as an int, "
                             f"got {n_samples}.")
        return int(n_samples)
    if isinstance(n_samples, Real):
        if not 0 < n_samples <= 1:
            raise ValueError(f"The '{name}' parameter must be in (0, 1] as a fraction, got "
                             f"{n_samples}.")
        return max(1, int(round(n_samples * n_points)))
    raise TypeError(f"The '{name}' parameter must be an int or a float, got {n_samples!r}.")


@validate_params({"X": ["array-like"], "eps": [Interval(Real, 0, None, closed="left")],
                  "indices": ["array-like", None], "noise": ["array-like", None],
                  "random_state": CONSTRAINTS["random_state"]})
def subsample_points(X, n_samples=1.0, eps=0.0, *, indices=None, noise=None,
                     random_state=None):
    """A random approximate of a point cloud: a subsample, each point jittered.

    Parameters
    ----------
    X : array-like of shape (n_points, n_dims)
        The point cloud.
    n_samples : int or float, default=1.0
        Number of points kept (int) or fraction of them (float in (0, 1]); drawn without
        replacement.
    eps : float, default=0
        Half-width of the uniform jitter added to every coordinate of the kept points.
    indices : array-like of int, default=None
        Explicit indices of the kept points (tests pin them); None draws them.
    noise : array-like of shape (n_kept, n_dims), default=None
        Explicit jitter; None draws it uniformly in ``[-eps, eps]``.
    random_state : int, RandomState, Generator or None, default=None

    Returns
    -------
    points : ndarray of shape (n_kept, n_dims)
        ``X[indices] + noise``.
    indices : ndarray of int of shape (n_kept,)
        Which points were kept (sorted when drawn); give it to :func:`points_pullback`.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import subsample_points
    >>> X = np.arange(10.0).reshape(5, 2)
    >>> points, idx = subsample_points(X, indices=[0, 3])
    >>> points
    array([[0., 1.],
           [6., 7.]])
    >>> subsample_points(X, 0.6, random_state=0)[0].shape
    (3, 2)
    """
    X = check_points(X, "X")
    check_scalar(eps, "eps", low=0)
    rng = None
    if indices is None:
        rng = as_generator(random_state)
        k = _n_keep(n_samples, len(X))
        indices = np.sort(rng.choice(len(X), size=k, replace=False))
    else:
        indices = np.asarray(indices)
        if not np.issubdtype(indices.dtype, np.integer) or indices.ndim != 1:
            raise ValueError("The 'indices' parameter must be a 1-D array of ints.")
        if indices.size and (indices.min() < 0 or indices.max() >= len(X)):
            raise ValueError(f"The 'indices' parameter must lie in [0, {len(X)}).")
        indices = indices.astype(np.intp)
    points = X[indices]
    if noise is not None:
        noise = check_values(noise, "noise", min_size=0)
        if noise.shape != points.shape:
            raise ValueError(f"The 'noise' parameter must have shape {points.shape}, got "
                             f"{noise.shape}.")
        points = points + noise
    elif eps > 0:
        rng = as_generator(random_state) if rng is None else rng
        points = points + rng.uniform(-eps, eps, points.shape)
    return points, indices


def _check_indices(indices, n_points, n_kept):
    """The kept indices: ``n_kept`` ints in ``[0, n_points)``, as an intp array."""
    arr = np.asarray(indices) if not isinstance(indices, (str, bytes)) else np.array([])
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer) or arr.ndim != 1:
        raise ValueError(f"The 'indices' parameter must be a 1-D array of ints, got "
                         f"{indices!r:.80}.")
    if arr.size != n_kept:
        raise ValueError(f"The 'indices' parameter must hold one index per row of grad "
                         f"({n_kept}), got {arr.size}.")
    if arr.size and (arr.min() < 0 or arr.max() >= n_points):
        raise ValueError(f"The 'indices' parameter must lie in [0, n_points={n_points}).")
    return arr.astype(np.intp)


@validate_params({"grad": ["array-like"], "indices": ["array-like"],
                  "n_points": [Interval(Integral, 1, None, closed="left")]})
def points_pullback(grad, indices, n_points):
    """Adjoint of the subsample: the gradient of the kept points, zero elsewhere.

    The jitter is additive, so it passes the gradient through unchanged.

    Parameters
    ----------
    grad : array-like of shape (n_kept, n_dims) or (n_kept,)
        The gradient on the kept points (finite).
    indices : array-like of int of shape (n_kept,)
        Which points were kept, in ``[0, n_points)`` (from :func:`subsample_points`).
    n_points : int
        Number of points of the cloud.

    Returns
    -------
    grad_cloud : ndarray of shape (n_points, n_dims)

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import points_pullback
    >>> points_pullback(np.ones((2, 2)), np.array([0, 2]), 3)
    array([[1., 1.],
           [0., 0.],
           [1., 1.]])
    """
    grad = check_values(grad, "grad", ndim=(1, 2), min_size=0)
    if grad.ndim == 1:
        grad = grad[:, None]
    n_points = int(n_points)
    indices = _check_indices(indices, n_points, len(grad))
    check_memory(8.0 * n_points * grad.shape[1], f"a gradient on n_points={n_points}",
                 "pass the number of points of the cloud")
    out = np.zeros((n_points, grad.shape[1]))
    np.add.at(out, indices, grad)
    if not np.isfinite(out).all():
        raise ValueError("The gradients of repeated indices overflow when summed: rescale "
                         "'grad'.")
    return out


class PointSubsample:
    """Random subsamples of a point cloud, each point jittered: a sampler of approximates
    (STUMP, Sec. IV-B).

    Parameters
    ----------
    subsample : int or float, default=1.0
        Points kept in each approximate: a count, or a fraction in (0, 1].
    eps : float, default=0
        Half-width of the uniform jitter of every coordinate, >= 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import PointSubsample
    >>> X = np.arange(10.0).reshape(5, 2)
    >>> points, draw = PointSubsample(3).sample(X, random_state=0)
    >>> points.shape
    (3, 2)
    >>> PointSubsample(3).pullback(np.ones((3, 2)), draw).sum()
    np.float64(6.0)
    """

    def __init__(self, subsample=1.0, *, eps=0.0):
        self.subsample = subsample
        self.eps = eps

    def sample(self, x, random_state=None):
        """Draw one approximate of the cloud ``x`` (n_points, n_dims); returns it and the
        draw (the kept indices and the cloud's shape)."""
        x = check_values(x, "x")
        points = x.reshape(len(x), -1)
        check_scalar(self.eps, "eps", low=0)
        n_keep = _n_keep(self.subsample, len(points), "subsample")
        rng = as_generator(random_state)
        keep = None
        if n_keep < len(points):
            keep = np.sort(rng.choice(len(points), n_keep, replace=False))
            points = points[keep]
        else:
            points = points.copy()
        if self.eps > 0:
            points += rng.uniform(-self.eps, self.eps, points.shape)
        return points, (keep, x.shape)

    def pullback(self, grad, draw):
        """The adjoint of the draw: a gradient on the kept points (an array, or a sparse
        ``(indices, values)`` on the flat approximate) to one on the cloud (same kind)."""
        keep, shape = draw
        n_dims = int(np.prod(shape[1:]))
        if not isinstance(grad, tuple):
            grad = np.asarray(grad, dtype=np.float64).ravel()
            idx, vals = self.pullback((np.arange(grad.size), grad), draw)
            out = np.zeros(int(np.prod(shape)))
            np.add.at(out, idx, vals)
            return out.reshape(shape)
        idx, vals = grad
        if keep is None:
            return idx, vals
        row, col = np.divmod(idx, n_dims)
        return keep[row] * n_dims + col, vals
