import numpy as np
import pytest
from numpy.testing import assert_allclose

from sktopo.datasets import (boxcar_coef, make_boxcar_regression, make_cluster_regression,
                             make_ring_regression, make_sawtooth_regression,
                             make_sinusoid_regression, ring_coef, sawtooth_coef,
                             sinusoid_coef)
from sktopo.penalties import TopologicalPenalty
from sktopo.persistence import cubical_persistence


def test_sawtooth_and_boxcar_have_three_maxima():
    for coef in (sawtooth_coef(100), boxcar_coef(100), sinusoid_coef(100)):
        dgm = cubical_persistence(coef, 0, superlevel=True)[0]
        assert np.sum(dgm.lifetimes > 0.5) == 3
        assert TopologicalPenalty(4, filtration="line").value(coef) == 0.0
    assert_allclose(sawtooth_coef(100)[[0, 99]], [-1.0, -1.0])


def test_generators_are_seeded_and_consistent():
    for make in (make_cluster_regression, make_sawtooth_regression, make_boxcar_regression,
                 make_sinusoid_regression):
        X, y, coef = make(30, 20, random_state=3)
        X2, y2, coef2 = make(30, 20, random_state=3)
        assert_allclose(X, X2) and assert_allclose(y, y2)
        assert X.shape == (30, 20) and y.shape == (30,) and coef.shape == (20,)
        assert np.std(y - X @ coef) < 0.2
    X, y, coef = make_ring_regression(50, 10, noise=0.0, random_state=0)
    assert_allclose(y, X @ coef.ravel())
    assert_allclose(coef, ring_coef(10))


def test_cluster_values_and_bad_input():
    _, _, coef = make_cluster_regression(5, 200, values=(1.0, 2.0, 3.0), random_state=0)
    assert set(coef.tolist()) == {1.0, 2.0, 3.0}
    with pytest.raises(ValueError, match="noise"):
        make_sawtooth_regression(noise=-1.0)


def test_level_set_coefficients_are_the_papers():
    # problems.py of the Topology Layer code, p = 100 and 3 peaks
    t = np.linspace(0, 3, 100)
    assert_allclose(sawtooth_coef(100, 3), np.mod(t, 1) * (3 - 1) - 1.0)
    assert_allclose(boxcar_coef(100, 3), 2.0 * (np.mod(t, 1) > 0.5) - 1.0)
    assert_allclose(sinusoid_coef(100, 3), np.cos(5 * np.pi * np.linspace(0, 1, 100)))
