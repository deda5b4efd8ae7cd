# The C-level interface of the 2-D block pooling, for the compiled STUMP step
# (``sktopo.optim._step``).

from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t


cdef struct PoolJob:
    # the iterate-independent part of one approximate (see run_job): its random words,
    # then, when ``sums``, the block sums of ``x0 + h`` (``out``) and the weight totals
    # (contiguous ``ny x nx``), and the weights (``known``) and flat block indices
    # (``blocks``) of the first ``n_known`` pixels of ``act``
    uint64_t seed
    uint64_t *words
    Py_ssize_t n_words
    const double *x0
    Py_ssize_t H, W, ky, kx, oy, ox, ny, nx
    double eps
    int mode
    bint sums
    double *out
    double *total
    const int64_t *act
    double *known
    int32_t *blocks
    Py_ssize_t n_known
    double *row_t           # scratch of 2 W doubles
    int32_t *tables         # scratch of H + W ints


cdef double pixel_weight(uint32_t z, int mode) noexcept nogil
cdef void fill_words_c(uint64_t seed, uint64_t *out, Py_ssize_t n_words) noexcept nogil
cdef void pool_rows(const double *x, Py_ssize_t H, Py_ssize_t W, Py_ssize_t ky,
                    Py_ssize_t kx, Py_ssize_t oy, Py_ssize_t ox, double eps, int mode,
                    const uint32_t *bits, double *out, double *total, Py_ssize_t ny,
                    Py_ssize_t nx, bint divide, double *row_t) noexcept nogil
cdef void run_job(PoolJob *job) noexcept nogil
cdef void finish_c(const PoolJob *job, Py_ssize_t n_act, const double *x_act,
                   const double *x0_act, double *pooled) noexcept nogil
cdef Py_ssize_t pullback_c(const int64_t *blocks, const double *vals, Py_ssize_t n_blocks,
                           Py_ssize_t H, Py_ssize_t W, Py_ssize_t ky, Py_ssize_t kx,
                           Py_ssize_t oy, Py_ssize_t ox, int mode, const uint32_t *bits,
                           const double *total, Py_ssize_t nx, int64_t *out_idx,
                           double *out_val) noexcept nogil
