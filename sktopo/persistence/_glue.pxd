# The graph that glues the tiles of the 2-D pairing (``_pairing``): its vertices stand for
# the classes that reach the edge of a tile, its edges for the merges the tiles could not
# settle alone.

from libc.stdint cimport int32_t

from sktopo.persistence._union_find cimport PairBuffer


cdef struct Edge:
    int32_t pixel      # C-order index of the pixel at which the two classes meet
    int32_t a          # a vertex
    int32_t b          # a vertex, or -1 - s: the vertex of the edge pixel of slot s (known
                       # once every tile is done)


cdef struct Vertex:
    double value       # of the eldest pixel of its class (+inf: the border)
    int32_t pixel      # C-order index of that pixel (-1: the border of the dual filtration)
    int32_t parent     # in the union-find of the graph (-1: a root)


cdef struct Glue:
    Vertex *vertices         # vertex 0: the border of the dual filtration
    Py_ssize_t n_vertices
    Py_ssize_t vertex_capacity
    Edge *edges
    Py_ssize_t n_edges
    Py_ssize_t edge_capacity
    int32_t *slot_vertex     # the vertex of the class of each pixel on a tile's edge
    Py_ssize_t n_slots


cdef struct Tile:
    # a block of the image, paired alone (see the module docstring)
    const double *f          # the image, C-contiguous
    int32_t h, w             # its shape
    int32_t rows, cols       # the number of tiles along each axis
    int32_t i, j             # the tile's row and column among the tiles
    int32_t y0, x0           # its first pixel
    int32_t th, tw           # its shape
    Py_ssize_t row_slots     # slots of the pixels on the horizontal edges between tiles
    Glue *glue


cdef int glue_reset(Glue *g, Py_ssize_t n_slots, Py_ssize_t n) noexcept nogil
cdef void glue_free(Glue *g) noexcept nogil
cdef int glue_grow(Glue *g, bint edges) noexcept nogil
cdef int glue_pairs(Glue *g, const double *f, bint dual, PairBuffer *buf) noexcept nogil
cdef int reach_edge(const Tile *t, int32_t *vertex, int32_t eldest, int32_t lr, int32_t lc,
                    bint dual, bint ring) noexcept nogil


cdef inline bint elder(const double *f, int32_t a, int32_t b, bint dual) noexcept nogil:
    """Whether pixel ``a`` comes before pixel ``b`` in the order (value, index), reversed
    when ``dual`` (-1: the border of the dual filtration, before every pixel)."""
    if dual:
        return a < 0 or (b >= 0 and (f[a] > f[b] or (f[a] == f[b] and a > b)))
    return f[a] < f[b] or (f[a] == f[b] and a < b)


cdef inline int32_t glue_vertex(Glue *g, int32_t pixel, double value) noexcept nogil:
    """A new vertex for the class born at ``pixel`` of value ``value``: its id (-1 when
    out of memory)."""
    if g.n_vertices == g.vertex_capacity and glue_grow(g, False) < 0:
        return -1
    g.vertices[g.n_vertices].value = value
    g.vertices[g.n_vertices].pixel = pixel
    g.vertices[g.n_vertices].parent = -1
    g.n_vertices += 1
    return <int32_t> (g.n_vertices - 1)


cdef inline int glue_edge(Glue *g, int32_t pixel, int32_t a, int32_t b) noexcept nogil:
    """Add the edge ``a - b`` appearing at ``pixel``; -1 when out of memory."""
    if g.n_edges == g.edge_capacity and glue_grow(g, True) < 0:
        return -1
    g.edges[g.n_edges].pixel = pixel
    g.edges[g.n_edges].a = a
    g.edges[g.n_edges].b = b
    g.n_edges += 1
    return 0
