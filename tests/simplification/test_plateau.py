"""The walks of the exact search's plateau clause (``_plateau.pyx``) against a Python
reference (the implementation they replaced): the same plateau in the same order, the
same path and the same count of pixels reached, on signals, images and volumes, in both
views and connectivities."""

import itertools
from collections import deque

import numpy as np
import pytest

from sktopo.simplification._plateau import Walks


def _neighbours(shape, full):
    """The neighbours of each pixel in the order of the grid's offsets."""
    steps = [s for s in itertools.product((-1, 0, 1), repeat=len(shape))
             if any(s) and (full or sum(map(abs, s)) == 1)]
    near = []
    for x in range(int(np.prod(shape))):
        coords = np.unravel_index(x, shape)
        near.append([int(np.ravel_multi_index(tuple(c + s for c, s in zip(coords, step)),
                                              shape))
                     for step in steps
                     if all(0 <= c + s < n for c, s, n in zip(coords, step, shape))])
    return near


def _reference(value, upper, border, near, top, b, span):
    """The plateau of ``b`` and its cheapest path in Python (``value``: the view)."""
    c = value[b]
    high = c + span
    if top and border[b]:
        return None
    plateau, found, stack = {b}, [b], [b]
    while stack:
        for y in near[stack.pop()]:
            if value[y] < c:
                return None
            if y not in plateau and value[y] == c:
                if top and border[y]:
                    return None
                plateau.add(y)
                found.append(y)
                stack.append(y)
    parent, dist, queue = {b: None}, {b: 0}, deque([(0, b)])
    end, best = None, None
    while queue:
        d, x = queue.popleft()
        if d > dist[x]:
            continue
        if best is not None and d >= best:
            break
        if x not in plateau and (value[x] <= c or (top and border[x])):
            cost = d if top and border[x] else d - (upper[x] > high) + (upper[x] > c)
            if best is None or cost < best:
                end, best = x, cost
        for y in near[x]:
            if value[y] <= high:
                step = upper[y] > high
                if y not in dist or d + step < dist[y]:
                    dist[y], parent[y] = d + step, x
                    if step:
                        queue.append((d + 1, y))
                    else:
                        queue.appendleft((d, y))
    chain = []
    if end is not None:
        x = end if top and border[end] else parent[end]
        while x != b:
            chain.append(x)
            x = parent[x]
    return found, -1 if end is None else end, chain, len(parent)


@pytest.mark.parametrize("shape", [(40,), (9, 13), (1, 17), (5, 4, 6)])
@pytest.mark.parametrize("full", [False, True])
def test_walks_agree_with_the_python_reference(shape, full):
    rng = np.random.default_rng(len(shape) * 10 + full)
    inside = np.zeros(shape, dtype=bool)
    inside[tuple(slice(1, -1) for _ in shape)] = True
    border = (~inside).ravel()
    grid = (1,) * (3 - len(shape)) + shape
    walks = Walks(grid, len(shape), border.view(np.uint8))
    near = _neighbours(shape, full)
    n_clauses = 0
    for _ in range(12):
        h = rng.integers(0, 5, int(np.prod(shape))).astype(np.int64)
        upper = h + rng.integers(0, 3, h.size)
        for top in (False, True):
            value, up = (-h, -(h - rng.integers(0, 3, h.size))) if top else (h, upper)
            up = np.ascontiguousarray(up, dtype=np.int64)
            for b in range(h.size):
                expected = _reference(value.tolist(), up.tolist(), border.tolist(),
                                      near, top, b, 2)
                got = walks.plateau_path(h, top, full, b, 2, up)
                assert got == expected
                np.testing.assert_array_equal(value, -h if top else h)    # untouched
                n_clauses += got is not None and got[1] >= 0
    assert n_clauses > 20                   # the walks found paths, not only None
