# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""PROTOTYPE: H0 of a one-tile image skipping the union-find at regular pixels."""

import numpy as np

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint32_t
from libc.stdlib cimport free, malloc
from libc.string cimport memset

from sktopo.persistence._glue cimport Tile
from sktopo.persistence._labels cimport Labels, absorb, labels_reset, labels_free
from sktopo.persistence._pairing cimport image_union
from sktopo.persistence._sort cimport sort_pixels, split_index
from sktopo.persistence._union_find cimport (PairBuffer, buffer_push, buffer_reserve,
                                             buffer_free, offsets_2d)
from sktopo.persistence._workspace cimport ImageWorkspace, workspace_reserve, workspace_free

cdef extern from "<time.h>" nogil:
    cdef struct timespec:
        long tv_sec
        long tv_nsec
    int clock_gettime(int clk, timespec *t)

cdef double now() noexcept nogil:
    cdef timespec t
    clock_gettime(1, &t)
    return t.tv_sec * 1e9 + t.tv_nsec

# ring positions: 0 N, 1 NE, 2 E, 3 SE, 4 S, 5 SW, 6 W, 7 NW; cross: 0, 2, 4, 6
cdef uint8_t _type[2][256]       # [ring] 0 minimum, 1 regular, 2 maybe a merge
cdef int8_t _first[2][256]       # first present neighbour of the connectivity, 8: none


def _build_tables():
    pos = [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]
    for ring in (0, 1):
        nb = range(8) if ring else (0, 2, 4, 6)
        for m in range(256):
            present = [k for k in range(8) if m >> k & 1]
            parent = {k: k for k in present}
            def find(k):
                while parent[k] != k:
                    k = parent[k]
                return k
            for a in present:
                for b in present:
                    da = abs(pos[a][0] - pos[b][0]); db = abs(pos[a][1] - pos[b][1])
                    adjacent = max(da, db) == 1 if ring else da + db == 1
                    if adjacent:
                        parent[find(a)] = find(b)
            comps = {find(k) for k in present if k in nb}
            _type[ring][m] = min(len(comps), 2)
            firsts = [k for k in nb if m >> k & 1]
            _first[ring][m] = firsts[0] if firsts else 8

_build_tables()

cdef int32_t *_rank = NULL
cdef uint8_t *_mask = NULL
cdef int32_t *_cand = NULL
cdef int32_t *_pix = NULL
cdef Py_ssize_t _cap = 0
cdef int _mode = 0
cdef double _ta = 0, _tb = 0, _tc = 0
cdef Py_ssize_t _nc = 0

cdef int reserve(Py_ssize_t size) noexcept nogil:
    global _rank, _mask, _cand, _pix, _cap
    if _cap < size:
        free(_rank); free(_mask); free(_cand); free(_pix)
        _rank = <int32_t *> malloc(size * 4)
        _mask = <uint8_t *> malloc(size)
        _cand = <int32_t *> malloc(size * 4)
        _pix = <int32_t *> malloc(size * 4)
        _cap = size
    return 0


cdef void link_masks(const int32_t *order, Py_ssize_t n, int32_t h, int32_t row,
                     int32_t *rank, uint8_t *mask) noexcept nogil:
    """mask[p]: bit k set when ring neighbour k comes before p (the border never)."""
    cdef Py_ssize_t i, r, c, w = row - 2
    cdef int32_t x
    cdef const int32_t *a
    cdef const int32_t *b
    cdef const int32_t *d
    for i in range(row):
        rank[i] = 0x7FFFFFFF
        rank[(h + 1) * row + i] = 0x7FFFFFFF
    for r in range(1, h + 1):
        rank[r * row] = 0x7FFFFFFF
        rank[r * row + row - 1] = 0x7FFFFFFF
    for i in range(n):
        rank[order[i]] = <int32_t> i
    for r in range(1, h + 1):
        a = rank + (r - 1) * row
        b = rank + r * row
        d = rank + (r + 1) * row
        for c in range(1, w + 1):
            x = b[c]
            mask[r * row + c] = <uint8_t> ((a[c] < x) | (a[c + 1] < x) << 1 | (b[c + 1] < x) << 2
                                 | (d[c + 1] < x) << 3 | (d[c] < x) << 4 | (d[c - 1] < x) << 5
                                 | (b[c - 1] < x) << 6 | (a[c - 1] < x) << 7)


