# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""A local proof that a flooding pass left the other dimension's diagram as it was.

A pass of one dimension fills basins (``flood_pairs`` in ``_flood.pyx``): in its view
``phi`` (``g`` for H0, ``-g`` for the top dimension) the basin ``B`` of a removed pair
``(b, d)`` is raised to ``phi(d)``. The other dimension is H0 of ``psi = -phi`` with the
other connectivity (and, for the top dimension, the border of the grid as its oldest
class, next to every pixel on the edge). Call ``N`` the pixels next to ``B`` (full
connectivity) outside it, and ``delta = -phi(d)``. A pass fills its basins one after the
other (by decreasing death, nested ones with their outer one); each fill is checked on
the image it meets: the basins filled before it at their new values, those after it at
their old ones. The points of the other diagram and their birth pixels are unchanged by
a fill when:

1. the pixels of ``N`` with ``phi >= phi(d)`` (there once ``psi`` reaches ``delta``),
   with the border where ``B`` touches the edge of the grid, are connected in the other
   connectivity through their own pixels;
2. each other pixel of ``N`` (*late*: below ``phi(d)`` but outside ``B``, so next to it
   in the other connectivity only) is next to those of 1. in the other connectivity;
3. where a basin filled before it reached the same value, no pixel of ``B`` had that
   value (a death pixel among ties can move, see below: not into ``B``);

and no critical pixel of the other diagram lies in a basin, none of its pairs is born at
a filled value (checked by the caller).

Why: below ``delta`` nothing changed: ``B`` enters later, before the fill at values above
``delta``, now at ``delta``. Once ``delta`` is passed, the pixels of 1. are there and in
one component; every component of ``B`` touches them or the border that 1. joins to
them (a pixel next to ``B`` in the pass's connectivity is not late: where the other one
is the smaller, no pixel is late; else ``B`` is one component of it, next to ``d``), so
the components of the image are those of before, ``B`` added to that one: the
same components die at ``delta``. A late pixel enters after ``delta`` in both, and joins
that component when it enters in both (by 2.), whatever part of ``B`` is there. Before
the fill the pixels of ``B`` entered after ``delta``, next to that component only: the
only pairs they made were born in ``B``, which the caller ruled out (a pair born in
``B`` would be a critical pixel in a basin). Within the value ``delta`` the order of the
merges can differ (the pixels of ``B`` enter among the ties of ``N``), so the death pixel
of a pair dying at ``delta`` can be another pixel of that value (3. keeps it out of the
basins still to come); the caller also rules out a pair born at ``delta`` (its birth
pixel could become one of ``B``).

