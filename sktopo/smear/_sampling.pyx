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

DEF LANES = 4
cdef double INV16 = 1.0 / 65536.0


cdef inline uint64_t rotl(uint64_t x, int k) noexcept nogil:
    return (x << k) | (x >> (64 - k))


cdef inline uint64_t splitmix_next(uint64_t *state) noexcept nogil:
    state[0] += <uint64_t> 0x9E3779B97F4A7C15ULL
    cdef uint64_t z = state[0]
    z = (z ^ (z >> 30)) * <uint64_t> 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t> 0x94D049BB133111EBULL
    return z ^ (z >> 31)


def fill_words(uint64_t seed, uint64_t[::1] out):
    """Fill ``out`` (a multiple of LANES words) with the interleaved xoshiro256++ streams."""
    cdef uint64_t s0[LANES]
    cdef uint64_t s1[LANES]
    cdef uint64_t s2[LANES]
    cdef uint64_t s3[LANES]
    cdef uint64_t t
    cdef Py_ssize_t i, j, n = out.shape[0] // LANES
    cdef uint64_t *o = &out[0]
    for j in range(LANES):
        s0[j] = splitmix_next(&seed)
        s1[j] = splitmix_next(&seed)
        s2[j] = splitmix_next(&seed)
        s3[j] = splitmix_next(&seed)
    with nogil:
        for i in range(n):
            for j in range(LANES):
                o[i * LANES + j] = rotl(s0[j] + s3[j], 23) + s0[j]
                t = s1[j] << 17
                s2[j] ^= s0[j]
                s3[j] ^= s1[j]
                s1[j] ^= s2[j]
                s0[j] ^= s3[j]
                s2[j] ^= t
                s3[j] = rotl(s3[j], 45)


def pool2d(const double[:, ::1] x, Py_ssize_t ky, Py_ssize_t kx, Py_ssize_t oy,
           Py_ssize_t ox, double eps, int mode, const uint32_t[::1] bits, float[:, ::1] u,
           double[:, ::1] pooled, double[:, ::1] total):
    """Pool ``x + h`` over the shifted blocks with random weights, in one pass.

    ``mode``: 0 average, 1 normalized uniforms, 2 Dirichlet(1). ``bits``: 32 random bits
    per pixel (unused for the noiseless average). ``pooled`` and ``total`` (the blocks'
    weight sums) have shape ``(ceil((H + oy) / ky), ceil((W + ox) / kx))``; ``u`` (H, W)
    receives the weights (modes 1 and 2). The rows of a block row are added up column by
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
    cdef float *ur
    cdef double *row_t = <double *> malloc(2 * W * sizeof(double))
    cdef double *row_u = row_t + W
    if row_t == NULL:
        raise MemoryError()
    with nogil:
        for br in range(ny):
            r0 = br * ky - oy
            r1 = r0 + ky
            if r0 < 0:
                r0 = 0
            if r1 > H:
                r1 = H
            memset(row_t, 0, 2 * W * sizeof(double))
            for r in range(r0, r1):
                xr = &x[r, 0]
                zr = &bits[r * W]
                ur = &u[r, 0]
                if mode == 0 and noisy:
                    for c in range(W):
                        row_t[c] += xr[c] + (<double> <int> (zr[c] >> 16) * scale + shift)
                elif mode == 0:
                    for c in range(W):
                        row_t[c] += xr[c]
                elif mode == 1 and noisy:
                    for c in range(W):
                        z = zr[c]
                        wf = <float> ((<int> (z & 0xFFFF) + 0.5) * INV16)
                        ur[c] = wf
                        row_t[c] += wf * (xr[c] + (<double> <int> (z >> 16) * scale + shift))
                        row_u[c] += wf
                elif mode == 1:
                    for c in range(W):
                        wf = <float> ((<int> (zr[c] & 0xFFFF) + 0.5) * INV16)
                        ur[c] = wf
                        row_t[c] += wf * xr[c]
                        row_u[c] += wf
                else:
                    for c in range(W):
                        z = zr[c]
                        wf = -logf(<float> ((<int> (z & 0xFFFF) + 0.5) * INV16))
                        ur[c] = wf
                        if noisy:
                            row_t[c] += wf * (xr[c] + (<double> <int> (z >> 16) * scale
                                                       + shift))
                        else:
                            row_t[c] += wf * xr[c]
                        row_u[c] += wf
            for bc in range(nx):
                c0 = bc * kx - ox
                c1 = c0 + kx
                if c0 < 0:
                    c0 = 0
                if c1 > W:
                    c1 = W
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
               int mode, const float[:, ::1] u, const double[:, ::1] total,
               int64_t[::1] out_idx, double[::1] out_val):
    """Pixels of the given blocks and their gradients ``w / total * val``; returns the count.

    ``out_idx`` and ``out_val`` need ``len(blocks) * ky * kx`` entries.
    """
    cdef Py_ssize_t nx = total.shape[1], n = 0, i, b, br, bc, r, c, r0, r1, c0, c1
    cdef double g
    with nogil:
        for i in range(blocks.shape[0]):
            b = blocks[i]
            br = b // nx
            bc = b - br * nx
            r0 = br * ky - oy
            r1 = r0 + ky
            c0 = bc * kx - ox
            c1 = c0 + kx
            if r0 < 0:
                r0 = 0
            if c0 < 0:
                c0 = 0
            if r1 > H:
                r1 = H
            if c1 > W:
                c1 = W
            g = vals[i] / total[br, bc]
            for r in range(r0, r1):
                for c in range(c0, c1):
                    out_idx[n] = r * W + c
                    out_val[n] = g if mode == 0 else g * u[r, c]
                    n += 1
    return n
