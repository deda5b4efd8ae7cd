# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Sorting for the pairing kernels, for the total order (value, index).

``sort_pixels`` sorts the pixels of an image (the voxels of a volume) with an LSD radix
sort of integer keys derived from the values, then sorts the runs of equal keys by the
full value; ``sort_run`` sorts a run of equal values by index.
"""

from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, qsort
from libc.float cimport DBL_MAX
from libc.string cimport memcpy, memset


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


cdef int compare_int64(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<const int64_t *> a)[0]
    cdef int64_t y = (<const int64_t *> b)[0]
    return (x > y) - (x < y)


cdef void sort_run(int64_t *run, Py_ssize_t length) noexcept nogil:
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


cdef struct KeyIndex:
    # a run's record: the full key of a value, the flat index that breaks its ties, and
    # (sort_by_pixel) the item it belongs to; 16 bytes with or without the item
    uint64_t key
    int32_t index
    int32_t item


cdef int compare_key_index(const void *a, const void *b) noexcept nogil:
    cdef const KeyIndex *x = <const KeyIndex *> a
    cdef const KeyIndex *y = <const KeyIndex *> b
    if x.key != y.key:
        return -1 if x.key < y.key else 1
    return (x.index > y.index) - (x.index < y.index)


cdef void sort_records(KeyIndex *run, Py_ssize_t length) noexcept nogil:
    """Sort a run's records by (key, index): insertion for the few of most runs."""
    cdef Py_ssize_t j, t
    cdef KeyIndex item
    if length > 16:
        qsort(run, length, sizeof(KeyIndex), compare_key_index)
        return
    for j in range(1, length):
        item = run[j]
        t = j - 1
        while t >= 0 and compare_key_index(&run[t], &item) > 0:
            run[t + 1] = run[t]
            t -= 1
        run[t + 1] = item


cdef enum:
    _FEW = 64                     # sort_by_pixel: fewer items are sorted as records
    _DIGIT = 11                   # bits per radix pass
    _BUCKETS = 1 << _DIGIT


cdef struct KeyMap:
    # how the values map onto the integer keys: linearly, ``(v - low) * scale`` rounded
    # down, or (``linear`` False) the order-preserving 64-bit key minus ``lo``, shifted
    bint linear
    double low
    double scale
    double top
    uint64_t lo
    int shift
    int bits


cdef void key_map(const double *f, Py_ssize_t rows, Py_ssize_t w, Py_ssize_t stride,
                  KeyMap *m) noexcept nogil:
    """The map of the values of ``rows`` rows of ``w`` values (``stride`` apart) onto keys
    of 22 bits (two passes) for small images, 32 bits (three passes) from 65536 pixels on:
    linear over the range of the values, which is monotone and spreads them so that they
    seldom share a key; when the range is 0 or overflows, the top bits of the
    order-preserving 64-bit keys minus their minimum."""
    cdef Py_ssize_t i, r, n = rows * w
    cdef const double *g
    cdef double fmin = f[0], fmax = f[0], v, v2, fmin2, fmax2
    cdef uint64_t lo = <uint64_t> -1, hi = 0, k64
    cdef int width = 2 * _DIGIT if n < 65536 else 32
    # two accumulators each: min and max are latency chains
    fmin2, fmax2 = fmin, fmax
    for r in range(rows):
        g = f + r * stride
        i = 0
        while i + 1 < w:
            v = g[i]
            v2 = g[i + 1]
            fmin = v if v < fmin else fmin
            fmax = v if v > fmax else fmax
            fmin2 = v2 if v2 < fmin2 else fmin2
            fmax2 = v2 if v2 > fmax2 else fmax2
            i += 2
        if i < w:
            v = g[i]
            fmin = v if v < fmin else fmin
            fmax = v if v > fmax else fmax
    fmin = fmin2 if fmin2 < fmin else fmin
    fmax = fmax2 if fmax2 > fmax else fmax
    m.top = <double> ((<uint64_t> 1 << width) - 1)
    m.low = fmin
    m.linear = fmax - fmin > 0 and fmax - fmin <= DBL_MAX
    if m.linear:
        m.scale = m.top / (fmax - fmin)
        m.linear = m.scale <= DBL_MAX
    m.shift = 0
    m.bits = width
    m.lo = 0
    if m.linear:
        return
    for r in range(rows):
        for i in range(w):
            k64 = sktopo_key64(f[r * stride + i])
            lo = k64 if k64 < lo else lo
            hi = k64 if k64 > hi else hi
    m.lo = lo
    m.bits = sktopo_bitlen(hi - lo)
    m.shift = m.bits - width if m.bits > width else 0
    m.bits -= m.shift


