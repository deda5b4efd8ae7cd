# distutils: language = c++
# cython: language_level=3, boundscheck=False, wraparound=False
"""H0 and H1 of Rips and flag filtrations without the triangles (the kernel is
``_rips_core.hpp``, see its header for the method; ``_rips_entry.hpp`` its entry points).

* ``rips_h01``: a point cloud, all pairs within a threshold. The dense path computes the
  distances when they are needed (memory linear in the points); the sparse path, for a
  threshold that keeps a small part of the pairs, scans neighbour lists from a k-d tree.
* ``flag_h1``: the flag complex of a given graph whose edges are ranked (weak alpha).
* ``check_rips_size``: the memory a Rips computation needs, refused up front when too large.

Only typed memoryviews are used (no numpy C-API).
"""

import os

import numpy as np

from libc.stdint cimport int32_t, int64_t
from libcpp.vector cimport vector


cdef extern from "_rips_entry.hpp" namespace "sktopo_rips" nogil:
    int64_t MAX_POINTS

    cdef cppclass RipsResult:
        vector[int64_t] edge_a, edge_b, dying, death_edge, roots, birth_edge, death_a, death_b
        vector[double] edge_value, death_value

    double enclosing_radius_of(int64_t n, int dim, const double *x) except +
    void rips_dense(int64_t n, int dim, const double *x, double thresh, const int64_t *id,
                    const int32_t *inv, RipsResult &res) except +
    void rips_sparse(int64_t n, int dim, const double *x, double thresh, const int64_t *pairs,
                     int64_t n_pairs, const int64_t *id, const int32_t *inv,
                     RipsResult &res) except +
    void flag_h1_graph "sktopo_rips::flag_h1"(
        int64_t n, const int64_t *edges, int64_t m, const int64_t *order,
        const unsigned char *cleared, vector[int64_t] &birth,
        vector[int64_t] &death) except +

__all__ = ["rips_h01", "flag_h1", "check_flag_size", "memory_budget"]

# bytes per pair kept by a radius query: the k-d tree's output (2 int64) and the two
# directed neighbour entries with their working copies (4 int32 + 2 int32 + 1 float64 each)
_BYTES_PER_PAIR = 16 + 2 * (16 + 8 + 12)
# a threshold keeping more than this share of the pairs takes the dense path
_DENSE_SHARE = 0.25
# the dense path scans every pair (in time, not memory): beyond this many, ask for a threshold
_MAX_DENSE_PAIRS = 2 ** 32
# bytes per simplex of GUDHI's simplex tree and persistence (the path of dimensions >= 2)
_BYTES_PER_SIMPLEX = 120
# the points are scanned in a fixed shuffled order (scans stop early on structured clouds)
_SEED = 0


def memory_budget():
    """Bytes this process may still allocate: the least of the free physical memory, the
    address-space limit and the cgroup limit that apply (None when none is known)."""
    limits = []
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            with open("/proc/self/statm") as f:
                used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            limits.append(soft - used)
    except (ImportError, OSError, ValueError):
        pass
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            top = f.read().strip()
        if top != "max":
            with open("/sys/fs/cgroup/memory.current") as f:
                limits.append(int(top) - int(f.read().strip()))
    except (OSError, ValueError):
        pass
    return min(limits) if limits else None


def _too_large(n, what, needed, budget):
    available = "" if budget is None else f", {max(budget, 0) / 2**30:.1f} GiB available"
    raise MemoryError(
        f"rips_persistence on {n} points needs {what} (about {needed / 2**30:.1f} GiB"
        f"{available}): set a smaller max_edge_length or use fewer points.")


def _count_pairs(points, double max_edge_length):
    """The number of pairs within ``max_edge_length`` (a k-d tree count, nothing stored)."""
    n = len(points)
    if not np.isfinite(max_edge_length) or n < 2:
        return n * (n - 1) // 2, None
    from scipy.spatial import cKDTree
    tree = cKDTree(points)
    return (int(tree.count_neighbors(tree, max_edge_length)) - n) // 2, tree


def check_flag_size(points, double max_edge_length, int max_dim):
    """Refuse up front, with a MemoryError, a flag complex up to ``max_dim + 1`` that does
    not fit: the cliques of a geometric graph of edge density p number about
    C(n, k) p^(k-1) for k vertices."""
    n = len(points)
    n_pairs, _ = _count_pairs(points, max_edge_length)
    density = n_pairs / max(n * (n - 1) / 2, 1)
    simplices, comb = float(n), float(n)
    for k in range(2, max_dim + 3):
        comb *= (n - k + 1) / k
        simplices += comb * density ** (k - 1)
    needed = simplices * _BYTES_PER_SIMPLEX
    budget = memory_budget()
    if budget is not None and needed > budget:
        _too_large(n, f"a flag complex of about {simplices:.3g} simplices up to dimension "
                   f"{max_dim + 1} for homology in dimension {max_dim}", needed, budget)


