import numpy as np
import pytest

from sktopo.smear import as_generator, perturb, uniform_noise


def test_uniform_noise_range_and_reproducible():
    h = uniform_noise((100, 100), 2.5, random_state=0)
    assert h.min() >= -2.5 and h.max() <= 2.5
    assert h.min() < -2.4 and h.max() > 2.4
    np.testing.assert_array_equal(h, uniform_noise((100, 100), 2.5, random_state=0))
    np.testing.assert_array_equal(uniform_noise(5, 0.0, random_state=0), np.zeros(5))


def test_perturb_explicit_noise():
    X = np.ones((2, 2))
    out = perturb(X, 1.0, noise=np.full((2, 2), 0.5))
    np.testing.assert_array_equal(out, 1.5)
    np.testing.assert_array_equal(X, 1.0)


def test_bad_eps_and_noise():
    with pytest.raises(ValueError, match="eps"):
        uniform_noise(3, -1.0)
    with pytest.raises(ValueError, match="eps"):
        perturb(np.zeros(3), -0.1)
    with pytest.raises(ValueError, match="noise"):
        perturb(np.zeros(3), 1.0, noise=np.zeros(4))


def test_as_generator():
    g = np.random.default_rng(0)
    assert as_generator(g) is g
    a = as_generator(7).random(3)
    np.testing.assert_array_equal(a, as_generator(7).random(3))
    assert isinstance(as_generator(np.random.RandomState(0)), np.random.Generator)
