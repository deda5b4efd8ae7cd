from libc.stdint cimport int64_t

from sktopo.persistence._union_find cimport PairBuffer


cdef struct NormParams:
    # a PersistenceNorm with p 1 or 2: points of lifetime in (min_p, max_p] and birth in
    # [low, high]; ``on`` False: no term for this homology dimension
    bint on
    double min_p
    double max_p
    double p
    double low
    double high


cdef int norm_params(object params, NormParams *q) except -1
cdef Py_ssize_t norm_terms(const PairBuffer *buf, const double *values, const NormParams *q,
                           int side, double *total, double *terms, int64_t *idx,
                           double *val) noexcept nogil
