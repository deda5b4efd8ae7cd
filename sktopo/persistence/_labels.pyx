# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The classes of the union-find of the 2-D pairing (:mod:`sktopo.persistence._pairing`):
labels, flat roots and member lists (see :class:`Labels`)."""

from libc.stdint cimport int16_t, int32_t, uint16_t
from libc.stdlib cimport free
from libc.string cimport memcpy, memset

from sktopo.persistence._union_find cimport big_alloc


cdef extern from "_image_neighbours.h":
    int32_t sktopo_ceil_pow2(int32_t size) noexcept nogil


cdef void *resize(void *p, size_t old_bytes, size_t new_bytes) noexcept nogil:
    """``p`` moved to a larger block (huge pages when large); NULL when out of memory (``p``
    is then freed)."""
    cdef void *q = big_alloc(new_bytes)
    if q != NULL and old_bytes:
        memcpy(q, p, old_bytes)
    free(p)
    return q


cdef int labels_reserve(Labels *c, Py_ssize_t size, Py_ssize_t classes) noexcept nogil:
    """Room for ``size`` padded pixels and ``classes`` classes; -1 when out of memory."""
    if c.label_capacity < size:
        free(c.label)
        c.label = <int16_t *> big_alloc(size * sizeof(int16_t))
        c.label_capacity = 0 if c.label == NULL else size
        if c.label == NULL:
            return -1
    if c.capacity < classes:
        c.root_base = <int16_t *> resize(c.root_base, (c.capacity + 2) * 2 if c.capacity else 0,
                                         (classes + 2) * sizeof(int16_t))
        c.info = <ClassInfo *> resize(c.info, c.capacity * sizeof(ClassInfo),
                                      classes * sizeof(ClassInfo))
        c.vertex = <int32_t *> resize(c.vertex, c.capacity * sizeof(int32_t),
                                      classes * sizeof(int32_t))
        c.pixel = <int32_t *> resize(c.pixel, c.capacity * sizeof(int32_t),
                                     classes * sizeof(int32_t))
        c.capacity = classes
        if c.root_base == NULL or c.info == NULL or c.vertex == NULL or c.pixel == NULL:
            return -1
    if c.pool_capacity < 2 * classes:
        c.members = <int16_t *> resize(c.members, c.pool_size * sizeof(int16_t),
                                       2 * classes * sizeof(int16_t))
        c.pool_capacity = 2 * classes
        if c.members == NULL:
            return -1
    return 0


cdef void labels_free(Labels *c) noexcept nogil:
    free(c.label)
    free(c.root_base)
    free(c.info)
    free(c.vertex)
    free(c.pixel)
    free(c.members)
    memset(c, 0, sizeof(Labels))


cdef int labels_reset(Labels *c, Py_ssize_t n, bint dual, int32_t row, Py_ssize_t h,
                      int sides) noexcept nogil:
    """No pixel of the padded ``(h, row - 2)`` tile present. The pixels along the ``sides``
    shared with other tiles (bits: 1 top, 2 bottom, 4 left, 8 right) are marked -2 (on the
    edge); with ``dual``, the padding along the other sides (the image's border) is class
    0, older and larger than every other. -1 when out of memory."""
    cdef Py_ssize_t k, r, size = (h + 2) * row, w = row - 2
    c.pool_size = 0
    # (noise has a local extremum every 5 pixels in 4-connectivity, 9 in 8-connectivity)
    if labels_reserve(c, size, n // 4 + 16) < 0:
        labels_free(c)
        return -1
    memset(c.label, 0xFF, size * sizeof(int16_t))
    c.root_base[0] = -1
    c.root_base[1] = -1
    c.root_base[2] = 0
    c.n_classes = 1
    c.failed = False
    c.info[0].eldest = 0
    c.info[0].size = 0xFFFF
    c.info[0].start = 0
    c.pixel[0] = -1
    c.vertex[0] = 0
    for k in range(1, w + 1):
        if sides & 1:
            c.label[row + k] = -2
        if sides & 2:
            c.label[h * row + k] = -2
    for r in range(1, h + 1):
        if sides & 4:
            c.label[r * row + 1] = -2
        if sides & 8:
            c.label[r * row + w] = -2
    if not dual:
        return 0
    for k in range(row):
        if not sides & 1:
            c.label[k] = 0
        if not sides & 2:
            c.label[size - row + k] = 0
    for r in range(h + 2):
        if not sides & 4:
            c.label[r * row] = 0
        if not sides & 8:
            c.label[r * row + row - 1] = 0
    return 0


cdef int open_classes(Labels *c, int32_t count) noexcept nogil:
    """Classes ``1..count - 1``, one id each, born in that order, after a reset (their
    pixels are the caller's); -1 when out of memory."""
    cdef int32_t k
    cdef int16_t *root
    if labels_reserve(c, 0, count) < 0:
        return -1
    root = c.root_base + 2
    for k in range(1, count):
        root[k] = <int16_t> k
        c.info[k].eldest = <int16_t> k
        c.info[k].size = 1
        c.info[k].start = k
        c.members[k] = <int16_t> k
        c.vertex[k] = -1
    c.pool_size = count
    c.n_classes = count
    return 0


cdef Py_ssize_t pool_take(Labels *c, Py_ssize_t count) noexcept nogil:
    """Start of ``count`` fresh slots of ``members`` (-1 when out of memory)."""
    cdef Py_ssize_t start = c.pool_size, capacity = 2 * c.pool_capacity
    if start + count > c.pool_capacity:
        while capacity < start + count:
            capacity *= 2
        if capacity > 2147483647:
            return -1
        c.members = <int16_t *> resize(c.members, start * sizeof(int16_t),
                                       capacity * sizeof(int16_t))
        c.pool_capacity = 0 if c.members == NULL else capacity
        if c.members == NULL:
            return -1
    c.pool_size += count
    return start


cdef int32_t absorb(Labels *c, int32_t a, int32_t b) noexcept nogil:
    """Merge the root classes ``a`` and ``b``: the ids of the one with fewer are mapped to
    the other (independent stores, not a chain of loads) and appended to its members; the
    survivor, -1 when out of memory."""
    cdef int32_t big = a, small = b, i
    cdef int16_t *root = c.root_base + 2
    cdef int16_t *ids
    cdef int16_t *to
    cdef ClassInfo *s
    cdef ClassInfo *g
    cdef Py_ssize_t start
    if c.info[b].size > c.info[a].size:
        big = b
        small = a
    s = &c.info[small]
    g = &c.info[big]
    if s.eldest < g.eldest:
        g.eldest = s.eldest
        c.vertex[big] = c.vertex[small]
    if big == 0:
        # the border: its ids are never relabelled, so not listed
        ids = c.members + s.start
        for i in range(s.size):
            root[ids[i]] = 0
        return 0
    if g.size + s.size > sktopo_ceil_pow2(g.size):
        # the members move to a block of the next power of two
        start = pool_take(c, sktopo_ceil_pow2(g.size + s.size))
        if start < 0:
            return -1
        memcpy(c.members + start, c.members + g.start, g.size * sizeof(int16_t))
        g.start = <int32_t> start
    ids = c.members + s.start
    to = c.members + g.start + g.size
    for i in range(s.size):
        to[i] = ids[i]
        root[ids[i]] = <int16_t> big
    g.size = <uint16_t> (g.size + s.size)
    return big
