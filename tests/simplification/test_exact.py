"""The optimal method's exact search on integers (``_exact.py``): against an exhaustive
search on tiny inputs, and checked by GUDHI on images where the local search gives
``t/2`` up."""

import itertools
import re
import warnings
from unittest import mock

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sktopo.simplification import _exact, _solve, _witness, simplify_function
from sktopo.simplification._exact import exact_repair
from sktopo.simplification._problem import _Problem, _removed_mask
from sktopo.utils._testing import gudhi_lifetimes, no_exact_search

# tiny integer inputs, every output within floor(t/2) searched: (values, shape,
# connectivity, dimensions, t, value range, whether an output exists)
TINY = [
    ([1, 1, 3, 2, 0, 3, 0], (7,), "face", (0,), 3.5, (0, 3), False),
    ([1, 2, 3, 0, 3, 0], (2, 3), "face", (0, 1), 3.9, (0, 3), False),
    ([2, 3, 0, 0, 4, 0], (2, 3), "full", (0,), 4.5, (0, 4), True),
    ([1, 1, 5, 3, 1, 3], (3, 2), "full", (0, 1), 3.2, (0, 5), True),
    ([0, 1, 0, 2, 2, 0, 2], (7,), "face", (0,), 3.9, (0, 2), True),
    ([1, 1, 1, 3, 3, 1, 2, 3], (8,), "full", (0,), 2.5, (0, 3), True),
    ([0, 3, 3, 1, 1, 1], (3, 2), "face", (0, 1), 3.5, (0, 3), True),
    ([2, 1, 5, 5, 3, 2], (3, 2), "full", (0, 1), 5.5, (0, 5), True),
    ([3, 2, 2, 0, 1, 2, 3, 2], (2, 2, 2), "face", (0, 2), 3.9, (0, 3), True),
    ([2, 0, 3, 3, 2, 1, 0, 4], (2, 2, 2), "face", (0, 2), 3.5, (0, 5), True),
    ([1, 0, 0, 1, 2, 0, 0, 2], (2, 2, 2), "face", (0,), 4.58, (0, 2), True),
    # found by a random search: a reach gadget that forbade its plateau outright
    # (whatever the paths) would claim a proof on these
    ([2, 0, 2, 1, 4, 0, 3, 0], (8,), "full", (0,), 3.9, (0, 5), True),
    ([4, 3, 1, 0, 4, 3], (2, 3), "full", (0,), 3.5, (0, 5), True),
    ([4, 2, 2, 1, 0, 3, 3, 0], (2, 2, 2), "face", (0,), 3.5, (0, 4), True),
    ([4, 2, 1, 3, 1, 1, 4, 0], (2, 4), "face", (0, 1), 3.5, (0, 4), True),
]


def _problem(f, dims, connectivity, t, value_range):
    """The integer problem as ``_solve`` sets it up, paired once (the input's
    diagrams)."""
    problem = _Problem(f, dims, connectivity, float(np.ceil(t)), {d: None for d in dims},
                       "optimal", float(np.floor(t / 2)), False)
    problem.integer, problem.range = True, tuple(map(float, value_range))
    problem.long_at = float(np.ceil(2 * t))
    problem.input_diagrams = problem.diagrams(f, dims)
    return problem


def _keeps_every_promise(problem, g):
    after = problem.diagrams(g, problem.dims)
    for d in problem.dims:
        if _removed_mask(after[d], problem.threshold, None).any():
            return False
        life = after[d].lifetimes[~after[d].essential]
        if np.count_nonzero(life >= problem.long_at) != problem.input_long(d):
            return False
    return True


@pytest.mark.parametrize("switch, recur", [(1000, 60), (2, 60), (1000, 1)])
@pytest.mark.parametrize("values, shape, connectivity, dims, t, value_range, exists", TINY)
def test_exact_search_agrees_with_an_exhaustive_one(values, shape, connectivity, dims, t,
                                                     value_range, exists, switch, recur):
    """Signals, images and volumes: every output within ``floor(t/2)`` and the range is
    paired; the search finds an output (which keeps every promise) exactly where one
    exists, and proves that none exists where none does; also where the clauses move to
    the second solver at the second round, and where each plateau gets its reach gadget
    the first time it is seen."""
    f = np.array(values, dtype=np.float64).reshape(shape)
    problem = _problem(f, dims, connectivity, t, value_range)
    half = float(np.floor(t / 2))
    low = np.maximum(f - half, value_range[0]).ravel().astype(int)
    high = np.minimum(f + half, value_range[1]).ravel().astype(int)
    found = any(_keeps_every_promise(problem, np.array(v, dtype=np.float64).reshape(shape))
                for v in itertools.product(*map(range, low, high + 1)))
    assert found == exists
    with mock.patch.object(_exact, "_SWITCH", switch), \
            mock.patch.object(_witness, "_RECUR", recur):
        g, left, n_rounds, proved = exact_repair(problem, f, half)
    assert (g is not None) == exists
    assert proved == (not exists)
    if exists:
        assert _keeps_every_promise(problem, g)
        assert np.abs(g - f).max() <= half
        assert g.min() >= value_range[0] and g.max() <= value_range[1]
        assert sum(len(dgm) for dgm in left.values()) > 0       # the input's pairs
    np.testing.assert_array_equal(f.ravel(), values)             # input untouched