cdef object _ints(vector[int64_t] &v):
    return np.asarray(<int64_t[:v.size()]> v.data()).copy() if v.size() else np.empty(0, np.int64)


cdef object _floats(vector[double] &v):
    return np.asarray(<double[:v.size()]> v.data()).copy() if v.size() else np.empty(0)


def rips_h01(points, double max_edge_length):
    """H0 and H1 of the Rips filtration of distinct points, lengths ordered by (length, i, j).

    Returns
    -------
    edges : int64 array (n_edges, 2)
        The edges that are not the largest edge of a triangle below them (they hold the
        minimum spanning tree), in increasing order, with ``lengths``.
    lengths : float64 array (n_edges,)
    kruskal : tuple
        ``(dying vertices, their death edges as rows of edges, essential roots)``.
    h1 : tuple
        ``(birth edges as rows of edges, death edges (n, 2) or -1, death lengths or inf)``.
    """
    cdef double[:, ::1] x = np.ascontiguousarray(points, dtype=np.float64)
    cdef int64_t n = x.shape[0]
    cdef int dim = x.shape[1]
    if n > MAX_POINTS:
        raise MemoryError(f"rips_persistence handles at most {MAX_POINTS} distinct points, got "
                          f"{n}: subsample the cloud.")
    perm = np.random.RandomState(_SEED).permutation(n).astype(np.int64)
    inv = np.empty(n, dtype=np.int32)
    inv[perm] = np.arange(n, dtype=np.int32)
    shuffled = np.ascontiguousarray(np.asarray(points, dtype=np.float64)[perm])
    cdef double[:, ::1] xs = shuffled
    cdef int64_t[::1] id_ = perm
    cdef int32_t[::1] inv_ = inv
    cdef double thresh = max_edge_length
    cdef RipsResult res
    cdef int64_t[:, ::1] pairs
    cdef int64_t n_pairs
    # the sparse path when the threshold keeps a small share of the pairs and its
    # neighbour lists fit, else the dense one (memory linear in the points)
    n_pairs, tree = _count_pairs(shuffled, thresh)
    budget = memory_budget()
    fits = budget is None or n_pairs * _BYTES_PER_PAIR < budget // 2
    sparse = tree is not None and n_pairs < _DENSE_SHARE * n * (n - 1) / 2 and fits
    if not sparse and n_pairs > _MAX_DENSE_PAIRS:
        _too_large(n, f"{n_pairs:.3g} edges within max_edge_length={max_edge_length}, more "
                   f"than the {_MAX_DENSE_PAIRS:.3g} scanned without storing them, and more "
                   "than fit in memory stored", n_pairs * _BYTES_PER_PAIR, budget)
    if n < 2:
        pass
    elif sparse:
        # a radius a little larger: the kernel keeps the pairs by its own distance
        pairs = np.ascontiguousarray(
            tree.query_pairs(thresh * (1 + 1e-9) + 1e-300, output_type="ndarray"),
            dtype=np.int64)
        n_pairs = pairs.shape[0]
        with nogil:
            rips_sparse(n, dim, &xs[0, 0], thresh, &pairs[0, 0] if n_pairs else NULL, n_pairs,
                        &id_[0], &inv_[0], res)
        del pairs
    else:
        with nogil:
            # beyond the enclosing radius the complex is a cone: no class is born or dies
            thresh = min(thresh, enclosing_radius_of(n, dim, &xs[0, 0]))
            rips_dense(n, dim, &xs[0, 0], thresh, &id_[0], &inv_[0], res)
    edges = np.column_stack([_ints(res.edge_a), _ints(res.edge_b)])
    lengths = _floats(res.edge_value)
    roots = _ints(res.roots) if n > 1 else np.arange(n, dtype=np.int64)
    kruskal = (_ints(res.dying), _ints(res.death_edge), roots)
    death_edges = np.column_stack([_ints(res.death_a), _ints(res.death_b)])
    h1 = (_ints(res.birth_edge), death_edges, _floats(res.death_value))
    return edges, lengths, kruskal, h1


def flag_h1(Py_ssize_t n, const int64_t[:, ::1] edges, const int64_t[::1] order,
            const unsigned char[::1] cleared):
    """H1 pairs of the flag complex of a graph, by implicit persistent cohomology.

    ``edges`` (i < j) are sorted lexicographically, ``order`` lists them by increasing
    filtration (a triangle enters with its last edge) and ``cleared`` marks the H0 death
    edges. Returns every H1 pair of nonzero persistence in the order as the edge creating the
    cycle and the last edge of the triangle filling it (-1 for an essential class), as rows
    of ``edges``.
    """
    cdef vector[int64_t] birth
    cdef vector[int64_t] death
    cdef int64_t m = edges.shape[0]
    if n > MAX_POINTS:
        raise MemoryError(f"the flag complex kernel handles at most {MAX_POINTS} vertices, "
                          f"got {n}.")
    if m:
        with nogil:
            flag_h1_graph(n, &edges[0, 0], m, &order[0], &cleared[0], birth, death)
    return _ints(birth), _ints(death)
