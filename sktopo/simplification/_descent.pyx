# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled kernel of the optimal method's L2 step: block coordinate descent.

Each *block* (a set of pixels that move together by the same shift; a single pixel is a
block of one) is shifted in turn by the amount that minimises ``sum (h_i - f_i)^2`` over
its pixels (the mean of ``f - h``), clamped to what keeps the order (value, index) of
every pair of pixels that share a cell (the full neighbourhood: 2 in 1-D, 8 in 2-D, 26 in
3-D) and the band ``|h_i - f_i| <= bound``. A neighbour ``q`` outside the block of a
pixel ``p`` that lies below ``p`` in that order bounds ``p``'s new value from below:
``>= h[q]`` if ``q < p`` (the tie goes the right way), else ``> h[q]`` (one step up:
``+1`` on integers, the next float32/float64 otherwise); a neighbour above bounds it
from above the same way. Every move keeps those orders, so the order of the current
values is the order of the start everywhere, and the objective decreases at every move:
sweeps until nothing moves (a fixed point of the block coordinate descent for the given
blocks, not always the optimum of the whole problem).

Arrays are flat C-order views of a 1-D, 2-D or 3-D grid given as a 3-D shape.
"""

from libc.math cimport ceil, fabs, floor, fmax as max, fmin as min, nextafter, nextafterf, INFINITY
from libc.stdint cimport int64_t

import numpy as np

from ..persistence._union_find cimport find64
from ._grid cimport Grid, coords, grid_init, step, trim_offsets

# kinds of values: the steps between two distinct values
cdef enum:
    FLOAT64 = 0
    FLOAT32 = 1
    INTEGER = 2


cdef inline double up(double x, int kind) noexcept nogil:
    if kind == INTEGER:
        return x + 1.0
    if kind == FLOAT32:
        return nextafterf(<float> x, INFINITY)
    return nextafter(x, INFINITY)


cdef inline double down(double x, int kind) noexcept nogil:
    if kind == INTEGER:
        return x - 1.0
    if kind == FLOAT32:
        return nextafterf(<float> x, -INFINITY)
    return nextafter(x, -INFINITY)


cdef inline double shifted(double x, double delta, int kind) noexcept nogil:
    """``x + delta`` as a value of the output's kind."""
    if kind == FLOAT32:
        return <double> (<float> (x + delta))
    return x + delta


cdef inline int64_t _other(Grid *g, int64_t p, const int64_t *c3, int k,
                           const int64_t *link) noexcept nogil:
    """The k-th pixel that ``p``'s order is kept with: its neighbours in the grid, then
    (critical pixels only) the critical pixels just before and after it in the order
    (value, index) of the start; -1 for none."""
    if k < g.n_off:
        return step(g, p, c3, k)
    return link[2 * p + k - g.n_off]


cdef bint _fits(const double *h, const double *f, const int64_t *block,
               const int64_t *members, Py_ssize_t start, Py_ssize_t stop, int64_t b,
               double delta, double bound, double range_lo, double range_hi, int kind,
               Grid *g, const int64_t *link, bint strict) noexcept nogil:
    """Whether shifting block ``b`` by ``delta`` keeps the band, the range and the order
    of each of its pixels with every neighbour (inside the block or not)."""
    cdef Py_ssize_t s
    cdef int64_t p, q, c3[3]
    cdef int k
    cdef double v, w
    for s in range(start, stop):
        p = members[s]
        v = shifted(h[p], delta, kind)
        if v - f[p] > bound or f[p] - v > bound or v < range_lo or v > range_hi:
            return False
        coords(g, p, c3)
        for k in range(g.n_off + 2):
            q = _other(g, p, c3, k, link)
            if q < 0:
                continue
            w = shifted(h[q], delta, kind) if block[q] == b else h[q]
            if (h[q] < h[p] or (h[q] == h[p] and q < p)) != (w < v or (w == v and q < p)):
                return False
            if strict and w == v and h[q] != h[p]:      # no new tie
                return False
    return True


