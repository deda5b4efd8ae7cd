import warnings

import numpy as np
import pytest

from sktopo.functionals import BettiTarget, PolynomialEnergy
from sktopo.persistence import Diagram, rips_persistence


def make_diagram(births, deaths):
    births, deaths = np.asarray(births, float), np.asarray(deaths, float)
    idx = np.arange(len(births))
    return Diagram(births, deaths, idx, np.where(np.isinf(deaths), -1, idx + 100))


def test_top1_is_the_range(rng):
    x = rng.normal(size=30)
    dgm = rips_persistence(x, 0)[0]
    assert PolynomialEnergy(1, 0, 2)(dgm) == pytest.approx(x.max() - x.min())


def test_top2_of_three_clusters_is_zero():
    x = np.array([0.0, 0.0, 0.0, 5.0, 5.0, 9.0])
    dgm = rips_persistence(x, 0)[0]
    assert PolynomialEnergy(1, 0, 4)(dgm) == 0.0
    assert PolynomialEnergy(1, 0, 3)(dgm) == pytest.approx(4.0)


def test_energy_by_hand():
    dgm = make_diagram([0.0, 1.0, 2.0, 0.5], [np.inf, 4.0, 3.0, 0.7])
    # finite lifetimes 3, 1, 0.2 at ranks 2, 3, 4; mid-points 2.5, 2.5, 0.6
    assert PolynomialEnergy(2, 1, 1)(dgm) == pytest.approx(9 * 2.5 + 1 * 2.5 + 0.04 * 0.6)
    assert PolynomialEnergy(1, 0, 3)(dgm) == pytest.approx(1.2)
    value, gb, gd = PolynomialEnergy(1, 0, 3).value_and_grad(dgm)
    np.testing.assert_array_equal(gb, [0, 0, -1, -1])
    np.testing.assert_array_equal(gd, [0, 0, 1, 1])


def test_energy_superlevel_sign():
    # superlevel points have death < birth: the lifetime is |d - b|
    dgm = make_diagram([5.0], [2.0])
    value, gb, gd = PolynomialEnergy(2, 0, 1).value_and_grad(dgm)
    assert value == 9.0 and gb[0] == 6.0 and gd[0] == -6.0


def test_energy_equal_lifetimes_is_deterministic():
    dgm = make_diagram([0.0, 1.0, 2.0], [1.0, 2.0, 3.0])
    a = PolynomialEnergy(1, 0, 2).value_and_grad(dgm)
    b = PolynomialEnergy(1, 0, 2).value_and_grad(dgm)
    assert a[0] == 2.0
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[1], [0.0, -1.0, -1.0])


def test_empty_diagram_gives_zero():
    dgm = Diagram.empty()
    for f in (PolynomialEnergy(2, 1, 1), BettiTarget(1, 2, 0.5)):
        value, gb, gd = f.value_and_grad(dgm)
        assert value == 0.0 and gb.shape == (0,) and gd.shape == (0,)


def test_betti_target_by_hand():
    dgm = make_diagram([0.0, 0.0, 1.0], [3.0, 1.0, 1.5])
    value, gb, gd = BettiTarget(k=1, p=2).value_and_grad(dgm)
    assert value == pytest.approx(1.0 + 0.25)
    np.testing.assert_allclose(gd, [0.0, 2.0, 1.0])
    value, gb, gd = BettiTarget(k=2, p=1, min_persistence=2.0).value_and_grad(dgm)
    # keeps (0, 3) and (0, 1): the second is pushed up to a lifetime of 2
    assert value == pytest.approx(0.5 + 1.0)
    np.testing.assert_allclose(gd, [0.0, -1.0, 1.0])


def test_bad_parameters_raise():
    dgm = make_diagram([0.0], [1.0])
    with pytest.raises(ValueError, match="i0"):
        PolynomialEnergy(1, 0, 0)(dgm)
    with pytest.raises(TypeError, match="i0"):
        PolynomialEnergy(1, 0, 1.5)(dgm)
    with pytest.raises(ValueError, match="'p'"):
        PolynomialEnergy(-1, 0, 1)(dgm)
    with pytest.raises(ValueError, match="'k'"):
        BettiTarget(k=-1)(dgm)


def test_most_persistent_equals_rank_selection(rng):
    from sktopo.functionals._energy import lifetime_ranks, most_persistent

    for _ in range(50):
        n = int(rng.integers(0, 12))
        births = rng.integers(0, 3, n).astype(float)
        deaths = births + rng.integers(1, 4, n)
        deaths[rng.random(n) < 0.2] = np.inf
        dgm = make_diagram(births, deaths)
        for k in range(n + 2):
            np.testing.assert_array_equal(most_persistent(dgm, k), lifetime_ranks(dgm) <= k)


@pytest.mark.parametrize("p, q", [(3.0, 0.0), (1.5, 4.0), (2.0, 3.0)])
def test_overflow_is_a_clear_error_without_runtime_warnings(p, q):
    # |d - b|^p or m^q above float64: one ValueError, no numpy overflow warnings first
    dgm = make_diagram([0.0, 1e200], [1e150, 3e200])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="overflows float64"):
            PolynomialEnergy(p, q, 1).value_and_grad(dgm)
