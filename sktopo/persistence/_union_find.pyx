# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Helpers shared by the pairing kernels: the buffer of pairs and large allocations."""

import numpy as np

from libc.stdlib cimport free, malloc, realloc

cdef extern from *:
    """
    #include <stdlib.h>
    #if defined(__linux__)
    #include <sys/mman.h>
    /* Large arrays on transparent huge pages where the kernel offers them: the pairings
       read them at random, and with 4 KiB pages nearly every access misses the TLB. */
    static void *sktopo_big_alloc(size_t size) {
        void *p = NULL;
        size_t huge = (size_t) 1 << 21;
        if (size < 2 * huge)
            return malloc(size);
        size = (size + huge - 1) & ~(huge - 1);
        if (posix_memalign(&p, huge, size) != 0)
            return NULL;
        madvise(p, size, MADV_HUGEPAGE);
        return p;
    }
    #else
    static void *sktopo_big_alloc(size_t size) { return malloc(size); }
    #endif
    #if defined(__GLIBC__)
    #include <malloc.h>
    /* glibc gives the free memory at the top of its heap back to the system as soon as it
       exceeds a small threshold; an optimizer step allocates and frees a few MiB (pairs,
       diagrams, gradients), so every step faulted its pages in again (about 430 page
       faults, 1.5 ms of a 5 ms step at 256^2). Keeping 8 MiB of padding stops the cycle;
       a padding the user set (MALLOC_TOP_PAD_) is left alone. */
    static void sktopo_keep_heap_top(void) {
        if (getenv("MALLOC_TOP_PAD_") == NULL)
            mallopt(M_TOP_PAD, 8 << 20);
    }
    #else
    static void sktopo_keep_heap_top(void) {}
    #endif
    """
    void *sktopo_big_alloc(size_t size) noexcept nogil
    void sktopo_keep_heap_top() noexcept nogil


sktopo_keep_heap_top()


cdef void *big_alloc(size_t size) noexcept nogil:
    """``malloc(size)``, on huge pages when large (free it with ``free``)."""
    return sktopo_big_alloc(size)


cdef void *grow(void *p, Py_ssize_t n, size_t item, bint *failed) noexcept nogil:
    """``p`` reallocated to ``n`` items (freed and NULL, with ``failed`` set, when out of
    memory)."""
    cdef void *q = realloc(p, (n if n > 0 else 1) * item)
    if q == NULL:
        free(p)
        failed[0] = True
    return q


cdef int buffer_init(PairBuffer *buf, Py_ssize_t capacity) except -1:
    """An empty buffer with room for ``capacity`` pairs."""
    buf.birth = NULL
    buf.death = NULL
    buf.capacity = 0
    if buffer_reserve(buf, capacity) < 0:
        buffer_free(buf)
        raise MemoryError()
    return 0


cdef int buffer_reserve(PairBuffer *buf, Py_ssize_t capacity) noexcept nogil:
    """Empty ``buf``, with room for at least ``capacity`` pairs; -1 when out of memory."""
    buf.size = 0
    buf.failed = False
    if buf.capacity < capacity or buf.birth == NULL:
        # nothing to keep: fresh blocks (on huge pages when large, faulted in as filled)
        free(buf.birth)
        free(buf.death)
        buf.capacity = capacity if capacity > 16 else 16
        buf.birth = <int64_t *> big_alloc(buf.capacity * sizeof(int64_t))
        buf.death = <int64_t *> big_alloc(buf.capacity * sizeof(int64_t))
        if buf.birth == NULL or buf.death == NULL:
            buffer_free(buf)
            return -1
    return 0


cdef void buffer_grow(PairBuffer *buf) noexcept nogil:
    """Double the capacity of a full buffer (``failed`` set when out of memory)."""
    cdef int64_t *b
    cdef int64_t *d
    if buf.failed:
        return
    b = <int64_t *> realloc(buf.birth, 2 * buf.capacity * sizeof(int64_t))
    if b == NULL:
        buf.failed = True
        return
    buf.birth = b
    d = <int64_t *> realloc(buf.death, 2 * buf.capacity * sizeof(int64_t))
    if d == NULL:
        buf.failed = True
        return
    buf.death = d
    buf.capacity *= 2


cdef void buffer_free(PairBuffer *buf) noexcept nogil:
    free(buf.birth)
    free(buf.death)
    buf.birth = NULL
    buf.death = NULL
    buf.size = buf.capacity = 0


cdef object buffer_to_arrays(PairBuffer *buf, Py_ssize_t head, int64_t head_birth):
    """Copy the pairs into two int64 arrays (after ``head`` essential pairs), free them."""
    cdef Py_ssize_t i
    if buf.failed:
        buffer_free(buf)
        raise MemoryError()
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
    buffer_free(buf)
    return birth, death


cdef void *data(array):
    """The address of the first item of the C-contiguous int64 or float64 ``array`` (it
    stays valid while ``array`` lives and is not resized)."""
    cdef int64_t[::1] ints
    cdef double[::1] floats
    if array.dtype == np.int64:
        ints = array.reshape(-1)
        return &ints[0]
    floats = array.reshape(-1)
    return &floats[0]


cdef Py_ssize_t compact(int64_t **out, double **points, Py_ssize_t count, Py_ssize_t head,
                        int64_t first, const double *values, double essential) noexcept nogil:
    """Drop the pairs of zero persistence from ``out`` (birth and death indices) and
    ``points`` (their values), and write the essential H0 class first when ``head``; the
    number of points left."""
    cdef Py_ssize_t i = head, k
    while i < head + count and points[0][i] != points[1][i]:
        i += 1          # (nothing moves before the first pair dropped)
    k = i
    for i in range(k, head + count):
        if points[0][i] != points[1][i]:
            out[0][k] = out[0][i]
            out[1][k] = out[1][i]
            points[0][k] = points[0][i]
            points[1][k] = points[1][i]
            k += 1
    if head:
        out[0][0] = first
        out[1][0] = -1
        points[0][0] = values[first]
        points[1][0] = essential
    return k
