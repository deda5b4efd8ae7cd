"""The simplification problem and its passes (flooding, carving, channels).

One :class:`_Problem` holds the input (sublevel view, float64), its grid, the options and,
for the optimal method, the bound ``[f - t/2, f + t/2]``. ``pass_h0`` and ``pass_top``
remove pairs of one dimension (the top one by duality, as H0 of ``-g`` with the dual
connectivity, the border being the oldest seed); :func:`_run_flooding` repeats them to
the fixed point of the flooding method. The optimal method's loop is in ``_optimal.py``.
"""

import time

import numpy as np

from ..persistence._cubical import _cubical_diagrams
from ._rounding import _bounds, _level, _strict_bounds

try:
    from . import _channels, _flood, _local
except ImportError as exc:  # pragma: no cover - the compiled kernels were not built
    raise ImportError("sktopo.simplification needs its compiled kernels "
                      "(sktopo/simplification/_flood.pyx, _channels.pyx, _local.pyx); build "
                      "them with `python setup.py build_ext --inplace` or `pip install .`."
                      ) from exc

_MAX_ROUNDS = 64
_RAMP_PASSES = 64

# the bounds of the optimal method's last resort, as fractions of the threshold
_WIDEN = (0.625, 0.75, 0.875, 1.0)


class RampsFailed(Exception):
    """``perturb``: the ramps of ulps did not reach a fixed point (see ``_ramp``)."""


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

    def __init__(self, f, dims, connectivity, threshold, n_kept, method, half, perturb,
                 float32=False):
        self.f, self.dims, self.threshold, self.n_kept = f, dims, threshold, n_kept
        self.method, self.half, self.perturb = method, half, perturb
        self.connectivity = connectivity
        self.shape = _grid(f.ndim, f.shape)
        self.full = connectivity == "full"
        # float32 output: bounds and first levels on the float32 grid (see ``_bounds``)
        self.float32 = float32
        self.bounds = _bounds(f, half, float32) if method == "optimal" else None
        self.first_pass = True
        self.n_lengthened = 0
        self.integer = False
        # pixels lowered by the H0 passes (channels), raised by the top passes (dams)
        self.lowered = np.zeros(f.size, dtype=bool)
        self.raised = np.zeros(f.size, dtype=bool)
        self.fell_back = False
        self.widen_step = 0                 # bounds of the last resort tried so far
        self.rounds_at_bound = 0
        self.input_diagrams = None
        self.input_tables = {}              # lifetimes by pixel (``_restore``)
        self.long_off = 0                   # counts of pairs >= 2t off after the last step
        # the lifetime from which pairs count as long: 2t, the user's t on integers too
        # (set by ``_solve``; the threshold itself is rounded up there)
        self.long_at = None if threshold is None else 2.0 * threshold
        self.messages = []                  # the warnings of the optimal method's run
        self.kept_at_saddle = None          # (saddle pixels, lifetimes) of the kept pairs
        self.stuck = None   # (diagrams, masks) of the pairs left where t/2 was given up
        self.none_within = False    # integers: no output within t/2 exists (``_exact``)
        self.range = (-np.inf, np.inf)      # integer inputs: set to their range
        # float32 output: a lifetime this far on the right side of t or 2t (two float32
        # ulps at the largest value) stays there in the cast (set by ``_solve``)
        self.margin = 0.0
        self.marks, self.mark_base = None, 0  # the flooding passes' basin marks (reused)
        # (mark base, deaths, g before) of the last pass, when it was a fill
        self.filled = None
        self.before = None                  # the values before a small pass
        self.frames = 3     # from the caller of ``_solve`` to the user's line (warnings)
        # ``perturb``: the passes that still ramp their plateaus (see ``_ramp``)
        self.ramps_left = _RAMP_PASSES if perturb else 0
        self.verbose = 0    # progress lines (``say``), set by ``_solve``
        self.clock = time.perf_counter()

    def say(self, text, level=1):
        """A progress line where ``verbose >= level``, with the time since the start."""
        if self.verbose >= level:
            print(f"[simplify_function] {text} ({time.perf_counter() - self.clock:.1f} s)",
                  flush=True)

    def diagrams(self, g, dims):
        # ``g`` is ours (finite float64, built from the validated input): no validation
        return _cubical_diagrams(np.ascontiguousarray(g, dtype=np.float64),
                                 tuple(sorted(dims)), False, self.connectivity)

    def _flood(self, h, seeds, full, border, births=None, levels=None):
        """:func:`_flood.flood` of ``h`` from ``seeds``; where the removed ``births``
        (deaths ``levels``) are given, in the box of their basins only, if small."""
        seeds = np.ascontiguousarray(seeds, dtype=np.int64)
        if births is not None and not self.perturb:
            out = self._local_flood(h, seeds, full, border, births, levels)
            if out is not None:
                return out
        out, depth = _flood.flood(h, self.shape, self.f.ndim, full, seeds, border,
                                  self.perturb)
        return self._ramp(out, depth)

    def _local_flood(self, h, seeds, full, border, births, levels):
        """The flood where it can change anything, or None where that region is large
        (late passes remove a few pairs: the flood of the whole grid dominated them).

        Only a basin holding no seed rises, to where it spills. Its lowest pixel (order
        (value, index)) is a removed birth ``b``, not a seed (its channel was cut, or it
        needed none), and it spills at most at ``b``'s ``levels``: over its channel, or
        (no channel) its saddle, the path goes on to a pixel ordered before ``b``, which
        a basin spilling higher would hold. So every pixel that rises lies in the
        component of some ``b`` among the pixels below its level (``basins_below``). The
        flood runs in
        that region only, from the pixels next to it (they keep their values, and a
        path from a seed into the region crosses one of them) and from the seeds (and,
        with ``border``, the grid's border) inside."""
        free = births[~np.isin(births, seeds)]
        level = np.asarray(levels, dtype=np.float64)[~np.isin(births, seeds)]
        order = np.argsort(-level, kind="stable")
        mask, n_in = _flood.basins_below(h, self.shape, self.f.ndim, full,
                                         np.ascontiguousarray(free[order]),
                                         np.ascontiguousarray(level[order]))
        if 4 * n_in > h.size:
            return None
        out, _ = _flood.flood(h, self.shape, self.f.ndim, full, seeds, border, False, mask)
        return out

    def _meet_half_way(self, h, births, deaths, hb, hd, full, border, reverse, band,
                       keep, seeds):
        """The optimal method on one view (H0 of the sublevel filtration of ``h``, whose
        allowed range is ``band = (lo, hi)``): lower a channel per removed pair, then
        flood from ``seeds`` (the kept births) and from the births whose channel was not
        found (left for a later round, not flooded past the bound)."""
        lo, hi = band
        if self.first_pass:
            # on the input itself: the level max(b, d - t/2), the least raising
            levels = _level(hb, hd, self.half, self.float32)
            # a saddle shared with a kept pair (a monkey saddle) is lowered as little as
            # possible: lowering it shortens the kept pair too
            shared = keep[deaths] == 1
            if shared.any():
                high = np.minimum(hd[shared], hb[shared] + self.half)
                over = high - hb[shared] > self.half
                high[over] = np.nextafter(high[over], -np.inf)
                levels[shared] = np.maximum(levels[shared], high)
                seeds = np.concatenate([seeds, self._spare_shared(
                    h, births, deaths, hb, hd, levels, shared, lo, reverse)])
            deep = (hd - hb > self.half) & (levels < hd)
        else:
            # after other passes moved pixels: the highest level the basin may rise to
            # (the least lowering, the most room for the channel)
            levels = _channels.cap_levels(h, self.shape, self.f.ndim, full,
                                          births.astype(np.int64), np.asarray(hd, float), hi)
            deep = levels < hd
        if deep.any():
            b, d, lv = births[deep], deaths[deep], np.ascontiguousarray(levels[deep])
            grid = (self.shape, self.f.ndim, full)
            # a saddle the other dimension moved (its dam or channel) is gone round first
            # (a detour), else the two passes undo each other; so is a saddle shared with
            # a kept pair that its lowering would bring below t or across 2t
            first = ~((keep[d] == 2) | (self.at_risk[d] == 1))
            out = h.copy()
            todo = np.zeros(len(b), dtype=bool)
            for k, (sel, kw) in enumerate(((first, dict(keep=keep)),
                                           (~first, dict(keep=keep, detour=True)),
                                           (None, dict(keep=keep, detour=True)),
                                           (None, dict(keep=self.at_risk)),
                                           (None, dict()))):
                sel = todo if sel is None else sel
                if not sel.any():
                    continue
                lowered, failed = _channels.tree_channels(h, *grid, b[sel], d[sel], lv[sel],
                                                       border, reverse, lo, **kw)
                out = np.minimum(out, lowered)
                todo = np.zeros(len(b), dtype=bool) if k >= 2 else todo
                todo[np.flatnonzero(sel)[failed.astype(bool)]] = True
            seeds = np.concatenate([seeds, b[todo]])
            h = out
        # where each removed basin spills at most: its channel, else its saddle
        return self._flood(h, seeds, full, border, births, np.where(deep, levels, hd))

    def _spare_shared(self, h, births, deaths, hb, hd, levels, shared, lo, reverse):
        """Removed pairs whose shared saddle, lowered to its level, would bring a kept
        pair of that saddle from ``>= 2 t`` below ``2 t`` on an integer input (whose
        extremum may have no room to give it back at the ends of the range): lengthened
        to exactly ``t`` instead, their extremum moving outwards within the bound (in
        place on ``h``, flags in ``levels`` set to ``hd``: no channel). Returns their
        births (kept: seeds of the flood)."""
        if not self.integer or self.threshold is None or self.kept_at_saddle is None:
            return births[:0]
        t2 = self.long_at
        life = np.full(h.size, -np.inf)
        np.maximum.at(life, *self.kept_at_saddle)
        kept = life[deaths]
        v = hd - self.threshold
        floor = np.maximum(lo[births], -self.range[1] if reverse else self.range[0])
        spare = (shared & (kept >= t2) & (kept - (hd - levels) < t2) & (v >= floor)
                 & (v < hb))
        if not spare.any():
            return births[:0]
        h[births[spare]] = v[spare]
        levels[spare] = hd[spare]
        self.n_lengthened += int(spare.sum())
        return births[spare]

    def _avoid(self, h, saddles, moved, lifetimes):
        """Pixels a channel should not lower: the saddles of the kept pairs (1) and, after
        the first pass, the pixels whose move by the other dimension's passes this would
        undo (2: its dams or channels; the two passes would undo each other).

        Also sets ``self.at_risk``: the saddles of the kept pairs that a lowering by up to
        ``t/2`` (which shortens them by as much) would bring below ``t`` or across ``2 t``
        (lifetimes in ``[t, 1.5 t)`` or ``[2 t, 2.5 t)``); the last but one attempt at a
        channel still goes round them."""
        out = np.zeros(h.size, dtype=np.uint8)
        if not self.first_pass:
            out[moved] = 2
        out[saddles] = 1
        self.at_risk = np.zeros(h.size, dtype=np.uint8)
        if self.threshold is not None:
            rel = lifetimes / self.threshold
            self.at_risk[saddles[(rel < 1.5) | ((rel >= 2.0) & (rel < 2.5))]] = 1
        return out

    def _fill(self, h, births, deaths, levels, full, reverse, own=False):
        """Flooding: fill the basins of the removed pairs (H0 of the sublevel filtration
        of ``h``; ``levels``: ``h`` at their deaths), the outermost first; in place when
        ``h`` is ``own`` (not perturbed)."""
        order = _by_decreasing_death(levels, deaths, reverse)
        # a small pass may spare the other dimension's pairing (``keeps_other``): it
        # needs the values before the pass, in g's sign
        before = None
        if not self.perturb and len(births) <= _local._MAX_FRACTION * h.size:
            # one buffer for all passes (a fresh array per pass costs its page faults)
            if self.before is None or self.before.shape != h.shape:
                self.before = np.empty(h.shape)
            if reverse:
                np.negative(h, out=self.before)
            else:
                np.copyto(self.before, h)
            before = self.before
        if self.marks is None or self.mark_base + 2 * len(births) >= 2 ** 31:
            # zero pages: only the pixels of the basins are touched
            self.marks, self.mark_base = np.zeros(max(h.size, 1), dtype=np.int32), 0
        births = births[order].astype(np.int64, copy=False)
        deaths = deaths[order].astype(np.int64, copy=False)
        out, depth = _flood.flood_pairs(h, self.shape, self.f.ndim, full, births, deaths,
                                        reverse, self.perturb, self.marks, self.mark_base,
                                        h if own and not self.perturb else None)
        self.filled = (self.mark_base, deaths, before)
        self.mark_base += 2 * len(births)
        return self._ramp(out, depth)

    def _ramp(self, out, depth):
        """``perturb``: a ramp of ulps down to the spill pixel (no plateau minimum).

        Where a plateau meets pixels of exactly its own level (ties), no float lies
        between them and the ramp's far end becomes an extremum one ulp deep; the other
        dimension's pass removes it with a ramp of its own, which can make another, and
        so on: after ``_RAMP_PASSES`` ramped passes :class:`RampsFailed` is raised (the
        caller solves the problem again without ramps)."""
        if self.perturb:
            if self.ramps_left == 0:
                raise RampsFailed
            self.ramps_left -= 1
            raised = depth > 0
            out[raised] += depth[raised] * np.spacing(np.abs(out[raised]))
        return out

    def pass_h0(self, g, dgm, remove, own=False):
        h = g.ravel()
        if self.method == "flooding":   # ``own``: g is ours to fill in place
            out = self._fill(h, dgm.birth_index[remove], dgm.death_index[remove],
                             dgm.deaths[remove], self.full, False, own)
            return out.reshape(g.shape)
        fin = ~remove & ~dgm.essential
        self.kept_at_saddle = (dgm.death_index[fin], dgm.lifetimes[fin])
        out = self._meet_half_way(h.copy(), dgm.birth_index[remove], dgm.death_index[remove],
                                  dgm.births[remove], dgm.deaths[remove], self.full, False,
                                  False, tuple(b.ravel() for b in self.bounds),
                                  self._avoid(h, dgm.death_index[fin], self.raised,
                                              dgm.lifetimes[fin]),
                                  dgm.birth_index[~remove])
        self.lowered |= out < h
        return out.reshape(g.shape)

    def pass_top(self, g, dgm, remove, own=False):
        # by duality: H0 of -g with the dual connectivity, the border being the oldest seed
        if self.method == "flooding":   # filled in place: g's own buffer when ``own``
            h = g.ravel()
            h = np.negative(h, out=h) if own else -h
            out = self._fill(h, dgm.death_index[remove], dgm.birth_index[remove],
                             -dgm.births[remove], not self.full, True, own=True)
            return np.negative(out, out=out).reshape(g.shape)
        h = -g.ravel()
        low, high = (b.ravel() for b in self.bounds)
        fin = ~remove & ~dgm.essential
        self.kept_at_saddle = (dgm.birth_index[fin], dgm.lifetimes[fin])
        out = self._meet_half_way(h.copy(), dgm.death_index[remove], dgm.birth_index[remove],
                                  -dgm.deaths[remove], -dgm.births[remove], not self.full,
                                  True, True, (-high, -low),
                                  self._avoid(h, dgm.birth_index[fin], self.lowered,
                                              dgm.lifetimes[fin]),
                                  dgm.death_index[~remove])
        self.raised |= out < h
        return -out.reshape(g.shape)

    def keeps_other(self, g, dim, other):
        """Whether the fill of ``dim`` just made left the points of ``other`` (the diagram
        of the other dimension before it) as they were: the local conditions of
        :mod:`~sktopo.simplification._local` around each basin, no critical pixel of
        ``other`` in a basin and none of its pairs born at a filled level. Only for a
        small fill (else False, cheaply: a large one fails it anyway)."""
        if self.filled is None or self.filled[2] is None:
            return False
        base, deaths, before = self.filled
        top = dim != 0
        if not _local.keeps_other(g.ravel(), before, self.shape, self.f.ndim,
                                  self.full if top else not self.full, not top, self.marks,
                                  base, deaths, -1.0 if top else 1.0):
            return False
        crit = np.concatenate([other.birth_index, other.death_index[~other.essential]])
        if (self.marks[crit] > base).any():
            return False
        born = other.births if other.dim == 0 else other.deaths[~other.essential]
        levels = np.sort(g.ravel()[deaths])
        at = np.minimum(np.searchsorted(levels, born), len(levels) - 1)
        return not (levels[at] == born).any()

    def no_long_pairs(self, g):
        """Whether no pair of the input ``g`` nor of the flooding method's output can
        reach ``long_at``: it exceeds the range of the values (no lifetime does), and the
        fills and cuts only copy values of the image. Not with ramps (``perturb``), which
        add ulps, nor for the optimal method."""
        if self.long_at is None or self.perturb or self.method != "flooding" or not g.size:
            return False
        return bool(self.long_at > float(g.max()) - float(g.min()) + self.margin)

    def input_long(self, d):
        """The input's number of finite pairs of dimension ``d`` with lifetime
        ``>= long_at`` (0 where its diagram was not paired: ``no_long_pairs``)."""
        dgm = self.input_diagrams[d]
        if dgm is None:
            return 0
        return int(np.count_nonzero(dgm.lifetimes[~dgm.essential] >= self.long_at))

    def clamp(self, g):
        if self.method == "optimal" and self.bounds is not None:
            np.clip(g, *self.bounds, out=g)
        return g

    def can_lengthen(self):
        """Lengthening keeps the feature: only for a threshold, not a Betti target."""
        return (self.threshold is not None
                and all(k is None for k in self.n_kept.values()))

    @property
    def widened(self):
        return self.widen_step > 0

    def widen(self):
        """The next bound of the last resort, ``_WIDEN`` times the threshold, the last
        one just below it (on integers ``threshold - 1``). False when none is left."""
        if self.widen_step == len(_WIDEN):
            return False
        factor = _WIDEN[self.widen_step]
        self.widen_step += 1
        self.rounds_at_bound = 0
        if self.integer:
            self.bounds = _bounds(self.f, min(np.floor(factor * self.threshold),
                                              self.threshold - 1.0))
        elif factor < 1:
            self.bounds = _bounds(self.f, factor * self.threshold, self.float32)
        else:
            self.bounds = _strict_bounds(self.f, self.threshold, False, self.float32)
        return True

    def fallback(self):
        """Switch to flooding (no bound, no channel): removal comes first."""
        self.method, self.bounds = "flooding", None
        self.fell_back = True


