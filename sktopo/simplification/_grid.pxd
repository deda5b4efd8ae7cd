# cython: language_level=3
"""Shared pieces of the simplification kernels: a binary heap of (value, index) items and
a 1-D/2-D/3-D grid with its neighbours (``_flood.pyx``, ``_channels.pyx``)."""

from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, realloc


cdef struct Item:
    double v
    int64_t i


cdef struct Heap:
    Item *a
    Py_ssize_t size
    Py_ssize_t cap


cdef inline bint less(Item x, Item y) noexcept nogil:
    return x.v < y.v or (x.v == y.v and x.i < y.i)


cdef inline int heap_push(Heap *h, double v, int64_t i) except -1 nogil:
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


cdef inline Py_ssize_t heap_visit(Heap *hp, unsigned char *seen, int64_t *touched,
                                  Py_ssize_t n_touched, const double *h, int64_t y,
                                  unsigned char mark) except -1 nogil:
    """A flood's step to pixel ``y``: marked ``mark`` in ``seen``, recorded in ``touched``
    (the pixels to clear afterwards) and pushed on the heap; returns the new count."""
    seen[y] = mark
    touched[n_touched] = y
    heap_push(hp, h[y], y)
    return n_touched + 1


cdef inline void clear_touched(unsigned char *seen, const int64_t *touched,
                               Py_ssize_t n_touched) noexcept nogil:
    """Clear the marks of a flood's pixels (``heap_visit``) for the next flood."""
    cdef Py_ssize_t t
    for t in range(n_touched):
        seen[touched[t]] = 0


cdef inline Item heap_pop(Heap *h) noexcept nogil:
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


cdef inline int heap_init(Heap *h, Py_ssize_t cap) except -1:
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


cdef inline void grid_init(Grid *g, tuple shape, int ndim, bint full) noexcept:
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


cdef inline void trim_offsets(Grid *g) noexcept nogil:
    """Keep only the offsets that stay in the grid's own dimensions (8 of the 26 for an
    image, 2 for a signal): the others always fall outside. The order is kept."""
    cdef int k, m = 0, a
    for k in range(g.n_off):
        if (g.ndim < 3 and g.off[k][0] != 0) or (g.ndim < 2 and g.off[k][1] != 0):
            continue
        for a in range(3):
            g.off[m][a] = g.off[k][a]
        g.flat[m] = g.flat[k]
        m += 1
    g.n_off = m


cdef inline int neighbours(Grid *g, int64_t x, int64_t *nb) noexcept nogil:
    """The neighbours of pixel ``x`` inside the grid, in the order of the offsets (after
    :func:`trim_offsets`); their number. A pixel off the boundary takes every flat offset
    without a bounds check (one division for an image, none for a signal)."""
    cdef int64_t c[3], r
    cdef int k, m = 0
    if g.ndim == 1:
        c[0] = 0
        c[1] = 0
        c[2] = x
        if 0 < x < g.n2 - 1:
            nb[0] = x + g.flat[0]
            nb[1] = x + g.flat[1]
            return g.n_off
    elif g.ndim == 2:
        c[0] = 0
        c[1] = x // g.n2
        c[2] = x - c[1] * g.n2
        if 0 < c[1] < g.n1 - 1 and 0 < c[2] < g.n2 - 1:
            for k in range(g.n_off):
                nb[k] = x + g.flat[k]
            return g.n_off
    else:
        coords(g, x, c)
        if (0 < c[0] < g.n0 - 1 and 0 < c[1] < g.n1 - 1 and 0 < c[2] < g.n2 - 1):
            for k in range(g.n_off):
                nb[k] = x + g.flat[k]
            return g.n_off
    for k in range(g.n_off):
        r = step(g, x, c, k)
        if r >= 0:
            nb[m] = r
            m += 1
    return m


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