def descend(double[::1] h, const double[::1] f, const int64_t[::1] block,
            const int64_t[::1] starts, const int64_t[::1] members,
            const int64_t[:, ::1] link, tuple shape, int ndim, double bound,
            double range_lo, double range_hi, int kind, int max_sweeps, bint strict=False):
    """Block coordinate descent on ``h`` (in place) towards ``f``.

    ``block[p]`` is the block of pixel ``p`` (-1: not moved here), ``members[starts[b]:
    starts[b + 1]]`` its pixels; ``link[p]`` the pixels just before and after ``p`` in an
    order of the start that must be kept too (-1: none), treated as neighbours. A block
    moves rigidly, by the shift ``delta`` that minimises ``sum (h_i + delta - f_i)^2``
    (the mean of ``f - h`` over it), clamped so that every value stays within ``bound``
    of ``f``, in ``[range_lo, range_hi]`` and in its order with the neighbours outside the
    block; a shift whose rounding would break an order (inside the block too) is pulled
    back a little, or not made. A block is visited again only after a neighbour moved.
    ``kind`` is 0 (float64), 1 (float32) or 2 (integer) for the steps between values;
    with ``strict`` no move makes two neighbours equal that were not (``perturb``: the
    ramps stay ramps). Returns the sweeps done.
    """
    cdef Grid g
    cdef Py_ssize_t n_blocks = starts.shape[0] - 1, b, s, n
    cdef int64_t p, q, c3[3]
    cdef int k, sweep = 0, attempt
    cdef double lo, hi, c, cur, delta, scale, low, high, v
    cdef bint moved = True, ok
    # a block is visited again only after a neighbour moved (else its optimum stands)
    cdef unsigned char[::1] stale = np.ones(n_blocks, dtype=np.uint8)
    cdef const int64_t *lk = &link[0, 0]
    grid_init(&g, shape, ndim, True)
    trim_offsets(&g)
    with nogil:
        while moved and sweep < max_sweeps:
            moved = False
            sweep += 1
            for b in range(n_blocks):
                if not stale[b]:
                    continue
                stale[b] = 0
                lo = -INFINITY      # bounds of the shift
                hi = INFINITY
                low = -INFINITY     # bounds of the value set by the neighbours
                high = INFINITY
                delta = 0.0
                n = starts[b + 1] - starts[b]
                for s in range(starts[b], starts[b + 1]):
                    p = members[s]
                    cur = h[p]
                    delta += f[p] - cur
                    lo = max(lo, max(f[p] - bound, range_lo) - cur)
                    hi = min(hi, min(f[p] + bound, range_hi) - cur)
                    coords(&g, p, c3)
                    for k in range(g.n_off + 2):
                        q = _other(&g, p, c3, k, lk)
                        if q < 0 or block[q] == b:
                            continue
                        if h[q] < cur or (h[q] == cur and q < p):      # q below p
                            c = h[q] if q < p and not strict else up(h[q], kind)
                            lo = max(lo, c - cur)
                            low = max(low, c)
                        else:
                            c = h[q] if q > p and not strict else down(h[q], kind)
                            hi = min(hi, c - cur)
                            high = min(high, c)
                delta /= n
                if kind == INTEGER:
                    lo = ceil(lo)
                    hi = floor(hi)
                    delta = floor(delta + 0.5)
                delta = min(max(delta, lo), hi)
                # moves below a millionth of the band are not worth a sweep more
                if lo > hi or fabs(delta) <= 1e-6 * bound or delta == 0.0:
                    continue
                # the new values, checked (the rounding of h + delta can cross a bound
                # by an ulp): a shift pulled back a little is tried where that fails
                scale = 1e-6 if kind == FLOAT32 else 1e-12
                for attempt in range(3):
                    if n == 1:      # one pixel: its own bounds, no order inside
                        p = members[starts[b]]
                        v = shifted(h[p], delta, kind)
                        ok = (low <= v <= high and v - f[p] <= bound and f[p] - v <= bound
                              and range_lo <= v <= range_hi)
                    else:
                        ok = _fits(&h[0], &f[0], &block[0], &members[0], starts[b],
                                   starts[b + 1], b, delta, bound, range_lo, range_hi,
                                   kind, &g, lk, strict)
                    if ok:
                        moved = True
                        for s in range(starts[b], starts[b + 1]):
                            p = members[s]
                            h[p] = shifted(h[p], delta, kind)
                            coords(&g, p, c3)
                            for k in range(g.n_off + 2):
                                q = _other(&g, p, c3, k, lk)
                                if q >= 0 and block[q] >= 0:
                                    stale[block[q]] = 1
                        stale[b] = 0
                        break
                    if kind == INTEGER:
                        break
                    delta *= 1.0 - scale
                    scale *= 1000.0
    return sweep


