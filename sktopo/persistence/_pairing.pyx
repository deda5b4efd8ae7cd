# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled persistence pairings, all for the total order (value, index).

* ``grid_pairs``: images and volumes. H0 by union-find over the pixels in increasing order
  with the elder rule; the top dimension (H1 of an image, H2 of a volume) by duality, as the
  H0 of the superlevel filtration of the dual connectivity on the image padded by a border
  that is older than every pixel.
* ``signal_pairs``: H0 of a 1-D signal with a stack of alternating minima and maxima, O(n).
* ``kruskal_h0``: H0 of a graph filtration, Kruskal's algorithm with the elder rule.

Only typed memoryviews are used (no numpy C-API), so the module does not depend on the ABI
of the numpy it runs with.
"""

import numpy as np

from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport free, malloc, qsort, realloc
from libc.string cimport memset


# --------------------------------------------------------------------------- helpers

cdef extern from *:
    """
    #if defined(_MSC_VER)
    #include <intrin.h>
    static int sktopo_ctz(unsigned int x) { unsigned long i; _BitScanForward(&i, x); return (int) i; }
    #define sktopo_prefetch(a) ((void) 0)
    #else
    #define sktopo_prefetch(a) __builtin_prefetch((a), 1, 3)
    static inline int sktopo_ctz(unsigned int x) { return __builtin_ctz(x); }
    #endif
    """
    int sktopo_ctz(unsigned int x) noexcept nogil
    void sktopo_prefetch(const void *address) noexcept nogil


cdef struct PairBuffer:
    int64_t *birth
    int64_t *death
    Py_ssize_t size
    Py_ssize_t capacity
    bint failed


cdef int buffer_init(PairBuffer *buf, Py_ssize_t capacity) except -1:
    buf.size = 0
    buf.failed = False
    buf.capacity = capacity if capacity > 16 else 16
    buf.birth = <int64_t *> malloc(buf.capacity * sizeof(int64_t))
    buf.death = <int64_t *> malloc(buf.capacity * sizeof(int64_t))
    if buf.birth == NULL or buf.death == NULL:
        free(buf.birth)
        free(buf.death)
        raise MemoryError()
    return 0


cdef inline void buffer_push(PairBuffer *buf, int64_t birth, int64_t death) noexcept nogil:
    cdef int64_t *b
    cdef int64_t *d
    if buf.size == buf.capacity:
        if buf.failed:
            return
        b = <int64_t *> realloc(buf.birth, 2 * buf.capacity * sizeof(int64_t))
        if b == NULL:
            buf.failed = True
            return
        buf.birth = b
        d = <int64_t *> realloc(buf.death, 2 * buf.capacity * sizeof(int64_t))
        if d == NULL:
            buf.failed = True
            return
        buf.death = d
        buf.capacity *= 2
    buf.birth[buf.size] = birth
    buf.death[buf.size] = death
    buf.size += 1


cdef object buffer_to_arrays(PairBuffer *buf, Py_ssize_t head, int64_t head_birth):
    """Copy the pairs into two int64 arrays (after ``head`` essential pairs), free them."""
    cdef Py_ssize_t i
    if buf.failed:
        free(buf.birth)
        free(buf.death)
        raise MemoryError()
    birth = np.empty(buf.size + head, dtype=np.int64)
    death = np.empty(buf.size + head, dtype=np.int64)
    cdef int64_t[::1] b = birth
    cdef int64_t[::1] d = death
    if head:
        b[0] = head_birth
        d[0] = -1
    for i in range(buf.size):
        b[head + i] = buf.birth[i]
        d[head + i] = buf.death[i]
    free(buf.birth)
    free(buf.death)
    buf.birth = NULL
    buf.death = NULL
    return birth, death


cdef int compare_int64(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<const int64_t *> a)[0]
    cdef int64_t y = (<const int64_t *> b)[0]
    return (x > y) - (x < y)


cdef inline void sort_run(int64_t *run, Py_ssize_t length) noexcept nogil:
    """Sort a run of indices (equal values) increasingly: insertion sort when short."""
    cdef Py_ssize_t i, j
    cdef int64_t key
    if length > 24:
        qsort(run, length, sizeof(int64_t), compare_int64)
        return
    for i in range(1, length):
        key = run[i]
        j = i - 1
        while j >= 0 and run[j] > key:
            run[j + 1] = run[j]
            j -= 1
        run[j + 1] = key


cdef inline int32_t find_root(int32_t *parent, int32_t x) noexcept nogil:
    """Root of ``x`` with path halving; a root holds a negative code, not a parent."""
    cdef int32_t up = parent[x], upup
    while up >= 0:
        upup = parent[up]
        if upup < 0:
            return up
        parent[x] = upup
        x = upup
        up = parent[x]
    return x


cdef inline int64_t find64(int64_t *parent, int64_t x) noexcept nogil:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


# --------------------------------------------------------------------------- grids

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


cdef int neighbour_offsets(const Grid *g, bint full, int64_t *off) noexcept nogil:
    """Flat offsets of the neighbours of a pixel in the padded image; their number.

    In 2-D with ``full``, the 8 neighbours come in ring order: consecutive ones (cyclically)
    are neighbours of each other.
    """
    cdef int64_t w, plane
    cdef int count = 0, a, b, c
    if g.ndim == 2:
        w = g.pshape[1]
        if full:
            off[0] = -w
            off[1] = -w + 1
            off[2] = 1
            off[3] = w + 1
            off[4] = w
            off[5] = w - 1
            off[6] = -1
            off[7] = -w - 1
            return 8
        off[0] = -w
        off[1] = 1
        off[2] = w
        off[3] = -1
        return 4
    w = g.pshape[2]
    plane = g.pshape[1] * w
    for a in range(-1, 2):
        for b in range(-1, 2):
            for c in range(-1, 2):
                if (a == 0 and b == 0 and c == 0) or (
                        not full and (a != 0) + (b != 0) + (c != 0) > 1):
                    continue
                off[count] = a * plane + b * w + c
                count += 1
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


cdef void union_pass(int32_t *parent, const int64_t *order, Py_ssize_t n, bint dual,
                     const int64_t *off, int n_off, bint ring, const Grid *g,
                     PairBuffer *buf) noexcept nogil:
    """H0 by union-find with the elder rule over ``order[:n]`` (reversed when ``dual``).

    ``parent`` (a flat index of the padded image) holds -1 for a pixel not yet present;
    a root, the oldest pixel of its class, holds -3 minus its position in the processing
    (-2 for the border), so that the older root has the larger code.
    """
    cdef Py_ssize_t step
    cdef int32_t p, cur, r, ahead
    cdef int64_t row = g.pshape[g.ndim - 1]
    cdef unsigned int mask, starts
    cdef int t
    for step in range(n):
        p = <int32_t> order[n - 1 - step if dual else step]
        if step + _AHEAD < n:
            # the rows of a pixel processed soon: the random accesses overlap
            ahead = <int32_t> order[n - 1 - step - _AHEAD if dual else step + _AHEAD]
            sktopo_prefetch(&parent[ahead])
            sktopo_prefetch(&parent[ahead - row])
            sktopo_prefetch(&parent[ahead + row])
        # the present neighbours as a bit mask, without branches (constant trip counts
        # in 2-D, so that the compiler unrolls them)
        mask = 0
        if ring:
            for t in range(8):
                mask |= (<unsigned int> (parent[p + off[t]] != -1)) << t
        elif n_off == 4:
            for t in range(4):
                mask |= (<unsigned int> (parent[p + off[t]] != -1)) << t
        else:
            for t in range(n_off):
                mask |= (<unsigned int> (parent[p + off[t]] != -1)) << t
        if ring:
            # present neighbours consecutive in the ring are in one class already: one
            # find per run of present neighbours
            starts = mask & ~(((mask << 1) | (mask >> 7)) & 0xFF)
            if mask == 0xFF:
                starts = 1
        else:
            starts = mask
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
    cdef int n_low = neighbour_offsets(&g, full, off_low)
    cdef int n_top = neighbour_offsets(&g, not full, off_top)
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

    if low:
        buffer_init(&low_buf, n // 16)
        with nogil:
            # sublevel H0; the padding never enters
            memset(&parent[0], 0xFF, size * sizeof(int32_t))
            union_pass(&parent[0], &order[0], n, False, off_low, n_low,
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
            union_pass(&parent[0], &order[0], n, True, off_top, n_top,
                       g.ndim == 2 and not full, &g, &top_buf)
        top_pairs = buffer_to_arrays(&top_buf, 0, 0)
    return low_pairs, top_pairs


# --------------------------------------------------------------------------- signals

def signal_pairs(const double[::1] f):
    """H0 pairs of the sublevel filtration of a 1-D signal, in O(n).

    A stack holds alternating minima and maxima (minima at even depths) whose maxima
    decrease from bottom to top. A maximum lower than the next maximum is lower than both
    of its neighbours: it merges the two basins beside it and the younger minimum dies.

    Returns the same arrays as the numpy ``signal_pairs``: the essential class first, then
    one pair per local maximum, ordered by position.
    """
    cdef Py_ssize_t n = f.shape[0]
    cdef Py_ssize_t n_max = (n - 1) // 2 if n > 1 else 0
    birth_arr = np.empty(n_max + 1, dtype=np.int64)
    death_arr = np.empty(n_max + 1, dtype=np.int64)
    cdef int64_t[::1] birth = birth_arr
    cdef int64_t[::1] death = death_arr
    cdef int64_t *stack = <int64_t *> malloc((n + 1) * sizeof(int64_t))
    cdef int64_t *ordinal = <int64_t *> malloc((n + 1) * sizeof(int64_t))
    if stack == NULL or ordinal == NULL:
        free(stack)
        free(ordinal)
        raise MemoryError()
    cdef Py_ssize_t top = 0, i, k = 0
    cdef int64_t m_a, m_c, mx, young, elder
    cdef bint rise_before, rise_after
    with nogil:
        for i in range(n):
            # rise_*: the sample before (after) i comes earlier (later) in (value, index)
            rise_before = i > 0 and f[i - 1] <= f[i]
            rise_after = i < n - 1 and f[i] <= f[i + 1]
            if not rise_before and (i == n - 1 or rise_after):      # a local minimum
                stack[top] = i
                top += 1
            elif rise_before and i < n - 1 and not rise_after:      # a local maximum
                while top >= 3 and f[stack[top - 2]] <= f[i]:
                    m_c = stack[top - 1]
                    mx = stack[top - 2]
                    m_a = stack[top - 3]
                    if f[m_c] < f[m_a]:
                        young, elder = m_a, m_c
                    else:
                        young, elder = m_c, m_a
                    birth[1 + ordinal[top - 2]] = young
                    death[1 + ordinal[top - 2]] = mx
                    top -= 3
                    stack[top] = elder
                    top += 1
                stack[top] = i
                ordinal[top] = k
                k += 1
                top += 1
        while top >= 3:
            m_c = stack[top - 1]
            mx = stack[top - 2]
            m_a = stack[top - 3]
            if f[m_c] < f[m_a]:
                young, elder = m_a, m_c
            else:
                young, elder = m_c, m_a
            birth[1 + ordinal[top - 2]] = young
            death[1 + ordinal[top - 2]] = mx
            top -= 3
            stack[top] = elder
            top += 1
        birth[0] = stack[0]
        death[0] = -1
    free(stack)
    free(ordinal)
    return birth_arr[:k + 1], death_arr[:k + 1]


# --------------------------------------------------------------------------- graphs

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
