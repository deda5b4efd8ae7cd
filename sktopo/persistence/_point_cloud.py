"""Rips and weak alpha persistence of point clouds; critical cells are edges.

H0 is read off the Euclidean minimum spanning tree, which lies inside the Delaunay graph:
Kruskal's algorithm with the elder rule over the Delaunay edges sorted by (length, i, j).
H1 and above use GUDHI's flag complex on the ranks of the edges, so that equal lengths are
ordered by the same rule. Coincident points are merged before anything else (their bars
have zero persistence and are dropped).
"""

import numpy as np

from ..utils._validation import (CONSTRAINTS, check_homology_dimensions, check_points,
                                 validate_params)
from . import _graph
from ._diagram import Diagram
from ._edges import (_MAX_DELAUNAY_DIM, _delaunay_edges, _edge_order, _lengths,  # noqa: F401
                     _normalized, _rips_edges, _scaled_lengths, _unique_points)

__all__ = ["rips_persistence", "weak_alpha_persistence"]

_MAX_RIPS_DIM = 8

def _kruskal_h0(n, edges, lengths, order=None):
    """H0 pairs by Kruskal's algorithm and the elder rule (compiled).

    The edges are taken by (length, i, j), or in ``order`` when it is given.
    """
    if order is None:
        order = _edge_order(edges, lengths).astype(np.int64)
    return _graph.kruskal_h0(n, np.ascontiguousarray(edges, dtype=np.int64), order)


def _h0_diagram(n, edges, lengths, ids, kruskal=None):
    dying, death_edges, essential = kruskal or _kruskal_h0(n, edges, lengths)
    births = np.zeros(len(dying) + len(essential))
    deaths = np.concatenate([np.full(len(essential), np.inf), lengths[death_edges]])
    vertices = np.concatenate([essential, dying])
    birth_index = ids[np.column_stack([vertices, vertices])]
    death_index = np.concatenate([np.full((len(essential), 2), -1, dtype=np.intp),
                                  ids[edges[death_edges]]])
    keep = deaths > 0
    return Diagram._from_kernel(births[keep], deaths[keep],
                                birth_index[keep].reshape(-1, 2),
                                death_index[keep].reshape(-1, 2), 0)


def _flag_diagrams(n, edges, lengths, dims, ids):
    """Diagrams of dimension >= 1 of the flag complex of a graph, via GUDHI on edge ranks."""
    import gudhi

    order = _edge_order(edges, lengths)
    rank = np.empty(len(edges))
    rank[order] = np.arange(1, len(edges) + 1)
    st = gudhi.SimplexTree()
    st.insert_batch(np.arange(n).reshape(1, -1), np.zeros(n))
    if len(edges):
        st.insert_batch(edges.T, rank)
    st.expansion(max(dims) + 1)
    # the homology of the top dimension of the complex is only needed when it is asked for
    # (no clique of dimension max(dims) + 1): computing it costs most of the time
    st.compute_persistence(homology_coeff_field=2, min_persistence=0,
                           persistence_dim_max=st.dimension() <= max(dims))
    _, regular, _, essential = st.flag_persistence_generators()
    # map an edge (u, v) back to its length: search its key u * n + v among the edges'
    keys = edges[:, 0].astype(np.int64) * n + edges[:, 1]
    by_key = np.argsort(keys)
    sorted_keys = keys[by_key]

    def length_of(pairs):
        pairs = np.sort(pairs, axis=1)
        found = by_key[np.searchsorted(sorted_keys, pairs[:, 0].astype(np.int64) * n
                                       + pairs[:, 1])]
        return lengths[found]

    out = {}
    for d in dims:
        reg = np.asarray(regular[d - 1], dtype=np.intp).reshape(-1, 4) if d - 1 < len(
            regular) else np.empty((0, 4), dtype=np.intp)
        ess = np.asarray(essential[d - 1], dtype=np.intp).reshape(-1, 2) if d - 1 < len(
            essential) else np.empty((0, 2), dtype=np.intp)
        births = np.concatenate([length_of(ess), length_of(reg[:, :2])])
        deaths = np.concatenate([np.full(len(ess), np.inf), length_of(reg[:, 2:])])
        birth_edges = np.concatenate([np.sort(ess, axis=1), np.sort(reg[:, :2], axis=1)])
        death_edges = np.concatenate([np.full((len(ess), 2), -1, dtype=np.intp),
                                      np.sort(reg[:, 2:], axis=1)])
        birth_index = ids[birth_edges]
        death_index = np.where(death_edges >= 0, ids[np.maximum(death_edges, 0)], -1)
        keep = births != deaths
        out[d] = Diagram._from_kernel(births[keep], deaths[keep],
                                      birth_index[keep].reshape(-1, 2),
                                      death_index[keep].reshape(-1, 2), d)
    return out


