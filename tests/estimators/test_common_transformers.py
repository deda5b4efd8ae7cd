"""scikit-learn's common estimator checks on the transformers of sktopo.estimators.

The estimators are built with small, fast parameters kept in one place (``INIT_PARAMS``).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sktopo import PointCloudTopoOptimizer, TopoImageSimplifier

# small and fast: the checks fit and transform tiny random data many times
INIT_PARAMS = {
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


@parametrize_with_checks(_estimators(), expected_failed_checks=lambda est:
                         EXPECTED_FAILED_CHECKS.get(type(est).__name__, {}))
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)
