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

from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, qsort, realloc
from libc.float cimport DBL_MAX
from libc.math cimport fabs
from libc.string cimport memcpy, memset


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


cdef int buffer_init(PairBuffer *buf, Py_ssize_t capacity) except -1:
    buf.size = 0
    buf.failed = False
    buf.capacity = capacity if capacity > 16 else 16
    buf.birth = <int64_t *> malloc(buf.capacity * sizeof(int64_t))
    buf.death = <int64_t *> malloc(buf.capacity * sizeof(int64_t))
    if buf.birth == NULL or buf.death == NULL:
        free(buf.birth)
        free(buf.death)
        buf.birth = NULL
        buf.death = NULL
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
        buf.birth = NULL
        buf.death = NULL
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


cdef int offsets_2d(int64_t w, bint full, int64_t *off) noexcept nogil:
    """Flat offsets of the neighbours of a pixel in a padded 2-D image of row length ``w``;
    their number. With ``full``, the 8 neighbours come in ring order: consecutive ones
    (cyclically) are neighbours of each other."""
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


cdef int neighbour_offsets(const Grid *g, bint full, int64_t *off) noexcept nogil:
    """Flat offsets of the neighbours of a pixel in the padded image; their number.

    In 2-D with ``full``, the 8 neighbours come in ring order: consecutive ones (cyclically)
    are neighbours of each other.
    """
    cdef int64_t w, plane
    cdef int count = 0, a, b, c
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


# --------------------------------------------------------------------------- images

cdef extern from *:
    """
    #include <string.h>
    static inline unsigned long long sktopo_key64(double v) {
        /* order-preserving unsigned key of a finite double; -0.0 and 0.0 share a key */
        unsigned long long bits;
        v += 0.0;
        memcpy(&bits, &v, sizeof(bits));
        return bits ^ ((unsigned long long) (-(long long) (bits >> 63)) | 0x8000000000000000ULL);
    }
    static inline int sktopo_bitlen(unsigned long long x) {
        return x ? 64 - __builtin_clzll(x) : 0;
    }
    """
    uint64_t sktopo_key64(double v) noexcept nogil
    int sktopo_bitlen(uint64_t x) noexcept nogil


cdef extern from *:
    """
    /* The class around a pixel: the largest root class of its neighbours (-1: none present),
       and in *bad a nonzero value when two present neighbours have different labels.
       Balanced trees of independent operations, no branches. */
    #define SKTOPO_MAX(a, b) ((a) > (b) ? (a) : (b))
    #define SKTOPO_OFF(a, m) (((a) ^ (m)) & ~((a) >> 31))
    static inline int sktopo_ring_class(const int *l, const int *rt, int p, int row,
                                        unsigned *bad) {
        int a0 = rt[l[p - row]], a1 = rt[l[p - row + 1]], a2 = rt[l[p + 1]];
        int a3 = rt[l[p + row + 1]], a4 = rt[l[p + row]], a5 = rt[l[p + row - 1]];
        int a6 = rt[l[p - 1]], a7 = rt[l[p - row - 1]];
        int m = SKTOPO_MAX(SKTOPO_MAX(SKTOPO_MAX(a0, a1), SKTOPO_MAX(a2, a3)),
                           SKTOPO_MAX(SKTOPO_MAX(a4, a5), SKTOPO_MAX(a6, a7)));
        *bad = (unsigned) ((SKTOPO_OFF(a0, m) | SKTOPO_OFF(a1, m)) | (SKTOPO_OFF(a2, m) | SKTOPO_OFF(a3, m))
                | (SKTOPO_OFF(a4, m) | SKTOPO_OFF(a5, m)) | (SKTOPO_OFF(a6, m) | SKTOPO_OFF(a7, m)));
        return m;
    }
    static inline int sktopo_cross_class(const int *l, const int *rt, int p, int row,
                                         unsigned *bad) {
        int a0 = rt[l[p - row]], a1 = rt[l[p + 1]], a2 = rt[l[p + row]], a3 = rt[l[p - 1]];
        int m = SKTOPO_MAX(SKTOPO_MAX(a0, a1), SKTOPO_MAX(a2, a3));
        *bad = (unsigned) ((SKTOPO_OFF(a0, m) | SKTOPO_OFF(a1, m)) | (SKTOPO_OFF(a2, m) | SKTOPO_OFF(a3, m)));
        return m;
    }
    """
    int32_t sktopo_ring_class(const int32_t *label, const int32_t *root, int32_t p,
                              int32_t row, unsigned int *bad) noexcept nogil
    int32_t sktopo_cross_class(const int32_t *label, const int32_t *root, int32_t p,
                               int32_t row, unsigned int *bad) noexcept nogil


cdef struct KeyIndex:
    uint64_t key
    int32_t index


cdef int compare_key_index(const void *a, const void *b) noexcept nogil:
    cdef const KeyIndex *x = <const KeyIndex *> a
    cdef const KeyIndex *y = <const KeyIndex *> b
    if x.key != y.key:
        return -1 if x.key < y.key else 1
    return (x.index > y.index) - (x.index < y.index)


