# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The 2-D pairing of a tile (:mod:`sktopo.persistence._pairing`) with the union-find run
at the pixels that may merge classes and at the pixels on the tile's edge only.

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
  elder rule at merges. In a tile glued to others, it also visits the pixels on the
  tile's edge, in the order of the filtration among the candidates (from a bit set of
  their ranks): their class reaches the edge, and a merge whose younger class has
  reached it goes to the glue graph (see :mod:`sktopo.persistence._pairing`).

On noise about a quarter of the pixels are candidates (their merges, the pairs, are
about half of them). In the dual filtration of a tile glued to others, the neighbours in
other tiles are not present: the masks of the pixels on its edge are corrected
(:func:`tile_edges`).
"""

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t
from libc.string cimport memset

from sktopo.persistence._glue cimport Tile, glue_edge, glue_vertex, reach_edge
from sktopo.persistence._labels cimport Labels, absorb, labels_reset, open_classes
from sktopo.persistence._sort cimport split_index
from sktopo.persistence._union_find cimport PairBuffer, buffer_push, offsets_2d, sktopo_ctz
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
# ``_others`` (12 bits)
cdef enum:
    _PIXEL_BITS = 19
    _PIXEL_MASK = (1 << 19) - 1
    _CODE_MASK = (1 << 12) - 1


ctypedef fused rank_t:
    # 16-bit ranks up to 65536 pixels (the last one ties with the border, which changes
    # nothing: both are after every other pixel), 32-bit above
    uint16_t
    uint32_t


# regular_union is compiled twice: for an image of one tile (nothing at its edges: its
# pass B never looks) and for a tile glued to others
cdef struct OneTile:
    char unused
cdef struct Glued:
    char unused
ctypedef fused tiling:
    OneTile
    Glued


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
        candidate[k] = <int32_t> (<uint32_t> p | <uint32_t> others_of[t] << _PIXEL_BITS)
        candidate_label[k] = <int16_t> l
        k += kind[t] >> 1
    count[0] = born
    return k


cdef inline void push_death(PairBuffer *buf, Labels *c, int32_t young, int32_t pixel,
                            bint dual) noexcept nogil:
    """The pair of class ``young`` dying at ``pixel``: (its eldest pixel, ``pixel``), or
    the other way round when ``dual`` (a hole born at ``pixel``, filled at the top of the
    class)."""
    if dual:
        buffer_push(buf, pixel, c.pixel[c.info[young].eldest])
    else:
        buffer_push(buf, c.pixel[c.info[young].eldest], pixel)


cdef inline int32_t image_pixel(int32_t p, int32_t row, double inverse, int32_t width,
                                int32_t first, int32_t *r, int32_t *col) noexcept nogil:
    """C-order index in an image of row length ``width`` of the padded pixel ``p`` of a
    tile whose first pixel is ``first``; its row and column in the tile (from 0) into
    ``r`` and ``col``."""
    cdef Py_ssize_t c
    r[0] = <int32_t> split_index(p, row, inverse, &c) - 1
    col[0] = <int32_t> c - 1
    return first + r[0] * width + col[0]


cdef int regular_union(const tiling *kind, Labels *c, const int32_t *order, Py_ssize_t n,
                       const uint8_t *mask, bint dual, bint ring, int32_t row,
                       const Tile *tile,
                       const uint16_t *rank, const int32_t *edge_step, int32_t *candidate,
                       int16_t *candidate_label, int32_t *birth,
                       PairBuffer *buf) noexcept nogil:
    """H0 with the elder rule over the pixels of a padded tile (one tile, or glued when
    ``kind`` is a ``Glued *``, its value unused), ``c`` reset (see
    :func:`sktopo.persistence._labels.labels_reset`), ``mask`` from :func:`link_masks`
    (and :func:`tile_edges`), in ``order`` (reversed when ``dual``: the superlevel
    filtration of the other connectivity, the border one class older than every pixel):
    the pairs into ``buf`` (C-order indices of the image), the merges the tile cannot
    settle and the classes at its edge to the glue graph (see
    :mod:`sktopo.persistence._pairing`). ``edge_step``: the steps of the pass at which
    the pixels on the tile's edge come, in order, then ``n`` (see :func:`tile_edges`);
    ``rank`` the position of each pixel in ``order``. ``candidate`` and ``birth`` have
    room for ``n`` pixels. -1 when out of memory, ``TOO_MANY_CLASSES`` when the ids would
    not fit in 16 bits."""
    cdef int32_t off[8]
    cdef int64_t off64[8]
    cdef int32_t others[8]
    cdef int16_t *label = c.label
    cdef int16_t *root
    cdef int32_t count, k, p, t, cur, other, young, old, pixel, n_other, code, r, col
    cdef int32_t step, at_edge = 0
    cdef Py_ssize_t j, e = 0, n_candidates
    cdef double inverse = 1.0 / row
    cdef int32_t width = tile.w, first = tile.y0 * tile.w + tile.x0
    n_candidates = label_pixels(c, order, n, mask, dual, ring, row, candidate,
                                candidate_label, birth, &count)
    if count > 32768:
        # more classes than 16-bit ids (a grid of more than 65534 pixels, nearly every
        # other one a minimum): the ids of pass A wrapped, nothing else was written
        return TOO_MANY_CLASSES
    if open_classes(c, count) < 0:
        return -1
    for k in range(1, count):
        c.pixel[k] = image_pixel(birth[k], row, inverse, width, first, &r, &col)
    root = c.root_base + 2
    offsets_2d(row, True, off64)
    for t in range(8):
        off[t] = <int32_t> off64[t]
    for j in range(n_candidates):
        p = candidate[j] & _PIXEL_MASK
        code = candidate[j] >> _PIXEL_BITS
        cur = root[candidate_label[j]]
        if tiling is Glued:
            # the pixels on the edge before p reach it (they merge nothing)
            step = n - 1 - rank[p] if dual else rank[p]
            while edge_step[e] < step:
                if reach_class(c, order, n, dual, ring, row, tile, edge_step[e]) < 0:
                    return -1
                e += 1
            at_edge = edge_step[e] == step
            e += at_edge
        # the classes of the other components of p's present neighbours (one neighbour
        # each, from the table), but cur's
        n_other = 0
        for t in range(code & 7):
            other = root[label[p + off[(code >> (3 + 3 * t)) & 7]]]
            others[n_other] = other
            n_other += other != cur
        if n_other == 0 and (tiling is OneTile or not at_edge):
            continue
        pixel = image_pixel(p, row, inverse, width, first, &r, &col)
        for t in range(n_other):
            other = root[others[t]]     # (a merge may have made it cur's)
            if other == cur:
                continue
            # the younger class dies at p
            young = other if c.info[other].eldest > c.info[cur].eldest else cur
            if tiling is Glued and c.vertex[young] >= 0:
                # it has reached the tile's edge: older classes may join it there, the
                # glue graph decides
                old = cur + other - young
                if c.vertex[old] < 0:
                    k = c.pixel[c.info[old].eldest]
                    c.vertex[old] = glue_vertex(tile.glue, k, tile.f[k])
                if c.vertex[old] < 0 or glue_edge(tile.glue, pixel, c.vertex[old],
                                                  c.vertex[young]) < 0:
                    return -1
            else:
                push_death(buf, c, young, pixel, dual)
            cur = absorb(c, cur, other)
            if cur < 0:
                return -1
            root = c.root_base + 2
        if tiling is Glued and at_edge and reach_edge(
                tile, &c.vertex[cur], c.pixel[c.info[cur].eldest], r, col, dual, ring) < 0:
            return -1
    while tiling is Glued and edge_step[e] < n:
        if reach_class(c, order, n, dual, ring, row, tile, edge_step[e]) < 0:
            return -1
        e += 1
    return -1 if buf.failed else 0


cdef int reach_class(Labels *c, const int32_t *order, Py_ssize_t n, bint dual, bint ring,
                     int32_t row, const Tile *tile, int32_t step) noexcept nogil:
    """The class of the pixel on the tile's edge at ``step`` of the pass (not a
    candidate) reaches the edge (:func:`sktopo.persistence._glue.reach_edge`)."""
    cdef int32_t p = order[n - 1 - step if dual else step], r, col
    cdef int32_t cur = c.root_base[2 + c.label[p]]
    image_pixel(p, row, 1.0 / row, tile.w, 0, &r, &col)
    return reach_edge(tile, &c.vertex[cur], c.pixel[c.info[cur].eldest], r, col, dual, ring)


cdef Py_ssize_t tile_edges(const int16_t *label, uint8_t *mask, const uint16_t *rank,
                           Py_ssize_t n, Py_ssize_t h, int32_t row, bint dual,
                           uint32_t *bits, int32_t *edge_step) noexcept nogil:
    """The steps of the pass at which the pixels on the tile's edge come (-2 in ``label``
    reset for the pass, see :func:`sktopo.persistence._labels.labels_reset`), in
    increasing order, into ``edge_step``, then ``n``; their number returned. ``bits``
    has room for ``n`` bits.

    With ``dual``, their masks are those of the dual filtration of the tile alone: a
    neighbour in another tile (the padding there is -1, the image's border 0) is not
    present (the dual mask is the complement: its bit is set)."""
    cdef int32_t off[8]
    cdef int64_t off64[8]
    cdef Py_ssize_t r, k, p, q, w = row - 2, qr, qc, s, count = 0
    cdef uint32_t x
    cdef int t
    offsets_2d(row, True, off64)
    for t in range(8):
        off[t] = <int32_t> off64[t]
    memset(bits, 0, ((n + 31) // 32) * sizeof(uint32_t))
    for r in range(1, h + 1):
        k = 1
        while k <= w:
            # the pixels of the first and last rows and columns
            p = r * row + k
            k += 1 if r == 1 or r == h else max(w - 1, 1)
            if label[p] != -2:
                continue
            s = n - 1 - rank[p] if dual else rank[p]
            bits[s >> 5] |= 1u << (s & 31)
            if not dual:
                continue
            for t in range(8):
                q = p + off[t]
                qr = q // row
                qc = q - qr * row
                if (qr == 0 or qr == h + 1 or qc == 0 or qc == row - 1) and label[q] == -1:
                    mask[p] |= 1 << t
    for s in range((n + 31) // 32):
        x = bits[s]
        while x:
            edge_step[count] = <int32_t> (32 * s + sktopo_ctz(x))
            count += 1
            x &= x - 1
    edge_step[count] = <int32_t> n
    return count


cdef int pair_tile(ImageWorkspace *ws, Tile *tile, int sides, bint full, bint low,
                   bint top) noexcept nogil:
    """The H0 (``low``) and H1 (``top``) pairs of ``tile`` (at most ``ONE_TILE_PIXELS``;
    ``sides``: those shared with other tiles, see
    :func:`sktopo.persistence._labels.labels_reset`), its pixels sorted into
    ``ws.order``, into ``ws.low_buf`` and ``ws.top_buf``, the merges it cannot settle
    into its glue graphs; -1 when out of memory, ``TOO_MANY_CLASSES`` when a pass has more
    classes than 16-bit ids (the image must then be cut into smaller tiles)."""
    cdef int32_t *birth = <int32_t *> ws.tmp_key       # (free once sorted)
    cdef int16_t *candidate_label = <int16_t *> ws.key
    cdef Py_ssize_t n = tile.th * tile.tw, h = tile.th
    cdef int32_t row = tile.tw + 2
    cdef uint16_t *rank = <uint16_t *> ws.rank
    # a tile with other tiles is at most 255 pixels square (see _pairing): n bits, and
    # the steps of its edge
    cdef uint32_t bits[2048]
    cdef int32_t edge_step[1024]
    cdef int status
    if n <= 65536:
        link_masks(ws.order, n, h, row, rank, ws.link)
    else:
        link_masks(ws.order, n, h, row, ws.rank, ws.link)
    if low:
        tile.glue = &ws.low_glue
        if labels_reset(&ws.labels, n, False, row, h, sides) < 0:
            return -1
        if sides == 0:
            status = regular_union(<OneTile *> NULL, &ws.labels, ws.order, n, ws.link,
                                   False, full, row, tile, rank, edge_step, ws.tmp_index,
                                   candidate_label, birth, &ws.low_buf)
        else:
            tile_edges(ws.labels.label, ws.link, rank, n, h, row, False, bits, edge_step)
            status = regular_union(<Glued *> NULL, &ws.labels, ws.order, n, ws.link,
                                   False, full, row, tile, rank, edge_step, ws.tmp_index,
                                   candidate_label, birth, &ws.low_buf)
        if status < 0:
            return status
    if top:
        tile.glue = &ws.top_glue
        if labels_reset(&ws.labels, n, True, row, h, sides) < 0:
            return -1
        if sides == 0:
            return regular_union(<OneTile *> NULL, &ws.labels, ws.order, n, ws.link, True,
                                 not full, row, tile, rank, edge_step, ws.tmp_index,
                                 candidate_label, birth, &ws.top_buf)
        tile_edges(ws.labels.label, ws.link, rank, n, h, row, True, bits, edge_step)
        return regular_union(<Glued *> NULL, &ws.labels, ws.order, n, ws.link, True,
                             not full, row, tile, rank, edge_step, ws.tmp_index,
                             candidate_label, birth, &ws.top_buf)
    return 0
