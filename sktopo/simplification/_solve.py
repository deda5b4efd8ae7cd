"""Running a method for :func:`~sktopo.simplification.simplify_function`: the fixed
point, the last step (``_restore.py``), the L2 step (``_l2.py``), the cast to the
output's dtype, and the second tries behind it (the optimal method's output where
flooding left a count off, the ramps of ``perturb``, the real-valued method and the
exact search of ``_exact.py`` on integer inputs where the integer one gave
``threshold / 2`` up), each checked by the pairing.
"""

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..persistence import Diagram
from ._exact import exact_repair
from ._hold import _TIGHT_LARGE
from ._inputs import _half
from ._l2 import smallest_l2
from ._optimal import _run_optimal, warn_unmet
from ._problem import RampsFailed, _Problem, _removed_mask, _run_flooding
from ._restore import restore_long
from ._rounding import _bounds, _strict_bounds


def _run(problem, g):
    """The fixed point of the chosen method: ``(g, removed pairs, pairings done)``."""
    removed = {d: [] for d in problem.dims}
    if problem.method == "optimal":
        return _run_optimal(problem, g, removed)
    g, final, n_pairings = _run_flooding(problem, g, removed, own=True)   # g: a copy
    if problem.can_lengthen() and g.size:
        f = problem.f.ravel()
        g, n_more = restore_long(problem, g, final, lambda idx: _strict_bounds(
            f[idx], problem.threshold, problem.integer, problem.float32))
        n_pairings += n_more
    return g, removed, n_pairings


def _solve(base, dims, connectivity, t, n_kept, method, half, integer, superlevel, dtype,
           perturb, frames=3, verbose=0, value_range=None, long_at=None):
    """The chosen method on the sublevel view ``base``: ``(Y, problem, removed pairs,
    pairings done, L2 change, L2 retries)``, ``Y`` cast to ``dtype`` and flipped back;
    ``frames``: from the caller to the user's line, where the warnings point;
    ``value_range``: the values the output may take (integers: their dtype's);
    ``long_at``: the lifetime from which pairs count as long (default ``2 t``).

    On integers the pairs below ``t`` are those below ``ceil(t)`` (the problem's
    threshold, to which a pair left is lengthened), and the long ones those
    ``>= 2 t``, with the user's ``t`` (``2 ceil(t)`` is one more where ``t`` is at most
    half way above an integer)."""
    threshold = float(math.ceil(t)) if integer and t is not None else t
    problem = _Problem(base, dims, connectivity, threshold, n_kept, method, half, perturb,
                       float32=dtype == np.float32)
    if long_at is not None:
        problem.long_at = long_at
    elif integer and t is not None:
        problem.long_at = float(math.ceil(2.0 * t))     # integer lifetimes, integer moves
    elif t is not None:
        problem.long_at = 2.0 * t
    problem.frames, problem.verbose = frames, verbose
    if integer and base.size:
        value_range = _dtype_range(dtype)
        problem.integer = True
    if value_range is not None and base.size:
        low, high = value_range
        problem.range = (-high, -low) if superlevel else (low, high)
    elif dtype == np.float32 and t is not None and base.size:
        problem.margin = 2.0 * float(np.spacing(np.float32(float(np.abs(base).max()) + t)))
    g, removed, n_rounds = _run(problem, base.copy())
    Y = _cast(-g if superlevel else g, dtype)
    l2_change = l2_retries = None
    if method == "optimal":
        Y, l2_change, l2_retries = _l2_step(problem, Y, superlevel, dtype)
        warn_unmet(problem, -Y.astype(float) if superlevel else Y.astype(float))
    elif problem.long_off and t is not None:
        problem.say("flooding: a count of pairs >= 2 t is off; the optimal method")
        other = _optimal_instead(base, dims, connectivity, t, n_kept, integer, superlevel,
                                 dtype, perturb, frames, verbose)
        if other is not None:
            return other[:3] + (other[3] + n_rounds,) + other[4:]
        warn_unmet(problem, -Y.astype(float) if superlevel else Y.astype(float),
                   "flooding")
    if verbose:
        change = float(np.abs(Y.astype(np.float64) - (-base if superlevel else base)).max(
            initial=0.0))
        problem.say(f"{method}: done, {n_rounds} pairing(s), max |Y - X| = {change:.4g}"
                    + (f" ({change / t:.3g} t)" if t else ""))
    return Y, problem, removed, n_rounds, l2_change, l2_retries


