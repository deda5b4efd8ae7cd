import numpy as np
import pytest

from sktopo.penalties import GroupingPenalty
from sktopo.utils._testing import assert_gradient_matches


def brute_force(X0, X, scale, kernel):
    value = 0.0
    for a in range(len(X0)):
        for b in range(a + 1, len(X0)):
            r0 = np.linalg.norm(X0[a] - X0[b])
            k = (r0 <= scale) if kernel == "uniform" else (
                np.exp(-r0 ** 2 / (2 * scale ** 2)) * (r0 <= 4 * scale))
            value += k * (r0 - np.linalg.norm(X[a] - X[b])) ** 2
    return value


@pytest.mark.parametrize("kernel", ["uniform", "gaussian"])
def test_value_equals_brute_force_and_gradient(kernel, rng):
    X0 = rng.random((40, 2))
    X = X0 + 0.05 * rng.standard_normal(X0.shape)
    tau = GroupingPenalty(X0, scale=0.2, kernel=kernel)
    assert tau(X) == pytest.approx(brute_force(X0, X, 0.2, kernel))
    assert_gradient_matches(tau.value_and_grad, X)


def test_rigid_motions_cost_nothing(rng):
    X0 = rng.random((30, 3))
    rot, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    tau = GroupingPenalty(X0, scale=0.5)
    value, grad = tau.value_and_grad(X0 @ rot.T + 2.0)
    assert value == pytest.approx(0.0, abs=1e-20)
    np.testing.assert_allclose(grad, 0.0, atol=1e-12)


def test_only_pairs_in_support_are_stored(rng):
    X0 = rng.random((2000, 2)) * 100
    tau = GroupingPenalty(X0, scale=1.0)
    assert len(tau.pairs_) < 20 * len(X0)
    assert np.all(tau.lengths_ <= 1.0)


def test_coincident_points_give_finite_gradient():
    X0 = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    value, grad = GroupingPenalty(X0, scale=2.0).value_and_grad(X0.copy())
    assert value == 0.0 and np.all(np.isfinite(grad))


def test_bad_arguments_raise(rng):
    X0 = rng.random((5, 2))
    with pytest.raises(ValueError, match="scale"):
        GroupingPenalty(X0, scale=0.0)
    with pytest.raises(ValueError, match="kernel"):
        GroupingPenalty(X0, kernel="box")
    with pytest.raises(ValueError, match="shape"):
        GroupingPenalty(X0).value_and_grad(rng.random((4, 2)))
