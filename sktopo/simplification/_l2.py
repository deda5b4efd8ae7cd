"""The optimal method's last step: a smaller L2 change with the same diagram and bound.

Let ``g`` be the output of the optimal method and ``f`` the input (sublevel view). The
diagram of a cubical filtration (both constructions), with its critical pixels, stays the
same for an ``h`` that

(a) keeps the values of the critical pixels of the pairs of ``g`` of positive
    persistence (essential ones included), and keeps equal the two pixels of each pair
    of zero persistence (the flooding leaves such pairs inside its plateaus under the
    tie policy (value, index)), and
(b) keeps the order (value, flat index) of every two pixels that share a cell (the full
    neighbourhood: 2 in 1-D, 8 in 2-D, 26 in 3-D, which covers both constructions),

as far as the critical pixels keep their order (value, index): the discrete gradient
(lower stars) depends only on the local orders (b), and the persistence of its Morse
complex only on the order of the critical cells, which (a) fixes but for the pairs of
zero persistence. Keeping the order of all critical pixels binds those plateaus too
tightly (it keeps about a third of the saving, see ``docs/whats_new.rst``), so the
first try leaves it free and pairs its result once: where a pair of positive persistence
moved (a plateau holding a zero pair can rise to the value of a loop's birth pixel
nearby, and the two swap by index), the next try also keeps the order of
the critical pixels of the pairs that moved (and of their partners), up to
``_MAX_TRIES`` tries; the last keeps the order of all critical pixels; if that changes
the diagram too, ``g`` is returned.

Within that set (convex but for the strict orders: ``h(p) < h(q)`` where ``p`` comes
after ``q`` in the index order, one step of the output's dtype), intersected with the band
``|h - f| <= max(t/2, max |g - f|)`` (the L-infinity change is never made worse) and, for
integers, the dtype's range, :func:`smallest_l2` lowers ``||h - f||_2`` by a block
coordinate descent (``_descent.pyx``), in rounds of

1. blocks: the components of the orders that are at their tightest (equal values, or one
   step apart: say a flooded basin and its channel at the level ``L``) that hold a moved
   pixel and no fixed one, each shifted in turn to the mean of ``f - h`` over it, clamped
   by the band and its neighbours, until nothing moves; then the same with only the
   tight pairs whose lower pixel is pulled up harder than the upper one (they would
   collide if moved apart, as in pool-adjacent-violators): a plateau whose parts pull
   apart splits;
2. pixels: every moved pixel that no pair holds, alone.

This is the L2-smallest change *among the outputs with g's local order* only as far as
the descent reaches it (a fixed point, not always the optimum: a block that would need a
split other than those of step 1 stops short; the tests measure the gap to an exact
quadratic program), and it is not the L2-smallest change over all outputs within
``t/2``: that set is not convex.
"""

import numpy as np

from ..persistence._cubical import _sublevel_pairs
from . import _descent

# sweeps of the descent at most, per phase (measured: a few to a few tens)
_MAX_SWEEPS = 200
# rounds of blocks (the components of the active constraints) then pixels, at most, and
# the relative decrease of the objective below which they stop
_MAX_ROUNDS = 2
_TOLERANCE = 1e-3
# tries that keep the order of the critical pixels of the pairs the previous ones changed,
# before the last one keeps the order of all critical pixels
_MAX_TRIES = 3


def _csr(keep, block, n):
    full = np.full(n, -1, dtype=np.int64)
    full[keep] = block
    members = np.flatnonzero(keep).astype(np.int64)
    members = members[np.argsort(block, kind="stable")]
    starts = np.zeros(int(block.max(initial=-1)) + 2, dtype=np.int64)
    np.cumsum(np.bincount(block, minlength=starts.size - 1), out=starts[1:])
    return full, starts, members


def _pairs(g, connectivity):
    """All the pairs of ``g`` (every dimension, zero persistence and essential ones
    too) as one sorted array of rows (dimension, birth pixel, death pixel or -1)."""
    pairs = _sublevel_pairs(np.ascontiguousarray(g), tuple(range(g.ndim)), connectivity)
    rows = np.concatenate([np.stack([np.full(len(b), d), np.asarray(b), np.asarray(e)], 1)
                           for d, (b, e) in pairs.items()]).astype(np.int64)
    return rows[np.lexsort(rows.T[::-1])]


def _critical(g, pairs):
    """The pixels of ``pairs`` (:func:`_pairs` of ``g``): ``(fixed, zero pairs)``: a
    boolean array of the pixels of pairs of positive persistence (essential ones too),
    and the (births, deaths) of the pairs of zero persistence (they may move, together)."""
    flat = g.ravel()
    birth, death = pairs[:, 1], pairs[:, 2]
    ess = death < 0
    same = ~ess & (flat[birth] == flat[np.where(ess, 0, death)])
    fixed = np.zeros(g.size, dtype=bool)
    fixed[birth[~same]] = True
    fixed[death[~same & ~ess]] = True
    return fixed, (birth[same], death[same])


