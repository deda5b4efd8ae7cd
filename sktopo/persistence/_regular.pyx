# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The 2-D pairing of an image of one tile (:mod:`sktopo.persistence._pairing`) with the
union-find run at the pixels that may merge classes only.

In the total order (value, index), a pixel ``p`` whose present neighbours (those before
``p``; after ``p`` and the border in the dual filtration) lie in one component of the
present pixels of its 3 x 3 window, in the pass's connectivity, is *regular*: they are in
one class before ``p``, which ``p`` joins. With no present neighbour ``p`` is a minimum
(a class is born); with two components or more it is a *candidate*: its neighbours may
be in different classes (or joined outside the window: then no merge). Which case holds
is read from a table of the 8-bit mask "ring neighbour k is present", one table per
connectivity.

* ``link_masks`` ranks the pixels (inverse of the order) and writes every pixel's mask
  in one sequential scan; the dual mask is its complement (the border, ranked last,
  is never before a pixel and always after it).
* Pass A, in the order of the filtration, without branches: a pixel takes the class id
  of one present neighbour (ids stay valid: classes only merge, their ids then map to
  the survivor), a minimum a new id (ids in the order of birth), and the candidates are
  listed in order.
* Pass B visits the candidates only: the root classes of their present neighbours, the
  elder rule at merges, as in :func:`sktopo.persistence._pairing.image_union`.

