"""The polynomial energy E(p, q, i0) of the Topology Layer paper and the Betti target.

Reference: R. Bruel-Gabrielsson, B. J. Nelson, A. Dwaraknath, P. Skraba, L. J. Guibas,
G. Carlsson, "A Topology Layer for Machine Learning", AISTATS 2020, Eq. 2.
"""

import numpy as np

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval

from ..utils._validation import CONSTRAINTS, check_params
from ._base import DiagramFunctional

__all__ = ["PolynomialEnergy", "BettiTarget", "lifetime_ranks", "most_persistent"]


def lifetime_ranks(diagram):
    """Rank of every point by decreasing lifetime, starting at 1.

    Essential points come first (they are the most persistent), then the finite points by
    decreasing lifetime; equal lifetimes keep the diagram's order (a stable sort).
    """
    lifetimes = np.where(diagram.essential, np.inf, diagram.lifetimes)
    order = np.argsort(-lifetimes, kind="stable")
    ranks = np.empty(len(diagram), dtype=np.intp)
    ranks[order] = np.arange(1, len(diagram) + 1)
    return ranks


def most_persistent(diagram, n):
    """Boolean mask of the ``n`` points of lowest :func:`lifetime_ranks` (rank <= n).

    The same selection as ``lifetime_ranks(diagram) <= n`` in O(n_points): a partition
    finds the n-th largest lifetime, equal lifetimes at that value are taken in diagram
    order.
    """
    size = len(diagram)
    if n <= 0:
        return np.zeros(size, dtype=bool)
    if n >= size:
        return np.ones(size, dtype=bool)
    lifetimes = np.where(diagram.essential, np.inf, diagram.lifetimes)
    cut = np.partition(lifetimes, size - n)[size - n]        # the n-th largest
    mask = lifetimes > cut
    ties = np.flatnonzero(lifetimes == cut)
    mask[ties[:n - int(mask.sum())]] = True
    return mask


def _check_constraints(functional):
    constraints = functional._parameter_constraints
    params = {k: getattr(functional, k) for k in constraints}
    check_params(constraints, params, type(functional).__name__)
    for k, v in params.items():     # Interval(Real) lets +-inf through
        if isinstance(v, (Real, np.number)) and not np.isfinite(v) and k != "max_persistence":
            raise ValueError(f"The {k!r} parameter of {type(functional).__name__} must be "
                             f"finite, got {v!r}.")


def _check_mid_points(diagram, mask, q):
    """The rule for ``m^q`` (``m = (b + d) / 2``): real and finite, or a clear error.

    A non-integer ``q`` needs ``m >= 0`` (``m^q`` is not real below 0); a negative ``q``
    needs ``m != 0``.
    """
    mid = (diagram.births[mask] + diagram.deaths[mask]) / 2
    if not mid.size:
        return
    if float(q) != int(q) and mid.min() < 0:
        raise ValueError(f"PolynomialEnergy(q={q!r}) needs mid-points (b + d) / 2 >= 0, "
                         f"got {float(mid.min())!r}: use an integer q, or shift the input so "
                         "that its values are positive.")
    if q < 0 and np.any(mid == 0):
        raise ValueError(f"PolynomialEnergy(q={q!r}) is infinite at a mid-point (b + d) / 2 "
                         "= 0: use q >= 0, or shift the input away from 0.")


def _power_slope(diff, p, length=None):
    """``|diff|^p`` and its derivative in ``diff`` (0 on the diagonal), few array passes.

    ``length``: ``|diff|`` when the caller has it already.
    """
    if p == 1:
        return np.abs(diff) if length is None else length, np.sign(diff)
    if p == 2:
        return diff * diff, 2 * diff
    length = np.abs(diff) if length is None else length
    safe = np.where(length > 0, length, 1.0)
    return length ** p, np.where(length > 0, p * safe ** (p - 1), 0.0) * np.sign(diff)


def _power_grad(diagram, p, q, mask):
    """Value and gradient of sum over ``mask`` of |d - b|^p ((b + d) / 2)^q.

    On the hot path of every optimizer step: the common cases q = 0, p in {1, 2} take few
    array passes; |d - b|^(p-1) is taken as 0 on the diagonal.
    """
    n = len(diagram)
    if q == 0 and p in (1, 2) and n:
        # the common norms, on whole arrays (no gathers): points outside the mask (the
        # essential ones among them) get a zero slope
        diff = diagram.deaths - diagram.births
        with np.errstate(over="ignore"):        # overflow: the error of _finite
            lp = np.abs(diff) if p == 1 else diff * diff
            value = float(np.add.reduce(lp, where=mask))
        slope = np.where(mask, np.sign(diff) if p == 1 else 2 * diff, 0.0)
        if np.isfinite(value):
            return value, -slope, slope
        return _finite(value, -slope, slope)
    grad_births = np.zeros(n)
    grad_deaths = np.zeros(n)
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return 0.0, grad_births, grad_deaths
    diff = diagram.deaths[idx] - diagram.births[idx]
    with np.errstate(over="ignore", invalid="ignore"):   # overflow: the error of _finite
        lp, slope = _power_slope(diff, p)
    if q == 0:
        grad_births[idx] = -slope
        grad_deaths[idx] = slope
        value = float(lp.sum())
        if p >= 1 and np.isfinite(value):
            # a finite sum of |d - b|^p, p >= 1, has finite |d - b| and so a finite slope:
            # no pass over the gradients (a hot path of every step)
            return value, grad_births, grad_deaths
        return _finite(value, grad_births, grad_deaths)
    mid = (diagram.births[idx] + diagram.deaths[idx]) / 2
    with np.errstate(over="ignore", invalid="ignore"):
        mid_q = mid ** q
        dmid = 0.5 * q * mid ** (q - 1) * lp
        grad_births[idx] = -slope * mid_q + dmid
        grad_deaths[idx] = slope * mid_q + dmid
        value = float(np.sum(lp * mid_q))
    return _finite(value, grad_births, grad_deaths)


