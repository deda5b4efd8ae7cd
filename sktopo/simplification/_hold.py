"""The optimal method's last try before it gives up ``t/2``: runs again with pixels held.

Where the rounds of ``_optimal`` give up the bound ``t/2``, the pairs they could not
remove are mostly ones that their own moves made (the passes of the two dimensions taking
turns on neighbouring pixels). Running again from the input with the critical pixels of
those pairs held near their input values keeps them out of that turn-taking; the passes
route round them. Where a count of pairs ``>= 2 t`` is off, the runs hold the pixels
of the pairs that crossed ``2 t`` (``hold_crossing``), then whole sides of them
(``hold_sides``).
"""

import copy

import numpy as np

from ._rounding import _on_float32

# where the bound t/2 is given up: the runs again from the input with the critical pixels
# of the pairs left held within these fractions of t/2 of their input values, and the
# runs per width (each adds the pixels of its own pairs left, and the face neighbours of
# those already held). Measured on 128^2 and 256^2 noise, smooth fields and 8-bit photo
# crops at the 50-95 % quantiles: see docs/whats_new.rst (stop 31); each width alone
# left some of the failures that the others remove (0.75: one 512^2 noise image that
# 0 and 0.5 left at 0.96 t; 0.25 helped none)
_HOLDS = (0.0, 0.5, 0.75)
_HOLD_RUNS = 3
# runs at most of hold_crossing (where a count of pairs >= 2t is off). Measured on the
# 20 counts off of 36,000 small inputs: 13 were set right by the first run, 5 by the
# third to sixth; the 2 left used 10 and 16 without setting it right
_CROSSING_RUNS = 8
# pixels above which the integer runs within floor(t/2), where t lies just below an even
# integer, skip the runs with pixels held (and ``_solve`` the real-valued runs). Measured
# at t in (3, 4): on 40 8-bit photo crops of 182 to 300 pixels a side and 12 photos the
# held runs kept t/2 on none (the same outputs without them) and cost up to 24 s on a
# failure (astronaut: 38 -> 16 s); the real-valued runs, 35 s against 2.4 s on a 256^2
# crop. Below it they keep t/2 on small images where nothing else does (user guide)
_TIGHT_LARGE = 2 ** 15


def fresh(problem):
    """A copy of ``problem`` in its state before any run (only its pixel flags are
    updated in place)."""
    out = copy.copy(problem)
    out.lowered, out.raised = problem.lowered.copy(), problem.raised.copy()
    out.messages = []
    return out


