"""Rips and weak alpha persistence of point clouds; critical cells are edges.

H0 is read off the Euclidean minimum spanning tree, which lies inside the Delaunay graph:
Kruskal's algorithm with the elder rule over the Delaunay edges sorted by (length, i, j).
H1 and above use GUDHI's flag complex on the ranks of the edges, so that equal lengths are
ordered by the same rule. Coincident points are merged before anything else (their bars
have zero persistence and are dropped).
"""

import math

import numpy as np
from scipy.spatial import Delaunay, QhullError, cKDTree

from ..utils._validation import (CONSTRAINTS, check_homology_dimensions, check_points,
                                 memory_budget, validate_params)
from . import _graph
from ._diagram import Diagram

__all__ = ["rips_persistence", "weak_alpha_persistence"]

_MAX_DELAUNAY_DIM = 3
# H0 above _MAX_DELAUNAY_DIM: Prim's O(n^2) tree takes ~9 s for 2e4 points here, ~1 min
# for 5e4
_MAX_PRIM_POINTS = 50_000
_MAX_RIPS_DIM = 8


def _unique_points(points):
    """Distinct points and, for each, the index of its first occurrence."""
    # a stable lexicographic sort puts the first occurrence first among equal rows
    order = np.lexsort(points.T[::-1])
    rows = points[order]
    new = np.ones(len(points), dtype=bool)
    new[1:] = np.any(rows[1:] != rows[:-1], axis=1)
    if new.all():
        return points, np.arange(len(points))
    first = np.sort(order[new])
    return points[first], first


def _normalized(points):
    """The cloud divided by a power of two that brings its coordinates into (-1, 1).

    Every geometric predicate (rank test, Delaunay, squared distances) runs on these
    coordinates (centred again where it needs it), so results are the same up to scale for
    any magnitude: dividing by a power of two is exact, and the lengths are multiplied back
    exactly by :func:`_scaled_lengths`. Returns the points and the exponent.
    """
    big = float(np.abs(points).max()) if points.size else 0.0
    if big == 0:
        return points, 0
    if big < np.finfo(np.float64).tiny:
        raise ValueError("points: the coordinates are below 2.2e-308 (subnormal numbers, "
                         "no precision left); multiply the points by a constant.")
    exponent = int(np.frexp(big)[1])
    return np.ldexp(points, -exponent), exponent


def _scaled_lengths(unit_lengths, exponent):
    """Lengths of the original cloud from those of the normalized one, or a clear error."""
    with np.errstate(over="ignore", under="ignore"):
        lengths = np.ldexp(unit_lengths, exponent)
    if not np.isfinite(lengths).all():
        raise ValueError("points: distances between points overflow float64 (above "
                         "1.8e308); divide the points by a constant.")
    if np.any((lengths < np.finfo(np.float64).tiny) & (unit_lengths > 0)):
        raise ValueError("points: distances between points underflow float64 (below "
                         "2.2e-308); multiply the points by a constant.")
    return lengths


def _lengths(points, edges):
    if not len(edges):
        return np.empty(0)
    return np.linalg.norm(points[edges[:, 0]] - points[edges[:, 1]], axis=1)


def _mst_edges(points):
    """Edges (i < j) of the minimum spanning tree of the complete graph, O(n) memory.

    Prim's algorithm on distances computed one row at a time, edges compared by
    (length, i, j): the tree is the unique one of that total order, the one Kruskal takes,
    so the H0 pairing is the same as on all n^2 / 2 edges. The vertices outside the tree
    are kept packed at the front of the arrays.
    """
    n = len(points)
    edges = np.empty((max(n - 1, 0), 2), dtype=np.intp)
    if n < 2:
        return edges
    rest = points[1:].copy()            # vertices outside the tree, packed
    ids = np.arange(1, n)
    best = np.full(n - 1, np.inf)
    parent = np.zeros(n - 1, dtype=np.intp)
    u = 0
    for k in range(n - 1):
        m = n - 1 - k
        diff = rest[:m] - points[u]
        d = np.sqrt(np.add.reduce(diff * diff, axis=1))
        closer = d < best[:m]
        tie = np.flatnonzero(d == best[:m])
        if tie.size:        # equal length: the smaller (i, j) wins
            v, p = ids[tie], parent[tie]
            old = np.minimum(p, v) * n + np.maximum(p, v)
            new = np.minimum(u, v) * n + np.maximum(u, v)
            closer[tie[new < old]] = True
        best[:m][closer] = d[closer]
        parent[:m][closer] = u
        low = best[:m].min()
        ties = np.flatnonzero(best[:m] == low)
        j = int(ties[0])
        if ties.size > 1:
            v, p = ids[ties], parent[ties]
            j = int(ties[np.argmin(np.minimum(p, v) * n + np.maximum(p, v))])
        u = int(ids[j])
        edges[k] = (min(parent[j], u), max(parent[j], u))
        last = m - 1        # move the last outside vertex into the hole
        rest[j], ids[j], best[j], parent[j] = rest[last], ids[last], best[last], parent[last]
    return edges