On noise about a quarter of the pixels are candidates (their merges, the pairs, are
about half of them).
"""

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t

from sktopo.persistence._labels cimport Labels, absorb, labels_reset, open_classes
from sktopo.persistence._sort cimport unpad2
from sktopo.persistence._union_find cimport PairBuffer, offsets_2d
from sktopo.persistence._workspace cimport ImageWorkspace


# The ring positions of a mask's bits: 0 N, 1 NE, 2 E, 3 SE, 4 S, 5 SW, 6 W, 7 NW (the
# order of offsets_2d); the 4-neighbours are the even ones. Per connectivity (index 1:
# 8-neighbours), per mask:
cdef uint8_t _kind[2][256]      # 0 a minimum, 1 regular, 2 a candidate
cdef int8_t _first[2][256]      # the first present neighbour, 8 if none
# of a candidate: one neighbour in each component but the first neighbour's, the count in
# bits 0-2 and the ring positions in the next 3-bit fields (at most 3 others)
cdef uint16_t _others[2][256]


def _build_tables():
    """Count the components of the present ring pixels that hold a neighbour, two ring
    pixels joined when they are neighbours in the connectivity."""
    position = [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]
    for ring in (0, 1):
        neighbours = range(8) if ring else range(0, 8, 2)
        for mask in range(256):
            present = [k for k in range(8) if mask >> k & 1]
            parent = list(range(8))

            def find(k):
                while parent[k] != k:
                    k = parent[k]
                return k

            for a in present:
                for b in present:
                    dy = abs(position[a][0] - position[b][0])
                    dx = abs(position[a][1] - position[b][1])
                    if (max(dy, dx) if ring else dy + dx) == 1:
                        parent[find(a)] = find(b)
            parts = {find(k) for k in present if k in neighbours}
            _kind[ring][mask] = min(len(parts), 2)
            first = [k for k in neighbours if mask >> k & 1]
            _first[ring][mask] = first[0] if first else 8
            others = []
            for k in first:
                if find(k) != find(first[0]) and all(find(k) != find(o) for o in others):
                    others.append(k)
            code = len(others)
            for i, k in enumerate(others):
                code |= k << (3 + 3 * i)
            _others[ring][mask] = code


_build_tables()

# a candidate is listed as its padded pixel (an image of one tile, at most 131072 pixels,
# has less than 2**19 padded pixels, whatever its shape) and, above, its code in
# ``_others`` (11 bits)
cdef enum:
    _PIXEL_BITS = 19
    _PIXEL_MASK = (1 << 19) - 1


ctypedef fused rank_t:
    # 16-bit ranks up to 65536 pixels (the last one ties with the border, which changes
    # nothing: both are after every other pixel), 32-bit above
    uint16_t
    uint32_t


cdef void link_masks(const int32_t *order, Py_ssize_t n, Py_ssize_t h, int32_t row,
                     rank_t *rank, uint8_t *mask) noexcept nogil:
    """``mask[p]`` of every pixel of the padded ``(h, row - 2)`` image whose pixels are
    ``order`` (padded indices): bit k set when ring neighbour k comes before ``p``;
    ``rank`` gets the position of each pixel in ``order``, the border last."""
    cdef Py_ssize_t i, r, col, w = row - 2
    cdef rank_t x, last = <rank_t> -1
    cdef const rank_t *above
    cdef const rank_t *at
    cdef const rank_t *below
    cdef uint8_t *out
    for i in range(row):
        rank[i] = last
        rank[(h + 1) * row + i] = last
    for r in range(1, h + 1):
        rank[r * row] = last
        rank[r * row + row - 1] = last
    for i in range(n):
        rank[order[i]] = <rank_t> i
    for r in range(1, h + 1):
        above = rank + (r - 1) * row
        at = rank + r * row
        below = rank + (r + 1) * row
        out = mask + r * row
        for col in range(1, w + 1):
            x = at[col]
            out[col] = <uint8_t> (
                (above[col] < x) | (above[col + 1] < x) << 1 | (at[col + 1] < x) << 2
                | (below[col + 1] < x) << 3 | (below[col] < x) << 4
                | (below[col - 1] < x) << 5 | (at[col - 1] < x) << 6
                | (above[col - 1] < x) << 7)


cdef void tile_masks(const int32_t *order, Py_ssize_t n, Py_ssize_t h, int32_t row,
                     uint16_t *rank, uint8_t *mask) noexcept nogil:
    """:func:`link_masks` of a tile (at most 65536 pixels)."""
    link_masks(order, n, h, row, rank, mask)


cdef const uint8_t *mask_kinds(bint ring, int32_t row, int32_t *shift) noexcept nogil:
    """The kind of each mask of the connectivity ``ring`` (0 a minimum, 1 regular, 2 a
    candidate) and, in ``shift``, the offset (rows of ``row``) of its first present
    neighbour (0 if none)."""
    cdef int32_t off[9]
    cdef int64_t off64[8]
    cdef int t
    offsets_2d(row, True, off64)
    for t in range(8):
        off[t] = <int32_t> off64[t]
    off[8] = 0
    for t in range(256):
        shift[t] = off[_first[ring][t]]
    return _kind[ring]


cdef Py_ssize_t label_pixels(Labels *c, const int32_t *order, Py_ssize_t n,
                             const uint8_t *mask, bint dual, bint ring, int32_t row,
                             int32_t *candidate, int16_t *candidate_label, int32_t *birth,
                             int32_t *count) noexcept nogil:
    """Pass A (see the module docstring): ``c.label`` of every pixel, ``birth[k]`` the
    padded pixel of class ``k`` (from 1), ``count`` the ids used; the candidates, in
    order, into ``candidate``, their number returned."""
    cdef int32_t shift[256]
    cdef const uint8_t *kind = mask_kinds(ring, row, shift)
    cdef const uint16_t *others_of = _others[ring]
    cdef int16_t *label = c.label
    cdef uint8_t flip = 0xFF if dual else 0
    cdef Py_ssize_t step, k = 0
    cdef int32_t p, l, t, born = 1, minimum
    for step in range(n):
        p = order[n - 1 - step if dual else step]
        t = mask[p] ^ flip
        minimum = kind[t] == 0
        l = label[p + shift[t]]
        l ^= (l ^ born) & -minimum
        label[p] = <int16_t> l
        birth[born] = p
        born += minimum
        candidate[k] = p | <int32_t> others_of[t] << _PIXEL_BITS
        candidate_label[k] = <int16_t> l
        k += kind[t] >> 1
    count[0] = born
    return k


cdef int regular_union(Labels *c, const int32_t *order, Py_ssize_t n, const uint8_t *mask,
                       bint dual, bint ring, int32_t row, int32_t *candidate,
                       int16_t *candidate_label, int32_t *birth,
                       PairBuffer *buf) noexcept nogil:
    """H0 with the elder rule over the pixels of a padded one-tile image, ``c`` reset
    (see :func:`sktopo.persistence._labels.labels_reset`), ``mask`` from
    :func:`link_masks`, in ``order`` (reversed when ``dual``: the superlevel filtration
    of the other connectivity, the border one class older than every pixel): the pairs
    into ``buf`` (C-order indices), as :func:`sktopo.persistence._pairing.image_union`.
    ``candidate`` and ``birth`` have room for ``n`` pixels. -1 when out of memory,
    ``TOO_MANY_CLASSES`` when the ids would not fit in 16 bits."""
    cdef int32_t off[8]
    cdef int64_t off64[8]
    cdef int32_t others[8]
    cdef int16_t *label = c.label
    cdef int16_t *root
    cdef int32_t w = row - 2, count, k, p, t, cur, other, young, pixel, n_other, code
    cdef Py_ssize_t j, n_candidates
    cdef double inverse = 1.0 / row
    n_candidates = label_pixels(c, order, n, mask, dual, ring, row, candidate,
                                candidate_label, birth, &count)
    if count > 32768:
        # more classes than 16-bit ids (a grid of more than 65534 pixels, nearly every
        # other one a minimum): the ids of pass A wrapped, nothing else was written
        return TOO_MANY_CLASSES
    if open_classes(c, count) < 0:
        return -1
    for k in range(1, count):
        c.pixel[k] = unpad2(birth[k], row, inverse, w)
    root = c.root_base + 2
    offsets_2d(row, True, off64)
    for t in range(8):
        off[t] = <int32_t> off64[t]
    for j in range(n_candidates):
        p = candidate[j] & _PIXEL_MASK
        code = candidate[j] >> _PIXEL_BITS
        cur = root[candidate_label[j]]
        # the classes of the other components of p's present neighbours (one neighbour
        # each, from the table), but cur's
        n_other = 0
        for t in range(code & 7):
            other = root[label[p + off[(code >> (3 + 3 * t)) & 7]]]
            others[n_other] = other
            n_other += other != cur
        if n_other == 0:
            continue
        pixel = unpad2(p, row, inverse, w)
        for t in range(n_other):
            other = root[others[t]]     # (a merge may have made it cur's)
            if other == cur:
                continue
            # the younger class dies at p
            young = other if c.info[other].eldest > c.info[cur].eldest else cur
            push_death(buf, c, young, pixel, dual)
            cur = absorb(c, cur, other)
            if cur < 0:
                return -1
            root = c.root_base + 2
    return -1 if buf.failed else 0


cdef int one_tile(ImageWorkspace *ws, Py_ssize_t n, Py_ssize_t h, int32_t row, bint full,
                  bint low, bint top) noexcept nogil:
    """The H0 (``low``) and H1 (``top``) pairs of an image of one tile (at most
    ``ONE_TILE_PIXELS``), its ``n`` pixels sorted into ``ws.order``, into ``ws.low_buf``
    and ``ws.top_buf``; -1 when out of memory, ``TOO_MANY_CLASSES`` when a pass has more
    classes than 16-bit ids (the image must then be cut into tiles)."""
    cdef int32_t *birth = <int32_t *> ws.tmp_key       # (free once sorted)
    cdef int16_t *candidate_label = <int16_t *> ws.key
    cdef int status
    if n <= 65536:
        link_masks(ws.order, n, h, row, <uint16_t *> ws.rank, ws.link)
    else:
        link_masks(ws.order, n, h, row, ws.rank, ws.link)
    if low:
        if labels_reset(&ws.labels, n, False, row, h, 0) < 0:
            return -1
        status = regular_union(&ws.labels, ws.order, n, ws.link, False, full, row,
                               ws.tmp_index, candidate_label, birth, &ws.low_buf)
        if status < 0:
            return status
    if top:
        if labels_reset(&ws.labels, n, True, row, h, 0) < 0:
            return -1
        return regular_union(&ws.labels, ws.order, n, ws.link, True, not full, row,
                             ws.tmp_index, candidate_label, birth, &ws.top_buf)
    return 0
