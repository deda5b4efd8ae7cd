# cython: boundscheck=False, wraparound=False, cdivision=True
"""Critical sets of extremum pairs on a grid: the cells that must move, and where to.

The H0 pairs of a sublevel filtration of a grid function ``g`` (a padded, flat array; the
neighbours of a cell are ``i + offsets[k]``) are (minimum, saddle) pairs. Two moves shrink
such a pair (Nigmetov and Morozov's critical sets, specialised to extremum pairs):

* raise the birth to ``t``: every cell of the minimum's basin below ``t`` (its connected
  component of ``{g < t}``) rises to ``t`` (flooding);
* lower the death to ``t``: a path from the basin to an older basin (one whose minimum comes
  first in the order ``(value, index)``) through cells of value ``<= t`` must exist, so the
  cells of the cheapest such path above ``t`` are lowered to ``t``. The path is a node-
  weighted shortest path (Dijkstra, cost ``(g - t)^2`` per cell: the smallest squared
  change), searched inside the component of the saddle at its own level.

Maxima and the top-dimensional pairs are the same moves on ``-g`` with the dual
connectivity (the caller's job). The searches touch only the cells they visit: the
distance and visited arrays are allocated once per call and reset through a list of
touched cells.
"""

import numpy as np

from libc.math cimport INFINITY
from libc.stdint cimport int64_t, uint8_t
from libc.stdlib cimport free, malloc, realloc


cdef struct Heap:
    double *cost
    int64_t *cell
    Py_ssize_t size
    Py_ssize_t capacity


cdef int heap_push(Heap *h, double c, int64_t cell) noexcept nogil:
    cdef Py_ssize_t i, parent
    cdef double *nc
    cdef int64_t *ni
    if h.size == h.capacity:
        h.capacity = 2 * h.capacity + 64
        nc = <double *> realloc(h.cost, h.capacity * sizeof(double))
        ni = <int64_t *> realloc(h.cell, h.capacity * sizeof(int64_t))
        if nc == NULL or ni == NULL:
            if nc != NULL:
                h.cost = nc
            if ni != NULL:
                h.cell = ni
            return -1
        h.cost = nc
        h.cell = ni
    i = h.size
    h.size += 1
    while i > 0:
        parent = (i - 1) >> 1
        if h.cost[parent] <= c:
            break
        h.cost[i] = h.cost[parent]
        h.cell[i] = h.cell[parent]
        i = parent
    h.cost[i] = c
    h.cell[i] = cell
    return 0


cdef void heap_pop(Heap *h, double *c, int64_t *cell) noexcept nogil:
    cdef Py_ssize_t i = 0, child
    cdef double last_c
    cdef int64_t last_i
    c[0] = h.cost[0]
    cell[0] = h.cell[0]
    h.size -= 1
    last_c = h.cost[h.size]
    last_i = h.cell[h.size]
    while True:
        child = 2 * i + 1
        if child >= h.size:
            break
        if child + 1 < h.size and h.cost[child + 1] < h.cost[child]:
            child += 1
        if h.cost[child] >= last_c:
            break
        h.cost[i] = h.cost[child]
        h.cell[i] = h.cell[child]
        i = child
    h.cost[i] = last_c
    h.cell[i] = last_i


cdef inline bint precedes(const double *g, int64_t a, int64_t b, bint reverse) noexcept nogil:
    """Cell ``a`` comes before cell ``b`` in the order (value, index), or (value, -index)
    with ``reverse`` (the dual view of a filtration is its order reversed)."""
    return g[a] < g[b] or (g[a] == g[b] and ((a > b) if reverse else (a < b)))


def flood_sets(const double[::1] g, const int64_t[::1] offsets, const int64_t[::1] seeds,
               const double[::1] levels):
    """Cells of each seed's basin below its level: the connected component of the seed in
    ``{g < level}``. Returns ``(cells, owner)``: the cells and the seed number of each."""
    cdef Py_ssize_t n = g.shape[0], n_off = offsets.shape[0], s, k, top
    cdef int64_t cell, nb
    cdef double level
    cdef uint8_t[::1] seen = np.zeros(n, dtype=np.uint8)
    cdef list cells_out = [], owner_out = []
    cdef int64_t[::1] stack = np.empty(max(n, 1), dtype=np.int64)
    cdef Py_ssize_t count
    for s in range(seeds.shape[0]):
        level = levels[s]
        cell = seeds[s]
        if not g[cell] < level:
            continue
        top = 0
        count = 0
        stack[top] = cell
        top += 1
        seen[cell] = 1
        while top > 0:               # depth-first: the stack doubles as the output
            top -= 1
            cell = stack[top]
            stack[n - 1 - count] = cell
            count += 1
            for k in range(n_off):
                nb = cell + offsets[k]
                if not seen[nb] and g[nb] < level:
                    seen[nb] = 1
                    stack[top] = nb
                    top += 1
        found = np.asarray(stack[n - count:]).copy()
        for k in range(n - count, n):
            seen[stack[k]] = 0
        cells_out.append(found)
        owner_out.append(np.full(count, s, dtype=np.int64))
    if not cells_out:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(cells_out), np.concatenate(owner_out)


