"""scikit-learn's common estimator checks on every sktopo estimator.

The estimators are built with small, fast parameters kept in one place (``INIT_PARAMS``).
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sktopo import (PointCloudTopoOptimizer, TopoImageSimplifier, TopologicalClassifier,
                    TopologicalRegressor)

# small and fast: the checks fit on tiny random data many times. The regressor runs to a
# tight tolerance because check_sample_weight_equivalence compares two fits of Top2 (not
# convex) to 1e-7; the classifier's data are often separable, where Top2 (zero on <= 3
# distinct weights) does not bound the weights, so it stops at max_iter: both fits then
# follow the same deterministic iterates.
INIT_PARAMS = {
    TopologicalRegressor: dict(penalty="top2", alpha=0.1, max_iter=5000, tol=1e-7),
    TopologicalClassifier: dict(penalty="top2", alpha=0.01, max_iter=200, tol=1e-4),
    TopoImageSimplifier: dict(max_iter=3),
    # Rips: the checks use points of up to 10 dimensions (weak alpha takes at most 3)
    PointCloudTopoOptimizer: dict(filtration="rips", max_iter=3),
}

# fit only validates (the optimization happens per image in transform), so n_iter_ exists
# after fit_transform only, while this check looks for it after fit
EXPECTED_FAILED_CHECKS = {
    "TopoImageSimplifier": {
        "check_transformer_n_iter": "fit only validates; n_iter_ (one per image) is set "
                                    "by fit_transform, where the optimization runs",
    },
}


def _estimators():
    return [cls(**params) for cls, params in INIT_PARAMS.items()]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(_estimators(), expected_failed_checks=lambda est:
                         EXPECTED_FAILED_CHECKS.get(type(est).__name__, {}))
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("penalty", ["top1", "top2", "l1", "l2", "tv", "tv2"])
@pytest.mark.parametrize("filtration", ["clusters", "line"])
def test_every_penalty_passes_a_basic_fit(penalty, filtration):
    # a fast subset of the contract for every penalty: fit, predict, fitted attributes
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 8))
    y = X @ np.arange(8.0) + 0.1 * rng.standard_normal(30)
    reg = TopologicalRegressor(penalty, filtration=filtration, alpha=0.01).fit(X, y)
    assert reg.predict(X).shape == (30,)
    assert reg.n_iter_ >= 1
    assert np.isfinite(reg.coef_).all()
