"""The optimal method's exact last try on integers: a satisfiability search over the
pixels that prove the pairs left.

Where the local search of ``_repair.py`` leaves a pair below the threshold, an integer
output within ``t/2`` may still exist (the user guide measures it): one where many pixels
move together, which a walk of single moves does not find. This try searches every
integer output within the bounds, by counterexamples: the pairing of a candidate gives
its pairs below the threshold; each is forbidden by a clause on the pixels whose values
prove it; a SAT solver (CaDiCaL, then Glucose, through PySAT) gives a candidate that
satisfies every clause so far, each pixel's value preferring the start's (the solver's
phases); until a candidate has no pair left, or the solver none (a proof that no such
output exists where the guesses below are not among its reasons), or the budget runs
out. The solver is incremental: what it learns from one round's clauses serves the next.

The clause of a pair of birth pixel ``b`` at level ``c``, below ``t`` (in the view where
its extremum is a minimum: ``g``, or ``-g`` with the dual connectivity in the top
dimension), with ``P`` its plateau, the pixels at ``c`` connected to ``b``:

* ``b`` stays at ``c`` and the rest of ``P`` at ``c`` or above;
* the ring around ``P`` stays at ``c + 1`` or above;
* a path from ``b`` through pixels at most ``c + ceil(t) - 1`` leads to a pixel out of
  ``P`` at ``c`` or below, or in the top dimension to the border, which is older than
  every pixel.

Wherever these hold, the level set at ``c`` around ``b`` lies in ``P`` and is a strict
minimum: its class is born at ``c``. At the path's end, below ``c + ceil(t)``, it
meets a class born at ``c`` or below; by then the younger of the two, born at ``c``, has
died, above ``c``: a pair below ``t`` (integer lifetimes). So
the clause forbids nothing that keeps every promise; it forbids more than the plateau's
exact values would (the rest of ``P`` may rise; any level-``c`` pixel ends a path).

The path is the one with the fewest conditions the bounds leave open. Where the search
comes back to one plateau again and again, each time with a new path, a reach gadget
forbids every path at once: a variable per pixel near ``b``, true (under the plateau's and
the ring's conditions) where the pixel joins ``b`` through pixels at most ``c + ceil(t) -
1``, and false at a pixel out of ``P`` at ``c`` or below (or on the border in the top
dimension).

A pair ``>= 2 t`` that the input has not (a count off) is forbidden by the exact order
of the pixels that make it: its component below the saddle and a path past the saddle to
an older pixel. This is a guess: an output with that pair may have lost one of the
input's. A candidate that lost a pair ``>= 2 t`` of the input is forbidden by the values
of the pixels it moved from the start (a guess too). Each guess holds only while a guard
variable does, which the solver assumes true; where it finds no output and the guard is
not in its core (the assumptions it needed), no output exists at all.

Each literal is ``g[y] >= v`` or its negation, one variable per pixel and value within
the bounds (an order encoding: ``g[y] >= v`` implies ``g[y] >= v - 1``), variables only
for the pixels in some clause; the others keep the start's values.
"""

import itertools
from collections import deque

import numpy as np
from pysat.solvers import Solver

from ._problem import _removed_mask

