# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The ``PersistenceNorm`` terms (p 1 or 2) of a buffer of pairs, for the STUMP step."""

from libc.math cimport fabs
from libc.stdint cimport int64_t

from sktopo.persistence._union_find cimport PairBuffer


cdef extern from *:
    """
    /* numpy's pairwise summation of a contiguous double array (np.add.reduce) */
    static double sktopo_pairwise_sum(const double *a, Py_ssize_t n) {
        Py_ssize_t i;
        if (n < 8) {
            double res = 0.0;
            for (i = 0; i < n; i++) res += a[i];
            return res;
        }
        if (n <= 128) {
            double r[8], res;
            for (i = 0; i < 8; i++) r[i] = a[i];
            for (i = 8; i < n - (n % 8); i += 8) {
                r[0] += a[i + 0]; r[1] += a[i + 1]; r[2] += a[i + 2]; r[3] += a[i + 3];
                r[4] += a[i + 4]; r[5] += a[i + 5]; r[6] += a[i + 6]; r[7] += a[i + 7];
            }
            res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) res += a[i];
            return res;
        }
        Py_ssize_t n2 = n / 2;
        n2 -= n2 % 8;
        return sktopo_pairwise_sum(a, n2) + sktopo_pairwise_sum(a + n2, n - n2);
    }
    """
    double sktopo_pairwise_sum(const double *a, Py_ssize_t n) noexcept nogil


cdef int norm_params(object params, NormParams *q) except -1:
    """``q`` from a ``(min, max, p, low, high)`` tuple (None: no term)."""
    q.on = params is not None
    if q.on:
        q.min_p, q.max_p, q.p, q.low, q.high = params
        if q.p != 1.0 and q.p != 2.0:
            raise ValueError("The compiled norms need p 1 or 2.")
    return 0


cdef inline bint norm_term(const double *values, int64_t bi, int64_t di,
                           const NormParams *q, double *term, double *slope) noexcept nogil:
    """Whether the pair is in the region; its term ``|d - b|^p`` and slope (in ``d``),
    for ``p`` 1 or 2 (other powers: numpy's ``**`` may differ from ``pow`` in the last
    bit, so they stay in numpy)."""
    cdef double b, diff, length
    if di < 0:
        return False
    b = values[bi]
    diff = values[di] - b
    length = fabs(diff)
    if not (length > q.min_p and length <= q.max_p and b >= q.low and b <= q.high):
        return False
    if q.p == 1.0:
        term[0] = length
        slope[0] = 1.0 if diff > 0 else -1.0
    else:
        term[0] = diff * diff
        slope[0] = 2.0 * diff
    return True


cdef Py_ssize_t norm_terms(const PairBuffer *buf, const double *values, const NormParams *q,
                           int side, double *total, double *terms, int64_t *idx,
                           double *val) noexcept nogil:
    """The terms of a ``PersistenceNorm`` on the pairs of ``buf`` (C-order flat indices
    into ``values``), as ``sktopo.optim._kernel._norm_terms`` computes them: the points
    of lifetime ``|d - b|`` in ``(min, max]`` and birth in ``[low, high]`` (``q``),
    value ``|d - b|^p`` and slope ``d|d - b|^p / dd`` (its opposite for the birth),
    ``p`` 1 or 2.
    Adds the sum of the values to ``total`` (numpy's pairwise sum, in pair order, as
    ``np.add.reduce``), writes the births' indices and gradients then the deaths'
    (``side``: 0 both, 1 births, 2 deaths) and returns how many. ``terms``: scratch of
    ``buf.size`` doubles; ``idx`` and ``val``: room for ``2 * buf.size``."""
    cdef double term, slope
    cdef Py_ssize_t i, k = 0, n_sel = 0
    for i in range(buf.size):
        if norm_term(values, buf.birth[i], buf.death[i], q, &term, &slope):
            terms[n_sel] = term
            n_sel += 1
            if side != 2 and slope != 0:      # (zero gradients are left out)
                idx[k] = buf.birth[i]
                val[k] = -slope
                k += 1
    if side != 1:
        for i in range(buf.size):
            if norm_term(values, buf.birth[i], buf.death[i], q, &term, &slope) and slope != 0:
                idx[k] = buf.death[i]
                val[k] = slope
                k += 1
    total[0] += sktopo_pairwise_sum(terms, n_sel)
    return k
