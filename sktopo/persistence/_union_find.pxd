# Shared by the pairing kernels (``_pairing`` for images, ``_volume``, ``_graph``): the
# growable buffer of pairs, allocation helpers and the find of a union-find.

from libc.stdint cimport int32_t, int64_t


cdef extern from *:
    """
    #if defined(_MSC_VER)
    #include <intrin.h>
    static int sktopo_ctz(unsigned int x) { unsigned long i; _BitScanForward(&i, x); return (int) i; }
    #define sktopo_prefetch(a) ((void) 0)
    #else
    #define sktopo_prefetch(a) __builtin_prefetch((a), 1, 3)
    static inline int sktopo_ctz(unsigned int x) { return __builtin_ctz(x); }
    #endif
    """
    int sktopo_ctz(unsigned int x) noexcept nogil
    void sktopo_prefetch(const void *address) noexcept nogil


cdef struct PairBuffer:
    int64_t *birth
    int64_t *death
    Py_ssize_t size
    Py_ssize_t capacity
    bint failed


cdef int buffer_init(PairBuffer *buf, Py_ssize_t capacity) except -1
cdef int buffer_reserve(PairBuffer *buf, Py_ssize_t capacity) noexcept nogil
cdef void buffer_grow(PairBuffer *buf) noexcept nogil
cdef object buffer_to_arrays(PairBuffer *buf, Py_ssize_t head, int64_t head_birth)
cdef void buffer_free(PairBuffer *buf) noexcept nogil
cdef void *grow(void *p, Py_ssize_t n, size_t item, bint *failed) noexcept nogil
cdef void *big_alloc(size_t size) noexcept nogil
cdef void *data(array)
cdef Py_ssize_t compact(int64_t **out, double **points, Py_ssize_t count, Py_ssize_t head,
                        int64_t first, const double *values, double essential) noexcept nogil


cdef inline void buffer_push(PairBuffer *buf, int64_t birth, int64_t death) noexcept nogil:
    if buf.size == buf.capacity:
        buffer_grow(buf)
        if buf.size == buf.capacity:      # out of memory: ``failed`` is set
            return
    buf.birth[buf.size] = birth
    buf.death[buf.size] = death
    buf.size += 1


cdef inline int32_t find_root(int32_t *parent, int32_t x) noexcept nogil:
    """Root of ``x`` with path halving; a root holds a negative code, not a parent."""
    cdef int32_t up = parent[x], upup
    while up >= 0:
        upup = parent[up]
        if upup < 0:
            return up
        parent[x] = upup
        x = upup
        up = parent[x]
    return x


cdef inline int64_t find64(int64_t *parent, int64_t x) noexcept nogil:
    """Root of ``x`` with path halving; a root is its own parent."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


cdef inline int offsets_2d(int64_t w, bint full, int64_t *off) noexcept nogil:
    """Flat offsets of the neighbours of a pixel in a padded 2-D image of row length ``w``;
    their number. With ``full``, the 8 neighbours come in ring order: consecutive ones
    (cyclically) are neighbours of each other."""
    if full:
        off[0] = -w
        off[1] = -w + 1
        off[2] = 1
        off[3] = w + 1
        off[4] = w
        off[5] = w - 1
        off[6] = -1
        off[7] = -w - 1
        return 8
    off[0] = -w
    off[1] = 1
    off[2] = w
    off[3] = -1
    return 4
