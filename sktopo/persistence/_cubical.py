"""Persistence of images and volumes (cubical complexes) and of 1-D signals.

Two constructions of a cubical complex from an array are offered:

* ``connectivity="full"``: pixels are the top-dimensional cells, a lower-dimensional cell
  takes the smallest value of the pixels around it (sublevel). Pixels touching at a corner
  are adjacent (8-connectivity in 2-D, 26 in 3-D). This is the STUMP paper's choice.
* ``connectivity="face"``: pixels are the vertices, a cell takes the largest value of its
  vertices (sublevel). Pixels are adjacent through a face only (4-connectivity in 2-D, 6 in
  3-D).

Ties are broken by the C-order flat index: the pairing is the one of the total order
(value, index), as if ``X + eps * rank`` were given for an infinitesimal ``eps``. Each
diagram point is then born and dies at single pixels, and points of zero persistence (equal
values at birth and death) are dropped.
"""

import math

import numpy as np

from ..utils._validation import (CONSTRAINTS, check_homology_dimensions, check_option,
                                 check_values, validate_params)
from . import _pairing, _signal, _volume
from ._diagram import Diagram

__all__ = ["cubical_persistence"]

_CONNECTIVITY = {"full", "face"}
_ALL_DIMENSIONS = {1: (0,), 2: (0, 1), 3: (0, 1, 2)}
_MAX_PADDED_SIZE = 2 ** 31 - 8   # the compiled kernel indexes the padded image with int32


def _check_connectivity(connectivity, ndim):
    if isinstance(connectivity, (int, np.integer)) and not isinstance(connectivity, bool):
        if connectivity == ndim:
            return "full"
        if connectivity == 1:
            return "face"
        raise ValueError(f"The 'connectivity' parameter must be 1 (face) or X.ndim={ndim} "
                         f"(full) when given as an int, got {connectivity}.")
    return check_option(connectivity, "connectivity", sorted(_CONNECTIVITY))


