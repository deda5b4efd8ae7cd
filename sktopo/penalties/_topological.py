r"""Topological penalties on a coefficient vector: E(p, q, i0) of its PD0 (or PD0 and PD1).

Three ways to see the weights (Topology Layer paper, Sec. 3.1 and Fig. 4-6):

* ``"clusters"``: the weights are points on the line; PD0 of their Rips (= weak alpha)
  filtration has one bar ``(0, g)`` per gap ``g`` between consecutive sorted distinct
  values. ``E(1, 0, 2)`` (Top1) is the range ``max - min``; ``E(1, 0, 4)`` (Top2) is the
  sum of all gaps but the two largest: zero iff the weights take at most 3 values.
* ``"line"``: the weights are a function on the path of feature indices; PD0 of its
  superlevel filtration has one bar per local maximum; ``E(1, 0, i0)`` penalizes the
  heights of all maxima but the ``i0 - 1`` most persistent ones.
* ``"image"``: the weights are an image of shape ``shape``; superlevel PD0 and PD1 through
  :class:`~sktopo.TopologicalLoss` with the cubical filtration.

The diagrams come from :func:`~sktopo.persistence.weak_alpha_persistence` (points on the
line: its H0 is that of Rips) and :func:`~sktopo.persistence.cubical_persistence`
(superlevel, 1-D); the value of Top1/Top2 on clusters needs only the sorted gaps, and the
proximal maps (``_chamber.py``) freeze the pairing at their input.

Reference: R. Bruel-Gabrielsson, B. J. Nelson, A. Dwaraknath, P. Skraba, L. J. Guibas,
G. Carlsson, "A Topology Layer for Machine Learning", AISTATS 2020.
"""

from collections.abc import Mapping
from numbers import Integral

import numpy as np

from ..functionals import PolynomialEnergy
from ..persistence import weak_alpha_persistence
from ..utils._validation import check_option, check_scalar
from ._chamber import (_cluster_value_and_grad, _line_diagram, _line_kept,
                       _line_value_and_grad, _n_kept, _prox_clusters, _prox_line, _prox_range)
from ._norms import Penalty, check_coef, check_step

__all__ = ["TopologicalPenalty"]

_FILTRATIONS = ("clusters", "line", "image")


def _energy_value_and_grad_1d(dgm, p, q, i0):
    """E(p, q, i0) of a 1-D diagram and its gradients on births and deaths."""
    return PolynomialEnergy(p, q, i0).value_and_grad(dgm)


