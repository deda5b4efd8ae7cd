# The C-level interface of the 2-D pairing kernel, for the fused STUMP step, which pairs an
# approximate per step without Python objects.

from sktopo.persistence._norm_terms cimport NormParams
from sktopo.persistence._sort cimport split_index
from sktopo.persistence._workspace cimport ImageWorkspace


cdef Py_ssize_t image_terms(ImageWorkspace *ws, const double *f, Py_ssize_t h,
                            Py_ssize_t w, bint full, const NormParams *norms,
                            const double *values, int side, double *value) noexcept nogil