def _optimal_instead(base, dims, connectivity, t, n_kept, integer, superlevel, dtype,
                     perturb, frames, verbose=0):
    """Where flooding left a count of pairs ``>= 2 t`` off: the optimal method's result
    (within ``t/2``, so within flooding's bound too) if it keeps every promise (no
    warning: no pair below ``t``, every count right, ``t/2`` kept), else None.

    The two methods nest their removals differently (a channel where flooding fills, a
    half-way meeting where it cuts), so a kept pair that one of them moves across ``2 t``
    is mostly left alone by the other (measured: 6 of the 7 counts flooding left off on
    12,000 small inputs)."""
    args = (base, dims, connectivity, t, n_kept, "optimal", _half(t, integer), integer,
            superlevel, dtype)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        other = (_solve_integer(args, verbose, frames + 1) if integer
                 else _solve(*args, perturb, frames, verbose))
    # its own warnings (a ConvergenceWarning, the ramps' UserWarning) reject it
    if any(issubclass(w.category, UserWarning) for w in caught):
        return None
    _replay(caught)
    return other


def _solve_perturbed(args, verbose=0):
    """:func:`_solve` with ramps (``perturb``) where they keep every promise of the
    unperturbed method, else the unperturbed result, with a warning.

    Ramps can fail: they may not reach a fixed point, leave a pair one ulp long, shorten
    a pair of lifetime ``2 * threshold`` by an ulp, or push the optimal method into a
    last resort (the passes of the two dimensions undoing each other's ramps). The
    ramped output is scored by one more pairing (:func:`_score`); where it is not
    perfect the unperturbed one is computed too and the better kept (the ramped one on
    a tie). Only the kept run's warnings are given.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = _solve(*args, True, 4, verbose)
            score = _score(result, args)
        except RampsFailed:
            result, score = None, None
    if score is not None and score == (False, False, 0.0):
        _replay(caught)
        return result
    with warnings.catch_warnings(record=True) as caught_plain:
        warnings.simplefilter("always")
        plain = _solve(*args, False, 4, verbose)
    if score is not None and score <= _score(plain, args):
        _replay(caught)
        return result
    _replay(caught_plain)
    warnings.warn("simplify_function(perturb=True): ramps of ulps could not make every "
                  "plateau strict here without breaking a guarantee (pixels of exactly a "
                  "plateau's level leave no float between them); the output is the "
                  "unperturbed one, its plateaus flat (zero persistence under the tie "
                  "policy).", UserWarning, stacklevel=4)
    return plain


def _solve_integer(args, verbose=0, frames=4):
    """The optimal method on integers (:func:`_integer_runs`). Where ``t`` lies strictly
    between an odd integer and the next even one, its bound ``floor(t/2)`` cannot remove
    a pair of lifetime ``ceil(t) - 1``, which is lengthened instead: those runs are
    tried (above ``_TIGHT_LARGE`` pixels the integer run alone, no pixel held), and where
    they warn, :func:`_integer_runs` within ``floor(ceil(t) / 2)``, the least integer change that
    removes such a pair, with a warning where its change exceeds ``t/2``."""
    t, half = args[3], args[6]
    if (t is None or any(k is not None for k in args[4].values())
            or math.ceil(t) // 2 <= half):
        return _integer_runs(args, verbose, frames)
    # t between an odd integer and the next even one: the runs within floor(t/2), the
    # pairs of lifetime ceil(t) - 1 lengthened by 1 (none where floor(t/2) is 0); where
    # they give that up (ties, the ends of the dtype), the runs within one more
    none_within = False         # proved by the exact search of the tight runs
    if half >= 1:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tight = _integer_runs(args, verbose, frames, args[0].size <= _TIGHT_LARGE)
        if not any(issubclass(w.category, ConvergenceWarning) for w in caught):
            _replay(caught)
            return tight
        none_within = tight[1].none_within
        tight[1].say(f"optimal: again within {float(math.ceil(t) // 2):g}, the least "
                     f"integer change that removes a pair of lifetime {math.ceil(t) - 1}")
    removing = float(math.ceil(t) // 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _integer_runs(args[:6] + (removing,) + args[7:], verbose, frames)
    _replay(caught)
    view = result[0].astype(np.float64)
    change = float(np.abs((-view if args[8] else view) - args[0]).max(initial=0.0))
    if change > half and not any(issubclass(w.category, ConvergenceWarning)
                                 for w in caught):
        # below 2 the only integer change within t/2 is none; above, the runs found no
        # such change: the exact search proved that none exists, or gave up at its budget
        # (the user guide measures both)
        why = (f"threshold / 2 = {t / 2:g} is below 1, so no pixel may move" if half < 1
               else f"no integer change within threshold / 2 = {t / 2:g} removes or "
                    "lengthens every pair below the threshold here (an exact search proves "
                    "it)" if none_within
               else f"the method found no integer change within threshold / 2 = {t / 2:g} "
                    "that removes or lengthens every pair below the threshold here")
        warnings.warn(f"simplify_function(method='optimal'): on integers {why}; the change "
                      f"is {change:g}, at most {removing:g}, the least integer change that "
                      f"removes a pair of lifetime {math.ceil(t) - 1}. t/2 is the bound for "
                      "real values (Bauer et al.): for an output within it, simplify the "
                      "input as floats (X.astype(float); on the command line, a .tif or "
                      ".npy output).",
                      ConvergenceWarning,
                      stacklevel=frames)
    return result


def _integer_runs(args, verbose, frames, relaxed=True):
    """The integer run, then (where it warns) the real-valued runs of :func:`_relaxed`
    (with ``relaxed``) and, within ``floor(t/2)``, the exact try of :func:`_exact`; the
    first that keeps every promise, else the integer run (its warnings given)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _solve(*args, False, frames + 1, verbose)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        other = None
        if relaxed:
            result[1].say("optimal: again on real values within the integer bound, rounded")
            other = _relaxed(args, result[1], verbose)
        if other is None and args[3] is not None and args[6] == _half(args[3], True):
            other = _exact(args, result)
        if other is not None:
            return other
    _replay(caught)
    return result


