"""Lengthening for the optimal method (``_optimal.py``): a pair's extremum moves outwards.

An extremum pixel (a minimum, or a maximum of the top dimension) has no lower (higher)
neighbour: moving it outwards changes no sublevel set but by that one pixel, so only the
birth (death) of its own class moves. That gives a pair the lifetime ``t`` instead of
removing it (the pairs that channels cannot remove within ``t/2``), and gives a kept
pair shortened by a nested removal its input lifetime back (*compensation*).
"""

import numpy as np

from . import _channels
from ._problem import _pass
from ._restore import _long_mismatch
from ._rounding import _nudge

# pixels a flood of _follow_partners visits at most to find the older extremum at a
# saddle (a bounded region: past it the link fails, the extremum stops short)
_FOLLOW_VISIT = 512


def _push_extrema(problem, out, dgm, idx, life, guard=True, saddles=False):
    """Move the extremum pixel of the pairs ``idx`` of ``dgm`` outwards (in place on the
    flat ``out``) so that they get the lifetimes ``life``, as far as the bound (and, for
    integers, the dtype's range) allows.

    The minimum of an H0 pair goes down to ``death - life``, the maximum of a
    top-dimensional pair up to ``birth + life``. An extremum pixel has no lower (higher)
    neighbour: moving it outwards changes no sublevel set but by that one pixel, so only
    the birth (death) of its own class moves -- unless it passed the extremum of the
    component it merges into, which would swap the elder rule at the saddle (the other
    class would die there instead): with ``guard`` it stops just short of that one (the
    last resort, lengthening, lets the classes swap: the pairing that follows checks).
    With ``saddles`` (the very last resort), a pair whose extremum has no room left also
    gets its saddle pixel moved the other way (a merge through it comes later; another
    way round may still be shorter: the pairing checks).
    Returns the boolean array of the pairs that got their full lifetime.
    """
    low, high = (b.ravel() for b in problem.bounds)
    top = dgm.dim != 0
    if top:     # in the view -g, where the maximum is a minimum
        pix, sad, v = dgm.death_index[idx], dgm.birth_index[idx], -(dgm.births[idx] + life)
        v = _nudge(v, lambda x: -dgm.births[idx] - x < life, False, -dgm.births[idx])
        reach = -np.minimum(high[pix], problem.range[1])
        h = -out
    else:
        pix, sad, v = dgm.birth_index[idx], dgm.death_index[idx], dgm.deaths[idx] - life
        v = _nudge(v, lambda x: dgm.deaths[idx] - x < life, False, dgm.deaths[idx])
        reach = np.maximum(low[pix], problem.range[0])
        h = out
    ok = v >= reach
    v = np.maximum(v, reach)
    if guard:
        partner = _channels.partner_minima(h, problem.shape, problem.f.ndim,
                                           problem.full != top, sad.astype(np.int64),
                                           np.ascontiguousarray(v, dtype=float), top, top)
        swap = partner >= v
        if swap.any():
            swap[swap] = ~_follow_partners(problem, h, dgm, pix[swap], sad[swap], v[swap],
                                           top)
        v[swap] = np.nextafter(partner[swap], np.inf)
        ok &= ~swap
    move = v < h[pix]
    h[pix[move]] = v[move]
    if saddles and not ok.all():
        sad, w = sad[~ok], v[~ok] + life[~ok]
        w = _nudge(w, lambda x: x - v[~ok] < life[~ok], True, v[~ok])
        cap = -np.maximum(low[sad], problem.range[0]) if top else np.minimum(
            high[sad], problem.range[1])
        h[sad] = np.maximum(h[sad], np.minimum(w, cap))
        ok[~ok] = w <= cap
    if top:
        out[:] = -h
    return ok


