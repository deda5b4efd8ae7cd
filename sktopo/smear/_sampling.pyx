# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled block pooling of a noisy image for the STUMP hot path (private).

The random bits of an approximate are 32 bits per pixel: ``fill_words`` fills a buffer
with ``LANES`` interleaved xoshiro256++ streams (Blackman and Vigna; word ``i`` comes from
stream ``i % LANES``, so the streams advance independently and the loop vectorizes),
seeded from one 64-bit seed by SplitMix64. Pixel ``i`` (C order) takes 32-bit half ``i``
of the buffer (little-endian halves: the low half of word ``i // 2`` for even ``i``): its
low 16 bits give its weight, its high 16 bits its noise, both as ``U = (k + 1/2) / 2**16``
uniform in (0, 1): ``h = eps * (2 U - 1)``; the weight is ``U`` (normalized uniforms),
``-log U`` (Dirichlet(1) weights) or 1 (the average). The numpy path reads the same
buffer.

``pool2d`` then makes one pass over the pixels adding ``u * (x + h)`` and ``u`` into the
sums of their blocks, for a block grid shifted by ``(oy, ox)``: pixel ``(r, c)`` is in
block ``((r + oy) // ky, (c + ox) // kx)``. The pooled value of a block is the ratio of
its two sums. The weights are rounded to float32 and used rounded, so that the pull-back
(from the stored float32 weights) is the exact adjoint of the pooling.

``Prefetcher`` prepares the pooling of the next approximate in a worker thread, and
``BlockStep`` runs a whole STUMP step of the common case (this pooling, the pairing and
norm terms of ``sktopo.persistence._pairing``, the pull-back and the Adam step of
``sktopo.optim._adam_step``) in one call, through the C-level interfaces of those modules
(their ``.pxd`` files).
"""

from cpython.pythread cimport (PyThread_acquire_lock, PyThread_allocate_lock,
                               PyThread_free_lock, PyThread_release_lock,
                               PyThread_type_lock, WAIT_LOCK)
from libc.math cimport INFINITY, logf, pow, sqrt
from libc.stdlib cimport free, malloc, qsort
from libc.string cimport memset
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t

from ..optim._adam_step cimport adam_active
from ..persistence._pairing cimport (ImageWorkspace, NormParams, image_terms, split_index,
                                     workspace_free)

cdef double INV16 = 1.0 / 65536.0

# The inner loops, in C with restrict pointers so that the compiler vectorizes them (SSE2)
cdef extern from *:
    """
    #include <stdint.h>
    #define SKTOPO_LANES 4
    /* an AVX2 clone of the hot loops, picked at load time when the CPU has it (GCC's
       function multiversioning); the same arithmetic, so the same numbers */
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define SKTOPO_CLONES __attribute__((target_clones("avx2", "default")))
    #else
    #define SKTOPO_CLONES
    #endif
    static inline uint64_t sktopo_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    /* n_rounds rounds of LANES interleaved xoshiro256++ streams; s: 4 x LANES state words.
       With GCC or clang, the LANES streams are the lanes of one vector */
    #if defined(__GNUC__)
    #include <string.h>
    typedef uint64_t sktopo_lanes __attribute__((vector_size(8 * SKTOPO_LANES)));
    SKTOPO_CLONES static void sktopo_xoshiro_lanes(uint64_t *restrict s, uint64_t *restrict out,
                                                   Py_ssize_t n_rounds) {
        sktopo_lanes s0, s1, s2, s3, r, t;
        memcpy(&s0, s, sizeof(s0)); memcpy(&s1, s + SKTOPO_LANES, sizeof(s1));
        memcpy(&s2, s + 2 * SKTOPO_LANES, sizeof(s2)); memcpy(&s3, s + 3 * SKTOPO_LANES, sizeof(s3));
        for (Py_ssize_t i = 0; i < n_rounds; i++) {
            r = s0 + s3;
            r = ((r << 23) | (r >> 41)) + s0;
            memcpy(out + i * SKTOPO_LANES, &r, sizeof(r));
            t = s1 << 17;
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
            s2 ^= t; s3 = (s3 << 45) | (s3 >> 19);
        }
        memcpy(s, &s0, sizeof(s0)); memcpy(s + SKTOPO_LANES, &s1, sizeof(s1));
        memcpy(s + 2 * SKTOPO_LANES, &s2, sizeof(s2)); memcpy(s + 3 * SKTOPO_LANES, &s3, sizeof(s3));
    }
    #else
    static void sktopo_xoshiro_lanes(uint64_t *restrict s, uint64_t *restrict out,
                                     Py_ssize_t n_rounds) {
        uint64_t s0[SKTOPO_LANES], s1[SKTOPO_LANES], s2[SKTOPO_LANES], s3[SKTOPO_LANES];
        for (int j = 0; j < SKTOPO_LANES; j++) {
            s0[j] = s[j]; s1[j] = s[SKTOPO_LANES + j];
            s2[j] = s[2 * SKTOPO_LANES + j]; s3[j] = s[3 * SKTOPO_LANES + j];
        }
        for (Py_ssize_t i = 0; i < n_rounds; i++) {
            for (int j = 0; j < SKTOPO_LANES; j++) {
                uint64_t t = s1[j] << 17;
                out[i * SKTOPO_LANES + j] = sktopo_rotl(s0[j] + s3[j], 23) + s0[j];
                s2[j] ^= s0[j]; s3[j] ^= s1[j]; s1[j] ^= s2[j]; s0[j] ^= s3[j];
                s2[j] ^= t; s3[j] = sktopo_rotl(s3[j], 45);
            }
        }
        for (int j = 0; j < SKTOPO_LANES; j++) {
            s[j] = s0[j]; s[SKTOPO_LANES + j] = s1[j];
            s[2 * SKTOPO_LANES + j] = s2[j]; s[3 * SKTOPO_LANES + j] = s3[j];
        }
    }
    #endif

    /* the weight of a pixel's bits: mode 1 (low16 + 1/2) / 2^16, mode 2 its -log, as float */
    static inline float sktopo_weight(uint32_t z, int mode) {
        float w = (float) (((double) (int32_t) (z & 0xFFFFu) + 0.5) * (1.0 / 65536.0));
        return mode == 2 ? -logf(w) : w;
    }

    /* one row of normalized uniform weights: t += w * (x + h), s += w (the first row of
       a block row: t = 0 + w * (x + h), s = 0 + w, the same numbers as from zeros); h =
       high16 * scale + shift when noisy */
    #define SKTOPO_ROW_UNIFORM(T, S, ACC) \
        for (Py_ssize_t c = 0; c < n; c++) { \
            double w = ((double) (int32_t) (z[c] & 0xFFFFu) + 0.5) * inv16; \
            T = (ACC ? t[c] : 0.0) + w * (x[c] + (noisy ? (double) (int32_t) (z[c] >> 16) * scale + shift : 0.0)); \
            S = (ACC ? s[c] : 0.0) + w; \
        }
    SKTOPO_CLONES static void sktopo_row_uniform(const double *restrict x, const uint32_t *restrict z,
                                   double *restrict t, double *restrict s, Py_ssize_t n,
                                   int noisy, double scale, double shift, int first) {
        /* w = (k + 1/2) / 2^16 has 17 significant bits: exact in float, no rounding */
        const double inv16 = 1.0 / 65536.0;
        if (noisy && !first) {
            SKTOPO_ROW_UNIFORM(t[c], s[c], 1)
        } else if (noisy) {
            SKTOPO_ROW_UNIFORM(t[c], s[c], 0)
        } else if (!first) {
            noisy = 0;
            SKTOPO_ROW_UNIFORM(t[c], s[c], 1)
        } else {
            SKTOPO_ROW_UNIFORM(t[c], s[c], 0)
        }
    }

    /* one row of the average: t += x + h (the first row: t = 0 + x + h) */
    SKTOPO_CLONES static void sktopo_row_mean(const double *restrict x, const uint32_t *restrict z,
                                double *restrict t, Py_ssize_t n, int noisy,
                                double scale, double shift, int first) {
        if (noisy) {
            for (Py_ssize_t c = 0; c < n; c++)
                t[c] = (first ? 0.0 : t[c]) + (x[c] + ((double) (int32_t) (z[c] >> 16) * scale + shift));
        } else {
            for (Py_ssize_t c = 0; c < n; c++)
                t[c] = (first ? 0.0 : t[c]) + x[c];
        }
    }
    """
    void sktopo_xoshiro_lanes(uint64_t *s, uint64_t *out, Py_ssize_t n_rounds) noexcept nogil
    float sktopo_weight(uint32_t z, int mode) noexcept nogil
    void sktopo_row_uniform(const double *x, const uint32_t *z, double *t, double *s,
                            Py_ssize_t n, int noisy, double scale, double shift,
                            int first) noexcept nogil
    void sktopo_row_mean(const double *x, const uint32_t *z, double *t, Py_ssize_t n,
                         int noisy, double scale, double shift, int first) noexcept nogil

DEF LANES = 4


cdef inline void block_span(Py_ssize_t b, Py_ssize_t k, Py_ssize_t o, Py_ssize_t n,
                            Py_ssize_t *lo, Py_ssize_t *hi) noexcept nogil:
    """The pixels ``[lo, hi)`` of block ``b`` along an axis of ``n`` pixels (offset ``o``)."""
    lo[0] = b * k - o
    hi[0] = lo[0] + k
    if lo[0] < 0:
        lo[0] = 0
    if hi[0] > n:
        hi[0] = n


cdef void block_table(Py_ssize_t n, Py_ssize_t k, Py_ssize_t o, Py_ssize_t scale,
                      int32_t *out) noexcept nogil:
    """``out[p] = ((p + o) // k) * scale`` for the ``n`` pixels of an axis, without
    dividing."""
    cdef Py_ssize_t p, block = o // k, rest = o - (o // k) * k
    for p in range(n):
        out[p] = <int32_t> (block * scale)
        rest += 1
        if rest == k:
            rest = 0
            block += 1


cdef inline uint64_t splitmix_next(uint64_t *state) noexcept nogil:
    state[0] += <uint64_t> 0x9E3779B97F4A7C15ULL
    cdef uint64_t z = state[0]
    z = (z ^ (z >> 30)) * <uint64_t> 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t> 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef void fill_words_c(uint64_t seed, uint64_t *out, Py_ssize_t n_words) noexcept nogil:
    cdef uint64_t s[4 * LANES]
    cdef Py_ssize_t j
    for j in range(LANES):                       # lane j: words j, LANES + j, ...
        s[j] = splitmix_next(&seed)
        s[LANES + j] = splitmix_next(&seed)
        s[2 * LANES + j] = splitmix_next(&seed)
        s[3 * LANES + j] = splitmix_next(&seed)
    sktopo_xoshiro_lanes(s, out, n_words // LANES)


def fill_words(uint64_t seed, uint64_t[::1] out):
    """Fill ``out`` (a multiple of LANES words) with the interleaved xoshiro256++ streams."""
    with nogil:
        fill_words_c(seed, &out[0], out.shape[0])


cdef void pool_rows(const double *x, Py_ssize_t H, Py_ssize_t W, Py_ssize_t ky,
                    Py_ssize_t kx, Py_ssize_t oy, Py_ssize_t ox, double eps, int mode,
                    const uint32_t *bits, double *out, Py_ssize_t out_stride,
                    double *total, Py_ssize_t total_stride, Py_ssize_t ny, Py_ssize_t nx,
                    bint divide, double *row_t) noexcept nogil:
    """The pooling pass of ``pool2d`` (``row_t``: scratch of ``2 * W`` doubles); ``out``
    gets the pooled values when ``divide``, the weighted sums ``sum u * (x + h)`` of the
    blocks otherwise."""
    cdef Py_ssize_t r, r0, r1, c, c0, c1, br, bc
    cdef uint32_t z
    cdef float wf
    cdef double acc_t, acc_u, scale = 2.0 * eps * INV16, shift = eps * INV16 - eps
    cdef bint noisy = eps > 0
    cdef const double *xr
    cdef const uint32_t *zr
    cdef double *row_u = row_t + W
    for br in range(ny):
        block_span(br, ky, oy, H, &r0, &r1)
        if mode == 2:
            memset(row_t, 0, 2 * W * sizeof(double))
        for r in range(r0, r1):
            xr = x + r * W
            zr = bits + r * W
            if mode == 0:
                sktopo_row_mean(xr, zr, row_t, W, noisy, scale, shift, r == r0)
            elif mode == 1:
                sktopo_row_uniform(xr, zr, row_t, row_u, W, noisy, scale, shift, r == r0)
            else:
                for c in range(W):
                    z = zr[c]
                    wf = sktopo_weight(z, 2)
                    if noisy:
                        row_t[c] += wf * (xr[c] + (<double> <int> (z >> 16) * scale
                                                   + shift))
                    else:
                        row_t[c] += wf * xr[c]
                    row_u[c] += wf
        for bc in range(nx):
            block_span(bc, kx, ox, W, &c0, &c1)
            if c1 - c0 == 4:
                # (the order of the loop below, unrolled)
                acc_t = 0.0 + row_t[c0]
                acc_t = acc_t + row_t[c0 + 1]
                acc_t = acc_t + row_t[c0 + 2]
                acc_t = acc_t + row_t[c0 + 3]
                acc_u = 0.0 + row_u[c0]
                acc_u = acc_u + row_u[c0 + 1]
                acc_u = acc_u + row_u[c0 + 2]
                acc_u = acc_u + row_u[c0 + 3]
            else:
                acc_t = 0.0
                acc_u = 0.0
                for c in range(c0, c1):
                    acc_t += row_t[c]
                    acc_u += row_u[c]
            if mode == 0:
                acc_u = <double> ((c1 - c0) * (r1 - r0))
            total[br * total_stride + bc] = acc_u
            out[br * out_stride + bc] = acc_t / acc_u if divide else acc_t


def pool2d(const double[:, ::1] x, Py_ssize_t ky, Py_ssize_t kx, Py_ssize_t oy,
           Py_ssize_t ox, double eps, int mode, const uint32_t[::1] bits,
           double[:, ::1] pooled, double[:, ::1] total):
    """Pool ``x + h`` over the shifted blocks with random weights, in one pass.

    ``mode``: 0 average, 1 normalized uniforms, 2 Dirichlet(1). ``bits``: 32 random bits
    per pixel (unused for the noiseless average). ``pooled`` and ``total`` (the blocks'
    weight sums) have shape ``(ceil((H + oy) / ky), ceil((W + ox) / kx))``. The weights
    are not stored: ``pullback2d`` recomputes them from the bits of the few pixels it
    needs. The rows of a block row are added up column by
    column first (independent additions, no dependency chain), then the columns of each
    block.
    """
    cdef Py_ssize_t H = x.shape[0], W = x.shape[1]
    cdef double *row_t = <double *> malloc(2 * W * sizeof(double))
    if row_t == NULL:
        raise MemoryError()
    with nogil:
        pool_rows(&x[0, 0], H, W, ky, kx, oy, ox, eps, mode, &bits[0], &pooled[0, 0],
                  pooled.strides[0] // sizeof(double), &total[0, 0],
                  total.strides[0] // sizeof(double), pooled.shape[0], pooled.shape[1],
                  True, row_t)
    free(row_t)


cdef void finish_c(const double *sums, const double *total, Py_ssize_t ny, Py_ssize_t nx,
                   const int64_t *act, Py_ssize_t n_act, const double *x_act,
                   const double *x0_act, const float *known, const int32_t *blocks,
                   Py_ssize_t n_known, Py_ssize_t W, Py_ssize_t ky, Py_ssize_t kx,
                   Py_ssize_t oy, Py_ssize_t ox, int mode, const uint32_t *bits,
                   double *pooled) noexcept nogil:
    """The pass of :func:`finish2d` (contiguous ``(ny, nx)`` arrays, unchecked)."""
    cdef Py_ssize_t k, i, r, c, size = ny * nx
    cdef double u
    for k in range(size):
        pooled[k] = sums[k]
    # the pixels of the job: no branch (a pixel that did not move adds 0)
    for k in range(n_known):
        pooled[blocks[k]] += known[k] * (x_act[k] - x0_act[k])
    for k in range(n_known, n_act):
        i = act[k]
        r = i // W
        c = i - r * W
        u = 1.0 if mode == 0 else sktopo_weight(bits[i], mode)
        pooled[((r + oy) // ky) * nx + (c + ox) // kx] += u * (x_act[k] - x0_act[k])
    for k in range(size):
        pooled[k] /= total[k]


def finish2d(const double[:, ::1] sums, const double[:, ::1] total, const int64_t[::1] act,
             const double[::1] x_act, const double[::1] x0_act, const float[::1] known,
             const int32_t[::1] blocks, Py_ssize_t W, Py_ssize_t ky, Py_ssize_t kx,
             Py_ssize_t oy, Py_ssize_t ox, int mode, const uint32_t[::1] bits,
             double[:, ::1] pooled):
    """The pooled image of ``x`` from the block sums of ``x0`` (``Prefetcher``): adds
    ``u * (x - x0)`` of the pixels ``act`` (where ``x = x_act``, ``x0 = x0_act``; ``x =
    x0`` elsewhere) to the sums of their blocks, in the order of ``act``, then divides
    by ``total``. The first ``len(known)`` pixels of ``act`` have their weights ``u`` in
    ``known`` and their flat block indices in ``blocks`` (from the job); the others' are
    computed here."""
    cdef Py_ssize_t ny = pooled.shape[0], nx = pooled.shape[1]
    cdef Py_ssize_t n_known = known.shape[0], n_act = act.shape[0]
    cdef Py_ssize_t row = nx * <Py_ssize_t> sizeof(double)
    if (blocks.shape[0] != n_known or n_known > n_act or x_act.shape[0] != n_act
            or x0_act.shape[0] != n_act or sums.shape[0] != ny or sums.shape[1] != nx
            or total.shape[0] != ny or total.shape[1] != nx
            or sums.strides[0] != row or total.strides[0] != row or pooled.strides[0] != row):
        raise ValueError("finish2d: inconsistent lengths (or rows not contiguous).")
    with nogil:
        finish_c(&sums[0, 0], &total[0, 0], ny, nx, &act[0] if n_act else NULL, n_act,
                 &x_act[0] if n_act else NULL, &x0_act[0] if n_act else NULL,
                 &known[0] if n_known else NULL, &blocks[0] if n_known else NULL, n_known,
                 W, ky, kx, oy, ox, mode, &bits[0], &pooled[0, 0])


cdef extern from *:
    """
    /* sequentially consistent atomics on an int (GCC and clang builtins); without them
       the prefetcher runs its jobs inline */
    #if defined(__GNUC__) || defined(__clang__)
    #define SKTOPO_ATOMICS 1
    static inline int sktopo_load(int *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
    static inline void sktopo_store(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
    static inline int sktopo_exchange(int *p, int v) {
        return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
    }
    static inline int sktopo_cas(int *p, int expected, int desired) {
        return __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_SEQ_CST,
                                           __ATOMIC_SEQ_CST);
    }
    #if defined(__x86_64__) || defined(__i386__)
    #define sktopo_pause() __builtin_ia32_pause()
    #else
    #define sktopo_pause() ((void) 0)
    #endif
    #else
    #define SKTOPO_ATOMICS 0
    #define sktopo_pause() ((void) 0)
    static inline int sktopo_load(int *p) { return *p; }
    static inline void sktopo_store(int *p, int v) { *p = v; }
    static inline int sktopo_exchange(int *p, int v) { int old = *p; *p = v; return old; }
    static inline int sktopo_cas(int *p, int expected, int desired) {
        if (*p != expected) return 0;
        *p = desired;
        return 1;
    }
    #endif
    """
    bint SKTOPO_ATOMICS
    int sktopo_load(int *p) noexcept nogil
    void sktopo_store(int *p, int v) noexcept nogil
    int sktopo_exchange(int *p, int v) noexcept nogil
    bint sktopo_cas(int *p, int expected, int desired) noexcept nogil
    void sktopo_pause() noexcept nogil


cdef enum:
    IDLE = 0        # no job
    SUBMITTED = 1   # a job waits for whichever thread claims it first
    RUNNING = 2     # the worker claimed the job (it releases ``done`` when finished)
    SPINS = 20000   # polls of the worker for a job before it sleeps (about 1 ms)


cdef int compare_double(const void *a, const void *b) noexcept nogil:
    cdef double x = (<const double *> a)[0]
    cdef double y = (<const double *> b)[0]
    return (x > y) - (x < y)


cdef double median64(double *values) noexcept nogil:
    """The median of 64 values (sorted in place)."""
    qsort(values, 64, sizeof(double), compare_double)
    return 0.5 * (values[31] + values[32])


cdef class Prefetcher:
    """Draws the bits of the next approximate and pools ``x0`` with them, in a worker
    thread (or inline, when ``threaded`` is False: the same arithmetic).

    ``submit`` posts a job: fill ``words`` from ``seed``, then, when ``sums`` is True,
    the block sums of ``x0 + h`` and the weight totals (``pool_rows`` with ``divide``
    False) into ``out`` and ``total``, and the weights and flat block indices of the
    pixels ``act`` into ``known`` and ``blocks`` (for ``finish2d``). ``wait`` returns when
    it is done: if the worker has not claimed the job yet (its CPU is busy, or it is
    still waking up), the caller runs it inline instead of waiting. Jobs strictly
    alternate with waits. The worker runs without the GIL and claims a job with a
    compare-and-swap on ``state``. Between jobs it polls for about a millisecond (as
    OpenMP threads do: a sleeping virtual CPU can take longer to wake up than a whole
    step), then sleeps on a ``PyThread`` lock, which ``submit`` releases when the flag
    ``sleeping`` is set (a spurious wake-up only makes it look again). It touches only
    the buffers of its job, which stay alive (``submit`` keeps a reference to the arrays;
    ``BlockStep`` owns its buffers) and are left alone until ``wait`` returns.
    """
    cdef PyThread_type_lock go
    cdef PyThread_type_lock done
    cdef int state, sleeping, stop
    cdef readonly bint threaded
    cdef object thread
    # the choice of the mode (see settle)
    cdef bint tuned, probing
    cdef object clock
    cdef double last, max_wait, wait_cap
    cdef double run_times[64]
    cdef double probe_times[64]
    cdef readonly double mean_wait
    cdef Py_ssize_t count, period, run_length
    cdef readonly Py_ssize_t switches
    cdef const double[:, ::1] x0
    cdef object keep            # the arrays of a job posted by submit
    cdef uint64_t *words
    cdef Py_ssize_t n_words
    cdef double *out
    cdef double *total
    cdef Py_ssize_t ny, nx, out_stride, total_stride
    cdef const int64_t *act
    cdef float *known
    cdef int32_t *blocks
    cdef Py_ssize_t n_known
    cdef double *row_t
    cdef int32_t *tables        # the blocks of the rows (times nx) and of the columns
    cdef uint64_t seed
    cdef Py_ssize_t ky, kx, oy, ox
    cdef double eps
    cdef int mode
    cdef bint sums

    def __cinit__(self, const double[:, ::1] x0, bint threaded, double max_wait=2e-4,
                  double wait_cap=2e-3, Py_ssize_t period=4000):
        self.go = PyThread_allocate_lock()
        self.done = PyThread_allocate_lock()
        self.row_t = <double *> malloc(2 * x0.shape[1] * sizeof(double))
        self.tables = <int32_t *> malloc((x0.shape[0] + x0.shape[1]) * sizeof(int32_t))
        if (self.go == NULL or self.done == NULL or self.row_t == NULL
                or self.tables == NULL):
            raise MemoryError()
        # both locks start taken: they are released to signal
        PyThread_acquire_lock(self.go, WAIT_LOCK)
        PyThread_acquire_lock(self.done, WAIT_LOCK)
        self.x0 = x0
        self.thread = None
        self.threaded = False
        self.tuned = threaded and SKTOPO_ATOMICS
        self.max_wait, self.wait_cap, self.period = max_wait, wait_cap, max(period, 64)
        # the first measurement comes early: the machine decides from the start
        self.run_length = min(self.period, 320)
        import time
        self.clock = time.perf_counter
        if self.tuned:
            self._start()

    cdef int _start(self) except -1:
        """Start a worker thread."""
        import threading
        self.stop = 0
        self.sleeping = 0
        self.mean_wait = 0.0
        self.thread = threading.Thread(target=self._loop, name="sktopo-prefetch", daemon=True)
        self.thread.start()
        self.threaded = True
        return 0

    cdef int _stop(self) except -1:
        """Wait for the job in flight, then stop the worker; the next jobs run inline."""
        with nogil:
            self.wait_job()
        if self.thread is not None:
            sktopo_store(&self.stop, 1)
            self._signal()
            self.thread.join()
            self.thread = None
        self.threaded = False
        return 0

    cdef int settle(self, double waited) except -1:
        """After each wait (``waited`` seconds): choose between the worker and inline jobs.

        The result is the same either way; which is faster depends on what else runs on
        the machine (a free second core: the worker, about 1.5x faster on blobs; a core
        taken by another process, or virtual CPUs short of host time: the worker can be
        slower than inline jobs, as it competes for the CPU with the step). So the mode in
        use is measured against the other one: every ``period`` steps the other mode runs
        for 80 steps, and the faster (by the median time between waits over 64 steps,
        after 16 steps to settle; 5 % or more) is kept (the first time after 320 steps). A worker
        that keeps the steps waiting, on
        average over about 64 steps (each wait counted for at most ``wait_cap``: one
        descheduled virtual CPU does not count), is stopped at once."""
        cdef double now = self.clock(), interval = now - self.last
        cdef bint first = self.last == 0.0
        self.last = now
        if not self.tuned:
            return 0
        if self.threaded and not self.probing:
            self.mean_wait += (min(waited, self.wait_cap) - self.mean_wait) / 64
            if self.mean_wait > self.max_wait:
                self._stop()
                self.switches += 1
                self.count = 0
                self.run_length = self.period
                return 0
        if first:
            return 0
        self.count += 1
        if not self.probing:
            if self.count > self.run_length - 64:
                self.run_times[self.count - (self.run_length - 64) - 1] = interval
            if self.count >= self.run_length:
                self.run_length = self.period
                # measure the other mode
                if self.threaded:
                    self._stop()
                else:
                    self._start()
                self.probing = True
                self.count = 0
        else:
            if self.count > 16:
                self.probe_times[self.count - 17] = interval
            if self.count >= 16 + 64:
                # medians: a step with a slow callback (or a descheduled CPU) does not count
                if not median64(self.probe_times) < 0.95 * median64(self.run_times):
                    # back to the mode measured before
                    if self.threaded:
                        self._stop()
                    else:
                        self._start()
                else:
                    self.switches += 1
                self.probing = False
                self.count = 0
        return 0

    def __dealloc__(self):
        if self.go != NULL:
            PyThread_free_lock(self.go)
        if self.done != NULL:
            PyThread_free_lock(self.done)
        free(self.row_t)
        free(self.tables)

    def _loop(self):
        cdef int i
        with nogil:
            while True:
                for i in range(SPINS):
                    if sktopo_load(&self.state) == SUBMITTED or sktopo_load(&self.stop):
                        break
                    sktopo_pause()
                if sktopo_load(&self.stop):
                    break
                if sktopo_cas(&self.state, SUBMITTED, RUNNING):
                    self._job()
                    PyThread_release_lock(self.done)
                    continue
                sktopo_store(&self.sleeping, 1)
                if sktopo_load(&self.state) != SUBMITTED and not sktopo_load(&self.stop):
                    PyThread_acquire_lock(self.go, WAIT_LOCK)
                sktopo_store(&self.sleeping, 0)

    cdef void _job(self) noexcept nogil:
        fill_words_c(self.seed, self.words, self.n_words)
        if self.sums:
            pool_rows(&self.x0[0, 0], self.x0.shape[0], self.x0.shape[1], self.ky, self.kx,
                      self.oy, self.ox, self.eps, self.mode, <const uint32_t *> self.words,
                      self.out, self.out_stride, self.total, self.total_stride, self.ny,
                      self.nx, False, self.row_t)
        cdef Py_ssize_t k, i, r, c, H = self.x0.shape[0], W = self.x0.shape[1]
        cdef const uint32_t *bits = <const uint32_t *> self.words
        cdef int32_t *row_base = self.tables
        cdef int32_t *col_block = self.tables + H
        cdef double inverse = 1.0 / W
        if self.n_known == 0:
            return
        # the weights and blocks of the moved pixels, for finish2d (here, where the bits
        # are in cache and the thread has time); no integer division per pixel (they
        # cost more than the rest of the loop): the flat block index is the sum of a
        # row's and a column's, from tables, and the row of a pixel comes from a
        # reciprocal
        block_table(H, self.ky, self.oy, self.nx, row_base)
        block_table(W, self.kx, self.ox, 1, col_block)
        # (locals: the stores through the output pointers could alias the fields)
        cdef const int64_t *act = self.act
        cdef int32_t *blocks = self.blocks
        cdef float *known = self.known
        cdef int mode = self.mode
        for k in range(self.n_known):
            i = act[k]
            r = split_index(i, W, inverse, &c)
            blocks[k] = row_base[r] + col_block[c]
            # (float: the weights are float32 numbers, see sktopo_weight)
            known[k] = 1.0 if mode == 0 else sktopo_weight(bits[i], mode)

    cdef void _signal(self) noexcept nogil:
        """Wake the worker up if it sleeps (or is about to)."""
        if sktopo_exchange(&self.sleeping, 0) == 1:
            PyThread_release_lock(self.go)

    cdef int post(self, uint64_t seed, uint64_t *words, Py_ssize_t n_words, bint sums,
                  Py_ssize_t ky, Py_ssize_t kx, Py_ssize_t oy, Py_ssize_t ox, double eps,
                  int mode, double *out, double *total, Py_ssize_t ny, Py_ssize_t nx,
                  Py_ssize_t out_stride, Py_ssize_t total_stride, const int64_t *act,
                  float *known, int32_t *blocks, Py_ssize_t n_known) except -1:
        """``submit`` on buffers the caller keeps alive (strides in doubles)."""
        if self.state != IDLE:
            raise RuntimeError("Prefetcher.submit: the previous job was not waited for.")
        self.seed, self.words, self.n_words, self.sums = seed, words, n_words, sums
        self.ky, self.kx, self.oy, self.ox = ky, kx, oy, ox
        self.eps, self.mode = eps, mode
        self.out, self.total, self.ny, self.nx = out, total, ny, nx
        self.out_stride, self.total_stride = out_stride, total_stride
        self.act, self.known, self.blocks, self.n_known = act, known, blocks, n_known
        if self.threaded:
            sktopo_store(&self.state, SUBMITTED)
            self._signal()
        else:
            self.state = SUBMITTED
        return 0

    def submit(self, uint64_t seed, uint64_t[::1] words, bint sums, Py_ssize_t ky,
               Py_ssize_t kx, Py_ssize_t oy, Py_ssize_t ox, double eps, int mode,
               double[:, ::1] out, double[:, ::1] total, const int64_t[::1] act,
               float[::1] known, int32_t[::1] blocks):
        """Post a job; ``known[k]`` and ``blocks[k]`` get the weight and the flat block
        index of pixel ``act[k]`` (``act`` is not copied: the caller leaves it alone
        until ``wait`` returns)."""
        cdef Py_ssize_t n_known = known.shape[0]
        if n_known > act.shape[0] or blocks.shape[0] != n_known:
            raise ValueError("Prefetcher.submit: inconsistent lengths.")
        if out.shape[0] != total.shape[0] or out.shape[1] != total.shape[1]:
            raise ValueError("Prefetcher.submit: out and total differ in shape.")
        if self.state != IDLE:
            raise RuntimeError("Prefetcher.submit: the previous job was not waited for.")
        self.keep = (words, out, total, act, known, blocks)
        self.post(seed, &words[0], words.shape[0], sums, ky, kx, oy, ox, eps, mode,
                  &out[0, 0], &total[0, 0], out.shape[0], out.shape[1],
                  out.strides[0] // sizeof(double), total.strides[0] // sizeof(double),
                  &act[0] if n_known else NULL, &known[0] if n_known else NULL,
                  &blocks[0] if n_known else NULL, n_known)

    cdef void wait_job(self) noexcept nogil:
        if sktopo_cas(&self.state, SUBMITTED, RUNNING):
            # not claimed by the worker: run it here
            self._job()
        elif sktopo_load(&self.state) == RUNNING:
            PyThread_acquire_lock(self.done, WAIT_LOCK)
        sktopo_store(&self.state, IDLE)

    cdef int wait_settle(self) except -1:
        """Wait for the job, then ``settle``."""
        cdef double start = self.clock() if self.threaded else 0.0
        with nogil:
            self.wait_job()
        self.settle(self.clock() - start if self.threaded else 0.0)
        return 0

    def wait(self):
        """Wait for the job (run it here if the worker has not claimed it), then choose
        the mode of the next jobs (see ``settle``)."""
        self.wait_settle()
        self.keep = None

    def close(self):
        """Wait for the job in flight, then stop the worker for good."""
        self._stop()
        self.tuned = False
        self.keep = None


cdef Py_ssize_t pullback_c(const int64_t *blocks, const double *vals, Py_ssize_t n_blocks,
                           Py_ssize_t H, Py_ssize_t W, Py_ssize_t ky, Py_ssize_t kx,
                           Py_ssize_t oy, Py_ssize_t ox, int mode, const uint32_t *bits,
                           const double *total, Py_ssize_t nx, int64_t *out_idx,
                           double *out_val) noexcept nogil:
    """The pass of :func:`pullback2d` (``total``: contiguous rows of ``nx``)."""
    cdef Py_ssize_t n = 0, i, b, br, bc, r, c, r0, r1, c0, c1
    cdef double g
    for i in range(n_blocks):
        b = blocks[i]
        br = b // nx
        bc = b - br * nx
        block_span(br, ky, oy, H, &r0, &r1)
        block_span(bc, kx, ox, W, &c0, &c1)
        g = vals[i] / total[b]
        for r in range(r0, r1):
            for c in range(c0, c1):
                out_idx[n] = r * W + c
                out_val[n] = g if mode == 0 else g * sktopo_weight(bits[r * W + c], mode)
                n += 1
    return n


def pullback2d(const int64_t[::1] blocks, const double[::1] vals, Py_ssize_t H,
               Py_ssize_t W, Py_ssize_t ky, Py_ssize_t kx, Py_ssize_t oy, Py_ssize_t ox,
               int mode, const uint32_t[::1] bits, const double[:, ::1] total,
               int64_t[::1] out_idx, double[::1] out_val):
    """Pixels of the given blocks and their gradients ``w / total * val``; returns the count.

    The weights ``w`` are recomputed from the pixels' ``bits`` as ``pool2d`` computed them.

    ``out_idx`` and ``out_val`` need ``len(blocks) * ky * kx`` entries.
    """
    cdef Py_ssize_t n_blocks = blocks.shape[0], n
    if (vals.shape[0] != n_blocks or out_idx.shape[0] < n_blocks * ky * kx
            or out_val.shape[0] < n_blocks * ky * kx
            or total.strides[0] != total.shape[1] * <Py_ssize_t> sizeof(double)):
        raise ValueError("pullback2d: inconsistent lengths (or rows not contiguous).")
    if n_blocks == 0:
        return 0
    with nogil:
        n = pullback_c(&blocks[0], &vals[0], n_blocks, H, W, ky, kx, oy, ox, mode, &bits[0],
                       &total[0, 0], total.shape[1], &out_idx[0], &out_val[0])
    return n


# --------------------------------------------------------------------------- fused step

cdef int compare_index(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<const int64_t *> a)[0]
    cdef int64_t y = (<const int64_t *> b)[0]
    return (x > y) - (x < y)


cdef void *alloc(Py_ssize_t n, size_t item) except NULL:
    cdef void *p = malloc((n if n > 0 else 1) * item)
    if p == NULL:
        raise MemoryError()
    return p


cdef class BlockStep:
    """One STUMP step of the common case in one call (private; see ``stump_minimize``).

    The 2-D block pooling with one approximate per step, a ``PersistenceNorm`` (p 1 or
    2) of the cubical H0/H1 diagrams, the mse fidelity and Adam on the active pixels:
    what the Python loop does with ``_BlockSampler`` (the incremental path),
    ``_LossKernel`` (the compiled terms), ``pullback2d`` and ``mse_adam_step``, with the
    same arithmetic in the same order, so the same iterates to the bit, without the
    Python calls, array objects and memoryview conversions of those steps (about 50 us
    of a 0.3 ms step on blobs). The buffers are allocated once: the two job buffers of
    the prefetcher, the pooled image, the pairing workspace, and the active set with
    room for every pixel (untouched pages are not committed by the OS), so that it
    grows in place while a job reads its head.

    ``x`` is the optimizer's flat float64 iterate, moved in place; ``x0`` its start.
    ``offset`` is None (a random grid offset per approximate) or ``(oy, ox)``.
    ``norms``: one ``(min, max, p, low, high)`` tuple or None for H0 and for H1.
    ``low`` and ``high``: bounds on the values of the iterate, clipped after each Adam
    step (infinite: none).
    ``step(it)`` takes Adam step number ``it`` and returns the sampled objective
    ``alpha * topo + (1 - alpha) * mse``; it reads two random 64-bit words per
    approximate from those given to ``feed`` (the seed of the pixels' bits, and the
    grid offset), as ``_BlockSampler._draw`` does.
    """
    cdef Prefetcher pf
    cdef object x_arr, x0_arr, x0_2d, clock
    cdef double *x
    cdef const double *x0
    cdef Py_ssize_t H, W, n_total, ky, kx, oy_fixed, ox_fixed, n_words, max_blocks
    cdef bint random_offset, full, superlevel
    cdef double eps, alpha, lr, beta1, beta2, adam_eps, low, high
    cdef bint clip
    cdef int mode, side, cur
    cdef uint64_t *words[2]
    cdef double *sums[2]
    cdef double *totals[2]
    cdef float *known[2]
    cdef int32_t *blocks[2]
    cdef Py_ssize_t j_oy[2]
    cdef Py_ssize_t j_ox[2]
    cdef Py_ssize_t j_ny[2]
    cdef Py_ssize_t j_nx[2]
    cdef Py_ssize_t j_known[2]
    cdef bint j_sums[2]
    cdef bint posted
    cdef uint64_t *raw
    cdef Py_ssize_t raw_n, raw_pos
    cdef double *pooled
    cdef double *neg
    cdef double *row_t
    cdef ImageWorkspace ws
    cdef NormParams norms[2]
    cdef int64_t *pidx
    cdef double *pval
    cdef int64_t *fresh
    cdef Py_ssize_t p_capacity
    cdef int64_t *pos
    cdef int64_t *act
    cdef double *x_act
    cdef double *x0_act
    cdef double *m
    cdef double *v
    cdef double *bins
    cdef Py_ssize_t n_act

    def __cinit__(self, double[::1] x, const double[::1] x0, tuple shape, tuple block,
                  offset, double eps, int mode, bint threaded, bint full, bint superlevel,
                  tuple norms, int side, double alpha, double learning_rate, double beta1,
                  double beta2, double adam_eps, double max_wait, double wait_cap,
                  Py_ssize_t period, double low=-INFINITY, double high=INFINITY):
        cdef Py_ssize_t i, a, most
        cdef int k
        if sizeof(Py_ssize_t) != sizeof(int64_t):
            raise NotImplementedError("BlockStep needs 64-bit indices.")
        self.H, self.W = shape
        self.ky, self.kx = block
        self.n_total = self.H * self.W
        if x.shape[0] != self.n_total or x0.shape[0] != self.n_total:
            raise ValueError("BlockStep: x and x0 must have H * W values.")
        self.x_arr, self.x0_arr = x, x0          # (kept alive)
        self.x = &x[0]
        self.x0 = &x0[0]
        import numpy as np
        import time
        self.x0_2d = np.asarray(x0).reshape(self.H, self.W)
        self.clock = time.perf_counter
        self.random_offset = offset is None
        if not self.random_offset:
            self.oy_fixed, self.ox_fixed = offset
        self.eps, self.mode, self.full, self.superlevel = eps, mode, full, superlevel
        self.side = side
        self.alpha, self.lr, self.beta1, self.beta2 = alpha, learning_rate, beta1, beta2
        self.adam_eps = adam_eps
        self.low, self.high = low, high
        self.clip = low > -INFINITY or high < INFINITY
        for k in range(2):
            p = norms[k]
            self.norms[k].on = p is not None
            if p is not None:
                (self.norms[k].min_p, self.norms[k].max_p, self.norms[k].p,
                 self.norms[k].low, self.norms[k].high) = p
                if self.norms[k].p != 1.0 and self.norms[k].p != 2.0:
                    raise ValueError("BlockStep: norms need p 1 or 2.")
        # the largest pooled shape, over the offsets
        # (C division: ceilings as (a + b - 1) // b)
        self.max_blocks = (((self.H + 2 * self.ky - 2) // self.ky)
                           * ((self.W + 2 * self.kx - 2) // self.kx))
        self.n_words = (self.n_total + 7) // 8 * 4
        for k in range(2):
            self.words[k] = <uint64_t *> alloc(self.n_words, sizeof(uint64_t))
            self.sums[k] = <double *> alloc(self.max_blocks, sizeof(double))
            self.totals[k] = <double *> alloc(self.max_blocks, sizeof(double))
            self.known[k] = <float *> alloc(self.n_total, sizeof(float))
            self.blocks[k] = <int32_t *> alloc(self.n_total, sizeof(int32_t))
        self.pooled = <double *> alloc(self.max_blocks, sizeof(double))
        self.neg = <double *> alloc(self.max_blocks, sizeof(double))
        self.row_t = <double *> alloc(2 * self.W, sizeof(double))
        self.raw = <uint64_t *> alloc(1024, sizeof(uint64_t))
        self.pos = <int64_t *> alloc(self.n_total, sizeof(int64_t))
        self.act = <int64_t *> alloc(self.n_total, sizeof(int64_t))
        self.x_act = <double *> alloc(self.n_total, sizeof(double))
        self.x0_act = <double *> alloc(self.n_total, sizeof(double))
        self.m = <double *> alloc(self.n_total, sizeof(double))
        self.v = <double *> alloc(self.n_total, sizeof(double))
        self.bins = <double *> alloc(self.n_total, sizeof(double))
        for i in range(self.n_total):
            self.pos[i] = -1
        self.pf = Prefetcher(self.x0_2d, threaded, max_wait, wait_cap, period)

    def __dealloc__(self):
        cdef int k
        for k in range(2):
            free(self.words[k])
            free(self.sums[k])
            free(self.totals[k])
            free(self.known[k])
            free(self.blocks[k])
        free(self.pooled)
        free(self.neg)
        free(self.row_t)
        free(self.raw)
        free(self.pidx)
        free(self.pval)
        free(self.fresh)
        free(self.pos)
        free(self.act)
        free(self.x_act)
        free(self.x0_act)
        free(self.m)
        free(self.v)
        free(self.bins)
        workspace_free(&self.ws)

    @property
    def raw_left(self):
        """Random words given to ``feed`` and not used yet."""
        return self.raw_n - self.raw_pos

    @property
    def prefetcher(self):
        """The ``Prefetcher`` (its ``threaded``, ``mean_wait`` and ``switches``)."""
        return self.pf

    def feed(self, const uint64_t[::1] words):
        """Queue random 64-bit words (two per approximate), after those left."""
        cdef Py_ssize_t left = self.raw_n - self.raw_pos, i
        if left + words.shape[0] > 1024:
            raise ValueError("BlockStep.feed: at most 1024 words queued.")
        for i in range(left):
            self.raw[i] = self.raw[self.raw_pos + i]
        for i in range(words.shape[0]):
            self.raw[left + i] = words[i]
        self.raw_pos, self.raw_n = 0, left + words.shape[0]

    cdef int _post(self, int k) except -1:
        """Draw the next approximate and post its job into buffer set ``k`` (as
        ``_BlockSampler._submit``)."""
        cdef uint64_t seed = self.raw[self.raw_pos], word = self.raw[self.raw_pos + 1]
        cdef Py_ssize_t oy, ox, ny, nx, n_known
        cdef bint with_sums
        self.raw_pos += 2
        if self.random_offset:
            # 16 bits per axis: (bits * k) >> 16 is uniform in 0 .. k - 1 up to 2**-16
            oy = <Py_ssize_t> (((word & 0xFFFF) * <uint64_t> self.ky) >> 16)
            ox = <Py_ssize_t> ((((word >> 16) & 0xFFFF) * <uint64_t> self.kx) >> 16)
        else:
            oy, ox = self.oy_fixed, self.ox_fixed
        ny = (self.H + oy + self.ky - 1) // self.ky
        nx = (self.W + ox + self.kx - 1) // self.kx
        # few moved pixels: pool x0 now and correct later; many: pool x itself later
        with_sums = 4 * self.n_act <= self.n_total
        n_known = self.n_act if with_sums else 0
        self.j_oy[k], self.j_ox[k], self.j_ny[k], self.j_nx[k] = oy, ox, ny, nx
        self.j_known[k], self.j_sums[k] = n_known, with_sums
        self.pf.post(seed, self.words[k], self.n_words, with_sums, self.ky, self.kx, oy, ox,
                     self.eps, self.mode, self.sums[k], self.totals[k], ny, nx, nx, nx,
                     self.act, self.known[k], self.blocks[k], n_known)
        return 0

    cdef int _reserve(self, Py_ssize_t n) except -1:
        if n <= self.p_capacity:
            return 0
        free(self.pidx)
        free(self.pval)
        free(self.fresh)
        self.pidx = self.fresh = NULL
        self.pval = NULL
        self.p_capacity = 0
        self.pidx = <int64_t *> alloc(2 * n, sizeof(int64_t))
        self.pval = <double *> alloc(2 * n, sizeof(double))
        self.fresh = <int64_t *> alloc(2 * n, sizeof(int64_t))
        self.p_capacity = 2 * n
        return 0

    def step(self, Py_ssize_t it):
        """Adam step number ``it`` on a new approximate; returns the sampled objective."""
        cdef int k
        cdef Py_ssize_t ny, nx, oy, ox, count, n_pulled, n_new, j, i, p
        cdef double topo = 0.0, fid = 0.0, u
        cdef const double *f
        cdef const uint32_t *bits
        if self.raw_n - self.raw_pos < (2 if self.posted else 4):
            raise RuntimeError("BlockStep.step: feed random words first.")
        if not self.posted:
            self._post(0)
            self.cur = 0
            self.posted = True
        k = self.cur
        self.pf.wait_settle()
        ny, nx, oy, ox = self.j_ny[k], self.j_nx[k], self.j_oy[k], self.j_ox[k]
        bits = <const uint32_t *> self.words[k]
        with nogil:
            if self.j_sums[k]:
                # the active set only grows: its first j_known pixels are the job's
                finish_c(self.sums[k], self.totals[k], ny, nx, self.act, self.n_act,
                         self.x_act, self.x0_act, self.known[k], self.blocks[k],
                         self.j_known[k], self.W, self.ky, self.kx, oy, ox, self.mode, bits,
                         self.pooled)
            else:
                pool_rows(self.x, self.H, self.W, self.ky, self.kx, oy, ox, self.eps,
                          self.mode, bits, self.pooled, nx, self.totals[k], nx, ny, nx, True,
                          self.row_t)
        # the job of the next approximate runs while this one is paired
        self.cur = 1 - k
        self._post(self.cur)
        f = self.pooled
        if self.superlevel:
            for i in range(ny * nx):
                self.neg[i] = -self.pooled[i]
            f = self.neg
        with nogil:
            count = image_terms(&self.ws, f, ny, nx, self.full, self.norms, self.pooled,
                                self.side, &topo)
        if count < 0:
            raise MemoryError()
        self._reserve(count * self.ky * self.kx)
        with nogil:
            n_pulled = pullback_c(self.ws.idx, self.ws.val, count, self.H, self.W, self.ky,
                                  self.kx, oy, ox, self.mode, bits, self.totals[k], nx,
                                  self.pidx, self.pval)
            # the pixels receiving a gradient for the first time join the active set,
            # in increasing order (np.unique's)
            n_new = 0
            for j in range(n_pulled):
                p = self.pidx[j]
                if self.pos[p] == -1:
                    self.pos[p] = -2
                    self.fresh[n_new] = p
                    n_new += 1
            if n_new > 1:
                qsort(self.fresh, n_new, sizeof(int64_t), compare_index)
            for j in range(n_new):
                p = self.fresh[j]
                i = self.n_act
                self.pos[p] = i
                self.act[i] = p
                self.x_act[i] = self.x[p]
                self.x0_act[i] = self.x0[p]
                self.m[i] = 0.0
                self.v[i] = 0.0
                self.bins[i] = 0.0
                self.n_act = i + 1
            if self.n_act:
                # the scalars as adam_update computes them
                fid = adam_active(self.x, <const Py_ssize_t *> self.act, self.n_act,
                                  self.x_act, self.x0_act, self.m, self.v, self.bins,
                                  <const Py_ssize_t *> self.pos,
                                  <const Py_ssize_t *> self.pidx, self.pval, n_pulled,
                                  2.0 * (1.0 - self.alpha) / self.n_total, self.alpha,
                                  self.beta1, 1.0 - self.beta1, self.beta2,
                                  1.0 - self.beta2,
                                  1.0 / sqrt(1.0 - pow(self.beta2, <double> it)),
                                  self.adam_eps,
                                  self.lr / (1.0 - pow(self.beta1, <double> it)))
                if self.clip:
                    # projected Adam: the values clipped to [low, high] (as np.clip)
                    for i in range(self.n_act):
                        u = self.x_act[i]
                        u = self.low if u < self.low else u
                        u = self.high if u > self.high else u
                        self.x_act[i] = u
                        self.x[self.act[i]] = u
        return self.alpha * topo + (1.0 - self.alpha) * (fid / self.n_total)

    def state(self):
        """Copies of the active set: ``(act, x_act, x0_act, m, v)`` (act as intp)."""
        import numpy as np
        cdef Py_ssize_t n = self.n_act
        if n == 0:
            return (np.empty(0, dtype=np.intp),) + tuple(np.empty(0) for _ in range(4))
        return (np.asarray(<int64_t[:n]> self.act).astype(np.intp),
                np.array(<double[:n]> self.x_act), np.array(<double[:n]> self.x0_act),
                np.array(<double[:n]> self.m), np.array(<double[:n]> self.v))

    def close(self):
        """Wait for the job in flight and stop the worker thread."""
        if self.pf is not None:
            self.pf.close()