def _exact(args, result):
    """The exact try of ``_exact.py`` from the integer run's ``result`` (its output
    within ``half``), with the L2 step: a result of :func:`_solve`, or None."""
    base, half, superlevel, dtype = args[0], args[6], args[8], args[9]
    Y, problem, removed, n_rounds = result[:4]
    problem.say("optimal: an exact search within the integer bound")
    view = -Y.astype(np.float64) if superlevel else Y.astype(np.float64)
    g, left, n, problem.none_within = exact_repair(problem, view, half)
    problem.say(f"optimal: {'an' if g is not None else 'no'} output found"
                f"{' (none exists)' if problem.none_within else ''}, {n} pairing(s)")
    if g is None or not _kept_its_promise(problem, g):    # (one more pairing: a check)
        return None
    Y = _cast(-g if superlevel else g, dtype)
    problem.method, problem.half, problem.fell_back = "optimal", half, False
    problem.bounds = _bounds(base, half)
    Y2, l2_change, l2_retries = _l2_step(problem, Y, superlevel, dtype)
    if Y2 is not Y and not _kept_its_promise(
            problem, -Y2.astype(np.float64) if superlevel else Y2.astype(np.float64)):
        Y2, l2_change, l2_retries = Y, (_norm(g - base),) * 2, l2_retries
    for d, dgm in left.items():
        removed[d].append(dgm)
    return Y2, problem, removed, n_rounds + n, l2_change, l2_retries


# the real-valued runs of ``_relaxed``, most often successful first (user guide): (seed
# of the noise that breaks ties, 0 for none; the bound's offset from the integer bound)
_RELAXED_RUNS = ((1, -0.25), (0, 0.45), (0, -0.25), (2, -0.25))
# a change within half + 0.45 of the noisy input is below half + 1/2 from X (it rounds
# within half); a lifetime moves by less than 2 * _NOISE, below the threshold's shift
_NOISE = 0.02


