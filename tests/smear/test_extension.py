"""Diffeomorphic interpolation of a sparse gradient (extend_gradient)."""

import numpy as np
import pytest

from sktopo.smear import extend_gradient


def cloud(n=300, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 3))


def test_interpolates_the_active_points():
    X = cloud()
    grad = np.zeros_like(X)
    active = [3, 50, 120, 299]
    grad[active] = np.random.default_rng(1).normal(size=(4, 3))
    field = extend_gradient(X, grad, sigma=0.5)
    np.testing.assert_allclose(field[active], grad[active], atol=1e-6)


def test_smooth_and_local():
    X = cloud()
    grad = np.zeros_like(X)
    grad[0] = [1.0, 0.0, 0.0]
    field = extend_gradient(X, grad, sigma=0.3)
    dist = np.linalg.norm(X - X[0], axis=1)
    # one active point: the field is its gradient times the kernel
    np.testing.assert_allclose(field[:, 0], np.exp(-dist ** 2 / (2 * 0.3 ** 2)),
                               atol=1e-6)
    np.testing.assert_allclose(field[:, 1:], 0.0, atol=1e-12)


def test_no_active_point_and_input_untouched():
    X = cloud(20)
    X_before = X.copy()
    assert not extend_gradient(X, np.zeros_like(X), sigma=1.0).any()
    np.testing.assert_array_equal(X, X_before)


def test_coincident_active_points_stay_finite():
    X = np.zeros((5, 2))
    grad = np.ones((5, 2))
    field = extend_gradient(X, grad, sigma=1.0)
    assert np.all(np.isfinite(field))


def test_subsample_of_active_points_is_reproducible():
    X = cloud(500)
    grad = np.random.default_rng(2).normal(size=X.shape)
    a = extend_gradient(X, grad, sigma=0.5, max_active=50, random_state=0)
    b = extend_gradient(X, grad, sigma=0.5, max_active=50, random_state=0)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, match", [({"sigma": 0.0}, "sigma"),
                                           ({"sigma": np.nan}, "sigma"),
                                           ({"sigma": 1.0, "max_active": 0}, "max_active")])
def test_bad_parameters(kwargs, match):
    X = cloud(10)
    with pytest.raises(ValueError, match=match):
        extend_gradient(X, np.ones_like(X), **kwargs)


def test_bad_gradient_shape():
    X = cloud(10)
    with pytest.raises(ValueError, match="grad"):
        extend_gradient(X, np.ones((9, 3)), sigma=1.0)


def test_gradient_extension_in_stump_minimize():
    from sktopo import TopologicalLoss, stump_minimize
    from sktopo.functionals import PersistenceNorm
    from sktopo.smear import GradientExtension, PointSubsample

    rng = np.random.default_rng(0)
    theta = rng.uniform(0, 2 * np.pi, 80)
    X = np.c_[np.cos(theta), np.sin(theta)] + 0.05 * rng.normal(size=(80, 2))
    loss = TopologicalLoss(PersistenceNorm(p=2), filtration="weak_alpha",
                           homology_dimensions=1)
    kwargs = dict(alpha=1.0, learning_rate=0.02, max_iter=15, random_state=0)
    vanilla = stump_minimize(loss, X, smear=None, **kwargs)
    diffeo = stump_minimize(loss, X, smear=GradientExtension(0.3), **kwargs)
    assert loss(diffeo.x) < loss(vanilla.x)
    moved = lambda r: np.count_nonzero(np.any(r.x != X, axis=1))  # noqa: E731
    assert moved(diffeo) > 2 * moved(vanilla)
    again = stump_minimize(loss, X, smear=GradientExtension(0.3, 40), **kwargs)
    np.testing.assert_array_equal(
        again.x, stump_minimize(loss, X, smear=GradientExtension(0.3, 40), **kwargs).x)
    # a subsample's gradient moves points outside the subsample too
    sub = stump_minimize(loss, X, smear=PointSubsample(40), **kwargs)
    assert moved(again) > moved(sub)


def test_one_block_and_blocks_agree(monkeypatch):
    # a small cloud takes the kernel of all points once; a large one, block by block
    from sktopo.smear import _extension

    X = cloud()
    grad = np.zeros_like(X)
    grad[[3, 50, 120, 299]] = np.random.default_rng(1).normal(size=(4, 3))
    whole = extend_gradient(X, grad, sigma=0.5)
    monkeypatch.setattr(_extension, "_BLOCK_VALUES", 64)      # blocks of 16 points
    np.testing.assert_allclose(extend_gradient(X, grad, sigma=0.5), whole, rtol=1e-10,
                               atol=1e-14)


def test_singular_kernel_falls_back_to_least_squares():
    # coincident active points without jitter: K is all ones (not positive definite);
    # the least-squares field still interpolates the common gradient
    X = np.zeros((5, 2))
    field = extend_gradient(X, np.ones((5, 2)), sigma=1.0, jitter=0.0)
    np.testing.assert_allclose(field, 1.0)
