"""The optimal method's local search on integers (``_repair.py``), checked by GUDHI."""

import warnings
from unittest import mock

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sktopo.simplification import _optimal, _solve, simplify_function
from sktopo.utils._testing import gudhi_lifetimes, no_exact_search

# uint8 images at t = 3.5 (bound 1) where the passes leave pairs within the bound that
# the local search takes away: (image, connectivity, superlevel)
SOLVED = [
    ([[4, 1, 3, 0], [4, 0, 4, 0], [2, 3, 2, 5], [4, 0, 2, 2]], "full", False),
    ([[5, 2, 0, 2, 2, 1], [1, 4, 5, 4, 0, 4], [3, 4, 0, 0, 3, 0], [3, 0, 4, 1, 0, 1],
      [1, 3, 5, 0, 3, 1], [5, 1, 0, 1, 2, 4]], "full", False),
    ([[255, 252, 250, 252, 252, 252], [255, 254, 254, 253, 250, 253],
      [255, 255, 253, 252, 251, 254], [255, 255, 252, 251, 255, 252],
      [253, 250, 252, 255, 252, 252], [252, 250, 250, 251, 251, 253]], "face", True),
]
# images of digits (one per pixel) plus an offset where the search takes the pairs away
# and earlier versions (simulated annealing) gave t/2 up: (rows, offset, dtype, t,
# connectivity, superlevel); the first sits at the top of uint16
DESCENT = [
    (["6036363300", "0066666033", "0360633066", "0606336300", "6603000603", "0630030363",
      "0066360603", "0060630600", "6336000333", "0036606336", "0066633360", "3066066606",
      "3603006360", "6633630660", "3600333660", "0303036066", "3336600330", "0306636036",
      "0633330000", "6660600633"], 65526, np.uint16, 3.3, "face", False),
    (["32871436234373", "06649092786129", "45790774785696", "06163402332967",
      "81403864619039", "90699610521830", "46360583811718", "65112502352870",
      "41914595533017", "29541330704006", "51313701948920", "84309551160340",
      "69853495758117", "36429443275683", "72345435352776", "57284093469327",
      "98420958152760", "95279985596112"], 0, np.uint16, 3.3, "full", False),
]
# no uint8 output within 1 of it has no pair below 3.5 (exhaustive search, "full",
# sublevel, every pixel in [x - 1, x + 1] and [0, 255]: 8.5 million outputs)
INFEASIBLE = [[4, 0, 4, 1], [0, 3, 0, 2], [4, 2, 3, 2], [4, 0, 4, 3]]


def no_search(problem, g, n_left):
    return None, 0


def _check(X, Y, t, connectivity, superlevel, bound):
    before = gudhi_lifetimes(X, connectivity, superlevel)
    after = gudhi_lifetimes(Y, connectivity, superlevel)
    for d in (0, 1):
        assert not np.any((after[d] > 0) & (after[d] < t))
        assert np.sum(after[d] >= 2 * t) == np.sum(before[d] >= 2 * t)
    assert Y.dtype == X.dtype
    assert np.abs(Y.astype(int) - X.astype(int)).max() <= bound


@pytest.mark.parametrize("X, connectivity, superlevel", SOLVED)
def test_local_search_keeps_half_the_threshold_where_the_passes_give_it_up(
        X, connectivity, superlevel):
    """Without the search (nor the exact one) the method warns and moves pixels by 2;
    with it, no warning, every pixel within 1, no pair below t and every count kept
    (GUDHI), the input untouched, and the same output twice (the search's seed is
    fixed)."""
    X = np.array(X, dtype=np.uint8)
    kw = dict(method="optimal", connectivity=connectivity, superlevel=superlevel)
    with mock.patch.object(_optimal, "repair", no_search), \
            mock.patch.object(_solve, "exact_repair", no_exact_search), \
            pytest.warns(ConvergenceWarning, match="threshold / 2"):
        simplify_function(X, 3.5, **kw)
    copy = X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Y = simplify_function(X, 3.5, **kw)
    np.testing.assert_array_equal(X, copy)
    _check(X, Y, 3.5, connectivity, superlevel, 1)
    np.testing.assert_array_equal(simplify_function(X, 3.5, **kw), Y)