def _graph_persistence(points, dims, edges_of, max_edge_length=np.inf):
    """Diagrams of the flag complex of the graph ``edges_of(unit, threshold)``.

    The predicates and lengths are computed on the normalized cloud, the diagrams scaled
    back at the end.
    """
    unique, ids = _unique_points(points)
    unit, scale = _normalized(unique)
    with np.errstate(over="ignore", under="ignore"):
        threshold = np.ldexp(float(max_edge_length), -scale)
    n = len(unique)
    edges = edges_of(unit, threshold)
    lengths = _lengths(unit, edges)
    if np.isfinite(threshold) and len(edges):
        keep = lengths <= threshold
        edges, lengths = edges[keep], lengths[keep]
    diagrams = {}
    if 0 in dims:
        diagrams[0] = _h0_diagram(n, edges, lengths, ids)
    higher = [d for d in dims if d > 0]
    if higher:
        diagrams.update(_flag_diagrams(n, edges, lengths, higher, ids))
    return _rescaled(diagrams, scale)


def _rescaled(diagrams, scale):
    """Diagrams of the normalized cloud scaled back, or a clear error on overflow."""
    if scale == 0:
        return diagrams
    out = {}
    for d, dgm in diagrams.items():
        births = _scaled_lengths(dgm.births, scale)
        finite = np.isfinite(dgm.deaths)
        deaths = dgm.deaths.copy()
        deaths[finite] = _scaled_lengths(dgm.deaths[finite], scale)
        out[d] = Diagram._from_kernel(births, deaths, dgm.birth_index, dgm.death_index,
                                      dgm.dim)
    return out


@validate_params({"points": ["array-like"],
                  "homology_dimensions": CONSTRAINTS["homology_dimensions"],
                  "max_edge_length": CONSTRAINTS["max_edge_length"]})
def rips_persistence(points, homology_dimensions=(0, 1), *, max_edge_length=np.inf):
    """Persistence diagrams of the Vietoris-Rips filtration of a point cloud.

    Parameters
    ----------
    points : array-like of shape (n_points, n_dims) or (n_points,)
        The point cloud; a 1-D array is read as points on the line.
    homology_dimensions : int or sequence of int, default=(0, 1)
        Homology dimensions to compute.
    max_edge_length : float, default=np.inf
        Edges longer than this are left out (a truncated filtration: classes alive at
        that length become essential).

    Returns
    -------
    diagrams : dict of {int: Diagram}
        One diagram per homology dimension. Births and deaths are edge lengths; the
        critical cells ``birth_index`` and ``death_index`` are edges, arrays of shape
        (n_points, 2) of point indices ``(i, j)`` with ``i < j``. A class of H0 is born
        at a vertex ``v``, written as the edge ``(v, v)`` of length 0; an essential class
        has death index ``(-1, -1)``.

    Notes
    -----
    H0 is computed from the minimum spanning tree (Kruskal with the elder rule). H0 and
    H1 together are compiled without listing the triangles (ripser's implicit cohomology
    with apparent pairs and clearing; distances computed when needed, or neighbour lists
    of a k-d tree when ``max_edge_length`` keeps few pairs); dimensions 2 and above use
    GUDHI's flag complex, refused up front with a MemoryError when it cannot fit. Equal
    lengths are ordered by the edges' point indices; coincident points are merged first
    (their first occurrence represents them).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import rips_persistence
    >>> square = np.array([[0., 0.], [1., 0.], [1., 1.], [0., 1.]])
    >>> dgms = rips_persistence(square)
    >>> dgms[0].deaths
    array([inf,  1.,  1.,  1.])
    >>> dgms[1].births, dgms[1].deaths, dgms[1].death_index
    (array([1.]), array([1.41421356]), array([[0, 2]]))
    """
    points = check_points(points)
    dims = check_homology_dimensions(homology_dimensions, _MAX_RIPS_DIM)
    if 1 in dims and max(dims) == 1:
        return _rips_h01(points, dims, max_edge_length)
    diagrams = {}
    if 0 in dims:
        diagrams.update(_graph_persistence(points, (0,), _rips_edges(True),
                                           max_edge_length))
    higher = tuple(d for d in dims if d > 0)
    if higher:
        diagrams.update(_graph_persistence(points, higher, _rips_edges(False, max(higher)),
                                           max_edge_length))
    return diagrams


