"""Keeping the number of long pairs: the last step of both methods (see ``_simplify``).

A kept pair can be shortened by the removal of a feature of the other dimension nested
around one of its critical pixels (a removed peak cut down with a kept saddle on it, a
basin filled around the saddle of a kept loop), or lengthened by it. Such a pair keeps a
lifetime ``>= t`` (it is never removed), but it can cross ``2 t``. Its extremum pixel
(the minimum of an H0 pair, the maximum of a top-dimensional one), which no pass of its own
dimension moves, then gets the pair its input lifetime back: moving an extremum outwards
changes no sublevel set but by that one pixel, so only the birth (death) of its own class
moves, within the method's bound -- unless it passes the extremum of the component it
merges into (the elder rule at its saddle would swap, the other class dying there
instead); then that extremum goes along by as much (the order of the two kept), if its
own pair stays on its side of ``2 t``. A pair lengthened past ``2 t`` has the bottom of
its basin raised instead (:func:`_raise_basins`). Where no extremum has room, the
flooding method removes the other dimension's feature the other way round
(:func:`_rechannel`) and floods what that uncovers (:func:`_settle`). Every step is
checked by the pairing, but the moves of extrema whose diagrams are proven
(:func:`_moved_diagrams`), and it pairs only the dimensions that moved where the others
provably did not change (:func:`_dims_moved`).
"""

import numpy as np

from ..persistence import Diagram
from . import _channels
from ._problem import _removed_mask, _run_flooding
from ._rounding import _nudge

# pairings spent at most on keeping the count of pairs >= 2t (measured, with the moves
# towards the count: 20 set more counts right than 12; 48 set right a 256^2 and two
# 160-192^2 noise images that 20 left off, the 256^2 one in 30; only spent where a count
# is off)
_RESTORE_PAIRINGS = 48


def _long_mismatch(problem, dgms):
    """Sum over the dimensions of |pairs of lifetime >= 2t now - in the input|."""
    t2 = problem.long_at
    return sum(abs(int(np.count_nonzero(dgms[d].lifetimes[~dgms[d].essential] >= t2))
                   - problem.input_long(d)) for d in problem.dims)


def restore_long(problem, g, dgms, bounds_at):
    """Keep the number of pairs of lifetime ``>= 2 t`` of the input, within the bounds
    that ``bounds_at(index)`` returns (``(low, high)``: the values the pixels of a flat
    index array or slice may take; computed only where a move is tried).

    ``dgms``: the diagrams of ``g``, holding no pair to remove. Nothing is paired when the
    counts already agree. Else the pairs on the wrong side of ``2 t`` get their input
    lifetime back (module docstring), only those that crossed the way that brings
    their dimension's count back, and at first only as many as it is off (the nearest
    ``2 t``; then all of them, with as many of the pairs nearest ``2 t`` on the wrong
    side besides, matched or not): the extrema alone first (kept if that sets every count
    right), then with the elder-rule guard (kept if the pairing finds no pair below
    ``t`` and fewer counts off, else tried in halves), then the other way round; at
    most ``_RESTORE_PAIRINGS`` pairings. Returns ``(g, pairings done)``.
    """
    state = dict(budget=_RESTORE_PAIRINGS, off=_long_mismatch(problem, dgms), settle=False)
    problem.long_off = state["off"]
    if not state["off"]:
        return g, 0

    def attempt(g, part, halve=True):
        # unguarded (``halve`` False): kept only if every count is right (a swap that
        # fixes one count can hide the pair that the guarded moves would fix)
        if state["budget"] == 0 or state["off"] == 0:
            return g
        out = g.ravel().copy()
        for _, group in part:
            pix, val = zip(*group)
            out[np.array(pix, dtype=np.int64)] = val
        out = out.reshape(g.shape)
        current = state.get("dgms", dgms)          # the diagrams of g
        check = _moved_diagrams(problem, g, part, current)
        if check is None:
            state["budget"] -= 1
            moved = _dims_moved(problem, g, part)
            check = problem.diagrams(out, moved)
            check.update({d: current[d] for d in problem.dims if d not in moved})
        if state["settle"] and _has_short(problem, check):
            out, check = _settle(problem, out, check, bounds_at, state)
        if check is not None and not _has_short(problem, check):
            off = _long_mismatch(problem, check)
            if (off < state["off"] and (halve or off == 0)) or (state["settle"]
                                                              and off == state["off"]):
                state["off"], state["dgms"], state["moved"] = off, check, True
                return out
        if len(part) == 1 or not halve:
            return g
        half = len(part) // 2
        return attempt(attempt(g, part[:half]), part[half:])

    # first the extrema alone, unguarded, in one pairing: mostly no elder rule swaps,
    # and the guard costs a flood per pair (through both components at the saddle)
    # (``limit``: as many moves as a count is off first, then all of them)
    rechannel = tried = guard = False
    limit = True
    while state["off"] and state["budget"]:
        moves = [(d, m) for d in problem.dims
                 for m in _status_moves(problem, g, dgms[d], bounds_at, rechannel, guard,
                                        limit)]
        state["moved"] = False
        if moves:
            g = attempt(g, moves, halve=guard or rechannel)
        if not state["moved"]:
            if limit:
                limit = False
                continue
            if not guard:
                guard, limit = True, True
                continue
            if rechannel or tried:
                break
            # the extrema could not: the other way round, then (flooding) the short
            # pairs that this uncovers are flooded again, within the bound; that may
            # overshoot (another pair across 2t), which the extrema then try again
            rechannel = tried = True
            state["settle"] = problem.method == "flooding"
            continue
        dgms = state["dgms"]
        rechannel = state["settle"] = False
        limit = True
    problem.long_off = state["off"]
    return g, _RESTORE_PAIRINGS - state["budget"]