def _finite(value, grad_births, grad_deaths):
    """The result, or a clear error when the powers overflow float64."""
    if not (np.isfinite(value) and np.isfinite(grad_births).all()
            and np.isfinite(grad_deaths).all()):
        raise ValueError("The diagram functional overflows float64 (|d - b|^p or m^q above "
                         "1.8e308): use smaller powers p, q, or rescale the input.")
    return value, grad_births, grad_deaths


class PolynomialEnergy(DiagramFunctional):
    r"""The energy :math:`\mathcal{E}(p, q, i_0)` of a diagram (Topology Layer paper, Eq. 2).

    .. math::

        \mathcal{E}(p, q, i_0; \mathrm{PD}) = \sum_{i \ge i_0} |d_i - b_i|^p
        \left(\frac{d_i + b_i}{2}\right)^q

    where the points are sorted by decreasing lifetime. Essential points count as the most
    persistent ones and contribute nothing, so on a diagram with one essential point,
    ``i0=2`` sums over every finite point: ``E(1, 0, 2)`` on PD0 of points on the line is
    their range (Top1), and ``E(1, 0, 4)`` leaves three clusters free (Top2).

    Parameters
    ----------
    p : float, default=1
        Power of the lifetimes, >= 0.
    q : float, default=0
        Power of the mid-points; a non-integer ``q`` needs positive mid-points.
    i0 : int, default=1
        Rank of the first point summed (1 = all points).

    Notes
    -----
    The gradient of a point's term goes to its birth, ``-p |d-b|^{p-1} sign(d-b) m^q +
    q/2 m^{q-1} |d-b|^p``, and to its death, ``p |d-b|^{p-1} sign(d-b) m^q + q/2 m^{q-1}
    |d-b|^p`` with ``m = (b + d) / 2``. Equal lifetimes at the rank ``i0`` are ranked in
    diagram order.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import rips_persistence
    >>> from sktopo.functionals import PolynomialEnergy
    >>> dgm = rips_persistence(np.array([0.0, 0.1, 1.0, 1.2, 3.0]), homology_dimensions=0)[0]
    >>> PolynomialEnergy(1, 0, 2)(dgm)   # Top1: the range of the points
    3.0
    >>> round(PolynomialEnergy(1, 0, 4)(dgm), 6)   # Top2: the two smallest gaps
    0.3
    """

    _parameter_constraints = {
        "p": [Interval(Real, 0, None, closed="left")],
        "q": [Interval(Real, None, None, closed="neither")],
        "i0": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, p=1, q=0, i0=1):
        self.p = p
        self.q = q
        self.i0 = i0

    def _validate_params(self):
        _check_constraints(self)

    def value_and_grad(self, diagram):
        self._check_params()
        mask = ~most_persistent(diagram, self.i0 - 1) & ~diagram.essential
        if self.q != 0:
            _check_mid_points(diagram, mask, self.q)
        return _power_grad(diagram, self.p, self.q, mask)


class BettiTarget(DiagramFunctional):
    r"""Keep the ``k`` most persistent points, push the others to the diagonal.

    .. math::

        \sum_{i > k} |d_i - b_i|^p + \sum_{i \le k, \text{finite}}
        \max(0, \ell_{\min} - |d_i - b_i|)^p

    with points ranked by decreasing lifetime (essential points first, counted among the
    kept ones). The second sum is present only when ``min_persistence`` is given.

    Parameters
    ----------
    k : int, default=1
        Number of points kept (the target Betti number), >= 0.
    p : float, default=2
        Power of the lifetimes, >= 1.
    min_persistence : float, default=None
        Lifetime the kept points are pushed above. None leaves them alone.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import Diagram
    >>> from sktopo.functionals import BettiTarget
    >>> dgm = Diagram(np.array([0., 1., 2.]), np.array([5., 2., 2.5]),
    ...               np.array([0, 1, 2]), np.array([3, 4, 5]))
    >>> BettiTarget(k=1, p=1)(dgm)
    1.5
    >>> BettiTarget(k=2, p=1, min_persistence=2.0)(dgm)
    1.5
    """

    _parameter_constraints = {
        "k": [Interval(Integral, 0, None, closed="left")],
        "p": [Interval(Real, 1, None, closed="left")],
        "min_persistence": CONSTRAINTS["min_persistence"] + [None],
    }

    def __init__(self, k=1, p=2, min_persistence=None):
        self.k = k
        self.p = p
        self.min_persistence = min_persistence

    def _validate_params(self):
        _check_constraints(self)

    def value_and_grad(self, diagram):
        self._check_params()
        top = most_persistent(diagram, self.k)
        finite = ~diagram.essential
        value, gb, gd = _power_grad(diagram, self.p, 0, ~top & finite)
        if self.min_persistence is not None:
            kept = np.flatnonzero(top & finite)
            b, d = diagram.births[kept], diagram.deaths[kept]
            gap = self.min_persistence - np.abs(d - b)
            short = gap > 0
            kept, b, d, gap = kept[short], b[short], d[short], gap[short]
            sign = np.sign(d - b)
            value += float(np.sum(gap ** self.p))
            slope = self.p * gap ** (self.p - 1)
            gb[kept] += slope * sign
            gd[kept] -= slope * sign
        return value, gb, gd
