"""The optimal method's exact last try on integers: a mixed-integer program over the
pixels that prove the pairs left.

Where the local search of ``_repair.py`` leaves a pair below the threshold, an integer
output within ``t/2`` may still exist (the user guide measures it): one where many pixels
move together, which a walk of single moves does not find. This try searches every
integer output within the bounds, by counterexamples: the pairing of a candidate gives
its pairs below the threshold; each is forbidden by a clause on the pixels whose values
prove it; a mixed-integer program (scipy's HiGHS) gives the candidate nearest the start
(in L1) that satisfies every clause so far; until a candidate has no pair left, or the
program none (a proof that no such output exists where every clause is of the first
kind below), or the budget runs out.

The clause of a pair of birth level ``c`` below ``t`` (in the view where its extremum
is a minimum: ``g``, or ``-g`` with the dual connectivity in the top dimension):

* its plateau ``P``, the pixels at ``c`` connected to its birth pixel, stays at ``c``;
* the ring around ``P`` stays at ``c + 1`` or above (``P`` is a strict minimum);
* a path from ``P`` through pixels at most ``c + ceil(t) - 1`` leads to an older pixel
  (lower, or equal and first in the pairing's tie order), or in the top dimension to the
  border, which is older than every pixel.

Wherever these hold, ``P`` gives birth to a class that dies within ``ceil(t) - 1`` of
``c``: a pair below ``t`` (integer lifetimes), so the clause forbids nothing that keeps
every promise. A pair ``>= 2 t`` that the input has not (a count off) is forbidden by
the exact order of the pixels that make it: its component below the saddle and a path
past the saddle to an older pixel (not a proof: an output with that pair may have lost
one of the input's).

Each literal is ``g[y] >= v`` or its negation, one 0/1 variable per pixel and value
within the bounds (an order encoding: ``x[y, v] <= x[y, v - 1]``), variables only for the
pixels in some clause; the others keep the start's values.
"""

import contextlib
import itertools
import os
import sys
import threading

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from ._problem import _removed_mask

# the budget: rounds (a pairing and a program each), and the sum over the rounds of the
# program's variables (its cost grows with them); then the branch-and-bound nodes and the
# relative gap to the optimum of each program. Measured on 8-bit images at t in (3, 4)
# where every other run gives t/2 up: outputs found in 4 to 75 rounds (0.02 to 3 s), no
# output proved in 8 to 67 rounds (0.1 to 7 s); the budget spent in 5 to 20 s on
# some (a 512^2 photo's programs have 1,000+ variables, 0.5 s each). A program that
# only seeks a feasible point is 50x faster, but its outputs wander from the start and
# lose pairs >= 2 t, where the search stops; one with a gap of 1 stops early likewise.
# Candidates nearest the last one (back to the start where that stops) are faster too
# but kept t/2 on 7 of 2,400 small images where these keep it on 9.
_ROUNDS = 80
_WORK = 15_000
_MAX_VARIABLES = 4000           # in one program (measured: 13,690 took 20 s)
_NODES = 1000
_GAP = 0.05
# the largest clause written (a pair on a plateau of thousands of pixels makes a clause of
# thousands of conditions, and each program after it a large one)
_MAX_LITERALS = 256


class _NoClause(Exception):
    """A pair whose clause could not be written (the program cannot forbid it)."""