def _dims_moved(problem, g, part):
    """The dimensions to pair after the moves ``part`` (``(dimension, group)`` pairs):
    those that moved, where every move is one extremum that stays one
    (:func:`_extrema_only`), else all of them.

    Such a move leaves every other dimension's diagram as it was: the extremum ``p``
    comes before each of its neighbours in its own filtration, so after each of them in
    the other ones (the order reversed), at its old value and its new one. There all its
    neighbours are in when it comes, and already joined without it: two neighbours
    across the other connectivity share a neighbour of both (the border where ``p``
    lies on the edge), so ``p`` never joins or splits a component, nor closes a void
    (a volume), and no class of those dimensions is born or dies at it."""
    moved = tuple(sorted({d for d, _ in part}))
    if len(moved) == len(problem.dims) or not _extrema_only(g, part):
        return problem.dims
    return moved


def _extrema_only(g, part):
    """Whether every move of ``part`` moves one pixel that stays an extremum."""
    return all(len(group) == 1 and _stays_extremum(g, d != 0, *group[0])
               for d, group in part)


def _moved_diagrams(problem, g, part, current):
    """The diagrams after the moves ``part`` without a pairing (``current``: those of
    ``g``), where each moves an extremum outwards (:func:`_extrema_only`) whose class
    provably dies where it is recorded to, still (``_channels.still_dies_at``): then only
    that point's extremum value changes (see :func:`_dims_moved` for the other
    dimensions). None where a move is of another kind."""
    if not _extrema_only(g, part):
        return None
    known = dict(current)
    for d in sorted({d for d, _ in part}):
        top = d != 0
        sign = -1.0 if top else 1.0
        pix = np.array([group[0][0] for e, group in part if e == d], dtype=np.int64)
        val = np.array([group[0][1] for e, group in part if e == d], dtype=np.float64)
        dgm = current[d]
        fin = np.flatnonzero(~dgm.essential)
        key = (dgm.death_index if top else dgm.birth_index)[fin]
        at = {int(x): i for i, x in zip(fin[np.isin(key, pix)], key[np.isin(key, pix)])}
        if len(at) != len(pix) or len(np.unique(pix)) != len(pix):
            return None
        k = np.array([at[int(x)] for x in pix], dtype=np.int64)
        sad = (dgm.birth_index if top else dgm.death_index)[k].astype(np.int64)
        flat = g.ravel()
        ext_val, sad_val = (dgm.deaths, dgm.births) if top else (dgm.births, dgm.deaths)
        if not (np.array_equal(flat[pix], ext_val[k]) and np.array_equal(flat[sad],
                                                                         sad_val[k])
                and np.all(sign * val < sign * flat[pix])):
            return None
        h = np.ascontiguousarray(sign * flat)
        if not _channels.still_dies_at(h, problem.shape, problem.f.ndim,
                                       problem.full != top, pix, sad, sign * val, top,
                                       top).all():
            return None
        births, deaths = dgm.births.copy(), dgm.deaths.copy()
        (deaths if top else births)[k] = val
        known[d] = Diagram._from_kernel(births, deaths, dgm.birth_index, dgm.death_index,
                                        d, dgm.superlevel)
    return known


