"""The optimal method's last step: the smallest L2 change with the same diagram and order.

Let ``g`` be the output of the optimal method and ``f`` the input (sublevel view). The
diagram of a cubical filtration, with its critical cells, stays the same for every ``h``
that

(a) keeps the values of the critical pixels of ``g`` (the birth and death pixels of all
    its pairs, in every dimension, essential ones included; a pair of zero persistence,
    which the flooding leaves inside its plateaus, only needs its two pixels to stay
    equal), and
(b) keeps the order (value, flat index) of every two pixels that share a cell (the full
    neighbourhood: 2 in 1-D, 8 in 2-D, 26 in 3-D, which covers both constructions):

the discrete gradient (lower stars) depends only on those local orders, and the
persistence of its Morse complex only on the critical values. Within that set (convex,
but for the strict orders: ``h(p) < h(q)`` where ``p`` comes after ``q`` in the index
order), intersected with the band ``|h - f| <= max(t/2, max |g - f|)`` (the L-infinity
change is never worse), :func:`smallest_l2` lowers ``||h - f||_2`` by a block coordinate
descent (``_descent.pyx``):

1. blocks: the plateaus of ``g`` (connected sets of equal values, say a flooded basin
   and its channel at the level ``L``) that hold a moved pixel and no critical pixel of
   a pair of positive persistence. A block moves as one to the mean of ``f`` over it,
   clamped to the band and to its neighbours' values, in turn, until nothing moves;
2. pixels: every moved pixel that is not critical (for any pair), alone, the same way.

This is the L2-smallest change among the outputs with ``g``'s local order only as far as
a block coordinate descent reaches it (a fixed point, not always the optimum: a block
that would need to split, or two blocks that would need to move together, stop short;
the tests measure the gap to an exact QP), and it is not the L2-smallest over all
outputs within ``t/2`` (that set is not convex). The result is paired once more: if a
diagram moved (it should not), ``g`` is returned unchanged.
"""

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..persistence import cubical_persistence
from ..persistence._cubical import _sublevel_pairs
from . import _descent

# sweeps of the descent at most, per phase (measured: a few to a few tens)
_MAX_SWEEPS = 200


def _half_offsets(ndim):
    """One of each two opposite offsets of the full neighbourhood."""
    offsets = []
    for off in np.ndindex(*(3,) * ndim):
        off = tuple(o - 1 for o in off)
        if any(off) and off > tuple(-o for o in off):
            offsets.append(off)
    return offsets


def _equal_edges(g):
    """Pairs of neighbouring pixels (full neighbourhood) with equal values of ``g``."""
    idx = np.arange(g.size).reshape(g.shape)
    heads, tails = [], []
    for off in _half_offsets(g.ndim):
        src = tuple(slice(max(-o, 0), g.shape[a] - max(o, 0)) for a, o in enumerate(off))
        dst = tuple(slice(max(o, 0), g.shape[a] - max(-o, 0)) for a, o in enumerate(off))
        same = g[src] == g[dst]
        heads.append(idx[src][same])
        tails.append(idx[dst][same])
    return np.concatenate(heads), np.concatenate(tails)


def _blocks(g, movable):
    """The plateaus of ``g`` that hold a pixel of ``movable`` and none of the fixed ones:
    ``(block of each pixel or -1, starts, members)``."""
    n = g.size
    heads, tails = _equal_edges(g)
    graph = coo_matrix((np.ones(heads.size, dtype=np.int8), (heads, tails)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    fixed = movable < 0
    n_labels = int(labels.max(initial=-1)) + 1
    ok = np.bincount(labels, weights=movable > 0, minlength=n_labels) > 0
    ok &= np.bincount(labels, weights=fixed, minlength=n_labels) == 0
    keep = ok[labels]
    _, block = np.unique(labels[keep], return_inverse=True)
    return _csr(keep, block, n)


def _csr(keep, block, n):
    full = np.full(n, -1, dtype=np.int64)
    full[keep] = block
    members = np.flatnonzero(keep).astype(np.int64)
    members = members[np.argsort(block, kind="stable")]
    starts = np.zeros(int(block.max(initial=-1)) + 2, dtype=np.int64)
    np.cumsum(np.bincount(block, minlength=starts.size - 1), out=starts[1:])
    return full, starts, members


def _critical(g, connectivity):
    """Pixels of the pairs of ``g`` (all dimensions, those of zero persistence too):
    ``+1`` on those of a zero pair (may move with their plateau), ``-1`` on the others
    (fixed)."""
    flat = g.ravel()
    zero, fixed = [], []
    pairs = _sublevel_pairs(np.ascontiguousarray(g), tuple(range(g.ndim)), connectivity)
    for birth, death in pairs.values():
        birth, death = np.asarray(birth), np.asarray(death)
        ess = death < 0
        fixed.append(birth[ess])
        b, d = birth[~ess], death[~ess]
        same = flat[b] == flat[d]
        zero += [b[same], d[same]]
        fixed += [b[~same], d[~same]]
    mark = np.zeros(g.size, dtype=np.int8)
    mark[np.concatenate(zero)] = 1
    mark[np.concatenate(fixed)] = -1
    return mark


def _descend(h, f, csr, g, kind, bound, value_range):
    block, starts, members = csr
    if members.size == 0:
        return 0
    sums = np.add.reduceat(f.ravel()[members], starts[:-1])
    target = sums / np.diff(starts)
    shape = (1,) * (3 - g.ndim) + g.shape
    return _descent.descend(h, f.ravel(), block, starts, members, target, shape, g.ndim,
                            bound, value_range[0], value_range[1], kind, _MAX_SWEEPS)


def _same_diagrams(a, b, connectivity):
    dims = tuple(range(a.ndim))
    da = cubical_persistence(a, dims, connectivity=connectivity)
    db = cubical_persistence(b, dims, connectivity=connectivity)
    for d in dims:
        ka = np.lexsort((da[d].death_index, da[d].birth_index))
        kb = np.lexsort((db[d].death_index, db[d].birth_index))
        for attr in ("birth_index", "death_index", "births", "deaths"):
            if not np.array_equal(getattr(da[d], attr)[ka], getattr(db[d], attr)[kb]):
                return False
    return True


def smallest_l2(g, f, connectivity, half, kind, value_range=(-np.inf, np.inf)):
    """The L2 step (see the module docstring) on the sublevel view ``g`` of the optimal
    method's output (already in the output's dtype) for the input ``f`` (float64).

    ``kind`` is 0 (float64 output), 1 (float32) or 2 (integers, in ``value_range``).
    Returns ``(h, fell_back)``: a new array (``g`` itself where nothing moved or the
    diagram check failed) and whether the check failed.
    """
    moved = g != f
    if not moved.any():
        return g, False
    bound = max(float(half), float(np.abs(g - f).max()))
    mark = _critical(g, connectivity)
    h = np.ascontiguousarray(g, dtype=np.float64).ravel().copy()
    movable = np.where(mark < 0, -1, moved.ravel().astype(np.int8))
    _descend(h, f, _blocks(g, movable), g, kind, bound, value_range)
    # pixels: the moved ones that are not critical, each alone
    alone = moved.ravel() & (mark == 0)
    _descend(h, f, _csr(alone, np.arange(int(alone.sum())), g.size), g, kind, bound,
             value_range)
    h = h.reshape(g.shape)
    if np.abs(h - f).max() > bound or not _same_diagrams(h, g, connectivity):
        return g, True
    return h, False
