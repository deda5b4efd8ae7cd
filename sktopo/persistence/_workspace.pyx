# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The buffers of the 2-D pairing (:mod:`sktopo.persistence._pairing`), kept from call to
call."""

from libc.stdint cimport int32_t, uint8_t, uint32_t
from libc.stdlib cimport free
from libc.string cimport memset

from sktopo.persistence._glue cimport glue_free
from sktopo.persistence._labels cimport labels_free
from sktopo.persistence._union_find cimport big_alloc, buffer_free


cdef void workspace_free(ImageWorkspace *ws) noexcept nogil:
    """Free the buffers of ``ws`` (and zero it: it can be used again)."""
    free(ws.order)
    free(ws.tmp_index)
    free(ws.key)
    free(ws.tmp_key)
    free(ws.rank)
    free(ws.link)
    labels_free(&ws.labels)
    free(ws.terms)
    free(ws.idx)
    free(ws.val)
    buffer_free(&ws.low_buf)
    buffer_free(&ws.top_buf)
    glue_free(&ws.low_glue)
    glue_free(&ws.top_glue)
    memset(ws, 0, sizeof(ImageWorkspace))


# One workspace is kept between calls for images of up to _KEEP_PIXELS pixels: freed after
# every call, its buffers go back to the system and the next call pays a page fault for
# every page it touches again (about 400 per call at 256^2). Taken and given back with the
# GIL held, so concurrent calls simply allocate their own.
cdef enum:
    _KEEP_PIXELS = 1 << 20

cdef ImageWorkspace _spare
cdef bint _spare_held = False


cdef void take_workspace(ImageWorkspace *ws, Py_ssize_t n) noexcept:
    """``ws``: the kept workspace when ``n`` pixels may use it, else an empty one."""
    global _spare_held
    if n <= _KEEP_PIXELS and _spare_held:
        ws[0] = _spare
        _spare_held = False
    else:
        memset(ws, 0, sizeof(ImageWorkspace))


cdef void give_back_workspace(ImageWorkspace *ws, Py_ssize_t n) noexcept:
    """Keep ``ws`` for the next call (small images, free slot) or free it."""
    global _spare, _spare_held
    if n <= _KEEP_PIXELS and not _spare_held:
        _spare = ws[0]
        _spare_held = True
    else:
        workspace_free(ws)


cdef int workspace_reserve(ImageWorkspace *ws, Py_ssize_t th, Py_ssize_t tw) noexcept nogil:
    """Room in ``ws`` for tiles of ``th`` by ``tw`` pixels; -1 when out of memory. (One
    slot more than the pixels: the pixels of a one-tile image's classes, ids from 1, go
    to ``tmp_key``, see ``_regular``.)"""
    cdef Py_ssize_t n = th * tw + 1, padded = (th + 2) * (tw + 2)
    cdef bint failed = False
    if ws.pixels < n:
        free(ws.order)
        free(ws.tmp_index)
        free(ws.key)
        free(ws.tmp_key)
        ws.order = <int32_t *> big_alloc(n * sizeof(int32_t))
        ws.tmp_index = <int32_t *> big_alloc(n * sizeof(int32_t))
        ws.key = <uint32_t *> big_alloc(n * sizeof(uint32_t))
        ws.tmp_key = <uint32_t *> big_alloc(n * sizeof(uint32_t))
        failed = (ws.order == NULL or ws.tmp_index == NULL or ws.key == NULL
                  or ws.tmp_key == NULL)
        ws.pixels = 0 if failed else n
    if not failed and ws.padded < padded:
        free(ws.rank)
        free(ws.link)
        ws.rank = <uint32_t *> big_alloc(padded * sizeof(uint32_t))
        ws.link = <uint8_t *> big_alloc(padded * sizeof(uint8_t))
        failed = ws.rank == NULL or ws.link == NULL
        ws.padded = 0 if failed else padded
    return -1 if failed else 0
