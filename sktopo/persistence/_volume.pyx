# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Persistence pairing of volumes (and padded images).

H0 by union-find over the pixels in increasing order with the elder rule; the top
dimension (H1 of an image, H2 of a volume) by duality, as the H0 of the superlevel
filtration of the dual connectivity on the image padded by a border that is older than
every pixel. H1 of a volume needs a matrix reduction (``_cubical3d``).

``volume_pairs``: every dimension of a volume from one radix sort of its voxels.
``grid_pairs``: H0 and the top dimension of a padded 2-D or 3-D image from ``np.argsort``
(the reference the image kernel of ``_pairing`` is tested against).
"""

import os

import numpy as np

from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport abs
from libc.string cimport memset

from sktopo.persistence._cubical3d import h1_rank_pairs
from sktopo.persistence._sort cimport sort_pixels, sort_run
from sktopo.persistence._union_find cimport (PairBuffer, buffer_init, buffer_push,
                                             buffer_to_arrays, find_root, offsets_2d,
                                             sktopo_ctz, sktopo_prefetch)


cdef extern from *:
    """
    /* The present voxels among the 26 neighbours of p (parent != -1) as a mask in the
       order of neighbour_offsets: 9 rows of 3 voxels along the last axis (the middle one
       without p itself). With SSE2, a row is compared at once. */
    #if defined(__SSE2__) || defined(_M_X64)
    #include <emmintrin.h>
    static inline unsigned sktopo_row3(const int32_t *q) {
        __m128i v = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *) (q - 1)),
                                       _mm_cvtsi32_si128(q[1]));
        unsigned absent = (unsigned) _mm_movemask_ps(
            _mm_castsi128_ps(_mm_cmpeq_epi32(v, _mm_set1_epi32(-1))));
        return ~absent & 7u;
    }
    #else
    static inline unsigned sktopo_row3(const int32_t *q) {
        return (unsigned) (q[-1] != -1) | (unsigned) (q[0] != -1) << 1
               | (unsigned) (q[1] != -1) << 2;
    }
    #endif
    static inline unsigned sktopo_mask26(const int32_t *parent, int64_t p, int64_t row,
                                         int64_t plane) {
        const int32_t *c = parent + p;
        unsigned middle = sktopo_row3(c);
        return sktopo_row3(c - plane - row) | sktopo_row3(c - plane) << 3
               | sktopo_row3(c - plane + row) << 6 | sktopo_row3(c - row) << 9
               | (middle & 1u) << 12 | (middle & 4u) << 11
               | sktopo_row3(c + row) << 14 | sktopo_row3(c + plane - row) << 17
               | sktopo_row3(c + plane) << 20 | sktopo_row3(c + plane + row) << 23;
    }
    """
    unsigned int sktopo_mask26(const int32_t *parent, int64_t p, int64_t row,
                               int64_t plane) noexcept nogil


cdef int32_t BORDER = 2147483647     # rank of the padding: after every voxel
# bytes per padded voxel allocated up front with H1: porder (4) and the sort's scratch
# (12, freed before H1), ranks (4), union-find parents (4), positive edges (8 x 2),
# claimed squares (4 x 3) (and H0's oldest ranks (4), when asked, within the slack)
_BYTES_PER_VOXEL = 48


cdef struct Grid:
    int ndim
    int64_t pshape[3]      # shape of the padded image
    int64_t shape[3]       # shape of the image
    double inverse[3]      # 1 / pshape


cdef inline int64_t unpad(const Grid *g, int64_t p) noexcept nogil:
    """C-order flat index in the image of the flat index ``p`` in the padded image.

    The divisions use a floating reciprocal corrected by one step (an integer division
    costs tens of cycles).
    """
    cdef int64_t out = 0, mult = 1, quot, coord
    cdef int a
    for a in range(g.ndim - 1, 0, -1):
        quot = <int64_t> (p * g.inverse[a])
        coord = p - quot * g.pshape[a]
        if coord < 0:
            quot -= 1
            coord += g.pshape[a]
        elif coord >= g.pshape[a]:
            quot += 1
            coord -= g.pshape[a]
        out += (coord - 1) * mult
        mult *= g.shape[a]
        p = quot
    return out + (p - 1) * mult


cdef inline bint adjacent(const int *x, const int *y, bint full) noexcept nogil:
    """Are the pixels at displacements x and y neighbours (26- or 6-connectivity)?"""
    cdef int d0 = abs(x[0] - y[0]), d1 = abs(x[1] - y[1]), d2 = abs(x[2] - y[2])
    if full:
        return d0 <= 1 and d1 <= 1 and d2 <= 1
    return d0 + d1 + d2 == 1


cdef int neighbour_offsets(const Grid *g, bint full, int64_t *off,
                           unsigned int *cover) noexcept nogil:
    """Flat offsets of the neighbours of a pixel in the padded image; their number.

    In 2-D with ``full``, the 8 neighbours come in ring order: consecutive ones (cyclically)
    are neighbours of each other. In 3-D, ``cover`` (4 tables of 256) gets, for each byte
    of a mask of neighbours, the neighbours after them that are their neighbours too (in
    the same connectivity): the mask of the neighbours next to an earlier one in ``mask``
    is ``cover[mask & 255] | cover[256 + (mask >> 8 & 255)] | ...``.
    """
    cdef int64_t w, plane
    cdef int count = 0, a, b, c, t, u
    cdef int coord[26][3]
    cdef unsigned int later[32]
    if g.ndim == 2:
        return offsets_2d(g.pshape[1], full, off)
    w = g.pshape[2]
    plane = g.pshape[1] * w
    for a in range(-1, 2):
        for b in range(-1, 2):
            for c in range(-1, 2):
                if (a == 0 and b == 0 and c == 0) or (
                        not full and (a != 0) + (b != 0) + (c != 0) > 1):
                    continue
                off[count] = a * plane + b * w + c
                coord[count][0] = a
                coord[count][1] = b
                coord[count][2] = c
                count += 1
    for t in range(32):
        later[t] = 0
        for u in range(t + 1, count):
            if t < count and adjacent(coord[t], coord[u], full):
                later[t] |= 1u << u
    for a in range(4):
        for b in range(256):
            cover[256 * a + b] = 0
            for t in range(8):
                if (b >> t) & 1:
                    cover[256 * a + b] |= later[8 * a + t]
    return count


cdef enum:
    _AHEAD = 8    # how many pixels ahead the union-find prefetches


cdef inline int32_t merge(int32_t *parent, int32_t p, int32_t r, int32_t cur, bint dual,
                          const Grid *g, PairBuffer *buf) noexcept nogil:
    """Merge two distinct classes (roots ``r`` and ``cur``) at pixel ``p``; the younger dies.

    Returns the root of the merged class.
    """
    cdef int32_t young, old
    if parent[r] > parent[cur]:      # r is older (processed earlier)
        young, old = cur, r
    else:
        young, old = r, cur
    parent[young] = old
    if dual:   # a hole is born at p, it is filled at the top of the younger class
        buffer_push(buf, unpad(g, p), unpad(g, young))
    else:
        buffer_push(buf, unpad(g, young), unpad(g, p))
    return old


cdef void union_pass(int32_t *parent, const int32_t *order, Py_ssize_t n, bint dual,
                     const int64_t *off, int n_off, const unsigned int *cover, bint ring,
                     const Grid *g, PairBuffer *buf) noexcept nogil:
    """H0 by union-find with the elder rule over ``order[:n]`` (reversed when ``dual``).

    ``parent`` (a flat index of the padded image) holds -1 for a pixel not yet present;
    a root, the oldest pixel of its class, holds -3 minus its position in the processing
    (-2 for the border), so that the older root has the larger code.
    """
    cdef Py_ssize_t step
    cdef int32_t p, cur, r, ahead
    cdef int64_t row = g.pshape[g.ndim - 1]
    cdef int64_t plane = row * g.pshape[g.ndim - 2] if g.ndim == 3 else 0
    cdef unsigned int mask, starts
    cdef int t
    for step in range(n):
        p = order[n - 1 - step if dual else step]
        if step + _AHEAD < n:
            # the rows of a pixel processed soon: the random accesses overlap
            ahead = order[n - 1 - step - _AHEAD if dual else step + _AHEAD]
            sktopo_prefetch(&parent[ahead])
            sktopo_prefetch(&parent[ahead - row])
            sktopo_prefetch(&parent[ahead + row])
            if plane:
                sktopo_prefetch(&parent[ahead - plane])
                sktopo_prefetch(&parent[ahead + plane])
                if n_off > 6:
                    sktopo_prefetch(&parent[ahead - plane - row])
                    sktopo_prefetch(&parent[ahead - plane + row])
                    sktopo_prefetch(&parent[ahead + plane - row])
                    sktopo_prefetch(&parent[ahead + plane + row])
        # the present neighbours as a bit mask, without branches (constant trip counts,
        # so that the compiler unrolls them; the 26 of a volume by rows of 3)
        mask = 0
        if ring:
            for t in range(8):
                mask |= (<unsigned int> (parent[p + off[t]] != -1)) << t
        elif n_off == 4:
            for t in range(4):
                mask |= (<unsigned int> (parent[p + off[t]] != -1)) << t
        elif n_off == 6:
            for t in range(6):
                mask |= (<unsigned int> (parent[p + off[t]] != -1)) << t
        else:
            mask = sktopo_mask26(parent, p, row, plane)
        if ring:
            # present neighbours consecutive in the ring are in one class already: one
            # find per run of present neighbours
            starts = mask & ~(((mask << 1) | (mask >> 7)) & 0xFF)
            if mask == 0xFF:
                starts = 1
        elif n_off == 4:
            starts = mask
        else:
            # a present neighbour next to an earlier present one is in its class already
            starts = mask & ~(cover[mask & 255] | cover[256 + ((mask >> 8) & 255)]
                              | cover[512 + ((mask >> 16) & 255)] | cover[768 + (mask >> 24)])
        if starts == 0:              # a local minimum (maximum when dual): a class is born
            parent[p] = <int32_t> (-3 - step)
            continue
        t = sktopo_ctz(starts)      # the new pixel joins its first class
        starts &= starts - 1
        cur = find_root(parent, <int32_t> (p + off[t]))
        parent[p] = cur
        while starts:
            t = sktopo_ctz(starts)
            starts &= starts - 1
            r = find_root(parent, <int32_t> (p + off[t]))
            if r != cur:
                cur = merge(parent, p, r, cur, dual, g, buf)


def grid_pairs(padded, Py_ssize_t n, bint full, bint low, bint top):
    """Critical pixels of the sublevel filtration of an image given padded by ``+inf``.

    Parameters
    ----------
    padded : ndarray of float64, C-contiguous, ndim 2 or 3
        The image ``f`` (finite) surrounded by one layer of ``+inf`` on every side.
    n : int
        Number of pixels of ``f``.
    full : bool
        True: pixels are top cells (8/26-connectivity); False: pixels are vertices (4/6).
    low : bool
        Compute H0.
    top : bool
        Compute the top dimension (H1 of an image, H2 of a volume) by duality.

    Returns
    -------
    h0, top : tuple of (birth_index, death_index) or None
        C-order flat indices into ``f``; ``-1`` for the death of the essential class (the
        first H0 pair).
    """
    cdef Grid g
    cdef int a
    g.ndim = padded.ndim
    if g.ndim not in (2, 3):
        raise ValueError("grid_pairs supports 2-D and 3-D images.")
    for a in range(g.ndim):
        g.pshape[a] = padded.shape[a]
        g.shape[a] = g.pshape[a] - 2
        g.inverse[a] = 1.0 / g.pshape[a]
    cdef const double[::1] values = padded.reshape(-1)
    cdef Py_ssize_t size = values.shape[0]
    if size >= 2 ** 31 - 8:
        raise ValueError("grid_pairs supports images of less than 2**31 padded pixels.")
    order_arr = np.argsort(values)
    parent_arr = np.empty(size, dtype=np.int32)
    cdef int64_t[::1] order = order_arr
    cdef int32_t[::1] parent = parent_arr
    cdef int64_t off_low[26]
    cdef int64_t off_top[26]
    cdef unsigned int cover_low[1024]
    cdef unsigned int cover_top[1024]
    cdef int n_low = neighbour_offsets(&g, full, off_low, cover_low)
    cdef int n_top = neighbour_offsets(&g, not full, off_top, cover_top)
    cdef Py_ssize_t k, start
    cdef int32_t border
    cdef PairBuffer low_buf
    cdef PairBuffer top_buf
    low_pairs = None
    top_pairs = None

    with nogil:
        # the order (value, index): sort every run of equal values by index. The padding
        # (+inf) comes last, order[n:].
        start = 0
        for k in range(1, n + 1):
            if k == n or values[order[k]] != values[order[start]]:
                if k - start > 1:
                    sort_run(&order[start], k - start)
                start = k
    order32_arr = order_arr.astype(np.int32)
    cdef int32_t[::1] order32 = order32_arr

    if low:
        buffer_init(&low_buf, n // 16)
        with nogil:
            # sublevel H0; the padding never enters
            memset(&parent[0], 0xFF, size * sizeof(int32_t))
            union_pass(&parent[0], &order32[0], n, False, off_low, n_low, cover_low,
                       g.ndim == 2 and full, &g, &low_buf)
        low_pairs = buffer_to_arrays(&low_buf, 1, unpad(&g, order[0]))

    if top:
        buffer_init(&top_buf, n // 16)
        with nogil:
            # superlevel H0 of the dual connectivity: the padding is one class, the
            # border, older than every pixel
            memset(&parent[0], 0xFF, size * sizeof(int32_t))
            border = <int32_t> order[n]
            for k in range(n, size):
                parent[order[k]] = border
            parent[border] = -2
            union_pass(&parent[0], &order32[0], n, True, off_top, n_top, cover_top,
                       g.ndim == 2 and not full, &g, &top_buf)
        top_pairs = buffer_to_arrays(&top_buf, 0, 0)
    return low_pairs, top_pairs


cdef object rank_pairs(const uint64_t[::1] ranks, const int32_t *porder, const Grid *g,
                       bint essential):
    """(birth_index, death_index) of interleaved (birth rank, death rank) pairs."""
    cdef Py_ssize_t t, head = 1 if essential else 0, size = ranks.shape[0] // 2
    birth_arr = np.empty(size + head, dtype=np.int64)
    death_arr = np.empty(size + head, dtype=np.int64)
    cdef int64_t[::1] birth = birth_arr
    cdef int64_t[::1] death = death_arr
    if essential:       # the class of the smallest voxel never dies
        birth[0] = unpad(g, porder[0])
        death[0] = -1
    for t in range(size):
        birth[head + t] = unpad(g, porder[ranks[2 * t]])
        death[head + t] = unpad(g, porder[ranks[2 * t + 1]])
    return birth_arr, death_arr


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return 2 ** 62


def memory_estimate(shape):
    """Bytes :func:`volume_pairs` allocates up front with H1 for a volume of this shape."""
    padded = 1
    for s in shape:
        padded *= s + 2
    return _BYTES_PER_VOXEL * padded


def volume_pairs(f, bint full, bint low, bint h1, bint top):
    """Critical voxels of the sublevel filtration of a volume, every dimension asked.

    The voxels are sorted once (radix sort, order (value, index)) into their ranks on the
    padded grid; H0 is the union-find of the voxels (or, with H1, Kruskal's union-find
    of the edges that clears the H1 columns), H1 the cohomology of
    :func:`sktopo.persistence._cubical3d.h1_rank_pairs`, H2 the union-find of the dual
    connectivity in decreasing order with the padding as one class older than every
    voxel.

    Parameters
    ----------
    f : ndarray of float64 of shape (n0, n1, n2), C-contiguous, finite
    full : bool
        True: voxels are the cubes (26-connectivity); False: voxels are the vertices (6).
    low, h1, top : bool
        Compute H0, H1, H2.

    Returns
    -------
    h0, h1, h2 : tuple (birth_index, death_index) of ndarray of int64, or None
        C-order flat indices into ``f``; ``-1`` for the death of the essential class (the
        first H0 pair). Pairs born and dead at one voxel (zero persistence) may be left
        out.
    """
    if f.ndim != 3:
        raise ValueError("volume_pairs expects a 3-D array.")
    cdef Py_ssize_t n0 = f.shape[0], n1 = f.shape[1], n2 = f.shape[2]
    cdef Py_ssize_t n = f.size
    cdef int64_t size = (n0 + 2) * (n1 + 2) * (n2 + 2)
    estimate = memory_estimate(f.shape)
    if h1 and (3 * size >= 2 ** 31 - 1 or estimate > _physical_memory()):
        raise MemoryError(
            f"The H1 pairing of a volume of shape {tuple(f.shape)} needs about "
            f"{estimate / 2 ** 30:.1f} GiB and {3 * size} cell indices (at most 2**31 - 1 "
            f"and {_physical_memory() / 2 ** 30:.1f} GiB of memory here); downsample the "
            f"volume or leave 1 out of homology_dimensions.")
    if size >= 2 ** 31 - 8:
        raise ValueError("volume_pairs supports volumes of less than 2**31 padded voxels.")
    cdef Grid g
    cdef int a
    g.ndim = 3
    for a in range(3):
        g.shape[a] = f.shape[a]
        g.pshape[a] = g.shape[a] + 2
        g.inverse[a] = 1.0 / g.pshape[a]
    cdef const double[:, :, ::1] values = f
    cdef int status
    # the order (value, index) as padded indices, and the rank of every padded voxel
    porder_arr = np.empty(n, dtype=np.int32)
    cdef int32_t[::1] porder = porder_arr
    scratch_arr = np.empty(3 * n, dtype=np.int32)
    cdef int32_t[::1] scratch = scratch_arr
    with nogil:
        status = sort_pixels(&values[0, 0, 0], n0, n1, n2, n2, &porder[0], &scratch[0],
                             <uint32_t *> &scratch[n], <uint32_t *> &scratch[2 * n])
    if status < 0:
        raise MemoryError("volume_pairs: out of memory while sorting the voxels.")
    del scratch_arr, scratch
    rank_arr = np.empty(size, dtype=np.int32)
    parent_arr = np.empty(size, dtype=np.int32)
    cdef int32_t[::1] rank = rank_arr
    cdef int32_t[::1] parent = parent_arr
    cdef Py_ssize_t k
    with nogil:
        for k in range(size):
            rank[k] = BORDER
        for k in range(n):
            rank[porder[k]] = <int32_t> k

    h0_pairs = h1_pairs = top_pairs = None
    if h1:
        h1_ranks, h0_ranks = h1_rank_pairs(rank_arr, porder_arr, f.shape, full, low,
                                           parent_arr)
        h1_pairs = rank_pairs(h1_ranks, &porder[0], &g, False)
        if low:
            h0_pairs = rank_pairs(h0_ranks, &porder[0], &g, True)
    cdef int64_t off[26]
    cdef unsigned int cover[1024]
    cdef int n_off
    cdef PairBuffer buf
    if low and not h1:
        n_off = neighbour_offsets(&g, full, off, cover)
        buffer_init(&buf, n // 16)
        with nogil:
            memset(&parent[0], 0xFF, size * sizeof(int32_t))
            union_pass(&parent[0], &porder[0], n, False, off, n_off, cover, False, &g,
                       &buf)
        h0_pairs = buffer_to_arrays(&buf, 1, unpad(&g, porder[0]))
    if top:
        # the padding is one class, rooted at the corner (padded index 0), older than
        # every voxel
        n_off = neighbour_offsets(&g, not full, off, cover)
        buffer_init(&buf, n // 16)
        with nogil:
            for k in range(size):
                parent[k] = 0 if rank[k] == BORDER else -1
            parent[0] = -2
            union_pass(&parent[0], &porder[0], n, True, off, n_off, cover, False, &g, &buf)
        top_pairs = buffer_to_arrays(&buf, 0, 0)
    return h0_pairs, h1_pairs, top_pairs
