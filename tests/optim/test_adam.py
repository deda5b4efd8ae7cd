import numpy as np
import pytest

from sktopo.optim import Adam, adam_update


def test_adam_matches_hand_computation():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    x = np.array([1.0, -2.0])
    grads = [np.array([0.5, -1.0]), np.array([0.2, 0.4])]
    opt = Adam(lr, b1, b2, eps)
    # by hand
    xh, m, v = x.copy(), np.zeros(2), np.zeros(2)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        mhat, vhat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        xh = xh - lr * mhat / (np.sqrt(vhat) + eps)
        opt.step(x, g)
    np.testing.assert_allclose(x, xh, rtol=1e-13)
    # the first step from zero moments moves by lr * sign(g) (up to eps)
    y = np.array([1.0, -2.0])
    Adam(lr).step(y, np.array([0.5, -1.0]))
    np.testing.assert_allclose(y, [0.9, -1.9], rtol=1e-6)
    assert opt.t == 2


def test_adam_update_elementwise_subset():
    # running Adam on a subset of coordinates equals the full update there
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=6), rng.normal(size=6)
    g[3:] = 0.0
    full_x, m, v = x.copy(), np.zeros(6), np.zeros(6)
    adam_update(full_x, g.copy(), m, v, 1, 0.1)
    sub_x, ms, vs = x[:3].copy(), np.zeros(3), np.zeros(3)
    adam_update(sub_x, g[:3].copy(), ms, vs, 1, 0.1)
    np.testing.assert_allclose(full_x[:3], sub_x)
    np.testing.assert_array_equal(full_x[3:], x[3:])


def test_adam_grad_not_modified_and_bad_params():
    x, g = np.ones(2), np.ones(2)
    Adam(0.1).step(x, g)
    np.testing.assert_array_equal(g, 1.0)
    with pytest.raises(ValueError, match="learning_rate"):
        Adam(-1.0)
    with pytest.raises(ValueError, match="beta"):
        Adam(0.1, beta1=1.0)