def _order_ranks(values):
    """Rank of each value in the order (value, position): a stable argsort."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(order.size, dtype=np.intp)
    ranks[order] = np.arange(order.size)
    return ranks


def _gudhi_pairs(ranks, dims, connectivity):
    """Critical pixels (C-order flat indices) of the sublevel filtration of ``ranks``.

    ``ranks`` holds distinct values, so the pairing does not depend on GUDHI's own tie
    rule. GUDHI reads an array in Fortran order; the transpose makes its indices C-order.
    """
    import gudhi

    if connectivity == "full":
        cc = gudhi.CubicalComplex(top_dimensional_cells=ranks.T)
        cc.compute_persistence(homology_coeff_field=2, min_persistence=0)
        regular, essential = cc.cofaces_of_persistence_pairs()
    else:
        cc = gudhi.CubicalComplex(vertices=ranks.T)
        cc.compute_persistence(homology_coeff_field=2, min_persistence=0)
        regular, essential = cc.vertices_of_persistence_pairs()
    pairs = {}
    for d in dims:
        reg = regular[d] if d < len(regular) else np.empty((0, 2), dtype=np.intp)
        ess = essential[d] if d < len(essential) else np.empty(0, dtype=np.intp)
        reg = np.asarray(reg, dtype=np.intp).reshape(-1, 2)
        ess = np.asarray(ess, dtype=np.intp).ravel()
        birth = np.concatenate([ess, reg[:, 0]])
        death = np.concatenate([np.full(ess.size, -1, dtype=np.intp), reg[:, 1]])
        pairs[d] = birth, death
    return pairs


def _padded(f):
    """``f`` surrounded by one layer of ``+inf``: the border of the compiled kernel."""
    padded = np.empty(tuple(s + 2 for s in f.shape))
    padded.fill(np.inf)
    padded[(slice(1, -1),) * f.ndim] = f
    return padded


def _compiled_pairs(f, dims, connectivity):
    """The compiled kernels: union-find for H0 and, by duality, the top dimension; H1 of
    a volume by cohomology."""
    if f.ndim == 1:
        return {0: _signal.signal_pairs(f)}
    if f.ndim == 2:     # no padded copy: the kernel sorts and pads its parents itself
        low_pairs, top_pairs = _pairing.image_pairs(f, connectivity == "full", 0 in dims,
                                                    1 in dims)
        return {d: low_pairs if d == 0 else top_pairs for d in dims}
    # a volume: one sort for every dimension; H1 by cohomology with clearing, whose
    # union-find gives H0 on the way
    h0, h1, h2 = _volume.volume_pairs(f, connectivity == "full", 0 in dims, 1 in dims,
                                      2 in dims)
    return {d: (h0, h1, h2)[d] for d in dims}


def _sublevel_pairs(f, dims, connectivity, backend="auto"):
    """Critical pixels of the sublevel filtration of a finite float64 array ``f``.

    Returns a dict {dim: (birth_index, death_index)} of C-order flat indices, ``-1``
    for an essential death. Ties broken by flat index.

    ``backend`` is "compiled" (the Cython kernels; every dimension of a signal, an image
    or a volume), "gudhi" (the reference: GUDHI on the ranks) or "auto" (compiled when a
    kernel covers the input).
    Both give the same pairs.
    """
    covered = f.ndim == 1 or math.prod(s + 2 for s in f.shape) < _MAX_PADDED_SIZE
    if backend == "compiled" and not covered:
        raise ValueError("The compiled kernels do not cover this input "
                         "(2**31 pixels or more).")
    if backend == "compiled" or (backend == "auto" and covered):
        return _compiled_pairs(f, dims, connectivity)
    ranks = _order_ranks(f.ravel()).reshape(f.shape).astype(np.float64)
    return _gudhi_pairs(ranks, dims, connectivity)


def _diagram_from_pairs(values, birth_index, death_index, dim, superlevel):
    """Read the values of the critical cells, drop zero-persistence points."""
    births = values.take(birth_index)
    deaths = values.take(death_index)      # (index -1: fixed below)
    essential = death_index < 0
    if np.count_nonzero(essential):
        deaths[essential] = -np.inf if superlevel else np.inf
    keep = births != deaths
    if np.count_nonzero(keep) == keep.size:
        return Diagram._from_kernel(births, deaths, birth_index, death_index, dim, superlevel)
    return Diagram._from_kernel(births[keep], deaths[keep], birth_index[keep],
                                death_index[keep], dim, superlevel)


@validate_params({"X": ["array-like"], "superlevel": CONSTRAINTS["superlevel"],
                  "homology_dimensions": CONSTRAINTS["homology_dimensions"],
                  "connectivity": CONSTRAINTS["connectivity"]})
def cubical_persistence(X, homology_dimensions=None, *, superlevel=False,
                        connectivity="full"):
    """Persistence diagrams of a 1-D signal, 2-D image or 3-D volume with critical pixels.

    Parameters
    ----------
    X : array-like of shape (n,), (height, width) or (depth, height, width)
        Finite values of the pixels (voxels, samples).
    homology_dimensions : int or sequence of int, default=None
        Homology dimensions to compute, between 0 and ``X.ndim - 1``. None means all of
        them: (0,) for a signal, (0, 1) for an image, (0, 1, 2) for a volume.
    superlevel : bool, default=False
        Use the superlevel filtration (pixels with value >= t) instead of the sublevel
        one. Births and deaths keep the values of ``X``, so ``death <= birth`` and an
        essential class has death ``-inf``.
    connectivity : {"full", "face"} or int, default="full"
        ``"full"`` (or ``X.ndim``): pixels are top-dimensional cells, 8-connectivity in
        2-D, 26 in 3-D. ``"face"`` (or 1): pixels are vertices, 4-connectivity in 2-D, 6 in
        3-D. Both coincide for 1-D signals.

    Returns
    -------
    diagrams : dict of {int: Diagram}
        One :class:`Diagram` per homology dimension. ``birth_index`` and ``death_index``
        are C-order flat indices into ``X`` (``np.unravel_index(i, X.shape)``), ``-1``
        for the death of an essential class. The order of the points is deterministic but
        otherwise unspecified.

    Notes
    -----
    Ties are broken by flat index: the pairing is that of the total order
    ``(value, index)`` for the sublevel filtration and ``(-value, index)`` for the
    superlevel one. Points of zero persistence are dropped. Compiled kernels compute H0 by
    union-find over the pixels sorted by (value, index) with the elder rule, H1 of an image
    (H2 of a volume) as the H0 of the dual connectivity on the image padded by a border,
    and the H0 of a 1-D signal with a stack in O(n); H1 of a volume by persistent
    cohomology with clearing over its edges (the union-find of its H0 clears the columns,
    apparent pairs are taken without reduction, as in CubicalRipser); the voxels of a
    volume are sorted once for all its dimensions. GUDHI's cubical complex on the ranks is
    the test reference. All give the same pairs.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import cubical_persistence
    >>> X = np.array([[0., 5., 1.],
    ...               [5., 5., 5.],
    ...               [2., 5., 3.]])
    >>> dgms = cubical_persistence(X, connectivity="face")
    >>> dgms[0].births, dgms[0].deaths
    (array([0., 1., 2., 3.]), array([inf,  5.,  5.,  5.]))
    >>> dgms[0].birth_index, dgms[0].death_index
    (array([0, 2, 6, 8]), array([-1,  1,  3,  5]))
    """
    # the kernels need about 64 bytes per pixel (copies, ranks, union-find, GUDHI's cells)
    X = check_values(X, "X", ndim=(1, 2, 3), bytes_per_value=64)
    if homology_dimensions is None:
        homology_dimensions = _ALL_DIMENSIONS[X.ndim]
    dims = check_homology_dimensions(homology_dimensions, X.ndim - 1)
    connectivity = _check_connectivity(connectivity, X.ndim)
    if not isinstance(superlevel, (bool, np.bool_)):
        raise TypeError(f"The 'superlevel' parameter must be a bool, got {superlevel!r}.")
    return _cubical_diagrams(X, dims, bool(superlevel), connectivity)


def _cubical_diagrams(X, dims, superlevel, connectivity, backend="auto"):
    """:func:`cubical_persistence` without validation, for callers in a loop.

    ``X`` must be a finite, C-contiguous float64 array of 1 to 3 dimensions, ``dims`` a
    sorted tuple of valid dimensions, ``connectivity`` "full" or "face".
    """
    f = -X if superlevel else X
    values = X.ravel()
    if (X.ndim == 2 and backend != "gudhi"
            and (X.shape[0] + 2) * (X.shape[1] + 2) < _MAX_PADDED_SIZE):
        # the kernel reads the points itself (no gathers and masks in numpy)
        low, top = _pairing.image_pairs(f, connectivity == "full", 0 in dims, 1 in dims,
                                        values=values,
                                        essential=-np.inf if superlevel else np.inf)
        return {d: Diagram._from_kernel(*(low if d == 0 else top), d, superlevel)
                for d in dims}
    pairs = _sublevel_pairs(f, dims, connectivity, backend)
    return {d: _diagram_from_pairs(values, *pairs[d], d, superlevel) for d in dims}
