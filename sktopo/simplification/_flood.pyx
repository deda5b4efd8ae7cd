# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled kernels of exact simplification: priority flooding and channel carving.

Arrays are flat C-order views of a 1-D, 2-D or 3-D grid, given as a 3-D shape
``(n0, n1, n2)`` (leading axes of size 1 for signals and images). Neighbours: ``full``
connectivity is 8 (2-D) / 26 (3-D), ``face`` 4 / 6; a signal has 2 either way.

* ``flood``: ``max(h, m)`` where ``m(x)`` is the smallest, over the paths from a seed to
  ``x``, of the largest value on the path (the reconstruction by erosion of Soille's
  mathematical morphology, computed by a priority flood, Barnes et al. 2014). The basins
  that hold no seed are filled up to the level at which they spill into a seeded one.
* ``lower_channels``: for each (birth, death) pair of an H0 class of the sublevel
  filtration, the cheapest path (additive cost ``max(h - level, 0)``) from the birth pixel
  over the death pixel to a pixel older than the birth, and lowers the pixels of the path
  above ``level`` to ``level``.

Ties are broken by the flat index everywhere (the order (value, index)).
"""

import numpy as np

from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memset


cdef struct Item:
    double v
    int64_t i


cdef struct Heap:
    Item *a
    Py_ssize_t size
    Py_ssize_t cap


cdef inline bint less(Item x, Item y) noexcept nogil:
    return x.v < y.v or (x.v == y.v and x.i < y.i)


cdef int heap_push(Heap *h, double v, int64_t i) except -1 nogil:
    cdef Py_ssize_t k, p
    cdef Item it
    cdef Item *a
    if h.size == h.cap:
        a = <Item *> realloc(h.a, 2 * h.cap * sizeof(Item))
        if a == NULL:
            with gil:
                raise MemoryError()
        h.a = a
        h.cap *= 2
    it.v = v
    it.i = i
    k = h.size
    h.size += 1
    while k > 0:
        p = (k - 1) >> 1
        if not less(it, h.a[p]):
            break
        h.a[k] = h.a[p]
        k = p
    h.a[k] = it
    return 0


cdef Item heap_pop(Heap *h) noexcept nogil:
    cdef Item top = h.a[0], last
    cdef Py_ssize_t k = 0, c
    h.size -= 1
    if h.size == 0:
        return top
    last = h.a[h.size]
    while True:
        c = 2 * k + 1
        if c >= h.size:
            break
        if c + 1 < h.size and less(h.a[c + 1], h.a[c]):
            c += 1
        if not less(h.a[c], last):
            break
        h.a[k] = h.a[c]
        k = c
    h.a[k] = last
    return top


cdef int heap_init(Heap *h, Py_ssize_t cap) except -1:
    h.cap = cap if cap > 16 else 16
    h.size = 0
    h.a = <Item *> malloc(h.cap * sizeof(Item))
    if h.a == NULL:
        raise MemoryError()
    return 0


cdef struct Grid:
    Py_ssize_t n0, n1, n2
    int ndim
    int n_off
    int off[26][3]
    int64_t flat[26]      # flat index offset of each neighbour


cdef void grid_init(Grid *g, tuple shape, int ndim, bint full) noexcept:
    cdef int a, b, c, k = 0
    g.n0 = shape[0]
    g.n1 = shape[1]
    g.n2 = shape[2]
    g.ndim = ndim
    for a in range(-1, 2):
        for b in range(-1, 2):
            for c in range(-1, 2):
                if a == 0 and b == 0 and c == 0:
                    continue
                if not full and (a != 0) + (b != 0) + (c != 0) != 1:
                    continue
                g.off[k][0] = a
                g.off[k][1] = b
                g.off[k][2] = c
                g.flat[k] = (a * g.n1 + b) * g.n2 + c
                k += 1
    g.n_off = k


cdef inline void coords(Grid *g, int64_t x, int64_t *c) noexcept nogil:
    """The (z, y, w) coordinates of pixel x."""
    c[0] = x // (g.n1 * g.n2)
    x -= c[0] * g.n1 * g.n2
    c[1] = x // g.n2
    c[2] = x - c[1] * g.n2


cdef inline int64_t step(Grid *g, int64_t x, const int64_t *c, int k) noexcept nogil:
    """The k-th neighbour of pixel x (at coordinates c), -1 outside the grid."""
    cdef int64_t z = c[0] + g.off[k][0], y = c[1] + g.off[k][1], w = c[2] + g.off[k][2]
    if z < 0 or z >= g.n0 or y < 0 or y >= g.n1 or w < 0 or w >= g.n2:
        return -1
    return x + g.flat[k]


cdef inline int64_t neighbour(Grid *g, int64_t x, int k) noexcept nogil:
    """Flat index of the k-th neighbour of x, -1 outside the grid."""
    cdef int64_t c[3]
    coords(g, x, c)
    return step(g, x, c, k)


cdef inline bint on_border(Grid *g, int64_t x) noexcept nogil:
    """True for a pixel on the boundary of the grid (its last ``ndim`` axes only)."""
    cdef int64_t z = x // (g.n1 * g.n2), r = x % (g.n1 * g.n2)
    cdef int64_t y = r // g.n2, w = r % g.n2
    if w == 0 or w == g.n2 - 1:
        return True
    if g.ndim >= 2 and (y == 0 or y == g.n1 - 1):
        return True
    if g.ndim >= 3 and (z == 0 or z == g.n0 - 1):
        return True
    return False


def flood(const double[::1] h, tuple shape, int ndim, bint full, const int64_t[::1] seeds,
          bint border, bint ramp=False):
    """Priority flood of ``h`` from ``seeds`` (and from the boundary when ``border``).

    Returns ``(out, depth)``: ``out = max(h, m)`` as described in the module docstring;
    ``depth`` (when ``ramp``) counts, for each raised pixel, the raised pixels on its path
    back to an unraised one (1 for the first), so that ``level + depth * ulp`` makes every
    raised pixel regular. The pixels of a depression (raised to the current level) go
    through a FIFO queue instead of the heap (Barnes, Lehman, Mulla 2014): the values do
    not depend on the order among equal levels.
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
    cdef unsigned char *seen = <unsigned char *> malloc(n if n > 0 else 1)
    cdef int64_t *queue = <int64_t *> malloc((n if n > 0 else 1) * sizeof(int64_t))
    if seen == NULL or queue == NULL:
        free(seen)
        free(queue)
        raise MemoryError()
    grid_init(&g, shape, ndim, full)
    try:
        heap_init(&hp, 1024)
    except MemoryError:
        free(seen)
        free(queue)
        raise
    try:
        with nogil:
            memset(seen, 0, n)
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
                            if ramp:
                                depth[r] = depth[x] + 1
                        queue[q_tail] = r
                        q_tail += 1
                    else:
                        heap_push(&hp, h[r], r)
    finally:
        free(seen)
        free(queue)
        free(hp.a)
    return out_arr, depth_arr


