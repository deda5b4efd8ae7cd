"""The optimal method's last try within ``t/2`` on integers: a local search.

Where the rounds of ``_optimal`` are left with a few pairs below the threshold that
neither channels nor lengthening remove within the bound, an integer output within it
often exists all the same: the pair goes once the pixels around it take other values
(a neighbouring channel lowered too, a dam moved by one), which the passes, each moving
the pixels of one pair, never try together. A search over those pixels finds it.

For each pair left, the pixels of a window around its birth and death pixels take other
integer values within their bounds, one random pixel at a time, a move kept where it
leaves no more pairs below the threshold in the pairing of a crop around the window (a
few hundred pixels: tens of microseconds): a descent that walks freely across moves of
equal score and never takes one that raises it. A pairing of a crop is not that of the
whole grid (a class can leave the crop), so a change is kept only where one pairing of
the whole grid finds fewer pairs below the threshold and the counts of pairs ``>= 2 t``
no further off than before. The random moves come from a fixed seed: the same input
gives the same output.
"""

import numpy as np

from ._problem import _removed_mask

# pairs left up to which the search runs (measured on 8-bit photo crops at t = 3.5: the
# first run leaves 2 to 4 where it gives t/2 up, the runs after it hundreds)
_MAX_LEFT = 16
# moves per try on a window; tries that may fail, per pair left (and 4 more)
_STEPS = 2000
_TRIES = 3
# the window: the box of the pair's two pixels and this many pixels around it; the crop
# paired to score it: the window and this many more pixels around it (measured on 125
# photo crops at t = 3.5 whose first run called the search: a margin of 4 scored classes
# that the crop's border cut as pairs near the window)
_WINDOW = 2
_MARGIN = 8
# pixels the window grows by at most, one per try that failed on its pair
_GROW = 3
# global pairings per try at most (a crop's score can drop without the grid's), and per
# pair left in all (their cost grows with the grid, the crops' does not)
_CHECKS = 6
_CHECKS_PER_PAIR = 4


def repair(problem, g, n_left):
    """``g`` (the sublevel view, within ``problem.bounds``) with its pairs below the
    threshold taken away by a local search within the same bounds and the dtype's range,
    no count of pairs ``>= 2 t`` further off the input's than before (the rounds' last
    step, ``restore_long``, sets them right): ``(g, pairings of the whole grid done)``
    (the crops' not counted), ``g`` None where the search leaves a pair."""
    if not problem.integer or n_left > _MAX_LEFT or not problem.can_lengthen():
        return None, 0
    low = np.maximum(problem.bounds[0], problem.range[0])
    high = np.minimum(problem.bounds[1], problem.range[1])
    search = _Search(problem, low, high)
    g = np.array(g, dtype=np.float64)
    left, off = search.score(g)
    n_pairings = 1
    rng = np.random.default_rng(0)
    failed = {}                 # tries that failed, per pair: its window grows with them
    budget = _TRIES * len(left) + 4
    checks = _CHECKS_PER_PAIR * len(left) + 8       # pairings of the whole grid at most
    while left and budget and checks:
        pair = left[rng.integers(len(left))]
        grow = min(failed.get(pair, 0), _GROW)
        g, new_left, off, n = search.descend(g, *pair, left, off, rng, _WINDOW + grow,
                                            min(_CHECKS, checks))
        n_pairings += n
        checks -= n
        if len(new_left) == len(left):
            failed[pair] = failed.get(pair, 0) + 1
            budget -= 1
        left = new_left
    return (None if left else g), n_pairings


class _Search:
    """The pairing scores and the descent of :func:`repair`."""

    def __init__(self, problem, low, high):
        self.problem, self.low, self.high = problem, low, high
        before = problem.input_diagrams
        self.counts = [int(np.count_nonzero(
            before[d].lifetimes[~before[d].essential] >= problem.long_at))
            for d in problem.dims]

    def pairs_left(self, x):
        """The pairs of ``x`` below the threshold, as (birth pixel, death pixel), and
        the diagrams."""
        p = self.problem
        dgms = p.diagrams(np.ascontiguousarray(x), p.dims)
        out = []
        for d in p.dims:
            mask = _removed_mask(dgms[d], p.threshold, None)
            out += list(zip(dgms[d].birth_index[mask].tolist(),
                            dgms[d].death_index[mask].tolist()))
        return out, dgms

    def score(self, g):
        """The pairs of ``g`` below the threshold and how far its counts are off."""
        left, dgms = self.pairs_left(g)
        off = sum(abs(int(np.count_nonzero(
            dgms[d].lifetimes[~dgms[d].essential] >= self.problem.long_at)) - n)
            for d, n in zip(self.problem.dims, self.counts))
        return left, off

    def descend(self, g, birth, death, left, off, rng, around, max_checks):
        """One try on the window of the pair ``(birth, death)`` (its box and ``around``
        pixels more), with ``max_checks`` pairings of the whole grid at most: ``(g, left,
        off, those pairings)``, ``g`` changed where such a pairing found fewer pairs left
        and the counts no further off."""
        shape = g.shape
        ends = np.array(np.unravel_index([birth, death], shape))
        window = tuple(slice(max(int(a.min()) - around, 0), min(int(a.max()) + around + 1, s))
                       for a, s in zip(ends, shape))
        box = tuple(slice(max(w.start - _MARGIN, 0), min(w.stop + _MARGIN, s))
                    for w, s in zip(window, shape))
        crop = g[box].copy()
        # the window's pixels, flat in the grid and in the crop
        grid = np.arange(g.size).reshape(shape)[window].ravel()
        local = np.arange(crop.size).reshape(crop.shape)[
            tuple(slice(w.start - b.start, w.stop - b.start) for w, b in zip(window, box))
        ].ravel()
        low = self.low.ravel()[grid].astype(np.int64)
        high = self.high.ravel()[grid].astype(np.int64)
        # the score: the crop's pairs left with a pixel in the window or next to it (a
        # class that leaves the crop makes pairs at its border, not there)
        near = np.zeros(crop.shape, dtype=bool)
        near[tuple(slice(max(w.start - b.start - 1, 0), w.stop - b.start + 1)
                   for w, b in zip(window, box))] = True
        near = near.ravel()

        def score(x):
            return sum(near[i] or near[j] for i, j in self.pairs_left(x)[0])

        flat = crop.ravel()                                  # a view: crop changes
        energy = best = score(crop)
        checks = 0
        for _ in range(_STEPS):
            k = rng.integers(len(grid))
            value = float(rng.integers(low[k], high[k] + 1))
            old = flat[local[k]]
            if value == old:
                continue
            flat[local[k]] = value
            trial = score(crop)
            if trial > energy:
                flat[local[k]] = old
                continue
            energy = trial
            if energy < best:
                best = energy
                out = g.copy()
                out[box] = crop
                new_left, new_off = self.score(out)
                checks += 1
                if len(new_left) < len(left) and new_off <= off:
                    return out, new_left, new_off, checks
                if checks == max_checks:
                    break
        return g, left, off, checks
