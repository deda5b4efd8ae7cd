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

The clauses, and why they forbid nothing that keeps every promise, are in
``_witness.py``.

Each literal is ``g[y] >= v`` or its negation, one variable per pixel and value within
the bounds (an order encoding: ``g[y] >= v`` implies ``g[y] >= v - 1``), variables only
for the pixels in some clause; the others keep the start's values.
"""

import itertools
from operator import itemgetter

import numpy as np
from pysat.solvers import Solver

from ._plateau import Walks
from ._problem import _removed_mask
from ._witness import _View

# the budget: rounds (a pairing and a solve each), the pixels visited to write clauses
# and paired over all rounds (the cost of a round on large images), the clauses (the cost
# of a solve where a pixel has many values: at t = 129 a pixel has 128 variables), and
# the solver's conflicts in one round. A pixel paired counts as 1/_PAIRED of one visited:
# the compiled pairing costs ~24 ns a pixel, the clauses ~460 ns a pixel visited. Outputs
# and proofs come late (on 50 x 50 images, an output at round 9,520, a proof at 16,185),
# so the budget is large; what a search that fails costs is in the user guide.
_ROUNDS = 20_000
_WORK = 64_000_000
_PAIRED = 16
_ROWS = 500_000
_CONFLICTS = 100_000
# the solvers: CaDiCaL 1.5.3, then, from round _SWITCH or half the pixel budget, whichever
# comes first, Glucose 4 with the clauses so far: a fresh search with other heuristics
# finds outputs the first one misses (6 of the 25 it left on 807 small 8-bit images)
_SOLVERS = ("cadical153", "glucose4")
_SWITCH = 3000
# the variable that guards the guesses: the solver assumes it true, and where it finds no
# output, the guesses are not among the reasons (its core) for a proof
_GUARD = 1


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
        tenths = 0
        for n_rounds in range(1, _ROUNDS + 1):
            out = h.reshape(problem.f.shape).astype(np.float64)
            dgms = problem.diagrams(out, problem.dims)
            clauses.work += -(-h.size // _PAIRED)
            if left is None:
                left = {d: dgms[d].select(_removed_mask(dgms[d], problem.threshold, None))
                        for d in problem.dims}
            clauses.see(h)
            try:
                found = clauses.forbid(h, dgms, counts)
            except _NoClause as exc:
                problem.say(f"optimal: exact search stopped at round {n_rounds}: {exc}")
                return None, None, n_rounds, False
            if not found:
                problem.say(f"optimal: exact search, round {n_rounds}: an output "
                            f"({clauses.work} pixel(s) paired or visited)", 2)
                return out, left, n_rounds, False
            spent = clauses.spent(n_rounds)
            if spent > 1:
                problem.say(f"optimal: exact search stopped at its budget, round {n_rounds}"
                            f" ({clauses.progress(n_rounds)})")
                return None, None, n_rounds, False
            if int(10 * spent) > tenths:     # at verbose=1, a line a tenth of the budget
                tenths = int(10 * spent)
                problem.say(f"optimal: exact search, round {n_rounds}, "
                            f"{clauses.progress(n_rounds)}")
            if clauses.solver_name == _SOLVERS[0] and (n_rounds == _SWITCH
                                                       or clauses.work > _WORK // 2):
                clauses.restart(_SOLVERS[1])
                problem.say(f"optimal: exact search, round {n_rounds}: on to a second "
                            f"solver ({_SOLVERS[1]}) with the clauses so far")
            h, proved = clauses.solve()
            if n_rounds % 50 == 0 or h is None:
                problem.say(f"optimal: exact search, round {n_rounds}: "
                            f"{len(clauses.rows)} clause(s) on {clauses.n_vars} "
                            f"variable(s), {clauses.work} pixel(s) paired or visited"
                            + (", no solution" if h is None else ""), 2)
            if h is None:
                return None, None, n_rounds, proved
        problem.say(f"optimal: exact search stopped at its budget, round {_ROUNDS} "
                    f"({clauses.progress(_ROUNDS)})")
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
        border = (~inside).ravel()
        self.border = border.tolist()
        self.walks = Walks(problem.shape, len(shape), border.view(np.uint8))
        self.bounds = {False: (low.tolist(), high.tolist()),        # of h and of -h
                       True: ((-high).tolist(), (-low).tolist())}
        self.span = int(np.ceil(problem.threshold)) - 1    # a pair's lifetime at most
        self.upper = {False: high, True: -low}         # a view's highest values
        self.columns = {}        # (pixel, value) -> variable of g[pixel] >= value, from 2
        # the pixel, value and place in a model (its number - 1) of each variable of g
        self.keys = ([], [], [])
        # as arrays, and the getter of their values from a model (made again as variables
        # come)
        self.arrays = (np.zeros(0, np.int64), np.zeros(0, np.int64), lambda model: ())
        self.starts = start.tolist()
        self.n_vars = _GUARD     # variables so far: the guard's, g's, the gadgets'
        self.seen = {}           # plateaus (view, level, pixels) of pairs so far: times
        self.covered = {}        # (view, level) -> pixels of its plateaus so far
        self.rows = []           # clauses: lists of literals (+variable or -variable)
        self.work = 0            # pixels paired, and visited to write clauses, so far
        self.input_long = {}     # the input's pairs >= 2 t, by (birth, death) pixels
        self.input_long_extrema = {}     # and their extrema
        for d, dgm in problem.input_diagrams.items():
            long = np.zeros(0, dtype=bool) if dgm is None else (
                ~dgm.essential & (dgm.lifetimes >= problem.long_at))
            self.input_long[d] = set() if dgm is None else set(zip(
                dgm.birth_index[long].tolist(), dgm.death_index[long].tolist()))
            self.input_long_extrema[d] = np.array(
                [b if d == 0 else s for b, s in self.input_long[d]], dtype=np.int64)
        self.solver, self.solver_name = Solver(name=_SOLVERS[0]), _SOLVERS[0]
        # the candidate seen last, and its values in the two views as lists, updated
        # where they change (making both lists of a 400 x 600 photo anew cost half its
        # pairing)
        self.last = start
        self.lists = {False: start.tolist(), True: (-start).tolist()}

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

    def see(self, h):
        """Make ``h`` the candidate of the views (its values, where they changed)."""
        moved = np.flatnonzero(h != self.last)
        for y, v in zip(moved.tolist(), h[moved].tolist()):
            self.lists[False][y], self.lists[True][y] = v, -v
        self.last = h

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
            if extra < 0:            # no clause says how to keep a long pair: another
                self.not_this(h, d, dgm)   # value for a pixel moved, or a pair longer
                found = True
            if extra:
                new = [k for k in np.flatnonzero(long) if (int(dgm.birth_index[k]), int(
                    dgm.death_index[k])) not in self.input_long[d]]
                pairs[new] = True
            view = _View(self, d)
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

    def not_this(self, h, d, dgm):
        """The clause "some pixel that ``h`` moves from the start takes another value,
        or a pair of ``h`` below ``2 t`` whose extremum made a pair ``>= 2 t`` of the
        input gets longer (its birth lower or its death higher)", where ``h`` lost a
        pair ``>= 2 t`` of the input (a guess: an output may lose that pair and keep the
        values of ``h`` on those pixels). The pairs matter where the start itself lost
        one (an integer run's output may have)."""
        moved = np.flatnonzero(h != self.start).tolist()
        conds = [cond for y in moved for cond in ((y, int(h[y]), True),
                                                  (y, int(h[y]) + 1, False))]
        extrema = dgm.birth_index if d == 0 else dgm.death_index
        short = ~dgm.essential & (dgm.lifetimes < self.problem.long_at) & np.isin(
            extrema, self.input_long_extrema[d])
        for b, s in zip(dgm.birth_index[short].tolist(), dgm.death_index[short].tolist()):
            conds += [(b, int(h[b]), True), (s, int(h[s]) + 1, False)]
        if not conds:
            raise _NoClause(f"a pair >= 2 t lost in H{d} at the start")
        self.add(conds, True)

    def add(self, conds, guess=False, extra=()):
        """The clause "not all of ``conds``", each ``(pixel, value, True)`` for ``g[pixel]
        >= value`` or ``(pixel, value, False)`` for ``g[pixel] < value``; a ``guess``
        (a clause that may forbid an output that keeps every promise) holds only while
        the guard variable does."""
        free, (low, high) = [], self.bounds[False]
        for y, v, at_least in conds:
            if v <= low[y] or v > high[y]:               # a condition fixed by the bounds
                if (v <= low[y]) == at_least:
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
            phases, (low, high), start = [], self.bounds[False], self.starts[y]
            for value in range(low[y] + 1, high[y] + 1):
                var = self.columns[(y, value)] = self.new_variable()
                self.keys[0].append(y)
                self.keys[1].append(value)
                self.keys[2].append(var - 1)
                phases.append(var if start >= value else -var)
                if value > low[y] + 1:                      # g >= value implies g >= value-1
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
        self.solver, self.solver_name = Solver(name=name, bootstrap_with=self.rows), name
        phases = [-var for var in range(_GUARD + 1, self.n_vars + 1)]
        for y, v, at in zip(*self.keys):
            phases[at - _GUARD] = at + 1 if self.starts[y] >= v else -at - 1
        self.solver.set_phases(phases)

    def spent(self, n_rounds):
        """The largest share of the budget spent: rounds, pixels, clauses (past 1: out)."""
        return max(n_rounds / _ROUNDS, self.work / _WORK, len(self.rows) / _ROWS)

    def progress(self, n_rounds):
        """Where the search stands against each part of its budget, for a progress line."""
        return (f"{len(self.rows):,} clause(s) ({len(self.rows) / _ROWS:.0%} of the "
                f"limit), {self.work / _WORK:.0%} of the pixel budget, "
                f"{n_rounds / _ROUNDS:.0%} of the rounds")

    def solve(self):
        """An output that satisfies every clause (None where the solver has none or stops
        at its budget without one), and whether none exists (a proof: no output
        satisfies the clauses that are not guesses)."""
        self.solver.conf_budget(_CONFLICTS)
        status = self.solver.solve_limited(assumptions=[_GUARD])
        if not status:                       # False: none; None: the budget
            return None, status is False and _GUARD not in (self.solver.get_core() or [])
        known = len(self.arrays[0])
        if known != len(self.keys[0]):       # variables made since
            pixels, values, at = self.keys
            self.arrays = (np.concatenate([self.arrays[0], pixels[known:]]),
                           np.concatenate([self.arrays[1], values[known:]]), itemgetter(*at))
        pixels, values, of_g = self.arrays
        # the values of g's variables only: the reach gadgets' may be ten times as many
        # (a 58 x 54 image: 4,444 of 52,945), and making all of them an array took a
        # fifth of a failing search
        true = np.atleast_1d(np.array(of_g(self.solver.get_model()))) > 0
        h = self.start.copy()
        h[pixels] = self.low[pixels]
        np.maximum.at(h, pixels[true], values[true])
        return h, False