cdef enum:
    _DIGIT = 11                   # bits per radix pass
    _BUCKETS = 1 << _DIGIT


cdef inline int32_t unpad2(int32_t p, int32_t row, double inverse, int32_t width) noexcept nogil:
    """C-order flat index in the image of the index ``p`` in the padded image."""
    cdef Py_ssize_t c
    cdef Py_ssize_t r = split_index(p, row, inverse, &c)
    return <int32_t> ((r - 1) * width + c - 1)


cdef int sort_pixels(const double *f, Py_ssize_t h, Py_ssize_t w, int32_t *order,
                     int32_t *tmp_index, uint32_t *key, uint32_t *tmp_key) noexcept nogil:
    """``order[:h * w]`` = padded indices of the pixels sorted by (value, index).

    An LSD radix sort (stable: equal keys keep the index order) of 22-bit keys (32-bit
    from 65536 pixels on), then runs of equal keys are sorted by the full key. The keys
    are the values mapped linearly onto the key range, ``(v - min) * scale`` rounded
    down, which is monotone, so sorting by it and then within its runs is the order of
    the values; values spread over the range seldom share a key. When the range of the
    values is 0 or overflows, the keys are the top bits of the order-preserving 64-bit
    keys of the values minus their minimum instead. Returns -1 when out of memory.
    """
    cdef Py_ssize_t n = h * w, i, r, c, k, start, length, j
    cdef int32_t row = <int32_t> (w + 2)
    cdef uint64_t lo = <uint64_t> -1, hi = 0, k64
    cdef int shift, bits, passes, ps, d, width
    cdef uint32_t counts[3][_BUCKETS]
    cdef uint32_t total, cnt, digit, kk
    cdef uint32_t *ksrc
    cdef uint32_t *kdst
    cdef uint32_t *kswap
    cdef int32_t *isrc
    cdef int32_t *idst
    cdef int32_t *iswap
    cdef int32_t pi
    cdef bint constant, in_order
    cdef KeyIndex *run
    cdef KeyIndex small[16]
    cdef KeyIndex item
    cdef Py_ssize_t t
    cdef double fmin = f[0], fmax = f[0], v, v2, fmin2, fmax2, scale = 0.0, top
    cdef bint linear
    # two accumulators each: min and max are latency chains
    fmin2, fmax2 = fmin, fmax
    i = 1
    while i + 1 < n:
        v = f[i]
        v2 = f[i + 1]
        fmin = v if v < fmin else fmin
        fmax = v if v > fmax else fmax
        fmin2 = v2 if v2 < fmin2 else fmin2
        fmax2 = v2 if v2 > fmax2 else fmax2
        i += 2
    if i < n:
        v = f[i]
        fmin = v if v < fmin else fmin
        fmax = v if v > fmax else fmax
    fmin = fmin2 if fmin2 < fmin else fmin
    fmax = fmax2 if fmax2 > fmax else fmax
    # 22-bit keys (two passes) for small images, 32-bit keys (three passes) for larger ones
    width = 2 * _DIGIT if n < 65536 else 32
    top = <double> ((<uint64_t> 1 << width) - 1)
    linear = fmax - fmin > 0 and fmax - fmin <= DBL_MAX
    if linear:
        scale = top / (fmax - fmin)
        linear = scale <= DBL_MAX
    if linear:
        bits = width
        shift = 0
    else:
        for i in range(n):
            k64 = sktopo_key64(f[i])
            if k64 < lo:
                lo = k64
            if k64 > hi:
                hi = k64
        bits = sktopo_bitlen(hi - lo)
        shift = bits - width if bits > width else 0
        bits -= shift
    passes = (bits + _DIGIT - 1) // _DIGIT
    memset(counts, 0, sizeof(counts))
    # the keys and the padded indices (no histogram in this loop, so that it vectorizes)
    k = 0
    for r in range(h):
        for c in range(w):
            tmp_index[k + c] = <int32_t> ((r + 1) * row + c + 1)
        if linear:
            for c in range(w):
                v = (f[k + c] - fmin) * scale
                key[k + c] = <uint32_t> v if v < top else <uint32_t> top
        else:
            for c in range(w):
                key[k + c] = <uint32_t> ((sktopo_key64(f[k + c]) - lo) >> shift)
        k += w
    # the histograms of the digits (the third only when there are three passes: its
    # counter would be the same for every key, a chain of dependent increments)
    for i in range(n):
        kk = key[i]
        counts[0][kk & (_BUCKETS - 1)] += 1
        counts[1][(kk >> _DIGIT) & (_BUCKETS - 1)] += 1
    if passes > 2:
        for i in range(n):
            counts[2][key[i] >> (2 * _DIGIT)] += 1
    ksrc, kdst, isrc, idst = key, tmp_key, tmp_index, order
    for ps in range(passes):
        # prefix sums; a pass where every key has the same digit changes nothing
        total = 0
        constant = False
        for d in range(_BUCKETS):
            cnt = counts[ps][d]
            if cnt == n:
                constant = True
                break
            counts[ps][d] = total
            total += cnt
        if constant:
            continue
        for i in range(n):
            kk = ksrc[i]
            digit = (kk >> (ps * _DIGIT)) & (_BUCKETS - 1)
            j = counts[ps][digit]
            counts[ps][digit] += 1
            kdst[j] = kk
            idst[j] = isrc[i]
        kswap = ksrc; ksrc = kdst; kdst = kswap
        iswap = isrc; isrc = idst; idst = iswap
    if isrc != order:
        memcpy(order, isrc, n * sizeof(int32_t))
    if ksrc != key:
        memcpy(key, ksrc, n * sizeof(uint32_t))
    if shift == 0 and not linear:
        return 0
    # the keys may tie distinct values: sort those runs by the full key
    cdef double inverse = 1.0 / row
    start = 0
    for i in range(1, n + 1):
        if i < n and key[i] == key[start]:
            continue
        length = i - start
        if 1 < length <= 16:
            for j in range(length):
                pi = order[start + j]
                small[j].key = sktopo_key64(f[unpad2(pi, row, inverse, <int32_t> w)])
                small[j].index = pi
            for j in range(1, length):
                item = small[j]
                t = j - 1
                while t >= 0 and small[t].key > item.key:
                    small[t + 1] = small[t]
                    t -= 1
                small[t + 1] = item
            for j in range(length):
                order[start + j] = small[j].index
        elif length > 16:
            run = <KeyIndex *> malloc(length * sizeof(KeyIndex))
            if run == NULL:
                return -1
            in_order = True
            for j in range(length):
                pi = order[start + j]
                run[j].key = sktopo_key64(f[unpad2(pi, row, inverse, <int32_t> w)])
                run[j].index = pi
                if j and run[j].key < run[j - 1].key:
                    in_order = False
            if not in_order:    # (a run of equal values is in index order already)
                qsort(run, length, sizeof(KeyIndex), compare_key_index)
                for j in range(length):
                    order[start + j] = run[j].index
            free(run)
        start = i
    return 0


