"""The persistence diagram of one homology dimension, with its critical cells, and the
conversions to and from the conventions of GUDHI, persim/ripser and giotto-tda.

sktopo keeps a superlevel diagram in its own orientation: deaths below births, essential
deaths ``-inf``. The peers assume births below deaths and ``+inf``: every export
(``np.asarray(dgm)``, :func:`to_gudhi`, :func:`to_persim`, :func:`to_giotto`) negates a
superlevel diagram, which is the sublevel diagram of the negated input (GUDHI's own recipe
for superlevel filtrations) and keeps every distance between diagrams. The imports take
``superlevel=True`` to negate back.
"""

from dataclasses import dataclass
from functools import cached_property
from numbers import Integral

import numpy as np

__all__ = ["Diagram", "check_diagram", "check_diagrams", "from_giotto", "from_gudhi",
           "from_persim", "to_giotto", "to_gudhi", "to_persim"]


@dataclass(frozen=True, eq=False)
class Diagram:
    """Persistence diagram of one homology dimension, every point with its critical cells.

    Parameters
    ----------
    births : ndarray of shape (n_points,)
        Filtration values at which the classes are born (float64).
    deaths : ndarray of shape (n_points,)
        Filtration values at which the classes die. An essential class (one that
        never dies) has death ``+inf`` for a sublevel filtration and ``-inf`` for a
        superlevel filtration.
    birth_index : ndarray of shape (n_points,) or (n_points, 2)
        Critical cell of each birth, in the input's own index space: a C-order flat
        pixel index for images, a vertex id for lower-star filtrations, an edge
        (pair of point indices) for point clouds.
    death_index : ndarray of shape (n_points,) or (n_points, 2)
        Critical cell of each death, as ``birth_index``; ``-1`` for an essential class.
    dim : int
        Homology dimension.
    superlevel : bool, default=None
        Orientation: True when deaths lie below births (a superlevel filtration). None
        infers it from the points (a death below its birth).

    Attributes
    ----------
    lifetimes : ndarray of shape (n_points,)
        ``|deaths - births|`` (``inf`` for essential classes).
    essential : ndarray of bool of shape (n_points,)
        True for the classes that never die.

    Notes
    -----
    ``np.asarray(dgm)`` gives the (n_points, 2) array of the peers' convention (births
    below deaths, essential deaths ``+inf``; a superlevel diagram negated), so a Diagram
    can be passed as it is to ``gudhi.bottleneck_distance`` or ``persim.bottleneck``;
    :meth:`to_array` gives the values in sktopo's own orientation.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import cubical_persistence
    >>> dgm = cubical_persistence(np.array([0.0, 3.0, 1.0, 2.0]))[0]
    >>> dgm.births, dgm.deaths, dgm.birth_index, dgm.death_index
    (array([0., 1.]), array([inf,  3.]), array([0, 2]), array([-1,  1]))

    A superlevel diagram, as sktopo keeps it and as the peers read it:

    >>> sup = cubical_persistence(np.array([0.0, 3.0, 1.0, 2.0]), superlevel=True)[0]
    >>> sup.to_array()
    array([[  3., -inf],
           [  2.,   1.]])
    >>> np.asarray(sup)
    array([[-3., inf],
           [-2., -1.]])
    """

    births: np.ndarray
    deaths: np.ndarray
    birth_index: np.ndarray
    death_index: np.ndarray
    dim: int = 0
    superlevel: bool = None

    def __post_init__(self):
        # cheap checks (the pairings build a diagram per call): a user's diagram with NaN,
        # infinite births or mismatched lengths is refused here, before any functional
        values = []
        for name in ("births", "deaths"):
            v = getattr(self, name)
            if type(v) is not np.ndarray or v.dtype != np.float64:
                try:
                    v = np.asarray(v, dtype=np.float64)
                except (TypeError, ValueError):
                    raise TypeError(f"Diagram {name} must be real numbers, got "
                                    f"{type(v).__name__}.") from None
                object.__setattr__(self, name, v)
            values.append(v)
        births, deaths = values
        if births.ndim != 1 or deaths.shape != births.shape:
            raise ValueError("Diagram births and deaths must be 1-D arrays of one length, got "
                             f"shapes {births.shape} and {deaths.shape}.")
        for name in ("birth_index", "death_index"):
            if len(np.shape(getattr(self, name))) == 0 or \
                    np.shape(getattr(self, name))[0] != births.size:
                raise ValueError(f"Diagram {name} must have one entry per point "
                                 f"({births.size}), got shape {np.shape(getattr(self, name))}.")
        if np.isnan(deaths).any() or not np.isfinite(births).all():
            if np.isnan(births).any() or np.isnan(deaths).any():
                raise ValueError("Diagram births and deaths must not be NaN.")
            raise ValueError("Diagram births must be finite (only deaths are infinite, for "
                             "essential classes).")
        if self.superlevel is None:
            object.__setattr__(self, "superlevel", bool(np.any(self.deaths < self.births)))

    @classmethod
    def _from_kernel(cls, births, deaths, birth_index, death_index, dim=0, superlevel=None):
        """A diagram built by sktopo itself (float64 arrays of one length, no NaN): the
        checks of user diagrams are skipped, they would cost more than a small pairing."""
        self = object.__new__(cls)
        if superlevel is None:
            superlevel = bool(np.any(deaths < births))
        # (frozen: the fields go to the instance dictionary directly)
        self.__dict__.update(births=births, deaths=deaths, birth_index=birth_index,
                             death_index=death_index, dim=dim, superlevel=superlevel)
        return self

    def __len__(self):
        return self.births.shape[0]

    # computed once per diagram: functionals read them several times per optimizer step
    @cached_property
    def lifetimes(self):
        return np.abs(self.deaths - self.births)

    @cached_property
    def essential(self):
        return np.isinf(self.deaths)

    def finite(self):
        """Return the diagram without its essential classes."""
        keep = ~self.essential
        return self.select(keep)

    def select(self, mask):
        """Return the diagram of the points selected by a boolean mask or index array."""
        return Diagram._from_kernel(self.births[mask], self.deaths[mask],
                                    self.birth_index[mask], self.death_index[mask], self.dim,
                                    self.superlevel)

    def to_array(self):
        """Return the points as an array of shape (n_points, 2) of (birth, death).

        In sktopo's orientation: a superlevel diagram keeps its deaths below its births and
        ``-inf`` essential deaths. ``np.asarray(dgm)`` gives the peers' convention.
        """
        return np.column_stack([self.births, self.deaths])

    def __array__(self, dtype=None, copy=None):
        # the peers' convention: births below deaths, +inf essential deaths
        points = self.to_array()
        if self.superlevel:
            points = -points
        return points if dtype is None else points.astype(dtype, copy=False)

    def to_gudhi(self):
        """This dimension's points as GUDHI gives them (``persistence_intervals_in_dimension``):
        an (n_points, 2) array, births below deaths, ``+inf`` essential deaths, a superlevel
        diagram negated; ready for ``gudhi.bottleneck_distance``. :func:`to_gudhi` gives
        the ``(dim, (birth, death))`` list of several dimensions."""
        return np.asarray(self)

    def to_persim(self):
        """The (n_points, 2) array persim's distances take (``+inf`` essential deaths, which
        persim leaves out); a superlevel diagram negated. :func:`to_persim` gives ripser's
        list of several dimensions."""
        return np.asarray(self)

    def to_giotto(self, infinity_value=np.inf, reduced=True):
        """This dimension as a giotto-tda diagram, an (n, 3) array; see :func:`to_giotto`."""
        return to_giotto({self.dim: self}, infinity_value=infinity_value, reduced=reduced)

    @classmethod
    def from_array(cls, points, dim=0, superlevel=False):
        """A diagram of the points of an (n_points, 2) array in the peers' convention.

        ``superlevel=True`` reads the points as an exported superlevel diagram (births
        below deaths, ``+inf`` essential deaths) and negates them back. The critical cells
        are unknown: ``birth_index`` and ``death_index`` are -1.
        """
        dgm = check_diagram(points, "points")
        if superlevel:
            dgm = _negated(dgm)
        return Diagram._from_kernel(dgm.births, dgm.deaths, dgm.birth_index,
                                    dgm.death_index, dim, dgm.superlevel)

    def __repr__(self):
        return (f"Diagram(dim={self.dim}, n_points={len(self)}, "
                f"n_essential={int(self.essential.sum())})")

    @classmethod
    def empty(cls, dim=0, index_width=None, superlevel=False):
        shape = (0,) if index_width is None else (0, index_width)
        return cls(np.empty(0), np.empty(0), np.empty(shape, dtype=np.intp),
                   np.empty(shape, dtype=np.intp), dim, superlevel)