def _stays_extremum(g, top, pixel, value):
    """Whether ``pixel`` comes before each of its neighbours (full connectivity) in the
    order of its dimension's view (``g`` by (value, index); ``-g`` by (value, -index)
    for the top dimension), at its value in ``g`` and at ``value``."""
    shape = g.shape
    at = np.array(np.unravel_index(pixel, shape))
    offsets = np.array(np.meshgrid(*[(-1, 0, 1)] * g.ndim, indexing="ij")).reshape(
        g.ndim, -1).T
    near = at + offsets[np.any(offsets != 0, axis=1)]
    near = near[np.all((near >= 0) & (near < shape), axis=1)]
    idx = np.ravel_multi_index(near.T, shape)
    sign = -1.0 if top else 1.0
    h = sign * g.ravel()[idx]
    for own in (sign * g.ravel()[pixel], sign * value):
        ties = (idx < pixel) if not top else (idx > pixel)
        if np.any((h < own) | ((h == own) & ties)):
            return False
    return True


def _has_short(problem, dgms):
    return any(_removed_mask(dgms[d], problem.threshold, problem.n_kept[d]).any()
               for d in problem.dims)


def _settle(problem, g, dgms, bounds_at, state):
    """The flooding fixed point from ``g`` (diagrams ``dgms``); ``(g, its diagrams)``, or
    ``(g, None)`` if it leaves the bound."""
    out, final, n = _run_flooding(problem, g, {d: [] for d in problem.dims}, dgms)
    state["budget"] = max(state["budget"] - n, 0)
    flat = out.ravel()
    low, high = bounds_at(slice(None))
    if np.all((low <= flat) & (flat <= high)):
        return out, final
    return g, None


def _input_lifetimes(problem, dim, extremum):
    """The lifetimes of the input's finite pairs of ``dim`` by the flat index of their
    extremum pixel (``extremum``), else of their saddle; NaN elsewhere. One array of the
    grid's size, built once per input diagram (the restore loop asks several times)."""
    before = problem.input_diagrams[dim]
    found = problem.input_tables.get((dim, extremum))
    if found is None or found[0] is not before:
        fin = ~before.essential
        keys = (before.death_index if (dim != 0) == extremum else before.birth_index)[fin]
        table = _input_lookup(keys, before.lifetimes[fin], slice(None), problem.f.size)
        found = problem.input_tables[dim, extremum] = (before, table)
    return found[1]


def _input_lookup(keys, values, query, size):
    """``values`` at the positions of ``query`` in ``keys`` (NaN where absent; pixel
    indices below ``size``, one dense array: no sort)."""
    table = np.full(size, np.nan)
    table[keys] = values
    return table[query]


def _view_bounds(problem, bounds_at, idx, top):
    """The bounds at ``idx`` within an integer dtype's range, in the view of ``top``
    (``-g`` for the top dimension: ``(-high, -low)``)."""
    low, high = bounds_at(idx)
    low, high = np.maximum(low, problem.range[0]), np.minimum(high, problem.range[1])
    return (-high, -low) if top else (low, high)


