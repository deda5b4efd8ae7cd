"""Wasserstein and bottleneck distances to a target diagram, the diagonal included."""

import numpy as np

from ..persistence import check_diagram
from ..utils._math import pnorm, power_of_two_scale
from ..utils._validation import check_scalar
from ._base import DiagramFunctional
from ._bottleneck import bottleneck_matching, search_levels

__all__ = ["DiagramDistance", "diagram_matching"]

# the largest finite order p: beyond it, ratios of costs raised to p underflow
_MAX_P = 1000


def _target_points(target):
    """The finite points of the target in the peers' convention (births below deaths)."""
    pts = np.asarray(check_diagram(target, "target").finite())
    return pts.reshape(-1, 2)


def _build_cost(A, B, internal_p):
    """Ground distances between two sets of points and to the diagonal.

    Returns ``C`` of shape (n, m), the distance of the points of A to the diagonal
    (n,) and of the points of B to the diagonal (m,) in the internal_p norm.
    """
    if np.isinf(internal_p):
        C = np.maximum(np.abs(A[:, None, 0] - B[None, :, 0]),
                       np.abs(A[:, None, 1] - B[None, :, 1]))
    else:
        C = pnorm(A[:, None, :] - B[None, :, :], internal_p, axis=2)
    # the nearest diagonal point of (b, d) is at ((b + d) / 2, (b + d) / 2)
    scale = 0.5 if np.isinf(internal_p) else 2 ** (1 / internal_p - 1)
    return C, np.abs(A[:, 1] - A[:, 0]) * scale, np.abs(B[:, 1] - B[:, 0]) * scale


def _norm_grad(v, internal_p):
    """Gradient of the internal_p norm of the rows of v (n, 2), 0 where v = 0."""
    if np.isinf(internal_p):
        arg = np.argmax(np.abs(v), axis=1)
        g = np.zeros_like(v)
        g[np.arange(len(v)), arg] = np.sign(v[np.arange(len(v)), arg])
        return g
    norm = pnorm(v, internal_p, axis=1)
    safe = np.where(norm > 0, norm, 1.0)
    return np.sign(v) * (np.abs(v) / safe[:, None]) ** (internal_p - 1) * (norm > 0)[:, None]


def diagram_matching(A, B, p=2.0, internal_p=np.inf):
    """Optimal partial matching between two finite diagrams, the diagonal included.

    Parameters
    ----------
    A, B : ndarray of shape (n, 2) and (m, 2)
        Finite points (birth, death).
    p : float, default=2
        Order of the Wasserstein distance; ``np.inf`` gives the bottleneck matching.
    internal_p : float, default=np.inf
        Ground norm between points.

    Returns
    -------
    distance : float
        The p-Wasserstein (or bottleneck) distance.
    match : ndarray of int of shape (n,)
        Index in B of the partner of each point of A, -1 for the diagonal.
    """
    n, m = len(A), len(B)
    if np.isinf(p) and np.isinf(internal_p) and n and m:
        match = bottleneck_matching(A, B)
        if match is not None:
            return _matching_cost(A, B, match, p, internal_p), match
    C, diag_a, diag_b = _build_cost(A, B, internal_p)
    if n == 0 or m == 0:
        match = np.full(n, -1, dtype=np.intp)
    elif np.isinf(p):
        # another ground norm: a binary search over every cost
        i, j = np.divmod(np.arange(n * m), m)
        match = search_levels(n, m, (i, j, C.ravel()), diag_a, diag_b,
                              np.unique(np.concatenate([C.ravel(), diag_a, diag_b])))
    else:
        import ot

        # GUDHI's layout: one extra row and column stand for the diagonal; the costs are
        # divided by the largest one first (the matching is scale-free), so that no
        # power overflows
        top = power_of_two_scale(C, diag_a, diag_b)
        M = np.zeros((n + 1, m + 1))
        M[:n, :m] = (C / top) ** p
        M[:n, m] = (diag_a / top) ** p
        M[n, :m] = (diag_b / top) ** p
        a = np.concatenate([np.ones(n), [m]])
        b = np.concatenate([np.ones(m), [n]])
        plan = ot.emd(a, b, M)
        rows = plan[:n]
        match = np.where(rows[:, :m].max(axis=1) > 0.5, rows[:, :m].argmax(axis=1), -1)
    return _matching_cost(A, B, match, p, internal_p), match


def _matching_cost(A, B, match, p, internal_p):
    """The p-cost of a matching (the largest edge for p = inf), the diagonal included."""
    scale = 0.5 if np.isinf(internal_p) else 2 ** (1 / internal_p - 1)
    matched = match >= 0
    v = A[matched] - B[match[matched]]
    pair = pnorm(v, internal_p, axis=1)
    free_b = np.ones(len(B), dtype=bool)
    free_b[match[matched]] = False
    costs = np.concatenate([pair, scale * np.abs(A[~matched, 1] - A[~matched, 0]),
                            scale * np.abs(B[free_b, 1] - B[free_b, 0])])
    return float(pnorm(costs, p)) if costs.size else 0.0


