# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled kernels of exact simplification: priority flooding and basin filling.

Arrays are flat C-order views of a 1-D, 2-D or 3-D grid, given as a 3-D shape
``(n0, n1, n2)`` (leading axes of size 1 for signals and images). Neighbours: ``full``
connectivity is 8 (2-D) / 26 (3-D), ``face`` 4 / 6; a signal has 2 either way.

* ``flood``: ``max(h, m)`` where ``m(x)`` is the smallest, over the paths from a seed to
  ``x``, of the largest value on the path (the reconstruction by erosion of Soille's
  mathematical morphology, computed by a priority flood, Barnes et al. 2014). The basins
  that hold no seed are filled up to the level at which they spill into a seeded one.
* ``flood_pairs``: the same for given pairs, basin by basin, without a heap.

The channels of the optimal method are in ``_channels.pyx``. Ties are broken by the flat
index everywhere (the order (value, index)).
"""

import numpy as np

from libc.stdint cimport int32_t, int64_t, uint32_t
from libc.stdlib cimport free
from libc.string cimport memset

from sktopo.persistence._sort cimport sort_by_pixel
from sktopo.persistence._union_find cimport sktopo_ctz

from ._grid cimport (Grid, Heap, Item, coords, grid_init, heap_init, heap_pop, heap_push,
                     key_less, neighbour, neighbours, older_near, on_border, order_less,
                     step, trim_offsets)


def flood(const double[::1] h, tuple shape, int ndim, bint full, const int64_t[::1] seeds,
          bint border, bint ramp=False, const unsigned char[::1] region=None):
    """Priority flood of ``h`` from ``seeds`` (and from the boundary when ``border``).

    Returns ``(out, depth)``: ``out = max(h, m)`` as described in the module docstring;
    ``depth`` (when ``ramp``) counts, for each raised pixel, the raised pixels on its
    shortest path back to an unraised one of its level (1 for the first, see
    :func:`ramp_depths`), so that ``level + depth * ulp`` makes every raised pixel
    regular. The pixels of a depression (raised to the current level) go
    through a FIFO queue instead of the heap (Barnes, Lehman, Mulla 2014): the values do
    not depend on the order among equal levels.

    ``region`` (uint8, without ``ramp``): only its pixels may rise. The pixels next to it
    are seeds too, the others are not visited: the cost is that of the region (and a
    pass over the grid), not of the grid. The result is :func:`flood`'s where every
    pixel that rises lies in the region (see ``_Problem._local_flood``).
    """
    cdef Py_ssize_t n = h.shape[0], s, q_head = 0, q_tail = 0
    cdef Grid g
    cdef Heap hp
    cdef Item it
    cdef int k
    cdef int64_t x, r
    cdef int64_t c[3]
    cdef double v
    out_arr = np.array(h, dtype=np.float64)
    depth_arr = np.zeros(n if ramp else 0, dtype=np.int64)
    cdef double[::1] out = out_arr
    cdef int64_t[::1] depth = depth_arr
    cdef unsigned char[::1] seen = np.empty(max(n, 1), dtype=np.uint8)
    cdef int64_t[::1] queue = np.empty(max(n, 1), dtype=np.int64)
    cdef bint local = region is not None
    if local and (ramp or region.shape[0] != n):
        raise ValueError("region needs ramp=False and the size of h")
    grid_init(&g, shape, ndim, full)
    heap_init(&hp, 1024)
    try:
        with nogil:
            memset(&seen[0], 0, n)
            if local:
                # outside the region: seen (never entered); next to it: seeds
                for x in range(n):
                    if not region[x]:
                        seen[x] = 1
                for x in range(n):
                    if region[x]:
                        coords(&g, x, c)
                        for k in range(g.n_off):
                            r = step(&g, x, c, k)
                            if r >= 0 and seen[r] == 1:
                                seen[r] = 2
                                heap_push(&hp, out[r], r)
            for s in range(seeds.shape[0]):
                x = seeds[s]
                if not seen[x]:
                    seen[x] = 1
                    heap_push(&hp, out[x], x)
            if border:
                for x in range(n):
                    if not seen[x] and on_border(&g, x):
                        seen[x] = 1
                        heap_push(&hp, out[x], x)
            while q_head < q_tail or hp.size > 0:
                if q_head < q_tail:
                    x = queue[q_head]
                    q_head += 1
                else:
                    it = heap_pop(&hp)
                    x = it.i
                v = out[x]
                coords(&g, x, c)
                for k in range(g.n_off):
                    r = step(&g, x, c, k)
                    if r < 0 or seen[r]:
                        continue
                    seen[r] = 1
                    if h[r] <= v:
                        if h[r] < v:
                            out[r] = v
                        queue[q_tail] = r
                        q_tail += 1
                    else:
                        heap_push(&hp, h[r], r)
            if ramp:
                ramp_depths(&g, h, out, depth, queue)
    finally:
        free(hp.a)
    return out_arr, depth_arr


def basins_below(const double[::1] h, tuple shape, int ndim, bint full,
                 const int64_t[::1] births, const double[::1] levels):
    """Mark the component of each ``births[i]`` among the pixels with ``h < levels[i]``.

    The births must come by decreasing level: a birth already marked lies in the basin
    of one at a level as high or higher, which holds its whole basin, and is skipped
    (and a basin that would reach a marked pixel holds its birth): every pixel is
    visited at most once. Returns ``(mask, number of pixels marked)``; ``mask`` is
    uint8.
    """
    cdef Py_ssize_t n = h.shape[0], i, top, count = 0
    cdef Grid g
    cdef int k
    cdef int64_t b, x, r
    cdef int64_t c[3]
    cdef double lv
    mask_arr = np.zeros(max(n, 1), dtype=np.uint8)
    cdef unsigned char[::1] mask = mask_arr
    cdef int64_t[::1] stack = np.empty(max(n, 1), dtype=np.int64)
    grid_init(&g, shape, ndim, full)
    with nogil:
        for i in range(births.shape[0]):
            b, lv = births[i], levels[i]
            if mask[b] or not h[b] < lv:
                continue
            mask[b] = 1
            stack[0] = b
            top = 1
            count += 1
            while top > 0:
                top -= 1
                x = stack[top]
                coords(&g, x, c)
                for k in range(g.n_off):
                    r = step(&g, x, c, k)
                    if r < 0 or mask[r] or not h[r] < lv:
                        continue
                    mask[r] = 1
                    stack[top] = r
                    top += 1
                    count += 1
    return mask_arr[:n], count


cdef void ramp_depths(Grid *grid, const double[::1] h, const double[::1] out,
                      int64_t[::1] depth, int64_t[::1] queue) noexcept nogil:
    """``depth`` of each raised pixel (``out > h``): 1 + its distance, through raised
    pixels of its level, from those next to an unraised pixel of that level (where its
    depression spilled, or a pixel tied with that level: no float lies between the two,
    a ramp rising away from only one of them would end in a maximum an ulp high)."""
    cdef Py_ssize_t n = h.shape[0], n_src = 0
    cdef Grid g = grid[0]
    cdef int64_t x, nb
    cdef int64_t nbs[26]
    cdef int k, m
    trim_offsets(&g)
    for x in range(n):
        depth[x] = -1 if out[x] > h[x] else 0
    for x in range(n):
        if depth[x] < 0:
            m = neighbours(&g, x, nbs)
            for k in range(m):
                nb = nbs[k]
                if out[nb] == out[x] and out[nb] == h[nb]:
                    depth[x] = 1
                    queue[n_src] = x
                    n_src += 1
                    break
    spread_depth(&g, &queue[0], n_src, &depth[0], &out[0])
    for x in range(n):
        if depth[x] < 0:          # not reached (no spill pixel of its level): unramped
            depth[x] = 0


cdef void spread_depth(Grid *g, int64_t *queue, Py_ssize_t q_tail, int64_t *depth,
                       const double *out) noexcept nogil:
    """Breadth-first from ``queue[:q_tail]``: a pixel of depth ``< 0`` next to ``x`` and of
    its value in ``out`` gets ``depth[x] + 1`` (``g`` trimmed, see ``trim_offsets``)."""
    cdef Py_ssize_t q_head = 0
    cdef int64_t x, nb
    cdef int64_t nbs[26]
    cdef int k, m
    while q_head < q_tail:
        x = queue[q_head]
        q_head += 1
        m = neighbours(g, x, nbs)
        for k in range(m):
            nb = nbs[k]
            if depth[nb] < 0 and out[nb] == out[x]:
                depth[nb] = depth[x] + 1
                queue[q_tail] = nb
                q_tail += 1


def flood_pairs(const double[::1] h, tuple shape, int ndim, bint full,
                const int64_t[::1] births, const int64_t[::1] deaths, bint reverse=False,
                bint ramp=False, int32_t[::1] mark=None, int32_t base=0, out=None):
    """Fill the basin of every given H0 pair of the sublevel filtration of ``h``.

    The pairs must come by decreasing death (order (value, index)). The basin of pair ``p``
    is the component of its birth pixel among the pixels ordered before its death pixel
    ``d``; its pixels below ``h[d]`` are raised to ``h[d]``. A basin whose birth pixel lies
    in a basin already filled is nested in it and skipped, so every pixel is visited at
    most once: O(size of the removed basins), no sort, no heap. When the pairs are all the
    pairs of a set of removed ones, the result is :func:`flood` seeded at the kept minima.

    ``reverse`` breaks ties by decreasing index instead: the order (value, -index) in
    which ``h = -f`` is filtered when the top dimension of ``f`` is read as the H0 of the
    reversed filtration (Alexander duality).

    ``mark`` (``h``'s size, every entry ``<= base``) may be kept across calls: this call
    marks the pixels of basin ``p`` with ``base + 1 + p`` (``base + 1 + P + p`` once the
    ramp went through them, ``P`` pairs), so a pixel is filled by this call when its mark
    exceeds ``base``, and nothing costs the size of the grid but the copy of ``h``. The
    next call takes ``base + 2 P`` as its ``base``.

    ``out`` (a float64 array holding ``h``'s values, or ``h`` itself, without ``ramp``)
    receives the result instead of a copy of ``h``. Filling ``h`` in place changes no
    test: a pixel of an earlier (outer) basin next to this one is ordered after this
    death pixel both before and after its raise, else this basin would be nested in it.

    Returns ``(out, depth)``; with ``ramp``, ``depth`` is the distance (in steps through
    the basin) of each raised pixel from its death pixel or from a pixel of the death
    pixel's value next to the basin.
    """
    cdef Py_ssize_t n = h.shape[0], p, top, q_head, q_tail
    cdef Py_ssize_t n_pairs = births.shape[0]
    cdef Grid g
    cdef int k, m
    cdef int64_t b, d, x, nb
    cdef int32_t filled, ramped
    cdef int64_t nbs[26]
    cdef double hd
    if out is None:
        out_arr = np.array(h, dtype=np.float64)
    elif ramp:
        raise ValueError("out needs ramp=False (the ramp reads the values before the fill)")
    else:
        out_arr = out
    depth_arr = np.zeros(n if ramp else 0, dtype=np.int64)
    cdef double[::1] out_v = out_arr
    cdef int64_t[::1] depth = depth_arr
    cdef int64_t[::1] stack = np.empty(max(n, 1), dtype=np.int64)
    cdef int64_t[::1] queue = np.empty(max(n, 1) if ramp else 1, dtype=np.int64)
    cdef Py_ssize_t i, n_src
    cdef bint src
    cdef int sh = 0
    if mark is None:
        mark = np.zeros(max(n, 1), dtype=np.int32)
        base = 0
    if mark.shape[0] < n:
        raise ValueError("mark must have the size of h")
    if base + 2 * n_pairs >= 2 ** 31:
        raise ValueError("base + 2 * (number of pairs) must fit in int32")
    grid_init(&g, shape, ndim, full)
    trim_offsets(&g)
    while (<int64_t> 1 << sh) < g.n2:    # the bits of a column (see ``fill_image``)
        sh += 1
    with nogil:
        for p in range(n_pairs):
            b = births[p]
            d = deaths[p]
            if mark[b] > base:
                continue                  # nested in a basin already filled
            hd = h[d]
            filled = base + 1 + p
            mark[b] = filled
            if g.ndim == 2:
                fill_image(&g, &h[0], &out_v[0], &mark[0], &stack[0], b, d, hd, filled,
                           reverse, sh)
            else:
                stack[0] = b
                top = 1
                while top > 0:
                    top -= 1
                    x = stack[top]
                    if h[x] < hd:
                        out_v[x] = hd
                    m = neighbours(&g, x, nbs)
                    for k in range(m):
                        nb = nbs[k]
                        if mark[nb] != filled and (key_less(h[nb], -nb, hd, -d) if reverse
                                                   else key_less(h[nb], nb, hd, d)):
                            mark[nb] = filled
                            stack[top] = nb
                            top += 1
            if not ramp:
                continue
            # the basin's pixels, breadth-first from the death pixel (``stack`` keeps them)
            ramped = filled + n_pairs
            stack[0] = d
            q_head = 0
            q_tail = 1
            while q_head < q_tail:
                x = stack[q_head]
                q_head += 1
                m = neighbours(&g, x, nbs)
                for k in range(m):
                    nb = nbs[k]
                    if mark[nb] == filled:
                        mark[nb] = ramped     # visited by the ramp, still "filled"
                        depth[nb] = -1
                        stack[q_tail] = nb
                        q_tail += 1
            # the ramp's depth: breadth-first from the pixels left at the level (the death
            # pixel, the basin's pixels of that value, and those next to a pixel of that
            # value outside the basin: no float lies between the two, a ramp rising
            # towards it would end in a maximum one ulp high)
            n_src = 0
            for i in range(q_tail):
                x = stack[i]
                src = i == 0 or h[x] >= hd
                if not src:
                    m = neighbours(&g, x, nbs)
                    for k in range(m):
                        nb = nbs[k]
                        if nb != d and mark[nb] != ramped and h[nb] == hd:
                            src = True
                            break
                if src:
                    depth[x] = 0
                    queue[n_src] = x
                    n_src += 1
            spread_depth(&g, &queue[0], n_src, &depth[0], &out_v[0])   # all at hd
    return out_arr, depth_arr


cdef inline bint below(const double *h, int64_t x, double hd, int64_t d,
                       bint reverse) noexcept nogil:
    """Pixel ``x`` comes before the death pixel ``d`` (order (value, index), or (value,
    -index) with ``reverse``)."""
    return h[x] < hd or (h[x] == hd and ((x > d) if reverse else (x < d)))


cdef void fill_image(Grid *g, const double *h, double *out, int32_t *mark, int64_t *stack,
                     int64_t b, int64_t d, double hd, int32_t filled,
                     bint reverse, int sh) noexcept nogil:
    """The depth-first fill of ``flood_pairs`` on an image (``g`` trimmed): the basin of
    ``b`` below ``d``, marked ``filled`` (``b`` already is). Each stack entry packs the
    pixel and its column (``x << sh | column``, ``2 ** sh >= w`` the image width) so
    that no pixel needs a division to know whether it lies on the border; the rows are
    told apart by the flat index itself (``x < w``: first row, ``x >= n - w``: last).
    The stack never holds every pixel while one is being expanded, so the entry written
    ahead of ``top`` by the branch-free push stays inside it."""
    cdef int64_t w = g.n2, n = g.n1 * g.n2, x, nb, col, top = 1
    cdef int64_t low = (<int64_t> 1 << sh) - 1
    cdef int k, m = g.n_off
    cdef int32_t c
    cdef unsigned int hits
    cdef double v
    # the offsets in locals: the stores through ``mark``, ``out`` and ``stack`` cannot
    # alias them, so they stay in registers
    cdef int64_t fl[8]
    cdef int64_t dc[8], dr[8]
    for k in range(m):
        fl[k] = g.flat[k]
        dc[k] = g.off[k][2]
        dr[k] = g.off[k][1]
    stack[0] = (b << sh) | (b % w)
    while top > 0:
        top -= 1
        x = stack[top] >> sh
        col = stack[top] & low
        if h[x] < hd:
            out[x] = hd
        if x >= w and x < n - w and col > 0 and col < w - 1 and m == 4:
            for k in range(m):
                nb = x + fl[k]
                if mark[nb] != filled and below(h, nb, hd, d, reverse):
                    mark[nb] = filled
                    stack[top] = (nb << sh) | (col + dc[k])
                    top += 1
        elif x >= w and x < n - w and col > 0 and col < w - 1:
            # 8 neighbours: the tests without branches into a bit mask (on noise they go
            # either way at random), then only the hits are marked and pushed (mostly
            # none: a basin of noise holds a few pixels; faster than marking all eight;
            # with 4 neighbours the branches win)
            hits = 0
            for k in range(m):
                nb = x + fl[k]
                v = h[nb]
                c = ((mark[nb] != filled) & ((v < hd) | ((v == hd) & ((nb > d) if reverse
                                                                      else (nb < d)))))
                hits |= <unsigned int> c << k
            while hits:
                k = sktopo_ctz(hits)
                hits &= hits - 1
                nb = x + fl[k]
                mark[nb] = filled
                stack[top] = (nb << sh) | (col + dc[k])
                top += 1
        else:
            for k in range(m):
                if ((x < w and dr[k] < 0) or (x >= n - w and dr[k] > 0)
                        or col + dc[k] < 0 or col + dc[k] >= w):
                    continue
                nb = x + fl[k]
                if mark[nb] != filled and below(h, nb, hd, d, reverse):
                    mark[nb] = filled
                    stack[top] = (nb << sh) | (col + dc[k])
                    top += 1


def increasing_order(const double[::1] values, const int32_t[::1] pixels, bint reverse):
    """The permutation that lists the pixels ``pixels`` of values ``values`` in the order
    (value, index) (``reverse``: (value, -index)); equal pixels in any order. The radix
    sort of the pairing (:func:`sktopo.persistence._sort.sort_by_pixel`), then, for
    ``reverse``, each run of equal values turned round."""
    cdef Py_ssize_t n = pixels.shape[0], i, start
    if values.shape[0] != n:
        raise ValueError("values and pixels must have the same length.")
    work = np.empty((4, max(n, 1)), dtype=np.int32)     # the order, then three work rows
    cdef int32_t[:, ::1] w = work
    cdef int status = 0
    if n == 0:
        return work[0, :0]
    with nogil:
        status = sort_by_pixel(&values[0], &pixels[0], 1, n, &w[0, 0], &w[1, 0],
                               <uint32_t *> &w[2, 0], <uint32_t *> &w[3, 0], &values[0])
        if status == 0 and reverse:
            start = 0
            for i in range(1, n + 1):
                if i == n or values[w[0, i]] != values[w[0, start]]:
                    turn_round(&w[0, start], i - start)
                    start = i
    if status < 0:
        raise MemoryError()
    return work[0]


cdef void turn_round(int32_t *run, Py_ssize_t length) noexcept nogil:
    cdef Py_ssize_t i
    cdef int32_t x
    for i in range(length // 2):
        x = run[i]
        run[i] = run[length - 1 - i]
        run[length - 1 - i] = x
