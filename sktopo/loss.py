"""TopologicalLoss: a diagram functional composed with a filtration, with its gradient."""

from collections.abc import Mapping

import numpy as np

from ._backprop import scatter_to_points, scatter_to_values
from .functionals import DiagramFunctional
from .persistence import lower_star_persistence, rips_persistence, weak_alpha_persistence
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
        return self._diagrams(check_values(x, "x"), tuple(self._functionals()))

    def _diagrams(self, x, dims):
        """Diagrams of a validated float64 array ``x`` (validated once per call)."""
        check_option(self.filtration, "filtration", _FILTRATIONS)
        if self.filtration == "cubical":
            if x.ndim > 3:
                raise ValueError(f"x must be a 1, 2 or 3-D array for the 'cubical' "
                                 f"filtration, got shape {x.shape}.")
            dims = check_homology_dimensions(dims, x.ndim - 1)
            if not isinstance(self.superlevel, (bool, np.bool_)):
                raise TypeError("The 'superlevel' parameter must be a bool, got "
                                f"{self.superlevel!r}.")
            connectivity = _check_connectivity(self.connectivity, x.ndim)
            return _cubical_diagrams(x, dims, bool(self.superlevel), connectivity)
        if self.filtration == "lower_star":
            if self.simplices is None:
                raise ValueError("The 'simplices' parameter is required by the "
                                 "'lower_star' filtration.")
            return lower_star_persistence(x, self.simplices, dims,
                                          superlevel=self.superlevel)
        if self.superlevel:
            raise ValueError("The 'superlevel' parameter applies to the 'cubical' and "
                             f"'lower_star' filtrations, not to {self.filtration!r}.")
        if self.filtration == "rips":
            return rips_persistence(x, dims, max_edge_length=self.max_edge_length)
        return weak_alpha_persistence(x, dims)

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
        check_option(self.gradient, "gradient", _GRADIENTS)
        funcs = self._functionals()
        x = check_values(x, "x")
        diagrams = self._diagrams(x, tuple(funcs))
        value = 0.0
        cells, grads = [], []           # every critical cell and its gradient, all dims
        for d, func in funcs.items():
            dgm = diagrams[d]
            v, gb, gd = func.value_and_grad(dgm)
            value += v
            if self.gradient != "death":
                cells.append(dgm.birth_index)
                grads.append(gb)
            if self.gradient != "birth":
                cells.append(dgm.death_index)
                grads.append(gd)
        cells = np.concatenate(cells) if cells else np.empty(0, dtype=np.intp)
        grads = np.concatenate(grads) if grads else np.empty(0)
        moving = grads != 0             # most points of a thresholded functional are still
        cells, grads = cells[moving], grads[moving]
        if self.filtration in ("rips", "weak_alpha"):
            grad = scatter_to_points(x.reshape(len(x), -1), cells, grads)
        else:
            grad = scatter_to_values(x.size, cells, grads)
        return float(value), grad.reshape(x.shape)

    def __call__(self, x):
        """Return the value of the loss at ``x``."""
        funcs = self._functionals()
        diagrams = self._diagrams(check_values(x, "x"), tuple(funcs))
        return float(sum(f(diagrams[d]) for d, f in funcs.items()))

    def __repr__(self):
        return (f"TopologicalLoss({self.functional!r}, filtration={self.filtration!r}, "
                f"homology_dimensions={self.homology_dimensions!r})")
