"""TopologicalLoss: a diagram functional composed with a filtration, with its gradient."""

from collections.abc import Mapping

import numpy as np

from ._backprop import edge_gradient, scatter_to_values
from .functionals import DiagramFunctional, PersistenceNorm
from .persistence import (_pairing, _signal, lower_star_persistence, rips_persistence,
                          weak_alpha_persistence)
from .persistence._cubical import _check_connectivity, _cubical_diagrams
from .utils._validation import check_homology_dimensions, check_option, check_values

__all__ = ["TopologicalLoss"]

_FILTRATIONS = ("cubical", "lower_star", "rips", "weak_alpha")
_GRADIENTS = ("both", "birth", "death")


class TopologicalLoss:
    r"""A functional of the persistence diagrams of an input, with its exact gradient.

    .. math::

        L(x) = \sum_{k} F_k(\mathrm{PD}_k(x))

    where :math:`\mathrm{PD}_k(x)` is the diagram in homology dimension :math:`k` of the
    chosen filtration of ``x`` and :math:`F_k` a diagram functional. Every diagram point is
    a value of the input at a critical cell (a pixel, a vertex or an edge length), so the
    gradient is the functional's gradient scattered to those cells [1]_.

    Parameters
    ----------
    functional : DiagramFunctional or dict of {int: DiagramFunctional}
        The functional applied to each diagram, or one functional per homology dimension
        (then ``homology_dimensions`` is taken from the keys).
    filtration : {"cubical", "lower_star", "rips", "weak_alpha"}, default="cubical"
        ``"cubical"``: ``x`` is a 1-D signal, 2-D image or 3-D volume;
        ``"lower_star"``: ``x`` is a function on the vertices of ``simplices``;
        ``"rips"``, ``"weak_alpha"``: ``x`` is a point cloud of shape (n_points,
        n_dims), or (n_points,) for points on the line.
    homology_dimensions : int or sequence of int, default=None
        Dimensions the functional is applied to (and summed over). None means 0, or the
        keys of ``functional`` when it is a dict.
    superlevel : bool, default=False
        Superlevel filtration (``"cubical"`` and ``"lower_star"`` only).
    connectivity : {"full", "face"}, default="full"
        Construction of the cubical complex, see
        :func:`~sktopo.persistence.cubical_persistence`.
    simplices : array-like, default=None
        The simplicial complex of ``"lower_star"``.
    max_edge_length : float, default=np.inf
        Truncation of the Rips filtration.
    gradient : {"both", "birth", "death"}, default="both"
        Which critical cells receive the gradient: both, only the birth cells or only the
        death cells (the STUMP experiments move one side only).

    See Also
    --------
    sktopo.persistence.cubical_persistence : the pairing behind ``"cubical"``.

    Notes
    -----
    The loss is piecewise smooth: inside a region where the order of the input values
    (or edge lengths) does not change, the pairing is fixed and the gradient is exact.
    Ties are broken by index (see :func:`~sktopo.persistence.cubical_persistence`), so
    equal values give a finite one-sided gradient, the same on every call.

    References
    ----------
    .. [1] R. Bruel-Gabrielsson et al., "A Topology Layer for Machine Learning",
       AISTATS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import TopologicalLoss
    >>> from sktopo.functionals import PersistenceNorm
    >>> loss = TopologicalLoss(PersistenceNorm(p=1), homology_dimensions=0)
    >>> x = np.array([0.0, 3.0, 1.0, 2.0])      # one finite bar (1, 3)
    >>> value, grad = loss.value_and_grad(x)
    >>> value, grad
    (2.0, array([ 0.,  1., -1.,  0.]))
    """

    def __init__(self, functional, filtration="cubical", homology_dimensions=None, *,
                 superlevel=False, connectivity="full", simplices=None,
                 max_edge_length=np.inf, gradient="both"):
        self.functional = functional
        self.filtration = filtration
        self.homology_dimensions = homology_dimensions
        self.superlevel = superlevel
        self.connectivity = connectivity
        self.simplices = simplices
        self.max_edge_length = max_edge_length
        self.gradient = gradient

    def _functionals(self):
        """The functional of each homology dimension, validated."""
        if isinstance(self.functional, Mapping):
            dims = check_homology_dimensions(list(self.functional), 8, "functional keys")
            funcs = {d: self.functional[d] for d in dims}
        else:
            dims = 0 if self.homology_dimensions is None else self.homology_dimensions
            dims = check_homology_dimensions(dims, 8)
            funcs = {d: self.functional for d in dims}
        for f in funcs.values():
            if not isinstance(f, DiagramFunctional):
                raise TypeError("The 'functional' parameter must be a DiagramFunctional or "
                                f"a dict of them, got {type(f).__name__}.")
        return funcs

    def diagrams(self, x):
        """The diagrams of ``x`` in the dimensions the loss uses, as a dict."""
        x = np.ascontiguousarray(check_values(x, "x"))
        return self._bind(x.ndim).diagrams(x)

    def _bind(self, ndim, simplices=None):
        """Validate the loss once; return ``evaluate(x) -> (value, idx, vals)`` (private).

        ``evaluate`` takes a validated float64 C-contiguous array with ``ndim`` axes and
        returns the value and the sparse gradient on the flat ``x``: indices (which may
        repeat: their values add up) and values. ``simplices``: evaluate the lower-star
        filtration of that complex instead (the nerve of a cover, see
        :class:`~sktopo.smear.LabelCover`). Used by :meth:`value_and_grad` and by the
        STUMP loop, which evaluates one approximate per step.
        """
        check_option(self.gradient, "gradient", _GRADIENTS)
        check_option(self.filtration, "filtration", _FILTRATIONS)
        funcs = self._functionals()
        dims = tuple(funcs)
        filtration = "lower_star" if simplices is not None else self.filtration
        simplices = self.simplices if simplices is None else simplices
        if filtration in ("cubical", "lower_star"):
            if not isinstance(self.superlevel, (bool, np.bool_)):
                raise TypeError("The 'superlevel' parameter must be a bool, got "
                                f"{self.superlevel!r}.")
        elif self.superlevel:
            raise ValueError("The 'superlevel' parameter applies to the 'cubical' and "
                             f"'lower_star' filtrations, not to {self.filtration!r}.")
        superlevel = bool(self.superlevel)
        if filtration == "cubical":
            if not 1 <= ndim <= 3:
                raise ValueError(f"x must be a 1, 2 or 3-D array for the 'cubical' "
                                 f"filtration, got {ndim} dimensions.")
            if max(dims) > ndim - 1:
                check_homology_dimensions(dims, ndim - 1)      # (raises)
            connectivity = _check_connectivity(self.connectivity, ndim)
            norms = _compiled_norms(funcs, ndim)
            if norms is not None:
                side = {"both": 0, "birth": 1, "death": 2}[self.gradient]
                return _ImageNorms(norms, connectivity == "full", superlevel, side,
                                   _DiagramTerms(funcs, self.gradient, "cubical",
                                                 (superlevel, connectivity)))
            return _DiagramTerms(funcs, self.gradient, "cubical", (superlevel, connectivity))
        if filtration == "lower_star":
            if simplices is None:
                raise ValueError("The 'simplices' parameter is required by the "
                                 "'lower_star' filtration.")
            return _DiagramTerms(funcs, self.gradient, "lower_star", (superlevel, simplices))
        return _DiagramTerms(funcs, self.gradient, filtration, (self.max_edge_length,))

    def value_and_grad(self, x):
        """Return the loss and its gradient, an array shaped like ``x``.

        Parameters
        ----------
        x : array-like
            The input (see ``filtration``).

        Returns
        -------
        value : float
        grad : ndarray of the shape of ``x``
        """
        x = check_values(x, "x")
        value, idx, vals = self._bind(max(x.ndim, 1))(x.reshape(x.shape or 1))
        return value, scatter_to_values(x.size, idx, vals).reshape(x.shape)

    def __call__(self, x):
        """Return the value of the loss at ``x``."""
        x = check_values(x, "x")
        x = x.reshape(x.shape or 1)
        terms = self._bind(x.ndim)
        terms = getattr(terms, "general", terms)
        diagrams = terms.diagrams(x)
        return float(sum(f(diagrams[d]) for d, f in terms.funcs.items()))

    def __repr__(self):
        return (f"TopologicalLoss({self.functional!r}, filtration={self.filtration!r}, "
                f"homology_dimensions={self.homology_dimensions!r})")


