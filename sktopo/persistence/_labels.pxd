# The classes of the union-find of the 2-D pairing (``_pairing``).

from libc.stdint cimport int16_t, int32_t, uint16_t


cdef struct ClassInfo:
    # a class of the union-find of an image, read at its root id (8 bytes: the records
    # of a tile's classes stay in the first-level cache)
    int16_t eldest     # its oldest id: ids are given in the order of birth
    uint16_t size      # its ids (the border's: the largest)
    int32_t start      # they are Labels.members[start:start + size]


cdef struct Labels:
    # Every present pixel holds the id of the class born with it or of the class it
    # joined; a class merged into another keeps its id, and ``root`` maps every id to the
    # class it belongs to now, kept flat: on a merge, the ids of the smaller class (in
    # ``members``, contiguous) are mapped to the larger one.
    int16_t *label           # padded tile: class id of a present pixel; -1 if absent, -2 if
                             # absent and on the tile's edge (a neighbour in another tile)
    Py_ssize_t label_capacity
    int16_t *root_base       # root = root_base + 2: root[-1] = root[-2] = -1 (absent)
    ClassInfo *info
    int32_t *pixel           # of an id: the C-order index of the pixel its class was born at
    int32_t *vertex          # of a root class: its vertex in the glue graph (-1: it has not
                             # reached the edge of its tile)
    Py_ssize_t capacity      # of root and info
    Py_ssize_t n_classes     # ids used so far (0: the border of the dual filtration)
    int16_t *members
    Py_ssize_t pool_size
    Py_ssize_t pool_capacity
    bint failed


cdef int labels_reset(Labels *c, Py_ssize_t n, bint dual, int32_t row, Py_ssize_t h,
                      int sides) noexcept nogil
cdef void labels_free(Labels *c) noexcept nogil
cdef int open_classes(Labels *c, int32_t count) noexcept nogil
cdef int32_t absorb(Labels *c, int32_t a, int32_t b) noexcept nogil
