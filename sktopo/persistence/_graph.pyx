# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The H0 pairing of a graph filtration (point clouds) by Kruskal's algorithm; H1 of the
flag complex is ``sktopo.persistence._rips`` (implicit cohomology with clearing)."""

import numpy as np

from libc.stdint cimport int64_t
from libc.stdlib cimport calloc, free, malloc, realloc

from sktopo.persistence._union_find cimport find64


def kruskal_h0(Py_ssize_t n, const int64_t[:, ::1] edges, const int64_t[::1] order):
    """H0 of a graph filtration: Kruskal over the edges in ``order``, elder = smaller vertex.

    Returns the dying vertex of every finite class, its death edge (a row of ``edges``) and
    the vertices of the essential classes (the roots, the smallest vertex of each component).
    """
    parent_arr = np.arange(n, dtype=np.int64)
    dying_arr = np.empty(max(n - 1, 0), dtype=np.int64)
    edge_arr = np.empty(max(n - 1, 0), dtype=np.int64)
    cdef int64_t[::1] parent = parent_arr
    cdef int64_t[::1] dying = dying_arr
    cdef int64_t[::1] death_edge = edge_arr
    cdef Py_ssize_t t, count = 0, n_roots = 0
    cdef int64_t e, ru, rv, x
    with nogil:
        for t in range(order.shape[0]):
            if count >= n - 1:
                break
            e = order[t]
            ru = find64(&parent[0], edges[e, 0])
            rv = find64(&parent[0], edges[e, 1])
            if ru == rv:
                continue
            if ru > rv:
                ru, rv = rv, ru
            parent[rv] = ru          # the root is the smallest vertex: the elder
            dying[count] = rv
            death_edge[count] = e
            count += 1
    roots = parent_arr == np.arange(n)
    return dying_arr[:count], edge_arr[:count], np.flatnonzero(roots)
