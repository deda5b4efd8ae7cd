"""The optimal method's last try before it gives up ``t/2``: runs again with pixels held.

Where the rounds of ``_optimal`` give up the bound ``t/2``, the pairs they could not
remove are mostly ones that their own moves made (the passes of the two dimensions taking
turns on neighbouring pixels). Running again from the input with the critical pixels of
those pairs held near their input values keeps them out of that turn-taking; the passes
route round them.
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


def fresh(problem):
    """A copy of ``problem`` in its state before any run (only its pixel flags are
    updated in place)."""
    out = copy.copy(problem)
    out.lowered, out.raised = problem.lowered.copy(), problem.raised.copy()
    out.messages = []
    return out


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
    for width in _HOLDS:
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
        for width in _HOLDS:
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


def _held_run(start, g, held, width, run, order=None):
    """One strict run from the input (``start``, ``g``) with the pixels ``held`` within
    ``width`` times ``t/2`` of their input values (passing ``order`` of the dimensions,
    else ``start``'s): ``(trial problem, its removed pairs, run's result)``."""
    f = start.f.ravel()
    trial = fresh(start)
    if order is not None:
        trial.dims = order
    w = width * start.half
    if start.integer:
        w = np.floor(w)
    low, high = (b.copy() for b in start.bounds)
    low.ravel()[held] = np.maximum(low.ravel()[held], f[held] - w)
    high.ravel()[held] = np.minimum(high.ravel()[held], f[held] + w)
    if start.float32:                   # bounds on float32 values (see ``_bounds``)
        low.ravel()[held] = _on_float32(low.ravel()[held], True)
        high.ravel()[held] = _on_float32(high.ravel()[held], False)
    trial.bounds = (low, high)
    trial_removed = {d: [] for d in trial.dims}
    start.say(f"optimal: again with {len(held)} pixel(s) held within {width:g} t/2, "
              f"H{trial.dims[0]} first")
    out = run(trial, g.copy(), trial_removed, strict=True)
    trial.dims = start.dims
    return trial, trial_removed, out


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
    t2 = 2.0 * problem.threshold
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