@pytest.mark.parametrize("rows, offset, dtype, t, connectivity, superlevel", DESCENT)
def test_local_search_descends(rows, offset, dtype, t, connectivity, superlevel):
    """uint16 images of 3 and 10 levels at ``t = 3.3`` (bound 1): without the search the
    method warns; with it every promise is kept within 1 (GUDHI)."""
    X = (offset + np.array([[int(c) for c in row] for row in rows])).astype(dtype)
    kw = dict(method="optimal", connectivity=connectivity, superlevel=superlevel)
    with mock.patch.object(_optimal, "repair", no_search), \
            mock.patch.object(_solve, "exact_repair", no_exact_search), \
            pytest.warns(ConvergenceWarning, match="threshold / 2"):
        simplify_function(X, t, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Y = simplify_function(X, t, **kw)
    _check(X, Y, t, connectivity, superlevel, 1)


def test_local_search_does_not_claim_an_infeasible_bound():
    """An image with no output within 1 (exhaustive search): the method still warns and
    keeps its other promises within 2."""
    X = np.array(INFEASIBLE, dtype=np.uint8)
    with pytest.warns(ConvergenceWarning, match="integer change within threshold / 2"):
        Y = simplify_function(X, 3.5, method="optimal")
    _check(X, Y, 3.5, "full", False, 2)


def test_below_two_the_warning_says_no_pixel_may_move():
    """At ``t < 2`` the only integer change within ``t/2`` is none: the warning says
    so (not that a search failed), and the pairs go within 1."""
    X = np.array(INFEASIBLE, dtype=np.uint8)
    with pytest.warns(ConvergenceWarning, match="0.75 is below 1, so no pixel may move"):
        Y = simplify_function(X, 1.5, method="optimal")
    _check(X, Y, 1.5, "full", False, 1)


def test_local_search_only_on_integers():
    """Real values are left to the passes: the search returns nothing."""
    from sktopo.simplification._problem import _Problem
    from sktopo.simplification._repair import repair
    f = np.random.default_rng(0).random((6, 6))
    problem = _Problem(f, (0, 1), "full", 0.5, {0: None, 1: None}, "optimal", 0.25, False)
    assert repair(problem, f.copy(), 1) == (None, 0)


@pytest.mark.parametrize("shape", [(40,), (5, 5, 5)])
def test_local_search_on_signals_and_volumes(shape):
    """The search on a 1-D signal and a 3-D volume of 6 levels (the pairs of the input
    itself left, bound 1): where it returns an output, it is within the bound and the
    range and has no pair below the threshold (its own pairing and GUDHI)."""
    from sktopo.simplification._problem import _Problem
    from sktopo.simplification._repair import repair
    n_found = 0
    for seed in range(6):
        f = np.random.default_rng(seed).integers(0, 6, shape).astype(np.float64)
        dims = tuple(range(f.ndim))
        problem = _Problem(f, dims, "full", 4.0, {d: None for d in dims}, "optimal", 1.0,
                           False)
        problem.integer, problem.range, problem.long_at = True, (0.0, 255.0), 7.0
        problem.input_diagrams = problem.diagrams(f, dims)
        n_left = sum(int((problem.input_diagrams[d].lifetimes[
            ~problem.input_diagrams[d].essential] < 4).sum()) for d in dims)
        g, n_pairings = repair(problem, f.copy(), n_left)
        if g is None:
            continue
        n_found += 1
        assert np.abs(g - f).max() <= 1 and g.min() >= 0
        assert np.array_equal(g, np.round(g))
        after = gudhi_lifetimes(g, "full", False)
        for d in dims:
            assert not np.any((after[d] > 0) & (after[d] < 4))
    assert n_found > 0