def path_sets(const double[::1] g, const int64_t[::1] offsets, const int64_t[::1] births,
              const int64_t[::1] saddles, const double[::1] targets, bint reverse_ties=False):
    """Cells to lower so that each minimum's class dies at its target.

    For pair ``s`` (minimum ``births[s]``, saddle ``saddles[s]``, target ``targets[s]``,
    ``g[births[s]] <= targets[s] < g[saddles[s]]``): the cells above the target on the
    cheapest path (cost ``(g - target)^2`` per cell) from the minimum to a cell of an older
    basin, inside the saddle's component of ``{g <= g[saddle]}``; ties broken by index, or
    by reversed index with ``reverse_ties``. Returns ``(cells, owner)``; a pair already dead at its target (or with no such path) contributes none.
    """
    cdef Py_ssize_t n = g.shape[0], n_off = offsets.shape[0], s, k, n_touched
    cdef int64_t cell, nb, birth, found
    cdef double t, ceiling, c, step, nc
    cdef double[::1] dist_arr = np.full(max(n, 1), INFINITY)
    cdef int64_t[::1] pred_arr = np.empty(max(n, 1), dtype=np.int64)
    cdef uint8_t[::1] done_arr = np.zeros(max(n, 1), dtype=np.uint8)
    cdef double *dist = &dist_arr[0]
    cdef int64_t *pred = &pred_arr[0]
    cdef uint8_t *done = &done_arr[0]
    cdef const double *gp = &g[0]
    cdef int64_t *touched = NULL
    cdef Py_ssize_t touched_cap = 0
    cdef Heap heap
    cdef list cells_out = [], owner_out = []
    cdef list path
    heap.cost = NULL
    heap.cell = NULL
    heap.size = 0
    heap.capacity = 0
    try:
        for s in range(births.shape[0]):
            birth = births[s]
            t = targets[s]
            ceiling = gp[saddles[s]]
            n_touched = 0
            heap.size = 0
            found = -1
            dist[birth] = 0.0
            pred[birth] = -1
            if touched_cap == 0:
                touched_cap = 1024
                touched = <int64_t *> malloc(touched_cap * sizeof(int64_t))
                if touched == NULL:
                    raise MemoryError()
            touched[n_touched] = birth
            n_touched += 1
            if heap_push(&heap, 0.0, birth) < 0:
                raise MemoryError()
            with nogil:
                while heap.size > 0:
                    heap_pop(&heap, &c, &cell)
                    if done[cell]:
                        continue
                    done[cell] = 1
                    if gp[cell] <= t and precedes(gp, cell, birth, reverse_ties):
                        found = cell
                        break
                    for k in range(n_off):
                        nb = cell + offsets[k]
                        if done[nb] or not gp[nb] <= ceiling:
                            continue
                        step = gp[nb] - t
                        nc = c + (step * step if step > 0 else 0.0)
                        if nc < dist[nb]:
                            if dist[nb] == INFINITY:
                                if n_touched == touched_cap:
                                    touched_cap *= 2
                                    touched = <int64_t *> realloc(
                                        touched, touched_cap * sizeof(int64_t))
                                    if touched == NULL:
                                        break
                                touched[n_touched] = nb
                                n_touched += 1
                            dist[nb] = nc
                            pred[nb] = cell
                            if heap_push(&heap, nc, nb) < 0:
                                break
            if touched == NULL:
                raise MemoryError()
            if found >= 0:
                path = []
                cell = found
                while cell >= 0:
                    if gp[cell] > t:
                        path.append(cell)
                    cell = pred[cell]
                if path:
                    cells_out.append(np.array(path, dtype=np.int64))
                    owner_out.append(np.full(len(path), s, dtype=np.int64))
            for k in range(n_touched):
                dist[touched[k]] = INFINITY
                done[touched[k]] = 0
    finally:
        free(touched)
        free(heap.cost)
        free(heap.cell)
    if not cells_out:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(cells_out), np.concatenate(owner_out)