def _union_edges(a, b, n):
    keys = np.unique(np.concatenate([a[:, 0].astype(np.int64) * n + a[:, 1],
                                     b[:, 0].astype(np.int64) * n + b[:, 1]]))
    return np.column_stack([keys // n, keys % n]).astype(np.intp)


def _delaunay_edges(points, threshold=np.inf, *, normalized=False):
    """Edges (i < j) of the Delaunay graph of distinct points, lexicographically sorted.

    The tie policy, canonical: the points are centred, rescaled and sorted
    lexicographically before the triangulation, so the graph of cocircular (cospherical)
    points depends on the set of points, not on their order. Points in a lower-dimensional
    affine subspace (numerical rank) are written in coordinates of that subspace. Where
    the triangulation is not reliable in floating point (a cloud thinner than 1e-6 of its
    diameter, points closer than 1e-6 of it, or a Qhull failure), the exact minimum
    spanning tree is added to the graph, so its H0 is always the MST's.
    """
    n = len(points)
    if n < 2:
        return np.empty((0, 2), dtype=np.intp)
    unit = points if normalized else _normalized(points)[0]
    order = np.lexsort(unit.T[::-1])
    ordered = unit[order]
    centered = ordered - ordered.mean(axis=0)
    _, s, vt = np.linalg.svd(centered, full_matrices=False)
    tol = s[0] * max(centered.shape) * np.finfo(np.float64).eps * 10
    rank = int(np.sum(s > tol)) if s[0] > 0 else 0
    coords = centered @ vt[:rank].T
    if rank <= 1 or n <= rank + 1:
        if rank == 1:
            path = np.argsort(coords[:, 0], kind="stable")
            edges = np.column_stack([path[:-1], path[1:]])
        else:
            edges = np.column_stack(np.triu_indices(n, 1))
        return _sorted_edges(order[edges], n)
    reliable = s[rank - 1] > 1e-6 * s[0]
    try:
        simplices = Delaunay(coords).simplices
    except QhullError:
        simplices = Delaunay(coords, qhull_options="QJ").simplices
        reliable = False
    k = simplices.shape[1]
    edges = _sorted_edges(order[np.concatenate(
        [simplices[:, [a, b]] for a in range(k) for b in range(a + 1, k)])], n)
    # the nearest-neighbour graph lies in the Delaunay graph: its shortest edge is the
    # smallest distance between points
    if reliable and _lengths(unit, edges).min() <= 1e-6:
        reliable = False
    if not reliable:
        edges = _union_edges(edges, _mst_edges(unit), n)
    return edges


def _sorted_edges(edges, n):
    if not len(edges):
        return np.empty((0, 2), dtype=np.intp)
    edges = np.sort(edges, axis=1)
    keys = np.unique(edges[:, 0].astype(np.int64) * n + edges[:, 1])   # sorted (i, j)
    return np.column_stack([keys // n, keys % n]).astype(np.intp)


def _all_edges(points, max_edge_length, max_dim):
    """All the edges of length <= max_edge_length, after a size guard."""
    n = len(points)
    if np.isinf(max_edge_length):
        _check_flag_size(n, n * (n - 1) // 2, max_dim)
        i, j = np.triu_indices(n, 1)
        return np.column_stack([i, j])
    tree = cKDTree(points)
    _check_flag_size(n, (int(tree.count_neighbors(tree, max_edge_length)) - n) // 2, max_dim)
    edges = tree.query_pairs(max_edge_length, output_type="ndarray")
    edges = np.sort(edges.astype(np.intp), axis=1)
    return edges[np.lexsort((edges[:, 1], edges[:, 0]))]


def _check_flag_size(n, n_edges, max_dim):
    """Refuse a flag complex too large for memory before anything is allocated.

    The number of simplices of dimension up to ``max_dim + 1`` is estimated as that of a
    graph of ``n`` vertices of the same mean degree, at about 200 bytes each (the edge
    arrays and GUDHI's simplex tree and boundary matrix).
    """
    degree = 2 * n_edges / max(n, 1)
    count = n + n_edges
    for k in range(2, max_dim + 2):     # k-simplices: cliques of k + 1 vertices
        count += n * math.comb(int(degree), k) / (k + 1)
    needed = 200 * count
    if needed > memory_budget():
        raise MemoryError(
            f"The Rips complex of {n} points with {n_edges} edges has about {count:.3g} "
            f"simplices up to dimension {max_dim + 1}, about {needed / 2**30:.3g} GiB (more "
            f"than the {memory_budget() / 2**30:.3g} GiB allowed); set max_edge_length, use "
            "fewer points, or ask for fewer homology_dimensions.")


def _rips_edges(h0_only, max_dim=1):
    """The edges a Rips computation needs: for H0 a graph that holds the MST."""
    def edges_of(points, threshold):
        if not h0_only:
            return _all_edges(points, threshold, max_dim)
        if points.shape[1] <= _MAX_DELAUNAY_DIM:
            return _delaunay_edges(points, normalized=True)
        # no Delaunay in high dimension: the MST itself, O(n) memory but O(n^2) time
        n = len(points)
        if n > _MAX_PRIM_POINTS:
            raise ValueError(
                f"H0 of {n} points in {points.shape[1]} dimensions takes the minimum "
                f"spanning tree of all {n * (n - 1) // 2:.3g} distances (O(n^2) time: "
                f"minutes beyond {_MAX_PRIM_POINTS} points); subsample the points, or "
                f"reduce them to at most {_MAX_DELAUNAY_DIM} dimensions (e.g. with PCA), "
                "where a Delaunay graph holds the tree.")
        return _sorted_edges(_mst_edges(points), n)
    return edges_of


def _edge_order(edges, lengths):
    # the total order of the edges: by length, then by (i, j)
    return np.lexsort((edges[:, 1], edges[:, 0], lengths))


def _kruskal_h0(n, edges, lengths, order=None):
    """H0 pairs by Kruskal's algorithm and the elder rule (compiled).

    The edges are taken by (length, i, j), or in ``order`` when it is given.
    """
    if order is None:
        order = _edge_order(edges, lengths).astype(np.int64)
    return _graph.kruskal_h0(n, np.ascontiguousarray(edges, dtype=np.int64), order)


def _kruskal_h0_python(n, edges, lengths, order=None):
    """H0 pairs by Kruskal's algorithm and the elder rule (older = smaller vertex index):
    the test oracle of the compiled ``_graph.kruskal_h0``.

    Returns the dying vertex of every finite class, the death edge, and the vertices of the
    essential classes.
    """
    parent = np.arange(n)

    def find(x):
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    dying, death_edges = [], []
    for e in _edge_order(edges, lengths) if order is None else order:
        u, v = edges[e]
        ru, rv = find(u), find(v)
        if ru == rv:
            continue
        # the root of a component is its smallest vertex: the elder
        young, old = (ru, rv) if ru > rv else (rv, ru)
        parent[young] = old
        dying.append(young)
        death_edges.append(e)
        if len(dying) == n - 1:
            break
    roots = np.array([find(x) for x in range(n)])
    essential = np.flatnonzero(roots == np.arange(n))
    return (np.asarray(dying, dtype=np.intp), np.asarray(death_edges, dtype=np.intp),
            essential)


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
