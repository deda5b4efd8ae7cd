"""The edges of point-cloud filtrations: Delaunay graphs, all pairs within a radius,
minimum spanning trees above three dimensions, with size guards.

Every edge list is an (n_edges, 2) array of vertex indices ``i < j``; lengths are computed
on clouds divided by an exact power of two (:func:`_normalized`) so that no square
overflows or underflows, and scaled back exactly.
"""

import math

import numpy as np
from scipy.spatial import Delaunay, QhullError, cKDTree

from ..utils._validation import memory_budget

_MAX_DELAUNAY_DIM = 3
# H0 above _MAX_DELAUNAY_DIM: Prim's O(n^2) tree takes ~9 s for 2e4 points here, ~1 min
# for 5e4
_MAX_PRIM_POINTS = 50_000


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