# the budget: rounds (a pairing and a solve each), the pixels paired and visited to write
# clauses over all rounds (the cost of a round on large images), and the solver's
# conflicts in one round. Measured on 1,191 small integer images at t in (3, 4) (two
# surveys), on those where every other run gives t/2 up: outputs found in 2 to 4,400
# rounds, no output proved in 52 to 5,000 rounds (a round: 1 to 7 ms at 50^2, 2,000 to
# 10,000 pixels paired or visited); with 12 M pixels 13 are left unsettled (the pixels
# bind first on most), with 24 M 7, at up to 30 s more each (the two surveys: +24 %).
# A 512^2 photo pays ~80 rounds (astronaut: none exists, proved at round 64).
_ROUNDS = 6000
_WORK = 24_000_000
_CONFLICTS = 100_000
# the solvers: CaDiCaL 1.5.3, and from round _SWITCH (half the rounds) on Glucose 4 with
# the clauses so far. A fresh search with other heuristics finds outputs the first one
# misses: on 807 small 8-bit images at t in (3, 4), 6 of the 25 it left (rounds 1,008 to
# 1,704, with a budget of 2,000), losing none that it found
_SOLVERS = ("cadical153", "glucose4")
_SWITCH = 3000
# the variable that guards the guesses: the solver assumes it true, and where it finds no
# output, the guesses are not among the reasons (its core) for a proof
_GUARD = 1
# a reach gadget is built for a plateau the _RECUR-th time a candidate has it as a pair
# below t, with _REACH pixels at most. Measured: a 40 x 193 photo crop whose search came
# back to one plateau 317 times (each time with a new path) finds its output at round 91,
# not at the budget; on 1,191 small images at t in (3, 4) none settled more or fewer, in
# the same time. A gadget for every plateau, or from its second time, costs 100x the
# clauses and made those images >4x slower
_REACH = 500
_RECUR = 60


class _NoClause(Exception):
    """A pair whose clause could not be written (the search cannot forbid it)."""


def exact_repair(problem, g, half):
    """The sublevel view ``g`` of an integer run's output, moved within ``half`` of the
    input and the dtype's range, with every pair below the threshold taken away and the
    input's counts of pairs ``>= 2 t``: ``(output, its pairs that were below the
    threshold in g, pairings done, proved)``; ``output`` is None where the solver finds
    none within its budget, or where ``proved``, none exists."""
    ndim = problem.f.ndim
    if not (problem.can_lengthen() and set(problem.dims) <= {0, ndim - 1}):
        return None, None, 0, False
    low = np.maximum(problem.f - half, problem.range[0]).ravel().astype(np.int64)
    high = np.minimum(problem.f + half, problem.range[1]).ravel().astype(np.int64)
    start = np.clip(np.rint(np.asarray(g, dtype=np.float64).ravel()), low, high)
    h = start = start.astype(np.int64)
    left = None
    counts = {d: problem.input_long(d) for d in problem.dims}
    with _Clauses(problem, low, high, start) as clauses:
        for n_rounds in range(1, _ROUNDS + 1):
            out = h.reshape(problem.f.shape).astype(np.float64)
            dgms = problem.diagrams(out, problem.dims)
            clauses.work += h.size
            if left is None:
                left = {d: dgms[d].select(_removed_mask(dgms[d], problem.threshold, None))
                        for d in problem.dims}
            try:
                found = clauses.forbid(h, dgms, counts)
            except _NoClause as exc:
                problem.say(f"optimal: exact search stopped: {exc}", 2)
                return None, None, n_rounds, False
            if not found:
                problem.say(f"optimal: exact search, round {n_rounds}: an output "
                            f"({clauses.work} pixel(s) paired or visited)", 2)
                return out, left, n_rounds, False
            if clauses.work > _WORK:
                problem.say("optimal: exact search stopped at its budget", 2)
                return None, None, n_rounds, False
            if n_rounds == _SWITCH:
                clauses.restart(_SOLVERS[1])
            h, proved = clauses.solve()
            if n_rounds % 50 == 0 or h is None:
                problem.say(f"optimal: exact search, round {n_rounds}: "
                            f"{len(clauses.rows)} clause(s) on {clauses.n_vars} "
                            f"variable(s), {clauses.work} pixel(s) paired or visited"
                            + (", no solution" if h is None else ""), 2)
            if h is None:
                return None, None, n_rounds, proved
    return None, None, _ROUNDS, False