cdef inline bint _tight(double a, double b, int kind) noexcept nogil:
    """Whether two values are equal or one step apart (an order at its tightest)."""
    if a > b:
        return up(b, kind) >= a
    return a == b or up(a, kind) >= b


def blocks(const double[::1] h, const double[::1] f, const unsigned char[::1] fixed,
           const int64_t[::1] zero_b, const int64_t[::1] zero_d, tuple shape, int ndim,
           int kind, bint split):
    """The blocks of the descent: the components of the neighbours (full neighbourhood)
    whose order is at its tightest (equal, or one step apart), joined also along the
    pairs ``(zero_b, zero_d)`` (of zero persistence: their pixels must stay equal),
    that hold no ``fixed`` pixel and a pixel away from ``f``. With ``split``, a tight
    pair counts only if its lower pixel (in the order (value, index)) is pulled up by
    ``f`` more than its upper one (they would collide if moved alone, as in
    pool-adjacent-violators).

    Returns ``(block, starts, members)`` as :func:`descend` takes them.
    """
    cdef Grid g
    cdef Py_ssize_t n = h.shape[0], i, m
    cdef int64_t p, q, r, lo_, hi_, c3[3], n_blocks = 0
    cdef int k
    cdef int64_t[::1] parent = np.arange(n, dtype=np.int64)
    cdef unsigned char[::1] bad = np.zeros(n, dtype=np.uint8)
    cdef unsigned char[::1] away = np.zeros(n, dtype=np.uint8)
    cdef int64_t[::1] block = np.full(n, -1, dtype=np.int64)
    cdef int64_t[::1] label = np.full(n, -1, dtype=np.int64)
    cdef int64_t *par = &parent[0]
    grid_init(&g, shape, ndim, True)
    trim_offsets(&g)
    with nogil:
        for p in range(n):
            coords(&g, p, c3)
            for k in range(g.n_off):
                if g.flat[k] < 0:          # each pair once, from its first pixel
                    continue
                q = step(&g, p, c3, k)
                if q < 0 or not _tight(h[p], h[q], kind):
                    continue
                if split:
                    # p < q: p is the lower one unless its value is larger
                    if h[p] <= h[q]:
                        lo_ = p
                        hi_ = q
                    else:
                        lo_ = q
                        hi_ = p
                    if f[lo_] - h[lo_] <= f[hi_] - h[hi_]:
                        continue
                lo_ = find64(par, p)
                hi_ = find64(par, q)
                if lo_ != hi_:
                    parent[hi_] = lo_
        for i in range(zero_b.shape[0]):
            lo_ = find64(par, zero_b[i])
            hi_ = find64(par, zero_d[i])
            if lo_ != hi_:
                parent[hi_] = lo_
        for p in range(n):
            r = find64(par, p)
            if fixed[p]:
                bad[r] = 1
            if h[p] != f[p]:
                away[r] = 1
        for p in range(n):
            r = find64(par, p)
            if bad[r] or not away[r]:
                continue
            if label[r] < 0:
                label[r] = n_blocks
                n_blocks += 1
            block[p] = label[r]
    counts = np.bincount(np.asarray(block)[np.asarray(block) >= 0], minlength=n_blocks)
    starts_arr = np.zeros(n_blocks + 1, dtype=np.int64)
    np.cumsum(counts, out=starts_arr[1:])
    cdef int64_t[::1] fill = starts_arr[:-1].copy()
    cdef int64_t[::1] members = np.empty(starts_arr[-1], dtype=np.int64)
    with nogil:
        for p in range(n):
            if block[p] >= 0:
                members[fill[block[p]]] = p
                fill[block[p]] += 1
    return np.asarray(block), starts_arr, np.asarray(members)
