# The C-level interface of the pairing kernels, for the fused STUMP step
# (``sktopo.smear._sampling.BlockStep``), which pairs an approximate per step without
# Python objects.

from libc.stdint cimport int32_t, int64_t, uint32_t


cdef struct PairBuffer:
    int64_t *birth
    int64_t *death
    Py_ssize_t size
    Py_ssize_t capacity
    bint failed


cdef struct NormParams:
    # a PersistenceNorm with p 1 or 2: points of lifetime in (min_p, max_p] and birth in
    # [low, high]; ``on`` False: no term for this homology dimension
    bint on
    double min_p
    double max_p
    double p
    double low
    double high


cdef struct ImageWorkspace:
    # the buffers of image_terms, kept between calls (grown as needed)
    Py_ssize_t pixels          # capacity of the sort buffers, in pixels
    Py_ssize_t padded          # capacity of the classes, in padded pixels
    Py_ssize_t out_capacity    # capacity of idx and val
    int32_t *order
    int32_t *tmp_index
    uint32_t *key
    uint32_t *tmp_key
    int32_t *cells
    double *terms
    int64_t *idx
    double *val
    PairBuffer low_buf
    PairBuffer top_buf


cdef inline Py_ssize_t split_index(Py_ssize_t i, Py_ssize_t width, double inverse,
                                   Py_ssize_t *column) noexcept nogil:
    """``i // width``, and ``i % width`` in ``column``, for ``0 <= i < 2**31``, from
    ``inverse = 1.0 / width`` (no integer division: the rounded quotient is off by at most
    one)."""
    cdef Py_ssize_t r = <Py_ssize_t> (i * inverse), c = i - r * width
    if c < 0:
        r -= 1
        c += width
    elif c >= width:
        r += 1
        c -= width
    column[0] = c
    return r


cdef void workspace_free(ImageWorkspace *ws) noexcept nogil
cdef Py_ssize_t image_terms(ImageWorkspace *ws, const double *f, Py_ssize_t h,
                            Py_ssize_t w, bint full, const NormParams *norms,
                            const double *values, int side, double *value) noexcept nogil