cdef struct Labels:
    # Every present cell holds the class born with it or the class it joined (a class
    # id, dense from 1; 0 is the border of the dual filtration); a class merged into
    # another is not relabelled in the cells: ``root`` maps every class id to the class
    # it belongs to now (kept flat: the classes of the smaller side of a merge are
    # relabelled, O(C log C) for C classes, a few per hundred pixels). The class tables
    # are small, so they stay in the first-level cache with the labels.
    int32_t *label     # class id of a present cell, -1 for an absent one
    int32_t *root      # root[k]: the class that class k belongs to; root[-1] = -1
    int32_t *next      # the class ids of a root form a list: next id, -1 at the end
    int32_t *head      # first class id of a root's list
    int32_t *count     # number of class ids in a root's list
    int32_t *birth     # step at which a root was born (-1: the border)
    int32_t n_classes  # class ids used so far (the border included)


cdef inline Py_ssize_t labels_cells(Py_ssize_t size, Py_ssize_t n) noexcept nogil:
    """The int32 cells that ``labels_init`` needs for ``size`` padded cells and ``n``
    pixels."""
    return size + 5 * (n + 2) + 1


cdef void labels_init(Labels *c, int32_t *cells, Py_ssize_t size, Py_ssize_t n, bint dual,
                      int32_t row, Py_ssize_t h) noexcept nogil:
    """Empty classes on ``cells`` (``labels_cells`` of them); with ``dual``, the border
    of the padded grid is class 0, older and larger than every other."""
    cdef Py_ssize_t k, r, classes = n + 2
    c.label = cells
    c.root = cells + size + 1        # (root[-1] is the sentinel)
    c.next = c.root + classes
    c.head = c.next + classes
    c.count = c.head + classes
    c.birth = c.count + classes
    (c.root - 1)[0] = -1
    memset(c.label, 0xFF, size * sizeof(int32_t))
    c.n_classes = 1
    if dual:
        for k in range(row):
            c.label[k] = 0
            c.label[size - row + k] = 0
        for r in range(1, h + 1):
            c.label[r * row] = 0
            c.label[r * row + row - 1] = 0
        c.root[0] = 0
        c.head[0] = -1
        c.count[0] = <int32_t> (n + 2)
        c.birth[0] = -1


cdef inline int32_t absorb(Labels *c, int32_t a, int32_t b) noexcept nogil:
    """Merge the root classes ``a`` and ``b``: the class ids of the one with fewer are
    relabelled; the survivor."""
    cdef int32_t big = a, small = b, x, last
    if c.count[b] > c.count[a]:
        big = b
        small = a
    x = c.head[small]
    last = x
    while x != -1:
        c.root[x] = big
        last = x
        x = c.next[x]
    if last != -1:
        c.next[last] = c.head[big]
        c.head[big] = c.head[small]
    c.count[big] += c.count[small]
    if c.birth[small] < c.birth[big]:
        c.birth[big] = c.birth[small]
    return big