class _Clauses:
    """The clauses so far, on the pixels of the grid, and the solver that holds them."""

    def __init__(self, problem, low, high, start):
        self.problem, self.low, self.high, self.start = problem, low, high, start
        shape = problem.f.shape
        self.shape = shape
        strides = np.cumprod((1,) + shape[::-1])[:-1][::-1]
        steps = [s for s in itertools.product((-1, 0, 1), repeat=len(shape)) if any(s)]
        self.steps = {full: [(s, int(np.dot(s, strides))) for s in steps
                             if full or sum(map(abs, s)) == 1] for full in (True, False)}
        self.near = {True: {}, False: {}}     # pixel -> its neighbours, as they are asked
        inside = np.zeros(shape, dtype=bool)
        inside[tuple(slice(1, -1) for _ in shape)] = True
        self.border = (~inside).ravel().tolist()
        self.bounds = {False: (low.tolist(), high.tolist()),        # of h and of -h
                       True: ((-high).tolist(), (-low).tolist())}
        self.span = int(np.ceil(problem.threshold)) - 1    # a pair's lifetime at most
        self.upper = {False: high.tolist(), True: (-low).tolist()}   # a view's highest
        self.columns = {}        # (pixel, value) -> variable of g[pixel] >= value, from 2
        self.keys = ([], [], [])  # the pixel, value and number of each variable of g
        self.n_vars = _GUARD     # variables so far: the guard's, g's, the gadgets'
        self.seen = {}           # plateaus (view, level, pixels) of pairs so far: times
        self.rows = []           # clauses: lists of literals (+variable or -variable)
        self.work = 0            # pixels paired, and visited to write clauses, so far
        self.input_long = {}     # the input's pairs >= 2 t, by (birth, death) pixels
        for d, dgm in problem.input_diagrams.items():
            long = np.zeros(0, dtype=bool) if dgm is None else (
                ~dgm.essential & (dgm.lifetimes >= problem.long_at))
            self.input_long[d] = set() if dgm is None else set(zip(
                dgm.birth_index[long].tolist(), dgm.death_index[long].tolist()))
        self.solver = Solver(name=_SOLVERS[0])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.solver.delete()

    # -- the grid -----------------------------------------------------------------
    def neighbours(self, x, full):
        near = self.near[full].get(x)
        if near is None:
            coords = np.unravel_index(x, self.shape)
            near = self.near[full][x] = [
                x + offset for step, offset in self.steps[full]
                if all(0 <= c + s < n for c, s, n in zip(coords, step, self.shape))]
        return near

    def on_border(self, x):
        return self.border[x]

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
            if extra < 0:            # no clause says how to keep a long pair:
                self.not_this(h, d)  # another value for one of the pixels moved
                found = True
            if extra:
                new = [k for k in np.flatnonzero(long) if (int(dgm.birth_index[k]), int(
                    dgm.death_index[k])) not in self.input_long[d]]
                pairs[new] = True
            view = _View(self, h, d)
            for birth, death in zip(dgm.birth_index[pairs].tolist(),
                                    dgm.death_index[pairs].tolist()):
                extremum, saddle = (birth, death) if d == 0 else (death, birth)
                conds = guess = None
                if abs(h[death] - h[birth]) < p.threshold:
                    conds = view.plateau(extremum)
                if conds is None:
                    # the exact order of this output's pair: a guess (an output may
                    # have it and have lost an input pair >= 2 t)
                    conds, guess = view.exact(extremum, saddle), True
                if conds is None:
                    raise _NoClause(f"no clause for the pair ({birth}, {death}) in H{d}")
                if conds:                 # [] where a reach gadget forbids the pair
                    self.add(conds, guess)
                found = True
        return found

    def not_this(self, h, d):
        """The clause "some pixel that ``h`` moves from the start takes another value",
        where ``h`` lost a pair ``>= 2 t`` of the input (a guess: an output may lose
        that pair and keep the values of ``h`` on those pixels)."""
        moved = np.flatnonzero(h != self.start).tolist()
        if not moved:
            raise _NoClause(f"a pair >= 2 t lost in H{d} at the start")
        self.add([cond for y in moved for cond in ((y, int(h[y]), True),
                                                   (y, int(h[y]) + 1, False))], True)

    def add(self, conds, guess=False, extra=()):
        """The clause "not all of ``conds``", each ``(pixel, value, True)`` for ``g[pixel]
        >= value`` or ``(pixel, value, False)`` for ``g[pixel] < value``; a ``guess``
        (a clause that may forbid an output that keeps every promise) holds only while
        the guard variable does."""
        free = []
        for y, v, at_least in conds:
            if v <= self.low[y] or v > self.high[y]:     # a condition fixed by the bounds
                if (v <= self.low[y]) == at_least:
                    continue                             # always holds
                return                                   # never holds: nothing to forbid
            free.append((y, v, at_least))
        if not free and not extra:
            raise _NoClause("a pair that every output within the bounds has")
        self.clause([-self.variable(y, v) if at_least else self.variable(y, v)
                     for y, v, at_least in free] + ([-_GUARD] if guess else [])
                    + list(extra))

    def clause(self, literals):
        self.rows.append(literals)
        self.solver.add_clause(literals)

    def variable(self, y, v):
        """The variable of ``g[y] >= v``, made with the others of ``y``: each true first
        where the start has it (the solver's phase)."""
        if (y, v) not in self.columns:
            phases = []
            for value in range(int(self.low[y]) + 1, int(self.high[y]) + 1):
                var = self.columns[(y, value)] = self.new_variable()
                self.keys[0].append(y)
                self.keys[1].append(value)
                self.keys[2].append(var)
                phases.append(var if self.start[y] >= value else -var)
                if value > self.low[y] + 1:                 # g >= value implies g >= value-1
                    self.clause([var - 1, -var])
            self.solver.set_phases(phases)
        return self.columns[(y, v)]

    def new_variable(self):
        self.n_vars += 1
        return self.n_vars

    # -- the solver ---------------------------------------------------------------
    def restart(self, name):
        """The clauses so far in a new solver ``name``, the phases those of the start
        (false for the gadgets' variables)."""
        self.solver.delete()
        self.solver = Solver(name=name, bootstrap_with=self.rows)
        phases = [-var for var in range(_GUARD + 1, self.n_vars + 1)]
        for y, v, var in zip(*self.keys):
            phases[var - _GUARD - 1] = var if self.start[y] >= v else -var
        self.solver.set_phases(phases)

    def solve(self):
        """An output that satisfies every clause (None where the solver has none or stops
        at its budget without one), and whether none exists (a proof: no output
        satisfies the clauses that are not guesses)."""
        self.solver.conf_budget(_CONFLICTS)
        status = self.solver.solve_limited(assumptions=[_GUARD])
        if not status:                       # False: none; None: the budget
            return None, status is False and _GUARD not in (self.solver.get_core() or [])
        pixels, values, ids = map(np.array, self.keys)
        model = np.array(self.solver.get_model())[ids - 1]
        h = self.start.copy()
        h[pixels] = self.low[pixels]
        np.maximum.at(h, pixels[model > 0], values[model > 0])
        return h, False


