# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Persistence pairing of 2-D images (H0 and H1) with critical pixels, for the total
order (value, index), and the ``PersistenceNorm`` terms of the STUMP step.

H0 is a union-find over the pixels in increasing order with the elder rule; H1 by
duality, the H0 of the superlevel filtration of the dual connectivity on the image padded
by a border that is older than every pixel. The pixels are sorted with a radix sort
(:mod:`sktopo.persistence._sort`).

An image of more than 131072 pixels (362 x 362) is paired in square tiles (about
``_tile_size`` pixels on a side, see :func:`tile_side`) whose arrays fit in the second-level
cache: on a large image the
pixels come in random places, and a union-find over the whole image would wait on memory
at almost every pixel. Each tile is sorted and paired alone, its neighbours in other
tiles ignored; a pixel on the tile's edge (with a neighbour in another tile) marks its
class as having *reached the edge*.

* A merge at a pixel ``p`` whose younger class has not reached the edge is final: that
  class is a whole component of the image's sublevel set until ``p`` (no path leaves the
  tile), and the class it meets is, in the image, at least as old as in the tile. Most
  pairs are settled so.
* Every other merge is left to the glue graph (:mod:`sktopo.persistence._glue`): a class
  that reaches the edge gets a vertex, born at its eldest pixel, and the tile records an
  edge ``(p, elder's vertex, younger's vertex)`` for such a merge (the elder gets a vertex
  too), an edge from the class of each edge pixel ``p`` to every neighbour ``q`` of ``p``
  in another tile that comes before ``p`` (at ``p``; ``q``'s vertex is read from its slot
  once every tile is done), and nothing for merges of classes away from the edge.

The union-find with the elder rule over the glue graph, its edges in the order (value,
index) of their pixels, gives the remaining pairs: its components at any time are the
components of the image that reach a tile's edge, with the same eldest pixels. A vertex
that dies at its own pixel was a minimum of its tile but not of the image (no pair). In
the dual filtration the border is class 0 in every tile that touches it and vertex 0 of
the glue graph. The order of a tile's pixels is the order (value, index) of the image, so
ties are broken the same in every tile. A tile (or an image of one tile) is paired by
:mod:`sktopo.persistence._regular`: its union-find runs only at the pixels that may merge
classes and at the pixels on its edge.

