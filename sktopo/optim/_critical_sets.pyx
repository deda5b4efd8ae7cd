# cython: boundscheck=False, wraparound=False, cdivision=True
"""Critical sets of raised minima on a grid: the basins below their new levels.

The H0 pairs of a sublevel filtration of a grid function ``g`` (a padded, flat array; the
neighbours of a cell are ``i + offsets[k]``) are (minimum, saddle) pairs. Raising the
birth of such a pair to ``t`` raises every cell of the minimum's basin below ``t`` (its
connected component of ``{g < t}``) to ``t`` (Nigmetov and Morozov's critical set of the
birth, specialised to extremum pairs). Lowering the death is the cheapest channel of
:func:`sktopo.simplification._channels.lower_channels`.
"""

import numpy as np

from libc.stdint cimport int64_t, uint8_t


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
