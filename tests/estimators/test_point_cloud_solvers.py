"""PointCloudTopoOptimizer: big steps and the diffeomorphic gradient extension."""

import numpy as np
import pytest

from sktopo import PointCloudTopoOptimizer, TopologicalLoss
from sktopo.functionals import DeathNorm, PersistenceNorm


def noisy_circle(n=80, seed=0):
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(theta), np.sin(theta)] + 0.1 * rng.normal(size=(n, 2))


LOSS = TopologicalLoss(PersistenceNorm(p=2), filtration="weak_alpha", homology_dimensions=1)


def steps_to_90(curve):
    hit = np.flatnonzero(np.asarray(curve) <= 0.1 * curve[0])
    return int(hit[0]) if hit.size else np.inf


@pytest.mark.parametrize("kwargs", [{"gradient_extension": "diffeo"},
                                    {"solver": "big_steps"},
                                    {"solver": "big_steps", "gradient_extension": "diffeo",
                                     "sigma": 0.3}])
def test_faster_than_vanilla_in_steps(kwargs):
    X = noisy_circle()
    common = dict(homology_dimensions=1, p=2, learning_rate=0.05, max_iter=40,
                  random_state=0)
    vanilla = PointCloudTopoOptimizer("norm", **common).fit(X)
    other = PointCloudTopoOptimizer("norm", **common, **kwargs).fit(X)
    assert steps_to_90(other.loss_curve_) < steps_to_90(vanilla.loss_curve_)
    assert LOSS(other.points_) < 0.1 * LOSS(X)


def test_diffeo_moves_whole_regions_and_is_reproducible():
    X = noisy_circle()
    common = dict(homology_dimensions=1, p=2, learning_rate=0.05, max_iter=5,
                  random_state=0)
    vanilla = PointCloudTopoOptimizer("norm", **common).fit_transform(X)
    diffeo = PointCloudTopoOptimizer("norm", gradient_extension="diffeo", subsample=40,
                                     **common)
    Y = diffeo.fit_transform(X)
    moved = lambda Z: np.count_nonzero(np.any(Z != X, axis=1))  # noqa: E731
    assert moved(Y) > 2 * moved(vanilla)
    np.testing.assert_array_equal(Y, diffeo.fit_transform(X))


@pytest.mark.parametrize("extension", ["none", "diffeo"])
def test_death_norm_objective(extension):
    # the noisy circle's loss of Carriere et al.: sum of the squared H1 deaths
    X = noisy_circle()
    loss = TopologicalLoss(DeathNorm(p=2), filtration="weak_alpha", homology_dimensions=1)
    est = PointCloudTopoOptimizer(DeathNorm(p=2), homology_dimensions=1,
                                  gradient_extension=extension, learning_rate=0.05,
                                  max_iter=60, random_state=0)
    Y = est.fit_transform(X)
    assert est.loss_curve_[0] == pytest.approx(loss(X))
    assert loss(Y) < 0.5 * loss(X)


def test_bad_solver_parameters():
    X = noisy_circle(20)
    with pytest.raises(ValueError, match="gradient_extension"):
        PointCloudTopoOptimizer(gradient_extension="rkhs").fit(X)
    with pytest.raises(ValueError, match="sigma"):
        PointCloudTopoOptimizer(gradient_extension="diffeo", sigma=0.0).fit(X)
    with pytest.raises(ValueError, match="solver"):
        PointCloudTopoOptimizer(solver="lbfgs").fit(X)
