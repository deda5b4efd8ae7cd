"""Base class of diagram functionals and their weighted sums."""

import functools
from numbers import Real

import numpy as np

from ..persistence import check_diagram
from ..utils._validation import check_scalar

__all__ = ["DiagramFunctional", "WeightedSum"]


class DiagramFunctional:
    """A real function of one persistence diagram, with its gradient.

    Subclasses implement :meth:`value_and_grad`, which returns the value and the partial
    derivatives with respect to the births and the deaths of the diagram's points. The
    gradient of an essential point (infinite death) is zero unless the subclass says
    otherwise. Functionals combine linearly: ``2 * f - g`` is a :class:`WeightedSum`.

    The diagram may be given in any form :func:`~sktopo.persistence.check_diagram` reads:
    a :class:`~sktopo.persistence.Diagram`, an (n_points, 2) array, GUDHI's list of
    ``(dim, (birth, death))``, ``{dim: array}`` with one dimension. The base class wraps the
    ``value_and_grad`` of every subclass with that conversion when the subclass is defined,
    so subclasses receive a Diagram; the gradients follow the points in the given order.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        method = cls.__dict__.get("value_and_grad")
        if method is not None and not getattr(method, "_reads_diagrams", False):
            cls.value_and_grad = _reading_diagrams(method)

    def value_and_grad(self, diagram):
        """Return ``(value, grad_births, grad_deaths)`` for a :class:`~sktopo.persistence.Diagram`."""
        raise NotImplementedError

    def _validate_params(self):
        """Check the parameters (subclasses); called through :meth:`_check_params`."""

    def _check_params(self):
        # validate once per parameter set: optimizers call value_and_grad every step.
        # Scalars are compared by value, other objects (a target array) by identity, which
        # is cheap; the references kept with the key stop their ids from being reused.
        params = [(k, v) for k, v in vars(self).items() if not k.startswith("_")]
        key = tuple((k, repr(v) if isinstance(v, (Real, str, type(None))) else id(v))
                    for k, v in params)
        if getattr(self, "_checked_params", None) != key:
            self._validate_params()
            self._checked_params = key
            self._checked_refs = params

    def __call__(self, diagram):
        return self.value_and_grad(diagram)[0]

    def __add__(self, other):
        if not isinstance(other, DiagramFunctional):
            return NotImplemented
        return WeightedSum([(1.0, self), (1.0, other)])

    def __radd__(self, other):
        if isinstance(other, Real) and other == 0:  # so that sum() works
            return self
        return NotImplemented

    def __mul__(self, weight):
        if not isinstance(weight, Real) or isinstance(weight, bool):
            return NotImplemented
        return WeightedSum([(float(weight), self)])

    __rmul__ = __mul__

    def __neg__(self):
        return WeightedSum([(-1.0, self)])

    def __sub__(self, other):
        if not isinstance(other, DiagramFunctional):
            return NotImplemented
        return self + (-other)

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                           if not k.startswith("_"))  # private state, e.g. the cache
        return f"{type(self).__name__}({params})"


def _reading_diagrams(value_and_grad):
    """``value_and_grad`` taking any diagram form (a Diagram passes through untouched)."""
    @functools.wraps(value_and_grad)
    def wrapper(self, diagram):
        return value_and_grad(self, check_diagram(diagram))

    wrapper._reads_diagrams = True
    return wrapper


class WeightedSum(DiagramFunctional):
    """A weighted sum ``sum_k w_k f_k`` of diagram functionals.

    Parameters
    ----------
    terms : list of (float, DiagramFunctional)
        The weights and the functionals.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import Diagram
    >>> from sktopo.functionals import PersistenceNorm
    >>> dgm = Diagram(np.array([0., 1.]), np.array([2., 4.]), np.array([0, 1]), np.array([2, 3]))
    >>> f = PersistenceNorm(p=1) - 0.5 * PersistenceNorm(p=2)
    >>> f(dgm)
    -1.5
    """

    def __init__(self, terms):
        flat = []
        try:
            terms = [(weight, functional) for weight, functional in terms]
        except (TypeError, ValueError):
            raise TypeError("The 'terms' parameter must be a list of (weight, functional) "
                            f"pairs, got {terms!r}.") from None
        for weight, functional in terms:
            check_scalar(weight, "weight")
            if not isinstance(functional, DiagramFunctional):
                raise TypeError("The 'terms' parameter must pair weights with diagram "
                                f"functionals, got {functional!r}.")
            if isinstance(functional, WeightedSum):  # keep the sum flat
                flat.extend((weight * w, f) for w, f in functional.terms)
            else:
                flat.append((float(weight), functional))
        self.terms = flat

    def value_and_grad(self, diagram):
        value = 0.0
        grad_births = np.zeros(len(diagram))
        grad_deaths = np.zeros(len(diagram))
        for weight, functional in self.terms:
            v, gb, gd = functional.value_and_grad(diagram)
            value += weight * v
            grad_births += weight * gb
            grad_deaths += weight * gd
        return value, grad_births, grad_deaths