def _links(g, crit):
    """The order of the pixels ``crit`` in ``g`` (value, index) as links: for each, the
    one just before and just after it among them: ``(n, 2)``, -1 where none."""
    crit = np.unique(crit)
    crit = crit[crit >= 0]
    crit = crit[np.argsort(g.ravel()[crit], kind="stable")]   # ties: index order
    link = np.full((g.size, 2), -1, dtype=np.int64)
    link[crit[1:], 0] = crit[:-1]
    link[crit[:-1], 1] = crit[1:]
    return link


def _descend(h, f, csr, link, shape, kind, bound, value_range, strict):
    block, starts, members = csr
    if members.size == 0:
        return 0
    return _descent.descend(h, f, block, starts, members, link, shape, len(shape), bound,
                            value_range[0], value_range[1], kind, _MAX_SWEEPS, strict)


def _positive(pairs, values):
    """The rows of ``pairs`` of positive persistence (essential ones included)."""
    death = pairs[:, 2]
    return pairs[(death < 0) | (values[pairs[:, 1]] != values[np.maximum(death, 0)])]


def _moved_pairs(h, g, pairs, fixed, connectivity):
    """The critical pixels of the pairs of positive persistence that differ between
    ``h`` and ``g`` (empty: the diagram, with its critical pixels, is the same)."""
    flat = h.ravel()
    if not np.array_equal(flat[fixed], g.ravel()[fixed]):
        return np.flatnonzero(fixed)               # (cannot happen: fixed pixels)
    mine = _positive(_pairs(h, connectivity), flat)
    theirs = _positive(pairs, g.ravel())
    if np.array_equal(mine, theirs):
        return np.empty(0, dtype=np.int64)
    rows = np.concatenate([mine, theirs])
    _, first, count = np.unique(rows, axis=0, return_index=True, return_counts=True)
    return rows[first[count == 1], 1:].ravel()


def _rounds(g, f, fixed, zero_pairs, link, kind, bound, value_range, strict):
    """Rounds of blocks (the components of the active orders, then only those that would
    collide) and of lone pixels (the moved ones that no pair holds), until a round
    lowers the objective by less than ``_TOLERANCE`` of it: the flat new values."""
    h = np.ascontiguousarray(g, dtype=np.float64).ravel().copy()
    flat_f = np.ascontiguousarray(f, dtype=np.float64).ravel()
    grid = (1,) * (3 - g.ndim) + g.shape
    zero = np.zeros(g.size, dtype=bool)
    zero[np.concatenate(zero_pairs)] = True
    alone = (h != flat_f) & ~fixed & ~zero
    pixels = _csr(alone, np.arange(int(alone.sum())), g.size)
    fixed_u8 = fixed.view(np.uint8)
    objective = np.inf
    for _ in range(_MAX_ROUNDS):
        for split in (False, True):
            blocks = _descent.blocks(h, flat_f, fixed_u8, zero_pairs[0], zero_pairs[1],
                                     grid, g.ndim, kind, split)
            _descend(h, flat_f, blocks, link, grid, kind, bound, value_range, strict)
        _descend(h, flat_f, pixels, link, grid, kind, bound, value_range, strict)
        # (in units of the bound: squares of changes near 1e300 would overflow)
        last, objective = objective, float(np.square((h - flat_f) / bound).sum())
        if objective >= last * (1.0 - _TOLERANCE):
            break
    return h.reshape(g.shape)


def smallest_l2(g, f, connectivity, half, kind, value_range=(-np.inf, np.inf),
                strict=False):
    """The L2 step (see the module docstring) on the sublevel view ``g`` of the optimal
    method's output (already in the output's dtype) for the input ``f`` (float64).

    ``kind`` is 0 (float64 output), 1 (float32) or 2 (integers, in ``value_range``);
    ``strict`` (``perturb``): no two neighbours become equal that were not. Returns
    ``(h, tries)``: ``h`` is a new array, or ``g`` itself where nothing moved or no try
    kept the diagram; ``tries`` counts the tries that changed the diagram
    before one kept it (0: the first did), ``_MAX_TRIES + 1`` where none did.
    """
    if not (g != f).any():
        return g, 0
    bound = max(float(half), float(np.abs(g - f).max()))
    pairs = _pairs(g, connectivity)
    fixed, zero_pairs = _critical(g, pairs)
    ordered = np.empty(0, dtype=np.int64)
    for attempt in range(_MAX_TRIES + 1):
        if attempt == _MAX_TRIES:       # the last: every critical pixel in its order
            ordered = pairs[:, 1:].ravel()
        h = _rounds(g, f, fixed, zero_pairs, _links(g, ordered), kind, bound, value_range,
                    strict)
        if np.abs(h - f).max() > bound:
            continue                                # (cannot happen: the band)
        moved = _moved_pairs(h, g, pairs, fixed, connectivity)
        if moved.size == 0:
            return h, attempt
        # the pixels of the pairs that changed keep their order in the next try (and
        # their partners: the critical pixels of g's pairs they belong to)
        rows = np.isin(pairs[:, 1], moved) | np.isin(pairs[:, 2], moved)
        ordered = np.concatenate([ordered, moved, pairs[rows, 1:].ravel()])
    return g, _MAX_TRIES + 1