@pytest.mark.parametrize("values, shape, connectivity, dims, lowered", [
    ([0, 7, 0, 3, 2, 3, 0], (7,), "face", (0,), [1]),
    ([0, 0, 0, 0, 7, 0, 0, 0, 0], (3, 3), "face", (0, 1), [4]),
    ([7, 7, 7, 7, 0, 7, 7, 7, 7, 3, 2, 3], (3, 4), "full", (0, 1), [1, 4]),
])
def test_exact_search_from_a_start_that_lost_a_long_pair(values, shape, connectivity, dims,
                                                          lowered):
    """An integer run's output (the search's start) may have lost a pair ``>= 2 t`` of
    the input: a pixel of it moved by one. The search brings it back (a stop of the
    photo survey of stop 50, a 362 x 242 crop, stopped there at once)."""
    t, value_range = 3.5, (0, 7)
    f = np.array(values, dtype=np.float64).reshape(shape)
    problem = _problem(f, dims, connectivity, t, value_range)
    start = f.copy()
    for y in lowered:
        start.flat[y] += -1 if f.flat[y] > 0 else 1
    assert not _keeps_every_promise(problem, start)
    g, left, n_rounds, proved = exact_repair(problem, start, 1.0)
    assert g is not None and not proved
    assert _keeps_every_promise(problem, g)
    assert np.abs(g - f).max() <= 1


@pytest.mark.parametrize("covered", [False, True])
@pytest.mark.parametrize("values, shape, connectivity", [
    ([1, 2, 3, 3, 0, 0, 3, 3], (2, 4), "full"),
    ([3, 3, 3, 3, 0, 3, 3, 1], (2, 4), "full"),
    ([3, 3, 1, 0, 3, 3, 2, 0, 3], (3, 3), "face"),
    ([3, 1, 2, 0, 3, 0, 1, 2, 0], (3, 3), "face"),
    ([3, 1, 1, 1, 3, 0, 0, 2], (8,), "face"),
    ([3, 2, 2, 3, 0, 1, 0, 0], (2, 2, 2), "face"),
])
def test_every_clause_holds_on_every_output_that_keeps_every_promise(values, shape,
                                                                     connectivity, covered):
    """The clauses that are not guesses forbid no output that keeps every promise: on
    tiny inputs of 4 levels at ``t = 3.5`` (bound 1), the clauses of every candidate
    within the bounds are written and checked against every such output (found by an
    exhaustive search). The regions of the plateaus grow past them (the clause of
    ``E``, ``_witness.py``) on each, or (as past ``_GROW`` pixels) only within the
    pixels that earlier plateaus covered; reach gadgets are left out (their variables
    are not pixels')."""
    f = np.array(values, dtype=np.float64).reshape(shape)
    dims = (0,) if f.ndim == 1 else (0, f.ndim - 1)
    problem = _problem(f, dims, connectivity, 3.5, (0, 3))
    low, high = np.maximum(f - 1, 0).ravel(), np.minimum(f + 1, 3).ravel()
    boxes = [np.array(v) for v in itertools.product(*map(range, low.astype(int),
                                                         high.astype(int) + 1))]
    good = [h for h in boxes if _keeps_every_promise(problem, h.reshape(shape))]
    grown = []
    extend = _witness._View.extend

    def spy(view, plateau, c, within=None):
        if covered and within is None:
            return None, None                    # the whole region given up
        region, ring = extend(view, plateau, c, within)
        grown.append(region is not None and len(region) > len(plateau))
        return region, ring

    counts = {d: problem.input_long(d) for d in dims}
    with mock.patch.object(_witness, "_RECUR", 10 ** 9), \
            mock.patch.object(_witness._View, "extend", spy), \
            _exact._Clauses(problem, low.astype(np.int64), high.astype(np.int64),
                            f.ravel().astype(np.int64)) as clauses:
        for h in boxes:
            clauses.see(h)
            try:
                clauses.forbid(h, problem.diagrams(h.reshape(shape), dims), counts)
            except _exact._NoClause:
                pass
        pixel = {var: key for key, var in clauses.columns.items()}
        rows = [row for row in clauses.rows if -_exact._GUARD not in row]    # guesses
    for g in good:
        for row in rows:
            assert any((lit > 0) == (g[pixel[abs(lit)][0]] >= pixel[abs(lit)][1])
                       for lit in row)
    assert good and any(grown)