def _from_points(points, dim, input_name):
    """A Diagram of an (n_points, 2) array-like of (birth, death), critical cells unknown."""
    if isinstance(points, (str, bytes)) or points is None:
        raise TypeError(f"The '{input_name}' parameter must be a diagram, got "
                        f"{type(points).__name__}.")
    try:
        pts = np.array(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The '{input_name}' parameter could not be read as an array of "
                         f"(birth, death) pairs: {exc}") from None
    if pts.size == 0:
        pts = pts.reshape(0, 2)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"The '{input_name}' parameter must be an array of shape "
                         f"(n_points, 2) of (birth, death), got shape {pts.shape}.")
    births, deaths = pts[:, 0], pts[:, 1]
    if not np.isfinite(births).all() or np.isnan(deaths).any():
        raise ValueError(f"The '{input_name}' parameter must have finite births and "
                         "non-NaN deaths (+-inf marks an essential class).")
    below, above = deaths < births, deaths > births
    if below.any() and above.any():
        raise ValueError(f"The '{input_name}' parameter mixes points with death above and "
                         "below birth: give one orientation (births below deaths, or a "
                         "superlevel diagram with deaths below births).")
    unknown = np.full(len(pts), -1, dtype=np.intp)
    return Diagram(births, deaths, unknown, unknown.copy(), dim, bool(below.any()))