class DiagramDistance(DiagramFunctional):
    r"""p-Wasserstein or bottleneck distance to a target diagram.

    .. math::

        W_p(D, T) = \Big(\min_{\gamma} \sum_{x \in D \cup \Delta} \|x -
        \gamma(x)\|_{q}^p\Big)^{1/p}

    over the bijections between the points of the two diagrams, each point allowed to
    match the diagonal :math:`\Delta`; ``p = inf`` gives the bottleneck distance. The
    matching is exact (POT's network simplex; a threshold search for the bottleneck) and
    the gradient follows it: a point matched to a target point moves towards it, a point
    matched to the diagonal towards its projection. Essential points are left out of both
    diagrams. The bottleneck takes its value from ``gudhi.bottleneck_distance`` and then
    computes one matching at that level (the L-inf ground norm).

    Both diagrams are compared in the peers' convention (``np.asarray(dgm)``: a superlevel
    diagram negated, births below deaths), so a superlevel target may be given as sktopo
    computes it or as exported to GUDHI; the gradient is returned in the diagram's own
    orientation.

    Parameters
    ----------
    target : Diagram, array-like of shape (n_points, 2), GUDHI list or dict
        The target diagram, in any form :func:`~sktopo.persistence.check_diagram` reads
        (finite points are used).
    p : float, default=2
        Order of the distance, in [1, 1000] or ``np.inf`` (bottleneck).
    internal_p : float, default=np.inf
        Ground norm between points (GUDHI's default, inf).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import Diagram
    >>> from sktopo.functionals import DiagramDistance
    >>> dgm = Diagram(np.array([0., 1.]), np.array([4., 1.5]), np.array([0, 1]),
    ...               np.array([2, 3]))
    >>> value, grad_births, grad_deaths = DiagramDistance([[0., 3.]], p=1).value_and_grad(dgm)
    >>> value     # (0, 4) -> (0, 3) costs 1, (1, 1.5) -> diagonal costs 0.25
    1.25
    >>> grad_deaths
    array([1. , 0.5])
    """

    def __init__(self, target, p=2.0, internal_p=np.inf):
        self.target = target
        self.p = p
        self.internal_p = internal_p

    def _validate_params(self):
        check_scalar(self.p, "p", low=1, allow_inf=True)
        if np.isfinite(self.p) and self.p > _MAX_P:
            # the transport costs (cost / largest cost) ** p would underflow to 0 and the
            # matching become arbitrary
            raise ValueError(f"The 'p' parameter must be <= {_MAX_P} or np.inf, got "
                             f"{self.p!r}; use p=np.inf (the bottleneck distance) for the "
                             "limit of large orders.")
        check_scalar(self.internal_p, "internal_p", low=1, allow_inf=True)

    def value_and_grad(self, diagram):
        self._check_params()
        B = _target_points(self.target)
        finite = np.flatnonzero(~diagram.essential)
        A = np.asarray(diagram)[finite]
        # W_p is homogeneous: computed for A / scale and B / scale (no overflow of the
        # distances) and scaled back; its gradient does not change
        unit = power_of_two_scale(A, B)
        A, B = A / unit, B / unit
        value, match = diagram_matching(A, B, self.p, self.internal_p)
        # a point matched to B moves towards its partner: gradient of the ground norm
        v = A - (B[np.maximum(match, 0)] if len(B) else np.zeros_like(A))
        dist = pnorm(v, self.internal_p, axis=1)
        g = _norm_grad(v, self.internal_p)
        # a point matched to the diagonal: its distance is scale * |d - b|
        to_diag = match < 0
        scale = 0.5 if np.isinf(self.internal_p) else 2 ** (1 / self.internal_p - 1)
        sign = np.sign(A[to_diag, 1] - A[to_diag, 0])
        dist[to_diag] = scale * np.abs(A[to_diag, 1] - A[to_diag, 0])
        g[to_diag] = scale * np.column_stack([-sign, sign])
        if np.isinf(self.p):
            # only the longest edge of the matching moves the bottleneck distance
            weights = np.zeros(len(A))
            if len(A) and value > 0 and np.isclose(dist.max(), value):
                weights[np.argmax(dist)] = 1.0
        elif value > 0:
            # d W_p = (dist / W_p)^(p - 1) * d dist (a ratio <= 1: no overflow)
            weights = (dist / value) ** (self.p - 1)
        else:
            weights = np.zeros(len(A))
        grad = np.zeros((len(diagram), 2))
        # back to the diagram's orientation: a superlevel diagram was negated
        grad[finite] = (-1.0 if diagram.superlevel else 1.0) * weights[:, None] * g
        return unit * value, grad[:, 0], grad[:, 1]
