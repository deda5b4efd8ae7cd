# The C-level interface of the 2-D pairing kernel, for the fused STUMP step, which pairs an
# approximate per step without Python objects.

from sktopo.persistence._norm_terms cimport NormParams
from sktopo.persistence._sort cimport split_index
from sktopo.persistence._workspace cimport ImageWorkspace


cdef Py_ssize_t image_terms(ImageWorkspace *ws, const double *f, Py_ssize_t h,
                            Py_ssize_t w, bint full, const NormParams *norms,
                            const double *values, int side, double *value) noexcept nogil

from libc.stdint cimport int32_t
from sktopo.persistence._glue cimport Tile
from sktopo.persistence._labels cimport Labels
from sktopo.persistence._union_find cimport PairBuffer

cdef int image_union(Labels *c, const int32_t *order, Py_ssize_t n, bint dual, bint ring,
                     int32_t row, const Tile *tile, PairBuffer *buf) noexcept nogil
