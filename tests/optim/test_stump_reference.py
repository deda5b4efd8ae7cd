"""stump_minimize against a straightforward implementation of the same update.

The reference draws the same approximates (the public sampler and the same random
stream), takes the gradient from the public ``TopologicalLoss.value_and_grad`` (dense),
pulls it back with the sampler's dense ``pullback`` and runs Adam on the whole image with
the numpy ``adam_update``. The optimized loops (compact active set, bound loss, compiled
step) must give the same iterates, to rounding.
"""

import numpy as np
import pytest

from sktopo import TopologicalLoss, stump_minimize
from sktopo.functionals import PersistenceNorm
from sktopo.optim import _stump, adam_update
from sktopo.smear import BlockPooling
from sktopo.smear._random import as_generator


def _image(shape=(20, 18), seed=0):
    rng = np.random.default_rng(seed)
    coarse = rng.random((shape[0] // 2 + 1, shape[1] // 2 + 1)) * 10
    return np.kron(coarse, np.ones((2, 2)))[:shape[0], :shape[1]] + rng.random(shape)


def _reference(loss, x0, smear, n_steps, alpha, learning_rate, seed):
    rng = as_generator(seed)
    n = x0.size
    x = x0.copy()
    m, v = np.zeros(x0.shape), np.zeros(x0.shape)
    curve = []
    for t in range(1, n_steps + 1):
        if smear is None:
            topo, grad = loss.value_and_grad(x)
        else:
            approximate, draw = smear.sample(x, rng)
            topo, grad = loss.value_and_grad(approximate)
            grad = smear.pullback(grad, draw)
        diff = x - x0
        curve.append(alpha * topo + (1 - alpha) * np.mean(diff ** 2))
        adam_update(x, diff * (2.0 * (1 - alpha) / n) + alpha * grad, m, v, t, learning_rate)
    return x, np.array(curve)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("smear", [BlockPooling(2, "simplex", eps=1.0),
                                   BlockPooling(3, "center", eps=0.5),
                                   BlockPooling(2, "vertex", eps=0.5),
                                   BlockPooling((2, 1), "simplex", eps=0.5,
                                                simplex_sampling="dirichlet"),
                                   BlockPooling(1, "center", eps=0.5), None])
def test_stump_equals_the_reference_update(monkeypatch, compiled, smear):
    if not compiled:
        monkeypatch.setattr(_stump, "_fast_step", lambda *args, **kwargs: None)
    x0 = _image()
    loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=1.0), homology_dimensions=0,
                           gradient="death")
    alpha, n_steps = 1 - 1 / x0.size, 300
    res = stump_minimize(loss, x0, smear=smear, alpha=alpha, learning_rate=0.05,
                         max_iter=n_steps, random_state=0)
    x_ref, curve = _reference(loss, x0, smear, n_steps, alpha, 0.05, 0)
    np.testing.assert_allclose(res.x, x_ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(res.loss_curve, curve, rtol=1e-9, atol=1e-9)
    # the runs did move (whether they lower the loss is tested in test_stump.py)
    assert not np.array_equal(res.x, x0)