def _by_decreasing_death(values, deaths, reverse):
    """The pairs of death pixels ``deaths`` and values ``values`` by decreasing death in
    the order (value, index) (``reverse``: (value, -index); pairs of one death pixel in
    any order)."""
    return _flood.increasing_order(np.ascontiguousarray(values, dtype=np.float64),
                                   np.ascontiguousarray(deaths, dtype=np.int32),
                                   reverse)[::-1]


def _pass(problem, g, dgm, mask, removed, own=False):
    """One pass of ``dgm``'s dimension; ``own``: nobody else holds ``g`` (the flooding
    method may fill it in place)."""
    removed[dgm.dim].append(dgm.select(mask))
    problem.filled = None
    fill = problem.pass_h0 if dgm.dim == 0 else problem.pass_top
    return problem.clamp(fill(g, dgm, mask, own))


def _run_flooding(problem, g, removed, fresh=None, n_pairings=0, own=False):
    """The flooding fixed point (see :func:`_run`); ``fresh``: diagrams of ``g``;
    ``own``: nobody else holds ``g`` (else it is copied by the first pass, and only
    the passes' own outputs are filled in place).

    A pass of one dimension leaves no short pair of that dimension (every basin left
    holds a kept extremum) and keeps its kept pairs as they were (their pixels are not
    in the filled basins): its diagram after the pass is the kept part of the one before,
    so only the other dimensions are paired again (after a ramped pass, ``perturb``,
    every dimension is), unless :meth:`_Problem.keeps_other` proves that a small pass
    left the other one, clean before it, as it was. Returns ``(g, final diagrams,
    pairings done)``.
    """
    dims = problem.dims
    if fresh is None:
        # the input's diagrams; past the first dimension, where no pair can be long (see
        # ``no_long_pairs``), only its first pass reads them: the others are paired after
        first = dims[:1] if problem.no_long_pairs(g) else dims
        fresh = problem.diagrams(g, first)
        n_pairings += 1
        problem.input_diagrams = {d: fresh.get(d) for d in dims}
    clean, final = set(), {}
    for step in range(_MAX_ROUNDS * len(dims)):
        d = dims[step % len(dims)]
        dgm = fresh.get(d)
        if dgm is None:
            dgm = problem.diagrams(g, (d,))[d]
            n_pairings += 1
        mask = _removed_mask(dgm, problem.threshold, problem.n_kept[d])
        if mask.any():
            g = _pass(problem, g, dgm, mask, removed, own)
            own = True
            other = [e for e in final if e != d]
            if problem.perturb:     # a ramp can leave pairs one ulp long, of any dimension
                clean, fresh, final = set(), {}, {}
            elif len(other) == 1 and problem.keeps_other(g, d, final[other[0]]):
                # the other dimension was clean and the fill provably left it so: done
                clean, fresh, final = set(dims), {}, {d: dgm.select(~mask),
                                                       other[0]: final[other[0]]}
            else:
                clean, fresh, final = {d}, {}, {d: dgm.select(~mask)}
        else:
            clean.add(d)
            final[d] = dgm
        if len(clean) == len(dims):
            return g, final, n_pairings
    if problem.perturb:
        raise RampsFailed
    raise RuntimeError(f"simplify_function did not reach a fixed point in {_MAX_ROUNDS} "
                       "rounds; please report this input.")  # pragma: no cover
