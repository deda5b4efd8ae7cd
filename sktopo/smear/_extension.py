r"""Diffeomorphic interpolation: a sparse gradient on points extended to a smooth field.

A topological gradient on a point cloud is nonzero on the few points that carry critical
edges, so a descent step tears them out of their neighbourhoods and the rest of the cloud
does not move. Carriere, Theveneau and Lacombe (NeurIPS 2024) replace it by the smooth
vector field that interpolates it,

.. math::

    v(x) = \sum_{a \in A} k_\sigma(x - x_a)\, \alpha_a, \qquad
    K \alpha = g_A, \quad K_{ab} = k_\sigma(x_a - x_b),

with :math:`A` the points of nonzero gradient and :math:`k_\sigma` a Gaussian kernel:
:math:`v` equals the gradient on :math:`A` (the same descent rate) and moves whole regions
with them. The kernel system is solved once per step (Cholesky, with a small jitter on the
diagonal); the field is evaluated on all points in blocks, so memory stays at
``block x |A|``.
"""

from numbers import Integral, Real

import numpy as np
from scipy.linalg import lstsq
from scipy.linalg.lapack import dpotrf, dpotrs

from ..utils._sklearn_compat import Interval
from ..utils._validation import (CONSTRAINTS, check_params, check_points, check_values,
                                 validate_params)
from ._points import PointSubsample
from ._random import as_generator

__all__ = ["GradientExtension", "extend_gradient"]

_BLOCK_VALUES = 2 ** 22     # kernel values evaluated at once
# the kernel solve costs O(max_active^3) (about 10 s at 10_000 points)
_MAX_ACTIVE = 10_000
# coordinates within this many kernel widths of the centre: |x|^2 + |y|^2 - 2 x.y is exact
# enough (its rounding error, 1e8 * 2**-52, is far below the kernel's scale)
_EXPANSION_RANGE = 1e4

_CONSTRAINTS = {"sigma": [Interval(Real, 0, None, closed="neither")],
                "max_active": [Interval(Integral, 1, _MAX_ACTIVE, closed="both")],
                "jitter": [Interval(Real, 0, 1, closed="both")],
                "random_state": CONSTRAINTS["random_state"]}


def _centred(X, sigma):
    """``X`` centred on its bounding box and quartered (no overflow), and whether its
    coordinates are within ``_EXPANSION_RANGE`` kernel widths."""
    centre = X.min(axis=0) / 2 + X.max(axis=0) / 2
    U = X / 4 - centre / 4
    return U, np.abs(U).max() <= _EXPANSION_RANGE * sigma / 4


def _gaussian(U, V, sigma, expansion):
    """``exp(-|u - v|^2 / (2 sigma^2))`` of the quartered coordinates of :func:`_centred`.

    Far points (whole cloud within ``_EXPANSION_RANGE`` widths): the expansion
    ``|u|^2 + |v|^2 - 2 u.v``; otherwise coordinate differences, which overflow to
    ``inf`` (a zero kernel) only for points farther apart than the float range.
    """
    if expansion:
        # -|x - y|^2 / 2 = x.y - |x|^2 / 2 - |y|^2 / 2, in place on the product matrix
        X, Y = U * (4 / sigma), V * (4 / sigma)
        expo = X @ Y.T
        expo -= 0.5 * np.einsum("ij,ij->i", X, X)[:, None]
        expo -= 0.5 * np.einsum("ij,ij->i", Y, Y)[None, :]
        np.minimum(expo, 0.0, out=expo)
    else:
        expo = np.zeros((len(U), len(V)))
        with np.errstate(over="ignore"):
            for c in range(U.shape[1]):
                expo += np.square((U[:, c, None] - V[None, :, c]) / sigma * 4)
        expo *= -0.5
    return np.exp(expo, out=expo)


def _solve(K, G):
    """``K^-1 G`` for the kernel matrix (Cholesky; least squares if it is not positive
    definite in floating point).

    LAPACK's ``potrf``/``potrs`` are called directly: on the few dozen active points of
    a small cloud the checks of ``scipy.linalg.cho_factor`` cost more than the solve.
    """
    factor, info = dpotrf(K, lower=1, clean=0)
    if info == 0:
        solution, info = dpotrs(factor, G, lower=1)
        if info == 0:
            return solution
    return lstsq(K, G, check_finite=False)[0]