def _is_gudhi_pair(item):
    # GUDHI's persistence(): (dim, (birth, death))
    return (isinstance(item, (tuple, list)) and len(item) == 2
            and isinstance(item[0], Integral) and np.ndim(item[1]) == 1)


def check_diagrams(diagrams, input_name="diagrams"):
    """Return diagrams given in any of the accepted forms as a dict ``{dim: Diagram}``.

    The one place where sktopo reads a diagram from a user: the functionals, the targets
    of :class:`~sktopo.functionals.DiagramDistance`, the plots and the importers call it.

    Parameters
    ----------
    diagrams : Diagram, dict, list or array-like
        One of: a :class:`Diagram`; a dict ``{dim: Diagram or (n, 2) array}``; an array of
        shape (n_points, 2) of (birth, death) (dimension 0); GUDHI's list of
        ``(dim, (birth, death))``; persim/ripser's list of (n, 2) arrays, one per
        dimension from 0 (or ripser's dict with a ``"dgms"`` entry). Essential classes
        have death ``+inf`` (or ``-inf`` in a superlevel diagram).
    input_name : str, default="diagrams"
        Name of the parameter in error messages.

    Returns
    -------
    diagrams : dict of {int: Diagram}
        Diagrams read from arrays have unknown critical cells (indices -1) and their
        orientation inferred (deaths below births: superlevel).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import check_diagrams
    >>> check_diagrams([(1, (0.5, 2.0)), (0, (0.0, np.inf))])
    {0: Diagram(dim=0, n_points=1, n_essential=1), 1: Diagram(dim=1, n_points=1, n_essential=0)}
    """
    if isinstance(diagrams, Diagram):
        return {diagrams.dim: diagrams}
    if isinstance(diagrams, dict):
        if "dgms" in diagrams:                       # ripser.ripser's output
            return check_diagrams(list(diagrams["dgms"]), input_name)
        out = {}
        for dim, dgm in diagrams.items():
            if not isinstance(dim, Integral) or isinstance(dim, bool) or dim < 0:
                raise ValueError(f"The '{input_name}' parameter must have homology "
                                 f"dimensions (ints >= 0) as keys, got {dim!r}.")
            if isinstance(dgm, Diagram):
                if dgm.dim != dim:
                    raise ValueError(f"The '{input_name}' parameter has a Diagram of "
                                     f"dimension {dgm.dim} under the key {dim}.")
                out[int(dim)] = dgm
            else:
                out[int(dim)] = _from_points(dgm, int(dim), f"{input_name}[{dim}]")
        return out
    if isinstance(diagrams, (list, tuple)) and len(diagrams):
        if all(_is_gudhi_pair(item) for item in diagrams):
            dims = sorted({int(item[0]) for item in diagrams})
            return {d: _from_points([item[1] for item in diagrams if item[0] == d], d,
                                    input_name) for d in dims}
        if all(np.ndim(item) == 2 or np.size(item) == 0 for item in diagrams):
            return {d: _from_points(item, d, f"{input_name}[{d}]")
                    for d, item in enumerate(diagrams)}
    return {0: _from_points(diagrams, 0, input_name)}