cdef void image_union(Labels *c, const int32_t *order, Py_ssize_t n, bint dual, bint ring,
                      int32_t row, int32_t width, PairBuffer *buf) noexcept nogil:
    """H0 with the elder rule over the pixels of a padded 2-D grid, in ``order`` (reversed
    when ``dual``), ``order`` holding padded indices.

    A class is found with two loads (the cell's class id, then its root, see
    :class:`Labels`), and the common case, a pixel whose present neighbours share one
    class, runs without branches that depend on the data.
    """
    cdef Py_ssize_t step
    cdef int32_t p, m, cur, other, young_birth, birth_pixel, k
    cdef int32_t off[8]
    cdef int32_t *label = c.label
    cdef int32_t *root = c.root
    cdef unsigned int bad
    cdef int t, n_off = 8 if ring else 4
    cdef double inverse = 1.0 / row
    cdef int64_t off64[8]
    for t in range(offsets_2d(row, ring, off64)):
        off[t] = <int32_t> off64[t]
    for step in range(n):
        p = order[n - 1 - step if dual else step]
        # the class of the neighbours (-1: absent) and whether they disagree, branch-free
        if ring:
            m = sktopo_ring_class(label, root, p, row, &bad)
        else:
            m = sktopo_cross_class(label, root, p, row, &bad)
        if (bad == 0) & (m >= 0):
            # the common case: p joins the one class around it
            label[p] = m
            continue
        if m < 0:
            # a local minimum (maximum when dual): a class is born
            k = c.n_classes
            c.n_classes += 1
            label[p] = k
            root[k] = k
            c.next[k] = -1
            c.head[k] = k
            c.count[k] = 1
            c.birth[k] = <int32_t> step
            continue
        label[p] = m
        cur = m
        for t in range(n_off):
            other = root[label[p + off[t]]]
            if other == -1 or other == cur:
                continue
            # the younger class dies at p
            young_birth = c.birth[other] if c.birth[other] > c.birth[cur] else c.birth[cur]
            birth_pixel = order[n - 1 - young_birth if dual else young_birth]
            if dual:    # a hole is born at p, it is filled at the top of the younger class
                buffer_push(buf, unpad2(p, row, inverse, width),
                            unpad2(birth_pixel, row, inverse, width))
            else:
                buffer_push(buf, unpad2(birth_pixel, row, inverse, width),
                            unpad2(p, row, inverse, width))
            cur = absorb(c, cur, other)


cdef extern from *:
    """
    /* numpy's pairwise summation of a contiguous double array (np.add.reduce) */
    static double sktopo_pairwise_sum(const double *a, Py_ssize_t n) {
        Py_ssize_t i;
        if (n < 8) {
            double res = 0.0;
            for (i = 0; i < n; i++) res += a[i];
            return res;
        }
        if (n <= 128) {
            double r[8], res;
            for (i = 0; i < 8; i++) r[i] = a[i];
            for (i = 8; i < n - (n % 8); i += 8) {
                r[0] += a[i + 0]; r[1] += a[i + 1]; r[2] += a[i + 2]; r[3] += a[i + 3];
                r[4] += a[i + 4]; r[5] += a[i + 5]; r[6] += a[i + 6]; r[7] += a[i + 7];
            }
            res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) res += a[i];
            return res;
        }
        Py_ssize_t n2 = n / 2;
        n2 -= n2 % 8;
        return sktopo_pairwise_sum(a, n2) + sktopo_pairwise_sum(a + n2, n - n2);
    }
    """
    double sktopo_pairwise_sum(const double *a, Py_ssize_t n) noexcept nogil


cdef inline bint norm_term(const double *values, int64_t bi, int64_t di,
                           const NormParams *q, double *term, double *slope) noexcept nogil:
    """Whether the pair is in the region; its term ``|d - b|^p`` and slope (in ``d``),
    for ``p`` 1 or 2 (other powers: numpy's ``**`` may differ from ``pow`` in the last
    bit, so they stay in numpy)."""
    cdef double b, diff, length
    if di < 0:
        return False
    b = values[bi]
    diff = values[di] - b
    length = fabs(diff)
    if not (length > q.min_p and length <= q.max_p and b >= q.low and b <= q.high):
        return False
    if q.p == 1.0:
        term[0] = length
        slope[0] = 1.0 if diff > 0 else -1.0
    else:
        term[0] = diff * diff
        slope[0] = 2.0 * diff
    return True