def _follow_partners(problem, h, dgm, pix, sad, v, top, max_depth=4):
    """Where moving the extremum ``pix`` to ``v`` (in the view ``h``, in place) would pass
    the oldest extremum ``q`` of the component it merges into at ``sad`` (the elder rule
    would swap there), move ``q`` along to just below ``v``: both classes keep their
    saddles, each gets longer by its own move. ``q`` in turn must not pass the oldest
    extremum where its own class dies: the chain goes on (at most ``max_depth`` links)
    until a class that no older one blocks, or an essential one already below (the
    essential one itself is not moved).

    A link fails where ``q`` has no room (the bound, an integer dtype's range), where it
    is the border (top dimension), where its own pair would cross ``2 t`` against its
    input pair, or where the flood from the saddle finds no answer within
    ``_FOLLOW_VISIT`` pixels (a bounded region: the flood from an upper saddle would
    cover the large components below it); then nothing of that chain moves. Returns the
    boolean array of the extrema whose chain moved (their own move is left to the
    caller).
    """
    low, high = (b.ravel() for b in problem.bounds)
    ext = dgm.death_index if top else dgm.birth_index
    saddles = dgm.birth_index if top else dgm.death_index
    pos = np.full(h.size, -1, dtype=np.int64)
    pos[ext] = np.arange(len(dgm))
    # the side of 2t each pair must stay on: its input pair's, else its own
    want = _input_lifetimes(problem, dgm, np.arange(len(dgm)))
    want = np.where(np.isnan(want), dgm.lifetimes, want) >= problem.long_at
    # the saddle value of each pair in the view h: its lifetime after q moves to w is
    # that minus w (h[q] may have moved already, for an earlier chain)
    sad_h = -dgm.births if top else dgm.deaths
    t2 = problem.long_at
    grid = (problem.shape, problem.f.ndim, problem.full != top)
    seen = np.zeros(h.size, dtype=np.uint8)     # the floods' marks, cleared by each
    done = np.zeros(len(pix), dtype=bool)
    for k in range(len(pix)):
        p, x, s = int(pix[k]), float(v[k]), int(sad[k])
        moves = []
        for depth in range(max_depth + 1):
            val, q = _channels.partner_minima(h, *grid, np.array([s], dtype=np.int64),
                                              np.array([-np.inf if depth == 0 else x]),
                                              top, top, with_pixel=True,
                                              max_visit=_FOLLOW_VISIT, seen=seen)
            if depth and val[0] < x:
                done[k] = True          # the older component is older still: no swap
                break
            q = int(q[0])
            i = pos[q] if q >= 0 else -1
            if i < 0 or depth == max_depth:
                break                   # the border, no class found or too far: no room
            # order (value, index), reversed in the top dimension's view: q stays older
            older_at_tie = (q > p) if top else (q < p)
            w = x if older_at_tie else (x - 1.0 if problem.integer else
                                        np.nextafter(x, -np.inf))
            reach = (-min(high[q], problem.range[1]) if top
                     else max(low[q], problem.range[0]))
            if w < reach:
                break
            if w < h[q]:
                if dgm.essential[i] or (sad_h[i] - w >= t2) != want[i]:
                    break   # the oldest class (measured: moving it cost counts later),
                            # or q's own pair would cross 2t
                moves.append((q, w))
            if dgm.essential[i]:
                done[k] = True
                break
            p, x, s = q, min(w, h[q]), int(saddles[i])
        if done[k]:
            for q, w in moves:
                h[q] = min(h[q], w)
    return done


def _input_lifetimes(problem, dgm, idx):
    """Lifetime of the input class of the same extremum pixel as each pair ``idx`` of
    ``dgm`` (NaN where the input has none, or where its pair was below the threshold).

    An essential input class (whose extremum now dies, its elder rule swapped by a
    compensation) asks for the threshold: any lifetime from it on keeps it out of the
    short pairs.
    """
    tables = problem.__dict__.setdefault("input_life_tables", {})
    if dgm.dim not in tables:       # one dense table per dimension: pixel -> lifetime
        before = problem.input_diagrams[dgm.dim]
        keep = before.lifetimes >= problem.threshold
        key_b = (before.death_index if dgm.dim != 0 else before.birth_index)[keep]
        life_b = np.where(before.essential, problem.threshold, before.lifetimes)[keep]
        table = np.full(problem.f.size, np.nan)
        ok = (key_b >= 0) & (key_b < problem.f.size)
        table[key_b[ok]] = life_b[ok]
        tables[dgm.dim] = table
    key = (dgm.death_index if dgm.dim != 0 else dgm.birth_index)[idx]
    ok = (key >= 0) & (key < problem.f.size)
    return np.where(ok, tables[dgm.dim][np.where(ok, key, 0)], np.nan)