def _rips_h01(points, dims, max_edge_length):
    """H0 and H1 of Rips, compiled without the triangles (``_rips``: ripser's method)."""
    from . import _rips

    unique, ids = _unique_points(points)
    unit, scale = _normalized(unique)       # exact: lengths scale back to the bit
    with np.errstate(over="ignore", under="ignore"):
        threshold = np.ldexp(float(max_edge_length), -scale)
    try:
        edges, lengths, kruskal, (birth_rows, death_edges, deaths) = _rips.rips_h01(
            unit, threshold)
    except MemoryError as exc:
        if "bad_alloc" not in str(exc):
            raise               # the kernel's own refusal, with its estimate
        # the reduction outgrew memory (many non-apparent pairs: high dimensions)
        raise MemoryError(
            f"rips_persistence ran out of memory reducing H1 of {len(unique)} points in "
            f"{unique.shape[1]} dimensions; set max_edge_length (e.g. a low quantile of "
            "the distances), use fewer points, or ask for homology_dimensions=0.") from None
    diagrams = {}
    if 0 in dims:
        diagrams[0] = _h0_diagram(len(unique), edges, lengths, ids, kruskal)
    if 1 in dims:
        births = lengths[birth_rows]
        keep = births != deaths
        essential = death_edges[keep, 0] < 0
        birth_index = ids[edges[birth_rows[keep]]].reshape(-1, 2)
        death_index = np.where(essential[:, None], -1,
                               ids[np.maximum(death_edges[keep], 0)]).reshape(-1, 2)
        diagrams[1] = Diagram._from_kernel(births[keep], deaths[keep], birth_index,
                                           death_index, 1)
    return _rescaled({d: diagrams[d] for d in dims}, scale)


@validate_params({"points": ["array-like"],
                  "homology_dimensions": CONSTRAINTS["homology_dimensions"]})
def weak_alpha_persistence(points, homology_dimensions=(0, 1)):
    """Persistence diagrams of the weak alpha filtration: the flag complex of the Delaunay graph.

    The filtration value of an edge is its length and a simplex enters with its longest
    edge, as in the Topology Layer paper [1]_. Its H0 equals that of the Rips filtration.

    Parameters
    ----------
    points : array-like of shape (n_points, n_dims) or (n_points,)
        The point cloud, ``n_dims <= 3``; a 1-D array is read as points on the line.
    homology_dimensions : int or sequence of int, default=(0, 1)
        Homology dimensions to compute.

    Returns
    -------
    diagrams : dict of {int: Diagram}
        As :func:`rips_persistence`: critical cells are edges.

    References
    ----------
    .. [1] R. Bruel-Gabrielsson et al., "A Topology Layer for Machine Learning",
       AISTATS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import weak_alpha_persistence
    >>> t = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    >>> circle = np.column_stack([np.cos(t), np.sin(t)])
    >>> dgm = weak_alpha_persistence(circle)[1]
    >>> len(dgm), round(float(dgm.births[0]), 4)   # born when the 12-gon closes
    (1, 0.5176)
    """
    points = check_points(points)
    if points.shape[1] > _MAX_DELAUNAY_DIM:
        raise ValueError("weak_alpha_persistence supports points of dimension at most "
                         f"{_MAX_DELAUNAY_DIM}, got points of shape {points.shape}.")
    dims = check_homology_dimensions(homology_dimensions, points.shape[1] + 1)
    if 1 not in dims:
        return _graph_persistence(points, dims, _delaunay_edges)
    unique, ids = _unique_points(points)
    unit, scale = _normalized(unique)
    edges = _delaunay_edges(unit, normalized=True)
    diagrams = _flag_diagrams_compiled(len(unique), edges, _lengths(unit, edges), dims, ids)
    return _rescaled(diagrams, scale)


def _flag_diagrams_compiled(n, edges, lengths, dims, ids):
    """Diagrams of the flag complex of a graph whose edges are sorted by (i, j).

    H0 and H1 compiled (Kruskal; cohomology with the H0 death edges cleared), GUDHI above.
    Shared by :func:`weak_alpha_persistence` and the optimizers' lean path.
    """
    # the edges are sorted by (i, j): a stable sort by length gives (length, i, j)
    order = np.argsort(lengths, kind="stable").astype(np.int64)
    edges64 = np.ascontiguousarray(edges, dtype=np.int64)
    kruskal = _graph.kruskal_h0(n, edges64, order)
    diagrams = {}
    if 1 in dims:
        diagrams[1] = _flag_h1(n, edges64, lengths, order, kruskal[1], ids)
    if 0 in dims:
        diagrams[0] = _h0_diagram(n, edges, lengths, ids, kruskal)
    higher = [d for d in dims if d > 1]
    if higher:
        diagrams.update(_flag_diagrams(n, edges, lengths, higher, ids))
    return {d: diagrams[d] for d in dims}


def _flag_h1(n, edges, lengths, order, h0_death_edges, ids):
    """The H1 diagram of a flag complex, compiled (implicit cohomology with clearing)."""
    from . import _rips

    cleared = np.zeros(len(edges), dtype=np.uint8)
    cleared[h0_death_edges] = 1
    birth_edges, death_edges = _rips.flag_h1(n, edges, order, cleared)
    essential = death_edges < 0
    births = lengths[birth_edges]
    deaths = np.where(essential, np.inf, lengths[np.maximum(death_edges, 0)])
    keep = births != deaths
    birth_index = ids[edges[birth_edges[keep]]].reshape(-1, 2)
    death_index = np.where(essential[keep, None], -1,
                           ids[edges[np.maximum(death_edges[keep], 0)]]).reshape(-1, 2)
    return Diagram._from_kernel(births[keep], deaths[keep], birth_index, death_index, 1)
