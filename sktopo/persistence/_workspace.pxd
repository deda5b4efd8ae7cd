# The buffers of the 2-D pairing (``_pairing``), kept from call to call.

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t

from sktopo.persistence._glue cimport Glue
from sktopo.persistence._labels cimport Labels
from sktopo.persistence._union_find cimport PairBuffer


cdef struct ImageWorkspace:
    # the buffers of image_terms, kept between calls (grown as needed); only ``idx`` and
    # ``val`` are read by callers
    Py_ssize_t pixels          # capacity of the sort buffers, in pixels
    int64_t first              # the first pixel of the order (value, index)
    Py_ssize_t out_capacity    # capacity of idx and val
    int32_t *order
    int32_t *tmp_index
    uint32_t *key
    uint32_t *tmp_key
    Labels labels
    # of a one-tile image (see _regular): the rank of every padded pixel in the order and
    # the masks of its neighbours before it
    Py_ssize_t padded          # capacity of rank and link, in padded pixels
    uint32_t *rank             # (16-bit in an image of up to 65536 pixels)
    uint8_t *link
    double *terms
    int64_t *idx
    double *val
    PairBuffer low_buf
    PairBuffer top_buf
    Glue low_glue
    Glue top_glue
    # NULL, or the values of the image, read at the pairs' pixels tile by tile into
    # ``points`` (births and deaths of the H0 pairs, then of the H1 pairs), and then
    # ``low_buf`` and ``top_buf`` are the caller's (see image_points)
    const double *values
    double *points[4]


cdef void workspace_free(ImageWorkspace *ws) noexcept nogil
cdef void take_workspace(ImageWorkspace *ws, Py_ssize_t n) noexcept
cdef void give_back_workspace(ImageWorkspace *ws, Py_ssize_t n) noexcept
cdef int workspace_reserve(ImageWorkspace *ws, Py_ssize_t th, Py_ssize_t tw) noexcept nogil