def _compensate(problem, g, dgm, mask):
    """Give back their input lifetime to the short pairs that were long in the input.

    A kept pair can be shortened by the passes (a removed peak that holds its saddle is
    cut down with it; a channel through its saddle, shared with a removed pair, lowers
    it) by at most ``t/2``; its extremum, never moved by the passes that keep it, has
    that room (the older extrema following where the elder rule would swap, see
    :func:`_follow_partners`). Returns ``(g, mask of the pairs handled)``.

    The kept pairs that fell from ``>= 2 t`` below ``2 t`` are left as they are: giving
    them back their lifetime too was measured to change more counts of pairs ``>= 2 t``
    than it restored (another pair had often crossed the other way).
    """
    idx = np.flatnonzero(mask)
    life = _input_lifetimes(problem, dgm, idx)
    hit = ~np.isnan(life)
    handled = np.zeros(len(mask), dtype=bool)
    if not hit.any():
        return g, handled
    out = g.ravel().copy()
    # (float32 output: at least the threshold and the margin that the cast keeps)
    _push_extrema(problem, out, dgm, idx[hit],
                  np.maximum(life[hit], problem.threshold + problem.margin))
    handled[idx[hit]] = True
    return out.reshape(g.shape), handled


def _fillable(problem, g, dgm, idx):
    """The pairs ``idx`` of ``dgm`` whose basin (in the view of their dimension) can be
    filled up to its saddle within the bound: removed by a flood alone, no channel."""
    low, high = (b.ravel() for b in problem.bounds)
    if dgm.dim != 0:
        h, b, hd, hi = -g.ravel(), dgm.death_index[idx], -dgm.births[idx], -low
    else:
        h, b, hd, hi = g.ravel(), dgm.birth_index[idx], dgm.deaths[idx], high
    levels = _channels.cap_levels(np.ascontiguousarray(h), problem.shape, problem.f.ndim,
                                  problem.full != (dgm.dim != 0), b.astype(np.int64),
                                  np.ascontiguousarray(hd, dtype=float),
                                  np.ascontiguousarray(hi, dtype=float))
    return levels >= hd


def _lengthen(problem, g, dgms, masks, removed):
    """Last resort of the optimal method: give each short pair left a lifetime of exactly
    the threshold by moving its extremum alone outwards within the bound (see
    :func:`_push_extrema`). Returns ``(g, number of pairs that got it)``.

    A pair whose basin can be filled up to its saddle within the bound (often one that
    an earlier move of the other dimension created: a pixel left below raised
    neighbours) is flooded instead (removed: it does not count); float inputs only
    (measured: on 8-bit crops it gave up t/2 where the extremum moves did not). The
    extrema move unguarded (the elder rule may swap), with their saddles where the
    extremum has no room; where one pairing finds more counts of pairs ``>= 2 t`` off
    than before, guarded (see :func:`_push_extrema`), kept if fewer are off then."""
    problem.first_pass = False
    for d, mask in masks.items():
        idx = np.flatnonzero(mask)
        if len(idx) and not problem.integer:
            fill = _fillable(problem, g, dgms[d], idx)
            if fill.any():
                sub = np.zeros(len(mask), dtype=bool)
                sub[idx[fill]] = True
                g = _pass(problem, g, dgms[d], sub, removed)
                masks[d] = mask & ~sub
    def push(guard):
        out, n_done = g.ravel().copy(), 0
        for d, mask in masks.items():
            idx = np.flatnonzero(mask)
            if len(idx):
                n_done += int(_push_extrema(problem, out, dgms[d], idx,
                                            np.full(len(idx), problem.threshold
                                                    + problem.margin),
                                            guard=guard, saddles=True).sum())
        return out.reshape(g.shape), n_done

    out, n_done = push(False)
    if problem.threshold is not None and n_done:
        # an unguarded move that passed an older extremum swaps the elder rule: the
        # older class may die early, a short pair live long: the counts of pairs
        # >= 2t change. One pairing tells; only then the guarded moves (a flood per
        # pair) are tried, and kept where they leave fewer counts off
        off = _long_mismatch(problem, dgms)
        after = _long_mismatch(problem, problem.diagrams(out, problem.dims))
        if after > off:
            guarded, n_guarded = push(True)
            if _long_mismatch(problem, problem.diagrams(guarded, problem.dims)) < after:
                out, n_done = guarded, n_guarded
    return out, n_done
