"""The optimal method's loop: meet half way, compensate, lengthen (see ``_simplify``)."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from . import _channels
from ._hold import fresh, hold_crossing, hold_sides, hold_stuck
from ._problem import _MAX_ROUNDS, RampsFailed, _pass, _removed_mask, _run_flooding
from ._repair import repair
from ._restore import _long_mismatch, restore_long
from ._rounding import _bounds, _nudge

# rounds of channels before the pairs left are lengthened (measured: past them the
# passes of the two dimensions only undo each other on the few pairs left)
_OPTIMAL_ROUNDS = 8
# rounds of lengthening after them (within t/2, then below t), before the flooding
_LENGTHEN_ROUNDS = 8
# channel rounds once more where the lengthening rounds leave pairs within t/2 (before
# the bound is widened; measured: none or one helped less, seven no more than three)
_RETRY_ROUNDS = 3
# pixels a flood of _follow_partners visits at most to find the older extremum at a
# saddle (a bounded region: past it the link fails, the extremum stops short)
_FOLLOW_VISIT = 512


def _optimal_pass(problem, g, dgm, mask, removed, first):
    problem.first_pass = first
    return _pass(problem, g, dgm, mask, removed)


def _run_optimal(problem, g, removed):
    """The optimal method: :func:`_rounds`, passing H0 first; where that gives up the
    bound ``t/2`` (a ``ConvergenceWarning``) or leaves a count of pairs ``>= 2 t`` off,
    once more from the input passing the top dimension first, and the better result is
    kept (within ``t/2`` first, then fewer counts off, then the smaller change; its
    warnings only). Where both give up ``t/2``, :func:`~._hold.hold_stuck` in each order.

    Which dimension goes first decides which removal nests around the other's saddles
    first, so which kept pairs get shortened and need room for their extremum: where
    that room runs out (the bound, the ends of an integer dtype) in one order
    it often does not in the other.
    """
    problem.messages = []
    start, other = fresh(problem), fresh(problem)
    problem.say(f"optimal: run 1, H{problem.dims[0]} first")
    result = _rounds(problem, g.copy(), removed)
    # measured: the other order helps where the first gave up t/2 on integers (the
    # range's ends), on noise images up to 256^2 and, since the restore budget of 48
    # pairings, at 512^2 too (there it had been tried only where a count was off), or
    # left a count off; it stops where it would give up t/2 itself
    if len(problem.dims) > 1 and (problem.long_off or problem.messages):
        other.dims = problem.dims[::-1]
        other_removed = {d: [] for d in other.dims}
        problem.say(f"optimal: again, H{other.dims[0]} first "
                    f"({'t/2 given up' if problem.messages else 'a count off'})")
        # the second run stops where it would give up t/2 (no better then)
        second = _rounds(other, g.copy(), other_removed, strict=True, search=True)
        other.dims = problem.dims
        if second[0] is not None:
            def key(run, prob):
                change = float(np.abs(run[0] - g).max(initial=0.0))
                return change > problem.half, prob.long_off, change
            if key(second, other) < key(result, problem):
                problem.__dict__.update(other.__dict__)
                removed.clear()
                removed.update(other_removed)
                result = second[0], removed, result[2] + second[2]
            else:
                result = result[0], removed, result[2] + second[2]
        else:
            result = result[0], removed, result[2] + second[2]
    # held pixels, in runs passing H0 first, then (measured: one 512^2 noise image that
    # the first order left at 0.75 t) the top dimension first
    dims = problem.dims
    for order in (dims, dims[::-1])[:len(dims)]:
        if (problem.stuck is None
                or np.abs(result[0] - g).max(initial=0.0) <= problem.half):
            break
        begin = fresh(start)
        begin.dims = order
        result = hold_stuck(problem, begin, g, removed, result, _rounds)
    problem.dims = dims
    if (problem.long_off and problem.threshold is not None
            and np.abs(result[0] - g).max(initial=0.0) <= problem.half):
        result = hold_crossing(problem, fresh(start), g, removed, result, _rounds)
        if problem.long_off:
            result = hold_sides(problem, fresh(start), g, removed, result, _rounds)
    if np.abs(result[0] - g).max(initial=0.0) <= problem.half:
        # the bound held after all: the wider bounds were opened, but the pairs left
        # were lengthened or flooded without moving a pixel past t/2
        problem.messages = []
    for message in problem.messages:
        warnings.warn(message, ConvergenceWarning, stacklevel=3 + problem.frames)
    return result


def warn_unmet(problem, out, method="optimal"):
    """Warn (``ConvergenceWarning``) where the output ``out`` (in the sublevel view, after
    the cast to the input's dtype) breaks what ``method`` aims at: a pair below the
    threshold left, or a number of pairs of lifetime ``>= 2 t`` other than the input's.
    Checked by one more pairing of the output (cheap next to the optimal method; the
    flooding method calls it only where its last step left a count off). The warnings
    point at the caller of ``simplify_function`` (under its parameter validation)."""
    if problem.threshold is None or problem.input_diagrams is None or not out.size:
        return
    t = problem.threshold
    after = problem.diagrams(out, problem.dims)
    short, counts = [], []
    for d in problem.dims:
        life = after[d].lifetimes[~after[d].essential]
        n_short = int(np.count_nonzero(life < t))
        if n_short:
            short.append(f"{n_short} in H{d} (the shortest {float(life.min()) / t:.3g} t)")
        n_in = problem.input_long(d)
        n_out = int(np.count_nonzero(life >= problem.long_at))
        if n_in != n_out:
            counts.append(f"H{d}: {n_in} -> {n_out}")
    if short:
        warnings.warn(f"simplify_function(method={method!r}): pairs of lifetime below the "
                      f"threshold are left: {', '.join(short)}.", ConvergenceWarning,
                      stacklevel=2 + problem.frames)
    if counts and problem.can_lengthen():
        warnings.warn(f"simplify_function(method={method!r}): the number of pairs of "
                      "lifetime >= 2 * threshold is not kept (input -> output): "
                      f"{'; '.join(counts)}.", ConvergenceWarning,
                      stacklevel=2 + problem.frames)


def _rounds(problem, g, removed, strict=False, search=None):
    """Rounds of channels (both dimensions paired each round), then the last resorts.

    Each round pairs every requested dimension; a short pair whose extremum is that of a
    long input pair is compensated (:func:`_compensate`), the others get channels. After
    ``_OPTIMAL_ROUNDS`` the pairs left are lengthened, within ``t/2`` (on integers the
    saddle too where the dtype's range leaves the extremum no room); where that leaves
    pairs, ``_RETRY_ROUNDS`` more rounds of channels and lengthening again; then within
    wider bounds below ``t``, then flooded (warning each time the bound ``t/2`` is given
    up; with ``strict``, ``g`` is returned as None there instead). On integers, before
    the wider bounds, the local search of ``_repair.py`` where ``search`` (default: not
    ``strict``; the runs with held pixels leave it hundreds of pairs).
    """
    search = not strict if search is None else search
    n_pairings = 0
    start = 0           # channel rounds count from here (moved once, see below)
    retried = False
    for n_rounds in range(1, _MAX_ROUNDS + _RETRY_ROUNDS + _LENGTHEN_ROUNDS + 1):
        dgms = problem.diagrams(g, problem.dims)
        n_pairings += 1
        masks = {d: _removed_mask(dgms[d], problem.threshold, problem.n_kept[d])
                 for d in problem.dims}
        if n_rounds == 1:
            problem.input_diagrams = dgms
        problem.say(f"optimal: round {n_rounds}, "
                    f"{sum(int(m.sum()) for m in masks.values())} pair(s) to remove", 2)
        if not any(m.any() for m in masks.values()):
            if n_rounds > 1 and problem.threshold is not None:
                g, n = restore_long(problem, g, dgms,
                                    lambda idx: tuple(b.ravel()[idx] for b in problem.bounds))
                n_pairings += n
            return g, removed, n_pairings
        if n_rounds <= _OPTIMAL_ROUNDS and problem.can_lengthen():
            # a pair longer than twice the bound cannot meet half way within it (on
            # integers at a threshold just below an even one: ``half = floor(t/2)``):
            # lengthened at once, not after the rounds of channels
            beyond = {d: masks[d] & (dgms[d].lifetimes > 2.0 * problem.half)
                      for d in problem.dims}
            if any(m.any() for m in beyond.values()):
                g, n_done = _lengthen(problem, g, dgms, beyond, removed)
                if n_done:
                    problem.n_lengthened += n_done
                    continue
        if n_rounds - start > _OPTIMAL_ROUNDS:
            n_left = sum(int(m.sum()) for m in masks.values())
            if problem.can_lengthen():
                problem.rounds_at_bound += 1
                if problem.rounds_at_bound <= _LENGTHEN_ROUNDS:
                    g, n_done = _lengthen(problem, g, dgms, masks, removed)
                    if n_done:
                        problem.n_lengthened += n_done
                        continue
                if not problem.widened and not retried:
                    # a pair the lengthening leaves may be one that its own moves made
                    # (seen at 256^2: extremum and saddle both at their bound, their
                    # input values tied or the other way round); channels can remove
                    # it within t/2: a few more rounds of them, then lengthening again
                    retried = True
                    problem.rounds_at_bound = 0
                    start = n_rounds + _RETRY_ROUNDS - _OPTIMAL_ROUNDS
                    continue
                if not problem.widened:
                    # on integers, a local search may find what the passes cannot (in
                    # the runs of each order: they leave the fewest pairs, the runs with
                    # held pixels hundreds)
                    fixed, n = repair(problem, g, n_left) if search else (None, 0)
                    n_pairings += n
                    if fixed is not None:
                        problem.say(f"optimal: {n_left} pair(s) left taken away within "
                                    "t/2 by a local search", 2)
                        g = fixed
                        continue
                    # what hold_stuck holds in the runs again
                    problem.stuck = (dgms, {d: m.copy() for d, m in masks.items()})
                if strict and not problem.widened:
                    return None, removed, n_pairings
                if not problem.widened:
                    problem.messages.append(
                        f"simplify_function(method='optimal'): {n_left} pair(s) could not "
                        "be removed within threshold / 2 (the passes of the two dimensions "
                        "undo each other there); their extremum (or saddle) is moved by "
                        "less than threshold instead.")
                if problem.widen():       # the next wider bound, still below t
                    g, n_done = _lengthen(problem, g, dgms, masks, removed)
                    problem.n_lengthened += n_done
                    continue
            else:
                # a Betti target (n_kept): no lengthening, no wider bound; what
                # hold_stuck holds in the runs again before the pairs left are flooded
                problem.stuck = (dgms, {d: m.copy() for d, m in masks.items()})
                if strict:
                    return None, removed, n_pairings
            bound = ("threshold / 2" if all(k is None for k in problem.n_kept.values())
                     else "the bound (half the longest lifetime removed, n_kept)")
            problem.messages.append(
                f"simplify_function(method='optimal'): {n_left} pair(s) could not be removed "
                f"within {bound} (the passes of the two dimensions undo each other "
                f"there); they are flooded, and the change may exceed {bound} there.")
            problem.fallback()
            g, final, n_pairings = _run_flooding(problem, g, removed, dgms, n_pairings)
            if problem.can_lengthen() and g.size:
                # the last step, as after the rounds, within t/2 where it can; it also
                # counts the pairs >= 2t that pick the better run (``_run_optimal``)
                f = problem.f.ravel()
                g, n = restore_long(problem, g, final, lambda idx: _bounds(
                    f[idx], problem.half, problem.float32))
                n_pairings += n
            return g, removed, n_pairings
        moved = False
        for i, d in enumerate(problem.dims):
            dgm = dgms[d]
            if moved:                                    # moved pixels: pair again
                dgm = problem.diagrams(g, (d,))[d]
                n_pairings += 1
                masks[d] = _removed_mask(dgm, problem.threshold, problem.n_kept[d])
            if n_rounds > 1 and problem.can_lengthen() and masks[d].any():
                g, handled = _compensate(problem, g, dgm, masks[d])
                masks[d] &= ~handled
                moved |= handled.any()
            if masks[d].any():
                # only the very first pass sees the input itself
                g = _optimal_pass(problem, g, dgm, masks[d], removed, n_rounds == 1 and i == 0)
                moved = True
    if problem.perturb:
        raise RampsFailed
    raise RuntimeError("simplify_function did not reach a fixed point in "
                       f"{_MAX_ROUNDS + _RETRY_ROUNDS + _LENGTHEN_ROUNDS} rounds; please "
                       "report this input.")  # pragma: no cover


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
