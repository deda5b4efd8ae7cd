import numpy as np
import pytest

from sktopo.functionals import DeathNorm, PersistenceNorm, PolynomialEnergy, WeightedSum
from sktopo.persistence import Diagram


def test_threshold_region():
    dgm = Diagram(np.array([0.0, 10.0, 20.0, 5.0]), np.array([np.inf, 70.0, 60.0, 40.0]),
                  np.arange(4), np.array([-1, 5, 6, 7]))
    f = PersistenceNorm(p=1, min_persistence=50)
    assert f(dgm) == 60.0
    np.testing.assert_array_equal(f.region(dgm), [False, True, False, False])
    assert PersistenceNorm(p=2, birth_range=(0, 15))(dgm) == 60.0 ** 2 + 35.0 ** 2
    assert PersistenceNorm(p=1, max_persistence=40)(dgm) == 75.0


def test_linear_combinations():
    dgm = Diagram(np.array([0.0]), np.array([2.0]), np.arange(1), np.arange(1) + 1)
    f = 2 * PersistenceNorm(p=1) - PolynomialEnergy(2, 0, 1)
    assert isinstance(f, WeightedSum)
    assert f(dgm) == 2 * 2.0 - 4.0
    value, gb, gd = (-f).value_and_grad(dgm)
    assert value == 0.0 and gd[0] == -(2 - 4.0)
    assert sum([PersistenceNorm(), PersistenceNorm()])(dgm) == 4.0
    # 10 x the functional gives 10 x the gradient
    g1 = PersistenceNorm(p=2).value_and_grad(dgm)[2]
    g10 = (10 * PersistenceNorm(p=2)).value_and_grad(dgm)[2]
    np.testing.assert_allclose(g10, 10 * g1)


def test_bad_region_raises():
    dgm = Diagram(np.array([0.0]), np.array([2.0]), np.arange(1), np.arange(1) + 1)
    with pytest.raises(ValueError, match="birth_range"):
        PersistenceNorm(birth_range=3)(dgm)
    with pytest.raises(ValueError, match="min_persistence"):
        PersistenceNorm(min_persistence=-1)(dgm)
    with pytest.raises(TypeError):
        PersistenceNorm() * "2"


def test_death_norm_by_hand_and_essential_points():
    dgm = Diagram(np.array([0.0, 1.0, 2.0, -3.0]), np.array([np.inf, 3.0, 4.0, -1.0]),
                  np.arange(4), np.array([-1, 5, 6, 7]))
    value, gb, gd = DeathNorm(p=2).value_and_grad(dgm)
    assert value == 9.0 + 16.0 + 1.0
    np.testing.assert_array_equal(gb, 0.0)
    np.testing.assert_array_equal(gd, [0.0, 6.0, 8.0, -2.0])   # essential point: 0
    assert DeathNorm(p=1)(dgm) == 8.0
    with pytest.raises(ValueError, match="'p'"):
        DeathNorm(p=0)(dgm)


@pytest.mark.parametrize("p", [1, 2, 3.5])
def test_death_norm_gradient_equals_finite_differences(p):
    # a tie-free cloud (random, generic edge lengths): the pairing is locally constant
    from sktopo import TopologicalLoss
    from sktopo.utils._testing import assert_gradient_matches

    rng = np.random.default_rng(3)
    theta = rng.uniform(0, 2 * np.pi, 30)
    X = np.c_[np.cos(theta), np.sin(theta)] + 0.1 * rng.normal(size=(30, 2))
    for filtration in ("rips", "weak_alpha"):
        loss = TopologicalLoss(DeathNorm(p=p), filtration, homology_dimensions=(0, 1))
        value, grad = assert_gradient_matches(loss.value_and_grad, X, atol=1e-5)
        deaths = np.concatenate([d.finite().deaths for d in loss.diagrams(X).values()])
        assert value == pytest.approx(np.sum(deaths ** p))
        assert np.count_nonzero(grad) > 0