def _survey_image(i, survey=1):
    """Image ``i`` of a survey of small integer images (noise of a few levels around a
    random offset, among others; stop 44's is the first): ``(X, t, connectivity,
    superlevel)``."""
    rng = np.random.default_rng(100_000 * survey + i)
    h, w = rng.integers(6, 60, 2)
    kind = rng.integers(0, 4)
    if kind == 0:
        X = rng.integers(0, 256, (h, w)).astype(np.uint8)
    elif kind == 1:
        X = rng.integers(0, rng.integers(3, 30), (h, w)).astype(np.int32)
    elif kind == 2:
        X = np.clip(128 + rng.normal(0, 30, (h, w)), 0, 255).astype(np.uint8)
    else:
        X = (rng.integers(0, 8, (h, w)) + rng.integers(0, 200)).astype(np.uint8)
    t = float(rng.choice([rng.uniform(2, 8), rng.integers(2, 9) + 0.0,
                          rng.integers(2, 5) + 0.5]))
    return X, t, ["full", "face"][rng.integers(0, 2)], bool(rng.integers(0, 2))


@pytest.mark.parametrize("i, survey", [(162, 1), (404, 1), (1719, 3), (768, 3),
                                       (2152, 3)])
def test_exact_search_keeps_half_the_threshold_where_the_method_gives_it_up(i, survey):
    """Integer images of few levels at ``t`` in (3, 4) (bound 1) on which every other run
    gives ``t/2`` up (a pair left, a count off): with the exact search no warning, every
    pixel within 1, no pair below ``t`` and the counts of pairs ``>= 2 t`` kept (GUDHI;
    on the third a first version made two pairs ``>= 2 t`` out of short ones), the input
    untouched, the same output twice (no random draw). The fourth a search by a
    mixed-integer program (candidates nearest the start) did not find; the SAT solver
    does. The fifth (int32, 5 levels) takes 1,321 rounds, past the budget of stop 47."""
    X, t, connectivity, superlevel = _survey_image(i, survey)
    assert X.dtype in (np.uint8, np.int32) and 3 < t < 4
    kw = dict(method="optimal", connectivity=connectivity, superlevel=superlevel)
    with mock.patch.object(_solve, "exact_repair", no_exact_search), \
            pytest.warns(ConvergenceWarning, match="threshold / 2"):
        simplify_function(X, t, **kw)
    copy = X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Y, info = simplify_function(X, t, return_removed=True, **kw)
    np.testing.assert_array_equal(X, copy)
    assert Y.dtype == X.dtype
    assert np.abs(Y.astype(int) - X.astype(int)).max() <= 1
    before = gudhi_lifetimes(X, connectivity, superlevel)
    after = gudhi_lifetimes(Y, connectivity, superlevel)
    for d in (0, 1):
        assert not np.any((after[d] > 0) & (after[d] < t))
        assert np.sum(after[d] >= 2 * t) == np.sum(before[d] >= 2 * t)
    assert not info.fallback
    if i == 162:                                  # the smaller one
        np.testing.assert_array_equal(simplify_function(X, t, **kw), Y)


def test_a_proof_that_no_output_exists_is_in_the_warning():
    """An 8-bit image with no output within 1 (exhaustive search over 8.5 million): the
    warning says so, and the output keeps the other promises within 2. The warning's way
    out, the input as floats, keeps ``t/2`` (GUDHI)."""
    X = np.array([[4, 0, 4, 1], [0, 3, 0, 2], [4, 2, 3, 2], [4, 0, 4, 3]], dtype=np.uint8)
    with pytest.warns(ConvergenceWarning, match=r"an exact search proves it.*as floats"):
        Y = simplify_function(X, 3.5, method="optimal")
    assert np.abs(Y.astype(int) - X.astype(int)).max() == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Z = simplify_function(X.astype(float), 3.5, method="optimal")
    assert np.abs(Z - X).max() <= 1.75
    after = gudhi_lifetimes(Z, "full")
    assert not any(np.any((after[d] > 0) & (after[d] < 3.5)) for d in (0, 1))


