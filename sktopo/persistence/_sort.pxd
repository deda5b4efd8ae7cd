# Sorting for the pairing kernels: the pixels of an image by (value, index) with a radix
# sort, and runs of equal values by index.

from libc.stdint cimport int32_t, int64_t, uint32_t


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


cdef inline int32_t unpad2(int32_t p, int32_t row, double inverse, int32_t width) noexcept nogil:
    """C-order flat index in an image of row length ``width`` of the index ``p`` in the
    image padded by one pixel on every side (rows of ``row = width + 2``)."""
    cdef Py_ssize_t c
    cdef Py_ssize_t r = split_index(p, row, inverse, &c)
    return <int32_t> ((r - 1) * width + c - 1)


cdef int sort_pixels(const double *f, Py_ssize_t d, Py_ssize_t h, Py_ssize_t w,
                     Py_ssize_t stride, int32_t *order, int32_t *tmp_index, uint32_t *key,
                     uint32_t *tmp_key) noexcept nogil
cdef void sort_run(int64_t *run, Py_ssize_t length) noexcept nogil
cdef int sort_by_pixel(const double *f, const int32_t *pixel, Py_ssize_t step, Py_ssize_t n,
                       int32_t *order, int32_t *tmp_index, uint32_t *key,
                       uint32_t *tmp_key, const double *given=*) noexcept nogil
