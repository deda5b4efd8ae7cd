"""Thresholded p-Wasserstein norms of a diagram over a birth/lifetime region (STUMP paper)."""

import numpy as np

from numbers import Real

from sklearn.utils._param_validation import Interval

from ..utils._validation import CONSTRAINTS, check_interval_pair, check_ordered
from ._base import DiagramFunctional
from ._energy import _check_constraints, _finite, _power_grad, _power_slope

__all__ = ["PersistenceNorm", "DeathNorm"]


class PersistenceNorm(DiagramFunctional):
    r"""Sum of the ``p``-th powers of the lifetimes of the points inside a region.

    .. math::

        \sum_{(b, d) \in R} |d - b|^p, \quad R = \{\ell_{\min} < |d - b| \le \ell_{\max},
        \ b_{\min} \le b \le b_{\max}\}

    the thresholded p-Wasserstein norm (to the power p) of the STUMP paper [1]_. Minimize
    it to remove the features in the region, maximize it (``-PersistenceNorm(...)``) to
    strengthen them. Essential points are left out.

    Parameters
    ----------
    p : float, default=1
        Power of the lifetimes, > 0.
    min_persistence : float, default=0
        Points with lifetime above this value (strictly) are counted.
    max_persistence : float, default=inf
        Points with lifetime up to this value are counted.
    birth_range : tuple of (float, float), default=None
        Closed interval of the births counted; None counts every birth.

    References
    ----------
    .. [1] E. Solomon, A. Wagner, P. Bendich, "A Fast and Robust Method for Global
       Topological Functional Optimization", AISTATS 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import Diagram
    >>> from sktopo.functionals import PersistenceNorm
    >>> dgm = Diagram(np.array([0., 1., 2.]), np.array([np.inf, 60., 30.]),
    ...               np.array([0, 1, 2]), np.array([-1, 3, 4]))
    >>> PersistenceNorm(p=1, min_persistence=50)(dgm)
    59.0
    >>> PersistenceNorm(p=2)(dgm)
    4265.0
    """

    _parameter_constraints = {
        "p": [Interval(Real, 0, None, closed="neither")],
        "min_persistence": CONSTRAINTS["min_persistence"],
        "max_persistence": CONSTRAINTS["max_persistence"],
        "birth_range": [tuple, list, np.ndarray, None],
    }

    def __init__(self, p=1, min_persistence=0.0, max_persistence=np.inf, birth_range=None):
        self.p = p
        self.min_persistence = min_persistence
        self.max_persistence = max_persistence
        self.birth_range = birth_range

    def _validate_params(self):
        _check_constraints(self)
        check_ordered(self.min_persistence, self.max_persistence, "min_persistence",
                      "max_persistence")
        check_interval_pair(self.birth_range, "birth_range")

    def region(self, diagram):
        """Boolean mask of the finite points inside the region."""
        self._check_params()
        # essential points have an infinite lifetime: the upper bound drops them unless
        # it is infinite too
        lifetimes = diagram.lifetimes
        mask = lifetimes > self.min_persistence
        if np.isfinite(self.max_persistence):
            mask &= lifetimes <= self.max_persistence
        else:
            mask &= ~diagram.essential
        if self.birth_range is not None:
            low, high = self.birth_range
            mask &= (diagram.births >= low) & (diagram.births <= high)
        return mask

    def value_and_grad(self, diagram):
        return _power_grad(diagram, self.p, 0, self.region(diagram))


class DeathNorm(DiagramFunctional):
    r"""Sum of the ``p``-th powers of the deaths of the finite points.

    .. math::

        \sum_{(b, d) \in \mathrm{PD},\ d < \infty} |d|^p

    The H1 loss of the noisy-circle experiment of Carriere, Theveneau and Lacombe [1]_
    (``p=2``): the gradient goes to the deaths alone, ``p |d|^{p-1} sign(d)``, and is zero
    on the births. Essential points are left out (value and gradient 0).

    Parameters
    ----------
    p : float, default=2
        Power of the deaths, > 0.

    See Also
    --------
    PersistenceNorm : the same sum on the lifetimes ``|d - b|``.

    Notes
    -----
    ``TopologicalLoss(PersistenceNorm(p=2), gradient="death")`` is a different loss: its
    value is ``sum (d - b)^2`` and its (restricted) gradient on a death is ``2 (d - b)``,
    where this functional's is ``2 d``. For :func:`~sktopo.optim.big_step_minimize` the
    target of a point is the diagonal reached by its death, ``(b, b)``.

    References
    ----------
    .. [1] M. Carriere, M. Theveneau, T. Lacombe, "Diffeomorphic interpolation for
       efficient persistence-based topological optimization", NeurIPS 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import Diagram
    >>> from sktopo.functionals import DeathNorm
    >>> dgm = Diagram(np.array([0., 1., 2.]), np.array([np.inf, 3., 4.]),
    ...               np.array([0, 1, 2]), np.array([-1, 3, 4]))
    >>> value, grad_births, grad_deaths = DeathNorm(p=2).value_and_grad(dgm)
    >>> value, grad_births, grad_deaths
    (25.0, array([0., 0., 0.]), array([0., 6., 8.]))
    """

    _parameter_constraints = {"p": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, p=2):
        self.p = p

    def _validate_params(self):
        _check_constraints(self)

    def value_and_grad(self, diagram):
        self._check_params()
        finite = ~diagram.essential
        deaths = np.where(finite, diagram.deaths, 0.0)
        power, slope = _power_slope(deaths, self.p)
        value = float(np.add.reduce(power, where=finite))
        return _finite(value, np.zeros(len(diagram)), np.where(finite, slope, 0.0))