class _View:
    """A dimension's view of ``h``: its values (``-h`` in the top dimension), its
    connectivity, its tie order, and the conditions that prove one of its pairs."""

    def __init__(self, clauses, h, dim):
        self.c = clauses
        self.top = dim != 0
        self.values = (-h if self.top else h).tolist()
        full = clauses.problem.full
        self.full = (not full) if self.top else full

    def value(self, y):
        return self.values[y]

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
        """The conditions of a pair born at ``b`` below ``t`` (the module's first
        clause): ``b`` at ``c``, the rest of its plateau ``P`` at ``c`` or above, the
        ring at ``c + 1`` or above, a short path from ``b`` to a pixel out of ``P`` at
        ``c`` or below (or the border); None where they do not hold (the pair is not
        such a minimum)."""
        value, border, top = self.values, self.c.border, self.top
        neighbours, c = self.c.neighbours, value[b]
        high = c + self.c.span
        plateau, stack = {b}, [b]
        while stack:
            for y in self.c.neighbours(stack.pop(), self.full):
                if y not in plateau and value[y] == c:
                    plateau.add(y)
                    stack.append(y)
        if self.top and any(self.c.on_border(y) for y in plateau):
            return None
        ring = {y for x in plateau for y in self.c.neighbours(x, self.full)} - plateau
        if any(value[y] < c for y in ring):
            return None
        # the path with the fewest conditions the bounds leave open (breadth first
        # with 0-1 costs): a pixel whose bound keeps it at most ``high`` costs nothing
        upper = self.c.upper[top]
        parent, dist, queue = {b: None}, {b: 0}, deque([(0, b)])
        end, best = None, None
        while queue:
            d, x = queue.popleft()
            if d > dist[x]:
                continue                     # reached at a lower cost since
            if best is not None and d >= best:
                break                        # no end from here costs less
            if x not in plateau and (value[x] <= c or (top and border[x])):
                cost = d if top and border[x] else d - (upper[x] > high) + (upper[x] > c)
                if best is None or cost < best:
                    end, best = x, cost
            for y in neighbours(x, self.full):
                if value[y] <= high:
                    step = upper[y] > high
                    if y not in dist or d + step < dist[y]:
                        dist[y], parent[y] = d + step, x
                        if step:
                            queue.append((d + 1, y))
                        else:
                            queue.appendleft((d, y))
        self.c.work += len(parent)
        if end is None:
            return None
        conds = [self.at_least(y, c) for y in plateau] + [self.below(b, c + 1)]
        conds += [self.at_least(y, c + 1) for y in ring]
        key = (top, c, frozenset(plateau))
        self.c.seen[key] = self.c.seen.get(key, 0) + 1
        if self.c.seen[key] == _RECUR and self.reach(b, plateau, conds):
            return []                        # a plateau again: its paths all at once
        x = end if self.top and border[end] else parent[end]
        while x != b:
            conds.append(self.below(x, high + 1))
            x = parent[x]
        if not (self.top and border[end]):
            conds.append(self.below(end, c + 1))
        return conds

    def reach(self, b, plateau, trigger):
        """The clauses of a reach gadget for the plateau of ``b`` at ``c``: a variable
        ``r[y]`` for each pixel ``y`` near ``b``, true where ``trigger`` (the plateau's
        and ring's conditions) holds and ``y`` joins ``b`` through pixels at most ``c +
        ceil(t) - 1``, and a clause against each such ``y`` out of the plateau at ``c``
        or below (or on the border in the top dimension): every path of the plateau's
        clause at once. Whether the gadget covers every path (it stops at ``_REACH``
        pixels)."""
        c = self.values[b]
        high = c + self.c.span
        low_v, high_v = self.c.bounds[self.top]
        border, top, new = self.c.border, self.top, self.c.new_variable
        r = {b: new()}
        self.c.add(trigger, extra=[r[b]])
        queue, whole = [b], True
        for x in queue:
            for y in self.c.neighbours(x, self.full):
                if low_v[y] > high:
                    continue                              # never on a path
                if y not in r:
                    if len(r) >= _REACH:
                        whole = False
                        continue
                    r[y] = new()
                    if y in plateau:
                        queue.append(y)
                    elif top and border[y]:
                        self.c.clause([-r[y]])
                    else:
                        self.c.add([self.below(y, c + 1)], extra=[-r[y]])
                        if high_v[y] > c:                 # past y only where y > c
                            queue.append(y)
                self.c.add([self.below(y, high + 1)], extra=[-r[x], r[y]])
        self.c.work += len(r)
        self.c.solver.set_phases([-var for var in r.values()])
        return whole

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
        self.c.work += len(comp) + len(parent)
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
