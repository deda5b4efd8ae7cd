# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The tiles of the 2-D pairing (:mod:`sktopo.persistence._pairing`) and the graph that
glues them: the edges of a tile, what a class does when it reaches them, and the H0 of
the glue graph, the last step.

Every tile is paired alone; a class that reaches the edge of its tile gets a vertex (born
at its eldest pixel), and the tile records an edge for each merge it could not settle
(the younger class had reached the edge) and for each pair of neighbouring pixels in two
tiles (at the later of the two). The union-find with the elder rule over these edges, in
the order (value, index) of their pixels, gives the remaining pairs.
"""

from libc.math cimport INFINITY
from libc.stdint cimport int32_t, uint32_t
from libc.stdlib cimport free, malloc

from sktopo.persistence._sort cimport sort_by_pixel
from sktopo.persistence._union_find cimport big_alloc, buffer_push, grow, sktopo_prefetch


cdef int glue_reset(Glue *g, Py_ssize_t n_slots, Py_ssize_t n) noexcept nogil:
    """An empty graph (vertex 0, the border, only) with ``n_slots`` slots, sized for an
    image of ``n`` pixels; -1 when out of memory."""
    g.n_vertices = 0
    g.n_edges = 0
    if g.vertex_capacity < n // 64 + 1024:
        free(g.vertices)
        g.vertex_capacity = n // 64 + 1024
        g.vertices = <Vertex *> big_alloc(g.vertex_capacity * sizeof(Vertex))
    if g.edge_capacity < n // 16 + 1024:
        free(g.edges)
        g.edge_capacity = n // 16 + 1024
        g.edges = <Edge *> big_alloc(g.edge_capacity * sizeof(Edge))
    if g.vertices == NULL or g.edges == NULL:
        glue_free(g)
        return -1
    glue_vertex(g, -1, INFINITY)
    if g.n_slots < n_slots:
        free(g.slot_vertex)
        g.slot_vertex = <int32_t *> malloc(n_slots * sizeof(int32_t))
        if g.slot_vertex == NULL:
            g.n_slots = 0
            return -1
        g.n_slots = n_slots
    return 0


cdef void glue_free(Glue *g) noexcept nogil:
    free(g.vertices)
    free(g.edges)
    free(g.slot_vertex)
    g.vertices = NULL
    g.edges = NULL
    g.slot_vertex = NULL
    g.n_vertices = g.vertex_capacity = g.n_edges = g.edge_capacity = g.n_slots = 0


cdef int glue_grow(Glue *g, bint edges) noexcept nogil:
    """Double the room for edges (else vertices); -1 when out of memory (the array is
    then freed and NULL)."""
    cdef bint failed = False
    if edges:
        g.edge_capacity = 2 * g.edge_capacity if g.edge_capacity else 1024
        g.edges = <Edge *> grow(g.edges, g.edge_capacity, sizeof(Edge), &failed)
    else:
        g.vertex_capacity = 2 * g.vertex_capacity if g.vertex_capacity else 1024
        g.vertices = <Vertex *> grow(g.vertices, g.vertex_capacity, sizeof(Vertex), &failed)
    return -1 if failed else 0


cdef inline int32_t find(Vertex *v, int32_t x) noexcept nogil:
    """The root of vertex ``x``, with path halving."""
    cdef int32_t up = v[x].parent
    while up >= 0:
        if v[up].parent < 0:
            return up
        v[x].parent = v[up].parent
        x = v[up].parent
        up = v[x].parent
    return x


cdef inline bint older(const Vertex *a, const Vertex *b, bint dual) noexcept nogil:
    """Whether the class of root ``a`` was born before the class of root ``b``."""
    if dual:
        return a.value > b.value or (a.value == b.value and a.pixel > b.pixel)
    return a.value < b.value or (a.value == b.value and a.pixel < b.pixel)


cdef enum:
    _AHEAD = 16       # edges fetched ahead (they are read in random places)


cdef int glue_pairs(Glue *g, const double *f, bint dual, PairBuffer *buf) noexcept nogil:
    """The pairs of the glue graph of the image ``f`` (C-contiguous) into ``buf``, as
    :func:`sktopo.persistence._regular.regular_union` (edges in decreasing order when
    ``dual``); -1 when out of memory."""
    cdef Py_ssize_t n = g.n_edges, s
    cdef int32_t a, b, young, old
    cdef Edge *e
    cdef Vertex *v = g.vertices
    cdef int32_t *order = <int32_t *> malloc((2 * n + 1) * sizeof(int32_t))
    cdef uint32_t *key = <uint32_t *> malloc((2 * n + 1) * sizeof(uint32_t))
    if order == NULL or key == NULL or sort_by_pixel(f, &g.edges[0].pixel, 3, n, order,
                                                     order + n, key, key + n) < 0:
        free(order)
        free(key)
        return -1
    free(key)
    if dual:
        for s in range(n // 2):
            order[s], order[n - 1 - s] = order[n - 1 - s], order[s]
    for s in range(n):
        if s + _AHEAD < n:
            sktopo_prefetch(&g.edges[order[s + _AHEAD]])
        e = &g.edges[order[s]]
        a = find(v, e.a)
        b = find(v, e.b if e.b >= 0 else g.slot_vertex[-1 - e.b])
        if a == b:
            continue
        # the younger class dies at the pixel of the edge
        if older(&v[a], &v[b], dual):
            old, young = a, b
        else:
            old, young = b, a
        v[young].parent = old
        if v[young].pixel == e.pixel:
            continue    # a local minimum of a tile, not of the image: no class is born
        if dual:
            buffer_push(buf, e.pixel, v[young].pixel)
        else:
            buffer_push(buf, v[young].pixel, e.pixel)
    free(order)
    return -1 if buf.failed else 0


# --------------------------------------------------------------------------- tiles

cdef int reach_edge(const Tile *t, int32_t *vertex, int32_t eldest, int32_t lr, int32_t lc,
                    bint dual, bint ring) noexcept nogil:
    """A class (born at ``eldest``, its vertex at ``vertex``) has reached the pixel ``(lr,
    lc)`` of the tile, on its edge: its vertex (made now if it has none) goes to the slots
    of the pixel, and an edge to every neighbour of the pixel in another tile that came
    before it. -1 when out of memory.

    The two lines of pixels along the ``k``-th horizontal edge between tiles hold the
    slots ``2 k`` and ``2 k + 1`` times the image's width, then come those of the vertical
    edges (times its height). The neighbours above or below the tile are those of the
    horizontal lines (corners included), the ones left or right of it within its rows
    those of the vertical lines."""
    cdef Glue *g = t.glue
    cdef int32_t v = vertex[0], gr = t.y0 + lr, gc = t.x0 + lc, k, lo, hi
    cdef int32_t pixel = gr * t.w + gc
    cdef Py_ssize_t w = t.w, h = t.h
    cdef bint up = lr == 0 and t.i > 0, down = lr == t.th - 1 and t.i < t.rows - 1
    cdef bint left = lc == 0 and t.j > 0, right = lc == t.tw - 1 and t.j < t.cols - 1
    if v < 0:
        v = glue_vertex(g, eldest, t.f[eldest])
        if v < 0:
            return -1
        vertex[0] = v
    # room for the at most five edges (appended without branches on the values)
    if g.n_edges + 5 > g.edge_capacity and glue_grow(g, True) < 0:
        return -1
    if up or down:
        lo = gc - ring if gc > 0 else 0
        hi = gc + ring if gc < w - 1 else gc
        if up:
            g.slot_vertex[(2 * t.i - 1) * w + gc] = v
            for k in range(lo, hi + 1):
                add_edge(g, t.f, (gr - 1) * t.w + k, pixel, v, (2 * t.i - 2) * w + k, dual)
        if down:
            g.slot_vertex[2 * t.i * w + gc] = v
            for k in range(lo, hi + 1):
                add_edge(g, t.f, (gr + 1) * t.w + k, pixel, v, (2 * t.i + 1) * w + k, dual)
    if left or right:
        lo = gr - ring if lr > 0 else gr
        hi = gr + ring if lr < t.th - 1 else gr
        if left:
            g.slot_vertex[t.row_slots + (2 * t.j - 1) * h + gr] = v
            for k in range(lo, hi + 1):
                add_edge(g, t.f, k * t.w + gc - 1, pixel, v,
                         t.row_slots + (2 * t.j - 2) * h + k, dual)
        if right:
            g.slot_vertex[t.row_slots + 2 * t.j * h + gr] = v
            for k in range(lo, hi + 1):
                add_edge(g, t.f, k * t.w + gc + 1, pixel, v,
                         t.row_slots + (2 * t.j + 1) * h + k, dual)
    return 0


cdef inline void add_edge(Glue *g, const double *f, int32_t q, int32_t pixel, int32_t v,
                          Py_ssize_t s, bint dual) noexcept nogil:
    """The edge from vertex ``v`` (at ``pixel``) to the vertex of slot ``s`` (the pixel
    ``q``), kept when ``q`` came first; the room is there."""
    cdef Edge *e = &g.edges[g.n_edges]
    e.pixel = pixel
    e.a = v
    e.b = <int32_t> (-1 - s)
    g.n_edges += elder(f, q, pixel, dual)