def _relaxed(args, integer_problem, verbose=0):
    """The optimal method on the integer input as real values, bounded by ``half - 0.25``
    or ``half + 0.45`` and the dtype's range, rounded to the nearest integers; the first
    of :data:`_RELAXED_RUNS` whose output keeps every promise of ``integer_problem`` (one
    more pairing), else None.

    The integer run has no slack where a removed pair's lifetime is ``ceil(t) - 1`` and
    ``ceil(t)`` is odd (both sides must move by exactly ``half = (ceil(t) - 1) / 2``),
    and its steps round every level they set. A real change below ``half + 1/2`` rounds
    to one within ``half`` (``X`` is integer); rounding is monotone, it can only tie what
    was ordered, which the pairing checks. Integer inputs are full of ties, which the
    pairing breaks by index, the same way in every run: most runs add noise in
    ``[0, 0.02)`` (fixed seeds, reproducible) so that they break differently, with the
    threshold lowered by ``0.05`` (a lifetime moves by less than ``0.04``: the same pairs
    are below it, and ``>= 2 t``).
    """
    base, dims, connectivity, t, n_kept, method, half, integer, superlevel, dtype = args
    if half < 1:
        return None                      # no room to relax: nothing may move
    low, high = _dtype_range(dtype)
    view_low, view_high = (-high, -low) if superlevel else (low, high)
    # the noise must be larger than a float's spacing (values below 2**40)
    noisy = float(np.abs(base).max(initial=0.0)) < 2.0 ** 40
    for seed, offset in _RELAXED_RUNS:
        if seed and not noisy:
            continue
        # the integer problem's threshold and line of long pairs (see ``_solve``)
        start, threshold = base, None if t is None else float(math.ceil(t))
        long_at = None if t is None else float(math.ceil(2.0 * t))
        if seed:
            noise = np.random.default_rng(seed).random(base.shape) * _NOISE
            start = np.clip(base + noise, view_low, view_high)
            threshold = None if t is None else threshold - 2.5 * _NOISE
            long_at = None if t is None else long_at - 5.0 * _NOISE
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Y, problem, removed, n_rounds, l2_change, l2_retries = _solve(
                start, dims, connectivity, threshold, n_kept, method, half + offset, False,
                superlevel, np.dtype(np.float64), False, 5, verbose, value_range=(low, high),
                long_at=long_at)
        Y = _cast(Y, dtype)
        out = -Y.astype(np.float64) if superlevel else Y.astype(np.float64)
        if (np.abs(out - base).max(initial=0.0) <= half
                and _kept_its_promise(integer_problem, out)):
            if l2_change is not None:
                l2_change = (l2_change[0], _norm(out - base))
            if seed:        # the removed pairs at the integers they stand for
                removed = {d: [_rounded(p) for p in parts] for d, parts in removed.items()}
            return Y, problem, removed, n_rounds, l2_change, l2_retries
    return None


def _rounded(dgm):
    return Diagram._from_kernel(np.rint(dgm.births), np.rint(dgm.deaths), dgm.birth_index,
                                dgm.death_index, dgm.dim)


def _replay(caught):
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _score(result, args):
    """``(a promise broken, the bound exceeded, by how much)`` of a :func:`_solve`
    result: the smaller the better, ``(False, False, 0.0)`` when all is kept."""
    Y, problem = result[:2]
    base, method, half, superlevel = args[0], args[5], args[6], args[8]
    out = -Y.astype(float) if superlevel else Y.astype(float)
    change = float(np.abs(out - base).max(initial=0.0))
    bound = half if method == "optimal" else problem.threshold
    over = bound is not None and (change > bound if method == "optimal" else change >= bound)
    return (not _kept_its_promise(problem, out), bool(over),
            change - bound if over else 0.0)


def _kept_its_promise(problem, out):
    """Whether the sublevel view ``out`` has no finite pair to remove (below the
    threshold; beyond ``n_kept``) and, with a threshold, the input's number of pairs of
    lifetime ``>= 2 * threshold`` (one more pairing)."""
    if not out.size:
        return True
    after = problem.diagrams(out, problem.dims)
    for d in problem.dims:
        if _removed_mask(after[d], problem.threshold, problem.n_kept[d]).any():
            return False
        if problem.threshold is not None and problem.input_diagrams is not None:
            t2 = problem.long_at
            if problem.input_long(d) != np.count_nonzero(
                    after[d].lifetimes[~after[d].essential] >= t2):
                return False
    return True


def _l2_step(problem, Y, superlevel, dtype):
    """The optimal method's L2 step (``_l2.py``) on the cast output ``Y``: returns ``(Y,
    (L2 change before, after), tries that changed the diagram)``."""
    view = -Y.astype(np.float64) if superlevel else Y.astype(np.float64)
    kind = 2 if problem.integer else 1 if dtype == np.float32 else 0
    h, retries = smallest_l2(view, problem.f, problem.connectivity, problem.half, kind,
                             problem.range, strict=problem.perturb)
    norms = (_norm(view - problem.f), _norm(h - problem.f))
    if h is not view:
        Y = _cast(-h if superlevel else h, dtype)
    return Y, norms, retries


def _norm(change):
    """The L2 norm of ``change``, without overflow (changes near 1e300 square past it)."""
    top = float(np.abs(change).max(initial=0.0))
    return top * float(np.linalg.norm(change / top)) if top > 0 else 0.0


def _dtype_range(dtype):
    """The values an integer ``dtype`` holds, as floats (at most ``2**53`` in magnitude,
    where float64, in which the methods work, still holds every integer)."""
    if dtype == bool:
        return 0.0, 1.0
    info = np.iinfo(dtype)
    return max(float(info.min), -2.0 ** 53), min(float(info.max), 2.0 ** 53)


def _cast(g, dtype):
    if np.issubdtype(dtype, np.integer) or dtype == bool:
        return np.rint(g).astype(dtype)
    if dtype == np.float32:
        return g.astype(np.float32)
    return g
