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
