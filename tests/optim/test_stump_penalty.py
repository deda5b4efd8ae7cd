"""The ``penalty`` hook of stump_minimize (an extra, unsmeared term on the iterate)."""

import numpy as np
import pytest

from sktopo import TopologicalLoss, stump_minimize
from sktopo.functionals import PersistenceNorm
from sktopo.penalties import GroupingPenalty


class _Quadratic:
    """P(x) = sum (x - c)^2."""

    def __init__(self, center):
        self.center = center

    def value_and_grad(self, x):
        diff = x - self.center
        return float(np.sum(diff ** 2)), 2 * diff


def test_penalty_enters_value_and_gradient():
    x0 = np.array([0.0, 3.0, 1.0, 2.0])
    loss = TopologicalLoss(PersistenceNorm(p=1), homology_dimensions=0)
    center = np.full(4, 5.0)
    res = stump_minimize(loss, x0, alpha=1.0, block_size=1, penalty=_Quadratic(center),
                         penalty_weight=2.0, learning_rate=0.1, max_iter=1)
    # first step: the loss is the topological term plus 2 * P(x0)
    assert res.loss_curve[0] == pytest.approx(2.0 + 2.0 * np.sum((x0 - center) ** 2))
    # every coordinate received a gradient, so every one moved (towards the center)
    assert np.all(res.x > x0 - 0.2)
    assert res.x[0] > x0[0] and res.x[2] > x0[2]


def test_zero_weight_is_no_penalty():
    x0 = np.random.default_rng(0).random((12, 12))
    loss = TopologicalLoss(PersistenceNorm(p=1, max_persistence=0.3), homology_dimensions=0)
    a = stump_minimize(loss, x0, block_size=2, max_iter=20, random_state=0)
    b = stump_minimize(loss, x0, block_size=2, max_iter=20, random_state=0,
                       penalty=_Quadratic(np.zeros_like(x0)), penalty_weight=0.0)
    np.testing.assert_allclose(a.x, b.x, rtol=1e-12)  # (the compiled step and the Python loop)


def test_grouping_penalty_on_a_point_cloud():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [2.0, 0.0], [2.1, 0.0]])
    loss = TopologicalLoss(PersistenceNorm(p=2, min_persistence=0.5), filtration="rips")
    res = stump_minimize(loss, X, alpha=1.0, penalty=GroupingPenalty(X, scale=0.5),
                         penalty_weight=10.0, learning_rate=0.01, max_iter=200)
    # the pairs move together: their lengths are kept
    assert abs(np.linalg.norm(res.x[0] - res.x[1]) - 0.1) < 0.02
    assert abs(np.linalg.norm(res.x[2] - res.x[3]) - 0.1) < 0.02
    assert np.linalg.norm(res.x[1] - res.x[2]) < 1.5


def test_bad_penalty():
    with pytest.raises(TypeError, match="penalty"):
        stump_minimize(TopologicalLoss(PersistenceNorm()), np.zeros(4), penalty=object())
    with pytest.raises(ValueError, match="penalty_weight"):
        stump_minimize(TopologicalLoss(PersistenceNorm()), np.zeros(4),
                       penalty=_Quadratic(0.0), penalty_weight=-1.0)