class TopologicalPenalty(Penalty):
    r"""The energy :math:`\mathcal{E}(p, q, i_0)` of the PD0 of the weights as a penalty.

    .. math::

        P(\beta) = \sum_{k} \sum_{i \ge i_0^{(k)}} |d_i - b_i|^p
        \left(\frac{d_i + b_i}{2}\right)^q

    over the points of :math:`\mathrm{PD}_k(\beta)` sorted by decreasing lifetime (the
    essential class first). ``i0 = n_kept + 1`` leaves ``n_kept`` clusters (or maxima) free:
    Top1 is ``i0=2``, Top2 ``i0=4``.

    Parameters
    ----------
    i0 : int or dict of {int: int}, default=2
        Rank of the first bar penalized; a dict ``{dim: i0}`` penalizes several homology
        dimensions (``"image"`` only, e.g. ``{0: 1, 1: 2}``: every H0 bar and all H1 bars
        but the longest).
    p, q : float, default=1, 0
        Powers of the lifetimes and of the mid-points.
    filtration : {"clusters", "line", "image"}, default="clusters"
        How the weights are seen (module docstring).
    shape : tuple of int, default=None
        Shape of the coefficient image, required by ``"image"``.

    Notes
    -----
    ``prox`` (``p=1, q=0`` and a 1-D filtration) is *local*: the pairing is frozen at the
    input. For ``"clusters"`` it is the exact prox of the fused lasso on the sorted order of
    ``v`` with the ``i0 - 2`` largest gaps free (a range prox per cluster): exact for Top1,
    which is convex. For ``"line"`` it is a DC step: the exact prox of TV/2 after a step on
    the concave, chamber-wise linear rest (see ``_line_linear_part``). Other cases have
    ``has_prox = False`` and the solvers take explicit subgradient steps.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import TopologicalPenalty
    >>> beta = np.array([0.0, 0.1, 1.0, 1.2, 3.0])
    >>> TopologicalPenalty(i0=2).value(beta)                # Top1: the range
    3.0
    >>> round(TopologicalPenalty(i0=4).value(beta), 6)      # Top2: all but 2 largest gaps
    0.3
    >>> saw = np.array([0.0, 1.0, 0.0, 2.0, 0.5, 1.5, 0.0])
    >>> TopologicalPenalty(i0=2, filtration="line").value(saw)   # bars 1 and 1
    2.0
    """

    def __init__(self, i0=2, *, p=1, q=0, filtration="clusters", shape=None):
        self.i0 = i0
        self.p = p
        self.q = q
        self.filtration = filtration
        self.shape = shape

    @classmethod
    def keeping(cls, n_kept, **kwargs):
        """The penalty leaving ``n_kept`` clusters (maxima) free: ``i0 = n_kept + 1``."""
        check_scalar(n_kept, "n_kept", low=0, integer=True)
        return cls(i0=int(n_kept) + 1, **kwargs)

    @property
    def has_prox(self):
        return (self.filtration in ("clusters", "line") and self.p == 1 and self.q == 0
                and not isinstance(self.i0, Mapping))

    def _check(self):
        """Validate the parameters; return ``has_prox``. Both are cached on the parameters:
        the solvers call value and prox at every iteration."""
        i0 = self.i0
        key = (i0 if type(i0) is int else repr(i0), self.p, self.q, self.filtration,
               self.shape)
        if self.__dict__.get("_checked") == key:
            return self._fast
        self._check_params()
        self._checked = key
        self._fast = self.has_prox
        return self._fast

    def _check_params(self):
        check_option(self.filtration, "filtration", _FILTRATIONS)
        check_scalar(self.p, "p", low=0)
        check_scalar(self.q, "q")
        if isinstance(self.i0, Mapping):
            if self.filtration != "image":
                raise ValueError("A dict 'i0' ({dim: i0}) needs filtration='image', got "
                                 f"{self.filtration!r}.")
            for d, i in self.i0.items():
                if not isinstance(d, Integral) or not 0 <= d <= 1:
                    raise ValueError(f"The keys of 'i0' must be 0 or 1, got {d!r}.")
                check_scalar(i, "i0", low=1, integer=True)
        else:
            check_scalar(self.i0, "i0", low=1, integer=True)

    def _loss(self):
        from ..loss import TopologicalLoss

        i0 = self.i0 if isinstance(self.i0, Mapping) else {0: self.i0}
        funcs = {int(d): PolynomialEnergy(self.p, self.q, int(i)) for d, i in i0.items()}
        return TopologicalLoss(funcs, filtration="cubical", superlevel=True)

    def _image_shape(self, size):
        if self.shape is None:
            raise ValueError("The 'image' filtration needs the shape of the coefficient "
                             "image (coef_shape=(height, width)).")
        shape = tuple(int(s) for s in self.shape)
        if int(np.prod(shape)) != size:
            raise ValueError(f"coef_shape={shape} does not match {size} coefficients.")
        return shape

    def value_and_grad(self, beta):
        """Return the penalty and a subgradient (the gradient of the current pairing)."""
        self._check()
        beta = np.asarray(check_coef(beta), dtype=np.float64)
        flat = beta.ravel()
        if self.filtration == "image":
            value, grad = self._loss().value_and_grad(flat.reshape(self._image_shape(flat.size)))
            return value, grad.reshape(beta.shape)
        if self.has_prox:                     # p = 1, q = 0 on a 1-D filtration
            fast = (_cluster_value_and_grad if self.filtration == "clusters"
                    else _line_value_and_grad)
            value, grad = fast(flat, self.i0)
            return value, grad.reshape(beta.shape)
        if self.filtration == "clusters":
            dgm = weak_alpha_persistence(flat, 0)[0]
            value, _, gd = _energy_value_and_grad_1d(dgm, self.p, self.q, self.i0)
            edges = dgm.death_index[1:]
            gd = gd[1:]
            # d|b_i - b_j| / d b_i = sign(b_i - b_j)
            sign = np.sign(flat[edges[:, 0]] - flat[edges[:, 1]])
            grad = (np.bincount(edges[:, 0], sign * gd, minlength=flat.size)
                    - np.bincount(edges[:, 1], sign * gd, minlength=flat.size))
            return value, grad.reshape(beta.shape)
        dgm = _line_diagram(flat)
        value, gb, gd = _energy_value_and_grad_1d(dgm, self.p, self.q, self.i0)
        grad = np.bincount(dgm.birth_index, gb, minlength=flat.size)
        finite = dgm.death_index >= 0
        grad += np.bincount(dgm.death_index[finite], gd[finite], minlength=flat.size)
        return value, grad.reshape(beta.shape)

    def value(self, beta):
        """Return the penalty (fast paths for ``p=1, q=0``)."""
        fast = self._check()
        flat = np.asarray(check_coef(beta), dtype=np.float64).ravel()
        if fast and self.filtration == "clusters":
            n_kept = _n_kept(self.i0)
            if n_kept == 0:
                return float(flat.max() - flat.min()) if flat.size else 0.0
            gaps = np.diff(np.sort(flat))
            if n_kept >= gaps.size:
                return 0.0
            return float(np.sum(np.partition(gaps, gaps.size - n_kept)[:gaps.size - n_kept])
                         if n_kept else gaps.sum())
        if self.filtration == "image":
            return self._loss()(flat.reshape(self._image_shape(flat.size)))
        if fast:
            # every finite bar: (TV - (M - v_0) - (M - v_{n-1})) / 2, minus the kept ones
            top = flat.max()
            tv = np.abs(np.diff(flat)).sum()
            total = 0.5 * (tv - 2.0 * top + flat[0] + flat[-1])
            n_kept = _n_kept(self.i0)
            return float(total - _line_kept(flat, n_kept)[3]) if n_kept else float(total)
        return self.value_and_grad(flat)[0]

    def prox_value(self, v, step):
        """``prox(v, step)`` and the penalty at it; Top1 on clusters gets the value (the
        range of the clipped ``v``) from the prox at no cost."""
        v, step = check_coef(v, "v"), check_step(step)
        if (self._check() and self.filtration == "clusters" and type(v) is np.ndarray
                and v.ndim == 1 and v.size and v.dtype == np.float64
                and _n_kept(self.i0) == 0):
            return _prox_range(v, float(step))
        return super().prox_value(v, step)

    def prox(self, v, step):
        """The local proximal map (see Notes); only when ``has_prox``."""
        if not self._check():
            raise ValueError(f"{self!r} has no proximal map (p=1, q=0 and a 1-D "
                             "filtration only); use its subgradient.")
        v, step = check_coef(v, "v"), check_step(step)
        if (self.filtration == "clusters" and type(v) is np.ndarray and v.ndim == 1
                and v.dtype == np.float64):
            return _prox_clusters(v, float(step), self.i0)     # the solvers' case
        v = np.asarray(v, dtype=np.float64)
        flat = v.ravel()
        if self.filtration == "clusters":
            out = _prox_clusters(flat, float(step), self.i0)
        else:
            out = _prox_line(flat, float(step), self.i0)
        return out.reshape(v.shape)