def exact_repair(problem, g, half):
    """The sublevel view ``g`` of an integer run's output, moved within ``half`` of the
    input and the dtype's range, with every pair below the threshold taken away and the
    input's counts of pairs ``>= 2 t``: ``(output, its pairs that were below the
    threshold in g, pairings done, proved)``; ``output`` is None where the program finds
    none within its budget, or where ``proved``, none exists."""
    ndim = problem.f.ndim
    if not (problem.can_lengthen() and set(problem.dims) <= {0, ndim - 1}):
        return None, None, 0, False
    low = np.maximum(problem.f - half, problem.range[0]).ravel().astype(np.int64)
    high = np.minimum(problem.f + half, problem.range[1]).ravel().astype(np.int64)
    clauses = _Clauses(problem, low, high)
    start = np.clip(np.rint(np.asarray(g, dtype=np.float64).ravel()), low, high)
    h = start = start.astype(np.int64)
    left, work = None, 0
    counts = {d: problem.input_long(d) for d in problem.dims}
    for n_rounds in range(1, _ROUNDS + 1):
        out = h.reshape(problem.f.shape).astype(np.float64)
        dgms = problem.diagrams(out, problem.dims)
        if left is None:
            left = {d: dgms[d].select(_removed_mask(dgms[d], problem.threshold, None))
                    for d in problem.dims}
        try:
            found = clauses.forbid(h, dgms, counts)
        except _NoClause as exc:
            problem.say(f"optimal: exact search stopped: {exc}", 2)
            return None, None, n_rounds, False
        if not found:
            return out, left, n_rounds, False
        work += len(clauses.keys)
        if work > _WORK or len(clauses.keys) > _MAX_VARIABLES:
            problem.say("optimal: exact search stopped at its budget", 2)
            return None, None, n_rounds, False
        h, infeasible = clauses.nearest(start)
        problem.say(f"optimal: exact search, round {n_rounds}: {len(clauses.rows)} "
                    f"clause(s) on {len(clauses.keys)} variable(s)"
                    + (", no solution" if h is None else ""), 2)
        if h is None:
            return None, None, n_rounds, infeasible and clauses.sound
    return None, None, _ROUNDS, False