cdef inline bint key_less(double va, int64_t ia, double vb, int64_t ib) noexcept nogil:
    return va < vb or (va == vb and ia < ib)


cdef inline bint order_less(double va, int64_t ia, double vb, int64_t ib,
                            bint reverse) noexcept nogil:
    """The order (value, index), or (value, -index) with ``reverse``."""
    return va < vb or (va == vb and ((ia > ib) if reverse else (ia < ib)))


cdef inline bint older_near(Grid *g, const double *h, int64_t y, double hb, int64_t b,
                            bint border, bint reverse) noexcept nogil:
    """True if pixel ``y``, once lowered, joins a pixel older than ``b`` (or the outside)."""
    cdef int k
    cdef int64_t z
    if border and on_border(g, y):
        return True
    for k in range(g.n_off):
        z = neighbour(g, y, k)
        if z >= 0 and order_less(h[z], z, hb, b, reverse):
            return True
    return False


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
    cdef double *dist = <double *> malloc((n if n > 0 else 1) * sizeof(double))
    cdef int64_t *pred = <int64_t *> malloc((n if n > 0 else 1) * sizeof(int64_t))
    cdef int64_t *touched = <int64_t *> malloc((n if n > 0 else 1) * sizeof(int64_t))
    cdef unsigned char *done = <unsigned char *> malloc(n if n > 0 else 1)
    if dist == NULL or pred == NULL or touched == NULL or done == NULL:
        free(dist)
        free(pred)
        free(touched)
        free(done)
        raise MemoryError()
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
        free(dist)
        free(pred)
        free(touched)
        free(done)
        free(hp.a)
    return out_arr, failed_arr