@pytest.mark.parametrize("guess, proved", [("one value", True), ("every output", False)])
def test_a_guess_is_no_reason_for_a_proof(guess, proved):
    """A clause that may forbid an output keeping every promise (a guess, written for a
    count off) holds only under the solver's assumption of the guard: the proof of the
    image above stands with a guess that forbids one value of a pixel, and goes with one
    that forbids every output."""
    X = np.array([[4, 0, 4, 1], [0, 3, 0, 2], [4, 2, 3, 2], [4, 0, 4, 3]], dtype=np.uint8)
    forbid = _exact._Clauses.forbid

    def with_a_guess(self, h, dgms, counts):
        if guess == "one value":
            self.add([(0, 4, True)], guess=True)      # g[0] within [3, 5], not >= 4
        else:
            self.clause([-_exact._GUARD])
        return forbid(self, h, dgms, counts)

    with mock.patch.object(_exact._Clauses, "forbid", with_a_guess), \
            pytest.warns(ConvergenceWarning) as record:
        simplify_function(X, 3.5, method="optimal")
    assert ("an exact search proves it" in str(record[-1].message)) == proved


def test_exact_search_only_for_the_dimensions_it_encodes():
    """A volume's H1 (saddle-saddle pairs) has no clause here: the search returns
    nothing at once."""
    f = np.random.default_rng(0).integers(0, 6, (4, 4, 4)).astype(np.float64)
    problem = _problem(f, (0, 1, 2), "full", 3.5, (0, 255))
    assert exact_repair(problem, f, 1.0) == (None, None, 0, False)


@pytest.mark.parametrize("i, budget, proved", [
    (2113, {"_ROUNDS": 50}, False), (2113, {"_ROWS": 1000}, False), (2113, {}, True),
    (1945, {}, True)])
def test_a_proof_needs_the_whole_search(i, budget, proved):
    """Images of a few levels with no output within 1 (for the first, a SAT solver
    outside the package agrees): the search proves it, and the warning says so; cut
    short, it says only that the method found none. Either way the output keeps the
    other promises within 2 (GUDHI). The second image a clause that kept the plateau's
    exact values and ended its path at an older pixel did not prove within the budget;
    the clause that lets the plateau rise and ends at any pixel at its level or below
    proves it in about 50 rounds. The proof of the first takes 129 rounds and 3,703
    clauses: cut at 50 rounds, or at 1,000 clauses, it is not made."""
    X, t, connectivity, superlevel = _survey_image(i, 3)
    kw = dict(method="optimal", connectivity=connectivity, superlevel=superlevel)
    with mock.patch.dict(vars(_exact), budget), \
            pytest.warns(ConvergenceWarning) as record:
        Y = simplify_function(X, t, **kw)
    message = str(record[-1].message)
    assert ("an exact search proves it" in message) == proved
    assert np.abs(Y.astype(int) - X.astype(int)).max() == 2
    before = gudhi_lifetimes(X, connectivity, superlevel)
    after = gudhi_lifetimes(Y, connectivity, superlevel)
    for d in (0, 1):
        assert not np.any((after[d] > 0) & (after[d] < t))
        assert np.sum(after[d] >= 2 * t) == np.sum(before[d] >= 2 * t)


@pytest.mark.parametrize("budget, why", [
    ({"_ROUNDS": 50}, "round 50 (.* 100% of the rounds)"),
    ({"_ROWS": 1000}, r"round \d+ \([\d,]+ clause\(s\) \(\d{3,}% of the limit\)")])
def test_exact_search_shows_its_progress(budget, why, capsys):
    """A search that fails is the method's longest work (minutes on a 256 x 256 image):
    at ``verbose=1`` it prints a line each tenth of its budget, and which part of the
    budget stopped it."""
    X, t, connectivity, superlevel = _survey_image(2113, 3)
    with mock.patch.dict(vars(_exact), budget), pytest.warns(ConvergenceWarning):
        simplify_function(X, t, method="optimal", connectivity=connectivity,
                          superlevel=superlevel, verbose=1)
    lines = [line for line in capsys.readouterr().out.splitlines() if "exact search" in line]
    tenths = [line for line in lines if re.search(r"exact search, round \d+, ", line)]
    assert 3 <= len(tenths) <= 10, lines
    assert re.search("exact search stopped at its budget, " + why, lines[-1]), lines