def skips_holds(problem):
    """Whether ``problem`` is an integer run within ``floor(t/2)`` where ``t`` lies just
    below an even integer (the pairs of lifetime ``ceil(t) - 1`` can only be lengthened)
    on more than ``_TIGHT_LARGE`` pixels: there the runs with pixels held are skipped."""
    return bool(problem.integer and problem.f.size > _TIGHT_LARGE
                and problem.threshold is not None
                and problem.threshold // 2 > problem.half)


def hold_stuck(problem, start, g, removed, result, run):
    """Where the run gave up the bound ``t/2``, run again (``run``: the optimal method's
    ``_rounds``, strict) from the input (``start``, ``g``) with the critical pixels of
    the pairs it could not remove held: within ``_HOLDS`` times ``t/2`` of their input
    values, each width for ``_HOLD_RUNS`` runs that add the pixels of their own pairs
    left (and, where such a pixel was held already, its face neighbours). The first run
    within ``t/2`` is kept (with its diagrams and removed pairs), else ``result``.

    Those pairs are mostly made by the run itself: a pixel raised by a dam (or lowered
    by a channel) next to an extremum that a lengthening moved the other way makes a
    new short pair that neither dimension can remove within the bound any more. Held,
    the pixel stays out of that turn-taking and the passes route round it.
    """
    pairings = result[2]
    for width in _widths(start):
        stuck, held = problem.stuck, np.zeros(0, dtype=np.int64)
        for _ in range(_HOLD_RUNS):
            if stuck is None:
                break
            pixels = _stuck_pixels(*stuck)
            # a held pixel in a pair left again: its face neighbours are held too
            again = np.intersect1d(pixels, held)
            held = np.union1d(held, pixels)
            if len(again):
                held = np.union1d(held, _face_neighbours(again, start.f.shape))
            trial, trial_removed, out = _held_run(start, g, held, width, run)
            pairings += out[2]
            if out[0] is not None:
                return _keep(problem, removed, (trial, trial_removed, out[0]), pairings)
            stuck = trial.stuck
    return result[0], result[1], pairings


def hold_crossing(problem, start, g, removed, result, run):
    """Where the run kept ``t/2`` but left a count of pairs ``>= 2 t`` off, run again
    (``run``: the optimal method's ``_rounds``, strict) from the input with the critical
    pixels of the pairs that crossed ``2 t`` held within ``_HOLDS`` times ``t/2`` of
    their input values (those of the pair in the input and in the output), passing H0
    first, then the top dimension first; each for ``_HOLD_RUNS`` runs that add the
    pixels of their own pairs that crossed (where the same pairs cross again, the face
    neighbours of the pixels held); ``_CROSSING_RUNS`` runs in all at most. The first
    run within ``t/2`` that sets every count right is kept, else the one with the
    fewest counts off (``result`` on a tie).

    A kept pair crosses ``2 t`` where a removal nested around one of its critical
    pixels moved it (a saddle lowered by a channel, a peak cut): held, the removal
    routes round it. A pixel next to them can still hand the class over (a raised
    neighbour joining the extremum's component to another first): held too, the next
    run routes round that. Measured (``docs/whats_new.rst``, stop 33): on 36,000 small
    inputs of the benchmark's families the optimal method's counts off went from 20 to
    2 with these runs.
    """
    pairings = result[2]
    best, best_off = None, problem.long_off
    runs = 0
    first = _crossing_pixels(problem, result[0])
    pairings += 1
    for order in (start.dims, start.dims[::-1])[:len(start.dims)]:
        for width in _widths(start):
            held = first
            for _ in range(_HOLD_RUNS):
                if runs == _CROSSING_RUNS:
                    return _keep(problem, removed, best, pairings) if best else (
                        result[0], result[1], pairings)
                runs += 1
                trial, trial_removed, out = _held_run(start, g, held, width, run, order)
                pairings += out[2]
                if out[0] is None:
                    break
                if trial.long_off < best_off:
                    best, best_off = (trial, trial_removed, out[0]), trial.long_off
                    if best_off == 0:
                        return _keep(problem, removed, best, pairings)
                more = _crossing_pixels(trial, out[0])
                pairings += 1
                if not len(np.setdiff1d(more, held)):
                    # the same pairs cross again: a pixel next to them moved them
                    more = _face_neighbours(held, start.f.shape)
                    if not len(np.setdiff1d(more, held)):
                        break
                held = np.union1d(held, more)
    if best is None:
        return result[0], result[1], pairings
    return _keep(problem, removed, best, pairings)


def _widths(start):
    """The widths of ``_HOLDS`` that hold pixels differently: on integers a width
    rounds down (every width to 0 where the bound ``t/2`` is 1; 0.5 and 0.75 both to 1
    where it is 2), and the same bounds make the same runs."""
    if not start.integer:
        return _HOLDS
    rounded = [np.floor(width * start.half) for width in _HOLDS]
    return tuple(width for i, width in enumerate(_HOLDS) if rounded[i] not in rounded[:i])


def _held_run(start, g, held, width, run, order=None, bounds=None):
    """One strict run from the input (``start``, ``g``) with the pixels ``held`` within
    ``width`` times ``t/2`` of their input values (passing ``order`` of the dimensions,
    else ``start``'s), or within ``bounds``: ``(trial problem, its removed pairs, run's
    result)``."""
    f = start.f.ravel()
    trial = fresh(start)
    if order is not None:
        trial.dims = order
    if bounds is None:
        w = width * start.half
        if start.integer:
            w = np.floor(w)
        low, high = (b.copy() for b in start.bounds)
        low.ravel()[held] = np.maximum(low.ravel()[held], f[held] - w)
        high.ravel()[held] = np.minimum(high.ravel()[held], f[held] + w)
        what = f"{len(held)} pixel(s) held within {width:g} t/2"
    else:
        low, high = bounds
        what = f"{len(held)} pixel(s) held across 2 t"
    if start.float32:                   # bounds on float32 values (see ``_bounds``)
        low.ravel()[held] = _on_float32(low.ravel()[held], True)
        high.ravel()[held] = _on_float32(high.ravel()[held], False)
    trial.bounds = (low, high)
    trial_removed = {d: [] for d in trial.dims}
    start.say(f"optimal: again with {what}, H{trial.dims[0]} first")
    out = run(trial, g.copy(), trial_removed, strict=True)
    trial.dims = start.dims
    return trial, trial_removed, out


def hold_sides(problem, start, g, removed, result, run):
    """Where :func:`hold_crossing` left a count of pairs ``>= 2 t`` off: runs again from
    the input with the pixels around each pair that crossed held on its input side of
    ``2 t`` (:func:`_side_bounds`), passing H0 first, then the top dimension first. The
    first run within ``t/2`` that sets every count right is kept, else ``result``.

    The critical pixels alone cannot keep such a pair where its class changes hands: a
    pair lengthened past ``2 t`` whose extremum has no room left (the end of an integer
    dtype) gets shorter only if a whole side of its saddle is brought nearer to it (the
    elder rule then hands the class to the other side); a pair shortened below ``2 t``
    (its saddle moved by a removal nested around it) stays long only if every pixel
    round its basin does, so that the removal goes another way. Where such a run gives
    ``t/2`` up, the pixels of the pairs it left are held at their input values too, for
    ``_HOLD_RUNS`` runs per side and order at most (12 in all). Measured (stop 38): the
    four uint8 inputs it set right, of the benchmark's families and the second family,
    needed the 1st, 4th, 8th and 8th run.
    """
    pairings, tried = result[2], None
    for side in range(2):
        bounds, held, n = _side_bounds(problem, start, result[0], side)
        pairings += n
        if bounds is None or (tried is not None and all(
                np.array_equal(a, b) for a, b in zip(bounds, tried))):
            continue            # no room, or no pair lengthened: the same holds again
        tried = bounds
        f = start.f.ravel()
        for order in (start.dims, start.dims[::-1])[:len(start.dims)]:
            low, high = (b.copy() for b in bounds)
            stuck_held = np.zeros(0, dtype=np.int64)
            for _ in range(_HOLD_RUNS):
                trial, trial_removed, out = _held_run(
                    start, g, held, 0, run, order, bounds=(low.copy(), high.copy()))
                pairings += out[2]
                if out[0] is not None and trial.long_off == 0:
                    return _keep(problem, removed, (trial, trial_removed, out[0]), pairings)
                if out[0] is not None or trial.stuck is None:
                    break
                # the run gave t/2 up: the pixels of the pairs it left held too
                more = np.setdiff1d(_stuck_pixels(*trial.stuck), stuck_held)
                if not len(more):
                    break
                stuck_held = np.union1d(stuck_held, more)
                lo, hi = low.ravel(), high.ravel()
                lo[more] = np.minimum(np.maximum(lo[more], f[more]), hi[more])
                hi[more] = np.maximum(np.minimum(hi[more], f[more]), lo[more])
    return result[0], result[1], pairings


def _side_bounds(problem, start, g, side):
    """``start``'s bounds with the pixels held that keep the pairs of ``g`` that crossed
    ``2 t`` on their input side (see :func:`hold_sides`), ``(bounds, held pixels,
    pairings done)``; bounds None where no hold has room.

    In the view ``h`` of a dimension (``g``, ``-g`` for the top one, where its
    extremum is a minimum), a pair lengthened past ``2 t`` (saddle ``s``) has the
    pixels of one side of ``s`` below ``h[s] - 2 t`` held up to it (``side`` 0: the
    side of its extremum, 1: the other side, not the border's); a pair of the input
    shortened below ``2 t`` (extremum ``e``) has the pixels round the component of
    ``e`` below ``f[e] + 2 t`` held at or above that level, and ``e`` at or below its
    input value.
    """
    from scipy import ndimage

    t2 = problem.long_at
    step = 1.0 if problem.integer else problem.margin
    after = problem.diagrams(g, problem.dims)
    low, high = (b.copy().ravel() for b in start.bounds)
    shape = problem.f.shape
    held = [np.zeros(0, dtype=np.int64)]
    for d in problem.dims:
        top = d != 0
        sign = -1.0 if top else 1.0
        full = problem.full != top
        structure = ndimage.generate_binary_structure(len(shape), len(shape) if full else 1)
        # the bounds in the view (a copy for the top dimension, written back below)
        vlow, vhigh = (-high, -low) if top else (low, high)
        range_low, range_high = (-problem.range[1], -problem.range[0]) if top else problem.range
        vlow, vhigh = np.maximum(vlow, range_low), np.minimum(vhigh, range_high)
        before = problem.input_diagrams[d]
        heads = [(z.death_index if top else z.birth_index)[~z.essential]
                 for z in (after[d], before)]
        lives = [z.lifetimes[~z.essential] for z in (after[d], before)]
        n_off = int(np.count_nonzero(lives[0] >= t2)) - int(np.count_nonzero(lives[1] >= t2))
        if n_off > 0:
            h = sign * g.ravel()
            fin = np.flatnonzero(~after[d].essential)
            grew = (lives[0] >= t2) & ~np.isin(heads[0], heads[1][lives[1] >= t2])
            saddles = (after[d].birth_index if top else after[d].death_index)[fin[grew]]
            for e, s in zip(heads[0][grew], saddles):
                labels, _ = ndimage.label((h < h[s]).reshape(shape), structure=structure)
                labels = labels.ravel()
                if side == 0:
                    part = labels == labels[e]
                else:
                    near = np.unique(labels[_around(np.arange(h.size) == s, shape, structure)])
                    near = near[(near > 0) & (near != labels[e])]
                    if len(near) == 0:
                        continue
                    part = labels == near[0]
                    if top and _touches_border(part, shape):
                        continue
                level = h[s] - t2 + step
                pix = np.flatnonzero(part & (sign * problem.f.ravel() < level))
                if len(pix) == 0 or np.any(vhigh[pix] < level):
                    return None, None, 1
                vlow[pix] = np.maximum(vlow[pix], level)
                vhigh[s] = min(vhigh[s], max(h[s], vlow[s]))
                held.append(np.append(pix, s))
        elif n_off < 0:
            f = sign * problem.f.ravel()
            lost = (lives[1] >= t2) & ~np.isin(heads[1], heads[0][lives[0] >= t2])
            for e in heads[1][lost]:
                level = f[e] + t2
                if problem.integer:
                    level = np.ceil(level)
                labels, _ = ndimage.label((f < level).reshape(shape), structure=structure)
                labels = labels.ravel()
                ring = _around(labels == labels[e], shape, structure)
                if np.any(vhigh[ring] < level):
                    return None, None, 1
                vlow[ring] = np.maximum(vlow[ring], level)
                vhigh[e] = min(vhigh[e], f[e])
                held.append(np.append(ring, e))
        if top:
            low, high = -vhigh, -vlow
        else:
            low, high = vlow, vhigh
    pixels = np.unique(np.concatenate(held))
    if not len(pixels):
        return None, None, 1
    return (low.reshape(shape), high.reshape(shape)), pixels, 1


def _around(mask, shape, structure):
    """The flat indices of the pixels next to the flat boolean ``mask`` of the grid
    ``shape`` (neighbours by ``structure``), outside it."""
    from scipy import ndimage

    grid = mask.reshape(shape)
    return np.flatnonzero(ndimage.binary_dilation(grid, structure) & ~grid)


def _touches_border(mask, shape):
    """Whether the flat boolean ``mask`` of the grid ``shape`` holds a border pixel."""
    grid = mask.reshape(shape)
    return any(np.take(grid, i, axis=a).any() for a in range(grid.ndim) for i in (0, -1))


def _keep(problem, removed, best, pairings):
    """The run ``best`` (``(trial problem, its removed pairs, its output)``) as the
    result: ``problem`` and ``removed`` take its state."""
    trial, trial_removed, out_g = best
    problem.__dict__.update(trial.__dict__)
    removed.clear()
    removed.update(trial_removed)
    return out_g, removed, pairings


def _crossing_pixels(problem, g):
    """The birth and death pixels, in the input and in ``g``, of the pairs whose lifetime
    is on the other side of ``2 t`` in ``g`` than in the input: those of the extrema
    (minima of H0, maxima of the top dimension) that head a pair ``>= 2 t`` in one of
    the two but not in the other (a class handed to an equal extremum counts too)."""
    t2 = problem.long_at
    after = problem.diagrams(g, problem.dims)
    out = [np.zeros(0, dtype=np.int64)]
    for d in problem.dims:
        top = d != 0
        dgms = (after[d], problem.input_diagrams[d])
        heads = [(z.death_index if top else z.birth_index)[~z.essential] for z in dgms]
        long = [h[z.lifetimes[~z.essential] >= t2] for h, z in zip(heads, dgms)]
        crossing = np.setxor1d(long[0], long[1])
        for h, z in zip(heads, dgms):
            at = np.flatnonzero(~z.essential)[np.isin(h, crossing)]
            out += [z.birth_index[at], z.death_index[at]]
    return np.unique(np.concatenate(out).astype(np.int64))


def _face_neighbours(pixels, shape):
    """The flat indices of the face neighbours (inside the grid) of the flat ``pixels``."""
    coords = np.unravel_index(pixels, shape)
    out = []
    for axis, size in enumerate(shape):
        for step in (-1, 1):
            moved = list(coords)
            moved[axis] = coords[axis] + step
            inside = (moved[axis] >= 0) & (moved[axis] < size)
            out.append(np.ravel_multi_index(tuple(c[inside] for c in moved), shape))
    return np.concatenate(out).astype(np.int64)


def _stuck_pixels(dgms, masks):
    """The birth and death pixels of the pairs of ``masks`` (per dimension) in ``dgms``."""
    return np.unique(np.concatenate(
        [np.concatenate([dgms[d].birth_index[m], dgms[d].death_index[m]])
         for d, m in masks.items()]).astype(np.int64))
