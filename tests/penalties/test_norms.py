import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import lsq_linear, minimize

from sktopo.penalties import (L1Penalty, L2Penalty, TV2Penalty, TVPenalty, prox_tv1d,
                              prox_tv2, soft_threshold)
from sktopo.utils._testing import assert_gradient_matches


def _tv_prox_reference(v, step):
    # dual: x = v - D^T u with |u| <= step, a bounded least squares
    d = np.diff(np.eye(v.size), axis=0)
    u = lsq_linear(d.T, v, bounds=(-step, step), tol=1e-12).x
    return v - d.T @ u


@pytest.mark.parametrize("n", [2, 3, 7, 40])
@pytest.mark.parametrize("step", [1e-3, 0.2, 3.0])
def test_prox_tv1d_matches_the_dual_problem(rng, n, step):
    v = rng.standard_normal(n)
    assert_allclose(prox_tv1d(v, step), _tv_prox_reference(v, step), atol=1e-6)


def test_prox_tv1d_limits(rng):
    v = rng.standard_normal(12)
    assert_allclose(prox_tv1d(v, 0.0), v)
    assert_allclose(prox_tv1d(v, 100.0), np.full(12, v.mean()))   # flat: the mean
    assert_allclose(prox_tv1d(np.array([2.5]), 1.0), [2.5])
    v_copy = v.copy()
    prox_tv1d(v, 0.3)
    assert_allclose(v, v_copy)                                     # input untouched


@pytest.mark.parametrize("n", [2, 3, 10])
@pytest.mark.parametrize("step", [0.01, 0.3, 5.0])
def test_prox_tv2_is_the_minimizer(rng, n, step):
    v = rng.standard_normal(n)
    x = prox_tv2(v, step)

    def objective(z):
        return 0.5 * np.sum((z - v) ** 2) + step * np.linalg.norm(np.diff(z))

    ref = minimize(objective, v, method="Powell", options=dict(xtol=1e-10, ftol=1e-14))
    assert objective(x) <= objective(ref.x) + 1e-8


def test_soft_threshold_and_l2_prox():
    assert_allclose(soft_threshold(np.array([-3.0, 0.5, 2.0]), 1.0), [-2.0, 0.0, 1.0])
    assert_allclose(L2Penalty().prox(np.array([3.0, 4.0]), 10.0), [0.0, 0.0])
    assert_allclose(L2Penalty().prox(np.array([3.0, 4.0]), 2.5), [1.5, 2.0])


@pytest.mark.parametrize("penalty, beta, value", [
    (L1Penalty(), [1.0, -2.0, 0.0], 3.0),
    (L2Penalty(), [3.0, 0.0, -4.0], 5.0),
    (TVPenalty(), [0.0, 2.0, 1.0, 1.0], 3.0),
    (TV2Penalty(), [0.0, 3.0, 7.0], 5.0),
])
def test_values_by_hand(penalty, beta, value):
    assert penalty.value(np.array(beta)) == pytest.approx(value)


@pytest.mark.parametrize("penalty", [L1Penalty(), L2Penalty(), TVPenalty(), TV2Penalty()])
def test_subgradients_match_finite_differences(rng, penalty):
    assert_gradient_matches(penalty.value_and_grad, rng.standard_normal(9))


@pytest.mark.parametrize("penalty", [L1Penalty(), L2Penalty(), TVPenalty(), TV2Penalty()])
def test_zero_and_ties_give_finite_subgradients(penalty):
    for beta in (np.zeros(5), np.array([1.0, 1.0, 2.0, 2.0, 2.0])):
        value, grad = penalty.value_and_grad(beta)
        assert np.isfinite(value) and np.all(np.isfinite(grad))


@pytest.mark.parametrize("penalty", [L1Penalty(), L2Penalty(), TVPenalty(), TV2Penalty()])
def test_prox_optimality_by_perturbation(rng, penalty):
    # the prox minimizes 1/2 ||x - v||^2 + s P(x): no random perturbation does better
    v = rng.standard_normal(8)
    step = 0.4
    x = penalty.prox(v, step)

    def objective(z):
        return 0.5 * np.sum((z - v) ** 2) + step * penalty.value(z)

    base = objective(x)
    for _ in range(200):
        assert objective(x + 1e-3 * rng.standard_normal(8)) >= base - 1e-12
