r"""Exact topological simplification of signals, images and volumes.

The pairs come from :func:`sktopo.persistence.cubical_persistence` (order (value, index));
the changes are made by two compiled kernels (``_flood.pyx``):

* H0 (minimum-saddle pairs) by *flooding*: every basin that holds no kept minimum is
  filled up to the level at which it spills into one that does (a priority flood seeded at
  the kept minima). The basin of a removed pair ``(b, d)`` becomes a plateau at ``d``: the
  change is ``d - X < threshold``.
* the top dimension (H1 of an image, H2 of a volume: saddle-maximum pairs) by *carving*,
  the same on ``-X`` with the dual connectivity and the border of the grid as a seed: by
  Alexander duality these classes are the components of the superlevel sets that do not
  reach the border. Every peak that holds no kept maximum is cut down to its saddle.
* ``method="optimal"`` (``_optimal.py``, kernels in ``_channels.pyx``) meets each removed
  pair half way: a *channel* over its saddle is lowered to a level ``L`` with
  ``d - t/2 <= L <= b + t/2`` and the basin is flooded up to ``L``, so that nothing moves
  by more than ``t/2`` -- the optimal L-infinity change of Bauer, Lange and Wardetzky
  (2012). Three choices keep the two dimensions from undoing each other:

  - the channel is the path of a minimum spanning tree (edge weight: the larger value of
    its two pixels) from the birth pixel over the saddle to an older pixel. On such a path
    the pixels below any level form runs in distinct sublevel components (a tree path
    never leaves a component to come back), so lowering it merges the basin into an older
    one and closes no loop through the path itself (a lowered pixel can still touch other
    components off the path; the next pairing finds what that moved). It goes round the
    saddles of kept pairs (lowering one would merge their components early) and round the
    dams and channels of the other dimension (else the two passes undo each other);
  - after the first pass every move stays in ``[X - t/2, X + t/2]``: the level of a basin
    is capped by what its pixels may rise to, the channel enters no pixel that may not go
    down to it (:func:`~sktopo.simplification._channels.cap_levels`);
  - nesting still moves kept pairs: a removed peak cut down with a kept saddle on it
    shortens that kept pair by at most ``t/2``. Such a pair is *compensated*: its extremum
    pixel (a minimum or a maximum, which no pass of its own dimension moves) goes outwards
    by as much, which changes no sublevel set but by that pixel.

  Each round pairs both dimensions again. Where the passes of the two dimensions still
  undo each other (a basin at its upper bound whose only way out is a dam of the other
  dimension), after ``_OPTIMAL_ROUNDS`` rounds the pair left is *lengthened* instead:
  its extremum moves outwards, within ``t/2``, until its lifetime is exactly ``t``; then
  within ``t``; the very last pairs are flooded. Each step past ``t/2`` warns.

Flooding one dimension can create short pairs in the other (a basin filled inside a ring
moves the birth of the ring's loop), so both passes are repeated until the diagrams hold no
short pair: a fixed point, checked by the pairing itself (or, after a small flooding pass,
by a local proof that the other dimension's diagram did not change: ``_local.pyx``).
Nesting can also move a kept pair across ``2 t``: a last step (``_restore.py``, both
methods) gives it its input lifetime back from its extremum, within the method's bound.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch

from ..persistence import Diagram
from ..persistence._cubical import _check_connectivity
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ..utils._validation import check_homology_dimensions, check_values
from ._inputs import _check_n_kept, _check_scale, _optimal_half
from ._l2 import _MAX_TRIES as _L2_TRIES
from ._solve import _solve, _solve_integer, _solve_perturbed

__all__ = ["simplify_function"]

_METHODS = ("flooding", "optimal")


def _concat(parts, dim, superlevel):
    if not parts:
        return Diagram.empty(dim)
    births = np.concatenate([p.births for p in parts])
    deaths = np.concatenate([p.deaths for p in parts])
    if superlevel:
        births, deaths = -births, -deaths
    return Diagram._from_kernel(births, deaths,
                                np.concatenate([p.birth_index for p in parts]),
                                np.concatenate([p.death_index for p in parts]), dim)


@validate_params(
    {
        "X": ["array-like"],
        "threshold": [Interval(Real, 0, None, closed="left"), None],
        "n_kept": [Interval(Integral, 0, None, closed="left"), dict, None],
        "homology_dimensions": [Interval(Integral, 0, 2, closed="both"), tuple, list, None],
        "superlevel": ["boolean"],
        "connectivity": [StrOptions({"full", "face"}), Interval(Integral, 1, 3, closed="both")],
        "method": [StrOptions(set(_METHODS))],
        "perturb": ["boolean"],
        "return_removed": ["boolean"],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=True,
)
def simplify_function(X, threshold=None, *, n_kept=None, homology_dimensions=None,
                      superlevel=False, connectivity="full", method="flooding",
                      perturb=False, return_removed=False, verbose=0):
    r"""Remove every persistence pair below a threshold, exactly, with a bounded change.

    Parameters
    ----------
    X : array-like of shape (n,), (height, width) or (depth, height, width)
        Finite values (a signal, an image or a volume); never modified.
    threshold : float >= 0, default=None
        Every finite pair of ``homology_dimensions`` with lifetime ``< threshold`` is
        removed. None: only ``n_kept`` decides.
    n_kept : int >= 0 or dict of {int: int}, default=None
        Keep only the ``n_kept`` most persistent classes of each dimension (one number for
        all, or one per dimension; essential classes count and are always kept; equal
        lifetimes by birth pixel): a Betti-number target. With a ``threshold`` too, both
        apply.
    homology_dimensions : int or sequence of int, default=None
        Dimensions to simplify. None: all those of the input (0 for a signal, 0 and 1 for an
        image, 0 and 2 for a volume). H1 of a volume (saddle-saddle pairs) is not available
        here: :class:`~sktopo.TopoImageSimplifier` removes it with a gradient solver first.
    superlevel : bool, default=False
        Simplify the superlevel filtration (the pairs of ``cubical_persistence(X,
        superlevel=True)``); the result is ``-simplify_function(-X)``.
    connectivity : {"full", "face"} or int, default="full"
        As in :func:`~sktopo.persistence.cubical_persistence`: ``"full"`` (or ``X.ndim``)
        8/26-connectivity, ``"face"`` (or 1) 4/6-connectivity.
    method : {"flooding", "optimal"}, default="flooding"
        ``"flooding"``: fill each removed basin up to its death value, cut each removed peak
        down to its birth value; change ``< threshold``, only the pixels of removed
        features move (and the extremum of a kept pair that nesting moved across
        ``2 * threshold``, see Notes). ``"optimal"``: meet half way: raise each removed
        basin by at most ``threshold / 2`` and lower a channel over its saddle by at most
        ``threshold / 2`` (the smallest possible L-infinity change; see Notes), then,
        inside that bound and with the same diagram, lower the L2 change (see Notes).
        10 to 30 times slower than flooding on photos, 40 to 300 times on noise
        (seconds at 512 x 512), which is why flooding is the default (see the user
        guide).
    perturb : bool, default=False
        Make the plateaus that flooding creates strictly monotone (a ramp of a few ulps
        towards the pixel they spill over, TTK's numerical perturbation), so that they hold
        no critical pixel at all even for a tie-unaware reader. Floating-point ``X`` only
        (a float32 output loses the ramps in the cast). Where the ramps would break a
        guarantee below (checked by one more pairing), the unperturbed output is returned
        with a ``UserWarning`` (``removed.perturbed`` is False).
    return_removed : bool, default=False
        Also return what was removed.
    verbose : int, default=0
        Progress on standard output, scikit-learn style: 1 prints a line per run of the
        optimal method (it may run again from the input, see Notes; seconds to minutes
        on large images), a line each tenth of the budget of the exact search on
        integers (minutes where it fails on a large image) and a summary (pairings,
        ``max |Y - X|``); 2 also a line per round of pairing.

    Returns
    -------
    Y : ndarray of the shape of ``X``
        The simplified values: float32 stays float32, integer and bool dtypes keep it
        (clipped to it, never wrapped around; the optimal method may go past the
        input's own range by ``threshold / 2``, as on floats), anything else is
        float64. The
        guarantees hold for ``Y`` itself, after the cast: on float32 the method works in
        float64 with its bounds (and first levels) on float32 values, which the cast
        keeps, and a margin of two float32 ulps (at the data's largest magnitude) on the
        lifetimes it sets (``threshold`` for a lengthened pair, either side of ``2 *
        threshold`` for *Long pairs*), which the cast's rounding cannot undo.
    removed : Bunch
        Only with ``return_removed``: ``pairs`` ({dim: Diagram} of the points that the
        passes removed, over all rounds, each in the diagram that its pass saw: the
        input's in the first round, later the points that earlier passes made or moved;
        an input point that a pass of the other dimension took away with its own is not
        listed), ``changed`` (bool array of the pixels that moved), ``n_rounds``
        (pairings done, the last one finding nothing to remove), ``method`` (the method
        whose output ``Y`` is: ``"optimal"`` also where flooding left a count of pairs
        ``>= 2 * threshold`` off and the optimal method did not, see Notes),
        ``n_lengthened`` (optimal method: pairs given the lifetime ``threshold`` instead
        of removed, see Notes),
        ``fallback`` (optimal method: the last pairs were flooded), ``l2_change``
        (optimal method: ``(before, after)``, the L2 norm of the change before and after
        its L2 step; None with flooding), ``l2_retries`` (optimal method: the tries of the
        L2 step whose pairing differed from the method's before one kept it, 0 mostly),
        ``l2_undone`` (optimal method: no try kept it, the step was undone; None
        with flooding) and ``perturbed`` (whether the output has the ramps of
        ``perturb``).

    Notes
    -----
    Guarantees (checked by the pairing itself, which runs until it finds no pair to
    remove):

    - no finite pair of ``homology_dimensions`` with lifetime ``< threshold`` is left
      (plateaus that the flooding creates have zero persistence under the tie policy
      (value, index) and do not count);
    - ``max |Y - X| < threshold`` with "flooding" (on integers ``<= threshold - 1``,
      ``threshold`` rounded up). With "optimal", ``<= threshold / 2``
      (the bound of Bauer, Lange and Wardetzky, which no method can beat) unless it warns
      with a ``ConvergenceWarning``: then below ``threshold`` where it only moved
      extremum pixels past ``threshold / 2``, up to ``1.5 * threshold`` in principle
      where it flooded the last pairs (``removed.fallback``). Signals never warn;
      ``benchmarks/bench_simplification.py --robustness`` measures how often images and
      volumes do (see the user guide: 8-bit images mostly, where a kept pair shortened
      by a nested removal has no room left at the ends of the dtype's range);
    - the optimal method meets each pair half way (a channel over the saddle, the basin
      raised to the channel's level); where the passes of the two dimensions undo each
      other (a basin at its upper bound whose only way out is a dam of the other
      dimension, a peak at its lower bound inside a channel), after some rounds it gives
      the pair a lifetime of exactly ``threshold`` instead, by moving its extremum
      outwards within the bound (``removed.n_lengthened``): no pair below the threshold
      and the bound kept, but that feature is kept, the smallest allowed, not removed;
    - a kept pair keeps its birth and death values unless a removed feature of the other
      dimension is nested around its saddle: filling a basin that holds the saddle of a
      kept loop raises that saddle to the basin's spill level; cutting a peak that holds
      the saddle of a kept basin lowers it to the peak's saddle level (below the method's
      bound). That is the construction's choice, not forced by the removal: the feature
      can go the other way round (a ridge over the peak's saddle instead of a cut, a
      channel out of the basin instead of a fill), and the pair's extremum (a minimum or
      a maximum, which no pass of its own dimension moves) can give the lifetime back;
      the last step below does either where a count depends on it. The optimal method
      also lowers a kept pair's saddle where a removed basin's only way out within
      ``threshold / 2`` runs over it (a shared saddle, or one on the channel), as little
      as the bound allows, the kept pair's extremum giving the lifetime back (at least
      ``threshold``); flooding with a single dimension moves no kept pair. With ties,
      the elder rule decides by index which of two equal extrema dies at a saddle: the
      younger class can only live longer if the older extremum goes down with it (else
      the two classes swap their deaths);
    - the number of pairs of lifetime ``>= 2 * threshold`` is kept by a last step of
      both methods (with a ``threshold``; flooding: not with ``n_kept``; free when the
      counts already agree): a pair of the output on the
      other side of ``2 * threshold`` than the input pair of the same extremum gets its
      input lifetime back, its extremum moving outwards (and the older extremum of the
      component it merges into along with it, where the elder rule would swap) or its
      basin's bottom rising, within the method's bound (flooding: ``(X - threshold,
      X + threshold)``, open), kept only if the pairing then finds no pair below the
      threshold and fewer counts off. Where no extremum has room (the bound, the ends
      of an integer dtype, an older extremum that cannot follow), flooding removes the other
      dimension's feature the other way round (a channel from the saddle's input value,
      what it uncovers flooded again, within the bound). Where a count is still off, the
      optimal method runs again from ``X`` with the critical pixels of the pairs that
      crossed ``2 * threshold`` held at their input values (then within a fraction of
      ``threshold / 2``; H0 first, then the top dimension first), then with a whole
      side of each such pair held on its input side of ``2 * threshold`` (a side of its
      saddle capped, for a pair lengthened past it whose extremum has no room; the
      ring round its basin kept, for one shortened below it), and the flooding
      method returns the optimal method's output where that keeps every promise
      (``removed.method`` says so). Not guaranteed: measured in the
      user guide; both methods warn (a ``ConvergenceWarning`` naming the dimension and
      both counts) where a count is left off, and the optimal method, which pairs its
      output once more, where a pair below the threshold is left. Stability of
      persistence diagrams only guarantees that within
      ``threshold / 2`` a pair of lifetime ``>= 2 * threshold`` keeps a lifetime
      ``>= threshold``: it is never removed.

    The optimal method's last step lowers the L2 change ``||Y - X||_2`` without
    changing anything above: among the outputs that keep the order of every two
    neighbouring pixels (sharing a cell) of the method's result, the values of the
    critical pixels of its pairs of positive persistence, and the bound (``threshold /
    2``, or the change already made where the method warned), a block coordinate descent
    moves its plateaus (a flooded basin and its channel move as one, to the mean of
    ``X`` over them where their neighbours allow) and then single pixels towards ``X``.
    This is the L2-smallest change *with the method's local order* as far as that
    descent reaches (on small inputs within a few percent of an exact quadratic
    program, see the user guide), not the L2-smallest over all outputs within
    ``threshold / 2`` (that set is not convex). The output is paired once more and the
    step tried again, with the order of the critical pixels of the pairs that moved kept,
    where a diagram moved (``removed.l2_retries``; undone after four tries,
    ``removed.l2_undone``). Integer outputs stay
    integers of their dtype.

    Integer inputs: the pairs removed are those below ``ceil(threshold)`` (the same
    integer lifetimes), the pairs counted those ``>= 2 * threshold`` with the threshold
    as given (at ``threshold = 13.5``: lifetimes from 27, not from ``2 * 14``). The
    flooding method copies existing values (but for the rare moves
    of the last step, integers within the bound). With the optimal
    method ``threshold / 2`` may not be an integer: its bound is the largest integer
    change within it, ``floor(threshold / 2)``. That removes every pair below the
    threshold (the two sides meet, ``2 * floor(t / 2) >= ceil(t) - 1``) but where
    ``threshold`` lies strictly between an odd integer and the next even one: there a
    pair of lifetime ``ceil(threshold) - 1`` would need one more (at ``threshold =
    13.5`` a pair of lifetime 13 needs a change of 7, above 6.75), and is lengthened to
    ``ceil(threshold)`` instead, its extremum moving outwards by 1
    (``removed.n_lengthened``). Where even that is not possible within ``threshold /
    2`` (a threshold below 2 leaves no integer change at all; an extremum at the end of
    the dtype has no room), the method runs again within ``floor(ceil(threshold) / 2)``
    and says so with a ``ConvergenceWarning``. The output is bounded by
    the dtype, not by the input's range: like a real-valued output it may go past the
    input's minimum or maximum (by at most the bound), which is what lets the extremum
    of a kept pair shortened by a nested removal give the lifetime back. At the ends of
    the dtype (0 and 255 on 8-bit images) such a move may have no room (Bauer et al.'s
    bound assumes unbounded values); the method then moves the saddle instead and tries
    the other order of the two dimensions. With an odd ``ceil(t)`` a removed pair of
    lifetime ``ceil(t) - 1`` leaves the integer bound no slack (both sides move by
    exactly the bound): where the integer run gives ``threshold / 2`` up or leaves a
    count off, the method runs again (up to four times) on ``X`` as real values, most
    runs with noise below 0.02 that breaks the ties of ``X`` differently (fixed seeds),
    within the bound minus 0.25 or plus 0.45 (any such change rounds to one within the
    bound), rounds the output to integers and returns the first that one more pairing
    finds keeping every promise. Before that, where the integer run is left with a few
    pairs (at most 16) that it cannot remove within the bound, a local search tries
    other values within it for the pixels round each of them (a random descent from a
    fixed seed, scored by the pairing of a crop, a change kept where one pairing of the
    whole image agrees). After them, an exact search over the integer outputs within
    the bound (clauses on the pixels that prove each pair found, and SAT solvers,
    CaDiCaL then Glucose through PySAT, within a budget) returns one where it finds one;
    where it proves that none exists, the warning says so. On integers ``threshold / 2``
    is met where the method does not warn, not promised (measured in the user guide).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.simplification import simplify_function
    >>> x = np.array([0., 5., 4., 6., 1., 9., 3.])
    >>> simplify_function(x, 2.0)          # the basin at 4 spills over at 5
    array([0., 5., 5., 6., 1., 9., 3.])
    >>> simplify_function(x, 2.0, method="optimal")   # the plateau at the mean: least L2
    array([0. , 4.5, 4.5, 6. , 1. , 9. , 3. ])
    >>> simplify_function(x, n_kept=2)     # the global minimum and the longest-lived (3 -> 9)
    array([0., 5., 5., 6., 6., 9., 3.])
    """
    arr = np.asarray(X)
    f = check_values(arr, "X", ndim=(1, 2, 3))
    if threshold is not None and not np.isfinite(threshold):
        raise ValueError(f"The 'threshold' parameter must be finite, got {threshold!r}.")
    if threshold is None and n_kept is None:
        raise ValueError("Give a 'threshold' or an 'n_kept' (both None remove nothing).")
    _check_scale(arr, None if threshold is None else float(threshold))
    if homology_dimensions is None:
        homology_dimensions = (0,) if f.ndim == 1 else (0, f.ndim - 1)
    dims = check_homology_dimensions(homology_dimensions, f.ndim - 1)
    if f.ndim == 3 and 1 in dims:
        raise ValueError("The 'homology_dimensions' parameter: H1 of a volume (saddle-saddle "
                         "pairs) has no exact simplification here; use (0, 2), or "
                         "TopoImageSimplifier, which removes H1 with a gradient solver "
                         "and then H0 and H2 exactly.")
    connectivity = _check_connectivity(connectivity, f.ndim)
    n_kept = _check_n_kept(n_kept, dims)
    integer = np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool
    if perturb and integer:
        raise ValueError("The 'perturb' parameter needs floating-point values (integers "
                         "have no room between them); cast X to float first.")
    # integers: the pairs below ceil(t) are removed, those >= 2 t counted (``_solve``)
    t = None if threshold is None else float(threshold)
    base = -f if superlevel else f
    half = None
    if method == "optimal":
        half = _optimal_half(base, dims, connectivity, t, n_kept, integer,
                             arr.dtype == np.float32)
    args = (base, dims, connectivity, t, n_kept, method, half, integer, superlevel,
            arr.dtype)
    if perturb:
        result = _solve_perturbed(args, verbose)
    elif integer and method == "optimal":
        result = _solve_integer(args, verbose)
    else:
        result = _solve(*args, False, verbose=verbose)
    Y, problem, removed, n_rounds, l2_change, l2_retries = result
    if not return_removed:
        return Y
    pairs = {d: _concat(removed[d], d, superlevel) for d in dims}
    return Y, Bunch(pairs=pairs, changed=(Y != arr), n_rounds=n_rounds,
                    method="flooding" if problem.half is None else "optimal",
                    n_lengthened=problem.n_lengthened, fallback=problem.fell_back,
                    l2_change=l2_change, l2_retries=l2_retries,
                    l2_undone=None if l2_retries is None else l2_retries > _L2_TRIES,
                    perturbed=bool(perturb and problem.perturb))