cdef int regular_union(Labels *c, const int32_t *order, Py_ssize_t n, const uint8_t *mask,
                       bint dual, bint ring, int32_t h, int32_t row, int32_t *cand,
                       int32_t *pix, PairBuffer *buf) noexcept nogil:
    cdef int32_t off[9]
    cdef int64_t off64[8]
    cdef int32_t shift[256]
    cdef const uint8_t *kind = _type[ring]
    cdef Py_ssize_t step, k = 0, j
    cdef int32_t p, q, count = 1, m, l, t, cur, other, young, old, pixel, n_other
    cdef int32_t others[8]
    cdef int16_t *label = c.label
    cdef int16_t *root
    cdef int16_t lq
    cdef uint8_t flip = 0xFF if dual else 0
    cdef int is_min, tk
    cdef int32_t w = row - 2
    cdef double inverse = 1.0 / row
    cdef Py_ssize_t col, rr
    offsets_2d(row, True, off64)
    for t in range(8):
        off[t] = <int32_t> off64[t]
    off[8] = 0
    for t in range(256):
        shift[t] = off[_first[ring][t]]
    global _ta, _tb, _tc, _nc
    cdef double z0 = now()
    # pass A: labels of a lower neighbour, ids of the minima in birth order, candidates
    for step in range(n):
        p = order[n - 1 - step if dual else step]
        m = mask[p] ^ flip
        tk = kind[m]
        is_min = tk == 0
        l = label[p + shift[m]]
        l = l ^ ((l ^ count) & -is_min)
        label[p] = <int16_t> l
        pix[count] = p
        count += is_min
        cand[k] = p
        k += tk >> 1
    cdef double z1 = now()
    # the classes
    if c.capacity < count + 2 or c.pool_capacity < 2 * count:
        return -1
    root = c.root_base + 2
    for t in range(1, count):
        root[t] = <int16_t> t
        c.info[t].eldest = <int16_t> t
        c.info[t].size = 1
        c.info[t].start = t
        c.members[t] = <int16_t> t
        c.vertex[t] = -1
        p = pix[t]
        rr = split_index(p, row, inverse, &col)
        c.pixel[t] = <int32_t> ((rr - 1) * w + col - 1)
    c.pool_size = count
    c.n_classes = count
    cdef double z2 = now()
    # pass B: the candidates in order
    for j in range(k):
        p = cand[j]
        m = mask[p] ^ flip
        cur = root[label[p]]
        n_other = 0
        if ring:
            for t in range(8):
                lq = label[p + off[t]] | (((m >> t) & 1) - 1)
                other = root[lq]
                others[n_other] = other
                n_other += (other >= 0) & (other != cur)
        else:
            for t in range(0, 8, 2):
                lq = label[p + off[t]] | (((m >> t) & 1) - 1)
                other = root[lq]
                others[n_other] = other
                n_other += (other >= 0) & (other != cur)
        if n_other == 0 or _mode == 1:
            continue
        rr = split_index(p, row, inverse, &col)
        pixel = <int32_t> ((rr - 1) * w + col - 1)
        for t in range(n_other):
            other = root[others[t]]
            if other == cur:
                continue
            if c.info[other].eldest > c.info[cur].eldest:
                young = other
                old = cur
            else:
                young = cur
                old = other
            if dual:
                buffer_push(buf, pixel, c.pixel[c.info[young].eldest])
            else:
                buffer_push(buf, c.pixel[c.info[young].eldest], pixel)
            cur = absorb(c, cur, other)
            if cur < 0:
                return -1
            root = c.root_base + 2
    _ta += z1 - z0
    _tb += z2 - z1
    _tc += now() - z2
    _nc += k
    return -1 if buf.failed else 0


