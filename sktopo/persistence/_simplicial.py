"""Lower-star persistence of a function on the vertices of a simplicial complex."""

import numpy as np

from ..utils._validation import (CONSTRAINTS, check_homology_dimensions, check_memory,
                                 check_values, validate_params)
from ._cubical import _diagram_from_pairs, _order_ranks

__all__ = ["lower_star_persistence"]

_MAX_DIM = 8


def _check_simplices(simplices, n_vertices):
    if isinstance(simplices, np.ndarray) and simplices.dtype != object:
        batches = [simplices.reshape(len(simplices), -1)] if simplices.size else []
    else:
        try:
            simplices = [tuple(s) for s in simplices]
        except TypeError:
            raise TypeError("The 'simplices' parameter must be a sequence of vertex "
                            "sequences.") from None
        by_size = {}
        for s in simplices:
            by_size.setdefault(len(s), []).append(s)
        batches = [np.asarray(v) for _, v in sorted(by_size.items()) if _ > 0]
    out = []
    for b in batches:
        if not np.issubdtype(b.dtype, np.integer):
            raise TypeError("The 'simplices' parameter must hold integer vertex ids, got "
                            f"dtype {b.dtype}.")
        if b.size and (b.min() < 0 or b.max() >= n_vertices):
            raise ValueError("The 'simplices' parameter must hold vertex ids in [0, "
                             f"{n_vertices}), got ids in [{b.min()}, {b.max()}].")
        out.append(b.astype(np.int64))
    return out


@validate_params({"values": ["array-like"], "simplices": ["array-like"],
                  "homology_dimensions": CONSTRAINTS["homology_dimensions"],
                  "superlevel": CONSTRAINTS["superlevel"]})
def lower_star_persistence(values, simplices, homology_dimensions=(0, 1), *,
                           superlevel=False):
    """Persistence diagrams of the lower-star filtration of a function on vertices.

    A simplex enters the filtration with the largest value of its vertices (the smallest
    for ``superlevel=True``). Every vertex of ``values`` is a vertex of the complex.

    Parameters
    ----------
    values : array-like of shape (n_vertices,)
        The function on the vertices.
    simplices : array-like of shape (n_simplices, k) or sequence of sequences of int
        The simplices of the complex (their faces are added).
    homology_dimensions : int or sequence of int, default=(0, 1)
        Homology dimensions to compute; those above the dimension of the complex give
        empty diagrams.
    superlevel : bool, default=False
        Use the superlevel (upper-star) filtration; deaths are then ``<= births`` and an
        essential class has death ``-inf``.

    Returns
    -------
    diagrams : dict of {int: Diagram}
        ``birth_index`` and ``death_index`` are vertex ids, ``-1`` for an essential death.

    Notes
    -----
    Ties are broken by vertex id, as in :func:`cubical_persistence`; points of zero
    persistence are dropped. The pairing is GUDHI's ``lower_star_persistence_generators``
    on the ranks of the values.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import lower_star_persistence
    >>> values = np.array([0., 2., 1., 3.])                 # a path 0 - 1 - 2 - 3
    >>> dgm = lower_star_persistence(values, [[0, 1], [1, 2], [2, 3]])[0]
    >>> dgm.births, dgm.deaths, dgm.birth_index, dgm.death_index
    (array([0., 1.]), array([inf,  2.]), array([0, 2]), array([-1,  1]))
    """
    import gudhi

    values = check_values(values, "values", ndim=(1,))
    n = values.size
    batches = _check_simplices(simplices, n)
    # a k-simplex brings its 2^(k+1) - 1 faces into GUDHI's simplex tree (~200 bytes each)
    n_faces = n + sum(len(b) * (2.0 ** b.shape[1] - 1) for b in batches)
    check_memory(200 * n_faces, f"The complex of these simplices (about {n_faces:.3g} faces)",
                 "split the large simplices or pass fewer of them")
    # a complex of dimension k has no homology above k: those diagrams are empty (the
    # dimension of a nerve, say, depends on the data, so asking is not an error)
    dims = check_homology_dimensions(homology_dimensions, _MAX_DIM)
    if not isinstance(superlevel, (bool, np.bool_)):
        raise TypeError(f"The 'superlevel' parameter must be a bool, got {superlevel!r}.")
    ranks = _order_ranks(-values if superlevel else values).astype(np.float64)
    st = gudhi.SimplexTree()
    st.insert_batch(np.arange(n).reshape(1, -1), ranks)
    for b in batches:
        if b.shape[1] > 1:
            st.insert_batch(b.T, ranks[b].max(axis=1))
    # faces added by insert_batch carry their coface's value: make it lower-star again
    st.reset_filtration(-np.inf, 1)
    st.make_filtration_non_decreasing()
    st.compute_persistence(homology_coeff_field=2, min_persistence=0,
                           persistence_dim_max=True)
    regular, essential = st.lower_star_persistence_generators()
    out = {}
    for d in dims:
        reg = np.asarray(regular[d], dtype=np.intp).reshape(-1, 2) if d < len(
            regular) else np.empty((0, 2), dtype=np.intp)
        ess = np.asarray(essential[d], dtype=np.intp).ravel() if d < len(
            essential) else np.empty(0, dtype=np.intp)
        birth = np.concatenate([ess, reg[:, 0]])
        death = np.concatenate([np.full(ess.size, -1, dtype=np.intp), reg[:, 1]])
        out[d] = _diagram_from_pairs(values, birth, death, d, superlevel)
    return out
