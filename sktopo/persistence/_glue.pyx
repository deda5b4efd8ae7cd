# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The last step of the tiled 2-D pairing (:mod:`sktopo.persistence._pairing`): H0 of
the graph that glues the tiles.

Every tile is paired alone; a class that reaches the edge of its tile gets a vertex (born
at its eldest pixel), and the tile records an edge for each merge it could not settle
(the younger class had reached the edge) and for each pair of neighbouring pixels in two
tiles (at the later of the two). The union-find with the elder rule over these edges, in
the order (value, index) of their pixels, gives the remaining pairs.
"""

from libc.stdint cimport int32_t, uint32_t
from libc.stdlib cimport free, malloc, realloc

from sktopo.persistence._sort cimport sort_by_pixel
from sktopo.persistence._union_find cimport buffer_push, find_root


cdef int glue_reset(Glue *g, Py_ssize_t n_slots, Py_ssize_t n) noexcept nogil:
    """An empty graph (vertex 0, the border, only) with ``n_slots`` slots, sized for an
    image of ``n`` pixels; -1 when out of memory."""
    g.n_vertices = 1
    g.n_edges = 0
    if g.vertex_capacity < n // 16 + 16 and glue_grow(g, False) < 0:
        return -1
    if g.edge_capacity < n // 8 + 16 and glue_grow(g, True) < 0:
        return -1
    g.vertex_pixel[0] = -1
    if g.n_slots < n_slots:
        free(g.slot_vertex)
        g.slot_vertex = <int32_t *> malloc(n_slots * sizeof(int32_t))
        if g.slot_vertex == NULL:
            g.n_slots = 0
            return -1
        g.n_slots = n_slots
    return 0


cdef void glue_free(Glue *g) noexcept nogil:
    free(g.vertex_pixel)
    free(g.edges)
    free(g.slot_vertex)
    g.vertex_pixel = NULL
    g.edges = NULL
    g.slot_vertex = NULL
    g.n_vertices = g.vertex_capacity = g.n_edges = g.edge_capacity = g.n_slots = 0


cdef int glue_grow(Glue *g, bint edges) noexcept nogil:
    """Double the room for edges (else vertices); -1 when out of memory."""
    cdef void *p
    cdef Py_ssize_t capacity
    if edges:
        capacity = 2 * g.edge_capacity if g.edge_capacity else 1024
        p = realloc(g.edges, capacity * sizeof(Edge))
        if p == NULL:
            return -1
        g.edges = <Edge *> p
        g.edge_capacity = capacity
    else:
        capacity = 2 * g.vertex_capacity if g.vertex_capacity else 1024
        p = realloc(g.vertex_pixel, capacity * sizeof(int32_t))
        if p == NULL:
            return -1
        g.vertex_pixel = <int32_t *> p
        g.vertex_capacity = capacity
    return 0


cdef int glue_pairs(Glue *g, const double *f, bint dual, PairBuffer *buf) noexcept nogil:
    """The pairs of the glue graph of the image ``f`` (C-contiguous) into ``buf``, as
    :func:`sktopo.persistence._pairing.image_union` (edges in decreasing order when
    ``dual``); -1 when out of memory."""
    cdef Py_ssize_t n = g.n_edges, s
    cdef int32_t a, b, young, old, pixel
    cdef Edge *e
    cdef int32_t *order = <int32_t *> malloc((2 * n + 1) * sizeof(int32_t))
    cdef uint32_t *key = <uint32_t *> malloc((2 * n + 1) * sizeof(uint32_t))
    # a root holds -1, any other vertex its parent
    cdef int32_t *parent = <int32_t *> malloc(g.n_vertices * sizeof(int32_t))
    cdef int status = -1
    if order == NULL or key == NULL or parent == NULL:
        free(order)
        free(key)
        free(parent)
        return -1
    if sort_by_pixel(f, &g.edges[0].pixel, 3, n, order, order + n, key, key + n) < 0:
        n = -1
    for s in range(g.n_vertices):
        parent[s] = -1
    for s in range(n):
        e = &g.edges[order[n - 1 - s if dual else s]]
        a = find_root(parent, e.a)
        b = find_root(parent, e.b if e.b >= 0 else g.slot_vertex[-1 - e.b])
        if a == b:
            continue
        # the younger class dies at the pixel of the edge (classes are born at their
        # eldest pixel)
        if elder(f, g.vertex_pixel[a], g.vertex_pixel[b], dual):
            old, young = a, b
        else:
            old, young = b, a
        parent[young] = old
        if g.vertex_pixel[young] == e.pixel:
            continue    # a local minimum of a tile, not of the image: no class is born
        if dual:
            buffer_push(buf, e.pixel, g.vertex_pixel[young])
        else:
            buffer_push(buf, g.vertex_pixel[young], e.pixel)
    if n >= 0:
        status = -1 if buf.failed else 0
    free(order)
    free(key)
    free(parent)
    return status
