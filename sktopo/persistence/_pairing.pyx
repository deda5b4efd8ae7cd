# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled persistence pairings, all for the total order (value, index).

* ``grid_pairs``: images and volumes. H0 by union-find over the pixels in increasing order
  with the elder rule; the top dimension (H1 of an image, H2 of a volume) by duality, as the
  H0 of the superlevel filtration of the dual connectivity on the image padded by a border
  that is older than every pixel.
* ``signal_pairs``: H0 of a 1-D signal with a stack of alternating minima and maxima, O(n).
* ``kruskal_h0``: H0 of a graph filtration, Kruskal's algorithm with the elder rule.

Only typed memoryviews are used (no numpy C-API), so the module does not depend on the ABI
of the numpy it runs with.
"""

import numpy as np

from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport free, malloc, qsort, realloc


# --------------------------------------------------------------------------- helpers

cdef struct PairBuffer:
    int64_t *birth
    int64_t *death
    Py_ssize_t size
    Py_ssize_t capacity


cdef int buffer_init(PairBuffer *buf, Py_ssize_t capacity) except -1:
    buf.size = 0
    buf.capacity = capacity if capacity > 16 else 16
    buf.birth = <int64_t *> malloc(buf.capacity * sizeof(int64_t))
    buf.death = <int64_t *> malloc(buf.capacity * sizeof(int64_t))
    if buf.birth == NULL or buf.death == NULL:
        free(buf.birth)
        free(buf.death)
        raise MemoryError()
    return 0


cdef int buffer_push(PairBuffer *buf, int64_t birth, int64_t death) except -1 nogil:
    cdef int64_t *b
    cdef int64_t *d
    if buf.size == buf.capacity:
        b = <int64_t *> realloc(buf.birth, 2 * buf.capacity * sizeof(int64_t))
        if b == NULL:
            with gil:
                raise MemoryError()
        buf.birth = b
        d = <int64_t *> realloc(buf.death, 2 * buf.capacity * sizeof(int64_t))
        if d == NULL:
            with gil:
                raise MemoryError()
        buf.death = d
        buf.capacity *= 2
    buf.birth[buf.size] = birth
    buf.death[buf.size] = death
    buf.size += 1
    return 0


cdef object buffer_to_arrays(PairBuffer *buf, Py_ssize_t head, int64_t head_birth):
    """Copy the pairs into two intp arrays (after ``head`` essential pairs), free them."""
    cdef Py_ssize_t i
    birth = np.empty(buf.size + head, dtype=np.int64)
    death = np.empty(buf.size + head, dtype=np.int64)
    cdef int64_t[::1] b = birth
    cdef int64_t[::1] d = death
    if head:
        b[0] = head_birth
        d[0] = -1
    for i in range(buf.size):
        b[head + i] = buf.birth[i]
        d[head + i] = buf.death[i]
    free(buf.birth)
    free(buf.death)
    buf.birth = NULL
    buf.death = NULL
    return birth, death


cdef int compare_int64(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<const int64_t *> a)[0]
    cdef int64_t y = (<const int64_t *> b)[0]
    return (x > y) - (x < y)


cdef inline void sort_run(int64_t *run, Py_ssize_t length) noexcept nogil:
    """Sort a run of indices (equal values) increasingly: insertion sort when short."""
    cdef Py_ssize_t i, j
    cdef int64_t key
    if length > 24:
        qsort(run, length, sizeof(int64_t), compare_int64)
        return
    for i in range(1, length):
        key = run[i]
        j = i - 1
        while j >= 0 and run[j] > key:
            run[j + 1] = run[j]
            j -= 1
        run[j + 1] = key


cdef inline int32_t find32(int32_t *parent, int32_t x) noexcept nogil:
    # path halving
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


cdef inline int64_t find64(int64_t *parent, int64_t x) noexcept nogil:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


# --------------------------------------------------------------------------- grids

cdef inline int64_t unpad(int64_t p, int ndim, const int64_t *pstride,
                          const int64_t *pshape, const int64_t *stride) noexcept nogil:
    """C-order flat index in the image of the flat index ``p`` in the padded image."""
    cdef int64_t out = 0
    cdef int a
    for a in range(ndim):
        out += ((p // pstride[a]) % pshape[a] - 1) * stride[a]
    return out


def _neighbour_offsets(pshape, bint full):
    """Flat offsets of the neighbours of a pixel in a C-contiguous array of shape pshape."""
    ndim = len(pshape)
    strides = [int(np.prod(pshape[a + 1:])) for a in range(ndim)]
    offsets = []
    for step in np.ndindex(*(3,) * ndim):
        step = [s - 1 for s in step]
        nonzero = sum(s != 0 for s in step)
        if nonzero == 0 or (not full and nonzero > 1):
            continue
        offsets.append(sum(s * st for s, st in zip(step, strides)))
    return np.array(offsets, dtype=np.int64)


def grid_pairs(padded, Py_ssize_t n, bint full, bint low, bint top):
    """Critical pixels of the sublevel filtration of an image given padded by ``+inf``.

    Parameters
    ----------
    padded : ndarray of float64, C-contiguous, ndim 2 or 3
        The image ``f`` (finite) surrounded by one layer of ``+inf`` on every side.
    n : int
        Number of pixels of ``f``.
    full : bool
        True: pixels are top cells (8/26-connectivity); False: pixels are vertices (4/6).
    low : bool
        Compute H0.
    top : bool
        Compute the top dimension (H1 of an image, H2 of a volume) by duality.

    Returns
    -------
    h0, top : tuple of (birth_index, death_index) or None
        C-order flat indices into ``f``; ``-1`` for the death of the essential class (the
        first H0 pair).
    """
    cdef int ndim = padded.ndim
    cdef int64_t pshape[3]
    cdef int64_t pstride[3]
    cdef int64_t stride[3]
    cdef int a
    if ndim > 3:
        raise ValueError("grid_pairs supports at most 3 dimensions.")
    for a in range(ndim):
        pshape[a] = padded.shape[a]
    pstride[ndim - 1] = 1
    stride[ndim - 1] = 1
    for a in range(ndim - 2, -1, -1):
        pstride[a] = pstride[a + 1] * pshape[a + 1]
        stride[a] = stride[a + 1] * (pshape[a + 1] - 2)

    cdef const double[::1] values = padded.reshape(-1)
    cdef Py_ssize_t size = values.shape[0]
    if size >= 2 ** 31 - 1:
        raise ValueError("grid_pairs supports images of less than 2**31 padded pixels.")
    order_arr = np.argsort(values)
    rank_arr = np.empty(size, dtype=np.int32)
    parent_arr = np.empty(size, dtype=np.int32)
    cdef int64_t[::1] order = order_arr
    cdef int32_t[::1] rank = rank_arr
    cdef int32_t[::1] parent = parent_arr
    cdef const int64_t[::1] off_low = _neighbour_offsets(padded.shape, full)
    cdef const int64_t[::1] off_top = _neighbour_offsets(padded.shape, not full)
    cdef Py_ssize_t k, start, t
    cdef int64_t p, q
    cdef int32_t r, cur, young, old, border
    cdef double v
    cdef PairBuffer low_buf
    cdef PairBuffer top_buf
    low_buf.birth = NULL
    top_buf.birth = NULL
    low_pairs = None
    top_pairs = None

    with nogil:
        # the order (value, index): sort every run of equal values by index; the padding
        # (+inf) is at the end, order[n:], and keeps the ranks >= n
        start = 0
        for k in range(1, n + 1):
            if k == n or values[order[k]] != values[order[start]]:
                if k - start > 1:
                    sort_run(&order[start], k - start)
                start = k
        for k in range(size):
            rank[order[k]] = <int32_t> k

    if low:
        buffer_init(&low_buf, n // 16)
        with nogil:
            # sublevel H0: a neighbour is present when its rank is smaller; the padding never
            for k in range(n):
                p = order[k]
                parent[p] = <int32_t> p
                cur = <int32_t> p
                for t in range(off_low.shape[0]):
                    q = p + off_low[t]
                    if rank[q] >= k:
                        continue
                    r = find32(&parent[0], <int32_t> q)
                    if r == cur:
                        continue
                    if cur == p:          # the new pixel joins its first component
                        parent[p] = r
                        cur = r
                        continue
                    if rank[r] < rank[cur]:
                        young, old = cur, r
                    else:
                        young, old = r, cur
                    parent[young] = old    # the younger class dies at p
                    buffer_push(&low_buf, unpad(young, ndim, pstride, pshape, stride),
                                unpad(p, ndim, pstride, pshape, stride))
                    cur = old
        low_pairs = buffer_to_arrays(&low_buf, 1,
                                     unpad(order[0], ndim, pstride, pshape, stride))

    if top:
        buffer_init(&top_buf, n // 16)
        with nogil:
            # superlevel H0 of the dual connectivity; the padding is one component, the
            # border, older than every pixel (its representative has rank >= n)
            border = <int32_t> order[n] if size > n else 0
            for k in range(n, size):
                parent[order[k]] = border
            for k in range(n - 1, -1, -1):
                p = order[k]
                parent[p] = <int32_t> p
                cur = <int32_t> p
                for t in range(off_top.shape[0]):
                    q = p + off_top[t]
                    if rank[q] <= k:
                        continue
                    r = find32(&parent[0], <int32_t> q)
                    if r == cur:
                        continue
                    if cur == p:
                        parent[p] = r
                        cur = r
                        continue
                    if rank[r] > rank[cur]:
                        young, old = cur, r
                    else:
                        young, old = r, cur
                    parent[young] = old
                    # a hole is born at p, it is filled at the top of the younger component
                    buffer_push(&top_buf, unpad(p, ndim, pstride, pshape, stride),
                                unpad(young, ndim, pstride, pshape, stride))
                    cur = old
        top_pairs = buffer_to_arrays(&top_buf, 0, 0)
    return low_pairs, top_pairs


# --------------------------------------------------------------------------- signals

def signal_pairs(const double[::1] f):
    """H0 pairs of the sublevel filtration of a 1-D signal, in O(n).

    A stack holds alternating minima and maxima (minima at even depths) whose maxima
    decrease from bottom to top. A maximum lower than the next maximum is lower than both
    of its neighbours: it merges the two basins beside it and the younger minimum dies.

    Returns the same arrays as the numpy ``signal_pairs``: the essential class first, then
    one pair per local maximum, ordered by position.
    """
    cdef Py_ssize_t n = f.shape[0]
    cdef Py_ssize_t n_max = (n - 1) // 2 if n > 1 else 0
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
    cdef int64_t m_a, m_c, mx, young, elder
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
                    m_c = stack[top - 1]
                    mx = stack[top - 2]
                    m_a = stack[top - 3]
                    if f[m_c] < f[m_a]:
                        young, elder = m_a, m_c
                    else:
                        young, elder = m_c, m_a
                    birth[1 + ordinal[top - 2]] = young
                    death[1 + ordinal[top - 2]] = mx
                    top -= 3
                    stack[top] = elder
                    top += 1
                stack[top] = i
                ordinal[top] = k
                k += 1
                top += 1
        while top >= 3:
            m_c = stack[top - 1]
            mx = stack[top - 2]
            m_a = stack[top - 3]
            if f[m_c] < f[m_a]:
                young, elder = m_a, m_c
            else:
                young, elder = m_c, m_a
            birth[1 + ordinal[top - 2]] = young
            death[1 + ordinal[top - 2]] = mx
            top -= 3
            stack[top] = elder
            top += 1
        birth[0] = stack[0]
        death[0] = -1
    free(stack)
    free(ordinal)
    return birth_arr[:k + 1], death_arr[:k + 1]


# --------------------------------------------------------------------------- graphs

def kruskal_h0(Py_ssize_t n, const int64_t[:, ::1] edges, const int64_t[::1] order):
    """H0 of a graph filtration: Kruskal over the edges in ``order``, elder = smaller vertex.

    Returns the dying vertex of every finite class, its death edge (a row of ``edges``) and
    the vertices of the essential classes (the roots, the smallest vertex of each component).
    """
    parent_arr = np.arange(n, dtype=np.int64)
    dying_arr = np.empty(max(n - 1, 0), dtype=np.int64)
    edge_arr = np.empty(max(n - 1, 0), dtype=np.int64)
    cdef int64_t[::1] parent = parent_arr
    cdef int64_t[::1] dying = dying_arr
    cdef int64_t[::1] death_edge = edge_arr
    cdef Py_ssize_t t, count = 0, n_roots = 0
    cdef int64_t e, ru, rv, x
    with nogil:
        for t in range(order.shape[0]):
            if count >= n - 1:
                break
            e = order[t]
            ru = find64(&parent[0], edges[e, 0])
            rv = find64(&parent[0], edges[e, 1])
            if ru == rv:
                continue
            if ru > rv:
                ru, rv = rv, ru
            parent[rv] = ru          # the root is the smallest vertex: the elder
            dying[count] = rv
            death_edge[count] = e
            count += 1
    roots = parent_arr == np.arange(n)
    return dying_arr[:count], edge_arr[:count], np.flatnonzero(roots)
