# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""H1 of a volume's cubical complex by persistent cohomology with clearing.

H0 and H2 of a volume are union-find (``_volume.volume_pairs``, which sorts the voxels
once for every dimension and calls :func:`h1_rank_pairs`); H1 needs a reduction. We
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
  the column. Otherwise, when an apparent edge claimed it and the sum of the two
  coboundaries has a free pivot (two edges share at most one square, so that pivot is
  the smaller of their second keys), the column is stored as the two edges (most
  reductions of smooth volumes). Otherwise the column is built as a sorted array of
  square keys and the reduced columns of the claimants are added (symmetric
  differences) until its pivot is free; such columns are stored for later additions.
* The volume is contractible: every positive edge dies at a square. A pair is reported by
  the critical voxels of its edge and square; pairs born and dead at one voxel have zero
  persistence and are not reported.

Cells are numbered on the grid of vertices (``m = n + 1`` per axis for "full", ``m = n``
for "face"): edge ``3 * v + k`` goes from vertex ``v`` along axis ``k``, square
``3 * v + l`` has its lowest vertex at ``v`` and normal axis ``l``. Keys are
``rank << 32 | id`` (uint64), ordered as the filtration.
"""

import numpy as np

from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

from sktopo.persistence._cubical3d_cells cimport (BORDER, Vol, critical_edges,
                                                  edge_coboundary, n_squares,
                                                  prefetch_edge, vertex_codes)
from sktopo.persistence._union_find cimport find_root, sktopo_prefetch

__all__ = ["h1_rank_pairs"]

cdef uint64_t LOW32 = 4294967295    # the id part of a key
# a stored column [DUO, e << 32 | f] is the sum of the coboundaries of the edges e and f
# (not a key: keys are below 2**63), and NO_KEY no pivot
cdef uint64_t DUO = 18446744073709551615u
cdef uint64_t NO_KEY = 18446744073709551615u


cdef enum:
    _AHEAD = 8      # how many edges (voxels) ahead the loops prefetch (a power of 2)


cdef inline uint64_t min_key(uint64_t a, uint64_t b) noexcept nogil:
    return a if a < b else b


cdef inline uint64_t fetch_column(const Vol *g, uint64_t edge_key, uint64_t *cob,
                                  const uint64_t *bits, const int32_t *claimed) noexcept nogil:
    """The coboundary of a positive edge processed soon (4 keys, see edge_coboundary);
    prefetch the claim of its pivot, the smallest key, returned."""
    cdef int64_t square
    cdef uint64_t best
    edge_coboundary(g, <int64_t> (edge_key & LOW32), cob)
    best = min_key(min_key(cob[0], cob[1]), min_key(cob[2], cob[3]))
    square = <int64_t> (best & LOW32)
    sktopo_prefetch(&bits[square >> 6])
    sktopo_prefetch(&claimed[square])
    return best


cdef inline void sort_pair(uint64_t *a, int i, int j) noexcept nogil:
    cdef uint64_t x = a[i], y = a[j]
    a[i] = min_key(x, y)
    a[j] = x if x > y else y


cdef inline void sort4(uint64_t *a) noexcept nogil:
    """Sort 4 keys by a network of compare-exchanges (no branches)."""
    sort_pair(a, 0, 1)
    sort_pair(a, 2, 3)
    sort_pair(a, 0, 2)
    sort_pair(a, 1, 3)
    sort_pair(a, 1, 2)


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
            raise MemoryError("h1_rank_pairs: out of memory while reducing H1 columns.")
    buf.data = data
    buf.capacity = cap
    return 0


cdef int push(Growable *buf, uint64_t x) except -1 nogil:
    if buf.size == buf.capacity:
        grow(buf, buf.size + 1)
    buf.data[buf.size] = x
    buf.size += 1
    return 0


cdef inline Py_ssize_t merge_xor(const uint64_t *w, Py_ssize_t a, const uint64_t *col,
                                  Py_ssize_t length, uint64_t *s) noexcept nogil:
    """s <- w xor col (sorted keys, a and length of them); returns the length of s."""
    cdef Py_ssize_t i = 0, j = 0, out = 0
    # (branches on the keys: a long column meets a short one, the branches are
    # predicted; a merge without branches waits on every comparison)
    while i < a and j < length:
        if w[i] < col[j]:
            s[out] = w[i]
            i += 1
        elif w[i] > col[j]:
            s[out] = col[j]
            j += 1
        else:       # the key cancels
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
    return out


cdef int add_column(Growable *work, Growable *spare, const uint64_t *col,
                    Py_ssize_t length) except -1 nogil:
    """work <- work xor col (sorted keys), through spare; swaps the two buffers."""
    cdef Growable tmp
    grow(spare, work.size + length)
    spare.size = merge_xor(work.data, work.size, col, length, spare.data)
    tmp = work[0]
    work[0] = spare[0]
    spare[0] = tmp
    return 0


cdef Py_ssize_t kruskal(const Vol *g, const int32_t *order, Py_ssize_t n,
                        int32_t *parent, uint64_t *positive, Growable *h0) except -1 nogil:
    """Keys of the positive edges (not merging two components), in filtration order.

    ``parent`` holds at a root -1 minus the rank of the oldest vertex of its tree (the
    rank of the vertex itself before any union): the older root stays the root (union
    by age), so that with ``h0`` the H0 pairs (birth rank, death rank) of the elder rule
    come without another array.
    """
    cdef Py_ssize_t r, count = 0
    cdef int64_t lows[12]
    cdef int axes[12]
    cdef int64_t v
    cdef int t, n_edges, k
    cdef int32_t a, b, young
    for r in range(n):
        n_edges = critical_edges(g, order[r], <int32_t> r, lows, axes)
        for t in range(n_edges):
            v = lows[t]
            k = axes[t]
            a = find_root(parent, <int32_t> v)
            b = find_root(parent, <int32_t> (v + g.ps[k]))
            if a == b:
                positive[count] = (<uint64_t> r << 32) | <uint64_t> (3 * v + k)
                count += 1
                continue
            if parent[a] < parent[b]:       # a: the older root
                a, b = b, a
            young = -1 - parent[b]
            if h0 != NULL and young != r:   # the younger class dies at this edge
                push(h0, <uint64_t> young)
                push(h0, <uint64_t> r)
            parent[b] = a
    return count


cdef inline bint is_claimed(const uint64_t *bits, int64_t square) noexcept nogil:
    return (bits[square >> 6] >> (square & 63)) & 1


cdef inline void claim(uint64_t *bits, int32_t *claimed, int64_t square,
                       int32_t owner) noexcept nogil:
    bits[square >> 6] |= (<uint64_t> 1) << (square & 63)
    claimed[square] = owner


cdef inline uint64_t second_key(const uint64_t *k) noexcept nogil:
    """The second smallest of 4 keys."""
    cdef uint64_t m1 = min_key(k[0], k[1]), m2 = min_key(k[2], k[3])
    cdef uint64_t big1 = k[0] ^ k[1] ^ m1, big2 = k[2] ^ k[3] ^ m2
    return min_key(m1 ^ m2 ^ min_key(m1, m2), min_key(big1, big2))


cdef inline uint64_t duo_pivot(const Vol *g, const uint64_t *cob, int32_t owner,
                               const uint64_t *bits) noexcept nogil:
    """The pivot of cob + (the coboundary of the edge ``owner``), when it is free.

    ``owner`` is the apparent edge that claimed the pivot s of ``cob``: s is the smallest
    key of both coboundaries and the only one they share (two edges lie in at most one
    common square), so the sum has no other cancellation and its pivot is the smaller of
    their second smallest keys. Returns NO_KEY when that square is off the complex or
    claimed already (the column needs the full reduction).
    """
    cdef uint64_t col[4]
    cdef uint64_t pivot
    edge_coboundary(g, owner, col)
    pivot = min_key(second_key(cob), second_key(col))
    if (pivot >> 32) == BORDER or is_claimed(bits, <int64_t> (pivot & LOW32)):
        return NO_KEY
    return pivot


cdef Py_ssize_t duo_column(const Vol *g, uint64_t duo, uint64_t *out) noexcept nogil:
    """The sorted keys of the sum of the coboundaries of the two edges packed in duo
    (at most 6 once the shared square cancels)."""
    cdef uint64_t a[4]
    cdef uint64_t b[4]
    edge_coboundary(g, <int64_t> (duo >> 32), a)
    edge_coboundary(g, <int64_t> (duo & LOW32), b)
    sort4(a)
    sort4(b)
    return merge_xor(a, n_squares(a), b, n_squares(b), out)


cdef int reduce_column(const Vol *g, uint64_t *cob, uint64_t *bits,
                       int32_t *claimed,
                       Growable *work, Growable *spare, Growable *pool,
                       Growable *starts) except -1 nogil:
    """Reduce a column whose pivot is claimed (``cob``: the 4 keys of edge_coboundary);
    store it. Its pivot ends in work.data[0]."""
    cdef uint64_t col[4]
    cdef uint64_t duo[8]
    cdef uint64_t pivot
    cdef int32_t owner
    cdef int n_col
    cdef Py_ssize_t idx, i
    sort4(cob)
    grow(work, 4)
    for idx in range(4):
        work.data[idx] = cob[idx]
    work.size = n_squares(cob)
    while True:
        if work.size == 0:
            with gil:
                raise RuntimeError("h1_rank_pairs: a positive edge has a zero cocycle "
                                   "(this is a bug).")
        pivot = work.data[0]
        if not is_claimed(bits, <int64_t> (pivot & LOW32)):
            break
        owner = claimed[<int64_t> (pivot & LOW32)]
        if owner >= 0:        # an apparent pair: its column is the plain coboundary
            edge_coboundary(g, owner, col)
            n_col = n_squares(col)
            sort4(col)
            add_column(work, spare, col, n_col)
        else:
            idx = -2 - owner
            if pool.data[starts.data[idx]] == DUO:
                n_col = <int> duo_column(g, pool.data[starts.data[idx] + 1], duo)
                add_column(work, spare, duo, n_col)
            else:
                add_column(work, spare, &pool.data[starts.data[idx]],
                           <Py_ssize_t> (starts.data[idx + 1] - starts.data[idx]))
    # store the reduced column
    idx = starts.size - 1
    grow(pool, pool.size + work.size)
    for i in range(work.size):
        pool.data[pool.size + i] = work.data[i]
    pool.size += work.size
    push(starts, <uint64_t> pool.size)
    claim(bits, claimed, <int64_t> (pivot & LOW32), <int32_t> (-2 - idx))
    return 0


cdef object rank_array(const Growable *buf):
    """The interleaved (birth rank, death rank) of ``buf`` as an ndarray of uint64."""
    out = np.empty(buf.size, dtype=np.uint64)
    cdef uint64_t[::1] view = out
    if buf.size:
        memcpy(&view[0], buf.data, buf.size * sizeof(uint64_t))
    return out


def h1_rank_pairs(const int32_t[::1] rank_view, const int32_t[::1] porder, shape,
                  bint full, bint h0, int32_t[::1] parent):
    """The H1 pairs of the sublevel filtration of a volume, as ranks of critical voxels.

    Parameters
    ----------
    rank_view : ndarray of int32 of shape ((n0 + 2) * (n1 + 2) * (n2 + 2),)
        The rank of every voxel of the padded volume in the order (value, index);
        ``2**31 - 1`` on the padding.
    porder : ndarray of int32 of shape (n0 * n1 * n2,)
        The padded index of the voxel of each rank.
    shape : tuple (n0, n1, n2)
    full : bool
        True: voxels are the cubes (26-connectivity); False: voxels are the vertices (6).
    h0 : bool
        Also return the H0 pairs, found by the union-find that clears the H1 columns.
    parent : ndarray of int32, as long as ``rank_view``
        Scratch space (overwritten).

    Returns
    -------
    h1, h0 : ndarray of uint64 or None
        Interleaved (birth rank, death rank) of each pair; the pairs born and dead at one
        voxel are left out. H0 leaves out the essential class (born at rank 0).
    """
    cdef Vol g
    cdef Py_ssize_t n0 = shape[0], n1 = shape[1], n2 = shape[2]
    cdef Py_ssize_t n = porder.shape[0]
    cdef int64_t size = rank_view.shape[0]
    g.full = full
    g.ps[2] = 1
    g.ps[1] = n2 + 2
    g.ps[0] = (n1 + 2) * (n2 + 2)
    g.rank = &rank_view[0]

    # Kruskal: the positive edges (in the complex, edges - vertices + 1 of them)
    cdef Py_ssize_t n_positive
    m0, m1, m2 = (n0 + 1, n1 + 1, n2 + 1) if full else (n0, n1, n2)    # vertices per axis
    n_positive = ((m0 - 1) * m1 * m2 + m0 * (m1 - 1) * m2 + m0 * m1 * (m2 - 1)
                  - m0 * m1 * m2 + 1)
    positive_arr = np.empty(max(n_positive, 1), dtype=np.uint64)
    cdef uint64_t[::1] positive = positive_arr
    cdef Py_ssize_t found
    cdef Growable h0_pairs
    h0_pairs.data = NULL
    h0_pairs.size = h0_pairs.capacity = 0
    cdef Py_ssize_t k
    try:
        with nogil:
            # every vertex a tree of its own, born at its rank
            if full:
                vertex_codes(g.rank, &parent[0], n0, n1, n2)
            else:
                for k in range(size):
                    parent[k] = -1 - g.rank[k]
            found = kruskal(&g, &porder[0], n, &parent[0], &positive[0],
                            &h0_pairs if h0 else NULL)
        h0_out = rank_array(&h0_pairs) if h0 else None
    finally:
        free(h0_pairs.data)
    if found != n_positive:
        raise RuntimeError(f"h1_rank_pairs: {found} positive edges, expected "
                           f"{n_positive} (this is a bug).")
    return cohomology(&g, positive_arr, n_positive, size), h0_out


cdef object cohomology(const Vol *g, const uint64_t[::1] positive, Py_ssize_t n_positive,
                       int64_t size):
    """The pairs of positive persistence of the positive edges (keys in ``positive``, in
    filtration order), reduced in decreasing order, as interleaved ranks."""
    # a bit per square: claimed as a pivot yet? If so, by the edge claimed[square] (an
    # apparent pair, its column is its coboundary) or by the stored column -2 - claimed
    claimed_arr = np.empty(3 * size, dtype=np.int32)
    bits_arr = np.zeros((3 * size + 63) // 64, dtype=np.uint64)
    cdef int32_t[::1] claimed = claimed_arr
    cdef uint64_t[::1] bits = bits_arr
    cdef Growable work, spare, pool, starts, pairs
    work.data = spare.data = pool.data = starts.data = pairs.data = NULL
    work.size = spare.size = pool.size = starts.size = pairs.size = 0
    work.capacity = spare.capacity = pool.capacity = starts.capacity = pairs.capacity = 0
    cdef Py_ssize_t t
    cdef uint64_t *cob
    cdef uint64_t ring[_AHEAD][4]   # the coboundaries of the next edges
    cdef uint64_t ring_best[_AHEAD]
    cdef uint64_t edge_key, best
    cdef int slot
    cdef int32_t owner
    cdef int64_t e, square
    try:
        with nogil:
            push(&starts, 0)
            # a pipeline over the edges, spread over the volume: their ranks are fetched
            # 2 * _AHEAD edges ahead, their coboundaries computed and the claims of
            # their pivots fetched _AHEAD edges ahead
            for t in range(n_positive - 1, n_positive - 1 - min(n_positive, _AHEAD), -1):
                ring_best[t & (_AHEAD - 1)] = fetch_column(
                    g, positive[t], ring[t & (_AHEAD - 1)], &bits[0], &claimed[0])
            for t in range(n_positive - 1, -1, -1):
                slot = t & (_AHEAD - 1)
                cob = ring[slot]
                edge_key = positive[t]
                e = <int64_t> (edge_key & LOW32)
                best = ring_best[slot]
                square = <int64_t> (best & LOW32)
                if not is_claimed(&bits[0], square):
                    claim(&bits[0], &claimed[0], square, <int32_t> e)
                else:
                    # most reductions end after adding the coboundary of the apparent
                    # edge that claimed the pivot: stored as the two edges
                    owner = claimed[square]
                    best = duo_pivot(g, cob, owner, &bits[0]) if owner >= 0 else NO_KEY
                    if best != NO_KEY:
                        push(&pool, DUO)
                        push(&pool, (<uint64_t> e << 32) | <uint64_t> owner)
                        push(&starts, <uint64_t> pool.size)
                        claim(&bits[0], &claimed[0], <int64_t> (best & LOW32),
                              <int32_t> (-2 - (starts.size - 2)))
                    else:
                        reduce_column(g, cob, &bits[0], &claimed[0], &work, &spare,
                                      &pool, &starts)
                        best = work.data[0]
                if (best >> 32) != (edge_key >> 32):
                    push(&pairs, edge_key >> 32)
                    push(&pairs, best >> 32)
                # the slot is free: the edge _AHEAD later in the pipeline
                if t >= 2 * _AHEAD:
                    prefetch_edge(g, <int64_t> (positive[t - 2 * _AHEAD] & LOW32))
                if t >= _AHEAD:
                    ring_best[slot] = fetch_column(g, positive[t - _AHEAD], ring[slot],
                                                   &bits[0], &claimed[0])
        return rank_array(&pairs)
    finally:
        free(work.data)
        free(spare.data)
        free(pool.data)
        free(starts.data)
        free(pairs.data)