cdef Py_ssize_t norm_terms(const PairBuffer *buf, const double *values, const NormParams *q,
                           int side, double *total, double *terms, int64_t *idx,
                           double *val) noexcept nogil:
    """The terms of a ``PersistenceNorm`` on the pairs of ``buf`` (C-order flat indices
    into ``values``), as ``sktopo.optim._kernel._norm_terms`` computes them: the points
    of lifetime ``|d - b|`` in ``(min, max]`` and birth in ``[low, high]`` (``q``),
    value ``|d - b|^p`` and slope ``d|d - b|^p / dd`` (its opposite for the birth),
    ``p`` 1 or 2.
    Adds the sum of the values to ``total`` (numpy's pairwise sum, in pair order, as
    ``np.add.reduce``), writes the births' indices and gradients then the deaths'
    (``side``: 0 both, 1 births, 2 deaths) and returns how many. ``terms``: scratch of
    ``buf.size`` doubles; ``idx`` and ``val``: room for ``2 * buf.size``."""
    cdef double term, slope
    cdef Py_ssize_t i, k = 0, n_sel = 0
    for i in range(buf.size):
        if norm_term(values, buf.birth[i], buf.death[i], q, &term, &slope):
            terms[n_sel] = term
            n_sel += 1
            if side != 2 and slope != 0:      # (zero gradients are left out)
                idx[k] = buf.birth[i]
                val[k] = -slope
                k += 1
    if side != 1:
        for i in range(buf.size):
            if norm_term(values, buf.birth[i], buf.death[i], q, &term, &slope) and slope != 0:
                idx[k] = buf.death[i]
                val[k] = slope
                k += 1
    total[0] += sktopo_pairwise_sum(terms, n_sel)
    return k


cdef void workspace_free(ImageWorkspace *ws) noexcept nogil:
    """Free the buffers of ``ws`` (and zero it: it can be used again)."""
    free(ws.order)
    free(ws.tmp_index)
    free(ws.key)
    free(ws.tmp_key)
    free(ws.cells)
    free(ws.terms)
    free(ws.idx)
    free(ws.val)
    free(ws.low_buf.birth)
    free(ws.low_buf.death)
    free(ws.top_buf.birth)
    free(ws.top_buf.death)
    memset(ws, 0, sizeof(ImageWorkspace))


cdef void *grow(void *p, Py_ssize_t n, size_t item, bint *failed) noexcept nogil:
    """``p`` reallocated to ``n`` items (freed and NULL, with ``failed`` set, when out of
    memory)."""
    cdef void *q = realloc(p, (n if n > 0 else 1) * item)
    if q == NULL:
        free(p)
        failed[0] = True
    return q


cdef int buffer_reserve(PairBuffer *buf, Py_ssize_t capacity) noexcept nogil:
    """Empty ``buf``, with room for at least ``capacity`` pairs; -1 when out of memory."""
    cdef bint failed = False
    buf.size = 0
    buf.failed = False
    if buf.capacity < capacity or buf.birth == NULL:
        buf.capacity = capacity if capacity > 16 else 16
        buf.birth = <int64_t *> grow(buf.birth, buf.capacity, sizeof(int64_t), &failed)
        buf.death = <int64_t *> grow(buf.death, buf.capacity, sizeof(int64_t), &failed)
    return -1 if failed else 0


