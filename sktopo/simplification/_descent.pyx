# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled kernel of the optimal method's L2 step: block coordinate descent.

Each *block* (a set of pixels that move together by the same amount; a single pixel is a
block of one) is set in turn to the value ``c`` that minimises ``sum (c - f_i)^2`` over
its pixels, clamped to what keeps the order (value, index) of every pair of pixels that
share a cell (the full neighbourhood: 2 in 1-D, 8 in 2-D, 26 in 3-D) and the band
``|c - f_i| <= bound``. A neighbour ``q`` of a pixel ``p`` of the block that lies below
``p`` in that order bounds ``c`` from below: ``c >= h[q]`` if ``q < p`` (the tie goes the
right way), else ``c > h[q]`` (one step up: ``+1`` on integers, the next float32/float64
otherwise); a neighbour above bounds it from above the same way. Since every move keeps
those orders, the order of the current values is the order of the start everywhere, and
the objective decreases at every move: sweeps until nothing moves (a fixed point of the
block coordinate descent, not always the optimum of the whole problem).

Arrays are flat C-order views of a 1-D, 2-D or 3-D grid given as a 3-D shape.
"""

from libc.math cimport ceil, floor, fabs, nextafter, nextafterf, INFINITY
from libc.stdint cimport int64_t

from ._grid cimport Grid, coords, grid_init, step

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


cdef inline double representable(double c, double lo, double hi, int kind) noexcept nogil:
    """``c`` (in ``[lo, hi]``, both representable) as a value of the output's kind."""
    cdef double r
    if kind == INTEGER:
        r = floor(c + 0.5)
    elif kind == FLOAT32:
        r = <double> (<float> c)
    else:
        return c
    if r < lo:
        r = up(r, kind)
    if r > hi:
        r = down(r, kind)
    return r


def descend(double[::1] h, const double[::1] f, const int64_t[::1] block,
            const int64_t[::1] starts, const int64_t[::1] members,
            const double[::1] target, tuple shape, int ndim, double bound,
            double range_lo, double range_hi, int kind, int max_sweeps):
    """Block coordinate descent on ``h`` (in place) towards ``f``.

    ``block[p]`` is the block of pixel ``p`` (-1: fixed), ``members[starts[b]:starts[b +
    1]]`` its pixels, ``target[b]`` the mean of ``f`` over them. Every value stays within
    ``bound`` of ``f`` and in ``[range_lo, range_hi]``; ``kind`` is 0 (float64), 1
    (float32) or 2 (integer) for the steps between values. Returns the sweeps done.
    """
    cdef Grid g
    cdef Py_ssize_t n_blocks = starts.shape[0] - 1, b, s, j
    cdef int64_t p, q, c3[3]
    cdef int k, sweep = 0
    cdef double lo, hi, c, cur, fmin, fmax
    cdef bint moved = True
    grid_init(&g, shape, ndim, True)
    with nogil:
        while moved and sweep < max_sweeps:
            moved = False
            sweep += 1
            for b in range(n_blocks):
                cur = h[members[starts[b]]]
                lo = range_lo
                hi = range_hi
                fmin = INFINITY
                fmax = -INFINITY
                for s in range(starts[b], starts[b + 1]):
                    p = members[s]
                    if f[p] < fmin:
                        fmin = f[p]
                    if f[p] > fmax:
                        fmax = f[p]
                    coords(&g, p, c3)
                    for k in range(g.n_off):
                        q = step(&g, p, c3, k)
                        if q < 0 or block[q] == b:
                            continue
                        if h[q] < cur or (h[q] == cur and q < p):      # q below p
                            c = h[q] if q < p else up(h[q], kind)
                            if c > lo:
                                lo = c
                        else:
                            c = h[q] if q > p else down(h[q], kind)
                            if c < hi:
                                hi = c
                if fmax - bound > lo:
                    lo = fmax - bound
                    if kind == INTEGER:
                        lo = ceil(lo)
                if fmin + bound < hi:
                    hi = fmin + bound
                    if kind == INTEGER:
                        hi = floor(hi)
                if lo > hi:
                    continue
                c = target[b]
                if c < lo:
                    c = lo
                if c > hi:
                    c = hi
                c = representable(c, lo, hi, kind)
                if c == cur or c < lo or c > hi:
                    continue
                # the band once more, on the value itself (rounding of fmax - bound)
                if c - fmin > bound or fmax - c > bound:
                    continue
                # a move counts when it lowers the objective by more than rounding noise
                if fabs(c - cur) > 1e-12 * (fabs(cur) + 1.0):
                    moved = True
                for j in range(starts[b], starts[b + 1]):
                    h[members[j]] = c
    return sweep
