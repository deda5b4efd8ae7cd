# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled block pooling of a noisy 2-D image, and its adjoint (private).

The random bits of an approximate are 32 bits per pixel: ``fill_words`` fills a buffer
with ``LANES`` interleaved xoshiro256++ streams (Blackman and Vigna; word ``i`` comes from
stream ``i % LANES``, so the streams advance independently and the loop vectorizes),
seeded from one 64-bit seed by SplitMix64. This is the only random stream of the block
pooling, whatever the dimension (:class:`sktopo.smear.BlockPooling` reads the same words
for n-D images). Pixel ``i`` (C order) takes 32-bit half ``i`` of the buffer
(little-endian halves: the low half of word ``i // 2`` for even ``i``): its low 16 bits
give its weight, its high 16 bits its noise, both as ``U = (k + 1/2) / 2**16`` uniform in
(0, 1): ``h = eps * (2 U - 1)``; the weight is ``U`` (normalized uniforms), ``-log U``
(Dirichlet(1) weights) or 1 (the average).

``pool2d`` makes one pass over the pixels adding ``u * (x + h)`` and ``u`` into the sums
of their blocks, for a block grid shifted by ``(oy, ox)``: pixel ``(r, c)`` is in block
``((r + oy) // ky, (c + ox) // kx)``. The pooled value of a block is the ratio of its two
sums. ``pullback2d`` is its adjoint on a sparse gradient: the weights are recomputed from
the bits of the few pixels it needs.

The C-level interface (``_pool2d.pxd``) serves the compiled STUMP step of
``sktopo.optim._step``: ``run_job`` is the part of an approximate that does not depend on
the iterate (its bits, the block sums of ``x0 + h``, the weights and blocks of the pixels
that moved so far), which the step may run ahead in a worker thread; ``finish_c`` adds
``u * (x - x0)`` over the moved pixels and divides.
"""

from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memset

from ..persistence._pairing cimport split_index

cdef double INV16 = 1.0 / 65536.0

cdef extern from *:
    """
    #include <stdint.h>
    #define SKTOPO_LANES 4
    /* an AVX2 clone of the hot loops, picked at load time when the CPU has it (GCC's
       function multiversioning) */
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

    #include <math.h>
    /* the weight of a pixel's bits: mode 0 1, mode 1 (low16 + 1/2) / 2^16, mode 2 its -log */
    static inline double sktopo_weight(uint32_t z, int mode) {
        double w = ((double) (int32_t) (z & 0xFFFFu) + 0.5) * (1.0 / 65536.0);
        return mode == 0 ? 1.0 : (mode == 2 ? -log(w) : w);
    }

    /* one row of normalized uniform weights: t += w * (x + h), s += w (the first row of
       a block row: t = w * (x + h), s = w); h = high16 * scale + shift when noisy */
    #define SKTOPO_ROW_UNIFORM(T, S, ACC) \
        for (Py_ssize_t c = 0; c < n; c++) { \
            double w = ((double) (int32_t) (z[c] & 0xFFFFu) + 0.5) * inv16; \
            T = (ACC ? t[c] : 0.0) + w * (x[c] + (noisy ? (double) (int32_t) (z[c] >> 16) * scale + shift : 0.0)); \
            S = (ACC ? s[c] : 0.0) + w; \
        }
    SKTOPO_CLONES static void sktopo_row_uniform(const double *restrict x, const uint32_t *restrict z,
                                   double *restrict t, double *restrict s, Py_ssize_t n,
                                   int noisy, double scale, double shift, int first) {
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

    /* one row of the average: t += x + h (the first row: t = x + h) */
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
    double sktopo_weight(uint32_t z, int mode) noexcept nogil
    void sktopo_row_uniform(const double *x, const uint32_t *z, double *t, double *s,
                            Py_ssize_t n, int noisy, double scale, double shift,
                            int first) noexcept nogil
    void sktopo_row_mean(const double *x, const uint32_t *z, double *t, Py_ssize_t n,
                         int noisy, double scale, double shift, int first) noexcept nogil

DEF LANES = 4


cdef double pixel_weight(uint32_t z, int mode) noexcept nogil:
    return sktopo_weight(z, mode)


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
    if out.shape[0] % LANES:
        raise ValueError(f"fill_words: the buffer must hold a multiple of {LANES} words.")
    with nogil:
        fill_words_c(seed, &out[0], out.shape[0])


cdef void pool_rows(const double *x, Py_ssize_t H, Py_ssize_t W, Py_ssize_t ky,
                    Py_ssize_t kx, Py_ssize_t oy, Py_ssize_t ox, double eps, int mode,
                    const uint32_t *bits, double *out, double *total, Py_ssize_t ny,
                    Py_ssize_t nx, bint divide, double *row_t) noexcept nogil:
    """The pooling pass (contiguous ``(ny, nx)`` outputs; ``row_t``: scratch of ``2 * W``
    doubles). The rows of a block row are added up column by column first (independent
    additions), then the columns of each block. ``out`` gets the pooled values when
    ``divide``, the weighted sums ``sum u * (x + h)`` of the blocks otherwise."""
    cdef Py_ssize_t r, r0, r1, c, c0, c1, br, bc
    cdef uint32_t z
    cdef double w, acc_t, acc_u, scale = 2.0 * eps * INV16, shift = eps * INV16 - eps
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
                    w = sktopo_weight(z, 2)
                    if noisy:
                        row_t[c] += w * (xr[c] + (<double> <int> (z >> 16) * scale + shift))
                    else:
                        row_t[c] += w * xr[c]
                    row_u[c] += w
        for bc in range(nx):
            block_span(bc, kx, ox, W, &c0, &c1)
            acc_t = 0.0
            acc_u = 0.0
            for c in range(c0, c1):
                acc_t += row_t[c]
                acc_u += row_u[c]
            if mode == 0:
                acc_u = <double> ((c1 - c0) * (r1 - r0))
            total[br * nx + bc] = acc_u
            out[br * nx + bc] = acc_t / acc_u if divide else acc_t


def pool2d(const double[:, ::1] x, Py_ssize_t ky, Py_ssize_t kx, Py_ssize_t oy,
           Py_ssize_t ox, double eps, int mode, const uint32_t[::1] bits,
           double[:, ::1] pooled, double[:, ::1] total):
    """Pool ``x + h`` over the shifted blocks with random weights, in one pass.

    ``mode``: 0 average, 1 normalized uniforms, 2 Dirichlet(1). ``bits``: 32 random bits
    per pixel (unused for the noiseless average). ``pooled`` and ``total`` (the blocks'
    weight sums) have shape ``(ceil((H + oy) / ky), ceil((W + ox) / kx))``.
    """
    cdef Py_ssize_t H = x.shape[0], W = x.shape[1]
    cdef Py_ssize_t ny = (H + oy + ky - 1) // ky, nx = (W + ox + kx - 1) // kx
    if (not 0 <= oy < ky or not 0 <= ox < kx or pooled.shape[0] != ny
            or pooled.shape[1] != nx or total.shape[0] != ny or total.shape[1] != nx
            or bits.shape[0] < H * W):
        raise ValueError("pool2d: inconsistent shapes.")
    cdef double *row_t = <double *> malloc(2 * W * sizeof(double))
    if row_t == NULL:
        raise MemoryError()
    with nogil:
        pool_rows(&x[0, 0], H, W, ky, kx, oy, ox, eps, mode, &bits[0], &pooled[0, 0],
                  &total[0, 0], ny, nx, True, row_t)
    free(row_t)


cdef void run_job(PoolJob *job) noexcept nogil:
    """The iterate-independent part of an approximate (see the module docstring)."""
    fill_words_c(job.seed, job.words, job.n_words)
    cdef const uint32_t *bits = <const uint32_t *> job.words
    if not job.sums:
        return
    pool_rows(job.x0, job.H, job.W, job.ky, job.kx, job.oy, job.ox, job.eps, job.mode, bits,
              job.out, job.total, job.ny, job.nx, False, job.row_t)
    if job.n_known == 0:
        return
    # the weights and blocks of the moved pixels, for finish_c (here, where the bits are
    # in cache); the flat block index is the sum of a row's and a column's, from tables
    # and the row of a pixel from a reciprocal (integer divisions per pixel would cost
    # more than the rest of the loop)
    cdef Py_ssize_t k, r, c, W = job.W
    cdef double inverse = 1.0 / W
    cdef int32_t *row_base = job.tables
    cdef int32_t *col_block = job.tables + job.H
    block_table(job.H, job.ky, job.oy, job.nx, row_base)
    block_table(W, job.kx, job.ox, 1, col_block)
    for k in range(job.n_known):
        r = split_index(job.act[k], W, inverse, &c)
        job.blocks[k] = row_base[r] + col_block[c]
        job.known[k] = sktopo_weight(bits[job.act[k]], job.mode)


cdef void finish_c(const PoolJob *job, Py_ssize_t n_act, const double *x_act,
                   const double *x0_act, double *pooled) noexcept nogil:
    """The pooled image of ``x`` from the job's block sums of ``x0 + h``: adds
    ``u * (x - x0)`` of the active pixels ``job.act[:n_act]`` (``x = x_act``, ``x0 =
    x0_act``; ``x = x0`` elsewhere) to the sums of their blocks, then divides by the
    totals. The job knows the weights and blocks of the first ``job.n_known``."""
    cdef Py_ssize_t k, i, r, c, size = job.ny * job.nx, W = job.W
    cdef const uint32_t *bits = <const uint32_t *> job.words
    for k in range(size):
        pooled[k] = job.out[k]
    for k in range(job.n_known):       # no branch: a pixel that did not move adds 0
        pooled[job.blocks[k]] += job.known[k] * (x_act[k] - x0_act[k])
    for k in range(job.n_known, n_act):
        i = job.act[k]
        r = i // W
        c = i - r * W
        pooled[((r + job.oy) // job.ky) * job.nx + (c + job.ox) // job.kx] += (
            sktopo_weight(bits[i], job.mode) * (x_act[k] - x0_act[k]))
    for k in range(size):
        pooled[k] /= job.total[k]


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
                out_val[n] = g * sktopo_weight(bits[r * W + c], mode)
                n += 1
    return n


def pullback2d(const int64_t[::1] blocks, const double[::1] vals, Py_ssize_t H,
               Py_ssize_t W, Py_ssize_t ky, Py_ssize_t kx, Py_ssize_t oy, Py_ssize_t ox,
               int mode, const uint32_t[::1] bits, const double[:, ::1] total,
               int64_t[::1] out_idx, double[::1] out_val):
    """Pixels of the given blocks and their gradients ``u / total * val``; returns the
    count. ``out_idx`` and ``out_val`` need ``len(blocks) * ky * kx`` entries."""
    cdef Py_ssize_t n_blocks = blocks.shape[0], n, i
    cdef Py_ssize_t size = total.shape[0] * total.shape[1]
    if (vals.shape[0] != n_blocks or out_idx.shape[0] < n_blocks * ky * kx
            or out_val.shape[0] < n_blocks * ky * kx or bits.shape[0] < H * W):
        raise ValueError("pullback2d: inconsistent lengths.")
    for i in range(n_blocks):
        if not 0 <= blocks[i] < size:
            raise ValueError("pullback2d: a block index is out of range.")
    if n_blocks == 0:
        return 0
    with nogil:
        n = pullback_c(&blocks[0], &vals[0], n_blocks, H, W, ky, kx, oy, ox, mode, &bits[0],
                       &total[0, 0], total.shape[1], &out_idx[0], &out_val[0])
    return n
