"""The optimal method's loop: meet half way, compensate, lengthen (see ``_simplify``)."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._hold import fresh, hold_crossing, hold_sides, hold_stuck, skips_holds
from ._lengthen import _compensate, _lengthen
from ._problem import _MAX_ROUNDS, RampsFailed, _pass, _removed_mask, _run_flooding
from ._repair import repair
from ._restore import restore_long
from ._rounding import _bounds

# rounds of channels before the pairs left are lengthened (measured: past them the
# passes of the two dimensions only undo each other on the few pairs left)
_OPTIMAL_ROUNDS = 8
# rounds of lengthening after them (within t/2, then below t), before the flooding
_LENGTHEN_ROUNDS = 8
# channel rounds once more where the lengthening rounds leave pairs within t/2 (before
# the bound is widened; measured: none or one helped less, seven no more than three)
_RETRY_ROUNDS = 3


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
        if (problem.stuck is None or skips_holds(problem)
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
            g, n_done = _lengthen_beyond(problem, g, dgms, masks, removed)
            if n_done:
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
            return _flood_left(problem, g, dgms, removed, n_left, n_pairings)
        g, n = _round_passes(problem, g, dgms, masks, removed, n_rounds == 1)
        n_pairings += n
    if problem.perturb:
        raise RampsFailed
    raise RuntimeError("simplify_function did not reach a fixed point in "
                       f"{_MAX_ROUNDS + _RETRY_ROUNDS + _LENGTHEN_ROUNDS} rounds; please "
                       "report this input.")  # pragma: no cover


def _lengthen_beyond(problem, g, dgms, masks, removed):
    """A pair longer than twice the bound cannot meet half way within it (on integers at
    a threshold just below an even one: ``half = floor(t/2)``): lengthened at once, not
    after the rounds of channels. Returns ``(g, number of pairs lengthened)``."""
    beyond = {d: masks[d] & (dgms[d].lifetimes > 2.0 * problem.half) for d in problem.dims}
    if not any(m.any() for m in beyond.values()):
        return g, 0
    g, n_done = _lengthen(problem, g, dgms, beyond, removed)
    problem.n_lengthened += n_done
    return g, n_done


def _round_passes(problem, g, dgms, masks, removed, first_round):
    """One round's passes, one dimension after the other: the short pairs of a long
    input pair compensated (after the first round), the others given channels; a
    dimension is paired again where the passes before it moved pixels. Returns ``(g,
    pairings done)``."""
    moved, n_pairings = False, 0
    for i, d in enumerate(problem.dims):
        dgm = dgms[d]
        if moved:                                    # moved pixels: pair again
            dgm = problem.diagrams(g, (d,))[d]
            n_pairings += 1
            masks[d] = _removed_mask(dgm, problem.threshold, problem.n_kept[d])
        if not first_round and problem.can_lengthen() and masks[d].any():
            g, handled = _compensate(problem, g, dgm, masks[d])
            masks[d] &= ~handled
            moved |= handled.any()
        if masks[d].any():
            # only the very first pass sees the input itself
            g = _optimal_pass(problem, g, dgm, masks[d], removed, first_round and i == 0)
            moved = True
    return g, n_pairings


def _flood_left(problem, g, dgms, removed, n_left, n_pairings):
    """The very last resort: the ``n_left`` pairs left are flooded (with a warning), then
    the last step, as after the rounds, within ``t/2`` where it can (it also counts the
    pairs ``>= 2 t`` that pick the better run, :func:`_run_optimal`). Returns ``(g,
    removed, pairings done)``."""
    bound = ("threshold / 2" if all(k is None for k in problem.n_kept.values())
             else "the bound (half the longest lifetime removed, n_kept)")
    problem.messages.append(
        f"simplify_function(method='optimal'): {n_left} pair(s) could not be removed "
        f"within {bound} (the passes of the two dimensions undo each other "
        f"there); they are flooded, and the change may exceed {bound} there.")
    problem.fallback()
    g, final, n_pairings = _run_flooding(problem, g, removed, dgms, n_pairings)
    if problem.can_lengthen() and g.size:
        f = problem.f.ravel()
        g, n = restore_long(problem, g, final, lambda idx: _bounds(
            f[idx], problem.half, problem.float32))
        n_pairings += n
    return g, removed, n_pairings