@validate_params({"X": ["array-like"], "grad": ["array-like"], **_CONSTRAINTS})
def extend_gradient(X, grad, sigma, *, max_active=2000, jitter=1e-8, random_state=None):
    r"""Extend a gradient on some points of a cloud to a smooth field on all of them.

    Parameters
    ----------
    X : array-like of shape (n_points, n_dims)
        The point cloud.
    grad : array-like of shape (n_points, n_dims)
        The gradient; the rows that are not all zero are the active points :math:`A`.
    sigma : float
        Width of the Gaussian kernel :math:`k_\sigma(u) = \exp(-|u|^2 / 2\sigma^2)`, in
        the units of ``X``, > 0. Large: the whole cloud moves as one; small: the field is
        the gradient itself.
    max_active : int, default=2000
        At most this many active points enter the kernel system (a random subset of them,
        the others' gradients dropped): the solve costs ``O(|A|^3)``. At most 10_000.
    jitter : float, default=1e-8
        Added to the diagonal of the kernel matrix (relative to its unit diagonal), so
        that coincident or very close active points keep it positive definite; in
        [0, 1].
    random_state : int, RandomState, Generator or None, default=None
        Draws the subset when there are more than ``max_active`` active points.

    Returns
    -------
    field : ndarray of shape (n_points, n_dims)
        :math:`v(x_i)` for every point; equal to ``grad`` on the active points (up to the
        jitter).

    References
    ----------
    .. [1] M. Carriere, M. Theveneau, T. Lacombe, "Diffeomorphic interpolation for
       efficient persistence-based topological optimization", NeurIPS 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import extend_gradient
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 0.0]])
    >>> grad = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    >>> field = extend_gradient(X, grad, sigma=1.0)
    >>> np.round(field, 3)        # the near neighbour follows, the far point does not
    array([[1.   , 0.   ],
           [0.995, 0.   ],
           [0.   , 0.   ]])
    """
    X = check_points(X, "X")
    grad = check_values(grad, "grad")
    if grad.shape != X.shape:
        raise ValueError(f"The 'grad' parameter must have the shape of X {X.shape}, got "
                         f"{grad.shape}.")
    active = np.flatnonzero(np.any(grad != 0, axis=1))
    field = np.zeros_like(X)
    if active.size == 0:
        return field
    if active.size > max_active:
        rng = as_generator(random_state)
        active = np.sort(rng.choice(active, int(max_active), replace=False))
    U, expansion = _centred(X, sigma)
    UA = U[active]
    block = max(1, _BLOCK_VALUES // active.size)
    # a cloud that fits one block: the kernel of all points against the active ones is
    # evaluated once, and the system matrix K is its rows of the active points
    whole = _gaussian(U, UA, sigma, expansion) if len(X) <= block else None
    K = whole[active] if whole is not None else _gaussian(UA, UA, sigma, expansion)
    K.flat[::K.shape[0] + 1] += jitter
    exponent = int(np.frexp(np.abs(grad).max())[1])     # the field is linear in grad
    alpha = _solve(K, np.ldexp(grad[active], -exponent))
    if whole is not None:
        field = whole @ alpha
    else:
        for start in range(0, len(X), block):
            rows = slice(start, start + block)
            field[rows] = _gaussian(U[rows], UA, sigma, expansion) @ alpha
    with np.errstate(over="ignore"):
        field = np.ldexp(field, exponent)
    if not np.isfinite(field).all():
        raise ValueError("The extended gradient overflows the float64 range: rescale "
                         "'grad' or increase 'jitter'.")
    return field


class GradientExtension(PointSubsample):
    """Subsamples of a point cloud whose gradients are extended to the whole cloud.

    A sampler of :func:`~sktopo.stump_minimize` (``smear=GradientExtension(sigma)``): each
    step draws a subsample (as :class:`PointSubsample`), and the gradient of the loss on
    it, pulled back to the cloud, is extended to every point by
    :func:`extend_gradient` (diffeomorphic interpolation, Carriere et al. 2024), so that
    the neighbourhoods of the critical points move with them. With ``subsample=1.0`` the
    loss sees the whole cloud at every step.

    Parameters
    ----------
    sigma : float
        Width of the Gaussian kernel, in the units of the cloud, > 0.
    subsample : int or float, default=1.0
        Points kept in each subsample: a count, or a fraction in (0, 1].
    eps : float, default=0
        Half-width of the uniform jitter of the kept points, >= 0.
    max_active : int, default=2000
        At most this many points with a nonzero gradient enter the kernel solve.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import TopologicalLoss, stump_minimize
    >>> from sktopo.functionals import PersistenceNorm
    >>> from sktopo.smear import GradientExtension
    >>> theta = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    >>> X = np.c_[np.cos(theta), np.sin(theta)]
    >>> loss = TopologicalLoss(PersistenceNorm(p=2), filtration="weak_alpha",
    ...                        homology_dimensions=1)
    >>> res = stump_minimize(loss, X, smear=GradientExtension(0.3), alpha=1.0,
    ...                      learning_rate=0.05, max_iter=30, random_state=0)
    >>> bool(loss(res.x) < 0.5 * loss(X))
    True
    """

    def __init__(self, sigma, subsample=1.0, *, eps=0.0, max_active=2000):
        super().__init__(subsample, eps=eps)
        self.sigma = sigma
        self.max_active = max_active

    def sample(self, x, random_state=None):
        """Draw one subsample of the cloud ``x``; the draw keeps ``x`` for the extension."""
        check_params({k: _CONSTRAINTS[k] for k in ("sigma", "max_active")},
                     {"sigma": self.sigma, "max_active": self.max_active},
                     type(self).__name__)
        rng = as_generator(random_state)
        points, draw = super().sample(x, rng)
        return points, (draw, np.asarray(x), rng)

    def pullback(self, grad, draw):
        """The gradient on the subsample, pulled back to the cloud and extended to all its
        points (a dense ``(indices, values)`` pair, or an array, as given)."""
        draw, x, rng = draw
        dense = super().pullback(grad, draw)
        if isinstance(dense, tuple):
            idx, vals = dense
            flat = np.zeros(x.size)
            np.add.at(flat, idx, vals)
            dense = flat.reshape(x.shape)
        pts = x.reshape(len(x), -1)
        field = extend_gradient(pts, np.asarray(dense).reshape(pts.shape), self.sigma,
                                max_active=self.max_active, random_state=rng)
        if isinstance(grad, tuple):
            return np.arange(x.size), field.ravel()
        return field.reshape(x.shape)