class _Clauses:
    """The clauses so far, on the pixels of the grid, and the program over them."""

    def __init__(self, problem, low, high):
        self.problem, self.low, self.high = problem, low, high
        shape = problem.f.shape
        self.shape = shape
        self.strides = np.cumprod((1,) + shape[::-1])[:-1][::-1]
        steps = [s for s in itertools.product((-1, 0, 1), repeat=len(shape)) if any(s)]
        self.steps = {True: steps, False: [s for s in steps if sum(map(abs, s)) == 1]}
        self.span = int(np.ceil(problem.threshold)) - 1    # a pair's lifetime at most
        self.columns = {}        # (pixel, value) -> column of the variable g[pixel] >= value
        self.keys = []
        self.rows = []           # clauses: [(column, +1 for x, -1 for 1 - x)]
        self.sound = True        # whether every clause forbids only outputs that fail
        self.input_long = {}     # the input's pairs >= 2 t, by (birth, death) pixels
        for d, dgm in problem.input_diagrams.items():
            long = np.zeros(0, dtype=bool) if dgm is None else (
                ~dgm.essential & (dgm.lifetimes >= problem.long_at))
            self.input_long[d] = set() if dgm is None else set(zip(
                dgm.birth_index[long].tolist(), dgm.death_index[long].tolist()))

    # -- the grid -----------------------------------------------------------------
    def neighbours(self, x, full):
        coords = np.unravel_index(x, self.shape)
        out = []
        for step in self.steps[full]:
            if all(0 <= c + s < n for c, s, n in zip(coords, step, self.shape)):
                out.append(x + int(np.dot(step, self.strides)))
        return out

    def on_border(self, x):
        return any(c in (0, n - 1) for c, n in zip(np.unravel_index(x, self.shape),
                                                   self.shape))

    # -- the clauses --------------------------------------------------------------
    def forbid(self, h, dgms, counts):
        """Add a clause for each pair of ``h`` below the threshold and each pair ``>= 2
        t`` past the input's count; whether there was any."""
        p = self.problem
        found = False
        for d in p.dims:
            dgm = dgms[d]
            finite = ~dgm.essential
            pairs = _removed_mask(dgm, p.threshold, None)
            long = finite & (dgm.lifetimes >= p.long_at)
            extra = int(long.sum()) - counts[d]
            if extra < 0:            # no clause says how to keep a long pair
                raise _NoClause(f"a pair >= 2 t lost in H{d}")
            if extra:
                new = [k for k in np.flatnonzero(long) if (int(dgm.birth_index[k]), int(
                    dgm.death_index[k])) not in self.input_long[d]]
                pairs[new] = True
            for birth, death in zip(dgm.birth_index[pairs].tolist(),
                                    dgm.death_index[pairs].tolist()):
                extremum, saddle = (birth, death) if d == 0 else (death, birth)
                view = _View(self, h, d)
                conds = None
                if abs(h[death] - h[birth]) < p.threshold:
                    conds = view.plateau(extremum)
                if conds is None:
                    # the exact order of this output's pair: not sound (an output may
                    # have it and have lost an input pair >= 2 t)
                    conds = view.exact(extremum, saddle)
                    self.sound = False
                if conds is None:
                    raise _NoClause(f"no clause for the pair ({birth}, {death}) in H{d}")
                self.add(conds)
                found = True
        return found

    def add(self, conds):
        """The clause "not all of ``conds``", each ``(pixel, value, True)`` for ``g[pixel]
        >= value`` or ``(pixel, value, False)`` for ``g[pixel] < value``."""
        free = []
        for y, v, at_least in conds:
            if v <= self.low[y] or v > self.high[y]:     # a condition fixed by the bounds
                if (v <= self.low[y]) == at_least:
                    continue                             # always holds
                return                                   # never holds: nothing to forbid
            free.append((y, v, at_least))
        if not free:
            raise _NoClause("a pair that every output within the bounds has")
        if len(free) > _MAX_LITERALS:                    # (before its variables are made)
            raise _NoClause(f"a pair proved by {len(free)} conditions")
        self.rows.append([(self.column(y, v), -1 if at_least else 1)
                          for y, v, at_least in free])

    def column(self, y, v):
        if (y, v) not in self.columns:
            for value in range(int(self.low[y]) + 1, int(self.high[y]) + 1):
                self.columns[(y, value)] = len(self.keys)
                self.keys.append((y, value))
                if value > self.low[y] + 1:                 # g >= value implies g >= value-1
                    self.rows.append([(self.columns[(y, value - 1)], 1),
                                      (self.columns[(y, value)], -1)])
        return self.columns[(y, v)]

    # -- the program --------------------------------------------------------------
    def nearest(self, start):
        """The output nearest ``start`` in L1 that satisfies every clause (None where the
        program has none or stops at its node budget without one), and whether the
        program has none."""
        n = len(self.keys)
        pixels = np.array([y for y, _ in self.keys])
        values = np.array([v for _, v in self.keys])
        cost = np.where(values > start[pixels], 1.0, -1.0)
        data, rows, cols, lower = [], [], [], []
        for k, literals in enumerate(self.rows):
            for col, sign in literals:
                rows.append(k)
                cols.append(col)
                data.append(sign)
            lower.append(1 - sum(sign < 0 for _, sign in literals))
        A = csr_matrix((data, (rows, cols)), shape=(len(self.rows), n))
        with _quiet_stdout():
            res = milp(cost, constraints=LinearConstraint(A, lower, np.inf),
                       integrality=np.ones(n), bounds=Bounds(0, 1),
                       options={"node_limit": _NODES, "mip_rel_gap": _GAP})
        if res.x is None:
            return None, res.status == 2         # 2: infeasible (1: a limit reached)
        h = start.copy()
        chosen = np.rint(res.x) > 0
        h[pixels] = self.low[pixels]
        np.maximum.at(h, pixels[chosen], values[chosen])
        return h, False


# one redirection at a time: two threads each saving and restoring descriptor 1 could
# leave it on the null device
_STDOUT_LOCK = threading.Lock()


@contextlib.contextmanager
def _quiet_stdout():
    """Standard output sent to the null device at its descriptor: HiGHS (up to 1.12 at
    least) prints a debug line there on some programs even when silent (HiGHS.jl issue
    312). Other threads' output is lost meanwhile (a program: milliseconds to a
    second)."""
    with _STDOUT_LOCK:
        try:
            sys.stdout.flush()
            saved = os.dup(1)
        except (AttributeError, OSError, ValueError):   # no descriptor 1: nothing to do
            yield
            return
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            try:
                yield
            finally:
                os.dup2(saved, 1)
                os.close(saved)