The flooding method checks this after a pass that fills few pixels instead of pairing
the other dimension again: the tail of its fixed point (pits in a plateau that the last
pass carved, say) mostly meets it.
"""

import numpy as np

from libc.math cimport INFINITY
from libc.stdint cimport int32_t, int64_t

from ._grid cimport Grid, grid_init, neighbours, on_border, trim_offsets

# a pass filling more than this fraction of the grid is paired again without a check
_MAX_FRACTION = 1.0 / 32

# the stamp of a late pixel of the basin labelled ``l``: ``l + _LATE`` (labels are int32)
cdef int64_t _LATE = 1LL << 32


def keeps_other(const double[::1] g, const double[::1] before, tuple shape, int ndim,
                bint other_full, bint border, const int32_t[::1] mark, int32_t base,
                const int64_t[::1] deaths, double sign):
    """True when the pass whose basins are marked ``base + 1 + p`` in ``mark`` (basin of
    ``deaths[p]``, filled in that order, in the view ``phi = sign * g``; ``g`` after the
    pass, ``before`` before it) meets 1. to 3. of the module docstring for the other
    dimension (connectivity ``other_full``, with the border when ``border``). False also
    when the pass filled more than ``_MAX_FRACTION`` of the grid."""
    cdef Py_ssize_t n = g.shape[0], n_pairs = deaths.shape[0], x, p, n_filled = 0
    cdef Grid full_g, other_g
    cdef bint ok = True
    if n == 0 or n_pairs == 0:
        return True
    if mark.shape[0] < n or before.shape[0] != n:
        raise ValueError("mark and before must have the size of g")
    for x in range(n):
        if mark[x] > base:
            n_filled += 1
            if mark[x] - base - 1 >= n_pairs:
                return False            # a ramped mark: not a plain fill
    if n_filled > _MAX_FRACTION * n:
        return False
    grid_init(&full_g, shape, ndim, True)
    trim_offsets(&full_g)
    grid_init(&other_g, shape, ndim, other_full)
    trim_offsets(&other_g)
    # the filled pixels by basin (a counting sort): basin p is basin[start[p]:start[p+1]]
    cdef int64_t[::1] start = np.zeros(n_pairs + 1, dtype=np.int64)
    cdef int64_t[::1] basin = np.empty(max(n_filled, 1), dtype=np.int64)
    for x in range(n):
        if mark[x] > base:
            start[mark[x] - base] += 1
    for p in range(n_pairs):
        start[p + 1] += start[p]
    for x in range(n):
        if mark[x] > base:
            p = mark[x] - base - 1
            basin[start[p]] = x
            start[p] += 1
    for p in range(n_pairs, 0, -1):
        start[p] = start[p - 1]
    start[0] = 0
    # stamp[y]: the label of the last basin whose ring holds y (its negative once the
    # search reached it); ``ring``: the ring's pixels, then the search's queue
    cdef int64_t[::1] stamp = np.zeros(n, dtype=np.int64)
    cdef int64_t[:, ::1] ring = np.empty((3, min(26 * n_filled, n) + 1), dtype=np.int64)
    cdef double last = INFINITY      # the value of the last basin filled
    with nogil:
        for p in range(n_pairs):
            if start[p + 1] == start[p]:
                continue                # a nested basin, filled with its outer one
            if not ring_connected(&full_g, &other_g, &g[0], &before[0], sign, &mark[0],
                                  base, base + 1 + <int32_t> p, deaths[p],
                                  &basin[start[p]], start[p + 1] - start[p], border,
                                  sign * g[deaths[p]] == last, &stamp[0], &ring[0, 0],
                                  &ring[1, 0], &ring[2, 0]):
                ok = False
                break
            last = sign * g[deaths[p]]
    return ok


cdef bint ring_connected(Grid *full_g, Grid *other_g, const double *g, const double *before,
                         double sign, const int32_t *mark, int32_t base, int32_t label,
                         int64_t d, const int64_t *pix, Py_ssize_t size, bint border,
                         bint tie, int64_t *stamp, int64_t *ring, int64_t *queue,
                         int64_t *late) noexcept nogil:
    """1. to 3. for the basin ``pix[:size]`` (marked ``label``, death pixel ``d``; ``tie``:
    a basin filled before it reached the same value)."""
    cdef double level = sign * g[d]
    cdef Py_ssize_t n_ring = 0, n_late = 0, i, head, tail = 0
    cdef int k, m
    cdef int64_t y
    cdef int64_t nbs[26]
    cdef bint edge = False
    # the ring, its late pixels apart, on the image this fill meets: the basins of the
    # pass still to fill (marked after it) at their values before the pass
    for i in range(size):
        if tie and sign * before[pix[i]] == level:
            return False                # 3.
        if border and not edge and on_border(full_g, pix[i]):
            edge = True
        m = neighbours(full_g, pix[i], nbs)
        for k in range(m):
            y = nbs[k]
            if mark[y] == label or stamp[y] == label or stamp[y] == label + _LATE:
                continue
            if sign * (before[y] if mark[y] > label else g[y]) < level:
                stamp[y] = label + _LATE
                late[n_late] = y
                n_late += 1
            else:
                stamp[y] = label
                ring[n_ring] = y
                n_ring += 1
    if n_ring == 0:
        return False
    # 1.: a search through the ring, from the border where it counts (its pixels on the
    # edge), else from one of its pixels
    if edge:
        for i in range(n_ring):
            if on_border(other_g, ring[i]):
                stamp[ring[i]] = -label
                queue[tail] = ring[i]
                tail += 1
        if tail == 0:
            return False
    else:
        stamp[ring[0]] = -label
        queue[0] = ring[0]
        tail = 1
    head = 0
    while head < tail:
        m = neighbours(other_g, queue[head], nbs)
        head += 1
        for k in range(m):
            y = nbs[k]
            if stamp[y] == label:
                stamp[y] = -label
                queue[tail] = y
                tail += 1
    if tail != n_ring:
        return False
    # 2.: every late pixel next to the ring
    for i in range(n_late):
        m = neighbours(other_g, late[i], nbs)
        for k in range(m):
            if stamp[nbs[k]] == -label:
                break
        else:
            return False
    return True