def check_diagram(diagram, input_name="diagram"):
    """:func:`check_diagrams` for one diagram: a dict or list must hold a single dimension.
    """
    if isinstance(diagram, Diagram):             # the hot path of the optimizers
        return diagram
    diagrams = check_diagrams(diagram, input_name)
    if len(diagrams) != 1:
        raise ValueError(f"The '{input_name}' parameter must be one diagram, got the "
                         f"dimensions {sorted(diagrams)}: pick one, e.g. diagrams[0].")
    return next(iter(diagrams.values()))


def _negated(dgm):
    return Diagram._from_kernel(-dgm.births, -dgm.deaths, dgm.birth_index, dgm.death_index,
                                dgm.dim, not dgm.superlevel)


def to_gudhi(diagrams):
    """Export diagrams as GUDHI's list of ``(dim, (birth, death))``.

    A superlevel diagram is negated (births below deaths, essential deaths ``+inf``), as
    GUDHI computes a superlevel filtration: the sublevel filtration of the negated input.
    Points are sorted as GUDHI's ``persistence()``: by decreasing dimension, then by
    decreasing lifetime. For GUDHI's distances, pass ``np.asarray(dgm)`` (or the Diagram
    itself) per dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import cubical_persistence, to_gudhi
    >>> to_gudhi(cubical_persistence(np.array([0.0, 3.0, 1.0, 2.0]), superlevel=True))
    [(0, (-3.0, inf)), (0, (-2.0, -1.0))]
    """
    out = []
    for dim, dgm in sorted(check_diagrams(diagrams).items(), reverse=True):
        points = np.asarray(dgm)
        order = np.argsort(-(points[:, 1] - points[:, 0]), kind="stable")
        out.extend((dim, (float(b), float(d))) for b, d in points[order])
    return out


def from_gudhi(persistence, superlevel=False):
    """Import GUDHI's list of ``(dim, (birth, death))`` (or per-dimension (n, 2) arrays).

    ``superlevel=True`` negates the points back into sktopo's superlevel orientation (for
    a diagram exported by :func:`to_gudhi`, or GUDHI's diagram of the negated input).
    Returns ``{dim: Diagram}`` with unknown critical cells (indices -1).

    Examples
    --------
    >>> from sktopo.persistence import from_gudhi
    >>> from_gudhi([(0, (-3.0, float("inf"))), (0, (-2.0, -1.0))], superlevel=True)[0].deaths
    array([-inf,   1.])
    """
    dgms = check_diagrams(persistence, "persistence")
    return {d: _negated(dgm) for d, dgm in dgms.items()} if superlevel else dgms