def _status_moves(problem, g, after, bounds_at, rechannel=False, guard=True, limit=False):
    """Groups of ``(pixel, value)`` moves that give the pairs of ``after`` on the wrong
    side of ``2 t`` their input lifetime back (see :func:`restore_long`), only those that
    crossed the way that brings the count of ``after``'s dimension back (none where it
    agrees; :func:`_towards_count`); with ``limit``, only as many as the count is off
    (the pairs nearest ``2 t`` whose extremum has room), else also as many of the pairs
    nearest ``2 t`` on the side the count has too many of; with ``rechannel``, by
    :func:`_rechannel` instead; without ``guard``, the extrema move whatever the elder
    rule does."""
    t2 = problem.long_at
    if problem.input_diagrams[after.dim] is None:
        return []                           # no pair can be long (``no_long_pairs``)
    top = after.dim != 0
    fin_a = np.flatnonzero(~after.essential)
    now = after.lifetimes[fin_a]
    n_off = problem.input_long(after.dim) - int(np.count_nonzero(now >= t2))
    if n_off == 0:
        return []                           # this dimension's count is right
    key_a = (after.death_index if top else after.birth_index)[fin_a]
    other_a = (after.birth_index if top else after.death_index)[fin_a]
    # the input pair of the same extremum, else of the same saddle (ties can hand a
    # saddle to another extremum of equal value)
    want = _input_lifetimes(problem, after.dim, True)[key_a]
    miss = np.isnan(want)
    if miss.any():
        want[miss] = _input_lifetimes(problem, after.dim, False)[other_a[miss]]
    wrong = _towards_count(now, want, n_off, t2, limit, stand_in=not rechannel)
    if not wrong.any():
        return []
    k, want = fin_a[wrong], want[wrong]
    pix, sad = key_a[wrong].astype(np.int64), other_a[wrong].astype(np.int64)
    if rechannel:
        return _rechannel(problem, g, bounds_at, sad[want >= t2], top)
    # in the view h (g, or -g for the top dimension) the extremum is a minimum
    sign = -1.0 if top else 1.0
    h = sign * g.ravel()
    def view(idx):
        return _view_bounds(problem, bounds_at, idx, top)

    saddle = sign * (after.births[k] if top else after.deaths[k])
    longer = want >= t2
    lo_pix, hi_pix = view(pix)
    # a pair to lengthen gets its input lifetime back as far as its extremum's bound
    # allows; a pair to shorten only just below 2t (its whole basin bottom rises: the
    # least raise, the fewest pixels)
    just_below = saddle - t2 + (1.0 if problem.integer else problem.margin)
    v = np.where(longer, np.maximum(saddle - np.maximum(want, t2 + problem.margin), lo_pix),
                 just_below)
    # rounding: the lifetime must land on the side of 2t of ``want`` (``saddle - v`` is
    # rounded at the saddle's scale, see ``_nudge``)
    v = np.where(longer, _nudge(v, lambda x: longer & (saddle - x < t2), False, saddle),
                 _nudge(v, lambda x: ~longer & (saddle - x >= t2), True, saddle))
    ok = (lo_pix <= v) & (v <= hi_pix)
    if limit:
        # as many moves as the count is off, the pairs nearest 2t first (the
        # smallest moves): a move can carry another pair across with it
        ok = _nearest(ok, np.abs(now[wrong] - t2), abs(n_off))
    pix, sad, v = pix[ok], sad[ok], v[ok]
    if not len(pix):
        return []
    outward = v < h[pix]
    moves = _raise_basins(problem, h, view, pix[~outward], v[~outward],
                          saddle[ok][~outward], top)
    pix, sad, v = pix[outward], sad[outward], v[outward]
    if not guard:
        return moves + [[(int(p), sign * float(x))] for p, x in zip(pix, v)]
    # an extremum moved outwards must not pass the one of the component it merges into
    partner, ppix = _channels.partner_minima(h, problem.shape, problem.f.ndim,
                                             problem.full != top, sad,
                                             np.ascontiguousarray(v, dtype=float), top, top,
                                             with_pixel=True)
    fine = partner < v
    moves += [[(int(p), sign * float(x))] for p, x in zip(pix[fine], v[fine])]
    moves += _partner_moves(problem, h, after, view, pix[~fine], v[~fine],
                            ppix[~fine], top)
    return moves


def _nearest(mask, dist, n):
    """``mask`` restricted to its ``n`` entries of smallest ``dist`` (a copy)."""
    cand = np.flatnonzero(mask)
    out = np.zeros_like(mask)
    out[cand[np.argsort(dist[cand], kind="stable")[:n]]] = True
    return out


def _towards_count(now, want, n_off, t2, limit, stand_in=True):
    """The pairs to move (a mask over ``now``, their lifetimes) so that their dimension's
    count of pairs ``>= 2 t`` gets back to the input's, ``n_off`` (input minus now) off.

    The count is what is kept, not each pair's side: only the pairs whose input
    lifetime ``want`` (NaN: none) is on the side of ``2 t`` that the count needs (a pair
    that crossed the other way is often one whose elder rule swapped, its partner having
    crossed back; moving it sends the count further off). With ``stand_in``, where fewer
    than ``|n_off|`` such pairs are found (an elder-rule swap hands a class to another
    extremum) or, without ``limit`` (the second try), where their moves failed: as many
    of the pairs nearest ``2 t`` on the side that has too many stand in, their ``want``
    set (in place) just across it.
    """
    if n_off == 0:
        return np.zeros(len(now), dtype=bool)
    wrong = ~np.isnan(want) & ((want >= t2) != (now >= t2)) & ((want >= t2) == (n_off > 0))
    extra = abs(n_off) - (int(np.count_nonzero(wrong)) if limit else 0)
    if extra > 0 and stand_in:
        side = (now < t2) if n_off > 0 else (now >= t2)
        cand = _nearest(side & ~wrong, np.abs(now - t2), extra)
        want[cand] = t2 if n_off > 0 else 0.0
        wrong |= cand
    return wrong


