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
* ``method="optimal"`` first lowers, for every removed pair of lifetime ``> t/2``, a
  channel from its birth over its death pixel down to ``max(b, d - t/2)`` (the path of
  least total lowering), then floods: each removed basin rises by at most ``t/2`` and each
  saddle drops by at most ``t/2`` -- the optimal L-infinity change of Bauer, Lange and
  Wardetzky (2012). Always reached on signals; on images and volumes the channels of one
  dimension can move pairs of the other, the bound then blocks, and after
  ``_OPTIMAL_ROUNDS`` rounds the pairs left are flooded (with a ConvergenceWarning).

Flooding one dimension can create short pairs in the other (a basin filled inside a ring
moves the birth of the ring's loop), so both passes are repeated until the diagrams hold no
short pair: a fixed point, checked by the pairing itself.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import Bunch

from ..persistence import Diagram, cubical_persistence
from ..persistence._cubical import _check_connectivity
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ..utils._validation import check_homology_dimensions, check_values

try:
    from . import _flood
except ImportError as exc:  # pragma: no cover - the compiled kernels were not built
    raise ImportError("sktopo.simplification needs its compiled kernel "
                      "(sktopo/simplification/_flood.pyx); build it with "
                      "`python setup.py build_ext --inplace` or `pip install .`.") from exc

__all__ = ["simplify_function"]

_METHODS = ("flooding", "optimal")
_MAX_ROUNDS = 64
# rounds of the optimal method before the remaining pairs are flooded (measured: when the
# channels of one dimension interfere with the other, the bound blocks the next rounds)
_OPTIMAL_ROUNDS = 8
# rounds of lengthening after them, before the flooding fallback
_LENGTHEN_ROUNDS = 8


def _grid(ndim, shape):
    return (1,) * (3 - ndim) + tuple(int(s) for s in shape)


def _removed_mask(dgm, threshold, n_kept):
    """Boolean mask of the finite points of ``dgm`` to remove."""
    finite = ~dgm.essential
    remove = np.zeros(len(dgm), dtype=bool)
    if threshold is not None:
        remove |= finite & (dgm.lifetimes < threshold)
    if n_kept is not None:
        n_free = max(int(n_kept) - int((~finite).sum()), 0)
        idx = np.flatnonzero(finite)
        # most persistent first; equal lifetimes by birth pixel (deterministic)
        order = idx[np.lexsort((dgm.birth_index[idx], -dgm.lifetimes[idx]))]
        remove[order[n_free:]] = True
    return remove


class _Problem:
    """One sublevel simplification: the input ``f`` (float64), its grid and the options."""

    def __init__(self, f, dims, connectivity, threshold, n_kept, method, half, perturb):
        self.f, self.dims, self.threshold, self.n_kept = f, dims, threshold, n_kept
        self.method, self.half, self.perturb = method, half, perturb
        self.connectivity = connectivity
        self.shape = _grid(f.ndim, f.shape)
        self.full = connectivity == "full"
        self.top = f.ndim - 1 if f.ndim > 1 else None
        scale = float(np.ptp(f)) if f.size else 0.0
        self.step = 1e-9 * max(scale, 1.0)        # per-pixel length cost of a channel
        self.bounds = _bounds(f, half) if method == "optimal" else None
        self.first_pass = True
        self.n_lengthened = 0
        self.fell_back = False
        self.input_diagrams = None
        self.range = (-np.inf, np.inf)      # integer inputs: set to their range

    def diagrams(self, g, dims):
        return cubical_persistence(g, dims, connectivity=self.connectivity)

    def _flood(self, h, seeds, full, border):
        out, depth = _flood.flood(h, self.shape, self.f.ndim, full,
                                  np.ascontiguousarray(seeds, dtype=np.int64), border,
                                  self.perturb)
        return self._ramp(out, depth)

    def _meet_half_way(self, h, births, deaths, hb, hd, full, border, reverse, band,
                       keep, seeds):
        """The optimal method on one view (H0 of the sublevel filtration of ``h``, whose
        allowed range is ``band = (lo, hi)``): lower a channel per removed pair, then
        flood from ``seeds`` (the kept births) and from the births whose channel was not
        found (left for a later round, not flooded past the bound)."""
        lo, hi = band
        if self.first_pass:
            # on the input itself: the level max(b, d - t/2), the least raising
            levels = _level(hb, hd, self.half)
            # a saddle shared with a kept pair (a monkey saddle) is lowered as little as
            # possible: lowering it shortens the kept pair too
            shared = keep[deaths] == 1
            if shared.any():
                high = np.minimum(hd[shared], hb[shared] + self.half)
                over = high - hb[shared] > self.half
                high[over] = np.nextafter(high[over], -np.inf)
                levels[shared] = np.maximum(levels[shared], high)
            deep = (hd - hb > self.half) & (levels < hd)
        else:
            # after other passes moved pixels: the highest level the basin may rise to
            # (the least lowering, the most room for the channel)
            levels = _flood.cap_levels(h, self.shape, self.f.ndim, full,
                                       births.astype(np.int64), np.asarray(hd, float), hi)
            deep = levels < hd
        if deep.any():
            b, d, lv = births[deep], deaths[deep], np.ascontiguousarray(levels[deep])
            grid = (self.shape, self.f.ndim, full)
            # a saddle the other dimension moved (its dam or channel) is gone round first
            # (a detour), else the two passes undo each other
            first = ~(keep[d] == 2)
            out = h.copy()
            todo = np.zeros(len(b), dtype=bool)
            for k, (sel, kw) in enumerate(((first, dict(keep=keep)),
                                           (~first, dict(keep=keep, detour=True)),
                                           (None, dict(keep=keep, detour=True)),
                                           (None, dict()))):
                sel = todo if sel is None else sel
                if k == 3:
                    sel = todo
                if not sel.any():
                    continue
                lowered, failed = _flood.tree_channels(h, *grid, b[sel], d[sel], lv[sel],
                                                       border, reverse, lo, **kw)
                out = np.minimum(out, lowered)
                todo = np.zeros(len(b), dtype=bool) if k >= 2 else todo
                todo[np.flatnonzero(sel)[failed.astype(bool)]] = True
            seeds = np.concatenate([seeds, b[todo]])
            h = out
        return self._flood(h, seeds, full, border)

    def _avoid(self, h, saddles, moved):
        """Pixels a channel should not lower: the saddles of the kept pairs and, after
        the first pass, the pixels the other dimension's passes raised in this view (its
        dams: lowering one reopens what it closed, the two passes would undo each other).
        """
        out = np.zeros(h.size, dtype=np.uint8)
        if not self.first_pass:
            out[moved] = 2
        out[saddles] = 1
        return out

    def _fill(self, h, births, deaths, full, reverse):
        """Flooding: fill the basins of the removed pairs (H0 of the sublevel filtration
        of ``h``), the outermost first."""
        order = np.lexsort((-deaths if reverse else deaths, h[deaths]))[::-1]
        out, depth = _flood.flood_pairs(h, self.shape, self.f.ndim, full,
                                        births[order].astype(np.int64),
                                        deaths[order].astype(np.int64), reverse,
                                        self.perturb)
        return self._ramp(out, depth)

    def _ramp(self, out, depth):
        if self.perturb:     # a ramp of ulps down to the spill pixel: no plateau minimum
            raised = depth > 0
            out[raised] += depth[raised] * np.spacing(np.abs(out[raised]))
        return out

    def pass_h0(self, g, dgm, remove):
        h = g.ravel()
        if self.method == "flooding":
            out = self._fill(h, dgm.birth_index[remove], dgm.death_index[remove], self.full,
                             False)
            return out.reshape(g.shape)
        out = self._meet_half_way(h, dgm.birth_index[remove], dgm.death_index[remove],
                                  dgm.births[remove], dgm.deaths[remove], self.full, False,
                                  False, tuple(b.ravel() for b in self.bounds),
                                  self._avoid(h, dgm.death_index[~remove & ~dgm.essential],
                                              h > self.f.ravel()),
                                  dgm.birth_index[~remove])
        return out.reshape(g.shape)

    def pass_top(self, g, dgm, remove):
        # by duality: H0 of -g with the dual connectivity, the border being the oldest seed
        h = -g.ravel()
        if self.method == "flooding":
            out = self._fill(h, dgm.death_index[remove], dgm.birth_index[remove],
                             not self.full, True)
            return -out.reshape(g.shape)
        low, high = (b.ravel() for b in self.bounds)
        out = self._meet_half_way(h, dgm.death_index[remove], dgm.birth_index[remove],
                                  -dgm.deaths[remove], -dgm.births[remove], not self.full,
                                  True, True, (-high, -low),
                                  self._avoid(h, dgm.birth_index[~remove],
                                              h > -self.f.ravel()),
                                  dgm.death_index[~remove])
        return -out.reshape(g.shape)

    def clamp(self, g):
        if self.method == "optimal" and self.bounds is not None:
            np.clip(g, *self.bounds, out=g)
        return g

    def can_lengthen(self):
        """Lengthening keeps the feature: only for a threshold, not a Betti target."""
        return (self.threshold is not None
                and all(k is None for k in self.n_kept.values()))

    def fallback(self):
        """Switch to flooding (no bound, no channel): removal comes first."""
        self.method, self.bounds = "flooding", None
        self.fell_back = True


def _flags(n, pixels):
    out = np.zeros(n, dtype=np.uint8)
    out[pixels] = 1
    return out


def _level(b, d, half):
    """``max(b, d - half)``, rounded so that ``d - level <= half`` in floating point."""
    level = np.maximum(b, d - half)
    over = d - level > half
    level[over] = np.nextafter(level[over], np.inf)
    return level


def _bounds(f, half):
    """``f - half`` and ``f + half``, rounded inwards (``|bound - f| <= half`` exactly)."""
    low, high = f - half, f + half
    low = np.where(f - low > half, np.nextafter(low, np.inf), low)
    high = np.where(high - f > half, np.nextafter(high, -np.inf), high)
    return low, high


def _pass(problem, g, dgm, mask, removed):
    removed[dgm.dim].append(dgm.select(mask))
    fill = problem.pass_h0 if dgm.dim == 0 else problem.pass_top
    return problem.clamp(fill(g, dgm, mask))


def _optimal_pass(problem, g, dgm, mask, removed, first):
    problem.first_pass = first
    return _pass(problem, g, dgm, mask, removed)


def _run(problem, g):
    """Alternate the passes until the pairing finds no pair to remove.

    Flooding one dimension leaves that dimension clean (its kept pairs keep their values,
    the removed ones become plateaus of zero persistence) but can create short pairs in the
    other: so after a pass only the other dimension is paired again, and the run stops when
    every requested dimension has been found clean since the last change. The optimal
    method's passes leave no such promise: it pairs every dimension every round.
    """
    removed = {d: [] for d in problem.dims}
    if problem.method == "flooding":
        return _run_flooding(problem, g, removed)
    n_pairings = 0
    for n_rounds in range(1, _MAX_ROUNDS + 1):
        dgms = problem.diagrams(g, problem.dims)
        n_pairings += 1
        masks = {d: _removed_mask(dgms[d], problem.threshold, problem.n_kept[d])
                 for d in problem.dims}
        if n_rounds == 1:
            problem.input_diagrams = dgms
        if not any(m.any() for m in masks.values()):
            if n_rounds > 1 and problem.threshold is not None:
                g, n = _restore_long(problem, g, dgms)
                n_pairings += n
            return g, removed, n_pairings
        if n_rounds > _OPTIMAL_ROUNDS:
            if n_rounds <= _OPTIMAL_ROUNDS + _LENGTHEN_ROUNDS and problem.can_lengthen():
                g, n_done = _lengthen(problem, g, dgms, masks)
                if n_done:
                    problem.n_lengthened += n_done
                    continue
            n_left = sum(int(m.sum()) for m in masks.values())
            warnings.warn(f"simplify_function(method='optimal'): {n_left} pair(s) could not "
                          "be removed within threshold / 2 (channels of one dimension "
                          "moved pairs of the other); they are flooded, and the change may "
                          "exceed threshold / 2 there.", ConvergenceWarning, stacklevel=3)
            problem.fallback()
            return _run_flooding(problem, g, removed, dgms, n_pairings)
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
    raise RuntimeError(f"simplify_function did not reach a fixed point in {_MAX_ROUNDS} "
                       "rounds; please report this input.")  # pragma: no cover


def _push_extrema(problem, out, dgm, idx, life):
    """Move the extremum pixel of the pairs ``idx`` of ``dgm`` outwards (in place on the
    flat ``out``) so that they get the lifetimes ``life``, as far as the bound (and, for
    integers, the input's range) allows.

    The minimum of an H0 pair goes down to ``death - life``, the maximum of a
    top-dimensional pair up to ``birth + life``. An extremum pixel has no lower (higher)
    neighbour: moving it outwards changes no sublevel set but by that one pixel, so only
    the birth (death) of its own class moves, unless the elder rule at its saddle swaps
    (another basin within ``life`` of the new value): the pairing that follows checks.
    Returns the boolean array of the pairs that got their full lifetime.
    """
    low, high = (b.ravel() for b in problem.bounds)
    top = dgm.dim != 0
    if top:
        pix, v = dgm.death_index[idx], dgm.births[idx] + life
        v = np.where(v - dgm.births[idx] < life, np.nextafter(v, np.inf), v)
        reach = np.minimum(high[pix], problem.range[1])
        out[pix] = np.maximum(out[pix], np.minimum(v, reach))
    else:
        pix, v = dgm.birth_index[idx], dgm.deaths[idx] - life
        v = np.where(dgm.deaths[idx] - v < life, np.nextafter(v, -np.inf), v)
        reach = np.maximum(low[pix], problem.range[0])
        out[pix] = np.minimum(out[pix], np.maximum(v, reach))
    return (v <= reach) if top else (v >= reach)


def _input_lifetimes(problem, dgm, idx):
    """Lifetime of the input class of the same extremum pixel as each pair ``idx`` of
    ``dgm`` (NaN where the input has none, or where its pair was below the threshold).

    An essential input class (whose extremum now dies, its elder rule swapped by a
    compensation) asks for the threshold: any lifetime from it on keeps it out of the
    short pairs.
    """
    before = problem.input_diagrams[dgm.dim]
    top = dgm.dim != 0
    keep = before.lifetimes >= problem.threshold
    key_b = (before.death_index if top else before.birth_index)[keep]
    life_b = np.where(before.essential, problem.threshold, before.lifetimes)[keep]
    key = (dgm.death_index if top else dgm.birth_index)[idx]
    order = np.argsort(key_b)
    pos = np.searchsorted(key_b[order], key)
    pos = np.minimum(pos, max(len(order) - 1, 0))
    life = np.full(len(key), np.nan)
    if len(order):
        hit = key_b[order][pos] == key
        life[hit] = life_b[order][pos[hit]]
    return life


def _compensate(problem, g, dgm, mask):
    """Give back their input lifetime to the short pairs that were long in the input.

    A kept pair can be shortened by the passes of the other dimension (a removed peak
    that holds its saddle is cut down with it; a channel through its saddle lowers it)
    by at most ``t/2``; its extremum, never moved by the passes that keep it, has that
    room. Returns ``(g, mask of the pairs handled)``.
    """
    idx = np.flatnonzero(mask)
    life = _input_lifetimes(problem, dgm, idx)
    hit = ~np.isnan(life)
    handled = np.zeros(len(mask), dtype=bool)
    if not hit.any():
        return g, handled
    out = g.ravel().copy()
    _push_extrema(problem, out, dgm, idx[hit], life[hit])
    handled[idx[hit]] = True
    return out.reshape(g.shape), handled


def _lengthen(problem, g, dgms, masks):
    """Last resort of the optimal method: give each short pair left a lifetime of exactly
    the threshold by moving its extremum alone outwards within the bound (see
    :func:`_push_extrema`). Returns ``(g, number of pairs that got it)``."""
    out = g.ravel().copy()
    n_done = 0
    for d, mask in masks.items():
        idx = np.flatnonzero(mask)
        if len(idx):
            n_done += int(_push_extrema(problem, out, dgms[d], idx,
                                        np.full(len(idx), problem.threshold)).sum())
    return out.reshape(g.shape), n_done


def _restore_long(problem, g, dgms):
    """Keep the number of pairs of lifetime ``>= 2 t`` of the input (optimal method).

    Within ``t/2`` no such pair can vanish, but nesting can shorten one below ``2 t`` or
    lengthen a shorter one beyond it. A pair of the output whose extremum pixel (the
    minimum of an H0 pair, the maximum of a top-dimensional one) is that of an input pair
    (or, failing that, whose saddle is that of an input pair) on the other side of ``2 t``
    gets its input lifetime back by moving that pixel alone,
    within the bound; the result is paired again and kept only if no pair below ``t`` came
    back. Returns ``(g, pairings done)``.
    """
    t2 = 2.0 * problem.threshold
    low, high = (b.ravel() for b in problem.bounds)
    out = g.ravel().copy()
    moved = False
    for d in problem.dims:
        before, after = problem.input_diagrams[d], dgms[d]
        top = d != 0
        key_b = before.death_index if top else before.birth_index
        key_a = after.death_index if top else after.birth_index
        fin_b, fin_a = ~before.essential, ~after.essential
        other_b = before.birth_index if top else before.death_index
        other_a = after.birth_index if top else after.death_index
        life = dict(zip(key_b[fin_b].tolist(), before.lifetimes[fin_b].tolist()))
        life_other = dict(zip(other_b[fin_b].tolist(), before.lifetimes[fin_b].tolist()))
        for k in np.flatnonzero(fin_a):
            pix = int(key_a[k])
            # the input pair of the same extremum, else of the same saddle (ties can hand
            # a saddle to another extremum of equal value)
            want = life.get(pix, life_other.get(int(other_a[k])))
            if want is None or (want >= t2) == (after.lifetimes[k] >= t2):
                continue
            v = after.births[k] + want if top else after.deaths[k] - want
            life_v = (v - after.births[k]) if top else (after.deaths[k] - v)
            if (life_v >= t2) != (want >= t2):
                v = np.nextafter(v, (np.inf if top else -np.inf) if want >= t2
                                 else (-np.inf if top else np.inf))
            if low[pix] <= v <= high[pix] and problem.range[0] <= v <= problem.range[1]:
                out[pix] = v
                moved = True
    if not moved:
        return g, 0
    out = out.reshape(g.shape)
    check = problem.diagrams(out, problem.dims)
    if any(_removed_mask(check[d], problem.threshold, problem.n_kept[d]).any()
           for d in problem.dims):
        return g, 1
    return out, 1


def _run_flooding(problem, g, removed, fresh=None, n_pairings=0):
    """The flooding fixed point (see :func:`_run`); ``fresh``: diagrams of ``g``."""
    dims = problem.dims
    if fresh is None:
        fresh = problem.diagrams(g, dims)
        n_pairings += 1
    clean = set()
    for step in range(_MAX_ROUNDS * len(dims)):
        d = dims[step % len(dims)]
        dgm = fresh.get(d)
        if dgm is None:
            dgm = problem.diagrams(g, (d,))[d]
            n_pairings += 1
        mask = _removed_mask(dgm, problem.threshold, problem.n_kept[d])
        if mask.any():
            g = _pass(problem, g, dgm, mask, removed)
            clean, fresh = {d}, {}
        else:
            clean.add(d)
        if len(clean) == len(dims):
            return g, removed, n_pairings
    raise RuntimeError(f"simplify_function did not reach a fixed point in {_MAX_ROUNDS} "
                       "rounds; please report this input.")  # pragma: no cover


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


def _half(threshold, integer):
    """The optimal method's bound: ``t/2``, or the largest integer change that removes every
    integer lifetime below ``t`` on integer data (``floor(ceil(t)/2)``)."""
    if integer:
        return float(math.ceil(threshold) // 2)
    return threshold / 2.0


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
    },
    prefer_skip_nested_validation=True,
)
def simplify_function(X, threshold=None, *, n_kept=None, homology_dimensions=None,
                      superlevel=False, connectivity="full", method="flooding",
                      perturb=False, return_removed=False):
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
        features move. ``"optimal"``: meet half way: raise each removed basin by at most
        ``threshold / 2`` and lower a channel over its saddle by at most ``threshold / 2``
        (the smallest possible L-infinity change), choosing the channel of least total
        lowering. Always within ``threshold / 2`` on signals; on images and volumes it can
        fail to remove everything within that bound: the pairs left are then flooded, with
        a ``ConvergenceWarning`` (the change can exceed ``threshold / 2`` there). Several
        times slower than flooding (see the user guide).
    perturb : bool, default=False
        Make the plateaus that flooding creates strictly monotone (a ramp of a few ulps
        towards the pixel they spill over, TTK's numerical perturbation), so that they hold
        no critical pixel at all even for a tie-unaware reader. Floating-point ``X`` only.
    return_removed : bool, default=False
        Also return what was removed.

    Returns
    -------
    Y : ndarray of the shape of ``X``
        The simplified values: float32 stays float32, integer dtypes keep their dtype
        (every value of ``Y`` lies in the range of ``X``), anything else is float64.
    removed : Bunch
        Only with ``return_removed``: ``pairs`` ({dim: Diagram} of the removed points, over
        all rounds), ``changed`` (bool array of the pixels that moved), ``n_rounds``
        (pairings done, the last one finding nothing to remove).

    Notes
    -----
    Guarantees (checked by the pairing itself, which runs until it finds no pair to
    remove):

    - no finite pair of ``homology_dimensions`` with lifetime ``< threshold`` is left
      (plateaus that the flooding creates have zero persistence under the tie policy
      (value, index) and do not count);
    - ``max |Y - X| < threshold`` (flooding); ``<= threshold / 2`` with "optimal" when it
      does not warn (the bound of Bauer, Lange and Wardetzky, which no method can beat;
      always on signals); when it warns, up to ``1.5 * threshold`` in principle (below
      ``threshold`` on the 300 random images and volumes of our tests);
    - a kept pair keeps its birth and death values unless a removed feature of the other
      dimension is nested around one of its critical pixels: filling a basin that encloses a
      peak moves the birth of the peak's loop up to the basin's spill level; cutting a peak
      that encloses a basin moves the basin's death down. In either case the kept pair
      moves by less than ``threshold``. Such a change is forced: a kept saddle inside a
      removed peak must drop with the peak, or the peak's loop survives around it.

    Integer inputs: the flooding method only copies existing values. The optimal method's
    levels are integers: its bound is ``floor(ceil(threshold) / 2)``, which is
    ``<= threshold / 2`` for an integer threshold (an odd ``t`` gives ``(t - 1) / 2``) and
    the smallest integer change that can remove a pair of lifetime ``ceil(threshold) - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.simplification import simplify_function
    >>> x = np.array([0., 5., 4., 6., 1., 9., 3.])
    >>> simplify_function(x, 2.0)          # the basin at 4 spills over at 5
    array([0., 5., 5., 6., 1., 9., 3.])
    >>> simplify_function(x, 2.0, method="optimal")
    array([0., 5., 5., 6., 1., 9., 3.])
    >>> simplify_function(x, n_kept=2)     # the global minimum and the longest-lived (3 -> 9)
    array([0., 5., 5., 6., 6., 9., 3.])
    """
    arr = np.asarray(X)
    f = check_values(arr, "X", ndim=(1, 2, 3))
    if threshold is not None and not np.isfinite(threshold):
        raise ValueError(f"The 'threshold' parameter must be finite, got {threshold!r}.")
    if threshold is None and n_kept is None:
        raise ValueError("Give a 'threshold' or an 'n_kept' (both None remove nothing).")
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
    t = None if threshold is None else float(threshold)
    if integer and t is not None:
        t = float(math.ceil(t))      # integer lifetimes: < t  <=>  < ceil(t)
    base = -f if superlevel else f
    half = None
    if method == "optimal":
        if t is None:
            dgms = cubical_persistence(base, dims, connectivity=connectivity)
            longest = max((float(dgms[d].lifetimes[_removed_mask(dgms[d], None, n_kept[d])]
                                 .max(initial=0.0)) for d in dims), default=0.0)
            half = _half(np.nextafter(longest, np.inf), integer)
        else:
            half = _half(t, integer)
    problem = _Problem(base, dims, connectivity, t, n_kept, method, half, perturb)
    if integer and base.size:
        problem.range = (float(base.min()), float(base.max()))
    g, removed, n_rounds = _run(problem, base.copy())
    if superlevel:
        g = -g
    Y = _cast(g, arr.dtype)
    if not return_removed:
        return Y
    pairs = {d: _concat(removed[d], d, superlevel) for d in dims}
    return Y, Bunch(pairs=pairs, changed=(g != f), n_rounds=n_rounds,
                    n_lengthened=problem.n_lengthened, fallback=problem.fell_back)


def _check_n_kept(n_kept, dims):
    """``n_kept`` as a dict {dim: int or None}."""
    if not isinstance(n_kept, dict):
        return {d: n_kept for d in dims}
    missing = [d for d in dims if d not in n_kept]
    if missing:
        raise ValueError(f"The 'n_kept' parameter has no entry for homology dimension(s) "
                         f"{missing}.")
    for d in dims:
        k = n_kept[d]
        if k is not None and (isinstance(k, bool) or not isinstance(k, (Integral, np.integer))
                              or k < 0):
            raise ValueError(f"The 'n_kept' parameter must hold ints >= 0, got {k!r}.")
    return {d: n_kept[d] for d in dims}


def _cast(g, dtype):
    if np.issubdtype(dtype, np.integer):
        return np.rint(g).astype(dtype)
    if dtype == np.float32:
        return g.astype(np.float32)
    return g
