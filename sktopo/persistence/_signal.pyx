# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""H0 persistence of a 1-D signal (the path graph) in O(n), for the total order
(value, index), and the ``PersistenceNorm`` terms of its pairs."""

import numpy as np

from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc

from sktopo.persistence._norm_terms cimport NormParams, norm_params, norm_terms
from sktopo.persistence._union_find cimport PairBuffer


cdef inline Py_ssize_t pair_top(const double *f, int64_t *stack, int64_t *ordinal,
                                Py_ssize_t top, int64_t *birth,
                                int64_t *death) noexcept nogil:
    """Pair the maximum below the top of the stack of ``signal_pairs`` with the younger of
    its two minima (elder rule); the elder minimum replaces the three. Returns the new top."""
    cdef int64_t m_c = stack[top - 1], mx = stack[top - 2], m_a = stack[top - 3]
    cdef int64_t young = m_a, elder = m_c
    if not f[m_c] < f[m_a]:
        young, elder = m_c, m_a
    birth[1 + ordinal[top - 2]] = young
    death[1 + ordinal[top - 2]] = mx
    top -= 3
    stack[top] = elder
    return top + 1


def signal_pairs(const double[::1] f, tuple norm=None, const double[::1] values=None,
                 int side=0):
    """H0 pairs of the sublevel filtration of a 1-D signal, in O(n).

    A stack holds alternating minima and maxima (minima at even depths) whose maxima
    decrease from bottom to top. A maximum lower than the next maximum is lower than both
    of its neighbours: it merges the two basins beside it and the younger minimum dies.

    Returns the same arrays as the numpy ``signal_pairs``: the essential class first, then
    one pair per local maximum, ordered by position. With ``norm`` (a ``(min, max, p,
    low, high)`` tuple), the value and the sparse gradient on ``values`` (``f`` or its
    negative) of that ``PersistenceNorm`` of the pairs instead, as ``(value, indices,
    gradients)`` (``side`` and the order as ``_pairing.image_pairs``).
    """
    cdef Py_ssize_t n = f.shape[0]
    cdef Py_ssize_t n_max = (n - 1) // 2 if n > 1 else 0
    if norm is not None and (values is None or values.shape[0] != n):
        raise ValueError("signal_pairs: a norm needs the values, one per sample.")
    birth_arr = np.empty(n_max + 1, dtype=np.int64)
    death_arr = np.empty(n_max + 1, dtype=np.int64)
    cdef int64_t[::1] birth = birth_arr
    cdef int64_t[::1] death = death_arr
    cdef int64_t *stack = <int64_t *> malloc((n + 1) * sizeof(int64_t))
    cdef int64_t *ordinal = <int64_t *> malloc((n + 1) * sizeof(int64_t))
    if stack == NULL or ordinal == NULL:
        free(stack)
        free(ordinal)
        raise MemoryError()
    cdef Py_ssize_t top = 0, i, k = 0
    cdef bint rise_before, rise_after
    with nogil:
        for i in range(n):
            # rise_*: the sample before (after) i comes earlier (later) in (value, index)
            rise_before = i > 0 and f[i - 1] <= f[i]
            rise_after = i < n - 1 and f[i] <= f[i + 1]
            if not rise_before and (i == n - 1 or rise_after):      # a local minimum
                stack[top] = i
                top += 1
            elif rise_before and i < n - 1 and not rise_after:      # a local maximum
                while top >= 3 and f[stack[top - 2]] <= f[i]:
                    top = pair_top(&f[0], stack, ordinal, top, &birth[0], &death[0])
                stack[top] = i
                ordinal[top] = k
                k += 1
                top += 1
        while top >= 3:
            top = pair_top(&f[0], stack, ordinal, top, &birth[0], &death[0])
        birth[0] = stack[0]
        death[0] = -1
    free(stack)
    free(ordinal)
    if norm is None:
        return birth_arr[:k + 1], death_arr[:k + 1]
    return signal_terms(&birth[0], &death[0], k + 1, norm, values, side)


cdef object signal_terms(int64_t *birth, int64_t *death, Py_ssize_t size, tuple norm,
                         const double[::1] values, int side):
    """``(value, indices, gradients)`` of the norm terms of the pairs (see ``norm_terms``)."""
    cdef NormParams q
    cdef PairBuffer buf
    cdef double total = 0.0
    cdef Py_ssize_t count
    norm_params(norm, &q)
    buf.birth, buf.death, buf.size, buf.capacity, buf.failed = birth, death, size, size, False
    idx_arr = np.empty(2 * size, dtype=np.int64)
    val_arr = np.empty(2 * size)
    cdef int64_t[::1] idx = idx_arr
    cdef double[::1] val = val_arr
    cdef double *terms = <double *> malloc(size * sizeof(double))
    if terms == NULL:
        raise MemoryError()
    with nogil:
        count = norm_terms(&buf, &values[0], &q, side, &total, terms, &idx[0], &val[0])
    free(terms)
    return total, idx_arr[:count], val_arr[:count]
