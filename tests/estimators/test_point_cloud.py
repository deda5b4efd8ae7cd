import pickle

import numpy as np
import pytest
from joblib import parallel_config
from numpy.testing import assert_allclose, assert_array_equal
from scipy.spatial.distance import pdist

from sktopo import PointCloudTopoOptimizer
from sktopo.estimators import optimize_point_cloud, optimize_point_clouds
from sktopo.functionals import DiagramDistance, PolynomialEnergy
from sktopo.persistence import rips_persistence, weak_alpha_persistence


def _two_clusters(n=15, seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.uniform(0, 0.25, (n, 2)), rng.uniform(0, 0.25, (n, 2)) + [1.5, 0]])
    return X, np.repeat([0, 1], n)


def _gap(X):
    return weak_alpha_persistence(X, 0)[0].finite().lifetimes.max()


def _within_change(X, Y, labels):
    """Relative (Frobenius) change of the pairwise distances inside each cluster."""
    d0 = np.concatenate([pdist(X[labels == k]) for k in np.unique(labels)])
    d1 = np.concatenate([pdist(Y[labels == k]) for k in np.unique(labels)])
    return np.linalg.norm(d1 - d0) / np.linalg.norm(d0)


def test_grouping_keeps_the_clusters_rigid():
    X, labels = _two_clusters()
    params = dict(objective="norm", p=2, min_persistence=0.1, learning_rate=0.01,
                  max_iter=250, random_state=0)
    grouped = optimize_point_cloud(X, grouping=1.0, grouping_scale=1.0, **params).x
    torn = optimize_point_cloud(X, **params).x
    # both meet the loss: the gap is closed (by >= 80 %) ...
    assert _gap(grouped) < 0.2 * _gap(X)
    assert _gap(torn) < 0.2 * _gap(X)
    # ... but only the grouping term moves whole clusters
    assert _within_change(X, grouped, labels) < 0.05
    assert _within_change(X, torn, labels) > 2 * _within_change(X, grouped, labels)


def test_gaussian_kernel_also_groups():
    X, labels = _two_clusters()
    res = optimize_point_cloud(X, "norm", p=2, min_persistence=0.1, grouping=1.0,
                               grouping_scale=0.3, grouping_kernel="gaussian",
                               max_iter=250, random_state=0)
    assert _gap(res.x) < 0.2 * _gap(X)
    assert _within_change(X, res.x, labels) < 0.05


def test_loss_includes_the_grouping_term():
    X, _ = _two_clusters(8)
    res = optimize_point_cloud(X, "norm", p=2, min_persistence=0.1, grouping=1.0,
                               max_iter=30)
    res0 = optimize_point_cloud(X, "norm", p=2, min_persistence=0.1, max_iter=30)
    assert res.loss_curve[0] == pytest.approx(res0.loss_curve[0])   # tau(X0) = 0
    assert not np.allclose(res.loss_curve, res0.loss_curve)


@pytest.mark.parametrize("maximize", [False, True])
def test_energy_goes_the_asked_way(maximize):
    X = np.random.default_rng(1).random((40, 2))
    energy = PolynomialEnergy(p=2, i0=2)
    before = energy(weak_alpha_persistence(X, 0)[0])
    Y = PointCloudTopoOptimizer("energy", p=2, i0=2, maximize=maximize, max_iter=60,
                                random_state=0).fit_transform(X)
    after = energy(weak_alpha_persistence(Y, 0)[0])
    assert (after > 1.5 * before) if maximize else (after < 0.5 * before)


def test_h1_on_weak_alpha_and_rips():
    t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    X = np.column_stack([np.cos(t), np.sin(t)])
    for filtration, persistence in [("weak_alpha", weak_alpha_persistence),
                                    ("rips", rips_persistence)]:
        before = persistence(X, 1)[1].lifetimes.max()
        res = optimize_point_cloud(X, "energy", homology_dimensions=1, p=2,
                                   filtration=filtration, learning_rate=0.02, max_iter=60)
        after = persistence(res.x, 1)[1].lifetimes
        assert after.size == 0 or after.max() < 0.5 * before, filtration


def test_target_objective():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    target = np.array([[0.0, 1.5], [0.0, 1.5]])
    dist = DiagramDistance(target)
    before = dist(weak_alpha_persistence(X, 0)[0])
    res = optimize_point_cloud(X, "target", target=target, learning_rate=0.02, max_iter=200)
    assert dist(weak_alpha_persistence(res.x, 0)[0]) < 0.1 * before
    with pytest.raises(ValueError, match="target"):
        optimize_point_cloud(X, "target", max_iter=1)