def to_persim(diagrams):
    """Export diagrams as persim/ripser's list of (n, 2) arrays, one per dimension from 0.

    Missing dimensions get empty arrays; essential deaths are ``+inf`` (persim's distances
    leave them out with a warning); a superlevel diagram is negated, see :func:`to_gudhi`.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import cubical_persistence, to_persim
    >>> to_persim(cubical_persistence(np.array([0.0, 3.0, 1.0, 2.0]), superlevel=True))
    [array([[-3., inf],
           [-2., -1.]])]
    """
    dgms = check_diagrams(diagrams)
    n_dims = max(dgms, default=-1) + 1
    return [np.asarray(dgms[d]) if d in dgms else np.empty((0, 2)) for d in range(n_dims)]


def from_persim(dgms, superlevel=False):
    """Import persim/ripser's list of (n, 2) arrays (index = dimension), or ripser's dict.

    ``superlevel=True`` negates the points back, see :func:`from_gudhi`.
    """
    return from_gudhi(dgms if isinstance(dgms, dict) else list(dgms), superlevel)


def to_giotto(diagrams, homology_dimensions=None, infinity_value=np.inf, reduced=True):
    """Export diagrams as one giotto-tda diagram: an (n_points, 3) array of (b, d, dim).

    giotto-tda's conventions: births below deaths (a superlevel diagram is negated, see
    :func:`to_gudhi`), no point of zero lifetime, every dimension of
    ``homology_dimensions`` present (an empty one gets the diagonal point ``(0, 0, dim)``,
    as giotto-tda pads), essential deaths replaced by ``infinity_value`` and, with
    ``reduced=True`` (giotto-tda's default, reduced homology), one essential H0 class
    dropped. Stack samples of equal size with ``np.stack``, or use ``[None]`` for one.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import cubical_persistence, to_giotto
    >>> to_giotto(cubical_persistence(np.array([0.0, 3.0, 1.0, 2.0]), superlevel=True))
    array([[-2., -1.,  0.]])
    """
    dgms = check_diagrams(diagrams)
    dims = sorted(dgms) if homology_dimensions is None else list(homology_dimensions)
    blocks = []
    for d in dims:
        points = np.asarray(dgms[d]) if d in dgms else np.empty((0, 2))
        points = points[points[:, 0] < points[:, 1]]
        if reduced and d == 0:
            essential = np.flatnonzero(np.isinf(points[:, 1]))
            points = np.delete(points, essential[:1], axis=0)
        points[:, 1] = np.where(np.isinf(points[:, 1]), infinity_value, points[:, 1])
        if len(points) == 0:
            points = np.zeros((1, 2))
        blocks.append(np.column_stack([points, np.full(len(points), float(d))]))
    return np.concatenate(blocks) if blocks else np.empty((0, 3))


def from_giotto(diagram, superlevel=False):
    """Import one giotto-tda diagram: an (n_points, 3) array of (b, d, dim) or (1, n, 3).

    Padding points (zero lifetime) are dropped; an ``infinity_value`` other than ``inf``
    cannot be told from a finite death and stays finite. ``superlevel=True`` negates the
    points back, see :func:`from_gudhi`.
    """
    arr = np.asarray(diagram, dtype=np.float64)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError("The 'diagram' parameter must be a giotto-tda diagram of shape "
                         f"(n_points, 3) or (1, n_points, 3), got shape {arr.shape}.")
    if not np.all((arr[:, 2] >= 0) & (arr[:, 2] == np.round(arr[:, 2]))):
        raise ValueError("The 'diagram' parameter must have homology dimensions (integers "
                         ">= 0) in its third column.")
    dims = np.unique(arr[:, 2]).astype(int)
    arr = arr[arr[:, 0] != arr[:, 1]]
    return from_gudhi({int(d): arr[arr[:, 2] == d, :2] for d in dims}, superlevel)