def _raise_basins(problem, h, view, pix, v, saddles, top):
    """Shorten pairs lengthened past ``2 t``: the bottom of the basin rises to ``v``
    (in the view ``h``), where the bound allows every pixel of it. The basin is the
    side of the class at its saddle (the component of the extremum ``pix`` among the
    pixels below the saddle's value), and its bottom every pixel of it below ``v``:
    raising the extremum alone would hand the class to a neighbour below ``v``, or to
    an extremum of a class that merged into it earlier (the elder rule swaps, and that
    one would then live to the saddle). Rare: one labelling per pair."""
    from scipy import ndimage

    if not len(pix):
        return []
    sign = -1.0 if top else 1.0
    grid = h.reshape(problem.f.shape)
    ndim = grid.ndim
    structure = ndimage.generate_binary_structure(ndim, ndim if problem.full != top else 1)
    moves = []
    for p, x, s in zip(pix, v, saddles):
        labels, _ = ndimage.label(grid < s, structure=structure)
        side = np.flatnonzero(labels.ravel() == labels.flat[p])
        basin = side[h[side] < x]
        if len(basin) and np.all(view(basin)[1] >= x):
            moves.append([(int(q), sign * float(x)) for q in basin])
    return moves


def _partner_moves(problem, h, after, view, pix, v, ppix, top):
    """For the extrema blocked by the elder rule: move the older extremum ``ppix`` along
    to ``v`` (one ulp further where its index would lose the tie), if its bound allows
    and its own pair stays on its side of ``2 t``. Else the elder rule swaps at the
    saddle: the older class dies there (lifetime ``saddle - h[ppix]``, longer than the
    pair had) and the moved one takes over its death, longer by the move; whether that
    keeps the count is left to the pairing that checks the moves."""
    if not len(pix):
        return []
    t2 = problem.long_at
    sign = -1.0 if top else 1.0
    fin = np.flatnonzero(~after.essential)
    key = (after.death_index if top else after.birth_index)[fin]
    life = _input_lookup(key, after.lifetimes[fin], np.maximum(ppix, 0).astype(np.int64),
                         h.size)
    moves = []
    for p, x, q, lq in zip(pix, v, ppix, life):
        if q < 0 or q == p:
            continue                  # the border, or no older component found
        # order (value, index), reversed in the top dimension's view: q must stay older
        older_at_tie = (q > p) if top else (q < p)
        w = x if older_at_tie else (x - 1.0 if problem.integer else np.nextafter(x, -np.inf))
        moves.append([(int(p), sign * float(x))])
        if w >= h[q] or w < view(np.array([q]))[0][0]:
            continue                  # a tie that q wins already, or no room for q
        if not np.isnan(lq) and (lq + (h[q] - w) >= t2) != (lq >= t2):
            continue                  # the partner's own pair would cross 2t
        moves[-1].append((int(q), sign * float(w)))
    return moves


def _rechannel(problem, g, bounds_at, saddles, top):
    """Where the extrema cannot give a shortened pair its lifetime back: remove the
    feature of the other dimension that moved its saddle the other way round.

    In the other dimension's view (``g`` for a loop's saddle raised by a filled basin,
    ``-g`` for a basin's saddle lowered by a cut peak) the saddle ``s`` lies on a plateau
    that the flooding raised. That plateau goes back down to ``max(f, f[s])`` and a
    channel (:func:`~sktopo.simplification._channels.tree_channels`, a path of a minimum
    spanning tree, which closes no loop) is lowered from its oldest pixel at ``f[s]``
    into an older component, within the bound: the feature goes the other way round and
    ``s`` keeps its input value. One labelling per pair (rare); the pairing checks.
    """
    from scipy import ndimage

    sign = 1.0 if top else -1.0             # the other dimension's view
    full = problem.full if top else not problem.full
    f = sign * problem.f.ravel()
    h = sign * g.ravel()
    lo = np.ascontiguousarray(_view_bounds(problem, bounds_at, slice(None), not top)[0],
                              dtype=float)
    structure = ndimage.generate_binary_structure(problem.f.ndim,
                                                  problem.f.ndim if full else 1)
    moves = []
    for s in np.unique(saddles):
        if not h[s] > f[s]:
            continue
        labels, _ = ndimage.label(((h == h[s]) & (h > f)).reshape(problem.f.shape),
                                  structure=structure)
        region = np.flatnonzero(labels.ravel() == labels.flat[s])
        start = h.copy()
        start[region] = np.maximum(f[region], f[s])
        at_level = region[start[region] == f[s]]
        b = np.array([at_level.min() if top else at_level.max()], dtype=np.int64)
        out, failed = _channels.tree_channels(start, problem.shape, problem.f.ndim, full,
                                              b, b, np.array([f[s]]), not top, not top,
                                              lo, None, True)
        if not failed[0]:
            moves.append([(int(q), sign * float(out[q])) for q in np.flatnonzero(out != h)])
    return moves
