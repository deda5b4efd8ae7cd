# cython: cdivision=True
# The cells of a volume's cubical complex for the H1 reduction of ``_cubical3d``: the
# coboundary of an edge (its squares and their ranks), the edges a voxel gives its value
# to, and the codes of the vertices of the "full" construction. Numbering (see
# ``_cubical3d``): on the grid of padded voxels, edge ``3 * v + k`` goes from vertex ``v``
# along axis ``k``, square ``3 * v + l`` has its lowest vertex at ``v`` and normal ``l``;
# a square's key is ``rank << 32 | id``.

from libc.stdint cimport int32_t, int64_t, uint64_t

from sktopo.persistence._union_find cimport sktopo_prefetch


cdef enum:
    BORDER = 2147483647     # rank of the padding: after every voxel


cdef struct Vol:
    int64_t ps[3]       # strides of the padded voxel grid
    bint full
    const int32_t *rank  # ranks of the padded voxels, BORDER on the padding


cdef inline int32_t min2(int32_t a, int32_t b) noexcept nogil:
    return a if a < b else b


cdef inline int32_t max2(int32_t a, int32_t b) noexcept nogil:
    return a if a > b else b


cdef inline uint64_t square_key(int32_t r, int64_t square) noexcept nogil:
    return (<uint64_t> r << 32) | <uint64_t> square


cdef inline int n_squares(const uint64_t *keys) noexcept nogil:
    """How many of the 4 keys of edge_coboundary are squares of the complex."""
    return (((keys[0] >> 32) != BORDER) + ((keys[1] >> 32) != BORDER)
            + ((keys[2] >> 32) != BORDER) + ((keys[3] >> 32) != BORDER))


cdef inline void edge_coboundary(const Vol *g, int64_t e, uint64_t *out) noexcept nogil:
    """Keys of the 4 squares around edge e, unsorted.

    A square outside the complex (on the padding) has the rank BORDER: its key comes
    after every other, so the first ``n_squares`` of the sorted keys are the coboundary. The edge
    along k at vertex v has the squares of normal b at v and v - e_a (spanning k and a)
    and of normal a at v and v - e_b, for the other two axes a < b. Each voxel around
    the edge is read once.
    """
    cdef int64_t v = e // 3
    cdef int k = <int> (e - 3 * v)
    cdef int a = k == 0             # the other two axes, a < b (no branches)
    cdef int b = 2 - (k == 2)
    cdef int64_t pa = g.ps[a], pb = g.ps[b], pk = g.ps[k]
    cdef const int32_t *r = g.rank
    cdef int32_t c0, ca, cb, cab, e0, s0, s1, s2, s3
    if g.full:
        # the four cubes around the edge; a square takes the smaller of its two cubes
        c0 = r[v]
        ca = r[v - pa]
        cb = r[v - pb]
        cab = r[v - pa - pb]
        s0 = min2(c0, cb)
        s1 = min2(ca, cab)
        s2 = min2(c0, ca)
        s3 = min2(cb, cab)
    else:
        # the edge's two vertices and, for each square, the other two; a square takes
        # the largest of its four vertices
        e0 = max2(r[v], r[v + pk])
        s0 = max2(e0, max2(r[v + pa], r[v + pa + pk]))
        s1 = max2(e0, max2(r[v - pa], r[v - pa + pk]))
        s2 = max2(e0, max2(r[v + pb], r[v + pb + pk]))
        s3 = max2(e0, max2(r[v - pb], r[v - pb + pk]))
    out[0] = square_key(s0, 3 * v + b)
    out[1] = square_key(s1, 3 * (v - pa) + b)
    out[2] = square_key(s2, 3 * v + a)
    out[3] = square_key(s3, 3 * (v - pb) + a)


cdef inline void prefetch_edge(const Vol *g, int64_t e) noexcept nogil:
    """Prefetch the ranks edge_coboundary reads (the rows of the voxels around e)."""
    cdef int64_t v = e // 3
    cdef int k = <int> (e - 3 * v)
    cdef int64_t pa = g.ps[k == 0], pb = g.ps[2 - (k == 2)]
    cdef int64_t pk = g.ps[k]
    cdef const int32_t *r = g.rank
    if g.full:
        sktopo_prefetch(&r[v])
        sktopo_prefetch(&r[v - pa])
        sktopo_prefetch(&r[v - pb])
        sktopo_prefetch(&r[v - pa - pb])
        return
    sktopo_prefetch(&r[v])
    sktopo_prefetch(&r[v - pa])
    sktopo_prefetch(&r[v + pa])
    sktopo_prefetch(&r[v - pb])
    sktopo_prefetch(&r[v + pb])
    if k != 2:      # (along the rows, the two vertices share their cache lines)
        sktopo_prefetch(&r[v + pk])
        sktopo_prefetch(&r[v + pk - pa])
        sktopo_prefetch(&r[v + pk + pa])
        sktopo_prefetch(&r[v + pk - pb])
        sktopo_prefetch(&r[v + pk + pb])


cdef inline int critical_edges(const Vol *g, int64_t q, int32_t r, int64_t *lows,
                               int *axes) noexcept nogil:
    """The edges whose critical voxel is the padded voxel q (rank r), in a fixed order:
    their lowest vertices and axes (edge ``3 * lows[t] + axes[t]``)."""
    cdef int64_t pi, pj
    cdef int count = 0, k, i, j, si, sj
    cdef const int32_t *rank = g.rank
    if not g.full:
        # edges to the 6 neighbours of lower rank (the padding has the largest rank),
        # written at every step and kept by the count (no branches on the ranks)
        for k in range(3):
            lows[count] = q - g.ps[k]
            axes[count] = k
            count += rank[q - g.ps[k]] < r
            lows[count] = q
            axes[count] = k
            count += rank[q + g.ps[k]] < r
        return count
    # "full": the 12 edges of the cube q whose three other voxels all have larger ranks;
    # the edge along k at vertex q + si e_i + sj e_j (si, sj in {0, 1}) is shared with
    # the voxels q - e_i (si = 0) or q + e_i (si = 1), and the same along j
    for k in range(3):
        i = 1 if k == 0 else 0
        j = 1 if k == 2 else 2
        for si in range(2):
            pi = g.ps[i] if si else -g.ps[i]
            for sj in range(2):
                pj = g.ps[j] if sj else -g.ps[j]
                lows[count] = q + (g.ps[i] if si else 0) + (g.ps[j] if sj else 0)
                axes[count] = k
                count += ((rank[q + pi] > r) & (rank[q + pj] > r)
                          & (rank[q + pi + pj] > r))
    return count


cdef inline void vertex_codes(const int32_t *rank, int32_t *out, Py_ssize_t n0, Py_ssize_t n1,
                       Py_ssize_t n2) noexcept nogil:
    """"full": the root code of each vertex alone, -1 minus its rank (the smallest of the
    8 voxels around it)."""
    cdef Py_ssize_t x, y, z, p
    cdef Py_ssize_t s1 = n2 + 2, s0 = (n1 + 2) * (n2 + 2)
    for x in range(1, n0 + 2):
        for y in range(1, n1 + 2):
            p = x * s0 + y * s1 + 1
            for z in range(n2 + 1):
                out[p] = -1 - min2(min2(min2(rank[p], rank[p - 1]),
                                   min2(rank[p - s1], rank[p - s1 - 1])),
                              min2(min2(rank[p - s0], rank[p - s0 - 1]),
                                   min2(rank[p - s0 - s1], rank[p - s0 - s1 - 1])))
                p += 1
