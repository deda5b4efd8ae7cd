import numpy as np
import pytest

from sktopo.functionals import PersistenceNorm, PolynomialEnergy, WeightedSum
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
