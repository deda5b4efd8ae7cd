# The C-level interface of the 2-D pairing kernel, for the fused STUMP step, which pairs an
# approximate per step without Python objects.

from libc.stdint cimport int32_t, int64_t, uint32_t

from sktopo.persistence._glue cimport Glue
from sktopo.persistence._norm_terms cimport NormParams
from sktopo.persistence._sort cimport split_index
from sktopo.persistence._union_find cimport PairBuffer


cdef struct ClassInfo:
    # a class of the union-find of an image, read at its root id
    int32_t birth      # step at which its eldest pixel entered
    int32_t pixel      # C-order index of that pixel
    int32_t start      # its class ids are Labels.members[start:start + size]
    int32_t size
    int32_t vertex     # its vertex in the glue graph (-1: it has not reached the tile's edge)


cdef struct Labels:
    # Every present pixel holds the id of the class born with it or of the class it
    # joined; a class merged into another keeps its id, and ``root`` maps every id to the
    # class it belongs to now, kept flat: on a merge, the ids of the smaller class (in
    # ``members``, contiguous) are mapped to the larger one.
    int32_t *label           # padded image: class id of a present pixel, -1 if absent
    Py_ssize_t label_capacity
    int32_t *root_base       # root = root_base + 1: root[-1] = -1 for absent pixels
    ClassInfo *info
    Py_ssize_t capacity      # of root and info
    Py_ssize_t n_classes     # ids used so far (0: the border of the dual filtration)
    int32_t *members
    Py_ssize_t pool_size
    Py_ssize_t pool_capacity
    bint failed


cdef struct ImageWorkspace:
    # the buffers of image_terms, kept between calls (grown as needed); only ``idx`` and
    # ``val`` are read by callers
    Py_ssize_t pixels          # capacity of the sort buffers, in pixels
    int64_t first              # the first pixel of the order (value, index)
    unsigned char *edge        # padded tile: 1 at the pixels with a neighbour in another tile
    Py_ssize_t edge_capacity
    Py_ssize_t out_capacity    # capacity of idx and val
    int32_t *order
    int32_t *tmp_index
    uint32_t *key
    uint32_t *tmp_key
    Labels labels
    double *terms
    int64_t *idx
    double *val
    PairBuffer low_buf
    PairBuffer top_buf
    Glue low_glue
    Glue top_glue
    const double *values       # read at the pairs' pixels tile by tile (NULL: not read)
    double *low_values         # the values of the pairs: birth and death of pair i at
    double *top_values         # 2 i and 2 i + 1
    Py_ssize_t low_values_capacity
    Py_ssize_t top_values_capacity


cdef void workspace_free(ImageWorkspace *ws) noexcept nogil
cdef Py_ssize_t image_terms(ImageWorkspace *ws, const double *f, Py_ssize_t h,
                            Py_ssize_t w, bint full, const NormParams *norms,
                            const double *values, int side, double *value) noexcept nogil
