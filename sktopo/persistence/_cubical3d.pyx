# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""H1 of a volume's cubical complex by persistent cohomology with clearing.

H0 and H2 of a volume are union-find (``_pairing.grid_pairs``); H1 needs a reduction. We
reduce the coboundary matrix of the edges (rows: squares), as CubicalRipser does:

* Every cell is valued by the rank of its *critical voxel* (the voxel that gives it its
  value): in the "full" construction (voxels are the cubes) a cell takes the smallest rank
  of the voxels around it, in the "face" one (voxels are the vertices) the largest rank of
  its vertices. The ranks are the order (value, C-order index), so the critical voxel of a
  cell is unique and the filtration is the total order (rank, dimension, cell id).
* Clearing: an edge that merges two components (a negative edge of H0, found by Kruskal's
  union-find over the edges in filtration order) has a zero reduced coboundary; it is
  never reduced. The other (positive) edges are kept in filtration order as they go.
* The positive edges are reduced in decreasing order. An edge's pivot is its earliest
  square. When no later edge has claimed that square, the column is already reduced (the
  emergent / apparent pairs, almost every column): the pair is recorded without building
  the column. Otherwise the column is built as a sorted array of square keys and the
  reduced columns of the claimants are added (symmetric differences) until its pivot is
  free; such columns are stored for later additions.
* The volume is contractible: every positive edge dies at a square. A pair is reported by
  the critical voxels of its edge and square; pairs born and dead at one voxel have zero
  persistence and are not reported.

