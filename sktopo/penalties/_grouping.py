"""The grouping term tau(X) that keeps local groups of points together.

Reference: "Regularizing persistent homology gradient computation with a grouping term"
(Eqs. 4-6): the squared change of the pairwise distances of the original cloud, weighted by
a kernel of those distances, so that a topological gradient moves groups of points rather
than single points.
"""

import numpy as np
from scipy.spatial import cKDTree

from ..utils._validation import check_option, check_points, check_scalar

__all__ = ["GroupingPenalty"]

# the Gaussian kernel is cut where it falls below exp(-_GAUSS_CUT ** 2 / 2) ~ 3e-4
_GAUSS_CUT = 4.0


class GroupingPenalty:
    r"""Grouping term of a point cloud with respect to its original positions.

    .. math::

        \tau(X) = \sum_{\{a, b\}} k(\|a' - b'\|)\,(\|a' - b'\| - \|a - b\|)^2

    over the unordered pairs of points, where :math:`a', b'` are the original positions
    (``reference``) and :math:`a, b` the current ones. The uniform kernel is
    :math:`k(r) = 1` for :math:`r \le s` and 0 beyond (the paper's); the Gaussian kernel
    :math:`k(r) = \exp(-r^2 / 2s^2)` is cut at :math:`r > 4s`. Only the pairs in the
    kernel's support are stored (a KD-tree query), so large clouds are cheap.

    Parameters
    ----------
    reference : array-like of shape (n_points, n_dims)
        The original cloud :math:`X'`.
    scale : float, default=1.0
        Kernel scale :math:`s`, > 0.
    kernel : {"uniform", "gaussian"}, default="uniform"
        Kernel :math:`k`.

    Attributes
    ----------
    pairs_ : ndarray of shape (n_pairs, 2)
        The pairs of points in the kernel's support.
    weights_ : ndarray of shape (n_pairs,)
        Their kernel weights.
    lengths_ : ndarray of shape (n_pairs,)
        Their original distances.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import GroupingPenalty
    >>> X0 = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 0.0]])
    >>> tau = GroupingPenalty(X0, scale=1.5)
    >>> X = np.array([[0.0, 0.0], [2.0, 0.0], [9.0, 0.0]])   # only the first pair counts
    >>> value, grad = tau.value_and_grad(X)
    >>> value, grad[:, 0]
    (1.0, array([-2.,  2.,  0.]))
    """

    def __init__(self, reference, scale=1.0, kernel="uniform"):
        reference = check_points(reference, "reference")
        check_scalar(scale, "scale", low=0, include_low=False)
        check_option(kernel, "kernel", ("uniform", "gaussian"))
        self.reference = reference
        self.scale = scale
        self.kernel = kernel
        radius = scale if kernel == "uniform" else _GAUSS_CUT * scale
        pairs = cKDTree(reference).query_pairs(radius, output_type="ndarray")
        self.pairs_ = np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
        diff = reference[self.pairs_[:, 0]] - reference[self.pairs_[:, 1]]
        self.lengths_ = np.linalg.norm(diff, axis=1)
        if kernel == "uniform":
            self.weights_ = np.ones(len(self.pairs_))
        else:
            self.weights_ = np.exp(-self.lengths_ ** 2 / (2 * scale ** 2))

    def value_and_grad(self, X):
        """Return ``tau(X)`` and its gradient, an array shaped like ``X``."""
        X = np.asarray(X, dtype=np.float64)
        if X.shape != self.reference.shape:
            raise ValueError(f"X must have the shape of the reference {self.reference.shape}"
                             f", got {X.shape}.")
        i, j = self.pairs_[:, 0], self.pairs_[:, 1]
        diff = X[i] - X[j]
        length = np.linalg.norm(diff, axis=1)
        gap = self.lengths_ - length
        value = float(np.sum(self.weights_ * gap ** 2))
        # d/dx_i of k (l0 - |x_i - x_j|)^2 = -2 k (l0 - l) (x_i - x_j) / l (0 where l = 0)
        coef = np.divide(-2 * self.weights_ * gap, length, out=np.zeros_like(length),
                         where=length > 0)
        contrib = diff * coef[:, None]
        grad = np.zeros_like(X)
        np.add.at(grad, i, contrib)
        np.add.at(grad, j, -contrib)
        return value, grad

    def __call__(self, X):
        return self.value_and_grad(X)[0]