cdef inline uint32_t linear_key(double value, const KeyMap *m) noexcept nogil:
    """The key of ``value`` on the linear map ``m``: clamped in floating point, then one
    conversion (no branch)."""
    cdef double v = (value - m.low) * m.scale
    v = v if v < m.top else m.top
    return <uint32_t> <int64_t> v


cdef void make_keys(const double *f, Py_ssize_t d, Py_ssize_t h, Py_ssize_t w,
                    Py_ssize_t stride, const KeyMap *m, int32_t *index,
                    uint32_t *key) noexcept nogil:
    """The key of every pixel (rows ``stride`` apart in ``f``) and its index in the padded
    image (rows of ``w + 2``; with ``d`` planes, a volume, planes of ``h + 2`` rows and a
    padding plane first)."""
    cdef Py_ssize_t x, r, c, k = 0
    cdef const double *g
    cdef int32_t row = <int32_t> (w + 2), start
    for x in range(d if d > 0 else 1):
        for r in range(h):
            start = <int32_t> (((x + (d > 0)) * (h + 2) + r + 1) * row + 1)
            g = f + (x * h + r) * stride
            for c in range(w):
                index[k + c] = start + <int32_t> c
            if m.linear:
                for c in range(w):
                    key[k + c] = linear_key(g[c], m)
            else:
                for c in range(w):
                    key[k + c] = <uint32_t> ((sktopo_key64(g[c]) - m.lo) >> m.shift)
            k += w


cdef void radix_sort(Py_ssize_t n, int passes, int32_t *order, int32_t *tmp_index,
                     uint32_t *key, uint32_t *tmp_key) noexcept nogil:
    """Stable LSD radix sort of ``key[:n]`` carrying ``tmp_index``: ``order`` and ``key``
    get the sorted indices and keys (``tmp_index`` and ``tmp_key`` are scratch)."""
    cdef uint32_t counts[3][_BUCKETS]
    cdef uint32_t total, cnt, digit, kk
    cdef uint32_t *ksrc = key
    cdef uint32_t *kdst = tmp_key
    cdef uint32_t *kswap
    cdef int32_t *isrc = tmp_index
    cdef int32_t *idst = order
    cdef int32_t *iswap
    cdef Py_ssize_t i, j
    cdef int ps, d
    cdef bint constant
    memset(counts, 0, sizeof(counts))
    # the histograms of the digits (the third only when there are three passes: its
    # counter would be the same for every key, a chain of dependent increments)
    for i in range(n):
        kk = key[i]
        counts[0][kk & (_BUCKETS - 1)] += 1
        counts[1][(kk >> _DIGIT) & (_BUCKETS - 1)] += 1
    if passes > 2:
        for i in range(n):
            counts[2][key[i] >> (2 * _DIGIT)] += 1
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


cdef int sort_key_run(const double *f, int32_t *order, Py_ssize_t length, Py_ssize_t d,
                      Py_ssize_t h, Py_ssize_t w, Py_ssize_t stride,
                      KeyIndex *small) noexcept nogil:
    """Sort a run of pixels that share a key by (value, index); -1 when out of memory."""
    cdef double inverse = 1.0 / (w + 2), inverse_plane = 1.0 / (h + 2)
    cdef Py_ssize_t c, y, x
    cdef KeyIndex *run = small
    cdef Py_ssize_t j
    cdef bint in_order = True
    if length > 16:
        run = <KeyIndex *> malloc(length * sizeof(KeyIndex))
        if run == NULL:
            return -1
    for j in range(length):
        # the C-order index of the padded index: column, row, plane
        x = split_index(split_index(order[j], w + 2, inverse, &c), h + 2, inverse_plane,
                        &y) - (d > 0)
        run[j].key = sktopo_key64(f[(x * h + y - 1) * stride + c - 1])
        run[j].index = order[j]
        if j and run[j].key < run[j - 1].key:
            in_order = False
    if not in_order:    # (a run of equal values is in index order already)
        sort_records(run, length)
        for j in range(length):
            order[j] = run[j].index
    if run != small:
        free(run)
    return 0


