# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled kernels of the optimal simplification: channels over saddles, basin caps.

Same grids and conventions as ``_flood.pyx``.

* ``tree_channels``: for each (birth, death) pair of an H0 class of the sublevel
  filtration, the path of a minimum spanning tree from the birth pixel over the death
  pixel to a pixel older than the birth; its pixels above a level are lowered to it.
* ``cap_levels``: the highest level to which a basin may be raised within per-pixel caps.
* ``lower_channels``: the path of least total lowering instead (used by the big-step
  optimizer, ``sktopo.optim._big_steps``).
* ``partner_minima``, ``still_dies_at``: the elder rule at a class's death pixel, for
  moves of its birth pixel (``_restore.py``).
"""

import numpy as np

from libc.stdint cimport int64_t
from libc.stdlib cimport free
from libc.math cimport INFINITY, NAN
from libc.string cimport memset

from ._grid cimport (Grid, Heap, Item, clear_touched, coords, grid_init, heap_init,
                     heap_pop, heap_push, heap_visit, key_less, neighbour, older_near,
                     on_border, order_less, step)


def lower_channels(const double[::1] h, tuple shape, int ndim, bint full,
                   const int64_t[::1] births, const int64_t[::1] deaths,
                   const double[::1] levels, bint border, double step, bint reverse=False,
                   const double[::1] lo=None):
    """Lower, for each pair, a channel from its basin over its death pixel.

    For pair ``p`` (birth pixel ``b``, death pixel ``d``, level ``L``): Dijkstra from ``b``
    over the pixels ordered at most ``d`` (order (value, index)), with cost
    ``max(h - L, 0) + step`` per pixel entered, until a pixel that, lowered to ``L``,
    touches a pixel older than ``b`` (or, with ``border``, the outside, older than every
    pixel). The pixels of that path above ``L`` are lowered to ``L`` in the returned copy
    of ``h``; all paths are searched on ``h``, lowering is by ``min``. ``reverse`` breaks
    ties by decreasing index (the reversed filtration of the top dimension's dual view).
    ``lo`` (optional): the lowest value each pixel may take; a pixel above ``L`` whose
    ``lo`` is above ``L`` cannot be lowered to it and is not entered.
    Returns ``(out, failed)``: ``failed[p]`` is 1 for the pairs without such a path (left
    alone).
    """
    cdef Py_ssize_t n = h.shape[0], p, t, n_touched
    cdef bint bounded = lo is not None and lo.shape[0] == n
    cdef Grid g
    cdef Heap hp
    cdef Item it
    cdef int k
    cdef int64_t b, d, x, y, target
    cdef double L, c, hb, hd
    cdef const double *hv = &h[0]
    out_arr = np.array(h, dtype=np.float64)
    failed_arr = np.zeros(births.shape[0], dtype=np.uint8)
    cdef double[::1] out = out_arr
    cdef unsigned char[::1] failed = failed_arr
    cdef double[::1] dist = np.empty(max(n, 1), dtype=np.float64)
    cdef int64_t[::1] pred = np.empty(max(n, 1), dtype=np.int64)
    cdef int64_t[::1] touched = np.empty(max(n, 1), dtype=np.int64)
    cdef unsigned char[::1] done = np.empty(max(n, 1), dtype=np.uint8)
    grid_init(&g, shape, ndim, full)
    heap_init(&hp, 1024)
    try:
        with nogil:
            for t in range(n):
                dist[t] = -1.0
                done[t] = 0
            for p in range(births.shape[0]):
                b = births[p]
                d = deaths[p]
                L = levels[p]
                hb = h[b]
                hd = h[d]
                hp.size = 0
                n_touched = 0
                dist[b] = 0.0
                pred[b] = -1
                touched[n_touched] = b
                n_touched += 1
                heap_push(&hp, 0.0, b)
                target = -2
                while hp.size > 0 and target < 0:
                    it = heap_pop(&hp)
                    x = it.i
                    if done[x] or it.v > dist[x]:
                        continue
                    done[x] = 1
                    if older_near(&g, hv, x, hb, b, border, reverse):
                        target = x
                        break
                    for k in range(g.n_off):
                        y = neighbour(&g, x, k)
                        if y < 0 or done[y] or order_less(hd, d, h[y], y, reverse):
                            continue
                        if order_less(h[y], y, hb, b, reverse):   # an older pixel: x touches it
                            target = x
                            break
                        c = h[y] - L
                        if bounded and c > 0 and lo[y] > L:
                            continue                      # may not go down to L
                        c = it.v + (c if c > 0 else 0.0) + step
                        if dist[y] < 0 or c < dist[y]:
                            if dist[y] < 0:
                                touched[n_touched] = y
                                n_touched += 1
                            dist[y] = c
                            pred[y] = x
                            heap_push(&hp, c, y)
                if target < 0:
                    failed[p] = 1
                x = target
                while x >= 0:
                    if out[x] > L:
                        out[x] = L
                    x = pred[x]
                for t in range(n_touched):
                    dist[touched[t]] = -1.0
                    done[touched[t]] = 0
    finally:
        free(hp.a)
    return out_arr, failed_arr


def cap_levels(const double[::1] h, tuple shape, int ndim, bint full,
               const int64_t[::1] births, const double[::1] levels, const double[::1] hi):
    """The highest level ``<= levels[p]`` to which the basin of pair ``p`` may be raised.

    A basin raised to ``L`` is the component of its birth pixel ``b`` among the pixels
    below ``L``; each of its pixels ``x`` may rise to ``hi[x]`` at most. The returned level
    is the largest ``L <= levels[p]`` with ``L <= hi`` over that component, found by a
    priority flood from ``b``: pixels come in the order of their lowest path level ``m``
    from ``b``; a pixel whose ``hi`` is below the running cap either is in (the cap
    becomes its ``hi``, if above ``m``) or must stay out (the cap becomes ``m``), and the
    flood stops at the first pixel whose ``m`` reaches the cap.
    """
    cdef Py_ssize_t n = h.shape[0], p, t, n_touched
    cdef Grid g
    cdef Heap hp
    cdef Item it
    cdef int k
    cdef int64_t b, x, y
    cdef double cap, level
    out_arr = np.array(levels, dtype=np.float64)
    cdef double[::1] out = out_arr
    cdef unsigned char[::1] seen = np.empty(max(n, 1), dtype=np.uint8)
    cdef int64_t[::1] touched = np.empty(max(n, 1), dtype=np.int64)
    grid_init(&g, shape, ndim, full)
    heap_init(&hp, 1024)
    try:
        with nogil:
            memset(&seen[0], 0, n)
            for p in range(births.shape[0]):
                b = births[p]
                cap = out[p]
                level = h[b]
                hp.size = 0
                n_touched = 1
                touched[0] = b
                seen[b] = 1
                heap_push(&hp, h[b], b)
                while hp.size > 0:
                    it = heap_pop(&hp)
                    x = it.i
                    if h[x] > level:
                        level = h[x]
                    if level >= cap:
                        break
                    # x joins the basin from the level ``level`` on: either it is in
                    # (L <= hi[x], and L > level) or the level stops at ``level``
                    if hi[x] < cap:
                        cap = hi[x] if hi[x] > level else level
                        if level >= cap:
                            break
                    for k in range(g.n_off):
                        y = neighbour(&g, x, k)
                        if y >= 0 and not seen[y]:
                            n_touched = heap_visit(&hp, &seen[0], &touched[0], n_touched,
                                                   &h[0], y, 1)
                out[p] = cap
                clear_touched(&seen[0], &touched[0], n_touched)
    finally:
        free(hp.a)
    return out_arr


def tree_channels(const double[::1] h, tuple shape, int ndim, bint full,
                  const int64_t[::1] births, const int64_t[::1] deaths,
                  const double[::1] levels, bint border, bint reverse=False,
                  const double[::1] lo=None, const unsigned char[::1] keep=None,
                  bint detour=False):
    """Lower, for each pair, the minimum-spanning-tree path from its basin over its saddle.

    For pair ``p`` (birth pixel ``b``, death pixel ``d``, level ``L``): Prim's algorithm
    from ``b`` on the grid graph whose edge ``(x, y)`` weighs ``max(h[x], h[y])``, over the
    pixels ordered at most ``d``, until it reaches a pixel older than ``b`` (with
    ``border``, a border pixel: the outside is older than every pixel). The pixels of the
    tree path from ``b`` to it that lie above ``L`` are lowered to ``L``.

    Why this path: on a path of a minimum spanning tree, the pixels at or below any level
    ``l`` form runs that each lie in a different component of the sublevel set at ``l``
    (two pixels of one component are joined by tree edges inside it, so the tree path
    never leaves a component to come back to it). Lowering the path therefore joins, along
    the path, only distinct components at each level: it merges the basin into an older
    one at ``L`` and closes no loop through the path itself, which a shortest path of
    least lowering does not promise. (A lowered pixel can still touch, off the path, a
    third component or one component twice; the pairing that follows finds it.)

    Lowering a pixel joins every component next to it, not only those along the path: a
    path over the saddle of another pair would merge that pair's components early. The
    pixels flagged in ``keep`` (optional: the saddles of the kept pairs) are therefore not
    lowered (not entered when above ``L``), nor are the pixels above ``L`` whose ``lo``
    (optional, the lowest value allowed) is above ``L``. ``reverse``: ties by decreasing
    index (the dual view). ``detour``: the saddle may be flagged too and the path may
    climb above it (another way out of the basin, at a higher cost in lowering, when the
    saddle is not to be touched). Returns ``(out, failed)`` as :func:`lower_channels`.
    """
    cdef Py_ssize_t n = h.shape[0], p, t, n_touched
    cdef bint bounded = lo is not None and lo.shape[0] == n
    cdef bint guarded = keep is not None and keep.shape[0] == n
    cdef Grid g
    cdef Heap hp
    cdef Item it
    cdef int k
    cdef int64_t b, d, x, y, target
    cdef double L, w, hb, hd
    out_arr = np.array(h, dtype=np.float64)
    failed_arr = np.zeros(births.shape[0], dtype=np.uint8)
    cdef double[::1] out = out_arr
    cdef unsigned char[::1] failed = failed_arr
    cdef double[::1] key = np.empty(max(n, 1), dtype=np.float64)
    cdef int64_t[::1] pred = np.empty(max(n, 1), dtype=np.int64)
    cdef int64_t[::1] touched = np.empty(max(n, 1), dtype=np.int64)
    cdef unsigned char[::1] state = np.empty(max(n, 1), dtype=np.uint8)
    grid_init(&g, shape, ndim, full)
    heap_init(&hp, 1024)
    try:
        with nogil:
            memset(&state[0], 0, n)            # 0 unseen, 1 in the heap, 2 in the tree
            for p in range(births.shape[0]):
                b = births[p]
                d = deaths[p]
                L = levels[p]
                hb = h[b]
                hd = h[d]
                hp.size = 0
                n_touched = 1
                touched[0] = b
                state[b] = 1
                key[b] = hb
                pred[b] = -1
                heap_push(&hp, hb, b)
                target = -1
                while hp.size > 0:
                    it = heap_pop(&hp)
                    x = it.i
                    if state[x] == 2 or it.v > key[x]:
                        continue
                    state[x] = 2
                    if order_less(h[x], x, hb, b, reverse) or (border and on_border(&g, x)):
                        target = x
                        break
                    for k in range(g.n_off):
                        y = neighbour(&g, x, k)
                        if y < 0 or state[y] == 2 or (not detour
                                                      and order_less(hd, d, h[y], y, reverse)):
                            continue
                        if h[y] > L and ((bounded and lo[y] > L)
                                         or (guarded and keep[y] and (detour or y != d))):
                            continue                      # may not go down to L
                        w = h[y] if h[y] > h[x] else h[x]
                        if state[y] == 0:
                            state[y] = 1
                            touched[n_touched] = y
                            n_touched += 1
                        elif w >= key[y]:
                            continue
                        key[y] = w
                        pred[y] = x
                        heap_push(&hp, w, y)
                if target < 0:
                    failed[p] = 1
                x = target
                while x >= 0:
                    if out[x] > L:
                        out[x] = L
                    x = pred[x]
                for t in range(n_touched):
                    state[touched[t]] = 0
    finally:
        free(hp.a)
    return out_arr, failed_arr


def partner_minima(const double[::1] h, tuple shape, int ndim, bint full,
                   const int64_t[::1] deaths, const double[::1] targets, bint border,
                   bint reverse=False, bint with_pixel=False, Py_ssize_t max_visit=0,
                   unsigned char[::1] seen=None):
    """For each H0 pair (death pixel ``d``): the lowest value of the components that
    ``d`` joins (the pixels ordered before ``d`` reachable from it), or the first value
    found below ``targets[p]`` (a priority flood from ``d``, lowest first, stops there).
    With ``border``, reaching the border gives ``-inf`` (the outside, older than all).

    Moving the pair's own minimum below the older component's minimum would swap the
    elder rule at ``d``: a caller keeps it above the value returned. With
    ``with_pixel``, returns ``(values, pixels)``: the pixel of each value, the oldest
    in the order (value, index) (``reverse``: (value, -index)) of those visited: the
    oldest extremum of the components when the flood ran to the end; -1 for the border
    or for ``d`` alone. With ``max_visit > 0`` a flood stops after that many pixels
    without an answer: NaN (pixel -2), a bounded region around ``d`` (the caller treats
    it as no room).

    ``seen`` (zeros, one per pixel; zeros again on return) spares a caller that asks for
    one pair at a time the clearing of a buffer of the grid's size per call.
    """
    cdef Py_ssize_t n = h.shape[0], p, t, n_touched
    cdef Grid g
    cdef Heap hp
    cdef Item it
    cdef int k
    cdef int64_t d, x, y
    cdef double low, hd
    cdef int64_t arg
    out_arr = np.empty(deaths.shape[0], dtype=np.float64)
    pix_arr = np.empty(deaths.shape[0], dtype=np.int64)
    cdef double[::1] out = out_arr
    cdef int64_t[::1] pix = pix_arr
    cdef bint clear = seen is None
    if clear:
        seen = np.empty(max(n, 1), dtype=np.uint8)
    elif seen.shape[0] < n:
        raise ValueError("partner_minima: seen must hold one entry per pixel.")
    grid_init(&g, shape, ndim, full)
    # a bounded flood touches at most max_visit pixels and the neighbours of the last one
    cdef int64_t[::1] touched = np.empty(
        max(min(n, max_visit + g.n_off + 1) if max_visit > 0 else n, 1), dtype=np.int64)
    heap_init(&hp, 1024)
    try:
        with nogil:
            if clear:
                memset(&seen[0], 0, n)
            for p in range(deaths.shape[0]):
                d = deaths[p]
                hd = h[d]
                low = hd
                arg = -1
                hp.size = 0
                n_touched = 1
                touched[0] = d
                seen[d] = 1
                heap_push(&hp, hd, d)
                while hp.size > 0:
                    if max_visit > 0 and n_touched > max_visit:
                        low = NAN
                        arg = -2
                        break
                    it = heap_pop(&hp)
                    x = it.i
                    if border and on_border(&g, x):
                        low = -INFINITY
                        arg = -1
                        break
                    if x != d and (arg < 0 or order_less(h[x], x, low, arg, reverse)):
                        low = h[x]
                        arg = x
                        if low < targets[p]:
                            break
                    for k in range(g.n_off):
                        y = neighbour(&g, x, k)
                        if y >= 0 and not seen[y] and order_less(h[y], y, hd, d, reverse):
                            n_touched = heap_visit(&hp, &seen[0], &touched[0], n_touched,
                                                   &h[0], y, 1)
                out[p] = low
                pix[p] = arg
                clear_touched(&seen[0], &touched[0], n_touched)
    finally:
        free(hp.a)
    if with_pixel:
        return out_arr, pix_arr
    return out_arr


def still_dies_at(const double[::1] h, tuple shape, int ndim, bint full,
                  const int64_t[::1] births, const int64_t[::1] deaths,
                  const double[::1] targets, bint border, bint reverse=False,
                  Py_ssize_t max_visit=65536):
    """For each H0 class of the sublevel filtration of ``h`` born at ``births[p]`` (a
    pixel ordered before each of its neighbours) and recorded as dying at ``deaths[p]``:
    whether it provably dies at that pixel, still, once its birth pixel is lowered to
    ``targets[p]``. Returns a uint8 array.

    Two floods through the pixels ordered before the death pixel ``d``. From the birth
    pixel ``b``: its component, which must touch ``d`` and hold no pixel older than
    ``b`` (nor the border, with ``border``): the class lives up to ``d``, lowered or not.
    From ``d``, lowest first: the other components ``d`` joins, until a pixel older than
    ``(targets[p], b)`` (or the border): the class dies at ``d``, lowered or not, and the
    elder rule swaps nowhere. A record whose death pixel moved among pixels of its value
    fails the first flood or the second (it no longer joins the class there). False
    also where a flood visits more than ``max_visit`` pixels. The order is (value,
    index), (value, -index) with ``reverse``.
    """
    cdef Py_ssize_t n = h.shape[0], p, n_touched, cap = max(max_visit, 1)
    cdef Grid g
    cdef Heap hp
    cdef bint ok
    if deaths.shape[0] != births.shape[0] or targets.shape[0] != births.shape[0]:
        raise ValueError("still_dies_at: births, deaths and targets must match.")
    out_arr = np.zeros(births.shape[0], dtype=np.uint8)
    cdef unsigned char[::1] out = out_arr
    cdef unsigned char[::1] seen = np.zeros(max(n, 1), dtype=np.uint8)
    cdef int64_t[::1] touched = np.empty(max(min(n, 2 * cap + 64), 1), dtype=np.int64)
    grid_init(&g, shape, ndim, full)
    heap_init(&hp, 1024)
    try:
        with nogil:
            for p in range(births.shape[0]):
                n_touched = 0
                ok = lives_to(&g, &h[0], births[p], deaths[p], border, reverse, &seen[0],
                              &touched[0], &n_touched, cap)
                if ok and not (border and on_border(&g, deaths[p])):
                    ok = older_beyond(&g, &h[0], births[p], deaths[p], targets[p], border,
                                      reverse, &seen[0], &touched[0], &n_touched,
                                      2 * cap + 64, &hp) == 1
                out[p] = ok
                clear_touched(&seen[0], &touched[0], n_touched)
    finally:
        free(hp.a)
    return out_arr


cdef bint lives_to(Grid *g, const double *h, int64_t b, int64_t d, bint border,
                   bint reverse, unsigned char *seen, int64_t *touched,
                   Py_ssize_t *n_touched, Py_ssize_t cap) noexcept nogil:
    """The first flood of ``still_dies_at``: the component of ``b`` among the pixels
    before ``d`` (breadth-first, ``touched`` its queue) touches ``d`` and holds no pixel
    older than ``b`` nor the border, within ``cap`` pixels."""
    cdef Py_ssize_t i = 0, m = 1
    cdef int k
    cdef int64_t x, y
    cdef double hd = h[d], hb = h[b]
    cdef bint touches = False
    if border and on_border(g, b):
        return False
    seen[b] = 1
    touched[0] = b
    n_touched[0] = 1
    while i < m:
        x = touched[i]
        i += 1
        for k in range(g.n_off):
            y = neighbour(g, x, k)
            if y < 0 or seen[y]:
                continue
            if y == d:
                touches = True
                continue
            if not order_less(h[y], y, hd, d, reverse):
                continue
            if order_less(h[y], y, hb, b, reverse) or (border and on_border(g, y)) or m >= cap:
                return False
            seen[y] = 1
            touched[m] = y
            m += 1
            n_touched[0] = m
    return touches


cdef int older_beyond(Grid *g, const double *h, int64_t b, int64_t d, double v,
                      bint border, bint reverse, unsigned char *seen, int64_t *touched,
                      Py_ssize_t *n_touched, Py_ssize_t limit, Heap *hp) except -1 nogil:
    """The second flood of ``still_dies_at``: from ``d``, lowest first, through the pixels
    before it not yet seen, until one older than ``(v, b)`` or the border (1), else 0
    (none within ``limit`` pixels recorded in ``touched``)."""
    cdef int k
    cdef int64_t x, y
    cdef double hd = h[d]
    hp.size = 0
    n_touched[0] = heap_visit(hp, seen, touched, n_touched[0], h, d, 2)
    while hp.size > 0:
        x = heap_pop(hp).i
        if x != d and (order_less(h[x], x, v, b, reverse) or (border and on_border(g, x))):
            return 1
        for k in range(g.n_off):
            y = neighbour(g, x, k)
            if y < 0 or seen[y] or not order_less(h[y], y, hd, d, reverse):
                continue
            if n_touched[0] >= limit:
                return 0
            n_touched[0] = heap_visit(hp, seen, touched, n_touched[0], h, y, 2)
    return 0
