# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Persistence pairings of graph filtrations (point clouds): H0 by Kruskal's algorithm,
H1 of the flag complex by persistent cohomology with clearing."""

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


cdef struct IntVec:
    int64_t *data
    Py_ssize_t size
    Py_ssize_t capacity


cdef int vec_reserve(IntVec *v, Py_ssize_t extra) noexcept nogil:
    cdef Py_ssize_t cap = v.capacity if v.capacity > 16 else 16
    cdef int64_t *d
    if v.size + extra <= v.capacity:
        return 0
    while cap < v.size + extra:
        cap *= 2
    d = <int64_t *> realloc(v.data, cap * sizeof(int64_t))
    if d == NULL:
        return -1
    v.data = d
    v.capacity = cap
    return 0


cdef int list_triangles(const int64_t[:, ::1] edges, const int64_t *indptr,
                        IntVec *tri) noexcept nogil:
    """The 3-cliques u < v < w as 3 edge rows each: rows u and v of the upper adjacency
    (``edges`` sorted, ``indptr`` the start of each vertex's row), merged. -1 when out of
    memory."""
    cdef Py_ssize_t p, q, r
    cdef int64_t u, v
    for p in range(edges.shape[0]):
        u = edges[p, 0]
        v = edges[p, 1]
        q = p + 1
        r = indptr[v]
        while q < indptr[u + 1] and r < indptr[v + 1]:
            if edges[q, 1] < edges[r, 1]:
                q += 1
            elif edges[q, 1] > edges[r, 1]:
                r += 1
            else:
                if vec_reserve(tri, 3) < 0:
                    return -1
                tri.data[tri.size] = p
                tri.data[tri.size + 1] = q
                tri.data[tri.size + 2] = r
                tri.size += 3
                q += 1
                r += 1
    return 0


cdef struct Coboundary:
    # the coboundary matrix of the edges: for edge e, the forward positions (filtration
    # order) of its triangles, sorted, in cob[ptr[e]:ptr[e + 1]]
    int64_t *ptr
    int64_t *cob
    int64_t *last_edge      # by forward position: the last edge of the triangle


cdef void free_coboundary(Coboundary *cb) noexcept nogil:
    free(cb.ptr)
    free(cb.cob)
    free(cb.last_edge)


cdef int build_coboundary(const IntVec *tri, Py_ssize_t n_edges, const int64_t *rank,
                          const int64_t[::1] order, Coboundary *cb) noexcept nogil:
    """The coboundaries of the edges, the triangles in forward order (by their last edge,
    a counting sort). -1 when out of memory."""
    cdef Py_ssize_t n_tri = tri.size // 3, t, k, i, j
    cdef int64_t x, key, e
    cdef int64_t *tri_rank = <int64_t *> malloc((n_tri + 1) * sizeof(int64_t))
    cdef int64_t *pos = <int64_t *> malloc((n_tri + 1) * sizeof(int64_t))
    cdef int64_t *bucket = <int64_t *> calloc(n_edges + 1, sizeof(int64_t))
    cdef int64_t *fill = <int64_t *> malloc((n_edges + 1) * sizeof(int64_t))
    cb.ptr = <int64_t *> calloc(n_edges + 1, sizeof(int64_t))
    cb.cob = <int64_t *> malloc((3 * n_tri + 1) * sizeof(int64_t))
    cb.last_edge = <int64_t *> malloc((n_tri + 1) * sizeof(int64_t))
    if (tri_rank == NULL or pos == NULL or bucket == NULL or fill == NULL or cb.ptr == NULL
            or cb.cob == NULL or cb.last_edge == NULL):
        free(tri_rank)
        free(pos)
        free(bucket)
        free(fill)
        return -1
    for t in range(n_tri):
        x = tri.data[3 * t]
        for i in range(1, 3):
            if rank[tri.data[3 * t + i]] > rank[x]:
                x = tri.data[3 * t + i]
        tri_rank[t] = rank[x]
        bucket[rank[x] + 1] += 1
    for k in range(n_edges):
        bucket[k + 1] += bucket[k]
    for t in range(n_tri):
        pos[t] = bucket[tri_rank[t]]
        bucket[tri_rank[t]] += 1
        cb.last_edge[pos[t]] = order[tri_rank[t]]
    for i in range(3 * n_tri):
        cb.ptr[tri.data[i] + 1] += 1
    for k in range(n_edges):
        cb.ptr[k + 1] += cb.ptr[k]
        fill[k] = cb.ptr[k]
    for i in range(3 * n_tri):
        e = tri.data[i]
        cb.cob[fill[e]] = pos[i // 3]
        fill[e] += 1
    for k in range(n_edges):      # sort each column (short: insertion sort)
        for i in range(cb.ptr[k] + 1, cb.ptr[k + 1]):
            key = cb.cob[i]
            j = i - 1
            while j >= cb.ptr[k] and cb.cob[j] > key:
                cb.cob[j + 1] = cb.cob[j]
                j -= 1
            cb.cob[j + 1] = key
    free(tri_rank)
    free(pos)
    free(bucket)
    free(fill)
    return 0


cdef int add_column(const IntVec *work, const int64_t *column, Py_ssize_t length,
                    IntVec *out) noexcept nogil:
    """``out`` = ``work`` xor ``column`` (both sorted); -1 when out of memory."""
    cdef Py_ssize_t i = 0, j = 0
    if vec_reserve(out, work.size + length) < 0:
        return -1
    out.size = 0
    while i < work.size or j < length:
        if j == length or (i < work.size and work.data[i] < column[j]):
            out.data[out.size] = work.data[i]
            out.size += 1
            i += 1
        elif i == work.size or work.data[i] > column[j]:
            out.data[out.size] = column[j]
            out.size += 1
            j += 1
        else:
            i += 1
            j += 1
    return 0


cdef int reduce_columns(const Coboundary *cb, Py_ssize_t n_edges, Py_ssize_t n_tri,
                        const int64_t[::1] order, const unsigned char[::1] cleared,
                        IntVec *births, IntVec *deaths) noexcept nogil:
    """The reduction, edges in decreasing order, the pivot of a column being its triangle
    that comes first; one (birth edge, death edge or -1) per column not cleared. -1 when
    out of memory."""
    cdef IntVec pool = IntVec(NULL, 0, 0)         # the reduced columns
    cdef IntVec work = IntVec(NULL, 0, 0)
    cdef IntVec other = IntVec(NULL, 0, 0)
    cdef IntVec tmp
    cdef int64_t *pivot_owner = <int64_t *> malloc((n_tri + 1) * sizeof(int64_t))
    cdef int64_t *col_start = <int64_t *> malloc((n_edges + 1) * sizeof(int64_t))
    cdef int64_t *col_len = <int64_t *> malloc((n_edges + 1) * sizeof(int64_t))
    cdef Py_ssize_t k, i, length
    cdef int64_t e, owner
    cdef int failed = pivot_owner == NULL or col_start == NULL or col_len == NULL
    for i in range(n_tri if not failed else 0):
        pivot_owner[i] = -1
    for k in range(n_edges - 1, -1, -1):
        if failed:
            break
        e = order[k]
        if cleared[e]:
            continue
        length = cb.ptr[e + 1] - cb.ptr[e]
        if vec_reserve(&work, length) < 0:
            failed = 1
            break
        work.size = length
        for i in range(length):
            work.data[i] = cb.cob[cb.ptr[e] + i]
        while work.size > 0 and pivot_owner[work.data[0]] >= 0:
            owner = pivot_owner[work.data[0]]
            if add_column(&work, pool.data + col_start[owner], col_len[owner], &other) < 0:
                failed = 1
                break
            tmp = work
            work = other
            other = tmp
        if failed or vec_reserve(births, 1) < 0 or vec_reserve(deaths, 1) < 0:
            failed = 1
            break
        births.data[births.size] = e
        births.size += 1
        if work.size == 0:
            deaths.data[deaths.size] = -1
        else:
            pivot_owner[work.data[0]] = e
            if vec_reserve(&pool, work.size) < 0:
                failed = 1
                break
            col_start[e] = pool.size
            col_len[e] = work.size
            for i in range(work.size):
                pool.data[pool.size + i] = work.data[i]
            pool.size += work.size
            deaths.data[deaths.size] = cb.last_edge[work.data[0]]
        deaths.size += 1
    free(pool.data)
    free(work.data)
    free(other.data)
    free(pivot_owner)
    free(col_start)
    free(col_len)
    return -1 if failed else 0


def flag_h1(Py_ssize_t n, const int64_t[:, ::1] edges, const int64_t[::1] order,
            const unsigned char[::1] cleared):
    """H1 pairs of the flag complex of a graph, by persistent cohomology with clearing.

    Parameters
    ----------
    n : int
        Number of vertices.
    edges : int64 array of shape (n_edges, 2)
        Edges ``(i, j)``, ``i < j``, sorted lexicographically (no repeats).
    order : int64 array of shape (n_edges,)
        The edges by increasing filtration (a total order); a triangle enters right after
        its last edge.
    cleared : uint8 array of shape (n_edges,)
        Nonzero for the edges that kill an H0 class (their columns reduce to zero).

    Returns
    -------
    birth_edge, death_edge : int64 arrays
        Every H1 pair as the edge creating the cycle and the last edge of the triangle
        filling it (-1 for an essential class).

    The triangles are the 3-cliques, listed with sorted adjacency lists. The coboundaries
    of the edges (the triangles containing them) are reduced in decreasing edge order, the
    pivot of a column being its triangle that comes first in the filtration; in a planar
    graph most columns have two entries and the reduction stays short.
    """
    cdef Py_ssize_t n_edges = edges.shape[0], k, i
    rank_arr = np.empty(n_edges, dtype=np.int64)
    indptr_arr = np.zeros(n + 1, dtype=np.int64)
    cdef int64_t[::1] rank = rank_arr
    cdef int64_t[::1] indptr = indptr_arr
    cdef IntVec tri = IntVec(NULL, 0, 0)          # 3 edges per triangle
    cdef IntVec births = IntVec(NULL, 0, 0)
    cdef IntVec deaths = IntVec(NULL, 0, 0)
    cdef Coboundary cb = Coboundary(NULL, NULL, NULL)
    cdef int failed = 0
    cdef int64_t[::1] out_birth
    cdef int64_t[::1] out_death
    try:
        with nogil:
            for k in range(n_edges):
                rank[order[k]] = k
                indptr[edges[k, 0] + 1] += 1
            for k in range(n):
                indptr[k + 1] += indptr[k]
            failed = (list_triangles(edges, &indptr[0], &tri) < 0
                      or build_coboundary(&tri, n_edges, &rank[0] if n_edges else NULL,
                                          order, &cb) < 0
                      or reduce_columns(&cb, n_edges, tri.size // 3, order, cleared,
                                        &births, &deaths) < 0)
        if failed:
            raise MemoryError()
        birth_arr = np.empty(births.size, dtype=np.int64)
        death_arr = np.empty(births.size, dtype=np.int64)
        out_birth = birth_arr
        out_death = death_arr
        for i in range(births.size):
            out_birth[i] = births.data[i]
            out_death[i] = deaths.data[i]
        return birth_arr, death_arr
    finally:
        free(tri.data)
        free(births.data)
        free(deaths.data)
        free_coboundary(&cb)