class _View:
    """A dimension's view of ``h``: its values (``-h`` in the top dimension), its
    connectivity, its tie order, and the conditions that prove one of its pairs."""

    def __init__(self, clauses, h, dim):
        self.c, self.h = clauses, h
        self.top = dim != 0
        full = clauses.problem.full
        self.full = (not full) if self.top else full

    def value(self, y):
        return -int(self.h[y]) if self.top else int(self.h[y])

    def before(self, y, z):
        """Whether ``y`` comes first of two pixels at one level (the pairing's ties)."""
        return y > z if self.top else y < z

    def at_least(self, y, c):
        """The condition "value of ``y`` >= ``c``" on ``g``."""
        return (y, -c + 1, False) if self.top else (y, c, True)

    def below(self, y, c):
        return (y, -c + 1, True) if self.top else (y, c, False)

    def older(self, y, z, c):
        """The condition that ``y`` precedes ``z``, at level ``c``, in the filtration."""
        return self.below(y, c + 1) if self.before(y, z) else self.below(y, c)

    def not_older(self, y, z, c):
        return self.at_least(y, c + 1) if self.before(y, z) else self.at_least(y, c)

    def plateau(self, b):
        """The conditions of a pair born at ``b`` below ``t``: its plateau, the ring
        around it, a short path to an older pixel (or the border); None where they do
        not hold (the pair is not such a minimum)."""
        c = self.value(b)
        plateau, stack = {b}, [b]
        while stack:
            for y in self.c.neighbours(stack.pop(), self.full):
                if y not in plateau and self.value(y) == c:
                    plateau.add(y)
                    stack.append(y)
        if self.top and any(self.c.on_border(y) for y in plateau):
            return None
        ring = {y for x in plateau for y in self.c.neighbours(x, self.full)} - plateau
        if any(self.value(y) < c for y in ring):
            return None
        parent = dict.fromkeys(plateau)
        queue, end = list(plateau), None
        for x in queue:                      # breadth first: the list grows as it goes
            if x not in plateau and (self.value(x) < c or (
                    self.value(x) == c and self.before(x, b))
                    or (self.top and self.c.on_border(x))):
                end = x
                break
            for y in self.c.neighbours(x, self.full):
                if y not in parent and self.value(y) <= c + self.c.span:
                    parent[y] = x
                    queue.append(y)
        if end is None:
            return None
        conds = [cond for y in plateau for cond in (self.at_least(y, c),
                                                    self.below(y, c + 1))]
        conds += [self.at_least(y, c + 1) for y in ring]
        x = end
        while x not in plateau:
            conds.append(self.below(x, c + self.c.span + 1))
            x = parent[x]
        if not (self.top and self.c.on_border(end)):
            conds.append(self.older(end, b, c))
        return conds

    def exact(self, b, s):
        """The conditions of the pair (extremum ``b``, saddle ``s``) in the pairing's
        exact order: ``b``'s component below ``s`` and a path past ``s`` to a pixel older
        than ``b`` (or the border); None where none is found."""
        key = (lambda y: (self.value(y), -y)) if self.top else (lambda y: (self.value(y), y))
        below_s, vs, vb = key(s), self.value(s), self.value(b)
        comp, stack = {b}, [b]
        while stack:
            for y in self.c.neighbours(stack.pop(), self.full):
                if y not in comp and key(y) < below_s:
                    comp.add(y)
                    stack.append(y)
        ring = {y for x in comp for y in self.c.neighbours(x, self.full)} - comp
        end, parent = None, {}
        if self.top and self.c.on_border(s):
            end = "border"
        else:
            queue = [y for y in self.c.neighbours(s, self.full)
                     if y not in comp and key(y) < below_s]
            parent = dict.fromkeys(queue)
            for x in queue:
                if key(x) < key(b) or (self.top and self.c.on_border(x)):
                    end = x
                    break
                for y in self.c.neighbours(x, self.full):
                    if (y not in comp and y not in parent and y != s
                            and key(y) < below_s):
                        parent[y] = x
                        queue.append(y)
        if end is None:
            return None
        conds = [self.at_least(s, vs), self.below(s, vs + 1),
                 self.at_least(b, vb), self.below(b, vb + 1)]
        for y in comp - {b}:
            conds += [self.older(y, s, vs), self.not_older(y, b, vb)]
        conds += [self.not_older(y, s, vs) for y in ring - {s}]
        x = None if end == "border" else end
        while x is not None:
            conds.append(self.older(x, s, vs))
            x = parent[x]
        if end != "border" and not (self.top and self.c.on_border(end)):
            conds.append(self.older(end, b, vb))
        return conds
