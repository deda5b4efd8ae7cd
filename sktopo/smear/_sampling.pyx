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
"""

from libc.math cimport logf
from libc.stdlib cimport free, malloc
from libc.string cimport memset
from libc.stdint cimport int64_t, uint32_t, uint64_t

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

    /* one row of normalized uniform weights: t += w * (x + h), s += w; h = high16 * scale
       + shift when noisy */
    SKTOPO_CLONES static void sktopo_row_uniform(const double *restrict x, const uint32_t *restrict z,
                                   double *restrict t, double *restrict s, Py_ssize_t n,
                                   int noisy, double scale, double shift) {
        /* w = (k + 1/2) / 2^16 has 17 significant bits: exact in float, no rounding */
        const double inv16 = 1.0 / 65536.0;
        if (noisy) {
            for (Py_ssize_t c = 0; c < n; c++) {
                double w = ((double) (int32_t) (z[c] & 0xFFFFu) + 0.5) * inv16;
                t[c] += w * (x[c] + ((double) (int32_t) (z[c] >> 16) * scale + shift));
                s[c] += w;
            }
        } else {
            for (Py_ssize_t c = 0; c < n; c++) {
                double w = ((double) (int32_t) (z[c] & 0xFFFFu) + 0.5) * inv16;
                t[c] += w * x[c];
                s[c] += w;
            }
        }
    }

    /* one row of the average: t += x + h */
    SKTOPO_CLONES static void sktopo_row_mean(const double *restrict x, const uint32_t *restrict z,
                                double *restrict t, Py_ssize_t n, int noisy,
                                double scale, double shift) {
        if (noisy) {
            for (Py_ssize_t c = 0; c < n; c++)
                t[c] += x[c] + ((double) (int32_t) (z[c] >> 16) * scale + shift);
        } else {
            for (Py_ssize_t c = 0; c < n; c++)
                t[c] += x[c];
        }
    }
    """
    void sktopo_xoshiro_lanes(uint64_t *s, uint64_t *out, Py_ssize_t n_rounds) noexcept nogil
    float sktopo_weight(uint32_t z, int mode) noexcept nogil
    void sktopo_row_uniform(const double *x, const uint32_t *z, double *t, double *s,
                            Py_ssize_t n, int noisy, double scale, double shift) noexcept nogil
    void sktopo_row_mean(const double *x, const uint32_t *z, double *t, Py_ssize_t n,
                         int noisy, double scale, double shift) noexcept nogil

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


cdef inline uint64_t splitmix_next(uint64_t *state) noexcept nogil:
    state[0] += <uint64_t> 0x9E3779B97F4A7C15ULL
    cdef uint64_t z = state[0]
    z = (z ^ (z >> 30)) * <uint64_t> 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t> 0x94D049BB133111EBULL
    return z ^ (z >> 31)


def fill_words(uint64_t seed, uint64_t[::1] out):
    """Fill ``out`` (a multiple of LANES words) with the interleaved xoshiro256++ streams."""
    cdef uint64_t s[4 * LANES]
    cdef Py_ssize_t j
    for j in range(LANES):                       # lane j: words j, LANES + j, ...
        s[j] = splitmix_next(&seed)
        s[LANES + j] = splitmix_next(&seed)
        s[2 * LANES + j] = splitmix_next(&seed)
        s[3 * LANES + j] = splitmix_next(&seed)
    with nogil:
        sktopo_xoshiro_lanes(s, &out[0], out.shape[0] // LANES)


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
    cdef Py_ssize_t H = x.shape[0], W = x.shape[1], ny = pooled.shape[0]
    cdef Py_ssize_t nx = pooled.shape[1], r, r0, r1, c, c0, c1, br, bc
    cdef uint32_t z
    cdef float wf
    cdef double w, acc_t, acc_u, scale = 2.0 * eps * INV16, shift = eps * INV16 - eps
    cdef bint noisy = eps > 0
    cdef const double *xr
    cdef const uint32_t *zr
    cdef double *row_t = <double *> malloc(2 * W * sizeof(double))
    cdef double *row_u = row_t + W
    if row_t == NULL:
        raise MemoryError()
    with nogil:
        for br in range(ny):
            block_span(br, ky, oy, H, &r0, &r1)
            memset(row_t, 0, 2 * W * sizeof(double))
            for r in range(r0, r1):
                xr = &x[r, 0]
                zr = &bits[r * W]
                if mode == 0:
                    sktopo_row_mean(xr, zr, row_t, W, noisy, scale, shift)
                elif mode == 1:
                    sktopo_row_uniform(xr, zr, row_t, row_u, W, noisy, scale, shift)
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
                acc_t = 0.0
                acc_u = 0.0
                for c in range(c0, c1):
                    acc_t += row_t[c]
                    acc_u += row_u[c]
                if mode == 0:
                    acc_u = <double> ((c1 - c0) * (r1 - r0))
                total[br, bc] = acc_u
                pooled[br, bc] = acc_t / acc_u
    free(row_t)


def pullback2d(const int64_t[::1] blocks, const double[::1] vals, Py_ssize_t H,
               Py_ssize_t W, Py_ssize_t ky, Py_ssize_t kx, Py_ssize_t oy, Py_ssize_t ox,
               int mode, const uint32_t[::1] bits, const double[:, ::1] total,
               int64_t[::1] out_idx, double[::1] out_val):
    """Pixels of the given blocks and their gradients ``w / total * val``; returns the count.

    The weights ``w`` are recomputed from the pixels' ``bits`` as ``pool2d`` computed them.

    ``out_idx`` and ``out_val`` need ``len(blocks) * ky * kx`` entries.
    """
    cdef Py_ssize_t nx = total.shape[1], n = 0, i, b, br, bc, r, c, r0, r1, c0, c1
    cdef double g
    with nogil:
        for i in range(blocks.shape[0]):
            b = blocks[i]
            br = b // nx
            bc = b - br * nx
            block_span(br, ky, oy, H, &r0, &r1)
            block_span(bc, kx, ox, W, &c0, &c1)
            g = vals[i] / total[br, bc]
            for r in range(r0, r1):
                for c in range(c0, c1):
                    out_idx[n] = r * W + c
                    out_val[n] = g if mode == 0 else g * sktopo_weight(bits[r * W + c], mode)
                    n += 1
    return n