def test_dict_objective_mixes_directions():
    X = np.random.default_rng(2).random((30, 2))
    objective = {0: PolynomialEnergy(2, 0, 2), 1: -PolynomialEnergy(2, 1, 1)}
    res = optimize_point_cloud(X, objective, max_iter=20)
    assert res.x.shape == X.shape and np.isfinite(res.x).all()


def test_stump_subsample_reproducible_and_n_jobs_independent():
    rng = np.random.default_rng(3)
    clouds = [rng.random((25, 2)), rng.random((30, 2)), rng.random((20, 2))]
    params = dict(p=2, i0=2, maximize=True, subsample=0.8, eps=0.01, max_iter=15)
    a = optimize_point_clouds(clouds, "energy", random_state=0, **params)
    b = optimize_point_clouds(clouds, "energy", random_state=0, **params)
    with parallel_config(backend="threading"):    # fast start; the seeds are the same
        c = optimize_point_clouds(clouds, "energy", random_state=0, n_jobs=2, **params)
    for ra, rb, rc, X in zip(a, b, c, clouds):
        assert ra.x.shape == X.shape
        assert_array_equal(ra.x, rb.x)
        assert_array_equal(ra.x, rc.x)
    d = optimize_point_clouds(clouds, "energy", random_state=1, **params)
    assert not np.array_equal(a[0].x, d[0].x)
    with pytest.raises(TypeError, match="list"):
        optimize_point_clouds(clouds[0])


def test_estimator_reproducible_and_attributes():
    X = np.random.default_rng(4).random((30, 2))
    est = PointCloudTopoOptimizer(subsample=0.7, eps=0.01, max_iter=20, random_state=0)
    Y1 = est.fit_transform(X)
    Y2 = PointCloudTopoOptimizer(subsample=0.7, eps=0.01, max_iter=20,
                                 random_state=0).fit(X).points_
    assert_array_equal(Y1, Y2)
    assert est.n_iter_ == 20 and est.loss_curve_.shape == (20,)
    assert est.n_features_in_ == 2


def test_coincident_and_few_points():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    res = optimize_point_cloud(X, "energy", homology_dimensions=(0, 1), grouping=1.0,
                               max_iter=20)
    assert np.isfinite(res.x).all()
    for n in (1, 2):
        Y = PointCloudTopoOptimizer(max_iter=10).fit_transform(np.arange(2.0 * n).reshape(n, 2))
        assert Y.shape == (n, 2) and np.isfinite(Y).all()
    # two points: the one H0 bar shrinks
    Y = PointCloudTopoOptimizer(max_iter=50, learning_rate=0.05).fit_transform(
        [[0.0, 0.0], [1.0, 0.0]])
    assert np.linalg.norm(Y[0] - Y[1]) < 0.5


def test_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        PointCloudTopoOptimizer().fit([[0.0, np.nan], [1.0, 1.0], [2.0, 0.0]])
    with pytest.raises(ValueError, match="dimension at most 3"):
        PointCloudTopoOptimizer(filtration="weak_alpha", max_iter=1).fit(
            np.zeros((5, 4)) + np.arange(5)[:, None])
    with pytest.raises(ValueError, match="homology_dimensions"):
        optimize_point_cloud(np.random.default_rng(0).random((5, 2)), homology_dimensions=4)
    with pytest.raises(ValueError, match="fidelity_weight"):
        optimize_point_cloud(np.zeros((3, 2)), fidelity_weight=1.0)
    with pytest.raises(ValueError, match="objective"):
        optimize_point_cloud(np.zeros((3, 2)), "nonsense")


def test_input_not_modified_dtype_and_pickle():
    X = np.random.default_rng(5).random((20, 2)).astype(np.float32)
    X_copy = X.copy()
    est = PointCloudTopoOptimizer(max_iter=5, random_state=0).fit(X)
    assert_array_equal(X, X_copy)
    assert est.points_.dtype == np.float32
    clone = pickle.loads(pickle.dumps(est))
    assert_allclose(clone.points_, est.points_)


def test_fidelity_weight_limits_the_displacement():
    X = np.random.default_rng(6).random((30, 2))
    free = optimize_point_cloud(X, p=2, i0=2, maximize=True, max_iter=60).x
    held = optimize_point_cloud(X, p=2, i0=2, maximize=True, fidelity_weight=0.99,
                                max_iter=60).x
    assert np.abs(held - X).sum() < np.abs(free - X).sum()