cdef inline Py_ssize_t next_tie(const uint32_t *key, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    """The first ``j >= i`` (``i >= 1``) with ``key[j] == key[j - 1]``, or ``n``: equal keys
    are rare, so the keys are compared eight at a time without a branch each."""
    cdef unsigned int equal
    cdef int t
    while i + 8 <= n:
        equal = 0
        for t in range(8):
            equal |= key[i + t] == key[i + t - 1]
        if equal:
            break
        i += 8
    while i < n and key[i] != key[i - 1]:
        i += 1
    return i


cdef int sort_pixels(const double *f, Py_ssize_t d, Py_ssize_t h, Py_ssize_t w,
                     Py_ssize_t stride, int32_t *order, int32_t *tmp_index, uint32_t *key,
                     uint32_t *tmp_key) noexcept nogil:
    """``order[:n]`` = padded indices of the pixels of the image ``f`` (rows ``stride``
    apart: a block of a larger image) sorted by (value, index); -1 when out of memory.
    ``d == 0``: an ``(h, w)`` image padded to ``(h + 2, w + 2)``; ``d > 0``: a ``(d, h,
    w)`` volume (``stride == w``) padded to ``(d + 2, h + 2, w + 2)``.

    A stable radix sort of integer keys (see :func:`key_map`) keeps equal keys in index
    order; the runs of equal keys are then sorted by the full value.
    """
    cdef Py_ssize_t n = (d if d > 0 else 1) * h * w, i, start
    cdef KeyMap m
    cdef KeyIndex small[16]
    key_map(f, n // w, w, stride, &m)
    make_keys(f, d, h, w, stride, &m, tmp_index, key)
    radix_sort(n, (m.bits + _DIGIT - 1) // _DIGIT, order, tmp_index, key, tmp_key)
    if m.shift == 0 and not m.linear:
        return 0          # the keys are the values' order exactly
    i = next_tie(key, 1, n)
    while i < n:
        # a run of equal keys from i - 1
        start = i - 1
        while i < n and key[i] == key[start]:
            i += 1
        if sort_key_run(f, order + start, i - start, d, h, w, stride, small) < 0:
            return -1
        i = next_tie(key, i + 1, n) if i < n else n
    return 0


cdef int sort_by_pixel(const double *f, const int32_t *pixel, Py_ssize_t step, Py_ssize_t n,
                       int32_t *order, int32_t *tmp_index, uint32_t *key,
                       uint32_t *tmp_key, const double *given=NULL) noexcept nogil:
    """``order[:n]``: the items ``0..n-1`` sorted by (value, index) of their pixels, the
    pixel of item ``i`` being ``pixel[i * step]``, a flat index into ``f``; items of one
    pixel in any order. -1 when out of memory. ``given``: the values of the items
    (``f`` at their pixels), where the caller has them (no gather at random places).

    The keys of :func:`key_map` over the items' values, a radix sort, then the runs of
    equal keys by the full value."""
    cdef Py_ssize_t i, j, start, length
    cdef KeyMap m
    cdef KeyIndex small[_FEW]
    cdef KeyIndex *run
    cdef double *values
    if n == 0:
        return 0
    if n <= _FEW:
        # a few items: their records sorted at once (the radix sort's histograms would
        # cost more)
        for i in range(n):
            small[i].item = <int32_t> i
            small[i].key = sktopo_key64(f[pixel[i * step]] if given == NULL else given[i])
            small[i].index = pixel[i * step]
        sort_records(small, n)
        for i in range(n):
            order[i] = small[i].item
        return 0
    values = <double *> malloc(n * sizeof(double))
    if values == NULL:
        return -1
    for i in range(n):
        values[i] = f[pixel[i * step]] if given == NULL else given[i]
        tmp_index[i] = <int32_t> i
    key_map(values, 1, n, n, &m)
    for i in range(n):
        if m.linear:
            key[i] = linear_key(values[i], &m)
        else:
            key[i] = <uint32_t> ((sktopo_key64(values[i]) - m.lo) >> m.shift)
    radix_sort(n, (m.bits + _DIGIT - 1) // _DIGIT, order, tmp_index, key, tmp_key)
    i = next_tie(key, 1, n)
    while i < n:
        # a run of equal keys from i - 1
        start = i - 1
        while i < n and key[i] == key[start]:
            i += 1
        length = i - start
        run = small
        if length > 16:
            run = <KeyIndex *> malloc(length * sizeof(KeyIndex))
            if run == NULL:
                free(values)
                return -1
        for j in range(length):
            run[j].item = order[start + j]
            run[j].key = sktopo_key64(values[run[j].item])
            run[j].index = pixel[run[j].item * step]
        sort_records(run, length)
        for j in range(length):
            order[start + j] = run[j].item
        if run != small:
            free(run)
        i = next_tie(key, i + 1, n) if i < n else n
    free(values)
    return 0
