"""The grouping term tau(X) that keeps local groups of points together.

Reference: "Regularizing persistent homology gradient computation with a grouping term"
(Eqs. 4-6): the squared change of the pairwise distances of the original cloud, weighted by
a kernel of those distances, so that a topological gradient moves groups of points rather
than single points.
"""

import numpy as np
from scipy.spatial import cKDTree

from ..utils._math import power_of_two_scale
from ..utils._validation import (check_memory, check_option, check_points, check_scalar,
                                 validation_skipped)

__all__ = ["GroupingPenalty", "distance_distortion"]

# the Gaussian kernel is cut where it falls below exp(-_GAUSS_CUT ** 2 / 2) ~ 3e-4
_GAUSS_CUT = 4.0
# tau is a sum of squared lengths: clouds spread wider than this overflow float64
_MAX_SPREAD = 1e150


def _check_cloud(X, input_name):
    X = check_points(X, input_name)
    spread = float(np.ptp(X, axis=0).max()) if len(X) else 0.0
    if spread > _MAX_SPREAD:
        raise ValueError(f"{input_name} spans {spread:.3g}: its squared distances overflow "
                         "float64, and so would the grouping term; rescale the cloud (tau "
                         "scales as the square of the coordinates).")
    return X


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
        reference = _check_cloud(reference, "reference")
        check_scalar(scale, "scale", low=0, include_low=False)
        check_option(kernel, "kernel", ("uniform", "gaussian"))
        self.reference = reference
        self.scale = scale
        self.kernel = kernel
        radius = scale if kernel == "uniform" else _GAUSS_CUT * scale
        tree = cKDTree(reference)
        # the pairs are counted (no storage) before they are listed: 40 bytes per pair
        n_pairs = (int(tree.count_neighbors(tree, radius)) - len(reference)) // 2
        check_memory(40 * n_pairs, f"The grouping term of {len(reference)} points at "
                     f"scale={scale} ({n_pairs:.3g} pairs)", "lower the scale")
        pairs = tree.query_pairs(radius, output_type="ndarray")
        self.pairs_ = np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
        diff = reference[self.pairs_[:, 0]] - reference[self.pairs_[:, 1]]
        self.lengths_ = np.linalg.norm(diff, axis=1)
        if kernel == "uniform":
            self.weights_ = np.ones(len(self.pairs_))
        else:
            self.weights_ = np.exp(-self.lengths_ ** 2 / (2 * scale ** 2))

    def value_and_grad(self, X):
        """Return ``tau(X)`` and its gradient, an array shaped like ``X``."""
        X = (np.asarray(X, dtype=np.float64) if validation_skipped()
             else _check_cloud(X, "X").reshape(np.shape(X)))
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
        n = len(X)
        # bincount per coordinate: several times faster than np.add.at
        grad = np.column_stack([np.bincount(i, c, minlength=n) - np.bincount(j, c, minlength=n)
                                for c in contrib.T]).reshape(X.shape)
        return value, grad

    def __call__(self, X):
        return self.value_and_grad(X)[0]


def distance_distortion(reference, X, *, groups=None, max_distance=None):
    """Relative change of the pairwise distances within groups or within a radius.

    ``||d(X) - d(X')|| / ||d(X')||`` over the pairs of points in the same group (when
    ``groups`` is given) or at most ``max_distance`` apart in the reference (when it is
    given; both may be combined), where ``d`` are pairwise Euclidean distances: 0 for a
    rigid motion of every group, what the grouping term protects.

    Parameters
    ----------
    reference : array-like of shape (n_points, n_dims)
        The original cloud.
    X : array-like of shape (n_points, n_dims)
        The moved cloud.
    groups : array-like of shape (n_points,), default=None
        Group label of each point; None puts every point in one group.
    max_distance : float, default=None
        Only pairs at most this far apart in ``reference`` count; None counts every pair.

    Returns
    -------
    distortion : float

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import distance_distortion
    >>> X0 = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 0.0], [6.0, 0.0]])
    >>> X = X0 + [[0.0, 0.0], [0.0, 0.0], [-3.0, 0.0], [-3.0, 0.0]]  # move one group
    >>> distance_distortion(X0, X, groups=[0, 0, 1, 1])
    0.0
    >>> round(distance_distortion(X0, X), 4)
    0.5883
    """
    from scipy.spatial.distance import pdist

    reference = check_points(reference, "reference")
    X = check_points(X, "X")
    n = len(X)
    check_memory(4 * 8 * (n * (n - 1) // 2), f"distance_distortion of {n} points (all "
                 "pairwise distances)", "pass fewer points (a subsample)")
    if X.shape != reference.shape:
        raise ValueError(f"X must have the shape of the reference {reference.shape}, got "
                         f"{X.shape}.")
    # a ratio of distances: computed on both clouds divided by their largest coordinate,
    # where no squared distance overflows or underflows
    if max_distance is not None:
        check_scalar(max_distance, "max_distance", low=0, allow_inf=True)
    scale = power_of_two_scale(reference, X)
    reference, X = reference / scale, X / scale
    d0, d1 = pdist(reference), pdist(X)
    keep = np.ones(d0.size, dtype=bool)
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (len(X),):
            raise ValueError(f"groups must have shape ({len(X)},), got {groups.shape}.")
        i, j = np.triu_indices(len(X), 1)   # the order of pdist
        keep &= groups[i] == groups[j]
    if max_distance is not None:
        keep &= d0 <= max_distance / scale
    norm = np.linalg.norm(d0[keep])
    return float(np.linalg.norm((d1 - d0)[keep]) / norm) if norm > 0 else 0.0