Only typed memoryviews are used (no numpy C-API), so the module does not depend on the ABI
of the numpy it runs with.
"""

import numpy as np

from libc.stdint cimport int32_t, int64_t
from libc.string cimport memcpy

from sktopo.persistence._glue cimport Tile, elder, glue_pairs, glue_reset
from sktopo.persistence._norm_terms cimport norm_params, norm_terms
from sktopo.persistence._regular cimport ONE_TILE_PIXELS, TOO_MANY_CLASSES, pair_tile
from sktopo.persistence._sort cimport sort_pixels
from sktopo.persistence._union_find cimport (PairBuffer, buffer_reserve,
                                             buffer_to_arrays, compact, data, grow)
from sktopo.persistence._workspace cimport (give_back_workspace, take_workspace,
                                            workspace_free, workspace_reserve)


# --------------------------------------------------------------------------- entry points

# the side of the tiles: their arrays (labels, order, classes) fit in the second-level cache
cdef int32_t _tile_size = 128
# the largest side of a square tile: its class ids (at most one per local extremum, at
# most half its pixels, and the border) fit the 16-bit labels
cdef enum:
    _MAX_TILE = 255


cdef int32_t tile_side(Py_ssize_t h, Py_ssize_t w, int tile) noexcept nogil:
    """The side of the tiles of an ``(h, w)`` image: ``tile`` when given (> 0), else one
    tile when it can be (the union-find of one tile runs at few of its pixels: cutting
    it costs more in glue than the smaller tiles save in cache misses), else about
    ``_tile_size``: as many tiles along each side as ``_tile_size`` fits, rounded, and
    the side that makes them even (no strip of a few pixels a tile to glue: 260 pixels
    are two tiles of 130, not 128 + 128 + 4)."""
    cdef Py_ssize_t along_h, along_w, side
    if tile > 0:
        return tile
    if h * w <= ONE_TILE_PIXELS:
        return <int32_t> (h if h > w else w)
    along_h = max(1, h // _tile_size)
    along_w = max(1, w // _tile_size)
    side = max((h + along_h - 1) // along_h, (w + along_w - 1) // along_w)
    return <int32_t> min(side, _MAX_TILE)

cdef void read_points(const PairBuffer *buf, Py_ssize_t start, const double *values,
                      double *births, double *deaths) noexcept nogil:
    """The values of the pairs from ``start`` on, read while their tile is in the caches
    (read at the end, in random places of a large image, they would miss)."""
    cdef Py_ssize_t i
    for i in range(start, buf.size):
        births[i] = values[buf.birth[i]]
        deaths[i] = values[buf.death[i]]


cdef int workspace_pairs(ImageWorkspace *ws, const double *f, Py_ssize_t h, Py_ssize_t w,
                         bint full, bint low, bint top, int32_t size) noexcept nogil:
    """The H0 (``low``) and H1 (``top``) pairs of the C-contiguous image ``f`` into
    ``ws.low_buf`` and ``ws.top_buf``, in tiles of ``size`` pixels square, and
    ``ws.first``; -1 when out of memory. An image of one tile with more classes than
    its 16-bit ids hold is paired again in tiles of ``_tile_size``."""
    cdef int status = tile_pairs(ws, f, h, w, full, low, top, size)
    if status == TOO_MANY_CLASSES:
        ws.low_buf.size = 0
        ws.top_buf.size = 0
        status = tile_pairs(ws, f, h, w, full, low, top, _tile_size)
    return status


cdef int tile_pairs(ImageWorkspace *ws, const double *f, Py_ssize_t h, Py_ssize_t w,
                    bint full, bint low, bint top, int32_t size) noexcept nogil:
    """:func:`workspace_pairs` in tiles of ``size``; ``TOO_MANY_CLASSES`` from an image
    of one tile too (see :func:`sktopo.persistence._regular.pair_tile`)."""
    cdef int status
    cdef Py_ssize_t n = h * w, i, j, low_start, top_start
    cdef int32_t rows, cols, row, th, tw, first
    cdef int sides
    cdef Tile tile
    if h <= size and w <= size:
        size = <int32_t> (h if h > w else w)     # one tile: nothing to glue
    rows = <int32_t> ((h + size - 1) // size)
    cols = <int32_t> ((w + size - 1) // size)
    tile.f = f
    tile.h = <int32_t> h
    tile.w = <int32_t> w
    tile.rows = rows
    tile.cols = cols
    tile.row_slots = (rows - 1) * 2 * w
    # (noise has about n / 9 H0 pairs in 8-connectivity, n / 5 in 4-connectivity, so has
    # its dual)
    if (ws.values == NULL and (buffer_reserve(&ws.low_buf, n // 4) < 0
                               or buffer_reserve(&ws.top_buf, n // 4) < 0)
            or workspace_reserve(ws, min(h, size), min(w, size)) < 0
            or glue_reset(&ws.low_glue, tile.row_slots + (cols - 1) * 2 * h, n) < 0
            or glue_reset(&ws.top_glue, tile.row_slots + (cols - 1) * 2 * h, n) < 0):
        return -1
    ws.first = -1
    for i in range(rows):
        for j in range(cols):
            tile.i = <int32_t> i
            tile.j = <int32_t> j
            tile.y0 = <int32_t> (i * size)
            tile.x0 = <int32_t> (j * size)
            th = tile.th = <int32_t> min(size, h - tile.y0)
            tw = tile.tw = <int32_t> min(size, w - tile.x0)
            row = tw + 2
            # the sides shared with other tiles
            sides = (i > 0) | (i < rows - 1) << 1 | (j > 0) << 2 | (j < cols - 1) << 3
            if sort_pixels(f + tile.y0 * w + tile.x0, 0, th, tw, w, ws.order, ws.tmp_index,
                           ws.key, ws.tmp_key) < 0:
                return -1
            first = (tile.y0 + ws.order[0] // row - 1) * <int32_t> w + tile.x0 + ws.order[0] % row - 1
            if ws.first < 0 or elder(f, first, <int32_t> ws.first, False):
                ws.first = first
            low_start = ws.low_buf.size
            top_start = ws.top_buf.size
            status = pair_tile(ws, &tile, sides, full, low, top)
            if status < 0:
                return status
            if ws.values != NULL:
                read_points(&ws.low_buf, low_start, ws.values, ws.points[0], ws.points[1])
                read_points(&ws.top_buf, top_start, ws.values, ws.points[2], ws.points[3])
    low_start = ws.low_buf.size
    top_start = ws.top_buf.size
    if rows * cols > 1:
        if low and glue_pairs(&ws.low_glue, f, False, &ws.low_buf) < 0:
            return -1
        if top and glue_pairs(&ws.top_glue, f, True, &ws.top_buf) < 0:
            return -1
    if ws.values != NULL:
        read_points(&ws.low_buf, low_start, ws.values, ws.points[0], ws.points[1])
        read_points(&ws.top_buf, top_start, ws.values, ws.points[2], ws.points[3])
    return 0


cdef Py_ssize_t image_terms(ImageWorkspace *ws, const double *f, Py_ssize_t h,
                            Py_ssize_t w, bint full, const NormParams *norms,
                            const double *values, int side, double *value) noexcept nogil:
    """The ``PersistenceNorm`` terms of ``norms[0]`` (H0) and ``norms[1]`` (H1) on the
    sublevel filtration of the finite C-contiguous ``(h, w)`` image ``f``, read from the
    pairs (see :func:`image_pairs`): ``value`` gets their total, ``ws.idx`` and
    ``ws.val`` the sparse gradient on ``values`` (H0 births, H0 deaths, then H1), and the
    count is returned (-1 when out of memory). The buffers of ``ws`` are reused (and
    grown) from call to call. ``values`` is ``f`` or its negative (a superlevel
    filtration)."""
    cdef Py_ssize_t count = 0, pairs
    cdef bint failed = False
    value[0] = 0.0
    ws.values = NULL        # (norm_terms reads the values itself)
    if workspace_pairs(ws, f, h, w, full, norms[0].on, norms[1].on,
                       tile_side(h, w, 0)) < 0:
        workspace_free(ws)
        return -1
    pairs = ws.low_buf.size + ws.top_buf.size
    if ws.out_capacity < 2 * pairs + 1:
        ws.out_capacity = 2 * pairs + 1
        ws.idx = <int64_t *> grow(ws.idx, ws.out_capacity, sizeof(int64_t), &failed)
        ws.val = <double *> grow(ws.val, ws.out_capacity, sizeof(double), &failed)
        ws.terms = <double *> grow(ws.terms, ws.out_capacity, sizeof(double), &failed)
        if failed:
            workspace_free(ws)
            return -1
    if norms[0].on:
        count += norm_terms(&ws.low_buf, values, &norms[0], side, value, ws.terms,
                            ws.idx + count, ws.val + count)
    if norms[1].on:
        count += norm_terms(&ws.top_buf, values, &norms[1], side, value, ws.terms,
                            ws.idx + count, ws.val + count)
    return count


cdef object sparse_terms(const double[:, ::1] f, bint full, tuple norms,
                         const double[::1] values, int side):
    """``(value, indices, gradients)`` of the norm terms (see :func:`image_terms`)."""
    cdef Py_ssize_t h = f.shape[0], w = f.shape[1], count
    cdef NormParams q[2]
    cdef ImageWorkspace ws
    cdef double total
    cdef int64_t[::1] i_view
    cdef double[::1] v_view
    if values is None or values.shape[0] != h * w:
        raise ValueError("image_pairs: norms need the values, one per pixel.")
    norm_params(norms[0], &q[0])
    norm_params(norms[1], &q[1])
    take_workspace(&ws, h * w)
    with nogil:
        count = image_terms(&ws, &f[0, 0], h, w, full, q, &values[0], side, &total)
    if count < 0:
        raise MemoryError()     # (image_terms freed the workspace)
    try:
        idx = np.empty(count, dtype=np.int64)
        val = np.empty(count)
        if count:
            i_view = idx
            v_view = val
            memcpy(&i_view[0], ws.idx, count * sizeof(int64_t))
            memcpy(&v_view[0], ws.val, count * sizeof(double))
    finally:
        give_back_workspace(&ws, h * w)
    return total, idx, val


cdef enum:
    _SMALL_PIXELS = 1 << 16     # image_points returns views up to this many pixels


cdef object image_points(ImageWorkspace *ws, const double[:, ::1] f, bint full, bint low,
                         bint top, int32_t size, const double[::1] values, double essential):
    """The points of :func:`image_pairs` with ``values``: the pairs are written straight
    into the arrays returned, with their values (read tile by tile), then the pairs of
    zero persistence are dropped in place and the arrays shrunk (no copy, no gathers at
    random places of a large image). A class is born at a local minimum (maximum), and
    those of a grid are at most ``ceil(n / 2)``: the arrays have room for every pair."""
    cdef Py_ssize_t h = f.shape[0], w = f.shape[1], n = h * w, d, k, room = n // 2 + 2
    cdef PairBuffer own_low = ws.low_buf, own_top = ws.top_buf
    cdef PairBuffer *buf
    cdef Py_ssize_t counts[2]
    cdef int64_t *out[4]
    cdef double *points[4]
    cdef int status
    cdef bint small = n <= _SMALL_PIXELS
    if small:
        # two blocks, and views of them returned: cheaper than eight arrays shrunk
        ints = np.empty((4, room), dtype=np.int64)
        floats = np.empty((4, room))
        arrays = [ints[0], ints[1], floats[0], floats[1], ints[2], ints[3], floats[2],
                  floats[3]]
        out[0] = <int64_t *> data(ints)
        points[0] = <double *> data(floats)
        for d in range(1, 4):
            out[d] = out[0] + d * room
            points[d] = points[0] + d * room
    else:
        arrays = [np.empty(room, dtype=np.int64 if d % 4 < 2 else np.float64)
                  for d in range(8)]
        for d in range(4):
            out[d] = <int64_t *> data(arrays[d % 2 + 4 * (d // 2)])
            points[d] = <double *> data(arrays[2 + d % 2 + 4 * (d // 2)])
    try:
        for d in range(2):
            # H0: the essential class goes first
            buf = &ws.low_buf if d == 0 else &ws.top_buf
            buf.size = 0
            buf.failed = False
            buf.capacity = room - 1 + d
            buf.birth = out[2 * d] + 1 - d
            buf.death = out[2 * d + 1] + 1 - d
            ws.points[2 * d] = points[2 * d] + 1 - d
            ws.points[2 * d + 1] = points[2 * d + 1] + 1 - d
        ws.values = &values[0]
        with nogil:
            status = workspace_pairs(ws, &f[0, 0], h, w, full, low, top, size)
        counts[0] = ws.low_buf.size
        counts[1] = ws.top_buf.size
    finally:
        ws.low_buf = own_low
        ws.top_buf = own_top
        ws.values = NULL
    if status < 0:
        workspace_free(ws)
        raise MemoryError()
    result = []
    for d in range(2):
        if not (low if d == 0 else top):
            result.append(None)
            continue
        k = compact(out + 2 * d, points + 2 * d, counts[d], 1 - d, ws.first, &values[0],
                    essential)
        bi = arrays[4 * d]
        di = arrays[4 * d + 1]
        bv = arrays[4 * d + 2]
        dv = arrays[4 * d + 3]
        if small:
            bi, di, bv, dv = bi[:k], di[:k], bv[:k], dv[:k]
        else:
            for array in (bi, di, bv, dv):
                array.resize(k, refcheck=False)
        result.append((bv, dv, bi, di))
    return tuple(result)


def image_pairs(const double[:, ::1] f, bint full, bint low, bint top, tuple norms=None,
                const double[::1] values=None, int side=0, double essential=0.0,
                int tile=0):
    """Critical pixels of the sublevel filtration of a finite 2-D image (H0 and H1).

    Parameters
    ----------
    f : ndarray of float64 of shape (h, w), C-contiguous
        The image, finite.
    full : bool
        True: pixels are top cells (8-connectivity); False: pixels are vertices (4).
    low, top : bool
        Compute H0, H1.
    norms : tuple, default=None
        With norms (one ``(min, max, p, low, high)`` tuple or None for H0, and one for
        H1), the pairs are not returned: the value and the sparse gradient of those
        ``PersistenceNorm`` terms on ``values`` (the flat image whose sublevel filtration
        is ``f``, or its negative) are, as ``(value, indices, gradients)`` (see
        :func:`image_terms`; used by the STUMP loop, which needs nothing else).
    values : ndarray of float64 of shape (h * w,), default=None
        Without norms: the points are read from ``values`` (the flat image, of which ``f``
        is the sublevel filtration: itself or its negative), ``essential`` the death of the
        essential class, and pairs of zero persistence are dropped.
    tile : int, default=0
        The side of the tiles (at least 2); 0: the default (one tile up to 131072
        pixels, of any shape, else ``_tile_size``). The pairs do not depend on it.

    Returns
    -------
    h0, h1 : tuple of (birth_index, death_index) or None
        C-order flat indices into ``f``; ``-1`` for the death of the essential class (the
        first H0 pair). With ``values``: ``(births, deaths, birth_index, death_index)``.
    """
    cdef Py_ssize_t h = f.shape[0], w = f.shape[1], n = h * w
    cdef ImageWorkspace ws
    cdef int status
    if (h + 2) * (w + 2) >= 2 ** 31 - 8:
        raise ValueError("image_pairs supports images of less than 2**31 padded pixels.")
    if n == 0:
        raise ValueError("image_pairs needs at least one pixel.")
    if tile == 1 or tile < 0 or tile > _MAX_TILE:
        raise ValueError(f"image_pairs: tile must be 0 or in [2, {_MAX_TILE}], got {tile}.")
    if norms is not None:
        return sparse_terms(f, full, (norms[0] if low else None, norms[1] if top else None),
                            values, side)
    if values is not None and values.shape[0] != n:
        raise ValueError("image_pairs: values must hold one value per pixel.")
    take_workspace(&ws, n)
    low_pairs = None
    top_pairs = None
    try:
        if values is not None:
            return image_points(&ws, f, full, low, top, tile_side(h, w, tile),
                                values, essential)
        with nogil:
            status = workspace_pairs(&ws, &f[0, 0], h, w, full, low, top,
                                     tile_side(h, w, tile))
        if status < 0:
            workspace_free(&ws)
            raise MemoryError()
        if low:
            low_pairs = buffer_to_arrays(&ws.low_buf, 1, ws.first)
        if top:
            top_pairs = buffer_to_arrays(&ws.top_buf, 0, 0)
    finally:
        give_back_workspace(&ws, n)
    return low_pairs, top_pairs
