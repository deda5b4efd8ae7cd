import numpy as np
import pytest

from sktopo.smear import points_pullback, subsample_points


def test_subsample_adjoint_and_jitter():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    pts, idx = subsample_points(X, 0.5, eps=0.1, random_state=0)
    assert pts.shape == (10, 2) and np.all(np.diff(idx) > 0)
    assert np.abs(pts - X[idx]).max() <= 0.1
    G = rng.normal(size=pts.shape)
    # selection is linear in X, the jitter additive: <S X, G> == <X, S^T G>
    np.testing.assert_allclose(np.sum(X[idx] * G), np.sum(X * points_pullback(G, idx, 20)))


def test_subsample_explicit():
    X = np.arange(8.0).reshape(4, 2)
    pts, idx = subsample_points(X, indices=[1, 3], noise=np.ones((2, 2)))
    np.testing.assert_array_equal(pts, [[3.0, 4.0], [7.0, 8.0]])
    assert subsample_points(X, 3, random_state=1)[0].shape == (3, 2)


def test_subsample_bad_arguments():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="n_samples"):
        subsample_points(X, 5)
    with pytest.raises(ValueError, match="n_samples"):
        subsample_points(X, 1.5)
    with pytest.raises(ValueError, match="eps"):
        subsample_points(X, 2, eps=-1.0)
