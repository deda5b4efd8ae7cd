# The 2-D pairing of an image of one tile with the union-find at the pixels that may merge
# classes only (``_pairing``).

from libc.stdint cimport int16_t, int32_t, uint8_t, uint16_t

from sktopo.persistence._labels cimport Labels
from sktopo.persistence._union_find cimport PairBuffer, buffer_push
from sktopo.persistence._workspace cimport ImageWorkspace


cdef enum:
    # the most pixels of an image of one tile (its class ids are 16-bit: on all but
    # images of 65535 pixels or more that are nearly all extrema, they fit)
    ONE_TILE_PIXELS = 131072
    # one_tile's status when a pass has more classes than 16-bit ids
    TOO_MANY_CLASSES = -2


cdef void tile_masks(const int32_t *order, Py_ssize_t n, Py_ssize_t h, int32_t row,
                     uint16_t *rank, uint8_t *mask) noexcept nogil
cdef const uint8_t *mask_kinds(bint ring, int32_t row, int32_t *shift) noexcept nogil
cdef int regular_union(Labels *c, const int32_t *order, Py_ssize_t n, const uint8_t *mask,
                       bint dual, bint ring, int32_t row, int32_t *candidate,
                       int16_t *candidate_label, int32_t *birth,
                       PairBuffer *buf) noexcept nogil
cdef int one_tile(ImageWorkspace *ws, Py_ssize_t n, Py_ssize_t h, int32_t row, bint full,
                  bint low, bint top) noexcept nogil


cdef inline void push_death(PairBuffer *buf, Labels *c, int32_t young, int32_t pixel,
                            bint dual) noexcept nogil:
    """The pair of class ``young`` dying at ``pixel``: (its eldest pixel, ``pixel``), or
    the other way round when ``dual`` (a hole born at ``pixel``, filled at the top of the
    class)."""
    if dual:
        buffer_push(buf, pixel, c.pixel[c.info[young].eldest])
    else:
        buffer_push(buf, c.pixel[c.info[young].eldest], pixel)
