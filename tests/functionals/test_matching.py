import gudhi
import numpy as np
import pytest
from gudhi.wasserstein import wasserstein_distance

from sktopo.functionals import DiagramDistance
from sktopo.persistence import Diagram


def random_diagram(rng, n):
    b = rng.random(n)
    d = b + rng.random(n)
    return Diagram(b, d, np.arange(n), np.arange(n) + n)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("internal_p", [np.inf, 2.0, 1.0])
def test_wasserstein_equals_gudhi(p, internal_p, rng):
    for _ in range(5):
        a = random_diagram(rng, rng.integers(0, 7))
        b = random_diagram(rng, rng.integers(0, 7))
        ours = DiagramDistance(b, p=p, internal_p=internal_p)(a)
        ref = wasserstein_distance(a.to_array(), b.to_array(), order=p,
                                   internal_p=internal_p)
        assert ours == pytest.approx(ref, abs=1e-12)


def test_bottleneck_equals_gudhi(rng):
    for _ in range(10):
        a = random_diagram(rng, rng.integers(0, 8))
        b = random_diagram(rng, rng.integers(0, 8))
        ours = DiagramDistance(b, p=np.inf)(a)
        assert ours == pytest.approx(gudhi.bottleneck_distance(a.to_array(), b.to_array()),
                                     abs=1e-12)


def test_distance_to_self_is_zero(rng):
    a = random_diagram(rng, 6)
    for p in (1.0, 2.0, np.inf):
        value, gb, gd = DiagramDistance(a, p=p).value_and_grad(a)
        assert value == 0.0
        assert not gb.any() and not gd.any()


def test_empty_target_pushes_to_the_diagonal():
    a = Diagram(np.array([0.0, 1.0]), np.array([2.0, 2.0]), np.arange(2), np.arange(2) + 2)
    value, gb, gd = DiagramDistance(np.empty((0, 2)), p=1).value_and_grad(a)
    assert value == pytest.approx(1.0 + 0.5)
    # descending the gradient raises births and lowers deaths
    np.testing.assert_allclose(gb, [-0.5, -0.5])
    np.testing.assert_allclose(gd, [0.5, 0.5])


def test_essential_points_are_left_out():
    a = Diagram(np.array([0.0, 1.0]), np.array([np.inf, 2.0]), np.arange(2),
                np.array([-1, 3]))
    value, gb, gd = DiagramDistance([[1.0, 2.0]], p=2).value_and_grad(a)
    assert value == 0.0 and gb[0] == 0.0


def test_bad_target_raises():
    a = Diagram(np.array([0.0]), np.array([1.0]), np.arange(1), np.arange(1) + 1)
    with pytest.raises(ValueError, match="target"):
        DiagramDistance(np.zeros((2, 3)))(a)
    with pytest.raises(ValueError, match="'p'"):
        DiagramDistance(np.zeros((1, 2)), p=0.5)(a)


def check_matching(A, B, match, value):
    """A matching is valid: every point of B used at most once, and its largest edge (the
    diagonal included) is the bottleneck value."""
    from sktopo.functionals._matching import _matching_cost

    used = match[match >= 0]
    assert len(np.unique(used)) == len(used) and (used < len(B)).all()
    assert _matching_cost(A, B, match, np.inf, np.inf) == value


@pytest.mark.parametrize("ties", [False, True])
def test_bottleneck_matching_is_exact_and_valid(ties, rng):
    from sktopo.functionals._matching import diagram_matching

    for n, m in [(1, 1), (30, 45), (200, 160)]:
        A, B = (random_diagram(rng, k).to_array() for k in (n, m))
        if ties:  # integer coordinates: many equal costs
            A, B = np.round(8 * A), np.round(8 * B)
        value, match = diagram_matching(A, B, p=np.inf)
        # GUDHI's exact algorithm, independently
        assert value == pytest.approx(gudhi.bottleneck_distance(A, B, 0), rel=1e-12)
        check_matching(A, B, match, value)
        # the search over every cost finds the same level
        from sktopo.functionals._bottleneck import search_levels
        from sktopo.functionals._matching import _build_cost

        C, da, db = _build_cost(A, B, np.inf)
        i, j = np.divmod(np.arange(C.size), C.shape[1])
        levels = np.unique(np.concatenate([C.ravel(), da, db]))
        slow = search_levels(len(A), len(B), (i, j, C.ravel()), da, db, levels)
        check_matching(A, B, slow, value)


def test_bottleneck_gradient_moves_the_longest_edge():
    # (0, 4) -> (0, 3) costs 1, the longest edge; (1, 1.5) -> diagonal costs 0.25
    a = Diagram(np.array([0., 1.]), np.array([4., 1.5]), np.arange(2), np.arange(2) + 2)
    value, gb, gd = DiagramDistance([[0., 3.]], p=np.inf).value_and_grad(a)
    assert value == 1.0
    np.testing.assert_array_equal(gb, [0, 0])
    np.testing.assert_array_equal(gd, [1, 0])


@pytest.mark.parametrize("p", [1.0, np.inf])
def test_superlevel_distance_and_gradient(p, rng):
    from sktopo.persistence import cubical_persistence
    from sktopo.utils._testing import numerical_gradient

    X, Y = rng.random((7, 8)), rng.random((7, 8))
    ours = cubical_persistence(X, 0, superlevel=True)[0]
    target = cubical_persistence(Y, 0, superlevel=True)[0]
    gd_x = cubical_persistence(-X, 0)[0].finite().to_array()
    gd_y = cubical_persistence(-Y, 0)[0].finite().to_array()
    ref = (gudhi.bottleneck_distance(gd_x, gd_y) if np.isinf(p)
           else wasserstein_distance(gd_x, gd_y, order=p))
    # the target as sktopo keeps it or as exported to the peers: the same distance
    for t in (target, np.asarray(target), target.to_array()):
        value, gb, gd = DiagramDistance(t, p=p).value_and_grad(ours)
        assert value == pytest.approx(ref, rel=1e-12)
    # the gradient is in the diagram's own (superlevel) orientation
    finite = ~ours.essential

    def f(v):
        k = finite.sum()
        dgm = Diagram(v[:k], v[k:], np.arange(k), np.arange(k))
        return DiagramDistance(target, p=p)(dgm)

    v = np.concatenate([ours.births[finite], ours.deaths[finite]])
    num = numerical_gradient(f, v, 1e-7)
    np.testing.assert_allclose(np.concatenate([gb[finite], gd[finite]]), num, atol=1e-5)


def brute_force_bottleneck(A, B, internal_p):
    """The bottleneck distance over every bijection of A + diagonal copies of B with B +
    diagonal copies of A (an oracle for tiny diagrams)."""
    from itertools import permutations

    from sktopo.functionals._matching import _build_cost

    n, m = len(A), len(B)
    C, da, db = _build_cost(A, B, internal_p)
    big = np.full((n + m, m + n), np.inf)
    big[:n, :m] = C
    big[np.arange(n), m + np.arange(n)] = da
    big[n + np.arange(m), np.arange(m)] = db
    big[n:, m:] = 0.0
    return min(big[np.arange(n + m), list(perm)].max()
               for perm in permutations(range(n + m)))


@pytest.mark.parametrize("internal_p", [np.inf, 2.0, 1.0])
def test_bottleneck_equals_brute_force(internal_p, rng):
    for _ in range(6):
        a = random_diagram(rng, rng.integers(1, 4)).to_array()
        b = random_diagram(rng, rng.integers(1, 4)).to_array()
        value = DiagramDistance(b, p=np.inf, internal_p=internal_p)(a)
        assert value == brute_force_bottleneck(a, b, internal_p)
