"""stump_minimize against a straightforward implementation of the same update.

The reference draws the same approximates (the same sampler and random stream), takes the
gradient from the public ``TopologicalLoss`` (dense, through Diagram objects), pulls it back
and runs Adam on the whole image with the numpy ``adam_update``. The optimized loop (compact
active set, lean kernel, compiled step) must give the same iterates to the bit.
"""

import numpy as np
import pytest

from sktopo import TopologicalLoss, stump_minimize
from sktopo.functionals import PersistenceNorm
from sktopo.optim import _adam, adam_update
from sktopo.optim._stump import _make_sampler
from sktopo.smear._random import as_generator


def _image(shape=(20, 18), seed=0):
    rng = np.random.default_rng(seed)
    coarse = rng.random((shape[0] // 2 + 1, shape[1] // 2 + 1)) * 10
    return np.kron(coarse, np.ones((2, 2)))[:shape[0], :shape[1]] + rng.random(shape)


def _reference(loss, x0, n_steps, alpha, block_size, measure, eps, learning_rate, seed):
    sampler, _ = _make_sampler(loss, x0, block_size, measure, "normalized_uniform", eps,
                               None, 1.0)
    rng = as_generator(seed)
    n = x0.size
    x0_flat = x0.ravel()
    x = x0_flat.copy()
    sampler.start(x, 1)
    m, v = np.zeros(n), np.zeros(n)
    seen = np.zeros(n, dtype=bool)
    moved = np.empty(0, dtype=np.intp)     # in the order they first moved, as the sampler needs
    curve = []
    for t in range(1, n_steps + 1):
        values, ctx = sampler.sample(rng)
        topo, grad = loss.value_and_grad(values)
        idx = np.flatnonzero(grad)
        pidx, pval = sampler.pullback(idx, grad.ravel()[idx], ctx)
        diff = x - x0_flat
        curve.append(alpha * topo + (1 - alpha) * np.mean(diff ** 2))
        g = diff * (2.0 * (1 - alpha) / n)
        g += np.bincount(pidx, pval, minlength=n) * alpha
        adam_update(x, g, m, v, t, learning_rate)
        moved = np.concatenate([moved, np.unique(pidx[~seen[pidx]])])
        seen[pidx] = True
        sampler.update(moved, x[moved])
    return x.reshape(x0.shape), np.array(curve)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("block_size, measure, eps", [(2, "simplex", 1.0), (3, "center", 0.5),
                                                      (2, "vertex", 0.5), (1, "simplex", 0.5)])
def test_stump_equals_the_reference_update(monkeypatch, compiled, block_size, measure, eps):
    if not compiled:
        monkeypatch.setattr(_adam, "_adam_step", None)
    x0 = _image()
    loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=1.0), homology_dimensions=0,
                           gradient="death")
    alpha, n_steps = 1 - 1 / x0.size, 300
    res = stump_minimize(loss, x0, alpha=alpha, block_size=block_size, measure=measure,
                         eps=eps, learning_rate=0.05, max_iter=n_steps, random_state=0)
    x_ref, curve = _reference(loss, x0, n_steps, alpha, block_size, measure, eps, 0.05, 0)
    np.testing.assert_array_equal(res.x, x_ref)
    np.testing.assert_allclose(res.loss_curve, curve, rtol=1e-12)
    # the runs did move (whether they lower the loss is tested in test_stump.py: on this
    # image, aligned with 2 x 2 blocks, 3 x 3 averages over shifted grids do not)
    assert not np.array_equal(res.x, x0)
