# cython: language_level=3, boundscheck=False, wraparound=False
"""The walks of the exact search's plateau clause (``_witness.py``) over a candidate: the
plateau of a pair's birth pixel, and the path from it with the fewest conditions the
bounds leave open.

In the view of a dimension (the candidate ``h``, or ``-h`` with the dual connectivity in
the top dimension) the plateau of ``b`` at its level ``c`` is the set of pixels at ``c``
joined to ``b`` through pixels at ``c``; a neighbour below ``c`` (``b`` is not a minimum)
or, in the top dimension, a plateau pixel on the border means the pair has no such
clause. The path runs from ``b`` through pixels at most ``high = c + ceil(t) - 1`` to a
pixel out of the plateau at ``c`` or below (or, in the top dimension, on the border); a
pixel on it costs 1 where its bound lets it rise past ``high`` (a condition the bounds
leave open), 0 otherwise, and the end costs 1 where its bound lets it rise past ``c``.
The cheapest is found breadth first with 0-1 costs (a double-ended queue: cost-0 steps at
the front); among equal costs the first found, in the order of the grid's neighbours.

The marks are stamped, so a walk clears nothing: its cost is that of the pixels it
visits, not of the grid.
"""

import numpy as np

from libc.stdint cimport int64_t, uint8_t

from ._grid cimport Grid, grid_init, neighbours, trim_offsets


cdef class Walks:
    """The grid (both connectivities), its border and the workspaces of the walks."""

    cdef Grid grids[2]
    cdef const uint8_t[::1] border
    cdef int64_t[::1] plateau_mark, path_mark, dist, parent, stack, queue_d, queue_x
    cdef int64_t stamp
    cdef Py_ssize_t head, size

    def __init__(self, tuple shape, int ndim, const uint8_t[::1] border):
        cdef Py_ssize_t n = border.shape[0]
        grid_init(&self.grids[0], shape, ndim, False)
        trim_offsets(&self.grids[0])
        grid_init(&self.grids[1], shape, ndim, True)
        trim_offsets(&self.grids[1])
        self.border = border
        self.plateau_mark = np.zeros(n, dtype=np.int64)
        self.path_mark = np.zeros(n, dtype=np.int64)
        self.dist = np.zeros(n, dtype=np.int64)
        self.parent = np.zeros(n, dtype=np.int64)
        self.stack = np.zeros(n, dtype=np.int64)
        self.queue_d = np.zeros(64, dtype=np.int64)
        self.queue_x = np.zeros(64, dtype=np.int64)
        self.stamp = 0

    cdef void grow(self):
        """Double the queue, its items first in order."""
        cdef Py_ssize_t cap = self.queue_x.shape[0], k
        cdef int64_t[::1] d = np.zeros(2 * cap, dtype=np.int64)
        cdef int64_t[::1] x = np.zeros(2 * cap, dtype=np.int64)
        for k in range(self.size):
            d[k] = self.queue_d[(self.head + k) % cap]
            x[k] = self.queue_x[(self.head + k) % cap]
        self.queue_d, self.queue_x, self.head = d, x, 0

    cdef void push(self, int64_t d, int64_t x, bint front):
        cdef Py_ssize_t cap = self.queue_x.shape[0], k
        if self.size == cap:
            self.grow()
            cap = self.queue_x.shape[0]
        if front:
            self.head = (self.head - 1 + cap) % cap
            k = self.head
        else:
            k = (self.head + self.size) % cap
        self.queue_d[k] = d
        self.queue_x[k] = x
        self.size += 1

    def plateau_path(self, const int64_t[::1] h, bint top, bint full, int64_t b,
                     int64_t span, const int64_t[::1] upper):
        """The plateau of ``b`` in the view (``-h`` where ``top``; connectivity ``full``)
        and its cheapest path (the module docstring; ``upper``: the bounds' highest value
        of each pixel in the view, ``span``: ``high - c``): ``(plateau, end, chain,
        visited)``, the plateau's pixels in the order found, the path's end (-1 where
        there is none), the pixels between the end and ``b`` from the end's side (the
        end's own parent first, or the end itself where it lies on the border in the top
        dimension), and the number of pixels the path's walk reached; None where the
        pair has no plateau clause."""
        cdef Grid *g = &self.grids[1 if full else 0]
        cdef int64_t sign = -1 if top else 1
        cdef int64_t c = sign * h[b], high = c + span, v, x, y, d, cost, step
        cdef int64_t best = -1, end = -1, s, n_visited = 1
        cdef int64_t nb[26]
        cdef Py_ssize_t n_stack, k, m
        if top and self.border[b]:
            return None
        self.stamp += 1
        s = self.stamp
        # the plateau, depth first in the order of the neighbours
        found = [b]
        self.plateau_mark[b] = s
        self.stack[0] = b
        n_stack = 1
        while n_stack:
            n_stack -= 1
            x = self.stack[n_stack]
            m = neighbours(g, x, nb)
            for k in range(m):
                y = nb[k]
                v = sign * h[y]
                if v < c:
                    return None                  # not a minimum
                if v == c and self.plateau_mark[y] != s:
                    if top and self.border[y]:
                        return None              # on the border in the top view
                    self.plateau_mark[y] = s
                    found.append(y)
                    self.stack[n_stack] = y
                    n_stack += 1
        # the path: breadth first with 0-1 costs
        self.path_mark[b] = s
        self.dist[b] = 0
        self.parent[b] = -1
        self.head = 0
        self.size = 0
        self.push(0, b, False)
        while self.size:
            d = self.queue_d[self.head]
            x = self.queue_x[self.head]
            self.head = (self.head + 1) % self.queue_x.shape[0]
            self.size -= 1
            if d > self.dist[x]:
                continue                         # reached at a lower cost since
            if best >= 0 and d >= best:
                break                            # no end from here costs less
            if self.plateau_mark[x] != s and (sign * h[x] <= c
                                              or (top and self.border[x])):
                if top and self.border[x]:
                    cost = d
                else:
                    cost = d - (upper[x] > high) + (upper[x] > c)
                if best < 0 or cost < best:
                    end, best = x, cost
            m = neighbours(g, x, nb)
            for k in range(m):
                y = nb[k]
                if sign * h[y] <= high:
                    step = upper[y] > high
                    if self.path_mark[y] != s or d + step < self.dist[y]:
                        if self.path_mark[y] != s:
                            self.path_mark[y] = s
                            n_visited += 1
                        self.dist[y] = d + step
                        self.parent[y] = x
                        if step:
                            self.push(d + 1, y, False)
                        else:
                            self.push(d, y, True)
        chain = []
        if end >= 0:
            x = end if (top and self.border[end]) else self.parent[end]
            while x != b:
                chain.append(x)
                x = self.parent[x]
        return found, end, chain, n_visited