Cells are numbered on the grid of vertices (``m = n + 1`` per axis for "full", ``m = n``
for "face"): edge ``3 * v + k`` goes from vertex ``v`` along axis ``k``, square
``3 * v + l`` has its lowest vertex at ``v`` and normal axis ``l``. Keys are
``rank << 32 | id`` (uint64), ordered as the filtration.
"""

import os

import numpy as np

from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.stdlib cimport free, malloc, realloc

__all__ = ["volume_h1_pairs", "h1_memory_estimate"]

cdef int32_t BORDER = 2147483647     # rank of the padding: after every voxel
cdef uint64_t LOW32 = 4294967295    # the id part of a key
cdef int32_t FREE = -1               # a square no edge has claimed as its pivot
# bytes per vertex of the largest arrays: padded ranks (4), order (8), union-find parents
# (4), positive edges (8 x 2), claimed squares (4 x 3)
_BYTES_PER_VERTEX = 44


cdef struct Vol:
    int64_t n[3]        # voxels per axis
    int64_t m[3]        # vertices per axis
    int64_t ms[3]       # strides of the vertex grid
    int64_t ps[3]       # strides of the padded voxel grid
    int64_t lift        # padded index of vertex 0 ("face": voxel (0,0,0); "full": 0)
    bint full
    const int32_t *rank


cdef inline void vertex_coords(const Vol *g, int64_t v, int64_t *p) noexcept nogil:
    p[0] = v // g.ms[0]
    v -= p[0] * g.ms[0]
    p[1] = v // g.ms[1]
    p[2] = v - p[1] * g.ms[1]


cdef inline int64_t padded_base(const Vol *g, const int64_t *p) noexcept nogil:
    # "full": the voxels around vertex p are the padded voxels p + {0, 1}^3;
    # "face": vertex p is the padded voxel p + (1, 1, 1)
    return g.lift + p[0] * g.ps[0] + p[1] * g.ps[1] + p[2]


cdef inline int32_t min2(int32_t a, int32_t b) noexcept nogil:
    return a if a < b else b


cdef inline int32_t max2(int32_t a, int32_t b) noexcept nogil:
    return a if a > b else b


cdef inline int32_t square_rank(const Vol *g, int l, const int64_t *p) noexcept nogil:
    """Rank of the square with lowest vertex p and normal axis l."""
    cdef int a = 1 if l == 0 else 0
    cdef int b = 1 if l == 2 else 2
    cdef int64_t base = padded_base(g, p)
    cdef const int32_t *r = g.rank
    if g.full:      # the two voxels on either side of the square
        base += g.ps[a] + g.ps[b]
        return min2(r[base], r[base + g.ps[l]])
    return max2(max2(r[base], r[base + g.ps[a]]),
                max2(r[base + g.ps[b]], r[base + g.ps[a] + g.ps[b]]))


cdef inline int edge_coboundary(const Vol *g, int64_t e, uint64_t *out) noexcept nogil:
    """Keys of the (at most 4) squares of edge e, unsorted; returns their number."""
    cdef int64_t v = e // 3
    cdef int k = <int> (e - 3 * v)
    cdef int64_t p[3]
    cdef int count = 0, j, l
    cdef int64_t w
    vertex_coords(g, v, p)
    for j in range(3):
        if j == k:
            continue
        l = 3 - k - j
        if p[j] + 1 < g.m[j]:
            out[count] = (<uint64_t> square_rank(g, l, p) << 32) | <uint64_t> (3 * v + l)
            count += 1
        if p[j] >= 1:
            p[j] -= 1
            w = v - g.ms[j]
            out[count] = (<uint64_t> square_rank(g, l, p) << 32) | <uint64_t> (3 * w + l)
            count += 1
            p[j] += 1
    return count


cdef inline void sort_small(uint64_t *a, int count) noexcept nogil:
    cdef int i, j
    cdef uint64_t key
    for i in range(1, count):
        key = a[i]
        j = i - 1
        while j >= 0 and a[j] > key:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = key


cdef inline int32_t find_root(int32_t *parent, int32_t x) noexcept nogil:
    # path halving
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


cdef int critical_edges(const Vol *g, int64_t q, int32_t r, int64_t *edges) noexcept nogil:
    """Ids of the edges whose critical voxel is voxel q (rank r), in a fixed order."""
    cdef int64_t c[3]
    cdef int64_t p[3]
    cdef int64_t qp, v, pi, pj
    cdef int count = 0, k, i, j, si, sj
    cdef const int32_t *rank = g.rank
    c[0] = q // (g.n[1] * g.n[2])
    c[1] = (q // g.n[2]) % g.n[1]
    c[2] = q % g.n[2]
    qp = (c[0] + 1) * g.ps[0] + (c[1] + 1) * g.ps[1] + c[2] + 1
    if not g.full:
        # edges to the 6 neighbours of lower rank (the padding has the largest rank)
        v = c[0] * g.ms[0] + c[1] * g.ms[1] + c[2]
        for k in range(3):
            if rank[qp - g.ps[k]] < r:
                edges[count] = 3 * (v - g.ms[k]) + k
                count += 1
            if rank[qp + g.ps[k]] < r:
                edges[count] = 3 * v + k
                count += 1
        return count
    # "full": the 12 edges of the cube q whose three other voxels all have larger ranks
    for k in range(3):
        i = 1 if k == 0 else 0
        j = 1 if k == 2 else 2
        for si in range(2):
            pi = g.ps[i] if si else -g.ps[i]
            for sj in range(2):
                pj = g.ps[j] if sj else -g.ps[j]
                if rank[qp + pi] > r and rank[qp + pj] > r and rank[qp + pi + pj] > r:
                    p[0] = c[0]
                    p[1] = c[1]
                    p[2] = c[2]
                    p[i] += si
                    p[j] += sj
                    edges[count] = 3 * (p[0] * g.ms[0] + p[1] * g.ms[1] + p[2]) + k
                    count += 1
    return count


cdef struct Growable:
    uint64_t *data
    Py_ssize_t size
    Py_ssize_t capacity


cdef int grow(Growable *buf, Py_ssize_t need) except -1 nogil:
    cdef Py_ssize_t cap = buf.capacity
    cdef uint64_t *data
    if need <= cap:
        return 0
    while cap < need:
        cap = 2 * cap + 16
    data = <uint64_t *> realloc(buf.data, cap * sizeof(uint64_t))
    if data == NULL:
        with gil:
            raise MemoryError("volume_h1_pairs: out of memory while reducing H1 columns.")
    buf.data = data
    buf.capacity = cap
    return 0


cdef int push(Growable *buf, uint64_t x) except -1 nogil:
    if buf.size == buf.capacity:
        grow(buf, buf.size + 1)
    buf.data[buf.size] = x
    buf.size += 1
    return 0


cdef int add_column(Growable *work, Growable *spare, const uint64_t *col,
                    Py_ssize_t length) except -1 nogil:
    """work <- work xor col (sorted keys), through spare; swaps the two buffers."""
    cdef Py_ssize_t i = 0, j = 0, out = 0, a = work.size
    cdef uint64_t *w
    cdef uint64_t *s
    cdef Growable tmp
    grow(spare, a + length)
    w = work.data
    s = spare.data
    while i < a and j < length:
        if w[i] < col[j]:
            s[out] = w[i]
            i += 1
        elif w[i] > col[j]:
            s[out] = col[j]
            j += 1
        else:
            i += 1
            j += 1
            continue
        out += 1
    while i < a:
        s[out] = w[i]
        i += 1
        out += 1
    while j < length:
        s[out] = col[j]
        j += 1
        out += 1
    spare.size = out
    tmp = work[0]
    work[0] = spare[0]
    spare[0] = tmp
    return 0


cdef Py_ssize_t kruskal(const Vol *g, const int64_t *order, Py_ssize_t n,
                        int32_t *parent, uint64_t *positive) noexcept nogil:
    """Keys of the positive edges (not merging two components), in filtration order."""
    cdef Py_ssize_t r, count = 0
    cdef int64_t edges[12]
    cdef int64_t v, e
    cdef int t, n_edges, k
    cdef int32_t a, b
    for r in range(n):
        n_edges = critical_edges(g, order[r], <int32_t> r, edges)
        for t in range(n_edges):
            e = edges[t]
            v = e // 3
            k = <int> (e - 3 * v)
            a = find_root(parent, <int32_t> v)
            b = find_root(parent, <int32_t> (v + g.ms[k]))
            if a != b:
                parent[a] = b
            else:
                positive[count] = (<uint64_t> r << 32) | <uint64_t> e
                count += 1
    return count


cdef int reduce_column(const Vol *g, uint64_t *cob, int n_cob, int32_t *claimed,
                       Growable *work, Growable *spare, Growable *pool,
                       Growable *starts) except -1 nogil:
    """Reduce a column whose pivot is claimed; store it. Its pivot ends in work.data[0]."""
    cdef uint64_t col[4]
    cdef uint64_t pivot
    cdef int32_t owner
    cdef int n_col
    cdef Py_ssize_t idx, i
    sort_small(cob, n_cob)
    grow(work, n_cob)
    for idx in range(n_cob):
        work.data[idx] = cob[idx]
    work.size = n_cob
    while True:
        if work.size == 0:
            with gil:
                raise RuntimeError("volume_h1_pairs: a positive edge has a zero cocycle "
                                   "(this is a bug).")
        pivot = work.data[0]
        owner = claimed[<int64_t> (pivot & LOW32)]
        if owner == FREE:
            break
        if owner >= 0:        # an apparent pair: its column is the plain coboundary
            n_col = edge_coboundary(g, owner, col)
            sort_small(col, n_col)
            add_column(work, spare, col, n_col)
        else:
            idx = -2 - owner
            add_column(work, spare, &pool.data[starts.data[idx]],
                       <Py_ssize_t> (starts.data[idx + 1] - starts.data[idx]))
    # store the reduced column
    idx = starts.size - 1
    grow(pool, pool.size + work.size)
    for i in range(work.size):
        pool.data[pool.size + i] = work.data[i]
    pool.size += work.size
    push(starts, <uint64_t> pool.size)
    claimed[<int64_t> (pivot & LOW32)] = <int32_t> (-2 - idx)
    return 0


def h1_memory_estimate(shape, bint full):
    """Bytes :func:`volume_h1_pairs` allocates up front for a volume of this shape."""
    vertices = 1
    for s in shape:
        vertices *= s + 1 if full else s
    return _BYTES_PER_VERTEX * vertices


def volume_h1_pairs(f, bint full):
    """Critical voxels of the H1 pairs of the sublevel filtration of a volume.

    Parameters
    ----------
    f : ndarray of float64 of shape (n0, n1, n2), C-contiguous, finite
    full : bool
        True: voxels are the cubes (26-connectivity); False: voxels are the vertices (6).

    Returns
    -------
    birth_index, death_index : ndarray of int64
        C-order flat indices into ``f`` of the voxels of the edge and the square of each
        pair of positive persistence (in the order (value, index)); the pairs born and
        dead at one voxel are left out.
    """
    cdef Vol g
    cdef int a
    if f.ndim != 3:
        raise ValueError("volume_h1_pairs expects a 3-D array.")
    for a in range(3):
        g.n[a] = f.shape[a]
        g.m[a] = g.n[a] + 1 if full else g.n[a]
    g.full = full
    cdef int64_t n_vertices = g.m[0] * g.m[1] * g.m[2]
    cdef Py_ssize_t n = f.size
    if 3 * n_vertices >= 2 ** 31 - 1 or (n + 2) * 8 >= 2 ** 31 - 1:
        raise MemoryError(
            f"volume_h1_pairs: a volume of shape {tuple(f.shape)} has {3 * n_vertices} "
            f"edges, more than the 2**31 its 32-bit cell indices allow "
            f"(about {h1_memory_estimate(f.shape, full) / 2 ** 30:.1f} GiB); "
            f"downsample the volume.")
    g.ms[2] = 1
    g.ms[1] = g.m[2]
    g.ms[0] = g.m[1] * g.m[2]
    g.ps[2] = 1
    g.ps[1] = g.n[2] + 2
    g.ps[0] = (g.n[1] + 2) * (g.n[2] + 2)
    g.lift = 0 if full else g.ps[0] + g.ps[1] + 1

    # the order (value, index); the default sort unless there are ties
    flat = f.reshape(-1)
    order_arr = np.argsort(flat)
    sorted_values = flat[order_arr]
    if n > 1 and not (np.diff(sorted_values) > 0).all():
        order_arr = np.argsort(flat, kind="stable")
    del sorted_values
    order_arr = order_arr.astype(np.int64, copy=False)
    rank_arr = np.full((g.n[0] + 2, g.n[1] + 2, g.n[2] + 2), BORDER, dtype=np.int32)
    inner = np.empty(n, dtype=np.int32)
    inner[order_arr] = np.arange(n, dtype=np.int32)
    rank_arr[1:g.n[0] + 1, 1:g.n[1] + 1, 1:g.n[2] + 1] = inner.reshape(f.shape)
    del inner
    cdef const int64_t[::1] order = order_arr
    cdef int32_t[:, :, ::1] rank_view = rank_arr
    g.rank = &rank_view[0, 0, 0]

    # Kruskal: the positive edges (in the complex, edges - vertices + 1 of them)
    cdef int64_t n_edges = 0
    for a in range(3):
        n_edges += ((g.m[a] - 1) * g.m[(a + 1) % 3] * g.m[(a + 2) % 3])
    cdef Py_ssize_t n_positive = n_edges - n_vertices + 1
    parent_arr = np.arange(n_vertices, dtype=np.int32)
    positive_arr = np.empty(max(n_positive, 1), dtype=np.uint64)
    cdef int32_t[::1] parent = parent_arr
    cdef uint64_t[::1] positive = positive_arr
    cdef Py_ssize_t found
    with nogil:
        found = kruskal(&g, &order[0], n, &parent[0], &positive[0])
    del parent_arr, parent
    if found != n_positive:
        raise RuntimeError(f"volume_h1_pairs: {found} positive edges, expected "
                           f"{n_positive} (this is a bug).")

    # cohomology: the positive edges in decreasing order
    claimed_arr = np.full(3 * n_vertices, FREE, dtype=np.int32)
    cdef int32_t[::1] claimed = claimed_arr
    cdef Growable work, spare, pool, starts, pairs
    work.data = spare.data = pool.data = starts.data = pairs.data = NULL
    work.size = spare.size = pool.size = starts.size = pairs.size = 0
    work.capacity = spare.capacity = pool.capacity = starts.capacity = pairs.capacity = 0
    cdef Py_ssize_t t
    cdef uint64_t cob[4]
    cdef uint64_t edge_key, best
    cdef int n_cob, c
    cdef int64_t e, square
    cdef int64_t[::1] out
    try:
        with nogil:
            push(&starts, 0)
            for t in range(n_positive - 1, -1, -1):
                edge_key = positive[t]
                e = <int64_t> (edge_key & LOW32)
                n_cob = edge_coboundary(&g, e, cob)
                best = cob[0]
                for c in range(1, n_cob):
                    if cob[c] < best:
                        best = cob[c]
                square = <int64_t> (best & LOW32)
                if claimed[square] == FREE:
                    claimed[square] = <int32_t> e
                else:
                    reduce_column(&g, cob, n_cob, &claimed[0], &work, &spare, &pool,
                                  &starts)
                    best = work.data[0]
                if (best >> 32) != (edge_key >> 32):
                    push(&pairs, edge_key >> 32)
                    push(&pairs, best >> 32)
        out_arr = np.empty(pairs.size, dtype=np.int64)
        out = out_arr
        for t in range(pairs.size):
            out[t] = order[pairs.data[t]]
    finally:
        free(work.data)
        free(spare.data)
        free(pool.data)
        free(starts.data)
        free(pairs.data)
    return out_arr[0::2].copy(), out_arr[1::2].copy()
