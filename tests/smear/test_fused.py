import numpy as np
import pytest

from sktopo.smear import block_pool
from sktopo.smear._fused import HALF_BIN, _BlockSampler, _uniform16_1_2
from sktopo.smear._random import as_generator


def test_uniform16_levels_are_centred_and_independent():
    out = np.empty(2 * 100_000, dtype=np.float32)
    _uniform16_1_2(np.random.default_rng(0), out)
    assert out.min() >= 1 and out.max() < 2
    k = (out.astype(np.float64) - 1) * 2**16
    np.testing.assert_array_equal(k, np.round(k))          # 16-bit levels
    u = out.astype(np.float64) - 1 + HALF_BIN              # centred bins in (0, 1)
    low, high = u[:100_000], u[100_000:]
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    assert abs(np.corrcoef(low, high)[0, 1]) < 0.02


@pytest.mark.parametrize("measure", ["center", "simplex"])
@pytest.mark.parametrize("shape, block", [((16, 12), (4, 3)), ((9, 7), (2, 2)),
                                          ((6, 8, 4), (2, 2, 2))])
def test_fused_noisy_sampler_is_the_pooled_image_plus_pooled_noise(measure, shape, block):
    rng = np.random.default_rng(0)
    x = rng.random(shape) * 100
    eps = 5.0
    s = _BlockSampler(shape, block, measure, "normalized_uniform", eps)
    s.start(x.ravel().copy())
    gen = as_generator(1)
    diffs = []
    for _ in range(200):
        values, ctx = s.sample(gen)
        w = np.zeros(x.size)
        if measure == "simplex":
            for b in range(values.size):
                idx, vals = s.pullback(np.array([b]), np.array([1.0]), ctx)
                w[idx] += vals
            w = w.reshape(shape)
        else:
            w = None
        diffs.append(values - block_pool(x, block, w))
    diffs = np.array(diffs)
    # pooled noise: a convex combination of uniforms in [-eps, eps], mean 0
    assert np.abs(diffs).max() <= eps * (1 + 1e-5)
    assert abs(diffs.mean()) < 0.05 * eps
    assert diffs.std() > 0.1 * eps