def flood_pairs(const double[::1] h, tuple shape, int ndim, bint full,
                const int64_t[::1] births, const int64_t[::1] deaths, bint reverse=False,
                bint ramp=False):
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

    Returns ``(out, depth)``; with ``ramp``, ``depth`` is the distance (in steps through
    the basin) of each raised pixel from its death pixel.
    """
    cdef Py_ssize_t n = h.shape[0], p, top, q_head, q_tail, start
    cdef Grid g
    cdef int k
    cdef int64_t b, d, x, nb
    cdef int64_t c[3]
    cdef double hd
    out_arr = np.array(h, dtype=np.float64)
    depth_arr = np.zeros(n if ramp else 0, dtype=np.int64)
    cdef double[::1] out = out_arr
    cdef int64_t[::1] depth = depth_arr
    cdef int64_t *stack = <int64_t *> malloc((n if n > 0 else 1) * sizeof(int64_t))
    cdef int64_t *mark = <int64_t *> malloc((n if n > 0 else 1) * sizeof(int64_t))
    if stack == NULL or mark == NULL:
        free(stack)
        free(mark)
        raise MemoryError()
    grid_init(&g, shape, ndim, full)
    try:
        with nogil:
            for x in range(n):
                mark[x] = -1
            for p in range(births.shape[0]):
                b = births[p]
                d = deaths[p]
                if mark[b] != -1:
                    continue                  # nested in a basin already filled
                hd = h[d]
                mark[b] = p
                stack[0] = b
                top = 1
                start = 0
                while top > 0:
                    top -= 1
                    x = stack[top]
                    if h[x] < hd:
                        out[x] = hd
                    coords(&g, x, c)
                    for k in range(g.n_off):
                        nb = step(&g, x, c, k)
                        if nb < 0:
                            continue
                        if mark[nb] != p and (key_less(h[nb], -nb, hd, -d) if reverse
                                              else key_less(h[nb], nb, hd, d)):
                            mark[nb] = p
                            stack[top] = nb
                            top += 1
                if not ramp:
                    continue
                # breadth-first from the death pixel through the basin: the ramp's depth
                stack[0] = d
                depth[d] = 0
                q_head = 0
                q_tail = 1
                while q_head < q_tail:
                    x = stack[q_head]
                    q_head += 1
                    coords(&g, x, c)
                    for k in range(g.n_off):
                        nb = step(&g, x, c, k)
                        if nb < 0:
                            continue
                        if mark[nb] == p:
                            mark[nb] = -2 - p     # visited by the ramp, still "filled"
                            depth[nb] = depth[x] + 1 if h[nb] < hd else 0
                            stack[q_tail] = nb
                            q_tail += 1
                depth[d] = 0
    finally:
        free(stack)
        free(mark)
    return out_arr, depth_arr


def cap_levels(const double[::1] h, tuple shape, int ndim, bint full,
               const int64_t[::1] births, const double[::1] levels, const double[::1] hi):
    """The highest level ``<= levels[p]`` to which the basin of pair ``p`` may be raised.

    A basin raised to ``L`` is the component of its birth pixel ``b`` among the pixels
    below ``L``; each of its pixels ``x`` may rise to ``hi[x]`` at most. The returned level
    is the fixed point ``L = min(levels[p], min of hi over that component)``, found by a
    priority flood from ``b`` (pixels in the order of their lowest path level from ``b``)
    that stops at the first pixel not below the running cap.
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
    cdef unsigned char *seen = <unsigned char *> malloc(n if n > 0 else 1)
    cdef int64_t *touched = <int64_t *> malloc((n if n > 0 else 1) * sizeof(int64_t))
    if seen == NULL or touched == NULL:
        free(seen)
        free(touched)
        raise MemoryError()
    grid_init(&g, shape, ndim, full)
    heap_init(&hp, 1024)
    try:
        with nogil:
            memset(seen, 0, n)
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
                    if hi[x] < cap:
                        cap = hi[x]
                        if level >= cap:
                            break
                    for k in range(g.n_off):
                        y = neighbour(&g, x, k)
                        if y >= 0 and not seen[y]:
                            seen[y] = 1
                            touched[n_touched] = y
                            n_touched += 1
                            heap_push(&hp, h[y], y)
                out[p] = cap
                for t in range(n_touched):
                    seen[touched[t]] = 0
    finally:
        free(seen)
        free(touched)
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
    never leaves a component to come back to it). Lowering the path therefore only joins
    distinct components at each level: it merges the basin into an older one at ``L``
    and creates no loop (no new class of the other dimension), which a shortest path of
    least lowering does not promise.

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
    cdef double *key = <double *> malloc((n if n > 0 else 1) * sizeof(double))
    cdef int64_t *pred = <int64_t *> malloc((n if n > 0 else 1) * sizeof(int64_t))
    cdef int64_t *touched = <int64_t *> malloc((n if n > 0 else 1) * sizeof(int64_t))
    cdef unsigned char *state = <unsigned char *> malloc(n if n > 0 else 1)
    if key == NULL or pred == NULL or touched == NULL or state == NULL:
        free(key)
        free(pred)
        free(touched)
        free(state)
        raise MemoryError()
    grid_init(&g, shape, ndim, full)
    heap_init(&hp, 1024)
    try:
        with nogil:
            memset(state, 0, n)            # 0 unseen, 1 in the heap, 2 in the tree
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
        free(key)
        free(pred)
        free(touched)
        free(state)
        free(hp.a)
    return out_arr, failed_arr