cdef Py_ssize_t image_terms(ImageWorkspace *ws, const double *f, Py_ssize_t h,
                            Py_ssize_t w, bint full, const NormParams *norms,
                            const double *values, int side, double *value) noexcept nogil:
    """The ``PersistenceNorm`` terms of ``norms[0]`` (H0) and ``norms[1]`` (H1) on the
    sublevel filtration of the finite C-contiguous ``(h, w)`` image ``f``, read from the
    pairs (see :func:`image_pairs`): ``value`` gets their total, ``ws.idx`` and
    ``ws.val`` the sparse gradient on ``values`` (H0 births, H0 deaths, then H1), and the
    count is returned (-1 when out of memory). The buffers of ``ws`` are reused (and
    grown) from call to call. ``values`` is ``f`` or its negative (a superlevel
    filtration)."""
    cdef Py_ssize_t n = h * w, size = (h + 2) * (w + 2), k, r, count = 0, pairs
    cdef int32_t row = <int32_t> (w + 2)
    cdef bint failed = False
    cdef Labels c
    value[0] = 0.0
    if ws.pixels < n:
        ws.order = <int32_t *> grow(ws.order, n, sizeof(int32_t), &failed)
        ws.tmp_index = <int32_t *> grow(ws.tmp_index, n, sizeof(int32_t), &failed)
        ws.key = <uint32_t *> grow(ws.key, n, sizeof(uint32_t), &failed)
        ws.tmp_key = <uint32_t *> grow(ws.tmp_key, n, sizeof(uint32_t), &failed)
        ws.pixels = 0 if failed else n
    if ws.padded < labels_cells(size, n) and not failed:
        ws.cells = <int32_t *> grow(ws.cells, labels_cells(size, n), sizeof(int32_t),
                                    &failed)
        ws.padded = 0 if failed else labels_cells(size, n)
    if failed or sort_pixels(f, h, w, ws.order, ws.tmp_index, ws.key, ws.tmp_key) < 0:
        workspace_free(ws)
        return -1
    if buffer_reserve(&ws.low_buf, n // 16) < 0 or buffer_reserve(&ws.top_buf, n // 16) < 0:
        workspace_free(ws)
        return -1
    if norms[0].on:
        # sublevel H0; the border never enters
        labels_init(&c, ws.cells, size, n, False, row, h)
        image_union(&c, ws.order, n, False, full, row, <int32_t> w, &ws.low_buf)
    if norms[1].on:
        # superlevel H0 of the dual connectivity (the border is one class)
        labels_init(&c, ws.cells, size, n, True, row, h)
        image_union(&c, ws.order, n, True, not full, row, <int32_t> w, &ws.top_buf)
    if ws.low_buf.failed or ws.top_buf.failed:
        workspace_free(ws)
        return -1
    pairs = ws.low_buf.size + ws.top_buf.size
    if ws.out_capacity < 2 * pairs + 1:
        ws.out_capacity = 2 * pairs + 1
        ws.idx = <int64_t *> grow(ws.idx, ws.out_capacity, sizeof(int64_t), &failed)
        ws.val = <double *> grow(ws.val, ws.out_capacity, sizeof(double), &failed)
        ws.terms = <double *> grow(ws.terms, ws.out_capacity, sizeof(double), &failed)
        if failed:
            workspace_free(ws)
            return -1
    if norms[0].on:
        count += norm_terms(&ws.low_buf, values, &norms[0], side, value, ws.terms,
                            ws.idx + count, ws.val + count)
    if norms[1].on:
        count += norm_terms(&ws.top_buf, values, &norms[1], side, value, ws.terms,
                            ws.idx + count, ws.val + count)
    return count


cdef int norm_params(object params, NormParams *q) except -1:
    """``q`` from a ``(min, max, p, low, high)`` tuple (None: no term)."""
    q.on = params is not None
    if q.on:
        q.min_p, q.max_p, q.p, q.low, q.high = params
        if q.p != 1.0 and q.p != 2.0:
            raise ValueError("image_pairs: norms need p 1 or 2.")
    return 0


def image_pairs(const double[:, ::1] f, bint full, bint low, bint top, tuple norms=None,
                const double[::1] values=None, int side=0):
    """Critical pixels of the sublevel filtration of a finite 2-D image (H0 and H1).

    As :func:`grid_pairs`, without the padded copy of the image: the pixels are sorted by
    (value, index) with a radix sort, and the union-find runs on a padded array of parents.

    With ``norms`` (one ``(min, max, p, low, high)`` tuple or None for H0, and one for
    H1), the pairs are not returned: the value and the sparse gradient of those
    ``PersistenceNorm`` terms on ``values`` (the flat image whose sublevel filtration is
    ``f``, or its negative) are, as ``(value, indices, gradients)`` (see
    :func:`image_terms`; used by the STUMP loop, which needs nothing else).

    Returns
    -------
    h0, h1 : tuple of (birth_index, death_index) or None
        C-order flat indices into ``f``; ``-1`` for the death of the essential class (the
        first H0 pair).
    """
    cdef Py_ssize_t h = f.shape[0], w = f.shape[1], n = h * w
    cdef Py_ssize_t size = (h + 2) * (w + 2), k, r, count
    cdef int32_t row = <int32_t> (w + 2)
    cdef NormParams q[2]
    cdef ImageWorkspace ws
    cdef double total
    cdef int64_t[::1] i_view
    cdef double[::1] v_view
    if size >= 2 ** 31 - 8:
        raise ValueError("image_pairs supports images of less than 2**31 padded pixels.")
    if n == 0:
        raise ValueError("image_pairs needs at least one pixel.")
    if norms is not None:
        if values is None or values.shape[0] != n:
            raise ValueError("image_pairs: norms need the values, one per pixel.")
        norm_params(norms[0] if low else None, &q[0])
        norm_params(norms[1] if top else None, &q[1])
        memset(&ws, 0, sizeof(ws))
        with nogil:
            count = image_terms(&ws, &f[0, 0], h, w, full, q, &values[0], side, &total)
        if count < 0:
            raise MemoryError()
        try:
            idx = np.empty(count, dtype=np.int64)
            val = np.empty(count)
            if count:
                i_view = idx
                v_view = val
                memcpy(&i_view[0], ws.idx, count * sizeof(int64_t))
                memcpy(&v_view[0], ws.val, count * sizeof(double))
        finally:
            workspace_free(&ws)
        return total, idx, val
    cdef int32_t *order = <int32_t *> malloc(n * sizeof(int32_t))
    cdef int32_t *tmp_index = <int32_t *> malloc(n * sizeof(int32_t))
    cdef uint32_t *key = <uint32_t *> malloc(n * sizeof(uint32_t))
    cdef uint32_t *tmp_key = <uint32_t *> malloc(n * sizeof(uint32_t))
    cdef int32_t *cells = NULL
    cdef Labels c
    cdef int status = 0
    cdef PairBuffer low_buf
    cdef PairBuffer top_buf
    low_buf.birth = NULL
    low_buf.death = NULL
    top_buf.birth = NULL
    top_buf.death = NULL
    low_buf.size = top_buf.size = 0
    low_buf.failed = top_buf.failed = False
    low_pairs = None
    top_pairs = None
    try:
        if order == NULL or tmp_index == NULL or key == NULL or tmp_key == NULL:
            raise MemoryError()
        with nogil:
            status = sort_pixels(&f[0, 0], h, w, order, tmp_index, key, tmp_key)
        free(tmp_index)
        free(key)
        free(tmp_key)
        tmp_index = NULL
        key = NULL
        tmp_key = NULL
        if status < 0:
            raise MemoryError()
        # allocated once the sort buffers are freed: 28 bytes per pixel at the peak
        cells = <int32_t *> malloc(labels_cells(size, n) * sizeof(int32_t))
        if cells == NULL:
            raise MemoryError()
        if low:
            buffer_init(&low_buf, n // 16)
            with nogil:
                # sublevel H0; the border never enters
                labels_init(&c, cells, size, n, False, row, h)
                image_union(&c, order, n, False, full, row, <int32_t> w, &low_buf)
            low_pairs = buffer_to_arrays(&low_buf, 1, unpad2(order[0], row, 1.0 / row,
                                                             <int32_t> w))
        if top:
            buffer_init(&top_buf, n // 16)
            with nogil:
                # superlevel H0 of the dual connectivity (the border is one class)
                labels_init(&c, cells, size, n, True, row, h)
                image_union(&c, order, n, True, not full, row, <int32_t> w, &top_buf)
            top_pairs = buffer_to_arrays(&top_buf, 0, 0)
    finally:
        free(order)
        free(tmp_index)
        free(key)
        free(tmp_key)
        free(cells)
        free(low_buf.birth)
        free(low_buf.death)
        free(top_buf.birth)
        free(top_buf.death)
    return low_pairs, top_pairs


# --------------------------------------------------------------------------- signals

cdef inline Py_ssize_t pair_top(const double *f, int64_t *stack, int64_t *ordinal,
                                Py_ssize_t top, int64_t *birth,
                                int64_t *death) noexcept nogil:
    """Pair the maximum below the top of the stack of ``signal_pairs`` with the younger of
    its two minima (elder rule); the elder minimum replaces the three. Returns the new top."""
    cdef int64_t m_c = stack[top - 1], mx = stack[top - 2], m_a = stack[top - 3]
    cdef int64_t young = m_a, elder = m_c
    if not f[m_c] < f[m_a]:
        young, elder = m_c, m_a
    birth[1 + ordinal[top - 2]] = young
    death[1 + ordinal[top - 2]] = mx
    top -= 3
    stack[top] = elder
    return top + 1


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
                    top = pair_top(&f[0], stack, ordinal, top, &birth[0], &death[0])
                stack[top] = i
                ordinal[top] = k
                k += 1
                top += 1
        while top >= 3:
            top = pair_top(&f[0], stack, ordinal, top, &birth[0], &death[0])
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
    cdef Py_ssize_t n_edges = edges.shape[0], k, p, q, r, t, i, j, length, n_tri = 0
    cdef int64_t u, v, w, e, owner, a, b, c
    rank_arr = np.empty(n_edges, dtype=np.int64)
    indptr_arr = np.zeros(n + 1, dtype=np.int64)
    cdef int64_t[::1] rank = rank_arr
    cdef int64_t[::1] indptr = indptr_arr
    cdef IntVec tri = IntVec(NULL, 0, 0)          # 3 edges per triangle
    cdef IntVec pool = IntVec(NULL, 0, 0)         # the reduced columns
    cdef IntVec work = IntVec(NULL, 0, 0)
    cdef IntVec other = IntVec(NULL, 0, 0)
    cdef IntVec births = IntVec(NULL, 0, 0)
    cdef IntVec deaths = IntVec(NULL, 0, 0)
    cdef int64_t *tri_rank = NULL
    cdef int64_t *pos = NULL
    cdef int64_t *last_edge = NULL      # by forward position: the last edge of the triangle
    cdef int64_t *bucket = NULL
    cdef int64_t *cob_ptr = NULL
    cdef int64_t *cob = NULL
    cdef int64_t *fill = NULL
    cdef int64_t *pivot_owner = NULL
    cdef int64_t *col_start = NULL
    cdef int64_t *col_len = NULL
    cdef int64_t *swap
    cdef int64_t x, key
    cdef int failed = 0
    cdef IntVec tmp
    cdef int64_t[::1] out_birth
    cdef int64_t[::1] out_death
    try:
        with nogil:
            for k in range(n_edges):
                rank[order[k]] = k
                indptr[edges[k, 0] + 1] += 1
            for k in range(n):
                indptr[k + 1] += indptr[k]
            # the 3-cliques u < v < w: rows u and v of the upper adjacency, merged
            for p in range(n_edges):
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
                        if vec_reserve(&tri, 3) < 0:
                            failed = 1
                            break
                        tri.data[tri.size] = p
                        tri.data[tri.size + 1] = q
                        tri.data[tri.size + 2] = r
                        tri.size += 3
                        q += 1
                        r += 1
                if failed:
                    break
            n_tri = tri.size // 3
            tri_rank = <int64_t *> malloc((n_tri + 1) * sizeof(int64_t))
            pos = <int64_t *> malloc((n_tri + 1) * sizeof(int64_t))
            last_edge = <int64_t *> malloc((n_tri + 1) * sizeof(int64_t))
            bucket = <int64_t *> calloc(n_edges + 1, sizeof(int64_t))
            cob_ptr = <int64_t *> calloc(n_edges + 1, sizeof(int64_t))
            cob = <int64_t *> malloc((3 * n_tri + 1) * sizeof(int64_t))
            fill = <int64_t *> malloc((n_edges + 1) * sizeof(int64_t))
            pivot_owner = <int64_t *> malloc((n_tri + 1) * sizeof(int64_t))
            col_start = <int64_t *> malloc((n_edges + 1) * sizeof(int64_t))
            col_len = <int64_t *> malloc((n_edges + 1) * sizeof(int64_t))
            if (failed or tri_rank == NULL or pos == NULL or last_edge == NULL
                    or bucket == NULL or cob_ptr == NULL or cob == NULL or fill == NULL
                    or pivot_owner == NULL or col_start == NULL or col_len == NULL):
                failed = 1
            else:
                # the forward order of the triangles: by their last edge (counting sort)
                for t in range(n_tri):
                    a = tri.data[3 * t]
                    b = tri.data[3 * t + 1]
                    c = tri.data[3 * t + 2]
                    x = a
                    if rank[b] > rank[x]:
                        x = b
                    if rank[c] > rank[x]:
                        x = c
                    tri_rank[t] = rank[x]
                    bucket[rank[x] + 1] += 1
                for k in range(n_edges):
                    bucket[k + 1] += bucket[k]
                for t in range(n_tri):
                    pos[t] = bucket[tri_rank[t]]
                    bucket[tri_rank[t]] += 1
                    last_edge[pos[t]] = order[tri_rank[t]]
                    pivot_owner[t] = -1
                # coboundaries: the triangles of every edge, by forward position
                for i in range(3 * n_tri):
                    cob_ptr[tri.data[i] + 1] += 1
                for k in range(n_edges):
                    cob_ptr[k + 1] += cob_ptr[k]
                    fill[k] = cob_ptr[k]
                for i in range(3 * n_tri):
                    e = tri.data[i]
                    cob[fill[e]] = pos[i // 3]
                    fill[e] += 1
                for k in range(n_edges):
                    for i in range(cob_ptr[k] + 1, cob_ptr[k + 1]):
                        key = cob[i]
                        j = i - 1
                        while j >= cob_ptr[k] and cob[j] > key:
                            cob[j + 1] = cob[j]
                            j -= 1
                        cob[j + 1] = key
                # the reduction, edges in decreasing order
                for k in range(n_edges - 1, -1, -1):
                    e = order[k]
                    if cleared[e]:
                        continue
                    length = cob_ptr[e + 1] - cob_ptr[e]
                    if vec_reserve(&work, length) < 0:
                        failed = 1
                        break
                    work.size = length
                    for i in range(length):
                        work.data[i] = cob[cob_ptr[e] + i]
                    while work.size > 0 and pivot_owner[work.data[0]] >= 0:
                        owner = pivot_owner[work.data[0]]
                        # other = work xor the column of owner (both sorted)
                        if vec_reserve(&other, work.size + col_len[owner]) < 0:
                            failed = 1
                            break
                        i = 0
                        j = 0
                        other.size = 0
                        while i < work.size or j < col_len[owner]:
                            if j == col_len[owner] or (i < work.size and work.data[i]
                                                        < pool.data[col_start[owner] + j]):
                                other.data[other.size] = work.data[i]
                                other.size += 1
                                i += 1
                            elif i == work.size or (work.data[i]
                                                    > pool.data[col_start[owner] + j]):
                                other.data[other.size] = pool.data[col_start[owner] + j]
                                other.size += 1
                                j += 1
                            else:
                                i += 1
                                j += 1
                        tmp = work
                        work = other
                        other = tmp
                    if failed:
                        break
                    if vec_reserve(&births, 1) < 0 or vec_reserve(&deaths, 1) < 0:
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
                        deaths.data[deaths.size] = last_edge[work.data[0]]
                    deaths.size += 1
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
        free(pool.data)
        free(work.data)
        free(other.data)
        free(births.data)
        free(deaths.data)
        free(tri_rank)
        free(pos)
        free(last_edge)
        free(bucket)
        free(cob_ptr)
        free(cob)
        free(fill)
        free(pivot_owner)
        free(col_start)
        free(col_len)