cdef void border_labels(Labels *c, int32_t h, int32_t row) noexcept nogil:
    cdef Py_ssize_t k, r, size = (h + 2) * row
    for k in range(row):
        c.label[k] = 0
        c.label[size - row + k] = 0
    for r in range(h + 2):
        c.label[r * row] = 0
        c.label[r * row + row - 1] = 0


def compare(list images, bint full, bint dual, bint check=True):
    """Per image: (sort ns, old pass ns, masks ns, new pass ns); the two passes alternate
    which goes first. Pairs compared when ``check``."""
    cdef ImageWorkspace ws
    cdef const double[:, ::1] f
    cdef Py_ssize_t h, w, n, i, size
    cdef int32_t row
    cdef Tile tile
    cdef double t0, t1, t2, t3, t4, t5
    cdef int s1, s2, s0
    cdef bint ring = full != dual
    memset(&ws, 0, sizeof(ImageWorkspace))
    out = []
    for i, image in enumerate(images):
        f = image
        h = f.shape[0]; w = f.shape[1]; n = h * w; row = <int32_t> (w + 2)
        size = (h + 2) * row
        workspace_reserve(&ws, h, w)
        buffer_reserve(&ws.low_buf, n)
        buffer_reserve(&ws.top_buf, n)
        reserve(size)
        memset(&tile, 0, sizeof(Tile))
        tile.f = &f[0, 0]; tile.h = <int32_t> h; tile.w = <int32_t> w
        tile.rows = 1; tile.cols = 1; tile.th = <int32_t> h; tile.tw = <int32_t> w
        with nogil:
            t0 = now()
            sort_pixels(&f[0, 0], 0, h, w, w, ws.order, ws.tmp_index, ws.key, ws.tmp_key)
            t1 = now()
            for s0 in range(2):
                if (s0 + i) % 2 == 0:
                    t2 = now()
                    ws.low_buf.size = 0
                    s1 = labels_reset(&ws.labels, n, dual, row, h, 0)
                    s1 = image_union(&ws.labels, ws.order, n, dual, ring, row, &tile, &ws.low_buf)
                    t3 = now() - t2
                else:
                    t2 = now()
                    ws.top_buf.size = 0
                    link_masks(ws.order, n, <int32_t> h, row, _rank, _mask)
                    t4 = now()
                    s2 = labels_reset(&ws.labels, n, False, row, 1, 0)   # capacity
                    if ws.labels.capacity < n // 2 + 4:
                        labels_free(&ws.labels)
                        s2 = labels_reset(&ws.labels, 2 * n + 8, False, row, h, 0)
                    if dual:
                        border_labels(&ws.labels, <int32_t> h, row)
                    s2 = regular_union(&ws.labels, ws.order, n, _mask, dual, ring, <int32_t> h,
                                       row, _cand, _pix, &ws.top_buf)
                    t5 = t4 - t2
                    t2 = now() - t2
        r = (t1 - t0, t3, t5, t2, s2)
        if check:
            a = sorted(zip([ws.low_buf.birth[k] for k in range(ws.low_buf.size)],
                           [ws.low_buf.death[k] for k in range(ws.low_buf.size)]))
            b = sorted(zip([ws.top_buf.birth[k] for k in range(ws.top_buf.size)],
                           [ws.top_buf.death[k] for k in range(ws.top_buf.size)]))
            r = r + (a == b, len(a), len(b))
        out.append(r)
    workspace_free(&ws)
    return out


def parts():
    global _ta, _tb, _tc, _nc
    r = (_ta, _tb, _tc, _nc)
    _ta = _tb = _tc = 0
    _nc = 0
    return r


def set_mode(int m):
    global _mode
    _mode = m