def _compiled_norms(funcs, ndim):
    """``(min, max, p, low, high)`` (or None) for H0 and H1 when every functional is a
    ``PersistenceNorm`` with ``p`` 1 or 2 on a signal or a 2-D image: the pairing kernel
    then computes the terms itself, from its pairs; None otherwise."""
    if (ndim not in (1, 2) or not set(funcs) <= {0, 1}
            or not all(type(f) is PersistenceNorm and f.p in (1, 2) for f in funcs.values())):
        return None
    for f in funcs.values():
        f._check_params()
    params = []
    for d in (0, 1):
        f = funcs.get(d)
        if f is None:
            params.append(None)
            continue
        low, high = (-np.inf, np.inf) if f.birth_range is None else f.birth_range
        params.append((float(f.min_persistence), float(f.max_persistence), float(f.p),
                       float(low), float(high)))
    return tuple(params)


class _DiagramTerms:
    """``evaluate(x)`` of a bound loss: the diagrams, then each functional's gradient on
    its points, scattered to the critical cells (sparse; see ``TopologicalLoss._bind``)."""

    def __init__(self, funcs, gradient, filtration, params):
        self.funcs, self.gradient = funcs, gradient
        self.filtration, self.params = filtration, params
        self.dims = tuple(funcs)

    def diagrams(self, x):
        if self.filtration == "cubical":
            return _cubical_diagrams(x, self.dims, *self.params)
        if self.filtration == "lower_star":
            superlevel, simplices = self.params
            return lower_star_persistence(x, simplices, self.dims, superlevel=superlevel)
        if self.filtration == "rips":
            return rips_persistence(x, self.dims, max_edge_length=self.params[0])
        return weak_alpha_persistence(x, self.dims)

    def __call__(self, x):
        diagrams = self.diagrams(x)
        value = 0.0
        cells, grads = [], []           # every critical cell and its gradient, all dims
        for d, func in self.funcs.items():
            dgm = diagrams[d]
            v, gb, gd = func.value_and_grad(dgm)
            value += v
            if self.gradient != "death":
                cells.append(dgm.birth_index)
                grads.append(gb)
            if self.gradient != "birth":
                cells.append(dgm.death_index)
                grads.append(gd)
        if not cells:
            return float(value), np.empty(0, dtype=np.intp), np.empty(0)
        cells, grads = np.concatenate(cells), np.concatenate(grads)
        if self.filtration in ("rips", "weak_alpha"):
            # the cells are edges: the gradient on edge lengths moves their end points
            idx, vals = edge_gradient(x.reshape(len(x), -1), cells, grads)
            return float(value), idx, vals
        # most points of a thresholded functional are still; -1: essential deaths
        keep = (grads != 0) & (cells >= 0)
        return float(value), cells[keep].astype(np.intp, copy=False), grads[keep]


class _ImageNorms:
    """``evaluate(x)`` of W1/W2 norms of a signal or a 2-D image: one call of the pairing
    kernel, which computes the norm terms from its pairs (the general path for larger
    images)."""

    def __init__(self, norms, full, superlevel, side, general):
        self.norms, self.full, self.superlevel, self.side = norms, full, superlevel, side
        self.h0, self.h1 = norms[0] is not None, norms[1] is not None
        self.general = general
        self.diagrams = general.diagrams

    def __call__(self, x):
        if x.ndim == 2 and (x.shape[0] + 2) * (x.shape[1] + 2) >= 2 ** 31 - 8:
            return self.general(x)
        f = -x if self.superlevel else x
        if x.ndim == 1:
            value, idx, vals = _signal.signal_pairs(f, self.norms[0], x, self.side)
        else:
            value, idx, vals = _pairing.image_pairs(f, self.full, self.h0, self.h1,
                                                    self.norms, x.reshape(-1), self.side)
        return float(value), idx.astype(np.intp, copy=False), vals
